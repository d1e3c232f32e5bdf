"""The report's rules: how a case of the period's cohort went, and where users give up.

The rules read a case's facts (`CaseGroup`: its status, whether it waits on a follow-up, whether
its user has been quiet, its reported attempts...) and a quiet user's last event (`QuietGroup`).
The store groups like cases and users in the database (`Store.report_summary`), so the report
applies the rules once per group, a few hundred times, whatever the number of cases; the
definitions are in `bot.app.report`'s docstring and `report_model.DEFINITIONS`.
`summary_from_rows` works the same groups out in Python from the one-row-per-user-and-case
queries: what the database's grouping is tested against.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.app.report_model import GiveUpRow, Outcomes, ReasonRow
from bot.core import journal
from bot.knowledge.model import KnowledgeBase
from bot.storage.base import (
    CaseGroup,
    CohortCase,
    OutcomeTerms,
    QuietGroup,
    ReportSummary,
    ReportTerms,
    Store,
)

#: event kinds the bot writes on its own, not in answer to the user
SYSTEM_KINDS = (journal.FOLLOWUP_SENT, "forget", "purged")
#: what the store's read model needs to know of the event log's vocabulary
TERMS = ReportTerms(
    case_opened=journal.CASE_OPENED,
    case_closed=journal.CASE_CLOSED,
    case_field="case",
    case_flags=(journal.MANUAL_REVIEW, journal.LOCK_RISK),
    quiet=SYSTEM_KINDS,
    last_fields=("reason", "step"),
)
#: attempts a user did not report to us: the rejection they came with, and failures they only
#: told us the number of
NOT_REPORTED = ("arrived", "counted")
#: how the store reads a case's attempts for `report_summary`
OUTCOMES = OutcomeTerms(
    source_field="source",
    not_reported=NOT_REPORTED,
    outcome_field="outcome",
    passed="passed",
    rejected="rejected",
    passed_status="passed",
)
#: a case with no reason counts under this id
NO_REASON = "(none)"


def pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def median_of_counts(counts: Counter[int]) -> float | None:
    """The median of values given as {value: how many times} (the middle one or two)."""
    total = sum(counts.values())
    wanted = {(total - 1) // 2, total // 2}
    middle, seen = [], 0
    for value in sorted(counts):
        for position in wanted:
            if seen <= position < seen + counts[value]:
                middle.append(value)
        seen += counts[value]
    return median(sorted(middle)) if middle else None


def _reported(attempts: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [a for a in attempts if a.get(OUTCOMES.source_field) not in NOT_REPORTED]


def attempts_to_pass(attempts: Sequence[Mapping[str, Any]], status: str) -> int | None:
    """The attempt a case passed at, numbered as the bot numbers attempts to the user ("attempt
    2 is in", /status: "passed after 2 attempts"): every attempt of the case counts, the
    rejection the user came with and the failures they only told the number of included. The
    first attempt that passed, else, for a passed case with none marked (a manual review looked
    again at the last one), its number of attempts; None when it did not pass or has none."""
    first = next(
        (i for i, a in enumerate(attempts, 1) if a.get(OUTCOMES.outcome_field) == OUTCOMES.passed),
        None,
    )
    if first is None and status == OUTCOMES.passed_status and attempts:
        return len(attempts)
    return first


def case_facts(
    row: CohortCase, latest: int, acted: datetime | None, quiet_before: datetime
) -> CaseGroup:
    """What the rules read of one case (as the database groups them in `report_summary`).

    `latest` is the user's newest case number in the cohort (only it can be waiting on a
    follow-up); `acted` when the user last did something themselves.
    """
    case = row.case
    reported = _reported(case.attempts)
    passed_at = attempts_to_pass(case.attempts, case.status)
    return CaseGroup(
        reasons=tuple(case.reasons),
        status=case.status,
        closed_event=row.closed_at is not None,
        waiting=row.waiting and latest == case.number,
        quiet=(acted or case.opened_at) < quiet_before,
        last_kind=row.last_kind,
        flags=row.flags,
        reported=bool(reported),
        rejected=any(a.get("outcome") == OUTCOMES.rejected for a in reported),
        passed_at=passed_at,
        closed=case.closed_at is not None,
        n=1,
    )


def case_figures(case: CaseGroup) -> set[str]:
    """Return the figures a case counts towards (`cases`, `passed`, `silent`...)."""
    status = "closed" if case.status == "open" and case.closed_event else case.status
    flags = {"cases"}
    if status == "passed":
        flags.add("passed")
    elif status == "closed":
        flags.add("closed")
    elif case.waiting:
        flags.add("waiting")
    elif case.quiet:
        flags.add("silent")
        if case.last_kind == journal.FOLLOWUP_SENT:
            flags.add("silent_after_followup")
        elif case.last_kind == journal.STEP:
            flags.add("silent_mid_fix")
    else:
        flags.add("in_progress")
    if case.rejected:
        flags.add("rejected_again")
    if journal.MANUAL_REVIEW in case.flags:
        flags.add("manual_review")
    if journal.LOCK_RISK in case.flags:
        flags.add("lock_risk")
    if case.reported:
        flags.add("resubmitted")
    return flags


@dataclass
class CohortTotals:
    """The cohort's figures, added up one group of like cases at a time."""

    counts: Counter[str] = field(default_factory=Counter)
    per_reason: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    attempts: Counter[int] = field(default_factory=Counter)
    reason_attempts: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    #: hours from opening to passing: all of them, or the middle one or two (the same median)
    hours: list[float] = field(default_factory=list)

    def add(self, case: CaseGroup) -> None:
        """Count `case.n` like cases."""
        flags, n = case_figures(case), case.n
        if "passed" in flags and case.passed_at is not None:
            self.attempts[case.passed_at] += n
            for r in case.reasons:
                self.reason_attempts[r][case.passed_at] += n
        counts = self.counts
        for f in flags:
            counts[f] += n
        for r in case.reasons or [NO_REASON]:
            reason = self.per_reason[r]
            for f in flags:
                reason[f] += n

    def add_summary(self, summary: ReportSummary) -> None:
        for case in summary.cases:
            self.add(case)
        self.hours = [d.total_seconds() / 3600 for d in summary.durations]

    def outcomes(self) -> Outcomes:
        c, total = self.counts, self.counts["cases"]
        return Outcomes(
            cases=total,
            passed=c["passed"],
            resolution_rate=pct(c["passed"], total),
            rejected_again=c["rejected_again"],
            manual_review=c["manual_review"],
            lock_risk=c["lock_risk"],
            silent=c["silent"],
            silent_after_followup=c["silent_after_followup"],
            silent_mid_fix=c["silent_mid_fix"],
            waiting=c["waiting"],
            in_progress=c["in_progress"],
            closed=c["closed"],
            resubmitted=c["resubmitted"],
            median_attempts_to_pass=median_of_counts(self.attempts),
            median_hours_to_pass=median(self.hours),
        )

    def reasons(self, kb: KnowledgeBase) -> list[ReasonRow]:
        """One row per reason: every reason the knowledge base knows (so one that never shows
        up stands out too), then those it no longer knows."""
        per_reason = self.per_reason
        diagnosed = sum(c["cases"] for r, c in per_reason.items() if r != NO_REASON)
        ids = list(kb.reasons) if self.counts["cases"] else []
        ids += sorted(r for r in per_reason if r not in kb.reasons)
        rows = []
        for rid in ids:
            c = per_reason.get(rid, Counter())
            reason = kb.reasons.get(rid)
            share = pct(c["cases"], diagnosed) if rid != NO_REASON else None
            expected = float(reason.share) if reason else None
            rows.append(
                ReasonRow(
                    id=rid,
                    title=reason.title.get() if reason else rid,
                    cases=c["cases"],
                    share=share,
                    expected_share=expected,
                    difference=(
                        round(share - expected, 1)
                        if share is not None and expected is not None
                        else None
                    ),
                    passed=c["passed"],
                    resolution_rate=pct(c["passed"], c["cases"]),
                    rejected_again=c["rejected_again"],
                    manual_review=c["manual_review"],
                    silent=c["silent"],
                    median_attempts_to_pass=median_of_counts(self.reason_attempts.get(rid, Counter())),
                )
            )
        rows.sort(key=lambda r: (r.id == NO_REASON, -r.cases, r.id))
        return rows


