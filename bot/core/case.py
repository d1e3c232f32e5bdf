"""The case as a state machine: attempts, the guide's thresholds, and what each stage allows.

The numbers come from policy.yaml (`attempts:`): from `manual_review_after` failures a person
reviews the case, from `lock_after` the account may be locked. The rejection the user arrives
with is the first failed attempt. See `bot.core.state` for the stages.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core import fix, followups, journal, render
from bot.core.state import (
    AWAITING_NOTICE,
    CLOSED,
    FIXING,
    IDLE,
    LOCK_RISK,
    MANUAL_REVIEW,
    PASSED,
    RESTART,
    RESUBMITTED,
    Attempt,
    Case,
    iso,
    parse_iso,
)
from bot.core.turn import Turn


# -- stages ------------------------------------------------------------------------------
def set_stage(t: Turn, case: Case, stage: str, why: str | None = None) -> None:
    if case.stage == stage:
        return
    case.stage = stage
    case.checkins = 0
    if stage != MANUAL_REVIEW:
        if case.review_started and (stage != FIXING or case.reviews_failed):
            # the review ended (refused, passed, past it): its start stays in the case summary
            # (not a count corrected down: "only my second time" had no review at all)
            case.review_began = case.review_started
        case.review_started = None
        case.documents_asked = False
    if stage in (PASSED, CLOSED):
        case.closed_at = iso(t.now)
        t.state.followup = None
    if stage == CLOSED:
        case.closed_why = why
        journal.record(t, journal.CASE_CLOSED, case=case.number, why=why)
    journal.record(t, journal.STAGE, case=case.number, stage=stage)


def close(t: Turn, why: str) -> None:
    """Close the open case: the guide leaves nothing to try (or the user starts anew)."""
    case = t.open_case()
    if case is not None:
        set_stage(t, case, CLOSED, why)


def pending_attempt(case: Case | None) -> Attempt | None:
    if case and case.is_open and case.attempts and case.attempts[-1].outcome == "pending":
        return case.attempts[-1]
    return None


def result_pending(t: Turn) -> bool:
    """Is the bot waiting to hear how a submission or a manual review went?"""
    case = t.open_case()
    return (case is not None and case.stage in (RESUBMITTED, MANUAL_REVIEW)) \
        or pending_attempt(case) is not None or t.state.asked_result  # (a resubmission at lock risk)


# -- attempts ----------------------------------------------------------------------------
def diagnosed(t: Turn, reasons: list[str]) -> Case:
    """A rejection was diagnosed: open the case if needed; the rejection the user came with is
    its first failed attempt."""
    case = t.case()
    if not case.attempts and t.asked_only:
        case.asked = True
    elif not case.attempts:
        case.attempts.append(Attempt(at=iso(t.now), outcome="rejected", reasons=list(reasons),
                                     source="arrived"))
    elif review_reason_missing(case) and t.state.phase == AWAITING_NOTICE:
        case.review_reasons = list(reasons)  # why the review refused: not attempt 3's reason
    elif t.state.phase == AWAITING_NOTICE and case.attempts[-1:] and \
            case.attempts[-1].outcome == "rejected":
        # the notice asked for after "rejected again" says why that attempt failed (it was
        # recorded with the reasons it set out to fix)
        case.attempts[-1].reasons = list(reasons)
        case.attempts[-1].reasons_told = True
    for r in reasons:
        if r not in case.reasons:
            case.reasons.append(r)
    return case


def record_rejection(t: Turn, reasons: list[str] | None = None, *, review: bool = False) -> Case:
    """Count a rejection: of the submission waiting for its result, of a manual review, or of
    a submission the user made without telling ("rejected again").

    A manual review looks again at the last submission: its rejection is that attempt's
    outcome, not one more attempt (the guide counts submissions: 3 -> review, 5 -> lock)."""
    case = t.case()
    attempt = pending_attempt(case)
    if review:
        case.review_refused_at, case.review_reasons = None, []
    if attempt is None and review and case.attempts:
        # the review looked again at the last submission: that attempt keeps the reason it
        # failed for; the review's own refusal (and what it said) is the case's
        case.review_refused_at = iso(t.now)
        case.review_reasons = list(reasons or [])
        attempt = case.attempts[-1]
        journal.record(t, journal.OUTCOME, outcome="rejected", attempt=len(case.attempts),
                       failures=case.failures, reasons=list(case.review_reasons))
        return case
    if attempt is None:
        attempt = Attempt(at=iso(t.now), reasons=list(reasons or case.reasons), source="reported")
        case.attempts.append(attempt)
    attempt.outcome = "rejected"
    if reasons:
        attempt.reasons = list(reasons)
    attempt.reasons_told = bool(reasons)
    journal.record(t, journal.OUTCOME, outcome="rejected", attempt=len(case.attempts),
                   failures=case.failures, reasons=list(attempt.reasons))
    return case


def set_failures(t: Turn, count: int, *, only_raise: bool) -> bool:
    """The user said how many times it failed: make the count say so. Attempts with a date are
    never dropped; the ones added have none. Return True if the count changed."""
    case = t.case()
    current = case.failures
    if count == current or (only_raise and count < current):
        return False
    # (the number of the attempt a refused review looked at moves with the attempts before it)
    if count > current:
        case.attempts[:0] = [Attempt(at=None, outcome="rejected", source="counted")
                             for _ in range(count - current)]
        if case.review_refused_attempt:
            case.review_refused_attempt += count - current
    else:
        for a in [a for a in case.attempts if a.at is None and a.outcome == "rejected"]:
            if case.failures <= count:
                break
            index = case.attempts.index(a)
            case.attempts.remove(a)
            if index < case.review_refused_attempt:
                case.review_refused_attempt -= 1
    if case.failures > t.policy.manual_review_after and case.reviews_failed == 0:
        # past the 3rd failure: the manual review it started has ended, and this rejection came
        # after it ("this is my 4th time" is not a review to wait for)
        case.reviews_failed = 1
        case.review_inferred = True
    journal.record(t, journal.FAILURES_SET, failures=case.failures)
    return case.failures != current


def stage_for_count(t: Turn, case: Case) -> str:
    """The stage the guide's thresholds put a case in, counting its failures."""
    n, p = case.failures, t.policy
    if n >= p.lock_after:
        return LOCK_RISK
    if n >= p.manual_review_after and case.reviews_failed == 0:
        return MANUAL_REVIEW
    if case.stage in (MANUAL_REVIEW, LOCK_RISK):
        return FIXING  # the count was corrected down
    return case.stage


