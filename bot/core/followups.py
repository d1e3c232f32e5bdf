"""Check-ins: when the bot asks how things went, and what "still waiting" means at each point.

After a resubmission the bot asks after `followup.after_resubmit_hours`, then every
`still_waiting_hours`, at most `result_max_checkins` times. A manual review is a lifecycle
(policy.yaml `review_days`, `review_checkins`): the first check-in at the end of the standard
window counted in business days; still waiting then explains the complex-case range and asks
again at its end; past the extreme mark the bot gives the steps to chase the ticket and offers
to stop; a few sparse check-ins later it stops asking. Never the same sentence every day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import case as case_rules
from bot.core import journal, render
from bot.core.events import FollowupDue
from bot.core.state import AWAITING_NOTICE, MANUAL_REVIEW, Case, Followup, iso, parse_iso
from bot.core.turn import Turn
from bot.core.zones import zone
from bot.shared.workdays import add_business_days, business_days_between

RESULT, REVIEW, SUPPORT = "result", "review", "support"


def schedule(t: Turn, due: datetime, kind: str, key: str = "checkin_on") -> str:
    """Plan a check-in if check-ins are on; return the sentence that says so."""
    if not t.state.followups_enabled:
        t.state.followup = None
        return t.msg("followup_off")
    due = out_of_quiet_hours(t, due)
    t.state.followup = Followup(due=iso(due.astimezone(UTC)), kind=kind)
    return t.msg(key, when=render.when(t, due))


def out_of_quiet_hours(t: Turn, due: datetime) -> datetime:
    """A check-in that would come at night in the user's time zone (known once they set one
    with /timezone) comes at the end of the night instead (`followup.quiet_from`/`quiet_until`)."""
    start, end = t.policy.followup_quiet_from, t.policy.followup_quiet_until
    if not t.state.tz or start == end:
        return due
    local = due.astimezone(zone(t.state.tz))
    quiet = (start <= local.hour or local.hour < end) if start > end else start <= local.hour < end
    if not quiet:
        return due
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(UTC)


def planned_checkin(t: Turn, kind: str | None = None) -> str | None:
    """The sentence of the check-in already planned for later (of `kind`, if given), or None."""
    planned = t.state.followup
    if planned is None or (kind is not None and planned.kind != kind) or parse_iso(planned.due) <= t.now:
        return None
    return t.msg("checkin_on", when=render.when(t, parse_iso(planned.due)))


def business_days_later(t: Turn, start: datetime, days: int) -> datetime:
    """`days` business days after `start`, weekends counted in the user's zone."""
    return add_business_days(start.astimezone(zone(t.state.tz)), days).astimezone(UTC)


def schedule_result(t: Turn) -> str:
    due = t.now + timedelta(hours=t.policy.followup_after_resubmit_hours)
    return schedule(t, due, RESULT, "followup_planned")


def schedule_support(t: Turn) -> str:
    """Ask again whether Customer Support has fixed it (the guide's fix for a mismatch or a
    stolen ID is theirs: the user can only wait and then resubmit)."""
    return schedule(t, t.now + timedelta(hours=t.policy.followup_support_hours), SUPPORT)


def review_marks(t: Turn, case: Case) -> tuple[datetime, datetime, datetime]:
    """When the standard window, the complex-case range and the extreme mark end."""
    p = t.policy
    started = parse_iso(case.review_started) if case.review_started else t.now
    return (
        business_days_later(t, started, p.review_standard_days[1]),
        started + timedelta(days=p.review_complex_days[1]),
        started + timedelta(days=p.review_extreme_days),
    )


def schedule_review(t: Turn, case: Case) -> str:
    return schedule(t, review_marks(t, case)[0], REVIEW)


def schedule_documents(t: Turn, case: Case) -> str:
    due = business_days_later(t, t.now, t.policy.review_documents_business_days)
    return schedule(t, due, REVIEW)


