"""The service: runs the pure engine against the store, one turn at a time per conversation.

    adapter (Telegram, console) --event--> Service.handle --(state, event, now)--> Engine
                                <--replies--               <--(state, replies, events)--
                                            Store.save_turn (committed before replies go out)

It also owns the follow-up scheduler: due follow-ups are claimed in a transaction (so each is
sent once, even across restarts), run through the engine like any event, and handed to the
adapter that registered for their channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.app.locks import KeyedLock
from bot.core.engine import Engine
from bot.core.events import Event, FollowupDue, Reply
from bot.core.state import State
from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import RecipientGone, StoreError
from bot.storage.sqlite import Store
from bot.understanding.matcher import Matcher

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sender = Callable[[str, list[Reply]], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    """Glue between adapters, the engine and the store."""

    def __init__(self, kb: KnowledgeBase, store: Store, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock
        self.engine = Engine(kb, Matcher.build(kb))
        self._senders: dict[str, Sender] = {}
        #: one turn at a time per conversation (follow-ups interleave with messages)
        self._conversation = KeyedLock()
        self._store_failing = False

    @classmethod
    async def open(
        cls, kb: KnowledgeBase, db_path: str, clock: Clock = utc_now, *, busy_timeout: float = 5.0
    ) -> Service:
        return cls(kb, await Store.open(db_path, busy_timeout), clock)

    async def close(self) -> None:
        await self.store.close()

    @property
    def kb(self) -> KnowledgeBase:
        return self.engine.kb

    def reload(self, kb: KnowledgeBase) -> None:
        """Serve a new knowledge base from the next turn on."""
        self.engine = Engine(kb, Matcher.build(kb))

    def register_sender(self, channel: str, send: Sender) -> None:
        self._senders[channel] = send

    async def handle(
        self, channel: str, user_id: str, event: Event, *, lang: str | None = None
    ) -> list[Reply]:
        """Run one turn and return the replies; the new state is saved before they go out."""
        key = (channel, str(user_id))
        async with self._conversation(key):
            return await self._turn(key, event, lang)

    async def _turn(
        self, key: tuple[str, str], event: Event, lang: str | None, claim: int | None = None
    ) -> list[Reply]:
        """One turn: load, run the engine, save; return the replies (an apology if the store
        fails). With `claim`, the turn answers that follow-up and returns [] if it was taken."""
        channel, user_id = key
        now = self.clock()
        engine = self.engine
        old: State | None = None
        try:
            old = await self.store.load(channel, user_id)
            state = old or State()
            if not state.tag:
                state = dataclasses.replace(state, tag=secrets.token_hex(2))
            outcome = engine.handle(state, event, now, lang)
            if outcome.forget:
                await self.store.forget(channel, user_id, now)
            elif not await self.store.save_turn(
                channel, user_id, old, outcome.state, outcome.events, now, claim=claim
            ):
                return []
        except StoreError as exc:
            if not self._store_failing:
                log.error("store unavailable: %s", exc)
                self._store_failing = True
            if claim is not None:
                raise  # a follow-up stays pending and is tried again; nobody asked for an apology
            return [Reply(engine.kb.message("store_unavailable", lang or (old.lang if old else None)))]
        if self._store_failing:
            log.warning("store available again")
            self._store_failing = False
        state = outcome.state
        log.info(
            "turn %s:%s event=%s phase=%s reason=%s step=%s replies=%d",
            channel,
            user_id,
            type(event).__name__,
            state.phase,
            state.reason,
            state.step,
            len(outcome.replies),
        )
        return list(outcome.replies)

    # -- follow-ups ----------------------------------------------------------------------
    async def run_due_followups(self) -> int:
        """Send every follow-up that is due now; return how many were sent."""
        sent = 0
        now = self.clock()
        for due in await self.store.due_followups(now):
            send = self._senders.get(due.channel)
            if send is None:
                continue  # that adapter is not running in this process; leave it pending
            key = (due.channel, due.user_id)
            try:
                async with self._conversation(key):
                    replies = await self._turn(key, FollowupDue(due.kind, due.due_at), None, claim=due.id)
            except StoreError:
                continue  # still pending: the next pass tries again
            if not replies:
                continue
            try:
                await send(due.user_id, replies)
                sent += 1
            except RecipientGone:
                log.info("follow-up to %s:%s not deliverable; user marked inactive", *key)
                await self.store.set_active(due.channel, due.user_id, False)
            except Exception:  # one user's failure must not stop the others
                log.exception("follow-up to %s:%s failed", *key)
        return sent

    async def purge_expired(self) -> int:
        days = self.kb.policy.retention_days
        return await self.store.purge(self.clock() - timedelta(days=days))

    async def run_scheduler(self, stop: asyncio.Event, interval: float = 30.0) -> None:
        """Send due follow-ups and purge expired conversations until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_due_followups()
                await self.purge_expired()
            except Exception:
                log.exception("scheduler pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