def apply_count(t: Turn, *, quiet: bool = False) -> bool:
    """Move the case to the stage its failure count calls for; say so unless `quiet` (a step
    of the fix explains it). Return True if the stage changed."""
    case = t.case()
    stage = stage_for_count(t, case)
    if stage == case.stage:
        return False
    if stage == LOCK_RISK:
        enter_lock_risk(t, case, quiet=quiet)
    elif stage == MANUAL_REVIEW:
        enter_manual_review(t, case, quiet=quiet)
    else:
        set_stage(t, case, stage)
        t.state.followup = None
    return True


# -- moving on after a failure ------------------------------------------------------------
def after_rejection(t: Turn, case: Case, *, was_review: bool) -> bool:
    """Apply the thresholds after a failure and say what it means. Return True when the stage
    decides what comes next (manual review, lock risk, a failed review), False for an ordinary
    failure (the caller goes on with the new notice's reasons)."""
    t.state.asked_result = False
    if was_review:
        case.reviews_failed += 1
        case.review_inferred = False
        case.review_refused_attempt = len(case.attempts)
    n = case.failures
    if n >= t.policy.lock_after:
        enter_lock_risk(t, case)
        return True
    if n >= t.policy.manual_review_after and case.reviews_failed == 0:
        enter_manual_review(t, case)
        return True
    set_stage(t, case, FIXING)
    t.state.followup = None
    if was_review and (case.review_reasons if case.review_refused_at and
                       case.review_refused_attempt == len(case.attempts)
                       else case.attempts and case.attempts[-1].reasons_told):
        # the review's notice says why: its fix comes next (the caller goes on with it)
        t.reply("review_rejected_reason", failures=n)
        return False
    if was_review:
        _say_review_rejected(t, case)
        return True
    return False


