"""Grouping the period's unplaced messages, in a child process or in a worker thread.

Redacting and grouping (`bot.app.unmatched.group_messages`) are pure Python: ~1 s for 8,000
distinct texts. A thread doing it holds the interpreter lock that the rest of the process
needs: each time another thread waits (the event loop between turns and inside each turn, the
store's threads at every statement and at every row they fetch, since `sqlite3_step` releases
the lock) it gets the lock back only when the grouping thread hands it over
(`sys.getswitchinterval()`, 5 ms). Beside a grouping thread, a 1 ms turn took 50-200 ms while
an admin's `/report` ran, and the report's own 1,000 grouped rows took 5 s to fetch instead of
a few milliseconds. So the report groups in a child process (`CHILD`, running `main`:
rows in and groups out as JSON over pipes, nothing shared), and this process keeps the lock
for its turns and its reading. `unmatched` with the matcher's closest entries (they live in
this process) groups in a thread; both give the same groups (tests/test_report.py compares).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.app.unmatched import Candidate, UnmatchedGroup, UnmatchedMessage, group_messages
from bot.core.state import iso
from bot.storage.base import UnmatchedRow
from bot.understanding.redact import fingerprint, redact

log = logging.getLogger(__name__)

#: how much nicer than the bot the child runs (from before its imports): on a busy machine it
#: yields the cores to turns
CHILD_NICE = 10


def child_command(module: str) -> tuple[str, ...]:
    """The command of a child running `module`'s `main`: this interpreter, isolated (neither
    the working directory nor PYTHON* variables decide what it imports), with this very `bot`
    package, `CHILD_NICE` nicer from before its imports."""
    return (
        sys.executable, "-I", "-c",
        "import os, sys\ntry: os.nice(int(sys.argv[2]))\nexcept OSError: pass\n"
        f"sys.path.insert(0, sys.argv[1]); from {module} import main;"
        " raise SystemExit(main())",
        str(Path(__file__).resolve().parents[2]), str(CHILD_NICE),
    )  # fmt: skip


#: the grouping child's command
CHILD = child_command("bot.app.grouping")
#: rows (and groups) encoded (decoded) between two passes of the event loop
BATCH = 256
#: fewer rows than this group in a thread: a few milliseconds of work, less than starting a
#: process
APART_FROM = 500

Closest = Callable[[str], Sequence[Candidate]]


def unmatched_messages(rows: Sequence[UnmatchedRow]) -> list[UnmatchedMessage]:
    """The stored rows as messages, their text redacted again where another redaction wrote it
    (rows stored by an older version may hold what today's redaction catches; redacting what
    today's wrote changes nothing, so it is skipped)."""
    return _messages(_stale(rows))


def _stale(rows: Sequence[UnmatchedRow]) -> list[tuple[str, str, list[Any], bool]]:
    """(text, at, candidates, whether another redaction wrote it) of each row."""
    current = fingerprint()
    return [(r.text, iso(r.at), list(r.candidates), r.redaction != current) for r in rows]


def _messages(rows: Sequence[Sequence[Any]]) -> list[UnmatchedMessage]:
    cleaned: dict[str, str] = {}  # the same text is redacted once
    out = []
    for text, at, stored, stale in rows:
        text = text or ""
        if stale:
            if text not in cleaned:
                cleaned[text] = redact(text)
            text = cleaned[text]
        candidates = [c for c in stored if isinstance(c, dict)]
        out.append(UnmatchedMessage(text, at, candidates))
    return out


async def group_rows(
    rows: Sequence[UnmatchedRow],
    threshold: float,
    closest: Closest | None = None,
    *,
    apart: bool = False,
) -> list[UnmatchedGroup]:
    """Redact and group `rows` off the event loop: in a child process with `apart` (and no
    `closest`, which lives in this process), else in a worker thread."""
    if apart and closest is None and len(rows) >= APART_FROM:
        try:
            return await _in_child(rows, threshold)
        except (OSError, ValueError, ChildFailed) as exc:
            log.warning("grouping in a child process failed (%s); grouping in a thread", exc)

    def group() -> list[UnmatchedGroup]:
        return group_messages(unmatched_messages(rows), threshold, closest)

    return await asyncio.to_thread(group)


class ChildFailed(Exception):
    """A child process (grouping or report) did not give its answer."""


async def read_groups(stream: asyncio.StreamReader) -> list[UnmatchedGroup]:
    """Read a child's groups, a line of JSON each, letting turns run every `BATCH`."""
    groups: list[UnmatchedGroup] = []
    while line := await stream.readline():
        groups.append(_group(json.loads(line)))
        if len(groups) % BATCH == 0:
            await asyncio.sleep(0)
    return groups


async def reap(proc: asyncio.subprocess.Process, errors: asyncio.Future[bytes]) -> None:
    """After reading a child: if it still runs (cancelled, or failed), it goes too."""
    if proc.returncode is None:
        proc.kill()
        await proc.wait()
    errors.cancel()


def failure(proc: asyncio.subprocess.Process, err: bytes) -> ChildFailed:
    """The error for a child that exited with a failure: its last line of stderr."""
    tail = (err.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
    return ChildFailed(f"exit {proc.returncode}: {tail[:300]}")


async def _in_child(rows: Sequence[UnmatchedRow], threshold: float) -> list[UnmatchedGroup]:
    """Group in a child process (`CHILD`): rows go in and groups come out a line of JSON
    each, `BATCH` at a time with a pass of the event loop between batches, so that no single
    step (encoding, decoding) holds the loop or the interpreter lock for long."""
    proc = await asyncio.create_subprocess_exec(
        *CHILD,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin and proc.stdout and proc.stderr
    errors = asyncio.ensure_future(proc.stderr.read())
    try:
        try:
            proc.stdin.write(_line([fingerprint(), threshold]))
            for start in range(0, len(rows), BATCH):
                proc.stdin.write(b"".join(map(_line, _stale(rows[start : start + BATCH]))))
                await proc.stdin.drain()
                await asyncio.sleep(0)
            proc.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child stopped reading: its exit status says why
        groups = await read_groups(proc.stdout)
        await proc.wait()
        err = await errors
    finally:
        await reap(proc, errors)
    if proc.returncode != 0:
        raise failure(proc, err)
    return groups


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def _group(g: dict[str, Any]) -> UnmatchedGroup:
    return UnmatchedGroup(
        text=g["text"],
        count=g["count"],
        unmatched=g["unmatched"],
        ambiguous=g["ambiguous"],
        variants=tuple(g["variants"]),
        candidates=tuple(Candidate(*c) for c in g["candidates"]),
        first_at=g["first_at"],
        last_at=g["last_at"],
    )


def _plain(g: UnmatchedGroup) -> dict[str, Any]:
    return {
        "text": g.text,
        "count": g.count,
        "unmatched": g.unmatched,
        "ambiguous": g.ambiguous,
        "variants": list(g.variants),
        "candidates": [[c.kind, c.id, c.score] for c in g.candidates],
        "first_at": g.first_at,
        "last_at": g.last_at,
    }


def main() -> int:
    """The child: on stdin a line [redaction, threshold], then a line [text, at, candidates,
    stale] per row; on stdout a line per group. It redacts the stale texts (another redaction
    wrote them) as its parent would (the same environment names the same privacy words), or
    says it cannot (exit 3); without any, it never loads the privacy words."""
    lines = sys.stdin.buffer
    redaction, threshold = json.loads(lines.readline())
    rows = [json.loads(line) for line in lines]
    if any(row[3] for row in rows) and redaction != fingerprint():
        print("the child's redaction is not its parent's", file=sys.stderr)
        return 3
    out = sys.stdout.buffer
    for group in group_messages(_messages(rows), threshold):
        out.write(_line(_plain(group)))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
