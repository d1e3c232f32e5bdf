"""The dialogue engine: `Engine.handle(state, event, now) -> Outcome(state, replies, events)`.

Pure: no I/O, no clock, no transport types. Every sentence comes from the knowledge base. The
service around it loads and saves state, writes the events, and schedules the follow-up the new
state asks for.

Button payloads are `bot.core.payload` strings. Actions that do not depend on where the user is (show
a topic, pick a reason, show the list) work from any message of the conversation, however old.
"""

from __future__ import annotations

import copy
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process, utils

from bot.core.events import (
    Attachment,
    Button,
    ButtonPress,
    Command,
    Event,
    FollowupDue,
    Reply,
    TextMessage,
)
from bot.core.payload import decode, encode, option_arg
from bot.core.state import (
    AWAITING_NOTICE,
    AWAITING_RESULT,
    CHOOSING,
    CONFIRM_FORGET,
    FIX,
    IDLE,
    Attempt,
    Case,
    Followup,
    State,
    iso,
    parse_iso,
)
from bot.knowledge.model import KnowledgeBase, Reason, Step
from bot.understanding.matcher import Matcher, MatchResult
from bot.understanding.redact import find_sensitive, redact

log = logging.getLogger(__name__)

# actions that make sense from any message, however old
STATELESS_ACTIONS = frozenset("trLSy")


@dataclass(frozen=True)
class Outcome:
    state: State
    replies: tuple[Reply, ...]
    events: tuple[dict, ...] = ()
    forget: bool = False


