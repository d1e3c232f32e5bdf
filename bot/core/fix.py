"""The fix walk: a reason's steps one at a time, several reasons one after another, topics on
the way, and showing the user where they are.

Several reasons (one notice listing more than one): the most serious first only when their
severities differ, else in the order given; nothing says "resubmit" before the last reason's
fix is done; a fix that closes the case (an admitted edited document, a region Binance does
not serve, under 18) stops the walk and says why the other reasons no longer matter.
"""

from __future__ import annotations

from bot.core import case as case_rules
from bot.core import followups, journal, render
from bot.core.events import Button
from bot.core.payload import option_arg
from bot.core.state import (
    CHOOSING,
    CONFIRM_FORGET,
    FIX,
    IDLE,
    LOCK_RISK,
    MANUAL_REVIEW,
    RESUBMITTED,
    Case,
    parse_iso,
)
from bot.core.turn import Rows, Turn
from bot.knowledge.model import Step


# -- where the user is --------------------------------------------------------------------
def reset_position(t: Turn) -> None:
    s = t.state
    s.phase, s.reason, s.step = IDLE, None, None
    s.back, s.queue, s.batch, s.batch_support = [], [], [], []


def position(t: Turn) -> tuple[object, ...]:
    """Where the user is in the fixes (see `restore_position`)."""
    s = t.state
    return s.phase, s.reason, s.step, list(s.back), list(s.queue), list(s.batch), list(s.batch_support)


def restore_position(t: Turn, where: tuple[object, ...]) -> None:
    s = t.state
    s.phase, s.reason, s.step, s.back, s.queue, s.batch, s.batch_support = where  # type: ignore[assignment]


def continue_row(t: Turn) -> Rows:
    """A "continue where we were" button when there is somewhere to go back to (not the last
    step of a case that has ended: passed, or closed as the guide leaves nothing to try)."""
    case = t.state.case
    if t.current_step() is None or (case is not None and not case.is_open):
        return []
    return [[t.btn("continue", "c")]]


def onward_row(t: Turn) -> Rows:
    """`continue_row`, or where nothing is under way the reasons to start from: a side answer
    ("is this bot free?") is never a dead end."""
    return continue_row(t) or [[t.btn("reasons", "L")]]


def render_current(t: Turn) -> None:
    """Show the user where they are: the step, the pending question, or the list."""
    case = t.open_case()
    if t.current_step() is not None:
        render_step(t)
    elif t.state.phase == CONFIRM_FORGET:
        t.reply("forget_confirm", [t.btn("forget_yes", "f"), t.btn("forget_no", "F")])
    elif case is not None and case.stage in (RESUBMITTED, MANUAL_REVIEW):
        followups.ask_result(t)
    elif case is not None and case.stage == LOCK_RISK:
        t.reply("lock_risk_reminder", *t.role_rows("contact_support"), [t.btn("case_summary", "S")],
                [t.btn("support_cleared", "k")])
    else:
        show_reasons(t)


# -- lists and topics ---------------------------------------------------------------------
def reason_rows(t: Turn) -> Rows:
    ordered = sorted(t.kb.reasons.values(), key=lambda r: -r.share)
    return [[t.reason_btn(r.id)] for r in ordered]


def show_reasons(t: Turn, key: str = "reasons_list") -> None:
    if t.state.phase == CHOOSING:
        t.state.phase = IDLE
    not_sure = t.topic_for("find_reason")
    rows = [[t.btn("not_sure", "t", not_sure)]] if not_sure else []
    t.reply(key, *reason_rows(t), *rows)