def _say_review_rejected(t: Turn, case: Case) -> None:
    """The review refused, its reason not told: ask support why (a check-in on what it said)."""
    fix.reset_position(t)
    t.state.phase = AWAITING_NOTICE
    rows = [[t.btn("case_summary", "S")]]
    rows += [[t.btn("permanent", "P")]] if t.topic_for("permanent_rejection") else []
    rows += t.role_rows("contact_support")
    # a check-in on what support said (the guide: ask them for the detailed reason)
    t.reply("review_rejected", *rows, failures=case.failures,
            checkin=followups.schedule_support(t))


def support_contacted(t: Turn) -> None:
    """"I contacted support, waiting": nothing to resubmit yet; check back on support (unless a
    result or a manual review is already awaited: that check-in stays)."""
    journal.record(t, "support_contacted")
    case = t.case()
    followup = t.state.followup
    if case.stage not in (FIXING, LOCK_RISK) or result_pending(t) or (
            followup and followup.kind != "support"):
        t.reply("support_noted", *fix.continue_row(t))
        return
    case.checkins += 1
    if case.checkins > t.policy.followup_result_max_checkins:
        t.state.followup = None
        t.reply("support_waiting_long", *t.role_rows("contact_support"))
        return
    if _review_reason_awaited(t, case):
        # after a refused review: support is asked why, and that reason is what comes next
        t.reply("support_reason_waiting", [t.btn("reasons", "L")],
                checkin=followups.schedule_support(t))
        return
    t.reply("support_waiting", *fix.continue_row(t), checkin=followups.schedule_support(t))


def _review_reason_awaited(t: Turn, case: Case) -> bool:
    """Is the latest refusal a manual review's, its reason not yet told (support is asked)?"""
    last = case.attempts[-1] if case.attempts else None
    return (t.state.phase == AWAITING_NOTICE and last is not None
            and last.outcome == "rejected" and review_reason_missing(case))


def review_reason_missing(case: Case) -> bool:
    """Was the latest refusal a manual review's, with no reason told for it yet?"""
    return (bool(case.review_refused_at) and bool(case.attempts)
            and case.review_refused_attempt == len(case.attempts) and not case.review_reasons)


def support_fixed(t: Turn, *, resubmitted_too: bool = False) -> None:
    """Support fixed what only it could (a profile detail, a stolen ID): resubmit now;
    `resubmitted_too`: the user says they already did ("support fixed it and I resubmitted")."""
    journal.record(t, "support_fixed")
    case = t.case()
    if t.state.followup is not None and t.state.followup.kind == followups.SUPPORT:
        t.state.followup = None  # nothing more to ask support about
    if case.stage == LOCK_RISK:
        set_stage(t, case, FIXING)  # the lock is cleared: fix and resubmit (a 6th failure is lock risk again)
    if resubmitted_too and case.reasons:
        resubmitted(t)
        return
    if not case.reasons or _review_reason_awaited(t, case):
        # "support unlocked it" with no reason known yet (or the refused review's reason still
        # awaited from support): what to fix comes first
        t.reply("support_fixed_reason", [t.btn("reasons", "L")])
        return
    t.reply("support_fixed_next", [t.btn("resubmitted", "R")], *fix.continue_row(t))


def rejection_noted(t: Turn) -> None:
    """Say that a notice arriving after a resubmission was counted as that attempt's refusal,
    with a way back if it was the earlier notice sent again (to see the steps once more)."""
    case = t.case()
    t.reply("rejection_noted", [t.btn("not_new_rejection", "u")], attempt=len(case.attempts),
            failures=case.failures)