# -- a check-in comes due -----------------------------------------------------------------
def on_followup(t: Turn, event: FollowupDue) -> None:
    followup = t.state.followup
    if followup is None or not t.state.followups_enabled or followup.due != iso(event.due_at):
        return  # cancelled or replaced since it was scheduled
    t.state.followup = None
    if t.open_case() is None:
        return
    late = t.now - event.due_at > timedelta(minutes=t.policy.followup_late_after_minutes)
    if followup.kind == SUPPORT:
        journal.record(t, journal.FOLLOWUP_SENT, type=followup.kind)

        if t.state.phase == AWAITING_NOTICE:
            # after a refused review the user went to ask support why: the answer is a reason
            t.say(late_first(t, t.msg("support_reason_question"), late), [t.btn("reasons", "L")],
                  [t.btn("support_not_yet", "K")])
            return
        t.say(late_first(t, t.msg("support_question"), late), [t.btn("support_done", "k")],
              [t.btn("support_not_yet", "K")])
        return
    # the question is asked: its answer may come typed ("no"), and from the middle of a fix
    # their place is kept, so they can answer when ready
    t.state.asked_result = True
    journal.record(t, journal.FOLLOWUP_SENT, type=followup.kind)
    case = t.open_case()
    # a result check-in after an earlier one (unanswered, or answered "still waiting") says it
    # is a reminder rather than the same greeting word for word
    ask_result(t, late=late, again=followup.kind == RESULT and case is not None and case.checkins > 0)
    if (followup.kind == RESULT and case is not None and case_rules.result_pending(t)
            and case.stage != MANUAL_REVIEW
            and case.checkins + 1 < t.policy.followup_result_max_checkins):
        # a result check-in left unanswered is asked again a day later (each counts toward
        # `result_max_checkins`, as a "still waiting" does); an answer replaces this plan
        case.checkins += 1
        schedule(t, t.now + timedelta(hours=t.policy.followup_still_waiting_hours), RESULT)
    if followup.kind == REVIEW and case is not None and case.stage == MANUAL_REVIEW:
        # a review check-in left unanswered is asked again at the review's next mark (the end
        # of the complex-case range, then the extreme one); an answer replaces this plan
        later = next((m for m in review_marks(t, case) if m > t.now + timedelta(days=1)), None)
        if later is not None:
            schedule(t, later, REVIEW)


def late_first(t: Turn, text: str, late: bool) -> str:
    """A check-in's `text`, said to be late first when it is (one message, not two)."""
    return t.msg("step", header=t.msg("followup_late"), text=text) if late else text


def ask_result(t: Turn, *, late: bool = False, asked: bool = False, again: bool = False) -> None:
    """Ask how it went; a `late` check-in says so first, in the same message (a backlog after an
    outage drains at the send limit: one message per follow-up). When the user `asked` ("approved?"),
    say that the result comes from Binance, and ask the same."""

    def question(key: str) -> str:
        return late_first(t, t.msg("result_asked") if asked else t.msg(key), late)

    case = t.open_case()
    if case is not None and case.stage == MANUAL_REVIEW:
        t.say(
            question("review_question"),
            [t.btn("passed", "p")],
            [t.btn("more_documents", "d")],
            [t.btn("review_rejected", "j")],
            [t.btn("still_waiting", "w")],
        )
        return
    t.say(
        question("followup_question_again" if again else "followup_question"),
        [t.btn("passed", "p")],
        [t.btn("rejected_again", "j")],
        [t.btn("still_waiting", "w")],
    )


