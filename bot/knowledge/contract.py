"""What the code expects `knowledge/messages.yaml` to define, and the placeholders each may use.

The validator checks the knowledge base against these tables, so a missing or misspelt key is a
`file:line` error at load time, never a crash mid-conversation.
"""

from __future__ import annotations

#: what the manual-review messages may say: time since the review began, and its durations
REVIEW = ("days", "business_days", "since", "standard", "complex", "extreme")

#: message key -> placeholders it may use
MESSAGES: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "welcome": (),
        "welcome_back": ("reasons", "attempt", "failures", "stage"),
        "help": (),
        "safety": ("official_site",),
        "reasons_list": (),
        "describe_problem": (),
        "diagnosis": ("title", "share", "summary"),
        "diagnosis_severe": ("title", "share", "summary"),
        # several reasons: in a notice or described; listed order, or the serious one first
        "diagnosis_multi": ("count", "titles"),
        "diagnosis_multi_severe_first": ("count", "titles"),
        "described_multi": ("count", "titles"),
        "described_multi_severe_first": ("count", "titles"),
        "next_reason": ("title", "position", "count"),
        "batch_part_done": ("header", "next"),
        "batch_stopped": ("titles",),
        "batch_wait_support": ("titles",),
        "ambiguous": (),
        "nothing_matched": (),
        "vague": (),
        "unknown_reason": (),
        "pick_reason": (),
        "topic_answer": ("title", "answer"),
        "topic_answer_resume": ("title", "answer", "reason"),
        "step": ("header", "text"),
        "step_with_next": ("header", "text", "next"),
        "step_progress": ("title", "position"),
        "why": ("title", "triggers"),
        "resubmitted": ("attempt", "checkin"),
        "next_failure_review": ("failures", "standard"),
        "resubmitted_after_closed": ("stage",),
        "restart_confirm": ("stage", "failures"),
        "next_failure_lock": ("failures",),
        "before_failure_review": ("failures", "standard"),
        "before_failure_lock": ("failures",),
        "resubmitted_no_case": ("attempt", "checkin"),
        "followup_planned": ("when",),
        "followup_off": (),
        "followup_ending": (),
        "checkin_on": ("when",),
        "followup_question": (),
        "followup_late": (),
        "result_asked": (),
        "passed": (),
        "still_waiting": ("checkin",),
        "result_waiting_long": (),
        "rejected_again": ("failures",),
        "rejected_again_unknown": ("failures",),
        "support_fixed_reason": (),
        "rejection_noted": ("attempt", "failures"),
        "result_no_which": (),
        "summary_no_steps": (),
        "summary_review_line": ("since", "result"),
        "summary_appeal_line": ("date",),
        "summary_review_result": ("result",),
        "summary_review_rejected": (),
        "summary_review_open": (),
        "summary_review_ended": (),
        "support_waiting": ("checkin",),
        "support_question": (),
        "support_fixed_next": (),
        "stopped_no_case": (),
        "reason_added": ("titles", "count"),
        "reason_corrected": ("wrong", "right"),
        "resubmission_undone": ("attempt",),
        "crisis": (),
        "elsewhere": (),
        "notice_settles": ("wrong", "right"),
        "from_the_fix": ("text",),
        "summary_reasons_unknown": (),
        "one_before_lock": ("failures",),
        "explain_reason": ("title", "summary"),
        "send_notice": (),
        "summary_attempt_reasons_line": ("number", "date", "outcome", "reasons"),
        "not_understood": (),
        "rejection_undone": ("attempt", "failures", "checkin"),
        "rejection_not_undone": (),
        "rejection_undone_none": ("failures",),
        "support_noted": (),
        "support_waiting_long": (),
        "same_reason_again": (),
        "same_reason_severe": ("reason",),
        "manual_review": ("failures", "standard", "complex", "extreme", "checkin"),
        "review_checkin_note": ("when",),
        "review_no_resubmit": ("standard", "complex", "extreme"),
        "review_hold": (),
        "review_question": (),
        # a notice with the reasons that started the review, sent while it runs: new or old?
        "review_same_notice": REVIEW,
        "review_waiting_standard": (*REVIEW, "checkin"),
        "review_waiting_complex": (*REVIEW, "checkin"),
        "review_overdue": (*REVIEW, "checkin"),
        "review_overdue_again": (*REVIEW, "checkin"),
        "review_checkins_end": REVIEW,
        "review_documents": ("checkin",),
        "review_rejected": ("failures", "checkin"),
        "lock_risk": ("failures",),
        "lock_risk_reminder": (),
        "lock_risk_checkin": ("checkin",),
        "lock_risk_resubmitted": ("attempt", "checkin"),
        "lock_hold": (),
        "case_summary": ("summary",),
        "summary": ("reasons", "stage", "steps", "attempts", "failures"),
        "summary_step": ("title", "step"),
        "summary_attempt_line": ("number", "date", "outcome"),
        "outcome_pending": (),
        "outcome_passed": (),
        "outcome_rejected": (),
        "stage_fixing": (),
        "stage_resubmitted": (),
        "stage_manual_review": (),
        "stage_appealed": ("date",),
        "stage_lock_risk": (),
        "stage_passed": (),
        "closed_permanent_rejection": (),
        "closed_region_unavailable": (),
        "closed_underage": (),
        "closed_severe_violation": (),
        "closed_old_account": (),
        "closed_restart": (),
        "status_none": (),
        "status_case": ("reasons", "stage", "step", "attempts", "failures", "followup"),
        "status_no_followup": (),
        "status_passed": ("attempts",),
        "status_closed": ("reasons", "stage"),
        "date_unknown": (),
        "list_item": ("item",),
        "numbered_item": ("number", "item"),
        "list_join": ("head", "tail"),
        "range": ("low", "high"),
        "nothing": (),
        "stopped": (),
        "forget_confirm": (),
        "forgotten": (),
        "forget_cancelled": (),
        "restarted": (),
        "unknown_command": (),
        "stale_button": (),
        "invalid_button": (),
        "no_such_button": ("number", "count"),
        "no_such_button_one": ("number", "count"),
        "no_buttons": (),
        "use_buttons": (),
        "step_question": (),
        "step_question_info": (),
        "result_which": (),
        "attachment": (),
        "sensitive_data": (),
        "password_shared": (),
        "sensitive_seed_phrase": (),
        "empty_message": (),
        "too_long": ("limit",),
        "flood": (),
        "store_unavailable": (),
        "delivery_late": (),
        "knowledge_changed": (),
        "group_chat": (),
        "greeting_reply": (),
        "own_data_unknown": (),
        "stored_data_answer": (),
        "cost_answer": ("official_site",),
        "contact_offer_answer": ("official_site",),
        "result_now": (),
        "topic_again": ("title",),
        "review_noted": ("standard", "complex", "extreme", "checkin"),
        "appeal_noted": ("standard", "complex", "extreme", "checkin"),
        "appeal_noted_waiting": (),
        "appeal_noted_again": (),
        "documents_noted": ("standard", "complex", "extreme", "checkin"),
        "language_unsupported": (),
        "thanks_reply": (),
        "language_name": (),
        "language_names": (),
        "language_aliases": (),
        "language_choose": ("language",),
        "language_set": ("language",),
        "language_offer": ("language",),
        "language_kept": ("language",),
        "timezone_ask": ("zone",),
        "timezone_invalid": (),
        "timezone_set": ("zone", "now"),
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
    "rejected_again_unknown": "failures",
    "manual_review": "failures",
    "lock_risk": "failures",
    "one_before_lock": "failures",
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
        "next_reason": (),
        "continue_case": (),
        "new_case": (),
        "more_documents": (),
        "review_rejected": (),
        "permanent": (),
        "same_reason": (),
        "not_new_rejection": (),
        "support_done": (),
        "support_cleared": (),
        "support_not_yet": (),
        "support_contacted": (),
        "stop_checkins": (),
        "timezone": (),
        "timezone_utc": (),
        "language_pick": ("language",),
        "language_switch": ("language",),
        "language_keep": ("language",),
    }.items()
}