def undo_rejection(t: Turn) -> None:
    """"That was the old notice": the last attempt is waiting for its result again."""
    case = t.open_case()
    last = case.attempts[-1] if case is not None and case.attempts else None
    if case is None or last is None or last.outcome != "rejected" or last.source == "counted" \
            or case.stage != FIXING or len(case.attempts) < 2:
        t.reply("rejection_not_undone", *fix.continue_row(t))
        return
    journal.record(t, journal.OUTCOME, outcome="not_rejected", attempt=len(case.attempts),
                   failures=case.failures - 1)
    if last.source == "reported":  # a rejection reported with no submission waiting: no attempt
        case.attempts.pop()
        t.reply("rejection_undone_none", *fix.continue_row(t), failures=case.failures)
        return
    last.outcome = "pending"
    fix.reset_position(t)
    set_stage(t, case, RESUBMITTED)
    t.reply("rejection_undone", attempt=len(case.attempts), failures=case.failures,
            checkin=followups.schedule_result(t))


def rejected_again(t: Turn) -> None:
    """An ordinary failure with no new notice yet: ask for its reason."""
    case = t.case()
    fix.reset_position(t)
    t.state.phase = AWAITING_NOTICE
    if case.reasons:
        t.reply("rejected_again", [t.btn("same_reason", "m")], [t.btn("reasons", "L")],
                failures=case.failures)
    else:  # (no earlier reason: no "same reason as before" to press)
        t.reply("rejected_again_unknown", [t.btn("reasons", "L")], failures=case.failures)


def same_reason_again(t: Turn) -> None:
    """Rejected again for the same reason(s): go through the fix again."""
    case = t.open_case()
    if case is None or not case.reasons:
        fix.show_reasons(t)
        return
    last = last_reasons(case)
    latest = case.attempts[-1] if case.attempts else None
    if lock_reason_awaited(t, case):
        lock_reason_told(t, list(last))  # at lock risk: into the summary, support first
        return
    if review_reason_missing(case):
        case.review_reasons = list(last)  # the review refused for the same reason
    elif case.stage == MANUAL_REVIEW and untold_refusal(case):
        third_reason_told(t, list(last))  # the 3rd refusal, as before: the review holds
        return
    elif latest is not None and latest.outcome == "rejected" and not latest.reasons_told:
        # the user told this refusal's reason: the same as before (the case summary says so)
        latest.reasons, latest.reasons_told = list(last), True
    if severe_again(t, last):
        return
    t.reply("same_reason_again")
    fix.start_reasons(t, [r for r in last if r in t.kb.reasons], announce=False)


def last_reasons(case: Case) -> list[str]:
    """The reasons of the latest refusal that had some (a manual review's, when it refused
    after the latest attempt), else the case's."""
    if case.review_reasons and case.review_refused_attempt == len(case.attempts):
        return case.review_reasons
    return next((a.reasons for a in reversed(case.attempts) if a.reasons), None) or case.reasons


def severe_again(t: Turn, reasons: list[str]) -> bool:
    """Rejected again for a severe reason (a document flagged as changed): the guide's severe
    violation, where sending it once more risks a permanent rejection. Say stop and contact
    support, with no walk back to "resubmit"; False when no reason is severe."""
    severe = _severe(t, reasons)
    if not severe:
        return False
    t.reply("same_reason_severe", *t.role_rows("contact_support"), [t.btn("case_summary", "S")],
            [t.btn("support_contacted", "K")], reason=t.text(t.kb.reasons[severe[0]].title))
    return True


def flagged_again(t: Turn, case: Case) -> str | None:
    """The severe reason a case was refused for at least twice (`severe_again` said stop), or
    None."""
    if case.failures < 2:
        return None
    return next(iter(_severe(t, last_reasons(case))), None)


def _severe(t: Turn, reasons: list[str]) -> list[str]:
    """Those of `reasons` the knowledge base marks severe (an edited document)."""
    return [r for r in reasons if r in t.kb.reasons and t.kb.reasons[r].severity == "severe"]


