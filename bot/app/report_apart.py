"""The report's reading and grouping, in this process or in a child process.

What the report reads from the store (`Parts`: the period's counts, the database's groups of
users and cases, the unplaced messages grouped) costs ~2 s of CPU on a million events, some of it
Python holding the interpreter lock: the reading thread takes it at the end of each query and for
the rows it hands over, the grouping (`bot.app.grouping`) for a second. On a busy machine a
thread holding it may wait for a core, and meanwhile the event loop cannot run a turn. So a
report on a store that another process can open (a SQLite file, a PostgreSQL URL) reads and
groups in a child process (`CHILD`, at nice 10, opening the store read-only): the serving
process only waits on a pipe and reads a few thousand lines of JSON, in batches. An in-memory
store, or a child that fails, reads here (the figures are the same: tests/test_report.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.app.cohort import OUTCOMES, TERMS
from bot.app.grouping import (
    ChildFailed,
    child_command,
    failure,
    group_rows,
    read_groups,
    reap,
)
from bot.app.grouping import _plain as group_to_json
from bot.app.unmatched import UnmatchedGroup
from bot.core import journal
from bot.storage import open_store
from bot.storage.base import CaseGroup, EventTotals, FieldCount, QuietGroup, ReportSummary, Store
from bot.understanding.redact import fingerprint

log = logging.getLogger(__name__)

#: the report child's command (at `grouping.CHILD_NICE`, from before its imports)
CHILD = child_command("bot.app.report_apart")


#: the longest line read from the child (its first holds the database's groups)
LINE_LIMIT = 1 << 26


@dataclass(frozen=True)
class Parts:
    """What the report reads from the store."""

    totals: EventTotals
    topics: list[FieldCount]
    steps: list[FieldCount]
    summary: ReportSummary
    unmatched: list[UnmatchedGroup]


async def read_parts(
    store: Store,
    since: datetime,
    now: datetime,
    quiet_before: datetime,
    threshold: float,
    *,
    apart: bool = True,
) -> Parts:
    """Read the report's parts: in a child process with `apart` where the store can be opened
    by another process, else here (grouping in a child process with `apart`, else a thread)."""
    location = getattr(store, "location", None)
    if apart and location:
        try:
            return await _in_child(location, since, now, quiet_before, threshold)
        except (OSError, ValueError, KeyError, ChildFailed) as exc:
            log.warning("reading the report in a child process failed (%s); reading here", exc)
    return await _here(store, since, now, quiet_before, threshold, apart)


async def _here(
    store: Store,
    since: datetime,
    now: datetime,
    quiet_before: datetime,
    threshold: float,
    apart: bool,
) -> Parts:
    # grouping the unplaced messages (Python, in a child process or a thread) goes on while the
    # database counts (SQLite's work runs without the interpreter lock)
    async def grouped() -> list[UnmatchedGroup]:
        rows = await store.unmatched_between(since, now)
        return await group_rows(rows, threshold, apart=apart) if rows else []

    grouping = asyncio.create_task(grouped())
    try:
        totals = await store.event_totals(since, now)
        topics = await store.field_counts(since, now, journal.TOPIC, ["id"])
        steps = await store.field_counts(since, now, journal.STEP, ["reason", "step"])
        # the per-user and per-case rules read facts the database groups: a few hundred rows
        summary = await store.report_summary(since, now, TERMS, OUTCOMES, quiet_before)
        return Parts(totals, topics, steps, summary, await grouping)
    finally:
        if not grouping.done():
            grouping.cancel()


async def _in_child(
    location: str, since: datetime, now: datetime, quiet_before: datetime, threshold: float
) -> Parts:
    proc = await asyncio.create_subprocess_exec(
        *CHILD,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    errors = asyncio.ensure_future(proc.stderr.read())
    try:
        ask = [location, since.isoformat(), now.isoformat(), quiet_before.isoformat(), threshold]
        proc.stdin.write(json.dumps([fingerprint(), *ask]).encode() + b"\n")
        proc.stdin.close()  # the URL goes by pipe, never on a command line
        head = await proc.stdout.readline()
        groups = await read_groups(proc.stdout)
        await proc.wait()
        err = await errors
    finally:
        await reap(proc, errors)
    if proc.returncode != 0 or not head:
        raise failure(proc, err)
    return _parts(json.loads(head), groups)


def _counts(rows: list[FieldCount]) -> list[list[Any]]:
    return [[list(f.values), f.count, f.users] for f in rows]


def _head(parts: Parts) -> dict[str, Any]:
    s = parts.summary
    return {
        "kinds": dict(parts.totals.kinds),
        "users": parts.totals.users,
        "topics": _counts(parts.topics),
        "steps": _counts(parts.steps),
        "cases": [
            [list(g.reasons), g.status, g.closed_event, g.waiting, g.quiet, g.last_kind,
             sorted(g.flags), g.reported, g.rejected, g.passed_at, g.closed, g.n]
            for g in s.cases
        ],  # fmt: skip
        "quiet": [[q.last_kind, list(q.last_values), q.n] for q in s.quiet_users],
        "durations": [d // timedelta(microseconds=1) for d in s.durations],
    }


def _parts(head: dict[str, Any], groups: list[UnmatchedGroup]) -> Parts:
    summary = ReportSummary(
        cases=[
            CaseGroup(tuple(r), status, ce, w, q, lk, frozenset(f), rep, rej, pa, c, n)
            for r, status, ce, w, q, lk, f, rep, rej, pa, c, n in head["cases"]
        ],
        quiet_users=[QuietGroup(k, tuple(v), n) for k, v, n in head["quiet"]],
        durations=tuple(timedelta(microseconds=d) for d in head["durations"]),
    )
    return Parts(
        totals=EventTotals(head["kinds"], head["users"]),
        topics=[FieldCount(tuple(v), c, u) for v, c, u in head["topics"]],
        steps=[FieldCount(tuple(v), c, u) for v, c, u in head["steps"]],
        summary=summary,
        unmatched=groups,
    )


def main() -> int:
    """The child: on stdin a line [redaction, location, since, now, quiet_before, threshold];
    on stdout a line of the parts but the groups, then a line per group. It redacts as its
    parent would (the same environment names the same privacy words), or says it cannot."""
    redaction, location, *times, threshold = json.loads(sys.stdin.buffer.readline())
    if redaction != fingerprint():
        print("the child's redaction is not its parent's", file=sys.stderr)
        return 3
    since, now, quiet_before = (datetime.fromisoformat(t) for t in times)

    async def read() -> Parts:
        store = await open_store(location, readonly=True)
        try:
            return await _here(store, since, now, quiet_before, threshold, apart=False)
        finally:
            await store.close()

    parts = asyncio.run(read())
    out = sys.stdout.buffer
    out.write(json.dumps(_head(parts), ensure_ascii=False).encode() + b"\n")
    for group in parts.unmatched:
        out.write(json.dumps(group_to_json(group), ensure_ascii=False).encode() + b"\n")
    out.flush()
    return 0
