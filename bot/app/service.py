"""The service: runs the pure engine against the store and delivers what it says, durably.

    adapter --event--> Service.commit --Store.run_turn(decide)--> one transaction:
                         state, case, follow-up, events, and the replies into the outbox
            <--Turn--  (committed: an adapter may acknowledge the update now)
    Service.deliver(turn) --claim the outbox--> sender(user, [reply]) --accepted--> mark sent

Nothing is sent before it is committed, and nothing is marked sent before the transport
accepted it: a crash at any point leaves unsent replies in the outbox, claimed by this instance
(`owner`), which takes them back when it starts again; another instance may take them once
their lease ran out. A reply sent later than `late_after_minutes` is preceded by an apology.

Follow-ups are rows with a due time: the scheduler leases the due ones in a short transaction,
runs each through the engine like any event (the turn marks it done and writes its message to
the outbox), then delivers it like any reply. A pass goes on, batch after batch and oldest first,
until nothing is due, so a backlog (the bot was down) drains in one pass; with `followup_rate`
it sends at most that many follow-ups a second, leaving the rest of the send limit to live
replies, which never wait for the drain (it holds no lock but each follow-up's conversation).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.app.delivery import Outbox, Sender, lease_for
from bot.app.metrics import Metrics, event_kind
from bot.app.records import turn_write
from bot.core.engine import Engine, Outcome
from bot.core.events import Event, FollowupDue, Reply
from bot.core.state import State
from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import StoreError
from bot.shared.locks import KeyedLock
from bot.shared.logtext import Plain
from bot.storage import open_store
from bot.storage.base import (
    FollowupClaim,
    Key,
    Lease,
    Scheduled,
    Store,
    TurnStatus,
    TurnWrite,
)
from bot.understanding import privacy
from bot.understanding.matcher import Matcher

if TYPE_CHECKING:  # the operators' report is read on demand: the bot starts without it
    from bot.app.report import Report
    from bot.app.unmatched import Candidate, UnmatchedGroup

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
#: follow-ups claimed at once by a scheduler pass (it claims again until nothing is due)
FOLLOWUP_BATCH = 100
#: follow-ups in hand at once (turn and send): one send need not wait for the next turn. At the
#: pace of 27 a second, a follow-up that takes 250 ms from claim to Telegram's answer (a real
#: Bot API round trip is 100-300 ms; a busy machine adds its own) needs about 7 in hand
FOLLOWUP_CONCURRENCY = 8
#: how long handled update ids are remembered (Telegram keeps an update for at most 24 hours)
UPDATE_MEMORY = timedelta(days=3)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclasses.dataclass(frozen=True)
class Turn:
    """A committed turn: `replies` are in the outbox, waiting for `Service.deliver`.

    When the store failed, nothing was committed and `replies` is an apology that is sent
    directly (`durable` False). A `duplicate` update ran nothing.
    """

    key: Key
    replies: tuple[Reply, ...] = ()
    durable: bool = True
    duplicate: bool = False
    applied: bool = False  # the engine ran and its turn was committed
    events: tuple[dict[str, Any], ...] = ()  # the engine's events (for metrics)
    lang: str | None = None


class Service:
    """Glue between adapters, the engine and the store."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        clock: Clock = utc_now,
        *,
        owner: str | None = None,
        followup_rate: float = 0.0,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        measured: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock
        #: follow-ups sent per second at most while a backlog drains (0: as fast as they go)
        self.followup_rate = followup_rate
        self._sleep = sleep
        self._monotonic = monotonic
        self._next_followup = 0.0
        self.engine = Engine(kb, Matcher.build(kb))
        #: this instance's name in leases: stable across restarts, so unsent work is taken back
        self.owner = owner or socket.gethostname()
        #: one turn at a time per conversation (follow-ups interleave with messages)
        self._conversation = KeyedLock()
        self._store_failing = False
        #: what operators watch; `measured=False` (the console): nothing to serve, nothing counted
        self.metrics = Metrics(measured=measured)
        self.outbox = Outbox(self)

    async def ping(self) -> bool:
        """Return True once the database answered (raises StoreError otherwise)."""
        await self.store.ping()
        return True

    @classmethod
    async def open(
        cls,
        kb: KnowledgeBase,
        db_path: str,
        clock: Clock = utc_now,
        *,
        busy_timeout: float = 5.0,
        owner: str | None = None,
        **pacing: Any,
    ) -> Service:
        """Open the store at `db_path`; `pacing`: followup_rate, sleep, monotonic, measured."""
        store = await open_store(db_path, busy_timeout=busy_timeout)
        return cls(kb, store, clock, owner=owner, **pacing)

    def warm(self) -> None:
        """Do now what the first messages would otherwise wait for: the Chinese segmenter and
        the redactor's patterns (~0.3-0.5 s at the start of a long-running bot)."""
        self.engine.matcher.warm()
        privacy.warm()

    async def close(self) -> None:
        await self.store.close()

    @property
    def kb(self) -> KnowledgeBase:
        return self.engine.kb

    def reload(self, kb: KnowledgeBase) -> None:
        """Serve a new knowledge base from the next turn on."""
        self.engine = Engine(kb, Matcher.build(kb))

    def register_sender(self, channel: str, send: Sender, *, joins: bool = False) -> None:
        """Send `channel`'s replies with `send`; with `joins`, it is offered a turn's replies
        together and says how many of them went in one message (`bot.app.delivery`)."""
        self.outbox.senders[channel] = send
        if joins:
            self.outbox.joining.add(channel)
        else:
            self.outbox.joining.discard(channel)

    # -- turns ---------------------------------------------------------------------------------

    async def handle(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        lang: str | None = None,
        update_id: int | None = None,
        once: str | None = None,
    ) -> list[Reply]:
        """Run one turn, commit it, deliver its replies (if the channel has a sender); return them."""
        turn = await self.commit(channel, user_id, event, lang=lang, update_id=update_id, once=once)
        await self.deliver(turn)
        return list(turn.replies)

    async def commit(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        lang: str | None = None,
        update_id: int | None = None,
        once: str | None = None,
    ) -> Turn:
        """Run one turn and commit it with its replies in the outbox; send nothing yet.

        With `update_id`, an update already handled, or older than one already applied to this
        conversation, runs nothing (`Turn.duplicate`); so does a `once` key seen before (the
        message a button was pressed on: a double tap on two instances runs once).
        """
        key = Key(channel, str(user_id))
        started = time.perf_counter()
        async with self._conversation(key):
            turn = await self._turn(key, event, lang, update_id=update_id, once=once)
        if turn.applied:
            self.metrics.turn(event_kind(event), turn.events, turn.lang, time.perf_counter() - started)
        return turn

    async def _turn(
        self,
        key: Key,
        event: Event,
        lang: str | None,
        *,
        update_id: int | None = None,
        once: str | None = None,
        answers: FollowupClaim | None = None,
    ) -> Turn:
        now = self.clock()
        engine = self.engine
        done: list[Outcome] = []

        def decide(raw: str | None) -> TurnWrite:  # runs inside the transaction
            # the state is read afresh for this turn, so the engine changes it in place (no
            # copy); the follow-up it had is kept apart to see whether it changed
            state = State.from_json(raw) if raw else State()
            before = dataclasses.replace(state.followup) if state.followup else None
            if not state.tag:
                # not a secret (it tells one conversation's buttons from another's): `random`,
                # as `secrets`' read of the OS's randomness hands the GIL to the database thread
                # and the event loop waits to get it back (~1.6 ms a new user at 200 users)
                state.tag = f"{random.getrandbits(16):04x}"
            try:
                outcome = engine.handle(state, event, now, lang, copy=False)
            except Exception:  # a message must never take the bot down, nor lose the case
                log.exception("the engine failed on a %s event; the state is kept as it was",
                              type(event).__name__)
                kept = State.from_json(raw) if raw else State(tag=state.tag)
                outcome = Outcome(kept, (Reply(engine.kb.message("engine_failed", kept.lang or lang),
                                               keys=("engine_failed",)),))
            done.append(outcome)
            return turn_write(before, outcome, lang)

        try:
            result = await self.store.run_turn(
                key,
                decide,
                now=now,
                lease=self._lease(now),
                update_id=update_id,
                once=once,
                answers=answers,
            )
        except StoreError as exc:
            self._failing(exc)
            if answers is not None:
                raise  # a follow-up stays claimed and is tried again; nobody asked for an apology
            return Turn(key, (Reply(engine.kb.message("store_unavailable", lang)),), durable=False)
        self._store_works()
        if result.status is not TurnStatus.APPLIED:
            log.info(Plain("turn %s skipped: %s"), key[0], result.status.value)
            if result.status in (TurnStatus.DUPLICATE, TurnStatus.STALE):
                self.metrics.skipped.labels(result.status.value).inc()
            return Turn(key, duplicate=True)
        outcome = done[-1]
        state = outcome.state
        log.info(  # no chat id: the line is written for every turn without redaction
            Plain("turn %s event=%s phase=%s reason=%s step=%s replies=%d"), key[0],
            type(event).__name__, state.phase, state.reason, state.step, len(outcome.replies),
        )  # fmt: skip
        return Turn(
            key, outcome.replies, events=outcome.events, lang=state.lang or lang, applied=True
        )

    # -- delivery ------------------------------------------------------------------------------

    async def deliver(self, turn: Turn) -> int:
        """Send a turn's replies (and anything else unsent to that user) through the channel's
        sender, each marked sent once accepted; return how many went out."""
        sent = 0
        if not turn.durable:
            send = self.outbox.senders.get(turn.key.channel)
            if send is not None:
                try:
                    replies = list(turn.replies)
                    while replies:  # a joining sender takes some of them at a time
                        went = await send(turn.key.user_id, replies)
                        went = len(replies) if went is None else max(1, went)
                        sent += min(went, len(replies))
                        replies = replies[went:]
                except Exception as exc:  # nothing was stored: there is nothing to retry
                    log.warning("apology to %s:%s not sent: %r", *turn.key, exc)
        delivered, _ = await self._deliver(turn.key)
        return sent + delivered

    async def drain_outbox(self) -> int:
        """Send every unsent message this instance may claim (at start, after a crash, and on
        each scheduler pass); return how many went out."""
        return await self.outbox.drain()

    async def _deliver(self, key: Key) -> tuple[int, bool]:
        return await self.outbox.deliver(key)

    def _failing(self, exc: StoreError) -> None:
        """Log a store failure once (until it works again)."""
        self.metrics.store_errors.inc()
        if not self._store_failing:
            log.error("store unavailable: %s", exc)
            self._store_failing = True

    def _store_works(self) -> None:
        """Say once that the store works again after `_failing`."""
        if self._store_failing:
            log.warning(Plain("store available again"))
            self._store_failing = False

    def _lease(self, now: datetime) -> Lease:
        return lease_for(self.owner, now)

    # -- follow-ups ----------------------------------------------------------------------------

    async def run_due_followups(self, stop: asyncio.Event | None = None) -> int:
        """Send the follow-ups due now, oldest first, batch after batch until none is left (and
        unsent messages first); return how many follow-ups reached their user. A set `stop`
        ends the pass between two follow-ups (the rest stay claimed by this instance)."""
        await self.drain_outbox()
        channels = list(self.outbox.senders)
        if not channels:
            return 0
        sent = 0
        seen: set[int] = set()
        while stop is None or not stop.is_set():
            now = self.clock()
            try:
                claims = await self.store.claim_followups(
                    now, self._lease(now), channels, limit=FOLLOWUP_BATCH
                )
            except StoreError as exc:
                self._failing(exc)
                return sent
            fresh = [c for c in claims if c.id not in seen]  # ours again: one failed this pass
            seen.update(c.id for c in fresh)
            self.metrics.followups.labels("due").inc(len(fresh))
            sent += await self._followups(fresh, stop)
            if len(claims) < FOLLOWUP_BATCH or len(fresh) < len(claims):
                return sent
        return sent

    async def _followups(self, claims: list[FollowupClaim], stop: asyncio.Event | None) -> int:
        """Start each claimed follow-up in due order at the pace, a few in hand at once (so the
        sends keep the pace while turns and sends overlap; oldest first give or take those few);
        return how many reached their user."""
        slots = asyncio.Semaphore(FOLLOWUP_CONCURRENCY)
        tasks: list[asyncio.Task[int]] = []
        for claim in claims:
            if stop is not None and stop.is_set():
                break
            await slots.acquire()
            await self._pace()
            task = asyncio.create_task(self._followup(claim))
            task.add_done_callback(lambda _: slots.release())
            tasks.append(task)
        return sum(await asyncio.gather(*tasks))

    async def _followup(self, claim: FollowupClaim) -> int:
        """Run one claimed follow-up and send it; return 1 if it reached its user."""
        event = FollowupDue(claim.kind, claim.due_at)
        started = time.perf_counter()
        try:
            async with self._conversation(claim.key):
                turn = await self._turn(claim.key, event, None, answers=claim)
        except StoreError:
            self.metrics.followups.labels("failed").inc()
            return 0  # still claimed by us: the next pass tries again
        if turn.applied:
            self.metrics.turn("followup", turn.events, turn.lang, time.perf_counter() - started)
        if turn.duplicate or not turn.replies:
            return 0
        _, complete = await self._deliver(claim.key)
        self.metrics.followups.labels("sent" if complete else "failed").inc()
        return int(complete)

    async def _pace(self) -> None:
        """Wait for the next follow-up's turn: at most `followup_rate` a second."""
        if self.followup_rate <= 0:
            return
        now = self._monotonic()
        if self._next_followup > now:
            await self._sleep(self._next_followup - now)
            now = self._next_followup
        self._next_followup = now + 1.0 / self.followup_rate

    async def purge_expired(self) -> int:
        now = self.clock()
        return await self.store.purge(
            now,
            conversations_before=now - timedelta(days=self.kb.policy.retention_days),
            updates_before=now - UPDATE_MEMORY,
        )

    async def run_scheduler(self, stop: asyncio.Event, interval: float = 30.0) -> None:
        """Send unsent messages and due follow-ups, purge expired data, until `stop` is set."""
        failed: str | None = None  # the last pass's failure, logged in full once
        while not stop.is_set():
            try:
                await self.run_due_followups(stop)
                await self.purge_expired()
            except StoreError as exc:  # the database went away: one line, until it is back
                self._failing(exc)
                failed = failed or "store"
            except Exception as exc:
                what = f"{type(exc).__name__}: {exc}"
                if what != failed:  # a new failure: its traceback once, then one line a pass
                    log.exception("scheduler pass failed; retrying")
                else:
                    log.error("scheduler pass failed again (%s); retrying", type(exc).__name__)
                failed = what
            else:
                if failed is not None:
                    log.warning(Plain("scheduler passes work again"))
                    failed = None
                self._store_works()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    # -- reading -------------------------------------------------------------------------------

    async def state(self, channel: str, user_id: str) -> State | None:
        """Return the stored state of a conversation (None if there is none)."""
        stored = await self.store.load(Key(channel, str(user_id)))
        return State.from_json(stored.state) if stored else None

    async def scheduled(self, channel: str, user_id: str) -> list[Scheduled]:
        """Return the follow-ups a conversation waits for."""
        return await self.store.scheduled(Key(channel, str(user_id)))

    async def next_due(self, until: datetime) -> datetime | None:
        """Return when the next follow-up is due, if one is by `until`."""
        return await self.store.next_due(until)

    async def report(self, since: datetime, now: datetime) -> Report:
        """Return the operator report for the period (`bot.app.report`): the store aggregates
        and groups in a child process (`bot.app.report_apart`), so turns go on."""
        from bot.app.report import build_report

        return await build_report(self.store, self.kb, since, now, apart=True)

    async def unmatched(self, since: datetime, now: datetime) -> list[UnmatchedGroup]:
        """Return the period's messages the bot could not place, grouped (biggest first)."""
        from bot.app.report import unmatched_groups

        return await unmatched_groups(self.store, since, now, apart=True)

    def closest(self, text: str) -> list[Candidate]:
        """Return the entries the served matcher finds closest to `text`, whatever their score."""
        from bot.app.report import matcher_candidates

        return list(matcher_candidates(self.engine.matcher)(text))
