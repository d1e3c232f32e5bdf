"""`make bench`, section "operators": the operator report, `unmatched`, and an admin's `/report`
beside users' turns (issue #13's targets).

A generated SQLite database holds the event log of N users shaped like the engine's journeys
(a case, a diagnosis, steps, a resubmission, a follow-up, an outcome; some topics, commands,
second cases and unplaced messages), spread over 30 days: ~15 events per user. The unplaced
messages are distinct texts from the bench corpus (realistic messages with typos, in every
language). Each figure comes from a fresh worker process:

    report      `build_report` over the whole period: wall time and the process's peak memory
    unmatched   `python -m bot unmatched` as an operator runs it (read, group, closest entries)
    admin       an admin's /report on the running service while a user keeps chatting: the
                slowest reply during the report, next to the slowest in as many seconds of
                chatting after it
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.ops.bench_report import Section, Target, emit, run_worker, vm_hwm_mb

EVENTS_PER_USER = 15  # about, on average
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
STEPS = ("light", "corners", "focus", "retake", "upload")


def _at(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def make_database(path: str, users: int, texts: list[str], seed: int = 1) -> int:
    """Create the bot's schema at `path` and fill it; return the number of events."""
    from bot.storage.sqlite import SqliteStore
    from bot.understanding.redact import fingerprint, redact

    async def create() -> None:
        store = await SqliteStore.open(path)
        await store.close()

    asyncio.run(create())
    rng = random.Random(seed)
    reasons = [
        "blurry_photo",
        "info_mismatch",
        "face_verification",
        "expired_document",
        "id_already_registered",
        "underage",
        "edited_document",
        "restricted_region",
    ]
    topics = ["review_times", "manual_review", "contact_support", "find_reason", "speed_up_review"]
    events: list[tuple[Any, ...]] = []
    cases: list[tuple[Any, ...]] = []
    conversations: list[tuple[Any, ...]] = []
    followups: list[tuple[Any, ...]] = []
    unmatched: list[tuple[Any, ...]] = []
    texts_left = list(texts)
    redaction = fingerprint()
    for n in range(users):
        uid = str(100_000 + n)
        # a user's events span at most ~2.4 days: starting 2.5 days before NOW at the latest,
        # they all come before it (the log as it stands at NOW, as a report reads it)
        clock = [NOW - timedelta(days=2.5 + 27.5 * rng.random())]
        own: list[tuple[str, dict[str, Any], datetime]] = []

        def log(
            kind: str, _own: list[Any] = own, _clock: list[datetime] = clock, **data: Any
        ) -> None:
            _clock[0] += timedelta(seconds=rng.randint(5, 600))
            _own.append((kind, data, _clock[0]))

        log("conversation_started")
        log("language", lang=rng.choice(["en", "zh", "ru"]), how="client")
        for number in range(1, 3 if rng.random() < 0.15 else 2):
            reason = rng.choice(reasons)
            opened = clock[0]
            log("case_opened", case=number)
            log("diagnosed", reasons=[reason], multi=False, candidates=[])
            for step in STEPS[: rng.randint(1, len(STEPS))]:
                log("step", reason=reason, step=step)
                if rng.random() < 0.3:
                    log("option", reason=reason, step=step, option=0)
            status, attempts = "open", []
            if rng.random() < 0.7:
                log("resubmitted", attempt=1, reasons=[reason])
                log("stage", case=number, stage="resubmitted")
                clock[0] += timedelta(hours=25)
                log("followup_sent", type="result")
                outcome = rng.choice(["passed", "passed", "rejected", None])
                if outcome:
                    log("outcome", outcome=outcome, attempt=1, failures=0, reasons=[reason])
                    attempts.append({"at": _at(clock[0]), "outcome": outcome, "source": "reported"})
                    if outcome == "passed":
                        status = "passed"
                        log("stage", case=number, stage="passed")
                    elif rng.random() < 0.3:
                        log("manual_review", failures=3)
            if number == 1 and rng.random() < 0.15:
                log("case_closed", case=number, why="restart")
                status = "closed"
            cases.append((
                "telegram", uid, number, _at(opened), _at(clock[0]) if status != "open" else None,
                status, json.dumps([reason]), json.dumps(attempts), 0, _at(clock[0]),
            ))  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            log("topic", id=rng.choice(topics))
        if rng.random() < 0.3:
            log("command", name="status")
        while texts_left and rng.random() < 0.4:
            text = texts_left.pop()
            log("unmatched")
            # as the bot writes it: redacted, with the redaction that did it
            unmatched.append(("telegram", uid, _at(clock[0]), redact(text), "[]", redaction))
        if rng.random() < 0.3:
            due = clock[0] + timedelta(days=rng.randint(1, 10))
            followups.append(("telegram", uid, _at(due), "result", "pending", _at(clock[0])))
        events += [
            ("telegram", uid, _at(at), kind, json.dumps(data)) for kind, data, at in own if at <= NOW
        ]
        conversations.append(("telegram", uid, "{}", "en", 1, _at(own[0][2]), _at(clock[0])))
    events.sort(key=lambda e: e[2])  # written in time order, as the bot writes them
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO events (channel, user_id, at, kind, data) VALUES (?,?,?,?,?)", events
        )
        db.executemany(
            "INSERT INTO cases (channel, user_id, number, opened_at, closed_at, status,"
            " reasons, attempts, failures, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            cases,
        )
        db.executemany(
            "INSERT INTO conversations (channel, user_id, state, lang, active, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            conversations,
        )
        db.executemany(
            "INSERT INTO followups (channel, user_id, due_at, kind, status, created_at)"
            " VALUES (?,?,?,?,?,?)",
            followups,
        )
        db.executemany(
            "INSERT INTO unmatched (channel, user_id, at, text, candidates, redaction)"
            " VALUES (?,?,?,?,?,?)",
            unmatched,
        )
    db.close()
    return len(events)


