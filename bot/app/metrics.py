"""What operators watch (Prometheus): what the bot handled, placed, sent, and how fast.

One `Metrics` per process, with its own registry (tests make as many as they like). The service
records turns, deliveries, follow-ups and store errors; the webhook server exposes the registry
at /metrics. Labels are bounded: event kinds, knowledge ids and language codes, never user data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.core.events import Attachment, ButtonPress, Command, Event, FollowupDue, TextMessage

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

#: engine events that mean a message was placed: (kind label, field holding the ids)
_MATCH_EVENTS = {"diagnosed": ("reason", "reasons"), "topic": ("topic", "id")}
_UNMATCHED_EVENTS = frozenset({"unmatched", "ambiguous"})
#: seconds; a turn is ~1 ms of engine work plus the database round trips and lock waits
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Unmeasured:
    """A counter or histogram that counts nothing (`Metrics(measured=False)`)."""

    def labels(self, *_: str) -> _Unmeasured:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, amount: float) -> None:
        pass


class Metrics:
    """Counters and a latency histogram, named `kyc_*` in the exposition.

    `measured=False` counts nothing and needs no Prometheus client: the console, which has no
    /metrics to serve, starts without importing it.
    """

    def __init__(self, registry: CollectorRegistry | None = None, *, measured: bool = True) -> None:
        if not measured:
            self.registry = None
            off = _Unmeasured()
            self.messages = self.skipped = self.replies = self.matches = off
            self.unmatched = self.followups = self.latency = self.store_errors = off
            return
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "kyc_messages", "Updates and follow-ups handled, by kind", ["kind"], registry=r
        )
        self.skipped = Counter(
            "kyc_updates_skipped",
            "Updates not applied: already handled (duplicate) or older than one applied (stale)",
            ["why"],
            registry=r,
        )
        self.replies = Counter(
            "kyc_replies", "Messages the transport accepted (replies and follow-ups)", registry=r
        )
        self.matches = Counter(
            "kyc_matches",
            "Messages placed, by what they matched (reason or topic id) and language",
            ["kind", "id", "lang"],
            registry=r,
        )
        self.unmatched = Counter(
            "kyc_unmatched", "Messages the bot could not place, by language", ["lang"], registry=r
        )
        self.followups = Counter(
            "kyc_followups",
            "Follow-ups: due (claimed to be sent), sent (accepted), failed (will be retried)",
            ["outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "kyc_handling_seconds",
            "From receiving an event to its turn committed, lock waits included",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.store_errors = Counter(
            "kyc_store_errors", "Store operations that failed", registry=r
        )
        for outcome in ("due", "sent", "failed"):
            self.followups.labels(outcome)  # present (at 0) before the first follow-up
        for why in ("duplicate", "stale"):
            self.skipped.labels(why)

    def turn(
        self, kind: str, events: Iterable[Mapping[str, Any]], lang: str | None, seconds: float
    ) -> None:
        """Record one committed turn: its event kind, what it matched, how long it took."""
        self.messages.labels(kind).inc()
        self.latency.observe(seconds)
        lang = lang or "unknown"
        for event in events:
            name = event.get("kind")
            if name in _MATCH_EVENTS:
                label, field = _MATCH_EVENTS[name]
                ids = event.get(field)
                for entry in ids if isinstance(ids, list | tuple) else [ids]:
                    if isinstance(entry, str):
                        self.matches.labels(label, entry, lang).inc()
            elif name in _UNMATCHED_EVENTS:
                self.unmatched.labels(lang).inc()


def event_kind(event: Event) -> str:
    """Return the metrics label for an engine event: text, forwarded, command, button, ..."""
    if isinstance(event, TextMessage):
        return "forwarded" if event.forwarded else "text"
    if isinstance(event, Command):
        return "command"
    if isinstance(event, ButtonPress):
        return "button"
    if isinstance(event, Attachment):
        return "attachment"
    if isinstance(event, FollowupDue):
        return "followup"
    return type(event).__name__.lower()