def show_topic(t: Turn, topic_id: str, *, before: tuple[str, ...] = ()) -> None:
    """Answer a topic; `before` are topics answered just above (their buttons are left out)."""
    topic = t.kb.topics.get(topic_id)
    if topic is None:
        t.reply("invalid_button")
        render_current(t)
        return
    journal.record(t, journal.TOPIC, id=topic_id)
    if t.state.phase == CHOOSING:
        t.state.phase = IDLE
    # (asked in another language, the page is new to the reader, whatever language it is in)
    shown = f"{t.said_lang or t.lang}:{topic_id}"
    related = [r for r in topic.related if r not in before]
    if t.topic_before == shown and not t.replies and t.said_lang is not None:
        # the same page asked for twice in a row ("I don't know the reason, the email just
        # says rejected"): not the page again, but who can tell more
        # (the page's own button, if the user presses it now, shows the page itself)
        t.reply("topic_again", *[r for r in t.role_rows("contact_support")
                                  if all(not b.data.endswith("|" + topic_id) for b in r)],
                *t.topic_rows(related), *(continue_row(t) or [[t.btn("reasons", "L")]]),
                title=t.text(topic.title))
        return
    t.state.last_topic = shown
    case = t.open_case()
    if (case is not None and case.stage == MANUAL_REVIEW and not t.replies
            and topic_id in {t.topic_for(r) for r in ("resubmit_how", "failure_vs_appeal",
                                                       "appeal_how")}):
        # "should I appeal or resubmit?" while a person reviews the case: first what holds now,
        # and that the page below is for after the review
        t.reply("review_hold_topic")
    if (case is not None and case.stage == MANUAL_REVIEW and not t.replies
            and t.said_lang is not None  # typed, not the page's button
            and topic_id in {t.topic_for(r) for r in ("review_times", "speed_up_review")}
            and t.now >= followups.review_marks(t, case)[0]):
        # "how much longer?" past the standard window: this review's own age and what to do
        # (the general page is one button away; asked again, the same holds: no "see above")
        t.state.last_topic = None
        followups.review_age(t, case)
        return
    t._keys.append(f"topic:{topic_id}")
    values = {"title": t.text(topic.title), "answer": t.text(topic.answer)}
    resume = continue_row(t)
    if resume:
        t.reply("topic_answer_resume", *t.topic_rows(related), *resume,
                reason=t.title(t.state.reason or ""), **values)
    else:
        t.reply("topic_answer", *t.topic_rows(related), [t.btn("reasons", "L")], **values)


def show_topics(t: Turn, topic_ids: list[str]) -> None:
    """Answer one or more topics (a question with two parts gets both answers)."""
    for n, tid in enumerate(topic_ids):
        if n < len(topic_ids) - 1:
            topic = t.kb.topics[tid]
            journal.record(t, journal.TOPIC, id=tid)
            t._keys.append(f"topic:{tid}")
            t.reply("topic_answer", title=t.text(topic.title), answer=t.text(topic.answer))
        else:
            show_topic(t, tid, before=tuple(topic_ids))


def why(t: Turn, reason_id: str) -> None:
    reason = t.kb.reasons.get(reason_id) or t.reason()
    if reason is None:
        show_reasons(t)
        return
    triggers = render.bullets(t, [t.text(x) for x in reason.triggers])
    t.reply("why", *continue_row(t), title=t.text(reason.title), triggers=triggers)


# -- starting a fix -----------------------------------------------------------------------
_WALK_ORDER = {"severe": 0, "normal": 1, "minor": 2}


def start_reasons(t: Turn, reason_ids: list[str], *, notice: bool = False,
                  announce: bool = True, header: str = "") -> None:
    """Start the fix of one reason, or of several one after another."""
    reasons = [r for r in dict.fromkeys(reason_ids) if r in t.kb.reasons]
    if not reasons:
        show_reasons(t)
        return
    last = t.state.case
    if t.open_case() is None and last is not None and last.dead_end:
        # a reason picked after a fix that ended at a dead end: a new case, said so (the
        # summary keeps how the earlier one ended)
        t.reply("new_case_after_dead_end", stage=render.stage_name(t, last))
    case_rules.diagnosed(t, reasons)
    severities = {t.kb.reasons[r].severity for r in reasons}
    # the serious one first, a retake (minor) last: a new document or a word with support may
    # change what is photographed; otherwise the order the notice or the user gave
    reasons.sort(key=lambda r: _WALK_ORDER.get(t.kb.reasons[r].severity, 1))
    differ = "severe" in severities and len(severities) > 1
    if len(reasons) > 1 and announce:
        key = header or ("diagnosis_multi" if notice else "described_multi")
        t.reply(key + ("_severe_first" if differ and not header else ""), count=len(reasons),
                titles=render.numbered(t, [t.title(r) for r in reasons]))
    t.state.batch = reasons if len(reasons) > 1 else []
    t.state.batch_support = []
    t.state.queue = reasons[1:]
    start_fix(t, reasons[0], announce=announce)


