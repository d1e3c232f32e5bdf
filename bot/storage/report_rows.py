"""What `Store.report_summary` returns: the report's cases and users grouped by the facts its
rules read, so that the report reads rows that grow with the combinations of facts, not with
users, cases or events (`bot.storage.base` re-exports these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class OutcomeTerms:
    """How `report_summary` reads a case's attempts (its `attempts` list of objects): the app
    layer's vocabulary, passed in like `ReportTerms`."""

    source_field: str  # an attempt's field naming where it came from ...
    not_reported: Sequence[str]  # ... not counted as the user's own when one of these
    outcome_field: str
    passed: str  # the outcome of an attempt that passed
    rejected: str  # and of one rejected
    passed_status: str  # cases with this status give `ReportSummary.durations`


@dataclass(frozen=True)
class CaseGroup:
    """Cases of the period's cohort that share everything the report's rules look at."""

    reasons: tuple[Any, ...]
    status: str
    closed_event: bool  # a `case_closed` event named it (`CohortCase.closed_at`)
    waiting: bool  # a follow-up is pending and it is the user's newest case in the cohort
    quiet: bool  # the user last acted (else the case was opened) before `quiet_before`
    last_kind: str | None  # `CohortCase.last_kind`
    flags: frozenset[str]  # `CohortCase.flags`
    reported: bool  # it has attempts the user reported (`OutcomeTerms`)
    rejected: bool  # one of them was rejected
    #: the attempt it passed at, numbered among all its attempts as the bot numbers them to
    #: the user (`cohort.attempts_to_pass`); None when it did not pass
    passed_at: int | None
    closed: bool  # the case has a `closed_at`
    n: int  # how many cases


@dataclass(frozen=True)
class QuietGroup:
    """Users of the period whose last event, last update and last action all came before
    `quiet_before`, by the kind and `ReportTerms.last_fields` of their last event."""

    last_kind: str
    last_values: tuple[str | None, ...]
    n: int


@dataclass(frozen=True)
class ReportSummary:
    """The report's per-user and per-case figures as the database aggregates them: rows that
    grow with the combinations of facts, not with users, cases or events."""

    cases: Sequence[CaseGroup]
    quiet_users: Sequence[QuietGroup]
    #: the middle one (odd count) or two (even) of closed_at - opened_at, shortest first, of
    #: the cohort's cases with `OutcomeTerms.passed_status` and a `closed_at`
    durations: tuple[timedelta, ...]