class Engine:
    """Holds the knowledge base and matcher; `handle` is a pure function of its arguments."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher | None = None) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher.build(kb)
        hosts = (urlsplit(url).hostname or "" for url in kb.policy.links.values())
        #: e-mail domains of the official sites: "@binance.com" in a forwarded notice is not personal
        self.official_domains = frozenset(h.removeprefix("www.") for h in hosts if h)
        self._negation_words = frozenset(str(w) for w in kb.matching.get("negations", ()) or ())
        self._intents: list[tuple[str, str]] = [
            (utils.default_process(phrase), name)
            for name, phrases in kb.intents.items()
            for phrase in phrases
        ]

    def handle(
        self, state: State, event: Event, now: datetime, lang: str | None = None
    ) -> Outcome:
        turn = _Turn(self, copy.deepcopy(state), now, lang)
        turn.dispatch(event)
        return turn.outcome()

    def intent(self, text: str) -> str | None:
        """Return the intent a short message expresses ("resubmitted", "next"...), if any."""
        clean = utils.default_process(text)
        policy = self.kb.policy
        if not clean or len(clean.split()) > policy.intent_max_words or not self._intents:
            return None
        found = process.extractOne(
            clean,
            [p for p, _ in self._intents],
            scorer=fuzz.ratio,
            score_cutoff=policy.intent_cutoff,
        )
        if found is None:
            return None
        phrase, intent = self._intents[found[2]]
        # "I haven't resubmitted" is close to "I resubmitted" but means the opposite
        if self.negations(clean) - self.negations(phrase):
            return None
        return intent

    def negations(self, clean: str) -> set[str]:
        """The negation words (matching.yaml `negations`) in an already processed text."""
        return set(_CONTRACTION.sub("nt", clean).split()) & self._negation_words


_CONTRACTION = re.compile(r"n t\b")  # "haven't" after processing is "haven t"
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """Drop control and direction-override characters; normalise unicode."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@dataclass
class _Turn:
    engine: Engine
    state: State
    now: datetime
    lang: str | None
    replies: list[Reply] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    forget: bool = False
    _buttons_sent: bool = False

    # -- plumbing ------------------------------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        return self.engine.kb

    @property
    def policy(self):  # noqa: ANN201 - Policy
        return self.kb.policy

    @property
    def seq(self) -> int:
        return self.state.seq + 1

    def msg(self, key: str, **values: object) -> str:
        return self.kb.message(key, self.state.lang, **values)

    def data(self, action: str, arg: str = "") -> str:
        return encode(self.state.tag, self.seq, action, arg)

    def btn(self, key: str, action: str, arg: str = "") -> Button:
        return Button(self.kb.button(key, self.state.lang), self.data(action, arg))

    def say(self, text: str, *rows: list[Button] | tuple[Button, ...]) -> None:
        buttons = tuple(tuple(r) for r in rows if r)
        if buttons:
            self._buttons_sent = True
        self.replies.append(Reply(text, buttons))

    def event(self, kind: str, **data: object) -> None:
        self.events.append({"kind": kind, **data})

    def outcome(self) -> Outcome:
        if self._buttons_sent:
            self.state.seq = self.seq
        return Outcome(self.state, tuple(self.replies), tuple(self.events), self.forget)

    def when(self, dt: datetime) -> datetime:
        return dt  # kb.message writes it the way the user's language writes dates

    def bullets(self, items: list[str]) -> str:
        return "\n".join(self.msg("list_item", item=i) for i in items) or self.msg("nothing")

    def listing(self, items: list[str]) -> str:
        return self.msg("list_separator").join(items) or self.msg("nothing")

    def span(self, days: tuple[int, int]) -> str:
        return self.msg("range", low=days[0], high=days[1])

    def result_pending(self) -> bool:
        """Is the bot waiting to hear how a submission or review went?"""
        return self.state.phase == AWAITING_RESULT or self.state.asked_result

    def pending_attempt(self) -> Attempt | None:
        case = self.state.case
        if case and case.status == "open" and case.attempts and case.attempts[-1].outcome == "pending":
            return case.attempts[-1]
        return None

    def checkin(self, due: datetime, kind: str, key: str = "checkin_on") -> str:
        """Schedule a follow-up if check-ins are on; return the sentence that says so."""
        if not self.state.followups_enabled:
            return self.msg("followup_off")
        self.state.followup = Followup(due=iso(due), kind=kind)
        return self.msg(key, when=self.when(due))

    def reason(self) -> Reason | None:
        return self.kb.reasons.get(self.state.reason or "")

    def step(self) -> Step | None:
        reason = self.reason()
        return reason.step(self.state.step or "") if reason else None

    def case(self) -> Case:
        if self.state.case is None or self.state.case.status != "open":
            self.state.cases_opened += 1
            self.state.case = Case(number=self.state.cases_opened, opened_at=iso(self.now))
            self.event("case_opened", case=self.state.case.number)
        return self.state.case

    def title(self, reason_id: str) -> str:
        reason = self.kb.reasons.get(reason_id)
        return reason.title.get(self.state.lang) if reason else reason_id

    # -- entry ---------------------------------------------------------------------------
    def dispatch(self, event: Event) -> None:
        if self.lang:
            self.state.lang = self.lang
        if isinstance(event, FollowupDue):
            self.on_followup(event)
            return
        if self.flooded():
            return
        if not self.state.started:
            self.state.started = True
            self.event("conversation_started")
        if self.repair_state() and isinstance(event, ButtonPress):
            self.render_current()  # the pressed button belonged to the old step
            return
        if isinstance(event, Command):
            self.on_command(event.name.lower().lstrip("/"), event.arg)
        elif isinstance(event, ButtonPress):
            self.on_button(event.data)
        elif isinstance(event, Attachment):
            self.on_attachment(event.kind)
        elif isinstance(event, TextMessage):
            self.on_text(event.text, event.forwarded)

    def flooded(self) -> bool:
        window = timedelta(seconds=self.policy.flood_window_seconds)
        start = self.state.flood_window
        if start is None or self.now - parse_iso(start) >= window:
            self.state.flood_window = iso(self.now)
            self.state.flood_count = 0
        self.state.flood_count += 1
        if self.state.flood_count <= self.policy.flood_messages:
            return False
        if self.state.flood_count == self.policy.flood_messages + 1:
            self.say(self.msg("flood"))
            self.event("flood")
        return True

    def repair_state(self) -> bool:
        """Bring a conversation back on track if the knowledge base changed under it.

        Return True when the user was moved (their step or reason no longer exists).
        """
        self.state.queue = [r for r in self.state.queue if r in self.kb.reasons]
        if self.state.phase != FIX:
            return False
        reason = self.reason()
        if reason is None:
            self.say(self.msg("knowledge_changed"))
            self.reset_position()
            return True
        self.state.back = [s for s in self.state.back if reason.step(s)]
        if self.step() is None:
            self.say(self.msg("knowledge_changed"))
            self.state.step = reason.start
            self.state.back = []
            return True
        return False

    def reset_position(self) -> None:
        self.state.phase = IDLE
        self.state.reason = None
        self.state.step = None
        self.state.back = []
        self.state.queue = []
        self.state.batch = []

    # -- commands ------------------------------------------------------------------------
    def on_command(self, name: str, arg: str) -> None:
        handler = {
            "start": self.cmd_start,
            "help": self.cmd_help,
            "reasons": self.show_reasons,
            "status": self.cmd_status,
            "resubmitted": self.resubmitted,
            "stop": self.cmd_stop,
            "forget": self.cmd_forget,
            "restart": self.cmd_restart,
        }.get(name)
        if handler is None:
            self.say(self.msg("unknown_command"), [self.btn("reasons", "L")])
            return
        self.event("command", name=name)
        handler()

    def cmd_start(self) -> None:
        self.state.followups_enabled = True  # /stop is undone by starting again
        self.say(self.msg("welcome"), [self.btn("reasons", "L")], *self.continue_row())
        self.say(self.msg("safety", **self.policy.links))

    def cmd_help(self) -> None:
        self.say(self.msg("help"), [self.btn("reasons", "L")], *self.continue_row())

    def cmd_status(self) -> None:
        case = self.state.case
        if case is None or case.status == "closed":
            self.say(self.msg("status_none"), [self.btn("reasons", "L")])
            return
        if case.status == "passed":
            self.say(self.msg("status_passed", attempts=len(case.attempts)), [self.btn("reasons", "L")])
            return
        step = self.step()
        followup = self.state.followup
        self.say(
            self.msg(
                "status_case",
                reasons=self.listing([self.title(r) for r in case.reasons]),
                step=self.step_label(step) if step else self.msg("nothing"),
                attempts=len(case.attempts),
                failures=case.failures,
                followup=(
                    self.when(parse_iso(followup.due))
                    if followup and self.state.followups_enabled
                    else self.msg("status_no_followup")
                ),
            ),
            [self.btn("case_summary", "S")],
            *self.continue_row(),
        )

    def cmd_stop(self) -> None:
        self.state.followups_enabled = False
        self.state.followup = None
        self.event("followups_stopped")
        self.say(self.msg("stopped"))

    def cmd_forget(self) -> None:
        if self.state.phase != CONFIRM_FORGET:
            self.state.resume_phase = self.state.phase
        self.state.phase = CONFIRM_FORGET
        self.say(
            self.msg("forget_confirm"),
            [self.btn("forget_yes", "f"), self.btn("forget_no", "F")],
        )

    def cmd_restart(self) -> None:
        if self.state.case and self.state.case.status == "open":
            self.state.case.status = "closed"
            self.state.case.closed_at = iso(self.now)
            self.event("case_closed", case=self.state.case.number, why="restart")
        self.state.followup = None
        self.state.followups_enabled = True
        self.reset_position()
        self.say(self.msg("restarted"), [self.btn("reasons", "L")])

    # -- free text -----------------------------------------------------------------------
    def on_text(self, raw: str, forwarded: bool) -> None:
        text = clean_text(raw)
        if not text or not any(ch.isalnum() for ch in text):
            self.say(self.msg("empty_message"), [self.btn("reasons", "L")], *self.continue_row())
            return
        limit = self.policy.max_message_chars
        if len(text) > limit:
            text = text[:limit]
            self.say(self.msg("too_long", limit=limit))
        if self.personal_data(text):
            self.say(self.msg("sensitive_data"))
            self.event("sensitive_data")
            text = redact(text)

        if self.state.phase == CONFIRM_FORGET:
            self.say(
                self.msg("use_buttons"),
                [self.btn("forget_yes", "f"), self.btn("forget_no", "F")],
            )
            return
        step = self.step() if self.state.phase == FIX else None
        if step is not None and step.is_question:
            index = self.option_for(step, text)
            if index is not None:
                self.choose_option(index)
                return
        if not forwarded and self.on_intent(self.engine.intent(text)):
            return
        result = self.engine.matcher.match(text)
        self.diagnose(result, text)

    def on_intent(self, intent: str | None) -> bool:
        """Act on a typed intent when it fits where the user is; False to carry on matching."""
        phase = self.state.phase
        step = self.step() if phase == FIX else None
        if intent == "resubmitted":
            self.resubmitted()
        elif intent in ("passed", "rejected_again", "still_waiting") and self.result_pending():
            self.on_result(intent)
        elif intent == "next" and step is not None and not step.is_question and not step.end:
            self.go_next()
        elif intent == "back" and phase == FIX and self.state.back:
            self.go_back()
        elif intent == "start_over":
            self.start_over()
        elif intent == "not_sure" and phase == CHOOSING:
            self.none_of_these()
        elif intent == "not_sure" and phase in (IDLE, AWAITING_NOTICE):
            self.show_topic("find_reason")
        elif intent == "greeting":
            self.say(self.msg("greeting_reply"), [self.btn("reasons", "L")], *self.continue_row())
        elif intent == "thanks":
            self.say(self.msg("thanks_reply"), *self.continue_row())
        else:
            return False
        return True

    def personal_data(self, text: str) -> bool:
        """Does the text carry the user's personal data? (Binance's own addresses in a
        forwarded email do not count.)"""
        official = self.engine.official_domains
        for f in find_sensitive(text):
            domain = text[f.start : f.end].rpartition("@")[2].lower()
            if not (f.kind == "email" and (domain in official or domain.endswith(tuple("." + d for d in official)))):
                return True
        return False

    def option_for(self, step: Step, text: str) -> int | None:
        """Return the option a typed answer names ("2", "name", "my own old account"), if any."""
        stripped = text.strip().rstrip(".)")
        if stripped.isdigit() and 1 <= int(stripped) <= len(step.options):
            return int(stripped) - 1
        clean = utils.default_process(text)
        if not clean or len(clean.split()) > 8:
            return None
        labels = [utils.default_process(o.label.get(self.state.lang)) for o in step.options]
        found = process.extractOne(clean, labels, scorer=fuzz.ratio, score_cutoff=self.policy.option_cutoff)
        if found is not None:
            return found[2]
        # a short answer whose words all appear in exactly one label: "name", "the us"
        words = {w for w in clean.split() if len(w) >= 3}
        if not words:
            return None
        hits = [i for i, label in enumerate(labels) if words <= set(label.split())]
        return hits[0] if len(hits) == 1 else None

    def diagnose(self, result: MatchResult, text: str) -> None:
        if not result.matches:
            self.unmatched(text, result)
            return
        candidates = [{"kind": m.kind, "id": m.id, "score": round(m.score, 1)} for m in result.matches[:3]]
        top = result.matches[0]
        if top.kind == "reason" and not result.ambiguous and self.pending_attempt() is not None:
            # a new rejection notice while we wait to hear how the submission went
            self.state.asked_result = False
            self.record_rejection()
            if self.after_failures():
                for m in result.matches:
                    if m.kind == "reason" and m.id not in self.case().reasons:
                        self.case().reasons.append(m.id)
                return
        if result.multi:
            reasons = [m.id for m in result.matches if m.kind == "reason"]
            self.event("diagnosed", reasons=reasons, multi=True, candidates=candidates)
            self.start_reasons(reasons)
            return
        if result.ambiguous and len(result.matches) > 1:
            self.event("ambiguous", candidates=candidates, text=text[:500])
            self.ask_choice(result)
            return
        if top.kind == "topic":
            self.show_topic(top.id)
        else:
            self.event("diagnosed", reasons=[top.id], multi=False, candidates=candidates)
            self.start_reasons([top.id])

    def unmatched(self, text: str, result: MatchResult) -> None:
        self.event("unmatched", text=text[:1000])
        step = self.step() if self.state.phase == FIX else None
        if step is not None:
            self.say(self.msg("use_buttons"))
            self.render_step()
            return
        self.say(self.msg("nothing_matched"))
        self.show_reasons()

    def ask_choice(self, result: MatchResult) -> None:
        self.state.phase = CHOOSING
        rows: list[list[Button]] = []
        for m in result.matches[:3]:
            if m.kind == "reason":
                label = self.title(m.id)
                rows.append([Button(label, self.data("r", m.id))])
            else:
                topic = self.kb.topics[m.id]
                rows.append([Button(topic.title.get(self.state.lang), self.data("t", m.id))])
        rows.append([self.btn("none_of_these", "x")])
        self.say(self.msg("ambiguous"), *rows)

    def none_of_these(self) -> None:
        self.event("none_of_these")
        self.state.phase = IDLE
        self.say(self.msg("pick_reason"), *self.reason_rows(), [self.btn("not_sure", "t", "find_reason")])

    # -- reasons and steps ---------------------------------------------------------------
    def start_reasons(self, reason_ids: list[str]) -> None:
        reasons = [r for r in dict.fromkeys(reason_ids) if r in self.kb.reasons]
        reasons.sort(key=lambda r: 0 if self.kb.reasons[r].severity == "severe" else 1)
        if not reasons:
            self.show_reasons()
            return
        case = self.case()
        for r in reasons:
            if r not in case.reasons:
                case.reasons.append(r)
        if len(reasons) > 1:
            titles = "\n".join(
                self.msg("numbered_item", number=i, item=self.title(r)) for i, r in enumerate(reasons, 1)
            )
            self.say(self.msg("diagnosis_multi", count=len(reasons), titles=titles))
        self.state.batch = reasons
        self.state.queue = reasons[1:]
        self.start_fix(reasons[0])

    def start_fix(self, reason_id: str) -> None:
        reason = self.kb.reasons[reason_id]
        key = "diagnosis_severe" if reason.severity == "severe" else "diagnosis"
        self.say(
            self.msg(
                key,
                title=reason.title.get(self.state.lang),
                share=f"{reason.share:g}",
                summary=reason.summary.get(self.state.lang),
            )
        )
        self.state.phase = FIX
        self.state.reason = reason_id
        self.state.step = reason.start
        self.state.back = []
        self.render_step()

    def step_label(self, step: Step) -> str:
        first = step.text.get(self.state.lang).strip().splitlines()[0]
        limit = self.policy.step_label_chars  # "truncated" adds "..."
        return first if len(first) <= limit else self.msg("truncated", text=first[: limit - 3].rstrip())

    def render_step(self) -> None:
        reason, step = self.reason(), self.step()
        if reason is None or step is None:
            self.show_reasons()
            return
        self.event("step", reason=reason.id, step=step.id)
        header = self.msg(
            "step_progress", title=reason.title.get(self.state.lang), position=len(self.state.back) + 1
        )
        text = f"{header}\n\n{step.text.get(self.state.lang)}"
        rows: list[list[Button]] = []
        if step.is_question:
            rows += [
                [Button(o.label.get(self.state.lang), self.data("o", option_arg(i, o)))]
                for i, o in enumerate(step.options)
            ]
        elif not step.end:
            rows.append([self.btn("next", "n")])
        else:
            rows += self.end_rows(step)
            if self.state.queue:
                nxt = self.state.queue[0]
                batch = self.state.batch or [self.state.reason or "", *self.state.queue]
                text += "\n\n" + self.msg(
                    "next_reason",
                    title=self.title(nxt),
                    position=batch.index(nxt) + 1 if nxt in batch else len(batch),
                    count=len(batch),
                )
        rows += [
            [Button(self.kb.topics[t].title.get(self.state.lang), self.data("t", t))]
            for t in step.topics
            if t in self.kb.topics
        ]
        nav = []
        if self.state.back:
            nav.append(self.btn("back", "b"))
        else:
            nav.append(self.btn("why", "y", reason.id))
        nav.append(self.btn("start_over", "s"))
        rows.append(nav)
        self.say(text, *rows)

    def end_rows(self, step: Step) -> list[list[Button]]:
        if self.state.queue:
            return [[self.btn("next_reason", "q")]]
        if step.end == "resubmit":
            return [[self.btn("resubmitted", "R")]]
        if step.end == "support":
            return [
                [self.btn("contact_support", "t", "contact_support"), self.btn("case_summary", "S")],
                [self.btn("resubmitted", "R")],
            ]
        return [[self.btn("reasons", "L")]]  # final

    def mark_done(self) -> None:
        if self.state.case is not None and self.state.reason and self.state.step:
            key = f"{self.state.reason}/{self.state.step}"
            if key not in self.state.case.steps_done:
                self.state.case.steps_done.append(key)

    def go_to(self, step_id: str) -> None:
        self.mark_done()
        self.state.back.append(self.state.step or "")
        self.state.step = step_id
        self.render_step()

    def go_next(self) -> None:
        reason, step = self.reason(), self.step()
        nxt = reason.next_step(step) if reason and step else None
        if nxt is None:
            self.render_current()
            return
        self.go_to(nxt)

    def go_back(self) -> None:
        if not self.state.back:
            self.render_current()
            return
        self.state.step = self.state.back.pop()
        self.render_step()

    def choose_option(self, index: int) -> None:
        step = self.step()
        if step is None or not (0 <= index < len(step.options)):
            self.say(self.msg("invalid_button"))
            self.render_current()
            return
        option = step.options[index]
        self.event("option", reason=self.state.reason, step=step.id, option=index)
        if option.topic:
            self.show_topic(option.topic)
        elif option.next:
            self.go_to(option.next)

    def press_option(self, arg: str) -> None:
        """Apply an option button, unless the knowledge base changed what it leads to."""
        step = self.step()
        index, _, target = arg.partition(":")
        if step is None or not index.isdigit() or int(index) >= len(step.options):
            self.event("invalid_button")
            self.say(self.msg("invalid_button"))
            self.render_current()
        elif option_arg(int(index), step.options[int(index)]) != arg:
            self.event("stale_button")
            self.say(self.msg("stale_button"))
            self.render_current()
        else:
            self.choose_option(int(index))

    def start_over(self) -> None:
        self.event("start_over", reason=self.state.reason, step=self.state.step)
        self.reset_position()
        self.say(self.msg("reasons_list"), *self.reason_rows())

    def next_reason(self) -> None:
        if not self.state.queue:
            self.render_current()
            return
        self.mark_done()
        self.start_fix(self.state.queue.pop(0))

    def why(self, reason_id: str) -> None:
        reason = self.kb.reasons.get(reason_id) or self.reason()
        if reason is None:
            self.show_reasons()
            return
        triggers = self.bullets([t.get(self.state.lang) for t in reason.triggers])
        self.say(
            self.msg("why", title=reason.title.get(self.state.lang), triggers=triggers),
            *self.continue_row(),
        )

    # -- topics and lists ----------------------------------------------------------------
    def show_topic(self, topic_id: str) -> None:
        topic = self.kb.topics.get(topic_id)
        if topic is None:
            self.say(self.msg("invalid_button"))
            self.render_current()
            return
        self.event("topic", id=topic_id)
        if self.state.phase == CHOOSING:
            self.state.phase = IDLE
        text = self.msg("topic_answer", title=topic.title.get(self.state.lang), answer=topic.answer.get(self.state.lang))
        rows = [
            [Button(self.kb.topics[t].title.get(self.state.lang), self.data("t", t))]
            for t in topic.related
            if t in self.kb.topics
        ]
        resume = self.continue_row()
        if resume:
            text += "\n\n" + self.msg("topic_resume", title=self.title(self.state.reason or ""))
        self.say(text, *rows, *(resume or [[self.btn("reasons", "L")]]))

    def continue_row(self) -> list[list[Button]]:
        """A "continue where we were" button when there is somewhere to go back to."""
        if self.state.phase == FIX and self.step() is not None:
            return [[self.btn("continue", "c")]]
        return []

    def reason_rows(self) -> list[list[Button]]:
        return [
            [Button(r.title.get(self.state.lang), self.data("r", r.id))]
            for r in sorted(self.kb.reasons.values(), key=lambda r: -r.share)
        ]

    def show_reasons(self) -> None:
        self.say(self.msg("reasons_list"), *self.reason_rows(), [self.btn("not_sure", "t", "find_reason")])

    def render_current(self) -> None:
        """Show the user where they are: the step, the pending question, or the list."""
        phase = self.state.phase
        if phase == FIX and self.step() is not None:
            self.render_step()
        elif phase == AWAITING_RESULT:
            self.ask_result()
        elif phase == CONFIRM_FORGET:
            self.cmd_forget()
        else:
            self.show_reasons()

    # -- buttons -------------------------------------------------------------------------
    def on_button(self, data: str) -> None:
        parsed = decode(data)
        if parsed is None or parsed.tag != self.state.tag:
            self.event("invalid_button")
            self.say(self.msg("invalid_button"))
            self.render_current()
            return
        seq, action, arg = parsed.seq, parsed.action, parsed.arg
        if action not in STATELESS_ACTIONS and seq != self.state.seq:
            self.event("stale_button")
            self.say(self.msg("stale_button"))
            self.render_current()
            return
        self.event("button", action=action)
        phase = self.state.phase
        if action == "n" and phase == FIX:
            self.go_next()
        elif action == "b" and phase == FIX:
            self.go_back()
        elif action == "o" and phase == FIX:
            self.press_option(arg)
        elif action == "r" and arg in self.kb.reasons:
            self.start_reasons([arg])
        elif action == "t" and arg in self.kb.topics:
            self.show_topic(arg)
        elif action == "L":
            self.show_reasons()
        elif action == "S":
            self.case_summary()
        elif action == "y":
            self.why(arg)
        elif action == "s":
            self.start_over()
        elif action == "R":
            self.resubmitted()
        elif action in "pjw" and self.result_pending():
            self.on_result({"p": "passed", "j": "rejected_again", "w": "still_waiting"}[action])
        elif action == "f" and phase == CONFIRM_FORGET:
            self.do_forget()
        elif action == "F" and phase == CONFIRM_FORGET:
            self.state.phase = self.state.resume_phase or IDLE
            self.say(self.msg("forget_cancelled"), *self.continue_row())
        elif action == "c":
            self.render_current()
        elif action == "x" and phase == CHOOSING:
            self.none_of_these()
        elif action == "q" and phase == FIX:
            self.next_reason()
        else:
            self.event("invalid_button")
            self.say(self.msg("invalid_button"))
            self.render_current()

    def on_attachment(self, kind: str) -> None:
        self.event("attachment", type=kind)
        self.say(self.msg("attachment"), *(self.continue_row() or [[self.btn("reasons", "L")]]))

    # -- resubmission and follow-ups -----------------------------------------------------
    def resubmitted(self) -> None:
        case = self.case()
        self.mark_done()
        if self.pending_attempt() is None:
            case.attempts.append(Attempt(at=iso(self.now), reasons=list(case.reasons)))
            self.event("resubmitted", attempt=len(case.attempts), reasons=list(case.reasons))
        self.reset_position()
        self.state.phase = AWAITING_RESULT
        due = self.now + timedelta(hours=self.policy.followup_after_resubmit_hours)
        checkin = self.checkin(due, "result", "followup_planned")
        key = "resubmitted" if case.reasons else "resubmitted_no_case"
        self.say(self.msg(key, attempt=len(case.attempts)) + "\n\n" + checkin)

    def on_followup(self, event: FollowupDue) -> None:
        followup = self.state.followup
        if followup is None or not self.state.followups_enabled or followup.due != iso(event.due_at):
            return  # cancelled or replaced since it was scheduled
        self.state.followup = None
        if self.state.phase in (FIX, CONFIRM_FORGET):
            self.state.asked_result = True  # keep their place: they can answer when ready
        else:
            self.state.phase = AWAITING_RESULT
        self.event("followup_sent", type=followup.kind)
        late = self.now - event.due_at > timedelta(minutes=self.policy.followup_late_after_minutes)
        if late:
            self.say(self.msg("followup_late"))
        self.ask_result()

    def ask_result(self) -> None:
        self.say(
            self.msg("followup_question"),
            [self.btn("passed", "p")],
            [self.btn("rejected_again", "j")],
            [self.btn("still_waiting", "w")],
        )

    def on_result(self, result: str) -> None:
        """The user says how their submission (or manual review) went."""
        case = self.case()
        pending = self.pending_attempt()
        self.state.asked_result = False
        if result == "still_waiting":
            self.event("outcome", outcome="waiting", attempt=len(case.attempts))
            due = self.now + timedelta(hours=self.policy.followup_still_waiting_hours)
            self.say(self.msg("still_waiting") + " " + self.checkin(due, "result"))
            return
        self.state.followup = None
        if result == "passed":
            if pending is not None:
                pending.outcome = "passed"
            case.status = "passed"
            case.closed_at = iso(self.now)
            self.event("outcome", outcome="passed", attempt=len(case.attempts), reasons=list(case.reasons))
            self.reset_position()
            self.say(self.msg("passed"))
            return
        self.record_rejection()
        self.reset_position()
        if not self.after_failures():
            self.state.phase = AWAITING_NOTICE
            self.say(self.msg("rejected_again", failures=case.failures), [self.btn("reasons", "L")])

    def record_rejection(self) -> None:
        """Count a rejection: of the submission waiting for its result, or of a manual review."""
        case = self.case()
        pending = self.pending_attempt()
        if pending is None:  # a manual review failed: that is a rejection too
            pending = Attempt(at=iso(self.now), reasons=list(case.reasons))
            case.attempts.append(pending)
        pending.outcome = "rejected"
        self.event(
            "outcome",
            outcome="rejected",
            attempt=len(case.attempts),
            failures=case.failures,
            reasons=list(case.reasons),
        )

    def after_failures(self) -> bool:
        """Apply the attempt rules (manual review, lock); True when they decide what comes next."""
        case = self.case()
        failures = case.failures
        if failures >= self.policy.lock_after:
            self.state.phase = AWAITING_NOTICE
            self.state.followup = None
            self.event("lock_risk", failures=failures)
            self.say(self.msg("lock_risk", failures=failures))
            self.case_summary()
            return True
        if failures >= self.policy.manual_review_after:
            self.state.phase = AWAITING_RESULT
            self.event("manual_review", failures=failures)
            due = self.now + timedelta(days=self.policy.followup_manual_review_days)
            self.say(
                self.msg(
                    "manual_review",
                    failures=failures,
                    standard=self.span(self.policy.review_standard_days),
                    complex=self.span(self.policy.review_complex_days),
                    extreme=self.policy.review_extreme_days,
                )
                + "\n\n"
                + self.checkin(due, "review"),
                [self.btn("manual_review", "t", "manual_review")],
                [self.btn("case_summary", "S")],
            )
            return True
        return False

    # -- case summary and forgetting -----------------------------------------------------
    def summary_text(self) -> str:
        case = self.state.case
        if case is None:
            return self.msg("status_none")
        outcomes = {
            "pending": self.msg("outcome_pending"),
            "passed": self.msg("outcome_passed"),
            "rejected": self.msg("outcome_rejected"),
        }
        steps = []
        for key in case.steps_done:
            reason_id, _, step_id = key.partition("/")
            reason = self.kb.reasons.get(reason_id)
            step = reason.step(step_id) if reason else None
            if reason and step:
                steps.append(self.msg("summary_step", title=reason.title.get(self.state.lang), step=self.step_label(step)))
        lines = [
            self.msg("summary_header"),
            self.msg("summary_reasons", reasons=self.listing([self.title(r) for r in case.reasons])),
            self.msg("summary_steps", steps="\n".join(steps) or self.msg("nothing")),
            self.msg(
                "summary_attempts",
                attempts="\n".join(
                    self.msg(
                        "summary_attempt_line",
                        number=i,
                        date=self.when(parse_iso(a.at)),
                        outcome=outcomes.get(a.outcome, a.outcome),
                    )
                    for i, a in enumerate(case.attempts, 1)
                )
                or self.msg("nothing"),
            ),
        ]
        return "\n".join(lines)

    def case_summary(self) -> None:
        self.event("case_summary")
        self.say(
            self.msg("case_summary", summary=self.summary_text()),
            [self.btn("contact_support", "t", "contact_support")],
        )

    def do_forget(self) -> None:
        self.event("forget")
        self.forget = True
        self.state = State(lang=self.state.lang, tag=self.state.tag)
        self.say(self.msg("forgotten"))
