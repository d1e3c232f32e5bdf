"""An operator's report never holds up a user's reply. It reads and groups in a child process
(`bot.app.report_apart`) where the store can be opened by another process; where it reads in
the bot's process (as here: the store's location is hidden), its database reads run on a
connection and thread of their own, and grouping a few messages runs in a worker thread.

Each test stops the report half-way (on a threading.Event, inside the part under test) and has
another user talk to the bot meanwhile. Were that part on the event loop or on the database
thread the turns use, the user's turn could not finish before the report is let go, and the
report would be done before the check: the tests would fail, whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.app.grouping as grouping_module
from bot.knowledge.model import KnowledgeBase
from bot.storage.sqlite import SqliteStore
from tests.chat import Chat, FrozenClock

WAIT = 30.0  # seconds a stopped part waits for the test at most (never, when all is well)


class Gate:
    """Stops a worker thread until the test lets it go."""

    def __init__(self) -> None:
        self.reached, self.open = threading.Event(), threading.Event()

    def stop_here(self) -> None:
        self.reached.set()
        self.open.wait(WAIT)

    async def wait_reached(self) -> None:
        assert await asyncio.to_thread(self.reached.wait, WAIT), "the report never got there"


async def a_user_is_answered_while(
    report: asyncio.Task[Any], gate: Gate, other: Chat
) -> None:
    await gate.wait_reached()
    replies = await other.say("document expired")
    assert replies, "the user got no answer"
    assert not report.done(), "the user's turn had to wait for the report"
    gate.open.set()
    await report


@pytest.fixture
async def chats(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(SqliteStore, "location", None)  # read here, not in a child process
    clock = FrozenClock()
    operator = await Chat.open(kb, tmp_path / "bot.sqlite3", user="op", clock=clock)
    other = Chat(operator.service, clock, user="bob")
    await operator.say("how do i cook rice")  # a message nothing matches, for /unmatched
    yield operator, other
    await operator.close()


def period(chat: Chat) -> tuple[Any, Any]:
    now = chat.clock()
    return now - timedelta(days=7), now


async def test_grouping_messages_runs_beside_the_turns(
    chats: tuple[Chat, Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    operator, other = chats
    gate = Gate()
    real = grouping_module.group_messages

    def stopped(*args: Any, **kwargs: Any) -> Any:
        gate.stop_here()
        return real(*args, **kwargs)

    monkeypatch.setattr("bot.app.grouping.group_messages", stopped)  # a few: in a thread
    report = asyncio.create_task(operator.service.report(*period(operator)))
    await a_user_is_answered_while(report, gate, other)
    assert [g.count for g in report.result().unmatched] == [1]


async def test_the_reports_database_reads_run_beside_the_turns(chats: tuple[Chat, Chat]) -> None:
    operator, other = chats
    gate = Gate()
    store: Any = operator.service.store
    read = store._read

    async def stopped_read(what: str, fn: Callable[..., Any], *args: Any) -> Any:
        def stopped(conn: Any, *more: Any) -> Any:
            gate.stop_here()
            return fn(conn, *more)

        return await read(what, stopped, *args)

    store._read = stopped_read
    report = asyncio.create_task(operator.service.report(*period(operator)))
    await a_user_is_answered_while(report, gate, other)
    # the report read the database after bob's turn was committed: it counts him too
    assert report.result().conversations_started == 2
