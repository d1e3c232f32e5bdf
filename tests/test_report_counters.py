"""The report from the counters equals the report from the event log.

A realistic history (cases, diagnoses, steps, resubmissions, follow-ups, outcomes, manual
review, lock risk, restarts, topics, forgets, a purge, a user whose clock went back) is written
through the store's turns; the report is computed from the counters the triggers kept, and
again from the log alone (the same database with the counters' triggers dropped, which is how
an older database reads), for periods that start and end mid-hour, lie in the past, or cover
everything. A database written by a version without counters and then upgraded (the migration
replays its log) gives the same report too.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.cohort import OUTCOMES, TERMS, summary_from_rows
from bot.app.report import Report, build_report
from bot.knowledge.model import KnowledgeBase
from bot.storage.base import (
    CaseRecord,
    EventRecord,
    Key,
    Lease,
    ReportSummary,
    Scheduled,
    Store,
    TurnWrite,
)
from bot.storage.report_terms import COUNTED, COUNTED_FIELDS, counted
from bot.storage.sqlite import SqliteStore

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
REASONS = ("blurry_photo", "info_mismatch", "face_verification", "expired_document")
STEPS = ("light", "corners", "focus", "retake", "upload")
TOPICS = ("review_times", "manual_review", "contact_support")
PERIODS = (
    (NOW - timedelta(days=31), NOW),  # everything
    (NOW - timedelta(days=8, minutes=13), NOW),  # over a week, from mid-hour
    (NOW - timedelta(days=12, hours=5, minutes=17), NOW - timedelta(days=2, minutes=31)),  # past
    (NOW - timedelta(hours=30, minutes=1), NOW - timedelta(hours=29, minutes=58)),  # minutes
)


def attempt_list(pick: float, at: str, outcome: str) -> tuple[object, ...]:
    """A case's attempts: mostly the one the user reported, sometimes shapes the report must
    read too (an earlier rejection, attempts it does not count, one without an outcome)."""
    reported = {"at": at, "outcome": outcome, "source": "reported"}
    shapes: list[tuple[object, ...]] = [
        ({"at": at, "outcome": "rejected", "source": "reported"}, reported),
        ({"at": at, "outcome": outcome, "source": "arrived"},),
        ({"at": at},),
        ({"outcome": "passed", "source": "counted"}, {"outcome": outcome}),
        ({"outcome": outcome, "source": "counted"}, {"at": at}, reported),
    ]
    return shapes[int(pick * 20)] if pick < len(shapes) / 20 else (reported,)


async def write_history(store: Store, users: int = 240, seed: int = 5) -> None:
    """Turns shaped like the engine's journeys, spread over 30 days, written in time order."""
    rng = random.Random(seed)
    turns: list[tuple[datetime, int, Key, TurnWrite]] = []
    for n in range(users):
        key = Key("telegram", str(5000 + n))
        at = NOW - timedelta(days=30 * rng.random())
        order = 0

        def turn(write: TurnWrite, gap: int = 600, n: int = n, key: Key = key) -> None:
            nonlocal at, order
            at += timedelta(seconds=rng.randint(5, gap))
            order += 1
            turns.append((at, n * 1000 + order, key, write))

        def events(*pairs: tuple[str, dict]) -> list[EventRecord]:
            return [EventRecord(k, d) for k, d in pairs]

        turn(
            TurnWrite(
                "{}", events=events(("conversation_started", {}), ("language", {"lang": "en"}))
            )
        )
        for number in range(1, 3 if rng.random() < 0.3 else 2):
            reason = rng.choice(REASONS)
            opened = at + timedelta(seconds=1)
            case = CaseRecord(number, opened, "open", (reason,))
            turn(TurnWrite("{}", case=case, events=events(
                ("case_opened", {"case": number}), ("diagnosed", {"reasons": [reason]}),
                ("step", {"reason": reason, "step": STEPS[0]}),
            )))  # fmt: skip
            for step in STEPS[1 : rng.randint(1, len(STEPS))]:
                turn(TurnWrite("{}", events=events(("step", {"reason": reason, "step": step}))))
            if rng.random() < 0.6:
                due = at + timedelta(days=1)
                turn(TurnWrite("{}", reschedule=True, followup=Scheduled(due, "result"),
                               events=events(("resubmitted", {"attempt": 1}))))  # fmt: skip
                turn(TurnWrite("{}", events=events(("followup_sent", {"type": "result"}))),
                     gap=90_000)  # fmt: skip
                outcome = rng.choice(["passed", "rejected", None])
                if outcome:
                    attempts = attempt_list(rng.random(), at.isoformat(), outcome)
                    status = "passed" if outcome == "passed" else "open"
                    closed = at + timedelta(seconds=1) if status == "passed" else None
                    more = [("outcome", {"outcome": outcome})]
                    if outcome == "rejected" and rng.random() < 0.5:
                        more.append(("manual_review" if rng.random() < 0.5 else "lock_risk", {}))
                    done = CaseRecord(number, opened, status, (reason,), attempts, 1, closed)
                    turn(TurnWrite("{}", reschedule=True, case=done, events=events(*more)))
            if number == 1 and rng.random() < 0.3:
                closed = CaseRecord(number, opened, "closed", (reason,), closed_at=at)
                turn(TurnWrite("{}", case=closed,
                               events=events(("case_closed", {"case": number, "why": "restart"}))))  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            topic = rng.choice(TOPICS)
            turn(TurnWrite("{}", events=events(("topic", {"id": topic}), ("topic", {}))))
        if rng.random() < 0.2:
            turn(TurnWrite("{}"), gap=400_000)  # a turn that logs nothing
        if rng.random() < 0.05:
            turn(TurnWrite(None, forget="forget"))
    turns.sort(key=lambda t: (t[0], t[1]))
    # their clock went back: reports of periods with them read users and cases from the log
    odd, topic, step = Key("telegram", "4999"), {"id": "x"}, {"reason": "r", "step": "s"}
    turns.append(
        (NOW - timedelta(days=10), 0, odd, TurnWrite("{}", events=[EventRecord("topic", topic)]))
    )
    turns.append(
        (NOW - timedelta(days=11), 0, odd, TurnWrite("{}", events=[EventRecord("step", step)]))
    )
    for at, _, key, write in turns:
        if at <= NOW:
            await store.run_turn(key, lambda _s, w=write: w, now=at, lease=Lease("a", at))
    await store.purge(NOW - timedelta(days=1), conversations_before=NOW - timedelta(days=29),
                      updates_before=NOW - timedelta(days=29))  # fmt: skip


def log_only(db: Path, tmp_path: Path) -> Path:
    """A copy of the database without the counters' triggers: its report reads the log."""
    copy = tmp_path / "log-only.sqlite3"
    shutil.copy(db, copy)
    conn = sqlite3.connect(copy)
    conn.executescript(
        "DROP TRIGGER report_count; DROP TRIGGER report_count_values;"
        " DROP TRIGGER report_count_closed; DROP TRIGGER report_uncount;"
    )
    conn.close()
    return copy


async def reports(db: Path | Store, kb: KnowledgeBase) -> list[Report]:
    store = await SqliteStore.open(db, readonly=True) if isinstance(db, Path) else db
    try:
        return [await build_report(store, kb, since, until) for since, until in PERIODS]
    finally:
        if store is not db:
            await store.close()


async def store_answers(db: Path | Store) -> list[object]:
    """What the report's queries return, for every period."""
    store = await SqliteStore.open(db, readonly=True) if isinstance(db, Path) else db
    out: list[object] = []
    try:
        for since, until in PERIODS:
            out.append(await store.event_totals(since, until))
            for kind, fields in COUNTED_FIELDS.items():
                found = await store.field_counts(since, until, kind, list(fields))
                out.append(sorted(found, key=lambda f: [str(v) for v in f.values]))
            out.append([u async for u in store.user_activity(since, until, TERMS)])
            out.append([c async for c in store.cohort_cases(since, until, TERMS)])
    finally:
        if store is not db:
            await store.close()
    return out


def grouped(summary: ReportSummary) -> tuple[Counter, Counter, tuple]:
    """A summary's groups added up by what they say (the database may split a group where the
    same facts are spelled twice, e.g. one list of reasons stored in two ways)."""
    cases: Counter = Counter()
    for g in summary.cases:
        cases[replace(g, n=0)] += g.n
    users: Counter = Counter()
    for u in summary.quiet_users:
        users[u.last_kind, u.last_values] += u.n
    return cases, users, summary.durations


async def summaries(db: Path | Store, *, from_rows: bool = False) -> list[object]:
    """The database's `report_summary` for every period (or the same worked out in Python from
    the rows `user_activity` and `cohort_cases` stream), a week of quiet before each end."""
    store = await SqliteStore.open(db, readonly=True) if isinstance(db, Path) else db
    try:
        out = []
        for since, until in PERIODS:
            quiet = until - timedelta(days=7)
            if from_rows:
                found = await summary_from_rows(store, since, until, quiet)
            else:
                found = await store.report_summary(since, until, TERMS, OUTCOMES, quiet)
            out.append(grouped(found))
        return out
    finally:
        if store is not db:
            await store.close()


async def written(db: Path) -> Path:
    store = await SqliteStore.open(db)
    try:
        await write_history(store)
    finally:
        await store.close()
    return db


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return asyncio.run(written(tmp_path_factory.mktemp("counters") / "kyc.sqlite3"))


def test_the_counters_count_the_reports_vocabulary() -> None:
    assert counted(TERMS) and TERMS.quiet and COUNTED.case_flags == TERMS.case_flags


def test_the_history_has_users_the_counters_cannot_answer_for(history_db: Path) -> None:
    conn = sqlite3.connect(history_db)
    try:
        (disordered,) = conn.execute(
            "SELECT count(*) FROM report_users WHERE NOT ordered"
        ).fetchone()
    finally:
        conn.close()
    assert disordered == 1  # their rows, and those of periods in the past, come from the log


async def test_the_report_from_the_counters_is_the_report_from_the_log(
    history_db: Path, kb: KnowledgeBase, tmp_path: Path
) -> None:
    counted_reports = await reports(history_db, kb)
    assert counted_reports[0].outcomes.cases > 200 and counted_reports[0].forgotten > 0
    assert counted_reports[0].purged > 0 and counted_reports[0].give_up
    assert counted_reports == await reports(log_only(history_db, tmp_path), kb)


async def test_every_report_query_answers_as_the_log_does(history_db: Path, tmp_path: Path) -> None:
    assert await store_answers(history_db) == await store_answers(log_only(history_db, tmp_path))


async def test_the_databases_grouping_is_the_rules_applied_to_every_row(
    history_db: Path, tmp_path: Path
) -> None:
    from_rows = await summaries(history_db, from_rows=True)
    assert sum(from_rows[0][0].values()) > 200 and from_rows[0][1] and from_rows[0][2]
    assert await summaries(history_db) == from_rows  # grouped from the counters
    assert await summaries(log_only(history_db, tmp_path)) == from_rows  # from the log


async def test_an_upgraded_database_reports_what_it_reported_before(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = tmp_path / "old.sqlite3"
    store = await SqliteStore.open(db)
    await store.run_sync(
        lambda c: c.executescript(
            "DROP TRIGGER report_count; DROP TRIGGER report_count_values;"
            " DROP TRIGGER report_count_closed; DROP TRIGGER report_uncount;"
            " DROP TABLE report_kinds; DROP TABLE report_values; DROP TABLE report_users;"
            " DROP TABLE report_user_values; DROP TABLE report_cases;"
            " DELETE FROM migrations WHERE name IN ('0006_report_counters', '0007_report_indexes');"
        )
    )
    try:
        await write_history(store, users=120, seed=9)  # as a version without counters writes
    finally:
        await store.close()
    before = await reports(db, kb)  # read-only: the log, as that version reported
    upgraded = await SqliteStore.open(db)  # the migration replays the log into the counters
    try:
        assert "0007_report_indexes" in await upgraded.migrate()
        assert await upgraded.run_sync(
            lambda c: c.execute("SELECT count(*) FROM report_users").fetchone()[0]
        )
    finally:
        await upgraded.close()
    assert await reports(db, kb) == before


PG_COUNTERS = (
    "DROP TRIGGER report_count ON events; DROP TRIGGER report_uncount ON events;"
    " DROP FUNCTION report_count(); DROP FUNCTION report_uncount();"
    " DROP TABLE report_kinds, report_values, report_users, report_user_values, report_cases;"
    " DELETE FROM migrations WHERE name = '0004_report_counters';"
)


async def pg_execute(url: str, sql: str) -> object:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await (conn.execute(sql) if ";" in sql else conn.fetchval(sql))
    finally:
        await conn.close()


async def test_postgresql_counts_groups_and_reports_as_its_log_and_sqlite_do(
    history_db: Path, kb: KnowledgeBase, pg_url: str
) -> None:
    from bot.storage.postgres import PostgresStore

    store = await PostgresStore.open(pg_url)
    try:
        await write_history(store)
        disordered = "SELECT count(*) FROM report_users WHERE NOT ordered"
        assert await pg_execute(pg_url, disordered) == 1  # as on SQLite: read from the log
        counted = await reports(store, kb), await summaries(store), await store_answers(store)
        assert counted[1] == await summaries(store, from_rows=True)
        assert counted[1] == await summaries(history_db)
        assert counted[0] == await reports(history_db, kb)
        await pg_execute(pg_url, "DROP TRIGGER report_count ON events")  # reads the log now
        logged = await reports(store, kb), await summaries(store), await store_answers(store)
        assert counted == logged
    finally:
        await store.close()


async def test_an_upgraded_postgresql_database_reports_what_it_reported_before(
    kb: KnowledgeBase, pg_url: str
) -> None:
    from bot.storage.postgres import PostgresStore

    store = await PostgresStore.open(pg_url)
    try:
        await pg_execute(pg_url, PG_COUNTERS)
        await write_history(store, users=120, seed=9)  # as a version without counters writes
        before = await reports(store, kb)
    finally:
        await store.close()
    upgraded = await PostgresStore.open(pg_url)  # the migration replays the log
    try:
        assert await reports(upgraded, kb) == before
    finally:
        await upgraded.close()