def enter_manual_review(t: Turn, case: Case, *, quiet: bool = False) -> None:
    set_stage(t, case, MANUAL_REVIEW)
    case.review_started = iso(t.now)
    journal.record(t, journal.MANUAL_REVIEW, failures=case.failures)
    checkin = followups.schedule_review(t, case)
    if quiet:
        return
    t.reply(
        "manual_review",
        *t.role_rows("manual_review"),
        [t.btn("case_summary", "S")],
        failures=case.failures,
        checkin=checkin,
        **render.review_window(t),
    )
    if untold_refusal(case):
        # "rejected again" with no reason: the one support most needs, asked for while fresh
        t.reply("review_reason_ask", *([[t.btn("same_reason", "m")]] if case.reasons else []))


def appealed(t: Turn) -> None:
    """The user appealed: they asked for a person to look at the case again (the guide: an
    appeal is a manual re-evaluation), so the case is in manual review from now, with its
    check-ins; a review already running or a result already awaited keeps its own."""
    case = t.case()
    journal.record(t, "appealed")
    if not case.attempts:  # "I appealed" as a first message: it failed at least once
        case.attempts.append(Attempt(at=None, outcome="rejected", source="counted"))
    t.state.asked_result = False
    if case.stage == MANUAL_REVIEW and case.appealed_at:  # told again
        t.reply("appeal_noted_again", [t.btn("case_summary", "S")], *fix.continue_row(t))
        return
    case.appealed_at = iso(t.now)
    if case.stage == MANUAL_REVIEW or result_pending(t):
        t.reply("appeal_noted_waiting", [t.btn("case_summary", "S")], *fix.continue_row(t))
        return
    enter_manual_review(t, case, quiet=True)
    t.reply("appeal_noted", *t.role_rows("manual_review"), [t.btn("case_summary", "S")],
            checkin=followups.schedule_review(t, case), **render.review_window(t))


def review_reported(t: Turn, case: Case, elapsed_days: int | None = None) -> None:
    """The user says the case went to manual review: it is, whatever the count (the guide: after
    3 failures, but Binance may do so sooner); a pending attempt is under that review.
    `elapsed_days`: how long ago it started, when they say ("it's been 16 business days"): the
    review's clock starts then, and the reply says where that age stands (as a check-in's
    "still waiting" would), with the check-in at its next mark."""
    enter_manual_review(t, case, quiet=True)
    if elapsed_days:
        case.review_started = iso(t.now - timedelta(days=elapsed_days))
    t.state.asked_result = False
    if elapsed_days:  # where that age stands: normal, past the standard window, overdue
        followups.review_waiting(t, case)
        return
    marks = followups.review_marks(t, case)
    due = next((m for m in marks if m > t.now), t.now + timedelta(days=t.policy.review_extreme_days))
    t.reply("review_noted", *t.role_rows("manual_review"), [t.btn("case_summary", "S")],
            checkin=followups.schedule(t, due, followups.REVIEW), **render.review_window(t))
    late = t.topic_for("speed_up_review")
    if marks[0] <= t.now and late:
        fix.show_topic(t, late)


def enter_lock_risk(t: Turn, case: Case, *, quiet: bool = False) -> None:
    set_stage(t, case, LOCK_RISK)
    t.state.followup = None
    journal.record(t, journal.LOCK_RISK, failures=case.failures)
    if quiet:
        return
    fix.reset_position(t)
    t.reply("lock_risk", failures=case.failures)
    case_summary(t)
    # nothing to wait for but support: check back on it, and let the user say it is done
    t.reply("lock_risk_checkin", [t.btn("support_cleared", "k")],
            checkin=followups.schedule_support(t))
    if untold_refusal(case):
        # its reason not told ("rejected again"): the notice, forwarded now, goes into the
        # summary for support, not counted as one more failure
        t.state.phase = AWAITING_NOTICE
        t.reply("lock_risk_reason_ask", *([[t.btn("same_reason", "m")]] if case.reasons else []))


def untold_refusal(case: Case) -> bool:
    """Was the latest attempt refused with no reason told for it ("rejected again")?"""
    last = case.attempts[-1] if case.attempts else None
    return last is not None and last.outcome == "rejected" and last.reasons_told is False