# -- still waiting ------------------------------------------------------------------------
def still_waiting(t: Turn) -> None:
    case = t.case()
    t.state.asked_result = False
    journal.record(t, journal.OUTCOME, outcome="waiting", attempt=len(case.attempts))
    if case.stage == MANUAL_REVIEW:
        review_waiting(t, case)
        return
    planned = planned_checkin(t, RESULT)
    if planned is not None:
        # "still nothing" said again before the next check-in: no check-in was answered, so
        # none is counted and the plan stands
        t.reply("still_waiting", checkin=planned)
        return
    case.checkins += 1
    pending = case_rules.pending_attempt(case)
    stuck = pending is not None and pending.at is not None and t.now - parse_iso(pending.at) >= timedelta(
        days=t.policy.followup_result_stuck_days)
    if stuck or case.checkins >= t.policy.followup_result_max_checkins:
        t.state.followup = None
        t.reply("result_waiting_long", [t.btn("case_summary", "S")], *t.role_rows("contact_support"))
        return
    due = t.now + timedelta(hours=t.policy.followup_still_waiting_hours)
    t.reply("still_waiting", checkin=schedule(t, due, RESULT))


def review_age(t: Turn, case: Case) -> None:
    """"How much longer?" typed during a review past its standard window: where its age stands,
    with the check-in already planned (a question reschedules and counts nothing)."""
    _, complex_end, extreme = review_marks(t, case)
    elapsed = _review_elapsed(t, case)
    checkin = planned_checkin(t) or ""
    if t.now < max(complex_end, extreme):
        t.reply("review_waiting_complex", *t.role_rows("speed_up_review"), checkin=checkin, **elapsed)
    else:
        t.reply("review_overdue", [t.btn("case_summary", "S")], checkin=checkin, stop="", **elapsed)


def _review_elapsed(t: Turn, case: Case) -> dict[str, object]:
    started = parse_iso(case.review_started) if case.review_started else t.now
    return {
        "days": (t.now - started).days,
        "business_days": business_days_between(started.astimezone(zone(t.state.tz)),
                                               t.now.astimezone(zone(t.state.tz))),
        "since": started,
        **render.review_window(t),
    }


def review_waiting(t: Turn, case: Case) -> None:
    """Still waiting for a manual review: where its age stands, and the next check-in."""
    standard_end, complex_end, extreme = review_marks(t, case)
    elapsed = _review_elapsed(t, case)
    summary = [t.btn("case_summary", "S")]
    if t.now < standard_end:
        t.reply("review_waiting_standard", *t.role_rows("review_times"),
                checkin=schedule(t, standard_end, REVIEW), **elapsed)
    elif t.now < complex_end:
        t.reply("review_waiting_complex", *t.role_rows("speed_up_review"),
                checkin=schedule(t, complex_end, REVIEW), **elapsed)
    elif t.now < extreme:  # only when the complex range ends before the extreme mark
        t.reply("review_waiting_complex", *t.role_rows("speed_up_review"),
                checkin=schedule(t, extreme, REVIEW), **elapsed)
    elif case.checkins == 0 or t.policy.review_overdue_max_checkins == 0:
        case.checkins = 1
        again = t.now + timedelta(days=t.policy.review_overdue_every_days)
        checkin = (schedule(t, again, REVIEW) if t.policy.review_overdue_max_checkins
                   else t.msg("followup_ending"))
        # (with check-ins off already, no offer to stop them)
        on = t.state.followups_enabled
        t.reply("review_overdue", summary, *([[t.btn("stop_checkins", "X")]] if on else []),
                checkin=checkin, stop=" " + t.msg("review_stop_offer") if on else "", **elapsed)
    elif case.checkins < t.policy.review_overdue_max_checkins:
        case.checkins += 1
        again = t.now + timedelta(days=t.policy.review_overdue_every_days)
        t.reply("review_overdue_again", summary, [t.btn("stop_checkins", "X")],
                checkin=schedule(t, again, REVIEW), **elapsed)
    else:
        t.state.followup = None
        t.reply("review_checkins_end", summary, **elapsed)


def on_result(t: Turn, result: str) -> None:
    """The user answers how their submission (or manual review) went."""
    if result == "still_waiting":
        still_waiting(t)
    elif result == "passed":
        case_rules.passed(t)
    elif result == "more_documents":
        case_rules.more_documents(t)
    elif not case_rules.rejected(t):
        case_rules.rejected_again(t)