#: short phrases users type instead of pressing a button (`intents:` in messages.yaml)
INTENTS: tuple[str, ...] = (
    "resubmitted",
    "passed",
    "asks_result",
    "rejected_again",
    "still_waiting",
    "next",
    "back",
    "start_over",
    "not_sure",
    "greeting",
    "thanks",
    "more_documents",
    "in_review",
    "appealed",
    "documents_sent",
    "same_reason",
    "yes",
    "no",
    "this_language",
    "support_contacted",
    "support_fixed",
    "explain",
    "about_bot",
    "own_data",
    "stored_data",
    "cost",
    "contact_offer",
    "attachment",
    *(f"failed_{n}" for n in range(1, 11)),
    "failed_again",
    "unit_days",
    "unit_business_days",
    "unit_weeks",
    "hypothetical",
    "within_attempt",
    "personal_data",
    "self_introduction",
    "correction",
    "also",
    "not_resubmitted",
    "distress",
    "button_words",
    "count_fillers",
    "count_forms",
    "count_more",
)

#: intents that are word lists rather than whole answers: "how many times it failed" phrases
#: (found anywhere in a message; failed_10 means 10 or more), words that make such a phrase a
#: question rather than a fact ("what happens if I fail 3 times"), words that make it a thing
#: done over again within one attempt ("took the selfie three times"), the phrases that only introduce
#: personal data ("my name is", "date of birth"), which a "data only" message consists of, and
#: those that introduce the writer by name ("my name is", "меня зовут", "我叫"): such a name and
#: its phrase say nothing about the problem, so the matcher reads the message without them
COUNT_INTENTS: dict[str, int] = {f"failed_{n}": n for n in range(1, 11)}
#: "failed again": at least two failures, how many more unknown (the count is raised to 2 and
#: the "how many times?" question is still asked)
AT_LEAST_INTENTS: dict[str, int] = {"failed_again": 2}
#: units of how long something has taken, after a number ("16 business days", "3 недели", "两周")
DURATION_INTENTS: dict[str, float] = {"unit_days": 1.0, "unit_business_days": 1.4, "unit_weeks": 7.0}
LEXICON_INTENTS: frozenset[str] = frozenset({*COUNT_INTENTS, *AT_LEAST_INTENTS, *DURATION_INTENTS, "hypothetical", "within_attempt",
                                            "personal_data", "self_introduction",
                                            "correction", "also", "distress", "button_words",
                                            "count_fillers", "count_forms", "count_more"})

