"""The operator report's figures, as plain data (`bot.app.report` computes them; JSON, CSV, text
and chat answers are renderings of this). What each figure means: `DEFINITIONS`, and
`bot.app.report`'s docstring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.app.unmatched import UnmatchedGroup


@dataclass(frozen=True)
class ReasonRow:
    """How the cohort's cases with one reason went."""

    id: str
    title: str
    cases: int
    share: float | None  # percent of all reasons diagnosed in the period
    expected_share: float | None  # percent, from the knowledge base
    difference: float | None  # share - expected_share, percentage points
    passed: int
    resolution_rate: float | None  # percent of this reason's cases that passed
    rejected_again: int
    manual_review: int
    silent: int
    median_attempts_to_pass: float | None


@dataclass(frozen=True)
class Outcomes:
    """How the cohort's cases went, with the definitions in the module docstring."""

    cases: int = 0
    passed: int = 0
    resolution_rate: float | None = None
    rejected_again: int = 0
    manual_review: int = 0
    lock_risk: int = 0
    silent: int = 0
    silent_after_followup: int = 0  # of `silent`: the last thing that happened was a follow-up
    silent_mid_fix: int = 0  # of `silent`: the last thing that happened was a step
    waiting: int = 0
    in_progress: int = 0
    closed: int = 0
    resubmitted: int = 0  # cases with at least one resubmission
    median_attempts_to_pass: float | None = None
    median_hours_to_pass: float | None = None


@dataclass(frozen=True)
class TopicRow:
    id: str
    title: str
    count: int
    users: int


@dataclass(frozen=True)
class GiveUpRow:
    """Conversations that stopped at one step, out of those shown it in the period."""

    reason: str
    step: str
    label: str
    gave_up: int
    shown: int
    rate: float | None


@dataclass(frozen=True)
class Report:
    since: str
    until: str
    silent_after_days: float
    conversations_started: int = 0
    active_users: int = 0
    forgotten: int = 0
    purged: int = 0
    diagnosed: int = 0  # reasons recognised from the user's text (not picked from the list)
    outcomes: Outcomes = field(default_factory=Outcomes)
    reasons: tuple[ReasonRow, ...] = ()
    topics: tuple[TopicRow, ...] = ()
    unmatched: tuple[UnmatchedGroup, ...] = ()
    give_up: tuple[GiveUpRow, ...] = ()
    events: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing at all happened in the period."""
        return not (self.events or self.outcomes.cases or self.unmatched)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data for JSON."""
        data = asdict(self)
        data["empty"] = self.empty
        data["definitions"] = DEFINITIONS
        return data


DEFINITIONS: dict[str, str] = {
    "cases": (
        "cases opened in the period, followed up to now (their outcomes are as they stand now,"
        " also when --until ends the period earlier)"
    ),
    "passed": "the user answered that verification passed",
    "resolution_rate": "passed cases / cases, percent",
    "rejected_again": "cases where the user reported at least one new rejection",
    "manual_review": "cases the bot told had moved to manual review",
    "lock_risk": "cases that reached the failure count from which accounts may be locked",
    "silent": (
        "open cases with no follow-up pending whose user did nothing for silent_after_days "
        "(follow-ups sent by the bot do not count as activity)"
    ),
    "waiting": "open cases with a follow-up pending",
    "in_progress": "open cases with recent activity and no follow-up pending",
    "closed": "cases the user closed with /restart",
    "median_attempts_to_pass": (
        "of the passed cases, the middle number of attempts, counted as the bot counts them to"
        ' the user (/status: "passed after 2 attempts"): the rejection the user came with is'
        " attempt 1, failures they told only the number of count too, and each resubmission,"
        " the one that passed included, is one more (a case opened without a rejection that"
        " passed at its first submission: 1)"
    ),
    "share": "a reason's part of all reasons diagnosed in the period's cases, percent",
    "difference": "share - expected_share, percentage points",
    "gave_up": (
        "conversations whose last event is this step, with no activity for silent_after_days"
    ),
    "unmatched": "messages nothing matched (unmatched) or several things matched (ambiguous)",
    "closest": (
        "the entries a group came closest to, with their scores: for ambiguous messages the"
        " candidates they had when they came (mean score), else the entries the current matcher"
        " finds closest to the group's example, however low their score"
    ),
}