class ChildPeaks:
    """Watch this process's children while in the block: `peaks` maps each pid to its peak
    resident memory in MB (VmHWM, read every 10 ms; it only grows, so the last read is at most
    10 ms short). `RUSAGE_CHILDREN` would not do: a child's figure includes its parent's memory
    at the fork before its exec."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(0.01):
            for task in Path("/proc/self/task").iterdir():
                try:
                    pids = (task / "children").read_text().split()
                except OSError:
                    continue
                for pid in pids:
                    mb = vm_hwm_mb(pid)
                    if mb == mb:  # not nan: still there
                        self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)


# -- workers ---------------------------------------------------------------------------------


def _report(db: str, knowledge: str) -> dict[str, Any]:
    from bot.app.report import build_report
    from bot.knowledge.loader import load_knowledge
    from bot.ops.report import open_readonly

    kb = load_knowledge(knowledge)

    async def run() -> Any:
        store = await open_readonly(db)
        try:
            return await build_report(store, kb, NOW - timedelta(days=31), NOW)
        finally:
            await store.close()

    start = time.perf_counter()
    with ChildPeaks() as children:  # any child process (bot.app.report_apart, bot.app.grouping)
        report = asyncio.run(run())
    seconds = time.perf_counter() - start
    child_mb = max(children.peaks.values(), default=0.0)
    return {
        "seconds": seconds,
        "rss_mb": vm_hwm_mb() + child_mb,
        "worker_rss_mb": vm_hwm_mb(),
        "child_rss_mb": child_mb,
        "events": sum(report.events.values()),
        "cases": report.outcomes.cases,
    }


def _unmatched(db: str, knowledge: str) -> dict[str, Any]:
    from bot.app.report import load_unmatched
    from bot.app.unmatched import group_messages
    from bot.ops.report import open_readonly, unmatched

    async def read() -> Any:
        store = await open_readonly(db)
        try:
            return await load_unmatched(store, NOW - timedelta(days=31), NOW)
        finally:
            await store.close()

    messages = asyncio.run(read())
    start = time.perf_counter()
    groups = group_messages(messages)
    grouping = time.perf_counter() - start
    args = argparse.Namespace(since="31d", db=db, knowledge=knowledge, export=None)
    start = time.perf_counter()
    asyncio.run(unmatched(args, NOW, io.StringIO()))
    return {
        "grouping_s": grouping,
        "command_s": time.perf_counter() - start,
        "texts": len({m.text for m in messages}),
        "groups": len(groups),
    }


def _admin(db: str, knowledge: str) -> dict[str, Any]:
    from bot.app.admin import Admin
    from bot.app.knowledge import load_knowledge
    from bot.app.service import Service
    from bot.core.events import TextMessage

    kb = load_knowledge(knowledge)

    async def run() -> dict[str, Any]:
        service = await Service.open(kb, db, lambda: NOW)
        admin = Admin(service, knowledge)

        async def chat_until(
            done: asyncio.Future[Any] | None, turns: int, seconds: float = 1e9
        ) -> list[float]:
            took: list[float] = []
            end = time.perf_counter() + seconds
            for i in range(turns):
                if (done is not None and done.done()) or time.perf_counter() > end:
                    break
                start = time.perf_counter()
                await service.handle("bench", f"u{i % 20}", TextMessage("my document expired"))
                took.append(time.perf_counter() - start)
            return took

        try:
            await chat_until(None, 50)  # warm: the first turns load what every later one uses
            before = await chat_until(None, 200)
            report = asyncio.ensure_future(admin.answer("report"))
            started = time.perf_counter()
            during = await chat_until(report, 10_000_000)
            took = time.perf_counter() - started
            start = time.perf_counter()
            await report
            tail = time.perf_counter() - start
            # as long as the report took, without it: the slowest of as many seconds of turns
            # (the slowest of 200 turns is not the slowest of thousands on a busy machine)
            after = await chat_until(None, 10_000_000, took)
            return {
                "before_ms": max(before) * 1000,
                "before_p50_ms": statistics.median(before) * 1000,
                "during_ms": max(during or [0]) * 1000,
                "during_p50_ms": statistics.median(during or [0]) * 1000,
                "during_p99_ms": _quantile(during, 0.99) * 1000,
                "turns_during": len(during),
                "report_s": took,
                "after_ms": max(after or [0]) * 1000,
                "after_p99_ms": _quantile(after, 0.99) * 1000,
                "turns_after": len(after),
                "tail_s": tail,
            }
        finally:
            await service.close()

    return asyncio.run(run())


def _quantile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def section(knowledge: str, *, quick: bool = False) -> Section:
    """Run the workers; return the figures."""
    from bot.ops.bench_corpus import generate

    users = 200 if quick else 1_000_000 // EVENTS_PER_USER
    distinct = 100 if quick else 8000
    out = Section("operators: the operator report, grouping unmatched messages, an admin's /report")
    texts = list(dict.fromkeys(s.text for s in generate(Path(knowledge), distinct // 2 + 1)))
    random.Random(2).shuffle(texts)
    with tempfile.TemporaryDirectory(prefix="kyc-bench-reports-") as tmp:
        db = str(Path(tmp) / "bot.sqlite3")
        corpus = Path(tmp) / "texts.json"
        corpus.write_text(json.dumps(texts[:distinct]), encoding="utf-8")
        made = run_worker(["-m", "bot.ops.bench_operators", "make", db, str(users), str(corpus)])
        if "error" in made:
            out.fail(f"making the database: {made['error']}")
            return out
        out.notes.append(
            f"{made['events']:,} events of {users:,} users, {distinct:,} distinct "
            f"unplaced messages (made in {made['_wall_s']:.0f} s)"
        )
        report = run_worker(["-m", "bot.ops.bench_operators", "report", db, knowledge])
        if "error" in report:
            out.fail(f"report: {report['error']}")
        else:
            out.add(
                "report.seconds",
                report["seconds"],
                "s",
                "build_report over 31 days of the generated log, read-only SQLite",
                Target("<", 2, "#13"),
            )
            out.add(
                "report.peak_rss",
                report["rss_mb"],
                "MB",
                f"peak RSS (VmHWM) of the worker: Python, the knowledge base, the report "
                f"({report['worker_rss_mb']:.0f} MB), plus the peak of any child process "
                f"({report['child_rss_mb']:.0f} MB; the operator's report starts none)",
                Target("<", 150, "#13"),
            )
        grouped = run_worker(["-m", "bot.ops.bench_operators", "unmatched", db, knowledge])
        if "error" in grouped:
            out.fail(f"unmatched: {grouped['error']}")
        else:
            out.add(
                "unmatched.grouping",
                grouped["grouping_s"],
                "s",
                f"grouping {grouped['texts']:,} distinct unplaced texts into "
                f"{grouped['groups']:,} groups",
                Target("<", 2, "#13"),
            )
            out.add(
                "unmatched.command",
                grouped["command_s"],
                "s",
                "`python -m bot unmatched` on them: read, redact, group, build the matcher, "
                "closest entries of every group",
            )
        admin = run_worker(["-m", "bot.ops.bench_operators", "admin", db, knowledge])
        if "error" in admin:
            out.fail(f"admin: {admin['error']}")
        else:
            out.add(
                "admin_report.added_delay",
                admin["during_ms"] - admin["after_ms"],
                "ms",
                f"slowest of {admin['turns_during']:,} turns of a user chatting during an "
                f"admin's /report ({admin['report_s']:.1f} s; slowest {admin['during_ms']:.0f} "
                f"ms, p99 {admin['during_p99_ms']:.1f}, p50 {admin['during_p50_ms']:.2f}), minus "
                f"the slowest of {admin['turns_after']:,} turns in as many seconds after it "
                f"({admin['after_ms']:.0f} ms, p99 {admin['after_p99_ms']:.1f}); the slowest of "
                f"200 turns before it, after 50 to warm up: {admin['before_ms']:.0f} ms",
                Target("<=", 50, "#13"),
            )
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    what = argv[0]
    if what == "make":
        texts = json.loads(Path(argv[3]).read_text(encoding="utf-8"))
        emit({"events": make_database(argv[1], int(argv[2]), texts)})
    elif what == "report":
        emit(_report(argv[1], argv[2]))
    elif what == "unmatched":
        emit(_unmatched(argv[1], argv[2]))
    elif what == "admin":
        emit(_admin(argv[1], argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