def add_reasons(t: Turn, reason_ids: list[str], *, show: bool = True) -> bool:
    """A reason named in a later message while another reason's fix is under way and nothing was
    resubmitted since: the same rejection had both, so it is walked next, as when one message
    names two. False when there is no fix under way or nothing new."""
    current = t.state.reason
    if t.state.phase != FIX or not current or t.open_case() is None:
        return False
    walked = {current, *t.state.queue, *t.state.batch}
    added = [r for r in dict.fromkeys(reason_ids) if r in t.kb.reasons and r not in walked]
    if not added or len(added) < len([r for r in reason_ids if r != current]):
        return False  # the message is not (only) about new reasons: read it as before
    case = case_rules.diagnosed(t, added)
    last = case.attempts[-1] if case.attempts else None
    if last is not None and last.outcome == "rejected":  # the same rejection: its reasons too
        last.reasons = list(dict.fromkeys([*last.reasons, *added]))
    batch = t.state.batch or [current, *t.state.queue]
    done = batch[: batch.index(current)] if current in batch else []
    # the ones still to come in the order one message naming them all would give
    # (a new document first: "use the same document" would be wrong advice before it)
    def rank(r: str) -> int:
        return _WALK_ORDER.get(t.kb.reasons[r].severity, 1)

    order = sorted([current, *t.state.queue, *added], key=rank)
    if order[0] != current and show:
        # one that must come first ("I live in Iran" during a photo retake, an expired
        # document during the selfie's): walked now, the one under way after it (not when the
        # step the answer led to is on screen already: then after it, as below)
        t.state.batch, t.state.queue = [*done, *order], order[1:]
        t.reply("reason_added_first", titles=render.reasons_of(t, added), first=t.title(order[0]),
                current=t.title(current), count=len(t.state.batch))
        start_fix(t, order[0], announce=False)
        return True
    t.state.queue = sorted([*t.state.queue, *added], key=rank)
    t.state.batch = [*done, current, *t.state.queue]  # "Next up (2 of 3)" counts in that order
    t.reply("reason_added", titles=render.reasons_of(t, added),
            count=len(t.state.batch))
    if show:
        render_step(t)
    return True


def correct_reasons(t: Turn, wrong: list[str], right: list[str], key: str = "reason_corrected") -> None:
    """The user corrects the reason being fixed: `wrong` leaves the case and the rejection being
    fixed (nothing was resubmitted since), `right` is walked in its place, with the reasons
    still to come."""
    case = t.case()
    case.reasons = [r for r in case.reasons if r not in wrong]
    if case.attempts and case.attempts[-1].outcome == "rejected":
        attempt = case.attempts[-1]
        attempt.reasons = [r for r in attempt.reasons if r not in wrong]
        attempt.reasons += [r for r in right if r not in attempt.reasons]
    journal.record(t, journal.DIAGNOSED, reasons=list(right), multi=len(right) > 1,
                   corrected=list(wrong))
    t.reply(key, wrong=render.reasons_of(t, wrong), right=render.reasons_of(t, right))
    rest = [r for r in (t.state.reason, *t.state.queue) if r and r not in wrong]
    t.state.phase, t.state.reason, t.state.queue, t.state.batch = IDLE, None, [], []
    start_reasons(t, [*right, *rest])


def start_fix(t: Turn, reason_id: str, *, announce: bool = True) -> None:
    reason = t.kb.reasons[reason_id]
    if announce:
        key = "diagnosis_severe" if reason.severity == "severe" else "diagnosis"
        if t.asked_only and not t.state.batch and reason.severity != "severe":
            # a question about it, no rejection told (a severe one keeps its plain words)
            key = "diagnosis_asked"
        t.reply(key, title=t.text(reason.title), share=f"{reason.share:g}",
                summary=t.text(reason.summary))
    t.state.phase = FIX
    t.state.reason = reason_id
    t.state.step = reason.start
    t.state.back = []
    render_step(t)


