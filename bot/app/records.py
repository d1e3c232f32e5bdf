"""Between the dialogue and the store: a turn's outcome as plain records, replies as payloads.

The store knows no dialogue: it keeps the state as an opaque JSON document, events and
outgoing messages as JSON-able dicts. This module is where the app layer converts, and where
what users wrote is redacted before anything is written (`redact`, whatever the engine did).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bot.core.engine import Outcome
from bot.core.events import Button, Reply
from bot.core.state import Followup, parse_iso
from bot.storage.base import CaseRecord, EventRecord, Scheduled, TurnWrite, UnmatchedRecord
from bot.understanding.redact import fingerprint, redact

#: event kinds whose `text` goes to the unmatched log (for operators) instead of the event log
UNMATCHED_KINDS = frozenset({"unmatched", "ambiguous"})


def turn_write(before: Followup | None, outcome: Outcome, lang: str | None) -> TurnWrite:
    """Return what the store writes for one engine outcome; `before`: the follow-up the
    state had before the turn (a changed one is scheduled anew)."""
    new = outcome.state
    events, unmatched = _records(outcome.events)
    reply_lang = new.lang or lang
    # which replies came together: a sender may join them (not a secret: `random`, not
    # `secrets`, whose read of the OS's randomness lets the database thread take the GIL)
    turn = f"{random.getrandbits(32):08x}"
    outbox = [reply_payload(r, reply_lang, turn) for r in outcome.replies]
    if outcome.forget:
        return TurnWrite(state=None, forget="forget", outbox=outbox)
    followup = new.followup
    case = new.case
    return TurnWrite(
        state=new.to_json(),
        lang=new.lang,
        case=(
            CaseRecord(
                number=case.number,
                opened_at=parse_iso(case.opened_at),
                closed_at=parse_iso(case.closed_at) if case.closed_at else None,
                status=case.status,
                reasons=tuple(case.reasons),
                attempts=tuple(dict(a.__dict__) for a in case.attempts),
                failures=case.failures,
            )
            if case is not None
            else None
        ),
        reschedule=followup != before,
        followup=Scheduled(parse_iso(followup.due), followup.kind) if followup else None,
        events=events,
        unmatched=unmatched,
        outbox=outbox,
    )


def _records(events: tuple[dict, ...]) -> tuple[list[EventRecord], list[UnmatchedRecord]]:
    records, unmatched = [], []
    for event in events:
        data = {k: v for k, v in event.items() if k != "kind"}
        if "text" in data:
            data["text"] = redact(str(data["text"]))
        if event["kind"] in UNMATCHED_KINDS:
            text = data.pop("text", "")
            unmatched.append(
                UnmatchedRecord(text, tuple(data.get("candidates", ())), fingerprint())
            )
        records.append(EventRecord(event["kind"], data))
    return records, unmatched


def reply_payload(reply: Reply, lang: str | None, turn: str | None = None) -> dict[str, Any]:
    """Return an outgoing reply as JSON-able data (with the language it was written in, and
    the turn it came from)."""
    payload = {
        "text": reply.text,
        "buttons": [[[b.label, b.data, b.key] for b in row] for row in reply.buttons],
        "keys": list(reply.keys),
        "lang": lang,
    }
    if turn is not None:
        payload["turn"] = turn
    return payload


def reply_from(payload: Mapping[str, Any]) -> Reply:
    """Return the reply an outbox payload holds."""
    rows = tuple(
        tuple(Button(str(b[0]), str(b[1]), str(b[2]) if len(b) > 2 else "") for b in row)
        for row in payload.get("buttons") or ()
    )
    keys = tuple(str(k) for k in payload.get("keys") or ())
    return Reply(str(payload.get("text", "")), rows, keys)
