"""Rendering what the bot knows into text: lists, the stage of a case, /status and the case
summary. Every sentence comes from messages.yaml; dates and numbers are written by
`kb.message` (`bot.knowledge.render`) in the user's language and time zone."""

from __future__ import annotations

from datetime import datetime

from bot.core.state import CLOSED, FIX, MANUAL_REVIEW, Case, parse_iso
from bot.core.turn import Turn
from bot.knowledge.model import Reason, Step


def when(t: Turn, dt: datetime) -> datetime:
    """A moment to show: `kb.message` writes it in the user's language and zone, with the zone."""
    return dt


# -- lists -------------------------------------------------------------------------------
def bullets(t: Turn, items: list[str]) -> str:
    return "\n".join(t.msg("list_item", item=i) for i in items) or t.msg("nothing")


def listing(t: Turn, items: list[str]) -> str:
    """Items in one line: "A, B, C" (`list_join` in messages.yaml)."""
    if not items:
        return t.msg("nothing")
    out = items[0]
    for item in items[1:]:
        out = t.msg("list_join", head=out, tail=item)
    return out


def numbered(t: Turn, items: list[str]) -> str:
    return "\n".join(t.msg("numbered_item", number=i, item=x) for i, x in enumerate(items, 1))


def span(t: Turn, days: tuple[int, int]) -> str:
    return t.msg("range", low=days[0], high=days[1])


def reasons_of(t: Turn, ids: list[str]) -> str:
    return listing(t, [t.title(r) for r in ids])


# -- the case ----------------------------------------------------------------------------
def stage_name(t: Turn, case: Case) -> str:
    """A short name for where the case is ("In manual review")."""
    if case.stage == CLOSED:
        return t.msg(f"closed_{case.closed_why or 'restart'}")
    if case.stage == MANUAL_REVIEW and case.appealed_at:
        return t.msg("stage_appealed", date=when(t, parse_iso(case.appealed_at)))
    return t.msg(f"stage_{case.stage}")


def step_title(t: Turn, step: Step) -> str:
    return t.text(step.title) if step.title else step.id.replace("_", " ")


def review_window(t: Turn) -> dict[str, object]:
    """The manual review durations, as placeholders for the messages that explain them."""
    p = t.policy
    return {
        "standard": span(t, p.review_standard_days),
        "complex": span(t, p.review_complex_days),
        "extreme": p.review_extreme_days,
    }


def steps_taken(t: Turn, case: Case) -> str:
    items: list[str] = []
    for key in case.steps_done:
        reason_id, _, step_id = key.partition("/")
        reason: Reason | None = t.kb.reasons.get(reason_id)
        step = reason.step(step_id) if reason else None
        if reason and step and not step.is_question:  # (a question asked is no step taken)
            items.append(t.msg("summary_step", title=t.text(reason.title), step=step_title(t, step)))
    return "\n".join(items) or t.msg("summary_no_steps")


def attempts_list(t: Turn, case: Case) -> str:
    # each rejection with the reasons its notice gave: support reads which attempt failed why
    # (and that one failed for a reason the user never told, rather than for none)
    lines = []
    for i, a in enumerate(case.attempts, 1):
        told = a.outcome == "rejected" and a.reasons and a.reasons_told is not False
        outcome = a.outcome + ("_untold" if a.outcome == "rejected" and not told else "")
        lines.append(t.msg(
            "summary_attempt_reasons_line" if told else "summary_attempt_line",
            number=i,
            date=when(t, parse_iso(a.at)) if a.at else t.msg("date_unknown"),
            outcome=t.msg(f"outcome_{outcome}"),
            reasons=reasons_of(t, a.reasons),
        ))
    # what support most needs to know: a person already looked at the case (not said when only
    # guessed from a count: "this is my 5th time" tells nothing of a review)
    began = case.review_started or case.review_began
    if began or (case.reviews_failed and not case.review_inferred):
        if case.reviews_failed and case.review_refused_at and case.stage != MANUAL_REVIEW:
            # when the review refused, and why when told: support reads it beside attempt 3's
            refused = when(t, parse_iso(case.review_refused_at))
            text = (t.msg("summary_review_refused", date=refused, reasons=reasons_of(t, case.review_reasons))
                    if case.review_reasons else t.msg("summary_review_refused_untold", date=refused))
        else:
            text = t.msg("summary_review_rejected" if case.reviews_failed and case.stage != MANUAL_REVIEW
                         else "summary_review_open" if case.stage == MANUAL_REVIEW else "summary_review_ended")
        if began:
            lines.append(t.msg("summary_review_line", result=text, since=when(t, parse_iso(began))))
        else:
            lines.append(t.msg("summary_review_result", result=text))
    if case.documents_asked_at:
        lines.append(t.msg("summary_documents_line", date=when(t, parse_iso(case.documents_asked_at))))
    if case.appealed_at:
        lines.append(t.msg("summary_appeal_line", date=when(t, parse_iso(case.appealed_at))))
    if case.earlier:  # how the case before ended ("Closed: edited document"): support must know
        lines.append(t.msg("summary_earlier_line", stage=t.msg(f"closed_{case.earlier}")))
    return "\n".join(lines) or t.msg("nothing")


def summary_text(t: Turn) -> str:
    case = t.state.case
    if case is None:
        return t.msg("status_none")
    known = latest_first(case)
    return t.msg(
        "summary",
        reasons=reasons_of(t, known) if known else t.msg("summary_reasons_unknown"),
        stage=stage_name(t, case),
        steps=steps_taken(t, case),
        attempts=attempts_list(t, case),
        failures=count(t, case, case.failures),
    )


def latest_first(case: Case) -> list[str]:
    """The case's reasons, the latest rejection's told reasons first (each attempt's own are in
    its line of the summary; a rejection nobody said the reason of names none): /status and
    the summary list them in this one order."""
    latest = (case.review_reasons if case.review_refused_at and case.stage != MANUAL_REVIEW
              and case.review_refused_attempt == len(case.attempts) else []) or next(
        (a.reasons for a in reversed(case.attempts)
         if a.outcome == "rejected" and a.reasons and a.reasons_told is not False), [])
    return [*latest, *(r for r in case.reasons if r not in latest)]


def count(t: Turn, case: Case, n: int) -> int | str:
    """A count of the case's attempts, or "not told yet" when a manual review was reported
    with none before it (a review follows failed attempts: "0" would be wrong)."""
    return t.msg("count_not_told") if not case.attempts and case.review_started else n


def status_text(t: Turn, case: Case) -> str:
    step = t.step() if t.state.phase == FIX else None
    followup = t.state.followup
    return t.msg(
        "status_case",
        reasons=reasons_of(t, latest_first(case)),
        stage=stage_name(t, case),
        step=step_title(t, step) if step else t.msg("nothing"),
        attempts=count(t, case, len(case.attempts)),
        failures=count(t, case, case.failures),
        followup=(
            when(t, parse_iso(followup.due))
            if followup and t.state.followups_enabled
            else t.msg("status_no_followup")
        ),
    )