def gave_up_counts(quiet_users: Iterable[QuietGroup]) -> Counter[tuple[str, str]]:
    """Users by the (reason, step) they stopped at: their last event shows a step, and nothing
    happened since `quiet_before` (the groups are the users quiet since then)."""
    out: Counter[tuple[str, str]] = Counter()
    for group in quiet_users:
        if group.last_kind == journal.STEP:
            reason, step = group.last_values
            out[str(reason), str(step)] += group.n
    return out


def step_label(kb: KnowledgeBase, reason_id: str, step_id: str) -> str:
    """Name a step for the report: its title, else its text's first line, clipped."""
    reason = kb.reasons.get(reason_id)
    step = reason.step(step_id) if reason else None
    if step is None:
        return "(no longer in the knowledge base)"
    if step.title is not None:  # the step's short name
        return step.title.get()
    lines = step.text.get().strip().splitlines()
    first = lines[0] if lines else ""
    limit = kb.policy.step_label_chars
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."


def give_up_rows(
    kb: KnowledgeBase, gave_up: Counter[tuple[str, str]], shown: Mapping[tuple[str, str], int]
) -> list[GiveUpRow]:
    """One row per step users stopped at, with how many were shown it in the period."""
    rows = [
        GiveUpRow(
            reason=r,
            step=s,
            label=step_label(kb, r, s),
            gave_up=n,
            shown=shown.get((r, s), 0),
            rate=pct(n, shown.get((r, s), 0)),
        )
        for (r, s), n in gave_up.items()
    ]
    return sorted(rows, key=lambda g: (-g.gave_up, g.reason, g.step))