#: dialogue roles -> the topic policy.yaml `topics:` names for each (what the bot offers when)
TOPIC_ROLES: tuple[str, ...] = (
    "find_reason",  # "not sure" which reason
    "contact_support",  # wherever the next step is Customer Support
    "manual_review",  # the case is in manual review
    "review_times",  # still waiting within the standard window
    "speed_up_review",  # still waiting past it
    "permanent_rejection",  # a review rejected for good
    "repeated_failures",  # "what if I get rejected again?" (optional: without it, no answer)
    # topics about resubmitting or appealing: asked during a manual review, the bot says first
    # that the review holds (optional)
    "resubmit_how",
    "failure_vs_appeal",
    "appeal_how",
)
#: roles a base may leave out (the bot then has no topic to offer there)
OPTIONAL_TOPIC_ROLES: frozenset[str] = frozenset({"repeated_failures", "resubmit_how",
                                                  "failure_vs_appeal", "appeal_how"})

#: commands every adapter offers; descriptions come from `commands:` in messages.yaml
COMMANDS: tuple[str, ...] = (
    "start",
    "help",
    "reasons",
    "status",
    "summary",
    "resubmitted",
    "stop",
    "forget",
    "restart",
    "language",
    "timezone",
)

#: Telegram's limit on inline-button callback data, in bytes
CALLBACK_DATA_LIMIT = 64

#: Telegram's limit on a command's description in the menu, in characters
COMMAND_DESCRIPTION_LIMIT = 256