def _last_reason_told(t: Turn, reasons: list[str]) -> Case:
    """Record `reasons` as why the latest attempt was refused (told after the stage spoke)."""
    case = t.case()
    last = case.attempts[-1]
    last.reasons, last.reasons_told = list(reasons), True
    for r in reasons:
        if r not in case.reasons:
            case.reasons.append(r)
    return case


def third_reason_told(t: Turn, reasons: list[str]) -> None:
    """The reason of the refusal that started the manual review, told just after: recorded for
    that attempt; the review holds (wait for it, don't resubmit)."""
    case = _last_reason_told(t, reasons)
    t.reply("review_reason_noted", *t.role_rows("manual_review"), [t.btn("case_summary", "S")],
            attempt=len(case.attempts), **render.review_window(t))


def lock_reason_awaited(t: Turn, case: Case) -> bool:
    """At lock risk, is the reason of the refusal that led there asked for and not told yet?"""
    return case.stage == LOCK_RISK and t.state.phase == AWAITING_NOTICE and untold_refusal(case)


def lock_reason_told(t: Turn, reasons: list[str]) -> None:
    """The reason of the refusal that led to lock risk: recorded for that attempt, and the
    summary for support shown again (no fix: support comes first)."""
    case = _last_reason_told(t, reasons)
    t.state.phase = IDLE
    t.reply("lock_risk_reason_noted", attempt=len(case.attempts))
    case_summary(t)


# -- what the user reports ----------------------------------------------------------------
def resubmitted(t: Turn, warned: bool | None = None) -> None:
    """The user says they submitted again; what that means depends on the stage. `warned`: the
    button pressed came with the next-threshold warning (None: look at the latest buttons)."""
    case = t.open_case()
    if case is not None and case.stage == MANUAL_REVIEW:
        t.reply("review_no_resubmit", *t.role_rows("manual_review"), [t.btn("case_summary", "S")],
                **render.review_window(t))
        return
    last = t.state.case
    if (t.open_case() is None and last is not None and last.stage == CLOSED
            and last.closed_why not in (None, RESTART)):
        # the guide's dead ends (a minor, an edited document, a region, a permanent rejection):
        # a new attempt is not counted as if nothing had happened
        t.reply("resubmitted_after_closed", [t.btn("reasons", "L")],
                *t.role_rows("contact_support"), stage=render.stage_name(t, last))
        return
    ending = fix.heading_to_close(t)
    if ending is not None and t.state.reason:
        # on the way to one of those dead ends ("I used an edited ID", "I live in Iran", "I'm
        # 17"): submitting again changes nothing the fix said, so no attempt is counted
        t.reply("resubmitted_dead_end", *fix.continue_row(t), *t.role_rows("contact_support"),
                title=t.title(t.state.reason), stage=t.msg(f"closed_{ending}"))
        return
    case = t.case()
    if warned is None:  # typed: the latest message said what one more refusal would mean?
        warned = fix.warned_before(t)
    fix.mark_done(t)
    if not case.attempts and not case.asked and not t.first_submission:
        # "I already resubmitted": a refusal came before (not "I submitted for the first time")
        case.attempts.append(Attempt(at=None, outcome="rejected", source="counted"))
    if pending_attempt(case) is None:
        # what this attempt fixes: the latest rejection's reasons (a name support corrected
        # before an expired document is no reason of the attempt after)
        case.attempts.append(Attempt(at=iso(t.now), reasons=list(last_reasons(case))))
        journal.record(t, journal.RESUBMITTED, attempt=len(case.attempts), reasons=list(case.reasons))
    fix.reset_position(t)
    checkin = followups.schedule_result(t)
    # (also once support has cleared a lock: the count is still past it)
    if case.stage == LOCK_RISK or case.failures >= t.policy.lock_after:
        if case.stage != LOCK_RISK:  # (support cleared the lock: /status waits for the result)
            set_stage(t, case, RESUBMITTED)
        t.reply("lock_risk_resubmitted", *t.role_rows("contact_support"),
                [t.btn("case_summary", "S")], attempt=len(case.attempts), checkin=checkin)
        return
    set_stage(t, case, RESUBMITTED)
    severe = flagged_again(t, case)
    if severe is not None:
        # sent again after "stop resubmitting" (a document flagged as changed twice): noted,
        # with the guide's risk said once more instead of good luck and the review ahead
        t.reply("resubmitted_severe", *t.role_rows("contact_support"),
                [t.btn("case_summary", "S")], attempt=len(case.attempts), checkin=checkin,
                reason=t.text(t.kb.reasons[severe].title))
        return
    key = "resubmitted" if case.reasons else "resubmitted_no_case"
    t.reply(key, attempt=len(case.attempts), checkin=checkin)
    # the guide's thresholds, said before the attempt that would reach one, not after
    threshold = next_threshold(t, case)
    if warned or threshold is None:
        return
    t.reply(f"next_failure_{threshold}", failures=case.failures + 1,
            **(render.review_window(t) if threshold == REVIEW_NEXT else {}))


