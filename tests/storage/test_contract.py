"""The storage contract: every backend of `bot.storage.base.Store` must pass this module.

A new backend (PostgreSQL, #14) adds one entry to BACKENDS; nothing else changes. The tests
speak only the protocol: plain records in, plain records out, an explicit clock.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.base import (
    CaseRecord,
    EventRecord,
    Key,
    Lease,
    Scheduled,
    Store,
    TurnResult,
    TurnStatus,
    TurnWrite,
    UnmatchedRecord,
)
from bot.storage.sqlite import SqliteStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALICE, BOB = Key("telegram", "1001"), Key("telegram", "1002")
A = "instance-a"
B = "instance-b"
MINUTE = timedelta(minutes=1)

BACKENDS: dict[str, Callable[[Path], Awaitable[Store]]] = {
    "sqlite-file": lambda tmp: SqliteStore.open(tmp / "data" / "contract.sqlite3"),
    "sqlite-memory": lambda tmp: SqliteStore.open(":memory:"),
}


@pytest.fixture(params=[*sorted(BACKENDS), "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgres":  # a real server (tests/pg.py): skipped locally without one
        from bot.storage.postgres import PostgresStore

        opened: Store = await PostgresStore.open(request.getfixturevalue("pg_url"))
    else:
        opened = await BACKENDS[request.param](tmp_path)
    yield opened
    await opened.close()


def lease(owner: str, at: datetime = T0, minutes: float = 5) -> Lease:
    return Lease(owner, at + timedelta(minutes=minutes))


def counting(write: Callable[[int], TurnWrite] | None = None) -> Callable[[str | None], TurnWrite]:
    """A turn that counts: state {"n": n} becomes {"n": n + 1}."""

    def decide(raw: str | None) -> TurnWrite:
        n = json.loads(raw)["n"] + 1 if raw else 1
        if write is not None:
            return write(n)
        return TurnWrite(state=json.dumps({"n": n}), events=[EventRecord("turn", {"n": n})])

    return decide


async def turn(
    store: Store,
    key: Key = ALICE,
    *,
    at: datetime = T0,
    owner: str = A,
    outbox: tuple[str, ...] = (),
    followup: Scheduled | None = None,
    update_id: int | None = None,
) -> TurnResult:
    """One counting turn that sends `outbox` texts and (re)schedules `followup`."""

    def write(n: int) -> TurnWrite:
        return TurnWrite(
            state=json.dumps({"n": n}),
            lang="en",
            events=[EventRecord("turn", {"n": n})],
            outbox=[{"text": t} for t in outbox],
            reschedule=followup is not None,
            followup=followup,
        )

    return await store.run_turn(
        key, counting(write), now=at, lease=lease(owner, at), update_id=update_id
    )


async def counter(store: Store, key: Key = ALICE) -> int | None:
    stored = await store.load(key)
    return json.loads(stored.state)["n"] if stored else None


def texts(messages: list) -> list[str]:
    return [m.payload["text"] for m in messages]


# -- one unit of work per turn -------------------------------------------------------------------


async def test_a_turn_writes_everything_at_once_and_reads_it_back(store: Store) -> None:
    case = CaseRecord(
        number=1, opened_at=T0, status="open", reasons=("blurry_photo",),
        attempts=({"at": T0.isoformat(), "outcome": "pending", "reasons": []},), failures=0,
    )  # fmt: skip
    write = TurnWrite(
        state='{"phase": "fix"}',
        lang="es",
        case=case,
        reschedule=True,
        followup=Scheduled(T0 + timedelta(hours=24), "result"),
        events=[EventRecord("case_opened", {"case": 1}), EventRecord("unmatched", {})],
        unmatched=[UnmatchedRecord("my [redacted] thing", [{"kind": "reason", "id": "x"}])],
        outbox=[{"text": "first", "buttons": [["Next", "v|n"]]}, {"text": "second"}],
    )
    result = await store.run_turn(ALICE, lambda raw: write, now=T0, lease=lease(A))

    assert result.status is TurnStatus.APPLIED
    assert texts(list(result.outbox)) == ["first", "second"]
    assert result.outbox[0].payload == {"text": "first", "buttons": [["Next", "v|n"]]}
    stored = await store.load(ALICE)
    assert stored is not None
    assert (stored.state, stored.lang, stored.active, stored.updated_at) == (
        '{"phase": "fix"}', "es", True, T0
    )
    assert await store.scheduled(ALICE) == [Scheduled(T0 + timedelta(hours=24), "result")]
    events = await store.events_between(T0, T0)
    assert [(e.key, e.kind, dict(e.data)) for e in events] == [
        (ALICE, "case_opened", {"case": 1}), (ALICE, "unmatched", {})
    ]
    (row,) = await store.cases_opened_between(T0 - MINUTE, T0)
    assert row.key == ALICE and row.case == case
    (unmatched,) = await store.unmatched_between(T0, T0)
    assert (unmatched.key, unmatched.text) == (ALICE, "my [redacted] thing")
    assert list(unmatched.candidates) == [{"kind": "reason", "id": "x"}]
    assert await store.activity_between(T0, T0) == [(ALICE, T0)]
    assert await store.waiting_keys() == {ALICE}
    assert await store.claim_outbox(ALICE, T0, lease(A)) == list(result.outbox)


async def test_decide_sees_the_state_the_previous_turn_committed(store: Store) -> None:
    for _ in range(3):
        await turn(store)
    assert await counter(store) == 3
    assert await counter(store, BOB) is None


@pytest.mark.parametrize("where", ["in decide", "after the state was written"])
async def test_a_failure_mid_turn_leaves_nothing(store: Store, where: str) -> None:
    await turn(store, outbox=("one",))
    before_events = await store.events_between(T0, T0 + MINUTE)

    def failing(raw: str | None) -> TurnWrite:
        if where == "in decide":
            raise RuntimeError("engine bug")
        # the state and case are written before this event, which cannot be stored
        return TurnWrite(
            state='{"n": 99}',
            case=CaseRecord(number=7, opened_at=T0, status="open"),
            events=[EventRecord("turn", {"bad": object()})],
            outbox=[{"text": "never"}],
            reschedule=True,
            followup=Scheduled(T0, "result"),
        )

    with pytest.raises(Exception):  # noqa: B017 - whatever the backend raises
        await store.run_turn(ALICE, failing, now=T0 + MINUTE, lease=lease(A), update_id=5)

    assert await counter(store) == 1
    assert await store.events_between(T0, T0 + MINUTE) == before_events
    assert await store.cases_opened_between(T0 - MINUTE, T0 + MINUTE) == []
    assert await store.scheduled(ALICE) == []
    assert texts(await store.claim_outbox(ALICE, T0 + MINUTE, lease(A))) == ["one"]
    # the update id was not remembered either: the update can be handled when it comes again
    assert (await turn(store, update_id=5)).status is TurnStatus.APPLIED


async def test_concurrent_turns_do_not_interleave(store: Store) -> None:
    async def user(key: Key, count: int) -> None:
        for _ in range(count):
            await turn(store, key, outbox=(key.user_id,))

    # two users at once, and one user's turns racing each other: no turn sees another's half
    await asyncio.gather(user(ALICE, 25), user(BOB, 25), *(turn(store, ALICE) for _ in range(25)))

    assert await counter(store, ALICE) == 50 and await counter(store, BOB) == 25
    events = await store.events_between(T0, T0)
    for key, count in ((ALICE, 50), (BOB, 25)):
        assert [e.data["n"] for e in events if e.key == key] == list(range(1, count + 1))
    assert texts(await store.claim_outbox(BOB, T0, lease(A))) == ["1002"] * 25


# -- remembered update ids -----------------------------------------------------------------------


async def test_an_update_is_handled_once_however_often_it_comes(store: Store) -> None:
    calls = []

    def decide(raw: str | None) -> TurnWrite:
        calls.append(raw)
        return TurnWrite(state="{}", outbox=[{"text": "answer"}])

    first = await store.run_turn(ALICE, decide, now=T0, lease=lease(A), update_id=42)
    again = await store.run_turn(ALICE, decide, now=T0, lease=lease(A), update_id=42)
    other = await store.run_turn(BOB, decide, now=T0, lease=lease(A), update_id=43)
    elsewhere = await store.run_turn(
        Key("console", "1001"), decide, now=T0, lease=lease(A), update_id=42
    )

    assert [r.status for r in (first, again, other, elsewhere)] == [
        TurnStatus.APPLIED, TurnStatus.DUPLICATE, TurnStatus.APPLIED, TurnStatus.APPLIED
    ]
    assert len(calls) == 3 and again.outbox == ()
    assert texts(await store.claim_outbox(ALICE, T0, lease(A))) == ["answer"]  # once


async def test_update_ids_are_forgotten_after_the_memory_period(store: Store) -> None:
    await turn(store, update_id=1)
    await store.purge(
        T0 + timedelta(days=4),
        conversations_before=T0 - timedelta(days=1),
        updates_before=T0 + timedelta(days=1),
    )
    assert (await turn(store, update_id=1)).status is TurnStatus.APPLIED


# -- the outbox ------------------------------------------------------------------------------------


async def test_outbox_messages_come_with_their_turn_and_in_order(store: Store) -> None:
    await turn(store, outbox=("a1", "a2"))
    await turn(store, BOB, outbox=("b1",))
    await turn(store, at=T0 + MINUTE, outbox=("a3",))

    assert texts(await store.claim_outbox(ALICE, T0 + MINUTE, lease(A))) == ["a1", "a2", "a3"]
    assert texts(await store.claim_outbox(BOB, T0 + MINUTE, lease(A))) == ["b1"]


async def test_a_message_marked_sent_is_never_sent_again(store: Store) -> None:
    result = await turn(store, outbox=("one", "two"))
    first, second = result.outbox
    await store.mark_sent(first.id)
    assert texts(await store.claim_outbox(ALICE, T0, lease(A))) == ["two"]
    await store.mark_sent(second.id)

    later = T0 + timedelta(hours=1)  # every lease long expired
    assert await store.claim_outbox(ALICE, later, lease(B, later)) == []
    assert await store.outbox_keys("telegram", later, B) == []


async def test_messages_sent_as_one_are_marked_sent_together(store: Store) -> None:
    result = await turn(store, outbox=("diagnosis", "first step", "after"))
    diagnosis, step, _ = result.outbox
    await store.mark_sent(diagnosis.id, step.id)  # one Telegram message carried both
    assert texts(await store.claim_outbox(ALICE, T0, lease(A))) == ["after"]


async def test_an_outbox_lease_is_exclusive_until_it_expires(store: Store) -> None:
    await turn(store, outbox=("hello",))  # leased to A for 5 minutes by the turn itself

    soon = T0 + MINUTE
    assert await store.outbox_keys("telegram", soon, B) == []
    assert await store.claim_outbox(ALICE, soon, lease(B, soon)) == []
    # A's own instance takes its work back at once (after a restart, say)
    assert await store.outbox_keys("telegram", soon, A) == [ALICE]
    assert texts(await store.claim_outbox(ALICE, soon, lease(A, soon))) == ["hello"]

    expired = T0 + timedelta(minutes=7)  # A's lease (renewed at `soon`) ran out at 6 minutes
    assert await store.outbox_keys("telegram", expired, B) == [ALICE]
    assert texts(await store.claim_outbox(ALICE, expired, lease(B, expired))) == ["hello"]
    assert await store.claim_outbox(ALICE, expired + MINUTE, lease(A, expired + MINUTE)) == []


async def test_a_conversation_is_claimed_whole_so_its_order_holds(store: Store) -> None:
    await turn(store, outbox=("first",))  # A crashed before sending it
    taken = T0 + timedelta(minutes=6)
    assert texts(await store.claim_outbox(ALICE, taken, lease(B, taken))) == ["first"]
    await turn(store, at=taken + MINUTE, owner=A, outbox=("second",))  # A is back
    # A may not send "second" while B may still be sending "first": B sends both, in order
    later = taken + MINUTE
    assert await store.claim_outbox(ALICE, later, lease(A, later)) == []
    assert await store.outbox_keys("telegram", later, A) == []
    assert await store.outbox_keys("telegram", later, B) == [ALICE]
    assert texts(await store.claim_outbox(ALICE, later, lease(B, later))) == ["first", "second"]


async def test_a_released_message_is_claimable_at_once_and_counts_an_attempt(store: Store) -> None:
    (message,) = (await turn(store, outbox=("retry me",))).outbox
    await store.release([message.id])
    (again,) = await store.claim_outbox(ALICE, T0, lease(B))
    assert (again.id, again.attempts) == (message.id, 1)


async def test_dropped_messages_are_gone(store: Store) -> None:
    result = await turn(store, outbox=("x", "y"))
    await store.drop([m.id for m in result.outbox])
    assert await store.claim_outbox(ALICE, T0 + timedelta(hours=1), lease(B)) == []


async def test_outbox_keys_come_oldest_first_and_per_channel(store: Store) -> None:
    await turn(store, BOB, outbox=("b",))
    await turn(store, ALICE, outbox=("a",))
    await turn(store, Key("console", "c"), outbox=("c",))
    assert await store.outbox_keys("telegram", T0, A) == [BOB, ALICE]
    assert await store.outbox_keys("console", T0, A) == [Key("console", "c")]


# -- follow-ups ------------------------------------------------------------------------------------


async def test_due_follow_ups_come_oldest_first(store: Store) -> None:
    carol, dave = Key("telegram", "1003"), Key("console", "1004")
    for key, hours in ((ALICE, 3), (BOB, 1), (carol, 2), (dave, 0.5)):
        await turn(store, key, followup=Scheduled(T0 + timedelta(hours=hours), "result"))
    await turn(store, Key("telegram", "later"), followup=Scheduled(T0 + timedelta(days=2), "result"))

    now = T0 + timedelta(hours=4)
    claims = await store.claim_followups(now, lease(A, now), ["telegram"], limit=2)
    assert [(c.key, c.due_at) for c in claims] == [
        (BOB, T0 + timedelta(hours=1)), (carol, T0 + timedelta(hours=2))
    ]
    rest = await store.claim_followups(now, lease(A, now), ["telegram"])
    assert [c.key for c in rest] == [BOB, carol, ALICE]  # A's own claims come back to A
    assert await store.next_due(now) == T0 + timedelta(hours=0.5)
    assert await store.next_due(T0) is None


async def test_a_follow_up_lease_is_exclusive_until_it_expires(store: Store) -> None:
    due = T0 + timedelta(hours=1)
    await turn(store, followup=Scheduled(due, "result"))

    (mine,) = await store.claim_followups(due, lease(A, due), ["telegram"])
    assert await store.claim_followups(due + MINUTE, lease(B, due + MINUTE), ["telegram"]) == []
    assert await store.waiting_keys() == {ALICE}  # still waited for while being sent

    expired = due + timedelta(minutes=6)
    (theirs,) = await store.claim_followups(expired, lease(B, expired), ["telegram"])
    assert theirs.id == mine.id

    def answer(raw: str | None) -> TurnWrite:
        return TurnWrite(state='{"n": 100}', outbox=[{"text": "did it pass?"}])

    late = await store.run_turn(ALICE, answer, now=expired, lease=lease(A, expired), answers=mine)
    assert late.status is TurnStatus.LOST and await counter(store) == 1
    done = await store.run_turn(ALICE, answer, now=expired, lease=lease(B, expired), answers=theirs)
    assert done.status is TurnStatus.APPLIED and texts(list(done.outbox)) == ["did it pass?"]
    # answered: never claimed again, by anyone
    assert await store.scheduled(ALICE) == []
    never = expired + timedelta(days=1)
    assert await store.claim_followups(never, lease(A, never), ["telegram"]) == []


async def test_rescheduling_replaces_the_pending_follow_up(store: Store) -> None:
    await turn(store, followup=Scheduled(T0 + timedelta(hours=1), "result"))
    await turn(store, followup=Scheduled(T0 + timedelta(hours=5), "review"))
    assert await store.scheduled(ALICE) == [Scheduled(T0 + timedelta(hours=5), "review")]

    def cancel(raw: str | None) -> TurnWrite:
        return TurnWrite(state="{}", reschedule=True, followup=None)

    await store.run_turn(ALICE, cancel, now=T0, lease=lease(A))
    assert await store.scheduled(ALICE) == [] and await store.waiting_keys() == set()


async def test_an_inactive_user_has_no_follow_ups(store: Store) -> None:
    await turn(store, followup=Scheduled(T0 + timedelta(hours=1), "result"))
    await store.set_active(ALICE, False)
    stored = await store.load(ALICE)
    assert stored is not None and not stored.active
    assert await store.scheduled(ALICE) == []
    await turn(store)  # writing to the bot again makes them active
    stored = await store.load(ALICE)
    assert stored is not None and stored.active


# -- forget and purge ---------------------------------------------------------------------------


async def everything_about(store: Store, key: Key) -> dict[str, object]:
    far = T0 + timedelta(days=400)
    return {
        "conversation": await store.load(key),
        "follow-ups": await store.scheduled(key),
        "events": [e for e in await store.events_between(T0 - MINUTE, far) if e.key == key],
        "cases": [c for c in await store.cases_opened_between(T0 - MINUTE, far) if c.key == key],
        "unmatched": [u for u in await store.unmatched_between(T0 - MINUTE, far) if u.key == key],
        "outbox": await store.claim_outbox(key, far, lease(B, far)),
    }


async def full_history(store: Store, key: Key) -> None:
    def write(n: int) -> TurnWrite:
        return TurnWrite(
            state=json.dumps({"n": n}),
            case=CaseRecord(number=1, opened_at=T0, status="open", reasons=("x",)),
            reschedule=True,
            followup=Scheduled(T0 + timedelta(hours=24), "result"),
            events=[EventRecord("unmatched", {})],
            unmatched=[UnmatchedRecord("what about [redacted]")],
            outbox=[{"text": "hi"}],
        )

    result = await store.run_turn(key, counting(write), now=T0, lease=lease(A))
    for message in result.outbox:
        await store.mark_sent(message.id)


async def test_forget_removes_everything_of_the_user_and_nothing_else(store: Store) -> None:
    await full_history(store, ALICE)
    await full_history(store, BOB)
    pending = await turn(store, at=T0 + MINUTE, outbox=("still on its way",))

    def forget(raw: str | None) -> TurnWrite:
        return TurnWrite(state=None, forget="forget", outbox=[{"text": "all deleted"}])

    result = await store.run_turn(ALICE, forget, now=T0 + MINUTE, lease=lease(A))
    # the messages in flight (the answer to /forget included) are still delivered, then gone
    assert texts(await store.claim_outbox(ALICE, T0 + MINUTE, lease(A))) == [
        "still on its way", "all deleted"
    ]
    for message in (*pending.outbox, *result.outbox):
        await store.mark_sent(message.id)

    assert await everything_about(store, ALICE) == {
        "conversation": None, "follow-ups": [], "events": [], "cases": [], "unmatched": [],
        "outbox": [],
    }  # fmt: skip
    bob = await everything_about(store, BOB)
    assert bob["conversation"] is not None and all(bob[k] for k in ("follow-ups", "events", "cases"))
    anonymous = [e for e in await store.events_between(T0, T0 + MINUTE) if e.key is None]
    assert [e.kind for e in anonymous] == ["forget"]


async def test_purge_removes_conversations_untouched_since_the_cutoff(store: Store) -> None:
    await full_history(store, ALICE)
    await turn(store, ALICE, outbox=("undeliverable",))  # never sent: purged with the rest
    await full_history(store, BOB)
    await turn(store, BOB, at=T0 + timedelta(days=10))  # Bob came back

    now = T0 + timedelta(days=20)
    purged = await store.purge(
        now, conversations_before=T0 + timedelta(days=5), updates_before=now
    )

    assert purged == 1
    assert await everything_about(store, ALICE) == {
        "conversation": None, "follow-ups": [], "events": [], "cases": [], "unmatched": [],
        "outbox": [],
    }  # fmt: skip
    assert await counter(store, BOB) == 2
    assert [e.kind for e in await store.events_between(now, now) if e.key is None] == ["purged"]


# -- several instances ---------------------------------------------------------------------------


async def test_an_update_older_than_one_applied_is_stale_and_runs_nothing(store: Store) -> None:
    assert (await turn(store, update_id=20)).status is TurnStatus.APPLIED
    assert (await turn(store, update_id=10)).status is TurnStatus.STALE  # arrived late
    assert (await turn(store, BOB, update_id=10)).status is TurnStatus.APPLIED  # per user
    assert (await turn(store, update_id=21)).status is TurnStatus.APPLIED
    assert await counter(store) == 2


async def test_a_once_key_runs_its_turn_once(store: Store) -> None:
    async def press(update_id: int) -> TurnStatus:
        result = await store.run_turn(
            ALICE, counting(), now=T0, lease=lease(A), update_id=update_id, once="press:1001:7"
        )
        return result.status

    assert await press(30) is TurnStatus.APPLIED
    assert await press(31) is TurnStatus.DUPLICATE  # the same message pressed again
    assert await counter(store) == 1
    # forgotten with the update ids, after the retention period
    await store.purge(T0, conversations_before=T0 - timedelta(days=1), updates_before=T0 + MINUTE)
    assert await press(32) is TurnStatus.APPLIED


async def test_turns_of_one_user_never_interleave_even_on_separate_connections(
    store: Store,
) -> None:
    await asyncio.gather(*(turn(store, update_id=100 + i) for i in range(20)))
    applied = await counter(store)
    assert applied is not None and 1 <= applied <= 20  # later ids may make earlier ones stale
    events = await store.events_between(T0, T0)
    assert [e.data["n"] for e in events] == list(range(1, applied + 1))  # no lost update


async def test_ping_answers_while_the_database_is_there(store: Store) -> None:
    await store.ping()
