"""The storage contract: what the app layer asks of a database, whatever the backend.

    app layer --Store.run_turn(key, decide)--> backend: BEGIN; read; decide(); write; COMMIT
              --claim_followups / claim_outbox--> short transactions: leased claims
              --mark_sent / release / drop-------> one small write after the transport answered
              --event_totals, user_activity, cohort_cases...--> read-model queries for reports,
                aggregated by the database and streamed: memory bounded by users, not events

A backend stores plain data: conversation state is an opaque JSON document (a string), events,
outgoing messages and cases are JSON-able dicts and lists. It knows nothing of the dialogue (no
state classes, no event vocabulary, no wording); the app layer converts. Every time is an aware
datetime; backends keep UTC. Nothing here is specific to SQLite: `tests/storage/` runs one
contract suite against every backend.

Delivery is a transactional outbox with leased claims (procrastinate's shape): a turn writes its
outgoing messages in its own transaction, already leased to the process that ran it; whoever
sends a message marks it sent (deletes it) only after the transport accepted it; a lease that
runs out (its process died) makes the message claimable again, by anyone. The same holds for
follow-ups: a short transaction leases the due ones; the turn that answers one marks it done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple, Protocol, TypeVar

# the report's grouped figures (`Store.report_summary`), kept in a module of their own
from bot.storage.report_rows import CaseGroup as CaseGroup
from bot.storage.report_rows import OutcomeTerms as OutcomeTerms
from bot.storage.report_rows import QuietGroup as QuietGroup
from bot.storage.report_rows import ReportSummary as ReportSummary


class Key(NamedTuple):
    """A conversation: the channel (telegram, console...) and the user's id there."""

    channel: str
    user_id: str


@dataclass(frozen=True)
class Lease:
    """Who holds a claim, and until when. `owner` names an instance, stable across restarts,
    so a restarted process takes its own unfinished work back at once; other owners wait for
    `until` to pass."""

    owner: str
    until: datetime


# -- what a turn writes ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRecord:
    """One case of a conversation, as reports read it."""

    number: int
    opened_at: datetime
    status: str
    reasons: Sequence[str] = ()
    attempts: Sequence[Mapping[str, Any]] = ()
    failures: int = 0
    closed_at: datetime | None = None


@dataclass(frozen=True)
class EventRecord:
    """One entry of the event log; `data` is JSON-able and already redacted."""

    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnmatchedRecord:
    """A message the bot could not place (already redacted), with the candidates it had."""

    text: str
    candidates: Sequence[Any] = ()
    #: the redaction that wrote `text` (`bot.understanding.redact.fingerprint`): a report
    #: redacts again only text an older redaction wrote
    redaction: str | None = None


@dataclass(frozen=True)
class Scheduled:
    """A follow-up a conversation waits for."""

    due_at: datetime
    kind: str


@dataclass(frozen=True)
class TurnWrite:
    """Everything one turn writes, in one transaction.

    `forget` deletes every row of the user first and logs one anonymous event of that kind; the
    turn's outgoing messages are still written (they are the answer to the request). With
    `reschedule`, pending follow-ups are cancelled and `followup` (if any) is planned.
    """

    state: str | None
    lang: str | None = None
    case: CaseRecord | None = None
    reschedule: bool = False
    followup: Scheduled | None = None
    events: Sequence[EventRecord] = ()
    unmatched: Sequence[UnmatchedRecord] = ()
    outbox: Sequence[Mapping[str, Any]] = ()
    forget: str | None = None


#: Given the stored state (None: a new conversation), return what the turn writes. Pure and
#: quick, no I/O, no awaiting: a backend calls it between its read and its write (or inside its
#: transaction), and may call it again if the state changed in between. An exception leaves
#: nothing written and is raised to the caller.
Decide = Callable[[str | None], TurnWrite]