# -- one step -----------------------------------------------------------------------------
def _next_line(t: Turn) -> str:
    nxt = t.state.queue[0]
    batch = t.state.batch or [t.state.reason or "", *t.state.queue]
    position = batch.index(nxt) + 1 if nxt in batch else len(batch)
    return t.msg("next_reason", title=t.title(nxt), position=position, count=len(batch))


def render_step(t: Turn) -> None:
    reason, step = t.reason(), t.step()
    if reason is None or step is None:
        show_reasons(t)
        return
    known = known_count(t, step)
    if known is not None:  # "how many times has it failed?" answered already: take that option
        choose_option(t, known[0], count=known[1], known=True)
        return
    said = said_answer(t, step)
    if said is not None:  # the message that started the fix answers this question already
        choose_option(t, said)
        return
    journal.record(t, journal.STEP, reason=reason.id, step=step.id)
    t._keys.append(f"step:{reason.id}/{step.id}")
    header = t.msg("step_progress", title=t.text(reason.title), position=len(t.state.back) + 1)
    body = t.text(step.text)
    rows: Rows = []
    notes: list[tuple[str, dict]] = []
    if step.is_question:
        rows += [
            [Button(t.text(o.label), t.data("o", option_arg(i, o)), f"option:{i + 1}")]
            for i, o in enumerate(step.options)
        ]
        text = t.msg("step", header=header, text=body)
    elif not step.end:
        rows.append([t.btn("next", "n")])
        text = t.msg("step", header=header, text=body)
    elif step.closes:
        case_rules.close(t, step.closes)
        text = t.msg("step", header=header, text=body)
        rows += [[t.btn("reasons", "L")]]
        if t.state.queue:
            notes.append(("batch_stopped", {"titles": render.reasons_of(t, t.state.queue)}))
            t.state.queue = []
    elif t.state.queue and step.end == "resubmit":
        # not the last reason: its "resubmit now" would contradict the fixes still to come
        text = t.msg("batch_part_done", header=header, next=_next_line(t))
        rows.append([t.btn("next_reason", "q")])
    elif t.state.queue:
        if step.end == "support" and reason.id not in t.state.batch_support:
            t.state.batch_support.append(reason.id)
        text = t.msg("step_with_next", header=header, text=body, next=_next_line(t))
        rows.append([t.btn("next_reason", "q")])
        rows += [[t.btn("case_summary", "S")]] + t.role_rows("contact_support")
    else:
        rows += end_rows(t, step, notes)
        if notes:  # a hold on resubmitting belongs to this step: one message
            key, values = notes.pop(0)
            text = t.msg("step_with_next", header=header, text=body, next=t.msg(key, **values))
        else:
            text = t.msg("step", header=header, text=body)
    rows += t.topic_rows(list(step.topics))
    nav = [t.btn("back", "b")] if t.state.back else [t.btn("why", "y", reason.id)]
    rows.append([*nav, t.btn("start_over", "s")])
    t.say(text, *rows)
    for key, values in notes:
        t.reply(key, **values)


def known_count(t: Turn, step: Step) -> tuple[int, int] | None:
    """(option, count) when `step` asks how many times it failed and the answer is known: said in
    this message ("лицо не распознаётся уже 3 раза"), or more than one failure already counted
    ("rejected again", then "same reason"). One failure alone may be the first the bot hears of."""
    if t.going_back or not step.is_question or not any(o.failures for o in step.options):
        return None
    if t.count_least:
        return None  # "it failed again": two or more; the question tells how many
    case = t.open_case()
    count = t.count_said if t.count_said is not None else (
        case.failures if case is not None and case.failures >= 2 else None)
    # a manual review that ended in a rejection is behind the case: its 3rd failure leads past
    # "wait for the review" to what comes after one
    reviewed = (case is not None and case.reviews_failed > 0 and case.stage != MANUAL_REVIEW
                and count == t.policy.manual_review_after)
    index = count_option(step, count + 1 if reviewed and count is not None else count)
    return None if index is None or count is None else (index, count)


