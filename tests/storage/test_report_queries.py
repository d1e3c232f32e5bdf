"""The storage contract, continued: the report's read model, the same on every backend.

The queries aggregate in the database; these tests pin what they return on a small log whose
answers can be worked out by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.base import (
    CaseRecord,
    CohortCase,
    EventRecord,
    FieldCount,
    Key,
    ReportTerms,
    Scheduled,
    Store,
    TurnWrite,
    UserActivity,
)
from tests.storage import test_contract
from tests.storage.test_contract import ALICE, BOB, MINUTE, T0, lease

store = test_contract.store  # the same backends as the rest of the contract

TERMS = ReportTerms(
    case_opened="case_opened",
    case_closed="case_closed",
    case_field="case",
    case_flags=("manual_review", "lock_risk"),
    quiet=("followup_sent",),
    last_fields=("reason", "step"),
)
LATER = T0 + timedelta(minutes=10)


def case(number: int, at: datetime, status: str = "open") -> CaseRecord:
    return CaseRecord(number=number, opened_at=at, status=status, reasons=("blurry_photo",))


async def write(
    store: Store, key: Key, at: datetime, *events: tuple[str, dict], **more: object
) -> None:
    records = [EventRecord(kind, data) for kind, data in events]
    done = TurnWrite(state="{}", events=records, **more)  # type: ignore[arg-type]
    await store.run_turn(key, lambda raw: done, now=at, lease=lease("a", at))


async def history(store: Store) -> None:
    """alice: case 1 with manual review, a topic, then a follow-up she has not answered (one
    is still pending). bob: case 1, closed when he opens case 2, which reaches lock risk; a
    topic later."""
    await write(
        store, ALICE, T0,
        ("conversation_started", {}), ("case_opened", {"case": 1}),
        ("step", {"reason": "blurry_photo", "step": "light"}),
        case=case(1, T0), reschedule=True, followup=Scheduled(T0 + timedelta(days=1), "result"),
    )  # fmt: skip
    await write(store, ALICE, T0 + MINUTE, ("manual_review", {"failures": 3}), ("topic", {"id": "fees"}))
    await write(store, ALICE, T0 + 2 * MINUTE, ("followup_sent", {"type": "result"}))
    await write(
        store, BOB, T0,
        ("case_opened", {"case": 1}), ("step", {"reason": "expired_document", "step": "renew"}),
        case=case(1, T0),
    )  # fmt: skip
    await write(
        store, BOB, T0 + MINUTE,
        ("case_closed", {"case": 1, "why": "restart"}), ("case_opened", {"case": 2}),
        ("lock_risk", {"failures": 5}),
        case=case(2, T0 + MINUTE),
    )  # fmt: skip
    await write(store, BOB, T0 + 3 * MINUTE, ("topic", {"id": "fees"}))


async def test_events_are_counted_by_kind_and_user(store: Store) -> None:
    await history(store)
    totals = await store.event_totals(T0, LATER)
    assert totals.users == 2
    assert dict(totals.kinds) == {
        "conversation_started": 1, "case_opened": 3, "step": 2, "manual_review": 1, "topic": 2,
        "followup_sent": 1, "case_closed": 1, "lock_risk": 1,
    }  # fmt: skip
    assert (await store.event_totals(T0 + 2 * MINUTE, LATER)).kinds == {
        "followup_sent": 1, "topic": 1}


async def test_field_counts_group_one_kind_by_its_fields(store: Store) -> None:
    await history(store)
    assert await store.field_counts(T0, LATER, "topic", ["id"]) == [FieldCount(("fees",), 2, 2)]
    steps = await store.field_counts(T0, LATER, "step", ["reason", "step"])
    assert sorted(steps, key=lambda f: f.values) == [
        FieldCount(("blurry_photo", "light"), 1, 1), FieldCount(("expired_document", "renew"), 1, 1)
    ]
    assert await store.field_counts(T0, LATER, "topic", ["nothing"]) == [FieldCount((None,), 2, 2)]


async def test_user_activity_ignores_what_the_bot_did_on_its_own(store: Store) -> None:
    await history(store)
    activity = [a async for a in store.user_activity(T0, LATER, TERMS)]
    assert activity == [
        # her last event is the follow-up the bot sent: she last acted a minute before
        UserActivity(ALICE, "followup_sent", T0 + 2 * MINUTE, (None, None), T0 + MINUTE,
                     T0 + 2 * MINUTE),
        UserActivity(BOB, "topic", T0 + 3 * MINUTE, (None, None), T0 + 3 * MINUTE,
                     T0 + 3 * MINUTE),
    ]  # fmt: skip
    early = [a async for a in store.user_activity(T0, T0, TERMS)]
    assert [(a.key, a.last_kind, a.last_values) for a in early] == [
        (ALICE, "step", ("blurry_photo", "light")), (BOB, "step", ("expired_document", "renew"))
    ]


async def test_cohort_cases_carry_what_happened_while_they_were_open(store: Store) -> None:
    await history(store)
    cases = [c async for c in store.cohort_cases(T0, LATER, TERMS)]
    assert cases == [
        CohortCase(ALICE, case(1, T0), frozenset({"manual_review"}), "followup_sent", None, True),
        CohortCase(BOB, case(1, T0), frozenset(), "case_closed", T0 + MINUTE, False),
        CohortCase(BOB, case(2, T0 + MINUTE), frozenset({"lock_risk"}), "topic", None, False),
    ]
    later = [c async for c in store.cohort_cases(T0 + MINUTE, LATER, TERMS)]
    assert [(c.key, c.case.number, c.last_kind) for c in later] == [(BOB, 2, "topic")]


async def test_an_empty_period_reads_nothing(store: Store) -> None:
    await history(store)
    before = T0 - timedelta(days=1)
    assert (await store.event_totals(before, before)).users == 0
    assert [a async for a in store.user_activity(before, before, TERMS)] == []
    assert [c async for c in store.cohort_cases(before, before, TERMS)] == []
