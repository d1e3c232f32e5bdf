"""What only the SQLite backend promises: migrating old files, logging nothing users wrote,
refusing what is not a kyc-helper database, giving up on a lock after the busy timeout."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.shared.errors import StoreError
from bot.storage.base import EventRecord, Key, Lease, TurnWrite, UnmatchedRecord
from bot.storage.sqlite import SqliteStore
from bot.storage.sqlite_schema import MIGRATIONS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = Key("telegram", "42")
LEASE = Lease("here", T0 + timedelta(minutes=5))


async def test_a_database_from_before_the_outbox_is_migrated_with_its_follow_ups(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    old.executescript(MIGRATIONS[0][1])
    old.execute("INSERT INTO migrations VALUES ('0001_initial', '2026-01-01')")
    old.executemany(
        "INSERT INTO followups (channel, user_id, due_at, kind, status, created_at)"
        " VALUES ('telegram', ?, ?, 'result', ?, '2026-03-01T09:00:00+00:00')",
        [("42", "2026-03-02T10:00:00+00:00", "pending"), ("43", "2026-03-02T08:00:00+00:00", "sent")],
    )
    old.commit()
    old.close()

    store = await SqliteStore.open(path)
    try:
        now = T0 + timedelta(hours=2)
        claims = await store.claim_followups(now, Lease("here", now + timedelta(minutes=5)), ["telegram"])
        assert [c.key for c in claims] == [KEY]  # the pending one survives, the sent one is done
    finally:
        await store.close()
    store = await SqliteStore.open(path)  # opening again applies nothing twice
    await store.close()


async def test_nothing_users_wrote_is_logged_even_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Xylophone-4711 my passport"
    caplog.set_level(logging.DEBUG)
    store = await SqliteStore.open(tmp_path / "bot.sqlite3")
    try:
        write = TurnWrite(
            state=f'{{"note": "{secret}"}}',
            events=[EventRecord("unmatched", {"text": secret})],
            unmatched=[UnmatchedRecord(secret)],
            outbox=[{"text": secret}],
        )
        await store.run_turn(KEY, lambda raw: write, now=T0, lease=LEASE)
        await store.unmatched_between(T0, T0)
        with pytest.raises(StoreError):  # an error message names the operation, not the data
            await store.run_sync(lambda db: db.execute("PRAGMA query_only=ON"))
            await store.run_turn(KEY, lambda raw: write, now=T0, lease=LEASE)
    finally:
        await store.close()
    assert caplog.records  # logging was on (the migrations are logged)
    assert not [r for r in caplog.records if "Xylophone" in r.getMessage()]


async def test_reports_refuse_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not found"):
        await SqliteStore.open(tmp_path / "nowhere.sqlite3", readonly=True)
    assert not (tmp_path / "nowhere.sqlite3").exists()
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).execute("CREATE TABLE things (x)").connection.close()
    with pytest.raises(StoreError, match="no table"):
        await SqliteStore.open(foreign, readonly=True)
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 100)
    with pytest.raises(StoreError):
        await SqliteStore.open(text, readonly=True)


async def test_a_read_only_store_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await SqliteStore.open(path)).close()
    store = await SqliteStore.open(path, readonly=True)
    try:
        with pytest.raises(StoreError):
            await store.run_turn(KEY, lambda raw: TurnWrite(state="{}"), now=T0, lease=LEASE)
    finally:
        await store.close()


async def test_a_locked_database_fails_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(path, busy_timeout=0.05)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            await store.run_turn(KEY, lambda raw: TurnWrite(state="{}"), now=T0, lease=LEASE)
    finally:
        other.execute("ROLLBACK")
        other.close()
    result = await store.run_turn(KEY, lambda raw: TurnWrite(state="{}"), now=T0, lease=LEASE)
    assert result.status.value == "applied"
    await store.close()


async def test_a_turn_runs_again_when_another_process_wrote_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(path)
    await store.run_turn(KEY, lambda raw: TurnWrite(state='{"n": 1}'), now=T0, lease=LEASE)
    seen: list[str | None] = []

    def decide(raw: str | None) -> TurnWrite:
        seen.append(raw)
        if len(seen) == 1:  # another process commits a turn of this user right now
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("UPDATE conversations SET state='{\"n\": 2}' WHERE user_id='42'")
            other.close()
        n = json.loads(raw or "{}")["n"]
        return TurnWrite(state=json.dumps({"n": n + 1}), events=[EventRecord("turn", {"n": n + 1})])

    result = await store.run_turn(KEY, decide, now=T0, lease=LEASE)
    assert result.status.value == "applied"
    assert seen == ['{"n": 1}', '{"n": 2}']  # decided again on what the other process wrote
    stored = await store.load(KEY)
    assert stored is not None and json.loads(stored.state) == {"n": 3}
    assert [e.data["n"] for e in await store.events_between(T0, T0)] == [3]  # written once
    await store.close()


async def test_turns_of_many_users_at_once_are_each_kept_or_refused_on_their_own(
    tmp_path: Path,
) -> None:
    # turns that reach the database together may share a commit: one refused as a duplicate
    # and one that fails must leave every other user's turn written, after a restart too
    path = tmp_path / "bot.sqlite3"
    store = await SqliteStore.open(path)
    await store.run_turn(Key("telegram", "dup"), lambda raw: TurnWrite(state='{"n": 0}'),
                         now=T0, lease=LEASE, update_id=7)

    async def turn(user: str) -> str:
        def decide(raw: str | None) -> TurnWrite:
            if user == "broken":
                return TurnWrite(state=None)  # a turn that does not forget must write a state
            return TurnWrite(state=json.dumps({"n": user}), events=[EventRecord("turn", {"n": user})],
                             outbox=[{"text": f"hello {user}"}])

        try:
            result = await store.run_turn(Key("telegram", user), decide, now=T0, lease=LEASE,
                                          update_id=7 if user == "dup" else None)
        except StoreError:
            return "failed"
        return result.status.value

    users = [str(i) for i in range(30)]
    users[10:10] = ["dup", "broken"]
    outcomes = dict(zip(users, await asyncio.gather(*(turn(u) for u in users)), strict=True))
    assert outcomes.pop("dup") == "duplicate"
    assert outcomes.pop("broken") == "failed"
    assert set(outcomes.values()) == {"applied"}
    await store.close()

    store = await SqliteStore.open(path)
    try:
        for user in outcomes:
            stored = await store.load(Key("telegram", user))
            assert stored is not None and json.loads(stored.state) == {"n": user}
        dup = await store.load(Key("telegram", "dup"))
        assert dup is not None and json.loads(dup.state) == {"n": 0}
        assert await store.load(Key("telegram", "broken")) is None
        assert sorted(e.data["n"] for e in await store.events_between(T0, T0)) == sorted(outcomes)
        waiting = await store.claim_outbox(Key("telegram", "5"), T0, LEASE)
        assert [m.payload["text"] for m in waiting] == ["hello 5"]
    finally:
        await store.close()


async def test_the_reports_pending_follow_up_lookup_reads_only_pending_rows(
    tmp_path: Path,
) -> None:
    """Whether a case's user is waited for is one seek in the partial index of pending
    follow-ups, however many sent ones the table holds (issue #13: ~6 s at 1M rows without)."""
    from bot.storage.sqlite_report import cohort_query
    from tests.storage.test_report_queries import TERMS

    store = await SqliteStore.open(tmp_path / "bot.sqlite3")
    try:
        sql, params = cohort_query(T0, T0 + timedelta(days=1), TERMS)
        plan = await store.run_sync(
            lambda c: [r[3] for r in c.execute("EXPLAIN QUERY PLAN " + sql, params)]
        )
    finally:
        await store.close()
    assert "SEARCH f USING INDEX followups_waiting (channel=? AND user_id=?)" in plan, plan