def undo_resubmission(t: Turn) -> bool:
    """"Actually I haven't resubmitted yet" while the bot awaits the result of a resubmission
    the user reported: that attempt is taken back (the case is fixing again, no check-in).
    False when no such attempt is pending."""
    case = t.open_case()
    attempt = pending_attempt(case)
    if (case is None or attempt is None or case.stage != RESUBMITTED
            or attempt.source != "resubmitted"):
        return False
    case.attempts.remove(attempt)
    journal.record(t, journal.RESUBMISSION_UNDONE, attempt=len(case.attempts) + 1)
    set_stage(t, case, FIXING)
    t.state.followup = None
    t.state.asked_result = False
    t.reply("resubmission_undone", [t.btn("resubmitted", "R")], *fix.continue_row(t),
            attempt=len(case.attempts) + 1)
    return True


#: what one more refusal reaches (`next_threshold`)
REVIEW_NEXT, LOCK_NEXT = "review", "lock"


def next_threshold(t: Turn, case: Case | None) -> str | None:
    """`REVIEW_NEXT` or `LOCK_NEXT` when one more refusal reaches the guide's manual review (3)
    or lock (5); None otherwise."""
    failures, reviews = (case.failures, case.reviews_failed) if case is not None else (0, 0)
    if failures + 1 == t.policy.manual_review_after and reviews == 0:
        return REVIEW_NEXT
    if failures + 1 == t.policy.lock_after:
        return LOCK_NEXT
    return None


def passed(t: Turn) -> None:
    case = t.open_case()
    if case is not None:
        attempt = pending_attempt(case)
        if attempt is not None:
            attempt.outcome = "passed"
        elif case.stage != MANUAL_REVIEW and case.attempts and case.attempts[-1].outcome == "rejected":
            # it passed, though no resubmission was reported: that was a new attempt (the
            # rejected one cannot have passed), so "passed after 1 attempt" is not said
            case.attempts.append(Attempt(at=iso(t.now), outcome="passed"))
        journal.record(t, journal.OUTCOME, outcome="passed", attempt=len(case.attempts),
                       reasons=list(case.reasons))
        case.passed_from, case.passed_review = case.stage, case.review_started
        set_stage(t, case, PASSED)
    t.state.asked_result = False
    t.state.followup = None
    fix.reset_position(t)
    t.reply("passed")


def undo_pass(t: Turn, *, told: bool) -> bool:
    """"Oops, wrong button, it did NOT pass" less than `dialogue.pass_undo_hours` after "it
    passed": the pass is taken back and the case opens again where it was, its attempts kept
    (the attempt that passed is waiting for its result again). `told`: the message says the
    result too (a rejection, read next as usual); else the bot asks for it. False when there is
    no such pass."""
    case = t.state.case
    if (case is None or case.stage != PASSED or case.closed_at is None
            or t.now - parse_iso(case.closed_at) > timedelta(hours=t.policy.pass_undo_hours)):
        return False
    last = case.attempts[-1] if case.attempts else None
    stage = case.passed_from if case.passed_from in (MANUAL_REVIEW, LOCK_RISK) else FIXING
    if last is not None and last.outcome == "passed":
        last.outcome = "pending"
        stage = MANUAL_REVIEW if stage == MANUAL_REVIEW else RESUBMITTED
    case.closed_at = None
    set_stage(t, case, stage)
    if stage == MANUAL_REVIEW:
        case.review_started = case.passed_review or iso(t.now)
        followups.schedule_review(t, case)
    elif stage == RESUBMITTED:
        followups.schedule_result(t)  # asked now, and again later if no answer comes
    t.pass_undone = True
    journal.record(t, journal.OUTCOME, outcome="not_passed", attempt=len(case.attempts),
                   failures=case.failures)
    t.reply("pass_undone", attempt=max(len(case.attempts), 1))
    if not told:
        followups.ask_result(t)
    return True


def rejected(t: Turn, reasons: list[str] | None = None) -> bool:
    """A rejection reported in words or by a new notice. Return True when the stage decided
    what to say (the caller need not start a fix)."""
    before = t.open_case()
    was_review = before is not None and before.stage == MANUAL_REVIEW
    if (was_review and before is not None and reasons and before.attempts
            and set(reasons) <= set(before.attempts[-1].reasons)
            and t.now < followups.review_marks(t, before)[0]):
        # within the standard review time, the notice that started the review sent again?
        # ask, and count nothing
        since = parse_iso(before.review_started) if before.review_started else t.now
        t.reply("review_same_notice", [t.btn("review_rejected", "j")],
                [t.btn("still_waiting", "w")], since=since, **render.review_window(t))
        return True
    case = record_rejection(t, reasons, review=was_review)
    for r in reasons or ():
        if r not in case.reasons:
            case.reasons.append(r)
    return after_rejection(t, case, was_review=was_review)


def review_rejected(t: Turn, count: int | None) -> None:
    """"The manual review rejected me": the case (opened if new) was in manual review, with at
    least the failures that lead there, and the review ended in a rejection."""
    case = t.case()
    if case.stage == FIXING and _review_reason_awaited(t, case):
        _say_review_rejected(t, case)  # told again, nothing new since: the same, nothing counted
        return
    if case.stage != MANUAL_REVIEW and case.reviews_failed == 0:
        set_failures(t, max(count or 0, t.policy.manual_review_after), only_raise=True)
        enter_manual_review(t, case, quiet=True)
    if not rejected(t):
        rejected_again(t)  # an ordinary refusal after an earlier review: its reason comes next


def more_documents(t: Turn) -> None:
    """Support asked for more documents during the manual review."""
    case = t.case()
    if case.stage != MANUAL_REVIEW:
        enter_manual_review(t, case, quiet=True)
    case.documents_asked = True
    case.documents_asked_at = case.documents_asked_at or iso(t.now)
    t.state.asked_result = False
    journal.record(t, journal.OUTCOME, outcome="documents", attempt=len(case.attempts))
    checkin = followups.schedule_documents(t, case)
    t.reply("review_documents", [t.btn("case_summary", "S")], *t.role_rows("contact_support"),
            checkin=checkin)


def documents_sent(t: Turn) -> None:
    """The user sent the documents support asked for, in the ticket (during a manual review):
    the review goes on; its check-in (after the documents, or the review's own) stands, or one
    is planned."""
    case = t.case()
    case.documents_asked = True
    t.state.asked_result = False
    journal.record(t, "documents_sent")
    checkin = followups.planned_checkin(t) or followups.schedule_documents(t, case)
    t.reply("documents_noted", [t.btn("case_summary", "S")], *fix.continue_row(t),
            checkin=checkin, **render.review_window(t))


def permanently_rejected(t: Turn) -> None:
    close(t, "permanent_rejection")
    fix.reset_position(t)
    topic = t.topic_for("permanent_rejection")
    if topic:
        fix.show_topic(t, topic)
    else:
        t.reply("status_none")


def case_summary(t: Turn) -> None:
    journal.record(t, "case_summary")
    if t.state.case is None:  # nothing to summarise: say so, without "here is a summary"
        t.reply("status_none", [t.btn("reasons", "L")])
        return
    t.reply("case_summary", *t.role_rows("contact_support"), *fix.continue_row(t),
            summary=render.summary_text(t))