class TurnStatus(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the update id (or `once` key) was handled before: nothing ran
    STALE = "stale"  # a newer update of this conversation was applied already: nothing ran
    LOST = "lost"  # the follow-up it answers is no longer leased to us: nothing ran


@dataclass(frozen=True)
class OutboxMessage:
    """An outgoing message waiting to be sent (or being sent, under `lease`)."""

    id: int
    key: Key
    payload: Mapping[str, Any]
    created_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class TurnResult:
    status: TurnStatus
    outbox: tuple[OutboxMessage, ...] = ()


@dataclass(frozen=True)
class FollowupClaim:
    """A due follow-up, leased to whoever claimed it."""

    id: int
    key: Key
    due_at: datetime
    kind: str
    lease: Lease


# -- what reads return ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversation:
    key: Key
    state: str
    lang: str | None
    active: bool
    updated_at: datetime


@dataclass(frozen=True)
class EventRow:
    id: int
    key: Key | None  # None for anonymous events (forget, purged)
    at: datetime
    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class CaseRow:
    key: Key
    case: CaseRecord


@dataclass(frozen=True)
class UnmatchedRow:
    key: Key
    at: datetime
    text: str
    candidates: Sequence[Any]
    redaction: str | None = None  # see UnmatchedRecord


# -- the report's read model -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTerms:
    """The event kinds and fields the report's queries need: the app layer's vocabulary, passed
    in, so that a backend has none of its own."""

    case_opened: str  # an event of this kind opens the case its `case_field` names ...
    case_closed: str  # ... and one of this kind closes it
    case_field: str
    case_flags: Sequence[str]  # kinds remembered per case when they happen while it is open
    quiet: Sequence[str]  # kinds the bot writes on its own: not a sign of the user
    last_fields: Sequence[str]  # fields of a user's last event that `user_activity` returns


@dataclass(frozen=True)
class EventTotals:
    """The period's events counted by kind, and the users they are about."""

    kinds: Mapping[str, int]
    users: int


@dataclass(frozen=True)
class FieldCount:
    """Events of one kind in the period with these field values: how many, for how many users."""

    values: tuple[str | None, ...]
    count: int
    users: int


@dataclass(frozen=True)
class UserActivity:
    """One user's last event in the period and when they last did something themselves."""

    key: Key
    last_kind: str
    last_at: datetime
    last_values: tuple[str | None, ...]  # `ReportTerms.last_fields` of the last event
    #: the latest of: their last event of a kind not `quiet`, and their conversation's last
    #: update unless a `quiet` event was written then (a turn that logged nothing still counts)
    acted_at: datetime | None
    updated_at: datetime | None  # their conversation's last update, if in the period


@dataclass(frozen=True)
class CohortCase:
    """A case opened in the period, with what the period's events say about it."""

    key: Key
    case: CaseRecord
    flags: frozenset[str]  # `ReportTerms.case_flags` that happened while it was open
    last_kind: str | None  # the kind of the last event while it was the user's open case
    closed_at: datetime | None  # the first `case_closed` event naming it
    waiting: bool  # the user has a follow-up pending


# -- the protocol ----------------------------------------------------------------------------------


class Store(Protocol):
    """What every backend implements. Errors of the database are raised as `StoreError`."""

    async def close(self) -> None: ...

    # -- turns ---------------------------------------------------------------------------------

    async def run_turn(
        self,
        key: Key,
        decide: Decide,
        *,
        now: datetime,
        lease: Lease,
        update_id: int | None = None,
        once: str | None = None,
        answers: FollowupClaim | None = None,
    ) -> TurnResult:
        """Run one turn as one unit of work: read the state, `decide`, write it all, commit.

        With `update_id`, remember it; if it was remembered before, nothing runs (DUPLICATE);
        if it is older than one already applied to this conversation, nothing runs (STALE):
        one user's updates apply in their order. `once` is another key remembered the same
        way (the message a button was pressed on: a double tap runs once).
        With `answers`, mark that follow-up done; if its lease was lost, nothing runs (LOST).
        The turn's outgoing messages come back leased to `lease.owner`, in sending order
        (or to whoever holds an unexpired lease on the conversation's earlier unsent messages,
        so one sender keeps them in order).
        Turns of one conversation never interleave; turns of different ones may run at once.
        """
        ...

    async def load(self, key: Key) -> Conversation | None: ...

    async def ping(self) -> None:
        """Raise StoreError unless the database answers (readiness checks)."""
        ...

    async def set_active(self, key: Key, active: bool) -> None:
        """Mark a user (in)active; an inactive user's pending follow-ups are cancelled."""
        ...

    async def purge(
        self, now: datetime, *, conversations_before: datetime, updates_before: datetime
    ) -> int:
        """Delete conversations untouched since `conversations_before` with everything about
        them (one anonymous `purged` event each, so reports can count them), and remembered
        update ids older than `updates_before`. Return how many conversations went."""
        ...

    # -- follow-ups --------------------------------------------------------------------------

    async def claim_followups(
        self, now: datetime, lease: Lease, channels: Sequence[str], limit: int = 100
    ) -> list[FollowupClaim]:
        """Lease the follow-ups of `channels` due by `now`, oldest first: pending ones, ones
        whose lease expired, and ones already leased to `lease.owner`."""
        ...

    async def next_due(self, until: datetime) -> datetime | None:
        """Return the earliest pending follow-up time up to `until`, if any."""
        ...

    async def scheduled(self, key: Key) -> list[Scheduled]:
        """Return the follow-ups this conversation waits for (pending or being sent)."""
        ...

    # -- the outbox ---------------------------------------------------------------------------

    async def claim_outbox(self, key: Key, now: datetime, lease: Lease) -> list[OutboxMessage]:
        """Lease every unsent message of a conversation, in sending order; nothing if another
        owner holds an unexpired lease on one of them (its order must be kept)."""
        ...

    async def outbox_keys(self, channel: str, now: datetime, owner: str) -> list[Key]:
        """Return the conversations of `channel` with messages `owner` could claim now,
        the one waiting longest first."""
        ...

    async def mark_sent(self, *message_ids: int) -> None:
        """The transport accepted the messages (one message of the transport may carry several
        replies): none of them is ever sent again. One write: all of them or none."""
        ...

    async def release(self, message_ids: Sequence[int]) -> None:
        """Sending failed: give the messages back (claimable at once), counting an attempt."""
        ...

    async def drop(self, message_ids: Sequence[int]) -> None:
        """The messages cannot be delivered (the user blocked the bot): forget them."""
        ...

    # -- read model (reports) -----------------------------------------------------------------

    async def events_between(self, since: datetime, until: datetime) -> list[EventRow]:
        """The event log of the period, in the order it was written."""
        ...

    async def cases_opened_between(self, since: datetime, until: datetime) -> list[CaseRow]:
        """The cases opened in the period, oldest first."""
        ...

    async def activity_between(self, since: datetime, until: datetime) -> list[tuple[Key, datetime]]:
        """When each conversation touched in the period was last touched."""
        ...

    async def waiting_keys(self) -> set[Key]:
        """The conversations with a follow-up pending."""
        ...

    async def unmatched_between(self, since: datetime, until: datetime) -> list[UnmatchedRow]:
        """Messages the bot could not place, in the period, in the order they came."""
        ...

    # Report queries aggregate in the database and run beside turns (on SQLite, on a reading
    # connection of their own), so a long report never holds up a user's turn.

    async def event_totals(self, since: datetime, until: datetime) -> EventTotals:
        """The period's events by kind, and how many users they are about."""
        ...

    async def field_counts(
        self, since: datetime, until: datetime, kind: str, fields: Sequence[str]
    ) -> list[FieldCount]:
        """The period's events of `kind` grouped by the values of `fields` (None if absent)."""
        ...

    def user_activity(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[UserActivity]:
        """Each user with an event in the period, in key order (streamed)."""
        ...

    def cohort_cases(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[CohortCase]:
        """The cases opened in the period, by key and number (streamed). Events count for
        the case the user's latest `case_opened` event in the period opened."""
        ...


    async def report_summary(
        self,
        since: datetime,
        until: datetime,
        terms: ReportTerms,
        outcomes: OutcomeTerms,
        quiet_before: datetime,
    ) -> ReportSummary:
        """What `user_activity` and `cohort_cases` give, grouped by the facts the report's rules
        read (`CaseGroup`, `QuietGroup`), computed by the database in one read."""
        ...

R = TypeVar("R")


def record(cls: type[R], **fields: Any) -> R:
    """Build a frozen record without its `__init__` (whose per-field setattr costs ~1 us each):
    the same object, for the report's queries, which build one per user and per case. Every
    field must be given."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj
