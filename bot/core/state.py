"""Conversation state: plain data, serialised to JSON by the store.

Only ids from the knowledge base and dates are kept here, never what the user typed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

STATE_VERSION = 1

# phases
IDLE = "idle"
CHOOSING = "choosing"  # we asked which of several candidates fits
FIX = "fix"  # walking through a reason's steps
AWAITING_RESULT = "awaiting_result"  # resubmitted, waiting for the outcome
AWAITING_NOTICE = "awaiting_notice"  # rejected again: waiting for the new notice
CONFIRM_FORGET = "confirm_forget"


@dataclass
class Attempt:
    at: str  # ISO 8601, UTC
    outcome: str = "pending"  # pending | passed | rejected
    reasons: list[str] = field(default_factory=list)


@dataclass
class Case:
    number: int
    opened_at: str
    reasons: list[str] = field(default_factory=list)  # every reason diagnosed, in order
    steps_done: list[str] = field(default_factory=list)  # "reason/step"
    attempts: list[Attempt] = field(default_factory=list)
    status: str = "open"  # open | passed | closed
    closed_at: str | None = None

    @property
    def failures(self) -> int:
        return sum(1 for a in self.attempts if a.outcome == "rejected")


@dataclass
class Followup:
    due: str  # ISO 8601, UTC
    kind: str  # result | review


@dataclass
class State:
    version: int = STATE_VERSION
    tag: str = ""  # a few random characters fixed per conversation; see bot.core.payload
    lang: str | None = None
    phase: str = IDLE
    reason: str | None = None
    step: str | None = None
    back: list[str] = field(default_factory=list)  # step ids visited before `step`
    queue: list[str] = field(default_factory=list)  # reasons still to work through
    batch: list[str] = field(default_factory=list)  # the reasons of the notice being worked through
    asked_result: bool = False  # a follow-up asked "did it pass?" while the user was mid-fix
    seq: int = 0  # bumped whenever buttons are sent; older buttons are stale
    followup: Followup | None = None
    followups_enabled: bool = True
    case: Case | None = None
    cases_opened: int = 0
    flood_window: str | None = None
    flood_count: int = 0
    started: bool = False
    resume_phase: str | None = None  # the phase to return to after a forget "no"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> State:
        data = json.loads(raw)
        case = data.pop("case", None)
        followup = data.pop("followup", None)
        known = set(cls.__dataclass_fields__)
        state = cls(**{k: v for k, v in data.items() if k in known})
        if followup:
            state.followup = Followup(**followup)
        if case:
            attempts = [Attempt(**a) for a in case.pop("attempts", [])]
            state.case = Case(**case, attempts=attempts)
        return state


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def parse_iso(raw: str) -> datetime:
    return datetime.fromisoformat(raw)