def heading_to_close(t: Turn) -> str | None:
    """The dead end (`closes`) the step on screen leads to with nothing left to choose (an
    admitted edited document, a served-nowhere region, a minor waiting to turn 18), or None."""
    reason, step = t.reason(), t.current_step()
    seen: set[str] = set()
    while reason is not None and step is not None and step.id not in seen:
        seen.add(step.id)
        if step.closes:
            return step.closes
        if step.is_question or step.end:
            return None
        following = reason.next_step(step)
        step = reason.step(following) if following else None
    return None


def said_answer(t: Turn, step: Step) -> int | None:
    """The option the fix's first message names by one of its `said:` phrases ("hi, I turned 18
    last week": "I've turned 18 since then"), taken once; None to ask."""
    text, t.text_said = t.text_said, None
    if text is None or t.going_back or not step.is_question:
        return None
    return t.engine.said_option(text, step.options)


def count_option(step: Step, count: int | None) -> int | None:
    """The option of a "how many times has it failed?" question that `count` falls in."""
    if count is None:
        return None
    return next((i for i, o in enumerate(step.options)
                 if o.failures and o.failures[0] <= count <= o.failures[1]), None)


def end_rows(t: Turn, step: Step, notes: list[tuple[str, dict]]) -> Rows:
    """The buttons of the last step of a fix, for the stage the case is in."""
    case = t.open_case()
    stage = case.stage if case else None
    if step.end == "final":
        return [[t.btn("reasons", "L")]]
    waiting = [r for r in t.state.batch_support if r != t.state.reason]
    if waiting and step.end == "resubmit":
        notes.append(("batch_wait_support", {"titles": render.reasons_of(t, waiting)}))
    if stage == MANUAL_REVIEW:
        notes.append(("review_hold", {}))
        return [*t.role_rows("manual_review"), [t.btn("case_summary", "S")]]
    if stage == LOCK_RISK:
        notes.append(("lock_hold", {}))
        # once support has looked at the account, the way on is the fix and a new attempt
        return [*t.role_rows("contact_support"), [t.btn("case_summary", "S")],
                [t.btn("support_cleared", "k")]]
    # the button remembers whether its message warned ("w"): then the warning is not repeated
    resubmit = t.btn("resubmitted", "R", WARNED if before_threshold(t, case, notes) else "")
    if step.end == "support":
        # "I've contacted support" plans a check-in on support's answer (`followup.support_hours`)
        return [
            [*(b for r in t.role_rows("contact_support") for b in r), t.btn("case_summary", "S")],
            [t.btn("support_contacted", "K")],
            [resubmit],
        ]
    return [[resubmit]]


#: the argument of an "I've resubmitted" button whose message warned about the next threshold
WARNED = "w"


def before_threshold(t: Turn, case: Case | None, notes: list[tuple[str, dict]]) -> bool:
    """On the step that offers "I've resubmitted": if one more refusal reaches the guide's manual
    review (3) or lock (5), say so while it can still change what is sent. True if it did."""
    threshold = case_rules.next_threshold(t, case)
    if threshold is None:
        return False
    after = (case.failures if case is not None else 0) + 1
    window = render.review_window(t) if threshold == case_rules.REVIEW_NEXT else {}
    notes.append((f"before_failure_{threshold}", {"failures": after, **window}))
    return True


def warned_before(t: Turn) -> bool:
    """Did the latest message's "I've resubmitted" come with the `before_threshold` warning
    (typed "I resubmitted" answers that message too)?"""
    return f"R|{WARNED}" in t.state.last_buttons


# -- moving ------------------------------------------------------------------------------
def mark_done(t: Turn) -> None:
    case = t.open_case()
    if case is not None and t.state.reason and t.state.step:
        key = f"{t.state.reason}/{t.state.step}"
        if key not in case.steps_done:
            case.steps_done.append(key)


def _move(t: Turn, step_id: str) -> None:
    """Leave the current step (done, and where Back returns) for `step_id`."""
    mark_done(t)
    t.state.back.append(t.state.step or "")
    t.state.step = step_id


def go_to(t: Turn, step_id: str) -> None:
    _move(t, step_id)
    render_step(t)


def go_next(t: Turn) -> None:
    reason, step = t.reason(), t.step()
    nxt = reason.next_step(step) if reason and step else None
    if nxt is None:
        render_current(t)
    else:
        go_to(t, nxt)


