"""The event log: what happened in a turn, as `{"kind": ..., **data}` rows the service stores.

Events carry knowledge ids, counts and (already redacted) unmatched text only. The report
(`bot.app.report`) reads these kinds; keep their names and fields stable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.turn import Turn

CONVERSATION_STARTED = "conversation_started"
CASE_OPENED = "case_opened"  # case
CASE_CLOSED = "case_closed"  # case, why
STAGE = "stage"  # case, stage (fixing, resubmitted, manual_review, lock_risk, passed, closed)
DIAGNOSED = "diagnosed"  # reasons, multi, candidates
AMBIGUOUS = "ambiguous"  # candidates, text
UNMATCHED = "unmatched"  # text (redacted)
TOPIC = "topic"  # id
STEP = "step"  # reason, step
OPTION = "option"  # reason, step, option
RESUBMITTED = "resubmitted"  # attempt, reasons
RESUBMISSION_UNDONE = "resubmission_undone"  # attempt: "I haven't resubmitted yet" took it back
OUTCOME = "outcome"  # outcome (passed, rejected, waiting, documents), attempt, failures, reasons
FAILURES_SET = "failures_set"  # failures: the user said how many times it failed
MANUAL_REVIEW = "manual_review"  # failures
LOCK_RISK = "lock_risk"  # failures
FOLLOWUP_SENT = "followup_sent"  # type
COMMAND = "command"  # name
BUTTON = "button"  # action
INVALID_BUTTON = "invalid_button"
STALE_BUTTON = "stale_button"
SENSITIVE_DATA = "sensitive_data"  # kinds
LANGUAGE = "language"  # lang, how (chosen, detected, client)
FLOOD = "flood"


def record(turn: Turn, kind: str, **data: object) -> None:
    """Add an event to the turn's log."""
    turn.events.append({"kind": kind, **data})
