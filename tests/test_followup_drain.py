"""A backlog of due follow-ups (the bot was down for days) drains in one scheduler pass, oldest
first, paced under the send limit, each late one saying so in the same message; live users are
answered while it drains. Time is injected: the pace is read from the recorded sleeps."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import service as service_module
from bot.app.service import FOLLOWUP_CONCURRENCY, Service
from bot.core.events import Command, Reply, TextMessage
from bot.knowledge.model import KnowledgeBase
from tests.chat import FrozenClock

BATCH = 10
USERS = BATCH * 2 + 5  # more than two batches: one pass used to send at most one


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "FOLLOWUP_BATCH", BATCH)  # the same code, fewer users


class Pace:
    """An injected monotonic clock and sleep: sleeping moves the clock, nothing waits, unless
    `gate` is set up (then every sleep waits until it is set)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.gate: asyncio.Event | None = None
        self.after_sleep = lambda: None

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.gate is not None:
            await self.gate.wait()
        self.after_sleep()


async def backlog(kb: KnowledgeBase, db: Path, pace: Pace, rate: float) -> tuple[Service, FrozenClock, list[tuple[str, Reply]]]:
    """USERS users each resubmitted a minute apart; then three days pass with the bot down."""
    clock = FrozenClock()
    service = await Service.open(kb, str(db), clock, followup_rate=rate, sleep=pace.sleep, monotonic=pace.monotonic)
    sent: list[tuple[str, Reply]] = []

    async def send(user: str, replies: list[Reply]) -> None:
        sent.extend((user, r) for r in replies)

    service.register_sender("test", send)
    for n in range(USERS):
        user = f"u{n:03d}"
        await service.handle("test", user, TextMessage("my document photo was too blurry"))
        await service.handle("test", user, Command("resubmitted"))
        clock.advance(minutes=1)
    sent.clear()
    clock.advance(days=3)
    return service, clock, sent


async def test_a_backlog_drains_in_one_pass_oldest_first_paced_and_each_says_it_is_late(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    pace = Pace()
    service, _, sent = await backlog(kb, tmp_path / "b.db", pace, rate=25.0)
    try:
        assert await service.run_due_followups() == USERS
        users = [user for user, _ in sent]
        assert sorted(users) == [f"u{n:03d}" for n in range(USERS)]  # one message each
        # oldest first, give or take the few follow-ups in hand at once
        assert all(abs(int(u[1:]) - i) < FOLLOWUP_CONCURRENCY for i, u in enumerate(users))
        late = kb.message("followup_late")
        question = kb.message("followup_question")
        assert all(late in r.text and question in r.text for _, r in sent)
        # paced at 25 a second: the sleeps add up to the 1/25 s gaps between the sends
        assert abs(sum(pace.slept) - (USERS - 1) / 25.0) < 1e-6
        assert await service.run_due_followups() == 0
    finally:
        await service.close()


async def test_without_a_send_limit_the_drain_does_not_sleep(kb: KnowledgeBase, tmp_path: Path) -> None:
    pace = Pace()
    service, _, sent = await backlog(kb, tmp_path / "b.db", pace, rate=0.0)
    try:
        assert await service.run_due_followups() == USERS
        assert len(sent) == USERS and pace.slept == []
    finally:
        await service.close()


async def test_a_live_user_is_answered_while_the_backlog_drains(kb: KnowledgeBase, tmp_path: Path) -> None:
    pace = Pace()
    service, _, sent = await backlog(kb, tmp_path / "b.db", pace, rate=25.0)
    pace.gate = asyncio.Event()  # the drain stops at its first pause between two sends
    try:
        drain = asyncio.create_task(service.run_due_followups())
        while not pace.slept:
            await asyncio.sleep(0.001)
        replies = await service.handle("test", "live", TextMessage("my selfie was rejected"))
        assert replies and ("live", replies[0]) in sent
        assert not drain.done()
        assert len([u for u, _ in sent if u != "live"]) <= 1  # the drain was at its first pause
        pace.gate.set()
        assert await drain == USERS
    finally:
        await service.close()


async def test_a_stop_ends_a_long_drain_between_two_follow_ups(kb: KnowledgeBase, tmp_path: Path) -> None:
    pace = Pace()
    service, _, sent = await backlog(kb, tmp_path / "b.db", pace, rate=25.0)
    stop = asyncio.Event()
    pace.after_sleep = lambda: stop.set() if len(pace.slept) == 5 else None
    try:
        assert await service.run_due_followups(stop) == 6
        assert len(sent) == 6
        # the rest stay claimed by this instance and go out on its next pass, once each
        stop.clear()
        assert await service.run_due_followups(stop) == USERS - 6
        assert sorted(u for u, _ in sent) == [f"u{n:03d}" for n in range(USERS)]
    finally:
        await service.close()
