"""Conversation state: plain data, serialised to JSON by the store.

Only ids from the knowledge base, dates and counts are kept here, never what the user typed.

A conversation has a *position* (`State.phase`: where the dialogue is) and, once a rejection
was diagnosed, a *case* with a *stage* (`Case.stage`: where the verification is). The stages
follow the guide:

    fixing --resubmitted--> resubmitted --rejected--> fixing (1st, 2nd failure)
                                        |           > manual_review (3rd failure: a person looks)
                                        |           > lock_risk (5th failure and after)
                                        +--passed--> passed
    manual_review --more documents--> manual_review (documents asked for)
                  --rejected after review--> fixing (or lock_risk) --...
                  --passed--> passed
    any open stage --a fix that leaves nothing to try / "it says permanent"--> closed (why)

`bot.core.case` holds the transitions; this module only the data.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

STATE_VERSION = 2

# phases: where the dialogue is
IDLE = "idle"
CHOOSING = "choosing"  # we asked which of several candidates fits
FIX = "fix"  # walking through a reason's steps
AWAITING_NOTICE = "awaiting_notice"  # rejected again: waiting for the new notice
CONFIRM_FORGET = "confirm_forget"

# case stages: where the verification is
FIXING = "fixing"
RESUBMITTED = "resubmitted"  # waiting for the automatic result
MANUAL_REVIEW = "manual_review"
LOCK_RISK = "lock_risk"
PASSED = "passed"
CLOSED = "closed"
OPEN_STAGES = (FIXING, RESUBMITTED, MANUAL_REVIEW, LOCK_RISK)
#: why a case was closed: the guide's dead ends (`bot.knowledge.model.CLOSURES`), or a new case
RESTART = "restart"


@dataclass
class Attempt:
    at: str | None  # ISO 8601, UTC; None when only the count is known ("failed 3 times")
    outcome: str = "pending"  # pending | passed | rejected
    reasons: list[str] = field(default_factory=list)
    #: how we know of it: resubmitted (the user told us), arrived (the rejection they came
    #: with), counted (they said how many times it failed)
    source: str = "resubmitted"
    #: False when the attempt was rejected and no reason was told for it (its `reasons` are then
    #: what it set out to fix, not why it failed); None in states saved before this was kept
    reasons_told: bool | None = None


@dataclass
class Case:
    number: int
    opened_at: str
    reasons: list[str] = field(default_factory=list)  # every reason diagnosed, in order
    steps_done: list[str] = field(default_factory=list)  # "reason/step"
    attempts: list[Attempt] = field(default_factory=list)
    stage: str = FIXING
    closed_at: str | None = None
    closed_why: str | None = None  # a CLOSURES value or RESTART
    review_started: str | None = None  # when the current manual review began
    #: the latest manual review once it ended: when it began, when it was reported refused,
    #: and what its refusal said (empty: not told); attempt 3's own reason stays its own
    review_began: str | None = None
    review_refused_at: str | None = None
    review_reasons: list[str] = field(default_factory=list)
    #: a passed case: the stage it passed from and its review's start (a pass taken back
    #: returns there, `bot.core.case.undo_pass`)
    passed_from: str | None = None
    passed_review: str | None = None
    reviews_failed: int = 0  # manual reviews that ended in a rejection
    #: the number of the attempt the latest failed review refused (0: none)
    review_refused_attempt: int = 0
    #: the review's end was inferred from a count the user said ("my 5th time"), not reported
    review_inferred: bool = False
    documents_asked: bool = False  # the current review asked for more documents
    documents_asked_at: str | None = None  # when it first did (the case summary says so)
    checkins: int = 0  # check-ins sent in the current stage (their wording moves on)
    appealed_at: str | None = None  # when the user said they appealed (a manual re-evaluation)
    #: how the case before this one ended, when at one of the guide's dead ends (a CLOSURES
    #: value): support still needs to know ("edited document" before a photo retake)
    earlier: str | None = None
    #: opened from a question, no rejection told ("will KYC still work?"): a submission after
    #: it is the first one, not one after an untold refusal
    asked: bool = False

    @property
    def status(self) -> str:
        """open | passed | closed: what the store and the report keep."""
        return self.stage if self.stage in (PASSED, CLOSED) else "open"

    @property
    def failures(self) -> int:
        return sum(1 for a in self.attempts if a.outcome == "rejected")

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def dead_end(self) -> str | None:
        """The guide's dead end this case was closed at (a CLOSURES value), or None."""
        return self.closed_why if self.stage == CLOSED and self.closed_why != RESTART else None


@dataclass
class Followup:
    due: str  # ISO 8601, UTC
    kind: str  # result | review


