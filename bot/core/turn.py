"""One turn of a conversation: the state being changed, the replies and events being collected.

Every concern of the engine (`bot.core.commands`, `.fix`, `.case`, `.followups`, ...) is a set of
functions that take the `Turn`; none of them keeps anything between turns except in `state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core import journal
from bot.core.events import Button, Reply
from bot.core.payload import encode
from bot.core.state import FIX, RESTART, Case, State, iso
from bot.core.zones import zone
from bot.knowledge.model import KnowledgeBase, Policy, Reason, Step, Text

#: messages that go after everything else said in their turn (their buttons last)
TRAILING = frozenset({"rejection_noted"})

if TYPE_CHECKING:
    from bot.core.engine import Engine

Rows = list[list[Button]]


@dataclass
class Turn:
    engine: Engine
    state: State
    now: datetime
    hint_lang: str | None = None  # the client's language (Telegram `language_code`)
    replies: list[Reply] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    forget: bool = False
    _buttons_sent: bool = False
    _keys: list[str] = field(default_factory=list)  # message keys rendered since the last reply
    keep_buttons: bool = False  # the replies only comment: typed numbers still press the old ones
    count_said: int | None = None  # "failed 3 times" in this turn's message: no need to ask it
    count_least: bool = False  # "failed again": at least twice, how many more still to ask
    #: the message a fix starts from: a question whose answer it already says (an option's
    #: `said:` phrases, "I turned 18 last week") is answered from it, once
    text_said: str | None = None
    #: the message only asks about a reason ("im 17, can I do KYC?"): a case opened from it
    #: counts no failed attempt
    asked_only: bool = False
    #: the message tells a first submission ("впервые отправил заявку"): none was refused before
    first_submission: bool = False
    #: this turn took back an "it passed" ("wrong button, it was rejected"): its "wrong
    #: button" is not about the resubmission it reopened
    pass_undone: bool = False
    going_back: bool = False  # the user pressed Back: a question is asked, not answered for them
    _clauses: tuple[str, list[str]] | None = None  # the clause intents of this turn's message
    #: the topic the previous turn answered (`State.last_topic`, cleared for this turn's own)
    topic_before: str | None = None
    said_lang: str | None = None  # the language this turn's message is written in, if known
    #: the open case's failures before this turn ("2 more times" counts from these)
    failures_before: int = 0

    def __post_init__(self) -> None:
        self.topic_before, self.state.last_topic = self.state.last_topic, None
        case = self.open_case()
        self.failures_before = case.failures if case is not None else 0

    def clause_intents(self, text: str) -> list[str]:
        """`Engine.clause_intents(text)`, read once per turn (several rules ask)."""
        if self._clauses is None or self._clauses[0] != text:
            self._clauses = (text, self.engine.clause_intents(text))
        return self._clauses[1]

    # -- knowledge -----------------------------------------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        return self.engine.kb

    @property
    def policy(self) -> Policy:
        return self.kb.policy

    @property
    def lang(self) -> str | None:
        return self.state.lang

    def msg(self, key: str, **values: object) -> str:
        """Message `key` in the user's language; datetimes in `values` in their time zone."""
        self._keys.append(key)
        return self.kb.message(key, self.lang, tz=zone(self.state.tz), **values)

    def text(self, text: Text) -> str:
        return text.get(self.lang)

    def topic_for(self, role: str) -> str | None:
        """The topic id `policy.yaml` names for a dialogue role, if that topic exists."""
        tid = self.policy.topics.get(role)
        return tid if tid in self.kb.topics else None

    def reason(self) -> Reason | None:
        return self.kb.reasons.get(self.state.reason or "")

    def step(self) -> Step | None:
        reason = self.reason()
        return reason.step(self.state.step or "") if reason else None

    def current_step(self) -> Step | None:
        """The step the user is on, if they are walking through a fix."""
        return self.step() if self.state.phase == FIX else None

    def title(self, reason_id: str) -> str:
        reason = self.kb.reasons.get(reason_id)
        return self.text(reason.title) if reason else reason_id

    # -- the case ------------------------------------------------------------------------
    def open_case(self) -> Case | None:
        case = self.state.case
        return case if case is not None and case.is_open else None

    def failures_said(self, text: str) -> int | None:
        """How many times the message says verification failed in all: "failed 3 times" is 3,
        "failed 2 more times" two more than the open case counts already."""
        count = self.engine.count(text)
        if count is not None and self.failures_before and self.engine.count_is_more(text):
            return self.failures_before + count
        return count

    def case(self) -> Case:
        """The open case, or a new one."""
        case = self.open_case()
        if case is None:
            last = self.state.case
            self.state.cases_opened += 1
            case = Case(number=self.state.cases_opened, opened_at=iso(self.now),
                        earlier=None if last is None or last.asked else last.dead_end or (
                            last.earlier if last.closed_why == RESTART else None))
            self.state.case = case
            journal.record(self, journal.CASE_OPENED, case=case.number)
        return case

    # -- replies -------------------------------------------------------------------------
    @property
    def seq(self) -> int:
        return self.state.seq + 1

    def data(self, action: str, arg: str = "") -> str:
        return encode(self.state.tag, self.seq, action, arg)

    def btn(self, key: str, action: str, arg: str = "", **values: object) -> Button:
        return Button(self.kb.button(key, self.lang, **values), self.data(action, arg), key)

    def topic_btn(self, topic_id: str) -> Button:
        topic = self.kb.topics[topic_id]
        return Button(self.text(topic.title), self.data("t", topic_id), f"topic:{topic_id}")

    def topic_rows(self, topic_ids: tuple[str, ...] | list[str]) -> Rows:
        return [[self.topic_btn(t)] for t in topic_ids if t in self.kb.topics]

    def role_rows(self, *roles: str) -> Rows:
        return self.topic_rows([t for r in roles if (t := self.topic_for(r))])

    def reason_btn(self, reason_id: str) -> Button:
        return Button(self.title(reason_id), self.data("r", reason_id), f"reason:{reason_id}")

    def say(self, text: str, *rows: list[Button] | tuple[Button, ...]) -> None:
        """Send `text` with rows of buttons; a button that leads where an earlier one on the
        same message leads is dropped (two buttons, one answer, is confusing)."""
        seen: set[str] = set()
        buttons: list[tuple[Button, ...]] = []
        for row in rows:
            kept = []
            for b in row:
                target = b.data.split("|", 2)[-1]  # action|arg
                if target not in seen:
                    seen.add(target)
                    kept.append(b)
            if kept:
                buttons.append(tuple(kept))
        if buttons:
            self._buttons_sent = True
        self.replies.append(Reply(text, tuple(buttons), tuple(reversed(self._keys))))
        self._keys = []

    def reply(self, key: str, *rows: list[Button] | tuple[Button, ...], **values: object) -> None:
        """Say the message `key` (filled with `values`) with rows of buttons."""
        self.say(self.msg(key, **values), *rows)

    def outcome_state(self) -> State:
        # a note with a way back ("counted as attempt 2's refusal [Not new]") goes after the
        # fix it came with: "1", typed for the step's first option, must not undo the count
        self.replies.sort(key=lambda r: bool(r.keys) and r.keys[0] in TRAILING)
        if self._buttons_sent:
            self.state.seq = self.seq
        if self.replies and not self.keep_buttons:  # what typed numbers press: this turn's
            # buttons, in order, as "action|arg" (the tag and sequence are the state's own)
            self.state.last_buttons = [
                b.data.split("|", 2)[2] for r in self.replies for row in r.buttons for b in row
            ]
            self.state.last_labels = [b.label for r in self.replies for row in r.buttons for b in row]
        return self.state
