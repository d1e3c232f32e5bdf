"""The vocabulary the report's counters count as events are written (both backends).

The report's queries take their vocabulary as `ReportTerms` (the app layer's words). To count
while turns write, a backend must know it beforehand: these are the terms its counters
(`sqlite_counters`, `postgres_counters`) were built with. A query asked with other terms, or
for other fields, reads the event log as before; `tests/test_report_counters.py` checks that
the app's terms are these.
"""

from __future__ import annotations

from bot.storage.base import ReportTerms

#: what the counters know (the app layer's `bot.app.cohort.TERMS`)
COUNTED = ReportTerms(
    case_opened="case_opened",
    case_closed="case_closed",
    case_field="case",
    case_flags=("manual_review", "lock_risk"),
    quiet=("followup_sent", "forget", "purged"),
    last_fields=("reason", "step"),
)
#: the event kinds counted by field values, with their fields (at most two each)
COUNTED_FIELDS: dict[str, tuple[str, ...]] = {"topic": ("id",), "step": ("reason", "step")}


def counted(terms: ReportTerms) -> bool:
    """Say whether the counters answer queries asked with `terms`."""
    return (
        terms.case_opened == COUNTED.case_opened
        and terms.case_closed == COUNTED.case_closed
        and terms.case_field == COUNTED.case_field
        and tuple(terms.case_flags) == tuple(COUNTED.case_flags)
        and set(terms.quiet) == set(COUNTED.quiet)
        and tuple(terms.last_fields) == tuple(COUNTED.last_fields)
    )
