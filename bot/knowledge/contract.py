"""What the code expects `knowledge/messages.yaml` to define, and the placeholders each may use.

The validator checks the knowledge base against these tables, so a missing or misspelt key is a
`file:line` error at load time, never a crash mid-conversation.
"""

from __future__ import annotations

#: message key -> placeholders it may use
MESSAGES: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "welcome": (),
        "help": (),
        "safety": ("official_site",),
        "reasons_list": (),
        "diagnosis": ("title", "share", "summary"),
        "diagnosis_severe": ("title", "share", "summary"),
        "diagnosis_multi": ("count", "titles"),
        "next_reason": ("title", "position", "count"),
        "ambiguous": (),
        "nothing_matched": (),
        "pick_reason": (),
        "topic_answer": ("title", "answer"),
        "topic_resume": ("title",),
        "step_progress": ("title", "position"),
        "why": ("title", "triggers"),
        "resubmitted": ("attempt",),
        "followup_planned": ("when",),
        "followup_off": (),
        "checkin_on": ("when",),
        "resubmitted_no_case": ("attempt",),
        "followup_question": (),
        "followup_late": (),
        "passed": (),
        "still_waiting": (),
        "rejected_again": ("failures",),
        "manual_review": ("failures", "standard", "complex", "extreme"),
        "lock_risk": ("failures",),
        "case_summary": ("summary",),
        "summary_header": (),
        "summary_reasons": ("reasons",),
        "summary_steps": ("steps",),
        "summary_attempts": ("attempts",),
        "summary_attempt_line": ("number", "date", "outcome"),
        "outcome_pending": (),
        "outcome_passed": (),
        "outcome_rejected": (),
        "status_none": (),
        "status_case": ("reasons", "step", "attempts", "failures", "followup"),
        "status_no_followup": (),
        "status_passed": ("attempts",),
        "list_item": ("item",),
        "numbered_item": ("number", "item"),
        "list_separator": (),
        "range": ("low", "high"),
        "nothing": (),
        "truncated": ("text",),
        "summary_step": ("title", "step"),
        "stopped": (),
        "forget_confirm": (),
        "forgotten": (),
        "forget_cancelled": (),
        "restarted": (),
        "unknown_command": (),
        "stale_button": (),
        "invalid_button": (),
        "use_buttons": (),
        "attachment": (),
        "sensitive_data": (),
        "empty_message": (),
        "too_long": ("limit",),
        "flood": (),
        "store_unavailable": (),
        "knowledge_changed": (),
        "group_chat": (),
        "greeting_reply": (),
        "thanks_reply": (),
        # admin commands (Telegram: only for ADMIN_USER_IDS; console: /reload)
        "admin_reloaded": ("reasons", "topics", "examples"),
        "admin_reload_warnings": ("count", "warnings"),
        "admin_reload_failed": ("count", "problems"),
        "admin_reload_more": ("count",),
        "admin_report": (
            "days", "since", "conversations", "users", "cases", "passed", "resolution",
            "rejected_again", "manual_review", "lock_risk", "waiting", "silent", "unmatched",
            "reasons",
        ),
        "admin_report_reason": ("title", "cases", "passed"),
        "admin_report_empty": ("days", "since"),
        "admin_unmatched": ("days", "count", "groups", "shown", "lines"),
        "admin_unmatched_line": ("rank", "count", "text", "closest"),
        "admin_unmatched_empty": ("days",),
        "admin_failed": ("error",),
        "admin_command_reload": (),
        "admin_command_report": ("days",),
        "admin_command_unmatched": ("days",),
    }.items()
}

#: messages that may have plural forms ({one: ..., other: ...}) -> the placeholder whose number
#: picks the form
PLURAL_COUNTS: dict[str, str] = {
    "diagnosis_multi": "count",
    "rejected_again": "failures",
    "manual_review": "failures",
    "lock_risk": "failures",
    "status_passed": "attempts",
    "too_long": "limit",
    "admin_reload_warnings": "count",
    "admin_reload_failed": "count",
    "admin_reload_more": "count",
    "admin_report_reason": "cases",
    "admin_report_empty": "days",
    "admin_unmatched": "count",
    "admin_unmatched_line": "count",
    "admin_unmatched_empty": "days",
    "admin_command_report": "days",
    "admin_command_unmatched": "days",
}

#: button key -> placeholders it may use
BUTTONS: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "next": (),
        "back": (),
        "start_over": (),
        "resubmitted": (),
        "why": (),
        "passed": (),
        "rejected_again": (),
        "still_waiting": (),
        "none_of_these": (),
        "not_sure": (),
        "continue": (),
        "reasons": (),
        "forget_yes": (),
        "forget_no": (),
        "case_summary": (),
        "contact_support": (),
        "manual_review": (),
        "next_reason": (),
    }.items()
}

#: short phrases users type instead of pressing a button (`intents:` in messages.yaml)
INTENTS: tuple[str, ...] = (
    "resubmitted",
    "passed",
    "rejected_again",
    "still_waiting",
    "next",
    "back",
    "start_over",
    "not_sure",
    "greeting",
    "thanks",
)

#: commands every adapter offers; descriptions come from `commands:` in messages.yaml
COMMANDS: tuple[str, ...] = (
    "start",
    "help",
    "reasons",
    "status",
    "resubmitted",
    "stop",
    "forget",
    "restart",
)

#: Telegram's limit on inline-button callback data, in bytes
CALLBACK_DATA_LIMIT = 64

#: Telegram's limit on a command's description in the menu, in characters
COMMAND_DESCRIPTION_LIMIT = 256