async def summary_from_rows(
    store: Store, since: datetime, until: datetime, quiet_before: datetime
) -> ReportSummary:
    """`Store.report_summary` worked out in Python from the rows `user_activity` and
    `cohort_cases` stream (one per user and per case): what the database's grouping must
    equal (`tests/test_report_counters.py`)."""
    acted: dict[Any, datetime | None] = {}
    quiet: Counter[tuple[str, tuple[str | None, ...]]] = Counter()
    async for user in store.user_activity(since, until, TERMS):
        acted[user.key] = user.acted_at
        times = (user.last_at, user.updated_at, user.acted_at)
        if max(t for t in times if t is not None) < quiet_before:
            quiet[user.last_kind, user.last_values] += 1
    rows = [c async for c in store.cohort_cases(since, until, TERMS)]
    latest: dict[Any, int] = {}
    for row in rows:
        latest[row.key] = max(latest.get(row.key, row.case.number), row.case.number)
    cases: Counter[CaseGroup] = Counter()
    durations = []
    for row in rows:
        facts = case_facts(row, latest[row.key], acted.get(row.key), quiet_before)
        cases[facts] += 1
        if row.case.status == OUTCOMES.passed_status and row.case.closed_at is not None:
            durations.append(row.case.closed_at - row.case.opened_at)
    durations.sort()
    middle = durations[(len(durations) - 1) // 2 : len(durations) // 2 + 1]
    return ReportSummary(
        cases=[replace(g, n=n) for g, n in cases.items()],
        quiet_users=[QuietGroup(k, v, n) for (k, v), n in quiet.items()],
        durations=tuple(middle),
    )
