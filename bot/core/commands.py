"""Commands: /start /help /reasons /status /resubmitted /stop /forget /restart /language
/timezone. Unknown commands get a pointer to /help."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rapidfuzz import fuzz, process

from bot.core import case as case_rules
from bot.core import fix, journal, language, render, zones
from bot.core.state import (
    CLOSED,
    CONFIRM_FORGET,
    IDLE,
    LOCK_RISK,
    MANUAL_REVIEW,
    PASSED,
    RESTART,
    RESUBMITTED,
    State,
)
from bot.core.turn import Turn

#: how close (0-100) a mistyped command must be to a known one to be suggested
_CLOSE_COMMAND = 70


def on_command(t: Turn, name: str, arg: str) -> None:
    handler: Callable[[Turn, str], None] | None = COMMANDS.get(name)
    if handler is None:
        # "/staus", "/sumary": the command meant, when one is close; the step's buttons stay
        close = process.extractOne(name.casefold(), list(COMMANDS), scorer=fuzz.ratio,
                                   score_cutoff=_CLOSE_COMMAND)
        rows = fix.continue_row(t) or [[t.btn("reasons", "L")]]
        if close is not None:
            t.reply("unknown_command_close", *rows, command=close[0])
        else:
            t.reply("unknown_command", *rows)
        return
    journal.record(t, journal.COMMAND, name=name)
    if arg and t.state.lang is None:
        # "/timezone Москва" as a first message: the argument is written in the user's language
        language.observe(t, arg, False)
    handler(t, arg)


def cmd_start(t: Turn, arg: str = "") -> None:
    t.state.followups_enabled = True  # /stop is undone by starting again
    case = t.open_case()
    if case is not None and (case.reasons or case.attempts):
        t.reply(
            "welcome_back",
            [t.btn("continue_case", "c")],
            [t.btn("new_case", "N")],
            reasons=render.reasons_of(t, case.reasons),
            attempt=render.count(t, case, len(case.attempts)),
            failures=render.count(t, case, case.failures),
            stage=render.stage_name(t, case),
        )
        return
    t.reply("welcome", [t.btn("reasons", "L")], *fix.continue_row(t))
    t.reply("safety", **t.policy.links)


def cmd_help(t: Turn, arg: str = "") -> None:
    t.reply("help", [t.btn("reasons", "L")], *fix.continue_row(t))


def cmd_reasons(t: Turn, arg: str = "") -> None:
    fix.show_reasons(t)


def cmd_status(t: Turn, arg: str = "") -> None:
    case = t.state.case
    if case is None or (case.stage == CLOSED and case.closed_why == RESTART):
        t.reply("status_none", [t.btn("reasons", "L")])
    elif case.stage == PASSED:
        t.reply("status_passed", [t.btn("reasons", "L")], attempts=len(case.attempts))
    elif case.stage == CLOSED:
        t.reply("status_closed", [t.btn("case_summary", "S")], [t.btn("reasons", "L")],
                reasons=render.reasons_of(t, case.reasons), stage=render.stage_name(t, case))
    else:
        # a result awaited: report it from here (a missed check-in is no dead end)
        outcome = ([[t.btn("passed", "p")], [t.btn("rejected_again", "j")],
                    [t.btn("still_waiting", "w")]]
                   if case.stage == RESUBMITTED and case_rules.result_pending(t) else [])
        text = render.status_text(t, case)
        if any(b.startswith(("k|", "K|")) for b in t.state.last_buttons):
            # "has support fixed it?" was asked and not answered yet: its answer stays possible
            # (its buttons, and "not yet" typed, which reads them)
            # (after a refused review the question is what support said: a reason, or not yet)
            fixed = any(b.startswith("k|") for b in t.state.last_buttons)
            outcome = [[t.btn("support_done", "k") if fixed else t.btn("reasons", "L")],
                       [t.btn("support_not_yet", "K")]]
            # ... with the question they answer above them
            text += "\n\n" + t.msg("support_question_again" if fixed else "support_reason_question_again")
        t.say(text, *outcome, [t.btn("case_summary", "S")],
              [t.btn("timezone", "z")], *fix.continue_row(t))


def cmd_resubmitted(t: Turn, arg: str = "") -> None:
    case_rules.resubmitted(t)


def cmd_stop(t: Turn, arg: str = "") -> None:
    t.state.followups_enabled = False
    t.state.followup = None
    journal.record(t, "followups_stopped")
    t.reply("stopped" if t.state.case is not None else "stopped_no_case")


def cmd_forget(t: Turn, arg: str = "") -> None:
    if t.state.phase != CONFIRM_FORGET:
        t.state.resume_phase = t.state.phase
    t.state.phase = CONFIRM_FORGET
    t.reply("forget_confirm", [t.btn("forget_yes", "f"), t.btn("forget_no", "F")])


def cancel_forget(t: Turn, *, resume: bool) -> None:
    """A pending "delete everything?" answered with anything but its Yes: nothing is deleted,
    and the user is back where they were (`resume`: with the button to carry on)."""
    if t.state.phase != CONFIRM_FORGET:
        return
    t.state.phase = t.state.resume_phase or IDLE
    t.reply("forget_cancelled", *(fix.continue_row(t) if resume else []))


def do_forget(t: Turn) -> None:
    journal.record(t, "forget")
    t.forget = True
    s = t.state
    t.state = State(lang=s.lang, lang_how=s.lang_how, tag=s.tag)
    t.reply("forgotten")


#: `cmd_restart`'s argument once the user confirmed forgetting a case with attempts that count
CONFIRMED = "confirmed"


def cmd_restart(t: Turn, arg: str = "") -> None:
    case = t.open_case()
    counted = case is not None and (case.stage in (MANUAL_REVIEW, LOCK_RISK) or case.failures >= 2
                                    or case_rules.pending_attempt(case) is not None)
    if counted and arg != CONFIRMED:
        # the failures Binance counts (and a review) do not go away: ask before forgetting them
        t.reply("restart_confirm", [t.btn("continue_case", "c")], [t.btn("new_case", "A")],
                stage=render.stage_name(t, case), failures=render.count(t, case, case.failures))
        return
    case_rules.close(t, RESTART)
    t.state.followup = None
    t.state.followups_enabled = True
    fix.reset_position(t)
    t.reply("restarted", [t.btn("reasons", "L")])


def cmd_timezone(t: Turn, arg: str = "") -> None:
    if not arg.strip():
        t.reply("timezone_ask", [t.btn("timezone_utc", "z", "UTC")], zone=t.state.tz or "UTC")
        return
    set_zone(t, arg)


def set_zone(t: Turn, arg: str) -> None:
    """Set the user's time zone (a button with no argument asks for it)."""
    if not arg:
        cmd_timezone(t)
        return
    name = zones.parse_zone(arg, t.kb.languages, t.policy.zone_places)
    if name is None:
        t.reply("timezone_invalid", [t.btn("timezone_utc", "z", "UTC")])
        return
    t.state.tz = None if name == "UTC" else name
    journal.record(t, "timezone", zone=name)
    now: datetime = t.now
    t.reply("timezone_set", *fix.continue_row(t), zone=name, now=render.when(t, now))


COMMANDS: dict[str, Callable[[Turn, str], None]] = {
    "start": cmd_start,
    "help": cmd_help,
    "reasons": cmd_reasons,
    "status": cmd_status,
    "summary": lambda t, arg: case_rules.case_summary(t),
    "resubmitted": cmd_resubmitted,
    "stop": cmd_stop,
    "forget": cmd_forget,
    "restart": cmd_restart,
    "reset": cmd_restart,  # what other bots call it; not in the menu (one name per action there)
    "language": lambda t, arg: language.cmd_language(t, arg),
    "timezone": cmd_timezone,
}
