"""`python -m bot migrate / export / import`: a deployment moves between SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.app.service import Service
from bot.cli import main
from bot.core.events import ButtonPress, Command, TextMessage
from bot.knowledge.model import KnowledgeBase
from bot.storage import open_store, postgres_schema, sqlite_schema
from bot.storage.base import Key
from tests.chat import FrozenClock


async def history(kb: KnowledgeBase, db: str) -> list[Key]:
    """Three users with a case, a pending follow-up, events, an unplaced message, a duplicate."""
    clock = FrozenClock()
    service = await Service.open(kb, db, clock)
    keys = []
    try:
        for n, text in enumerate(["my selfie keeps failing", "document expired", "qwzx plorf"]):
            user = f"u{n}"
            keys.append(Key("telegram", user))
            await service.handle("telegram", user, Command("start"), update_id=100 * n + 1)
            replies = await service.handle("telegram", user, TextMessage(text), update_id=100 * n + 2)
            buttons = [b.data for r in replies for row in r.buttons for b in row]
            if buttons:
                await service.handle("telegram", user, ButtonPress(buttons[0]), update_id=100 * n + 3)
            await service.handle("telegram", user, Command("resubmitted"), update_id=100 * n + 4)
            clock.advance(minutes=5)
    finally:
        await service.close()
    return keys


async def cli(argv: list[str]) -> int:
    """Run `python -m bot ARGV` in-process (its own event loop, on a thread)."""
    return await asyncio.to_thread(main, argv)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_sqlite_to_postgresql_and_back_keeps_every_row(
    tmp_path: Path, kb: KnowledgeBase, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = str(tmp_path / "small.sqlite3")
    keys = await history(kb, sqlite)
    first, second, third = (tmp_path / f"{n}.jsonl" for n in ("first", "second", "third"))

    assert await cli(["export", "--db", sqlite, str(first)]) == 0
    assert await cli(["import", "--db", pg_url, str(first)]) == 0
    assert "imported 3 conversations" in capsys.readouterr().err
    assert await cli(["export", "--db", pg_url, str(second)]) == 0
    back = str(tmp_path / "back.sqlite3")
    assert await cli(["import", "--db", back, str(second)]) == 0
    assert await cli(["export", "--db", back, str(third)]) == 0

    rows = lines(first)
    tables = {r["table"] for r in rows[1:]}
    assert {"conversations", "cases", "followups", "events", "unmatched", "updates"} <= tables
    assert lines(second) == rows and lines(third) == rows  # nothing lost or changed either way

    # the moved conversations carry on: same states, same follow-ups, same remembered updates
    source, target = await open_store(sqlite, readonly=True), await open_store(pg_url)
    try:
        for key in keys:
            assert (await target.load(key)).state == (await source.load(key)).state
            assert await target.scheduled(key) == await source.scheduled(key)
    finally:
        await source.close()
        await target.close()
    service = await Service.open(kb, pg_url, FrozenClock())
    try:
        turn = await service.commit("telegram", "u0", Command("start"), update_id=1)
        assert turn.duplicate  # update 1 was handled before the move
    finally:
        await service.close()


async def test_import_refuses_a_database_with_data_and_changes_nothing(
    tmp_path: Path, kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "a.sqlite3")
    await history(kb, db)
    dump = tmp_path / "a.jsonl"
    assert await cli(["export", "--db", db, str(dump)]) == 0
    capsys.readouterr()
    assert await cli(["import", "--db", db, str(dump)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the target database is not empty") and err.count("\n") == 1
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "kyc-helper-export", "version": 1}\n{"table": "nope", "row": {}}\n')
    assert await cli(["import", "--db", str(tmp_path / "b.sqlite3"), str(broken)]) == 2
    assert "broken.jsonl:2: unknown table 'nope'" in capsys.readouterr().err


def test_migrate_says_what_it_applied_then_that_nothing_is_left(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--db", pg_url]) == 0
    applied = f"applied {len(postgres_schema.MIGRATIONS)} migration(s): 0001_initial"
    assert capsys.readouterr().out.startswith(applied)
    assert main(["migrate", "--db", pg_url]) == 0
    assert capsys.readouterr().out == "the database is up to date\n"
    assert main(["migrate", "--db", str(tmp_path / "new.sqlite3")]) == 0
    applied = f"applied {len(sqlite_schema.MIGRATIONS)} migration(s): 0001_initial"
    assert capsys.readouterr().out.startswith(applied)