@dataclass
class State:
    version: int = STATE_VERSION
    tag: str = ""  # a few random characters fixed per conversation; see bot.core.payload
    lang: str | None = None  # the reply language
    lang_how: str | None = None  # chosen (/language: never switched for them) | written | guessed (a few Latin words) | client | notice
    lang_streak: list[str] = field(default_factory=list)  # [language, messages in a row] seen
    lang_declined: list[str] = field(default_factory=list)  # switches the user said no to
    lang_noted: list[str] = field(default_factory=list)  # languages told once they are answered in another
    tz: str | None = None  # the user's time zone (/timezone); None: UTC
    phase: str = IDLE
    reason: str | None = None
    step: str | None = None
    back: list[str] = field(default_factory=list)  # step ids visited before `step`
    queue: list[str] = field(default_factory=list)  # reasons still to work through
    batch: list[str] = field(default_factory=list)  # the reasons of the notice being worked through
    batch_support: list[str] = field(default_factory=list)  # of those, fixes that need support first
    restarted_from: str | None = None  # the reason a "Start over" left (another one picked next replaces it)
    asked_result: bool = False  # a follow-up asked "did it pass?" while the user was mid-fix
    seq: int = 0  # bumped whenever buttons are sent; older buttons are stale
    last_buttons: list[str] = field(default_factory=list)  # "action|arg" of the latest buttons
    last_labels: list[str] = field(default_factory=list)  # ... and their labels (typed, they press)
    followup: Followup | None = None
    followups_enabled: bool = True
    case: Case | None = None
    cases_opened: int = 0
    flood_window: str | None = None
    flood_count: int = 0
    started: bool = False
    resume_phase: str | None = None  # the phase to return to after a forget "no"
    last_topic: str | None = None  # "lang:topic" the previous turn answered (not twice in a row)
    described: bool = False  # the fix's reasons came from the user's own words, not a notice

    def clone(self) -> State:
        """A deep copy (what copy.deepcopy gives for this tree of plain dataclasses, lists and
        scalars, at a fraction of its cost: it is taken at every turn)."""
        return _clone(self)

    def to_json(self) -> str:
        # the same text as json.dumps(asdict(self)), without asdict's deep copy of every list:
        # the case, its attempts and the follow-up as dicts first (the encoder's `default` is
        # slower for them), the rest by one encoder made once
        tree = _fields(self)
        case = self.case
        if type(case) is Case:
            tree["case"] = plain = _fields(case)
            if type(case.attempts) is list:
                plain["attempts"] = [_fields(a) if type(a) is Attempt else a
                                     for a in case.attempts]
        if type(self.followup) is Followup:
            tree["followup"] = _fields(self.followup)
        return _ENCODE(tree)

    @classmethod
    def from_json(cls, raw: str) -> State:
        data = json.loads(raw)
        case = data.pop("case", None)
        followup = data.pop("followup", None)
        old_phase = data.get("phase")
        if old_phase == "awaiting_result":  # version 1: waiting was a phase, now a case stage
            data["phase"] = IDLE
        known = cls.__dataclass_fields__
        state = cls(**{k: v for k, v in data.items() if k in known})
        state.version = STATE_VERSION
        if followup:
            state.followup = Followup(**followup)
        if case:
            attempts = [Attempt(**a) for a in case.pop("attempts", [])]
            status = case.pop("status", None)
            known = Case.__dataclass_fields__
            state.case = Case(**{k: v for k, v in case.items() if k in known}, attempts=attempts)
            if "stage" not in case:  # version 1
                state.case.stage = _stage_of_v1(status, state.case, followup)
        return state


def _stage_of_v1(status: str | None, case: Case, followup: dict | None) -> str:
    if status in (PASSED, CLOSED):
        return status
    if followup and followup.get("kind") == "review":
        return MANUAL_REVIEW
    if case.attempts and case.attempts[-1].outcome == "pending":
        return RESUBMITTED
    return FIXING


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def parse_iso(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None)})
_PLAIN = frozenset({State, Case, Attempt, Followup})


def _clone(value: Any) -> Any:
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if cls is list:
        return [_clone(v) for v in value]
    if cls is dict:
        return {k: _clone(v) for k, v in value.items()}
    if cls in _PLAIN:
        new = cls.__new__(cls)
        new.__dict__.update({k: _clone(v) for k, v in value.__dict__.items()})
        return new
    return copy.deepcopy(value)  # anything else (a tuple, a subclass): the general way


def _fields(obj: object) -> dict[str, object]:
    """A dataclass instance as its fields (json.dumps asks for each one it meets)."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not is_dataclass(obj) or isinstance(obj, type):
            raise TypeError(f"Object of type {cls.__name__} is not JSON serializable")
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(obj))
    return {name: getattr(obj, name) for name in names}


#: State.to_json's encoder: json.dumps' defaults but compact, made once (json.dumps makes one per
#: call when given options); no check for cycles (a state is a tree)
_ENCODE = json.JSONEncoder(default=_fields, separators=(",", ":"), check_circular=False).encode