def step_ahead(t: Turn, index: int) -> None:
    """Answer the next step's question from a step that only tells something ("he refuses to
    close it" while reading about family accounts): past this step, then its option `index`."""
    reason, step = t.reason(), t.step()
    nxt = reason.next_step(step) if reason and step else None
    if nxt is None:
        render_current(t)
        return
    _move(t, nxt)
    choose_option(t, index)


def answer_first_again(t: Turn, index: int) -> None:
    """Back to the fix's first question, answered this time with option `index` (what the user
    says now: "i'm 18 now" where they were told to wait)."""
    reason = t.reason()
    if reason is None:
        render_current(t)
        return
    t.state.back = []
    t.state.step = reason.start
    choose_option(t, index)


def go_back(t: Turn) -> None:
    if not t.state.back:
        render_current(t)
        return
    t.state.step = t.state.back.pop()
    t.going_back = True  # a question answered for the user before is asked this time
    render_step(t)


def choose_option(t: Turn, index: int, *, count: int | None = None, known: bool = False) -> None:
    """Take option `index` of the current question; `count` is a typed "how many times";
    `known`: the bot answered it from what it knew (which only ever raises the count)."""
    step = t.step()
    if step is None or not (0 <= index < len(step.options)):
        t.reply("invalid_button")
        render_current(t)
        return
    option = step.options[index]
    journal.record(t, journal.OPTION, reason=t.state.reason, step=step.id, option=index)
    review = lock = False
    if option.failures is not None:  # an answer to "how many times has it failed?"
        low, high = option.failures
        case = t.case()
        if count is None:
            count = case.failures if low <= case.failures <= high else low
        case_rules.set_failures(t, count, only_raise=known)
        # the step it leads to explains what the count means; only the check-in is added
        moved = case_rules.apply_count(t, quiet=True)
        review, lock = moved and case.stage == MANUAL_REVIEW, moved and case.stage == LOCK_RISK
    # the step it leads to says what the count means first; then when the bot checks in (and,
    # at the lock risk, a way to say support is done), as when the count is typed
    if option.topic:
        show_topic(t, option.topic)
    elif option.next:
        go_to(t, option.next)
    if review and t.state.followup is not None:
        t.reply("review_checkin_note", when=render.when(t, parse_iso(t.state.followup.due)))
    if lock:
        t.reply("lock_risk_checkin", [t.btn("support_cleared", "k")], [t.btn("case_summary", "S")],
                *t.role_rows("contact_support"), checkin=followups.schedule_support(t))


def option_named(step: Step | None, arg: str) -> int | None:
    """The option of `step` an option button's `arg` names (its position and where it leads),
    or None when there is no such option or it now leads elsewhere."""
    index, _, _ = arg.partition(":")
    if step is None or not index.isdecimal() or int(index) >= len(step.options):
        return None
    i = int(index)
    return i if option_arg(i, step.options[i]) == arg else None


def press_option(t: Turn, arg: str) -> None:
    """Apply an option button, unless the knowledge base changed what it leads to."""
    step = t.step()
    index, _, _ = arg.partition(":")
    if step is None or not index.isdecimal() or int(index) >= len(step.options):
        journal.record(t, journal.INVALID_BUTTON)
        t.reply("invalid_button")
        render_current(t)
    elif option_named(step, arg) is None:
        journal.record(t, journal.STALE_BUTTON)
        t.reply("stale_button")
        render_current(t)
    else:
        choose_option(t, int(index))


def start_over(t: Turn) -> None:
    journal.record(t, "start_over", reason=t.state.reason, step=t.state.step)
    batch = list(t.state.batch)
    left = t.state.reason
    at_top = bool(batch) and left == batch[0] and not t.state.back
    reset_position(t)
    if len(batch) > 1 and t.open_case() is not None and not at_top:
        # all again from the first, none dropped before resubmit; pressed again right there,
        # the list of reasons (the user doubts the reasons themselves)
        start_reasons(t, batch, header="restarted_multi")
        return
    t.state.restarted_from = left
    show_reasons(t)


def next_reason(t: Turn) -> None:
    if not t.state.queue:
        render_current(t)
        return
    mark_done(t)
    nxt = t.state.queue.pop(0)
    start_fix(t, nxt)


