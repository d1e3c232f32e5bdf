"""Store faults (locked, full, read-only): the user gets an apology, the bot recovers."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.app.service import Service
from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat, FrozenClock

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path):
    clock = FrozenClock()
    service = await Service.open(kb, str(tmp_path / "bot.sqlite3"), clock, busy_timeout=0.05)
    c = Chat(service, clock)
    yield c
    await c.close()


async def test_locked_database_gets_an_apology_logged_once_then_recovers(
    chat: Chat, kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["expired_document"].title.get())
    step_text = chat.last[-1].text
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.ERROR, logger="bot.app.service"):
        for _ in range(3):
            assert [r.text for r in await chat.say("hello")] == [kb.message("store_unavailable")]
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    other.execute("ROLLBACK")
    other.close()
    await chat.command("status")
    assert kb.reasons["expired_document"].title.get() in chat.text  # nothing answered was lost
    await chat.press(kb.button("continue"))
    assert chat.last[-1].text == step_text


async def test_full_disk_gets_an_apology_then_recovers(chat: Chat, kb: KnowledgeBase) -> None:
    store = chat.service.store
    await chat.command("start")
    pages = await store.run_sync(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    await store.run_sync(lambda db: db.execute(f"PRAGMA max_page_count={pages}"))
    for i in range(30):  # unmatched messages are logged: fill the last free pages, then "full"
        chat.clock.advance(seconds=kb.policy.flood_window_seconds)
        replies = await chat.say(f"qzx{i} vbn wrt " * 60)
        if replies[0].text == kb.message("store_unavailable"):
            break
    else:
        pytest.fail("the store never filled up")
    await store.run_sync(lambda db: db.execute("PRAGMA max_page_count=1073741823"))
    await chat.command("reasons")
    assert chat.text == kb.message("reasons_list")


async def test_read_only_database_gets_an_apology_then_recovers(chat: Chat, kb: KnowledgeBase) -> None:
    store = chat.service.store
    await chat.command("start")
    await store.run_sync(lambda db: db.execute("PRAGMA query_only=ON"))
    assert [r.text for r in await chat.command("reasons")] == [kb.message("store_unavailable")]
    await store.run_sync(lambda db: db.execute("PRAGMA query_only=OFF"))
    await chat.command("reasons")
    assert chat.text == kb.message("reasons_list")
