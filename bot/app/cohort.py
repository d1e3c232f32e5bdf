"""The report's rules: how a case of the period's cohort went, and where users give up.

Pure functions over what the store's read model returns (`CohortCase`, `UserActivity`); the
definitions are in `bot.app.report`'s docstring and `report_model.DEFINITIONS`. Cases arrive one
user at a time (the store streams them by key and number), so memory holds one user's cases,
one "last acted" time per user, and the running totals.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.app.report_model import GiveUpRow, Outcomes, ReasonRow
from bot.core import journal
from bot.knowledge.model import KnowledgeBase
from bot.storage.base import CohortCase, ReportTerms, UserActivity

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
#: a case with no reason counts under this id
NO_REASON = "(none)"


def pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _reported(attempts: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [a for a in attempts if a.get("source") not in NOT_REPORTED]


def case_flags(
    row: CohortCase, latest: int, acted: datetime | None, quiet_before: datetime
) -> set[str]:
    """Return the figures one case counts towards (`cases`, `passed`, `silent`...).

    `latest` is the user's newest case number in the cohort (only it can be waiting on a
    follow-up); `acted` when the user last did something themselves.
    """
    case = row.case
    status = "closed" if case.status == "open" and row.closed_at is not None else case.status
    attempts = _reported(case.attempts)
    flags = {"cases"}
    if status == "passed":
        flags.add("passed")
    elif status == "closed":
        flags.add("closed")
    elif row.waiting and latest == case.number:
        flags.add("waiting")
    elif (acted or case.opened_at) < quiet_before:
        flags.add("silent")
        if row.last_kind == journal.FOLLOWUP_SENT:
            flags.add("silent_after_followup")
        elif row.last_kind == journal.STEP:
            flags.add("silent_mid_fix")
    else:
        flags.add("in_progress")
    if any(a.get("outcome") == "rejected" for a in attempts):
        flags.add("rejected_again")
    if journal.MANUAL_REVIEW in row.flags:
        flags.add("manual_review")
    if journal.LOCK_RISK in row.flags:
        flags.add("lock_risk")
    if attempts:
        flags.add("resubmitted")
    return flags


def attempts_to_pass(row: CohortCase) -> int | None:
    """Return the reported attempt that passed (1 = the first), if one did."""
    for i, a in enumerate(_reported(row.case.attempts), 1):
        if a.get("outcome") == "passed":
            return i
    return None


@dataclass
class CohortTotals:
    """The cohort's figures, added up one case at a time."""

    counts: Counter[str] = field(default_factory=Counter)
    per_reason: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    attempts: list[int] = field(default_factory=list)
    reason_attempts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    hours: list[float] = field(default_factory=list)

    def add_user(
        self, rows: Sequence[CohortCase], acted: datetime | None, quiet_before: datetime
    ) -> None:
        """Count one user's cases of the cohort."""
        latest = max(r.case.number for r in rows)
        for row in rows:
            flags = case_flags(row, latest, acted, quiet_before)
            if "passed" in flags:
                n = attempts_to_pass(row)
                if n is not None:
                    self.attempts.append(n)
                    for r in row.case.reasons:
                        self.reason_attempts[r].append(n)
                if row.case.closed_at is not None:
                    passed_after = row.case.closed_at - row.case.opened_at
                    self.hours.append(passed_after.total_seconds() / 3600)
            counts = self.counts
            for f in flags:
                counts[f] += 1
            for r in row.case.reasons or [NO_REASON]:
                reason = self.per_reason[r]
                for f in flags:
                    reason[f] += 1

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
            median_attempts_to_pass=median(self.attempts),
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
                    median_attempts_to_pass=median(self.reason_attempts.get(rid, [])),
                )
            )
        rows.sort(key=lambda r: (r.id == NO_REASON, -r.cases, r.id))
        return rows


def gave_up_at(user: UserActivity, quiet_before: datetime) -> tuple[str, str] | None:
    """Return the (reason, step) a user stopped at: their last event shows a step, and
    nothing happened since `quiet_before`."""
    if user.last_kind != journal.STEP:
        return None
    latest = max(t for t in (user.last_at, user.updated_at, user.acted_at) if t is not None)
    if latest >= quiet_before:
        return None
    reason, step = user.last_values
    return str(reason), str(step)


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
