"""The button protocol: payloads (`bot.core.payload`) checked and turned into actions.

A payload names an action (one character) and an argument. Buttons from another user's
conversation, forged or truncated ones are refused; a button from an older message is stale
unless its action makes sense from anywhere (show a topic, pick a reason, the list...) or it is an
option of the step the user is still on (a side question came in between). A number
typed instead of pressing presses that button of the latest message (Telegram shows no numbers,
the console does); a number beyond them says there is no such button.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core import case as case_rules
from bot.core import commands, fix, followups, journal, language
from bot.core.payload import decode, encode
from bot.core.state import CHOOSING, CONFIRM_FORGET, FIX, FIXING, IDLE, LOCK_RISK, MANUAL_REVIEW
from bot.core.turn import Turn

# actions that make sense from any message, however old
STATELESS_ACTIONS = frozenset("trLSyg")

Action = Callable[[Turn, str], None]
Action1 = Callable[[Turn], None]


def _in_fix(action: Callable[[Turn], None]) -> Action:
    def run(t: Turn, arg: str) -> None:
        if t.state.phase == FIX:
            action(t)
        else:
            invalid(t)
    return run


def _result(result: str) -> Action:
    def run(t: Turn, arg: str) -> None:
        case = t.open_case()
        reviewing = case is not None and case.stage == MANUAL_REVIEW
        if not case_rules.result_pending(t) or (result == "more_documents" and not reviewing):
            invalid(t)
        else:
            followups.on_result(t, result)
    return run


def _support(action: Action1) -> Action:
    """A button of the "has support fixed it?" check-in, or of a case at risk of a lock ("support
    has cleared it"): only while the case waits on support (a stale press after it passed or
    closed changes nothing)."""
    def run(t: Turn, arg: str) -> None:
        case = t.open_case()
        if case is None or case.stage not in (FIXING, LOCK_RISK):
            invalid(t)
        else:
            action(t)
    return run


def _option(t: Turn, arg: str) -> None:
    if t.state.phase == FIX:
        fix.press_option(t, arg)
    else:
        invalid(t)


def _reason(t: Turn, arg: str) -> None:
    if arg not in t.kb.reasons:
        invalid(t)
        return
    left, t.state.restarted_from = t.state.restarted_from, None
    case = t.open_case()
    if (left and left != arg and case is not None and case.stage == FIXING
            and left in case.reasons and case_rules.pending_attempt(case) is None):
        # "Start over", then another reason: the first was the wrong one, not one more
        fix.correct_reasons(t, [left], [arg])
        return
    fix.start_reasons(t, [arg])


def _topic(t: Turn, arg: str) -> None:
    if arg in t.kb.topics:
        fix.show_topic(t, arg)
    else:
        invalid(t)


def _forget(yes: bool) -> Action:
    def run(t: Turn, arg: str) -> None:
        if t.state.phase != CONFIRM_FORGET:
            invalid(t)
        elif yes:
            commands.do_forget(t)
        else:
            t.state.phase = t.state.resume_phase or IDLE
            t.reply("forget_cancelled", *fix.continue_row(t))
    return run


def _none_of_these(t: Turn, arg: str) -> None:
    if t.state.phase != CHOOSING:
        invalid(t)
        return
    journal.record(t, "none_of_these")
    t.state.phase = IDLE
    fix.show_reasons(t, "pick_reason")


ACTIONS: dict[str, Action] = {
    "n": _in_fix(fix.go_next),
    "b": _in_fix(fix.go_back),
    "q": _in_fix(fix.next_reason),
    "o": _option,
    "r": _reason,
    "t": _topic,
    "L": lambda t, arg: fix.show_reasons(t),
    "S": lambda t, arg: case_rules.case_summary(t),
    "y": lambda t, arg: fix.why(t, arg),
    "s": lambda t, arg: fix.start_over(t),
    "R": lambda t, arg: case_rules.resubmitted(t, warned=arg == fix.WARNED),
    "u": lambda t, arg: case_rules.undo_rejection(t),
    "k": _support(case_rules.support_fixed),
    "K": _support(case_rules.support_contacted),
    "p": _result("passed"),
    "j": _result("rejected_again"),
    "w": _result("still_waiting"),
    "d": _result("more_documents"),
    "m": lambda t, arg: case_rules.same_reason_again(t),
    "P": lambda t, arg: case_rules.permanently_rejected(t),
    "f": _forget(True),
    "F": _forget(False),
    "c": lambda t, arg: fix.render_current(t),
    "x": _none_of_these,
    "N": lambda t, arg: commands.cmd_restart(t),
    "A": lambda t, arg: commands.cmd_restart(t, commands.CONFIRMED),
    "X": lambda t, arg: commands.cmd_stop(t),
    "g": lambda t, arg: language.choose(t, arg),
    "G": lambda t, arg: language.keep(t, arg),
    "z": lambda t, arg: commands.set_zone(t, arg),
}


def invalid(t: Turn) -> None:
    journal.record(t, journal.INVALID_BUTTON)
    t.reply("invalid_button")
    fix.render_current(t)


#: the buttons that answer a check-in's question (passed, rejected, still waiting, documents)
_RESULT_KEYS = frozenset({"p", "j", "w", "d"})


def _still_current(t: Turn, action: str, arg: str) -> bool:
    """Is an older message's option button one of the step the user is still on? (A side
    question printed messages since, but the step and what its options lead to are the same.)"""
    return action == "o" and t.state.phase == FIX and fix.option_named(t.step(), arg) is not None


def on_button(t: Turn, data: str) -> None:
    parsed = decode(data)
    if parsed is None or parsed.tag != t.state.tag or parsed.action not in ACTIONS:
        invalid(t)
        return
    # (a result button of an earlier copy of the check-in question still open answers it: two
    # overdue check-ins may have come at once)
    answers_open = t.state.asked_result and parsed.action in _RESULT_KEYS
    if (parsed.action not in STATELESS_ACTIONS and parsed.seq != t.state.seq
            and not _still_current(t, parsed.action, parsed.arg) and not answers_open):
        journal.record(t, journal.STALE_BUTTON)
        t.reply("stale_button")
        if t.state.asked_result and t.open_case() is not None:
            followups.ask_result(t)  # the open check-in question, not the fix behind it
        else:
            fix.render_current(t)
        return
    journal.record(t, journal.BUTTON, action=parsed.action)
    ACTIONS[parsed.action](t, parsed.arg)


def typed_number(t: Turn, text: str) -> bool:
    """A number typed as a message: press that button of the latest message. Return False
    when the latest message had no buttons and no case is under way (the number is then read
    as text)."""
    stripped = text.strip().rstrip(".)")
    if not (stripped.isascii() and stripped.isdigit()):
        stripped = t.engine.button_number(text) or ""  # "option 2", "вариант 2", "选项2"
    if not (stripped.isascii() and stripped.isdigit()) or len(stripped) > 3:
        return False
    if not t.state.last_buttons:
        if t.open_case() is None:
            return False
        # a case is under way and its last message had none ("I've resubmitted, noted"): say
        # so, rather than read "1" as a question the bot cannot answer
        if case_rules.result_pending(t):
            # the result is what a number after "resubmitted" most likely means: its buttons,
            # in the same message (not the check-in's "hi again": that one stays as planned)
            case = t.open_case()
            rows = ([[t.btn("passed", "p")], [t.btn("more_documents", "d")],
                     [t.btn("review_rejected", "j")]]
                    if case is not None and case.stage == MANUAL_REVIEW
                    else [[t.btn("passed", "p")], [t.btn("rejected_again", "j")]])
            t.reply("no_buttons")
            t.reply("result_now", *rows, [t.btn("still_waiting", "w")])
            t.state.asked_result = True  # a typed "not yet" answers it
        else:
            t.reply("no_buttons", *fix.continue_row(t))
        return True
    n, count = int(stripped), len(t.state.last_buttons)
    if not 1 <= n <= count:
        key = "no_such_button_one" if count == 1 else "no_such_button"
        t.reply(key, number=n, count=count)
        t.keep_buttons = True
        return True
    action, _, arg = t.state.last_buttons[n - 1].partition("|")
    on_button(t, encode(t.state.tag, t.state.seq, action, arg))
    return True


#: news a typed message tells, which a topic button with the same words does not answer
_TOLD = frozenset({"support_contacted", "support_fixed", "resubmitted", "appealed", "documents_sent"})


def tells_news(t: Turn, text: str) -> bool:
    """Does a typed message tell news ("我联系客服了", "I resubmitted") rather than name a topic
    button that shares its words ("联系客服")?"""
    return bool(set(t.engine.intents(text)) & _TOLD)

#: the most words of a typed button label ("ещё нет", "Да, исправили", "Still waiting")
_LABEL_WORDS = 6


def typed_label(t: Turn, text: str) -> bool:
    """A short message that is one of the latest buttons' labels, as typed ("ещё нет" for
    "⏳ Ещё нет", "still waiting"): that button is pressed. Close to one label only
    (`option_cutoff`), so a sentence that only shares a word with one is read as usual."""
    labels = t.state.last_labels
    if not labels or len(labels) != len(t.state.last_buttons):
        return False
    # a label longer than that may be typed whole ("I'm 18+, my document shows a wrong date")
    if len(text.split()) > max(_LABEL_WORDS, *(len(label.split()) for label in labels)):
        return False
    n = t.engine.close_option(text, labels)
    if n is None:
        return False
    said, label_says = set(t.engine.intents(text)), set(t.engine.intents(labels[n]))
    if said and label_says and said.isdisjoint(label_says):
        return False  # "still failing" is close to "Still waiting" but says it was rejected
    action, _, arg = t.state.last_buttons[n].partition("|")
    if (action == "t" and "".join(text.split()) not in "".join(labels[n].split())
            and tells_news(t, text)):
        return False  # "我联系客服了" is news, not the "联系客服" page's button (its label is)
    on_button(t, encode(t.state.tag, t.state.seq, action, arg))
    return True
