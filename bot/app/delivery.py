"""Delivery from the outbox: claim a conversation's unsent messages, send them in order through
the adapter's sender, mark each sent once the transport accepted it.

A message whose send failed is given back for the next pass (5 attempts); one to a user who
blocked the bot is dropped and the user marked inactive; one sent later than the policy's
`late_after_minutes` after it was written is preceded by `delivery_late` ("Sorry for the
delay"). A message accepted by the transport but not yet marked sent when the process dies is
sent again after the restart: the one duplicate the README's "Reliability" names.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.app.records import reply_from
from bot.core.events import Reply
from bot.shared.errors import RecipientGone, StoreError
from bot.shared.locks import KeyedLock
from bot.storage.base import Key, Lease, OutboxMessage

if TYPE_CHECKING:
    from bot.app.service import Service

log = logging.getLogger(__name__)

#: sends replies to one user of the adapter's channel; raises RecipientGone if they left. A
#: sender registered with `joins=True` is given a turn's unsent replies and sends the first,
#: with the following ones its transport can carry in the same message; it returns how many
#: went (each call then marks exactly those sent). Any other sender gets one reply at a time.
Sender = Callable[[str, list[Reply]], Awaitable[int | None]]

#: how long a claim on a follow-up or an outgoing message holds (longer than any send with its
#: retries and 429 waits); a crashed instance's claims are taken over by others after that
LEASE = timedelta(minutes=5)
#: sending attempts of one message before it is given up (a 400 answer that will never change)
MAX_ATTEMPTS = 5


def lease_for(owner: str, now: datetime) -> Lease:
    return Lease(owner, now + LEASE)


class Outbox:
    """The service's sending side: one sender per channel, one delivery per conversation."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.senders: dict[str, Sender] = {}
        self.joining: set[str] = set()  # channels whose sender may join a turn's replies
        #: one delivery at a time per conversation, so its messages go out in order
        self._delivering = KeyedLock()

    async def drain(self) -> int:
        """Send every unsent message this instance may claim; return how many went out."""
        service = self.service
        total = 0
        now = service.clock()
        for channel in list(self.senders):
            try:
                keys = await service.store.outbox_keys(channel, now, service.owner)
            except StoreError as exc:
                service._failing(exc)
                return total
            for key in keys:
                total += (await self.deliver(key))[0]
        return total

    async def deliver(self, key: Key) -> tuple[int, bool]:
        """Send a conversation's unsent messages in order; return (sent, all of them went)."""
        send = self.senders.get(key.channel)
        if send is None:
            return 0, False  # that adapter is not running in this process; leave them
        async with self._delivering(key):
            total = 0
            while True:  # messages a turn on another instance added meanwhile are ours too
                sent, complete, claimed = await self._deliver_claimed(key, send)
                total += sent
                if not complete or not claimed:
                    return total, complete

    async def _deliver_claimed(self, key: Key, send: Sender) -> tuple[int, bool, bool]:
        """Claim and send what is unsent now; return (sent, all of it went, anything claimed)."""
        service = self.service
        store = service.store
        now = service.clock()
        try:
            messages = await store.claim_outbox(key, now, lease_for(service.owner, now))
        except StoreError as exc:
            service._failing(exc)
            return 0, False, False
        if not messages:
            return 0, True, False
        kb = service.kb
        if now - messages[0].created_at > timedelta(minutes=kb.policy.followup_late_after_minutes):
            sorry = Reply(kb.message("delivery_late", messages[0].payload.get("lang")))
            with contextlib.suppress(Exception):  # the replies matter, not the apology
                await send(key.user_id, [sorry])
        i = 0
        while i < len(messages):
            offered = self._offered(key.channel, messages, i)
            try:
                went = await send(key.user_id, [reply_from(m.payload) for m in offered])
            except RecipientGone:
                log.info("%s:%s not reachable; user marked inactive", *key)
                await self._give_up(key, messages[i:])
                return i, False, True
            except Exception:
                log.exception("sending to %s:%s failed; will retry", *key)
                await self._retry_later(key, messages[i], messages[i:])
                return i, False, True
            done = offered[: max(1, min(went or len(offered), len(offered)))]
            service.metrics.replies.inc()  # one message, however many replies it carried
            i += len(done)
            try:  # the replies of one message are marked sent together
                await store.mark_sent(*(m.id for m in done))
            except StoreError as exc:  # it went out; it may go out once more after a restart
                service._failing(exc)
                log.error("sent message to %s:%s not marked sent: %s", *key, exc)
                return i, False, True
        return len(messages), True, True

    def _offered(
        self, channel: str, messages: Sequence[OutboxMessage], i: int
    ) -> Sequence[OutboxMessage]:
        """The messages offered to the sender at once: from `i`, the rest of that turn's
        replies if the sender joins replies, else the one message."""
        turn = messages[i].payload.get("turn")
        if channel not in self.joining or not turn:
            return messages[i : i + 1]
        end = i + 1
        while end < len(messages) and messages[end].payload.get("turn") == turn:
            end += 1
        return messages[i:end]

    async def _retry_later(
        self, key: Key, failed: OutboxMessage, rest: Sequence[OutboxMessage]
    ) -> None:
        store = self.service.store
        with contextlib.suppress(StoreError):
            if failed.attempts + 1 >= MAX_ATTEMPTS:
                log.error("giving up a message to %s:%s after %d attempts", *key, MAX_ATTEMPTS)
                await store.drop([failed.id])
                rest = rest[1:]
            await store.release([m.id for m in rest])

    async def _give_up(self, key: Key, rest: Sequence[OutboxMessage]) -> None:
        store = self.service.store
        with contextlib.suppress(StoreError):
            await store.drop([m.id for m in rest])
            await store.set_active(key, False)
