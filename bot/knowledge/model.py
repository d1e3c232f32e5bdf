"""The loaded knowledge base: frozen dataclasses, built by `bot.knowledge.loader` from `knowledge/`."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

DEFAULT_LANG = "en"

Severity = Literal["normal", "severe"]
#: What the last step of a fix offers: resubmit (the "I've resubmitted" button),
#: support (contact support; still offers resubmitting), final (nothing left to try here).
EndKind = Literal["resubmit", "support", "final"]
END_KINDS: tuple[str, ...] = ("resubmit", "support", "final")


@dataclass(frozen=True)
class Source:
    """Where a piece of knowledge was written: for `file:line` messages."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Text:
    """A user-facing text in one or more languages; `get` falls back to the default language."""

    by_lang: Mapping[str, str]

    @classmethod
    def plain(cls, text: str) -> Text:
        return cls(MappingProxyType({DEFAULT_LANG: text}))

    def get(self, lang: str | None = None) -> str:
        """Return the text in `lang` ("pt-br" falls back to "pt"), else in the default language."""
        if lang:
            lang = lang.lower()
            if lang in self.by_lang:
                return self.by_lang[lang]
            base = lang.split("-")[0].split("_")[0]
            if base in self.by_lang:
                return self.by_lang[base]
        if DEFAULT_LANG in self.by_lang:
            return self.by_lang[DEFAULT_LANG]
        return next(iter(self.by_lang.values()), "")

    def placeholders(self) -> set[str]:
        """Return the `{name}` placeholders used in any language."""
        names: set[str] = set()
        for text in self.by_lang.values():
            for _, name, _, _ in string.Formatter().parse(text):
                if name:
                    names.add(name)
        return names

    def format(self, lang: str | None = None, **values: object) -> str:
        return self.get(lang).format_map(_Defaulting(values))

    def __str__(self) -> str:
        return self.get()


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Option:
    """A button on a question step: go to another step, or show a topic."""

    label: Text
    next: str | None = None
    topic: str | None = None
    source: Source | None = None


@dataclass(frozen=True)
class Step:
    """One node of a reason's fix.

    A step with `options` is a question; without, the user presses "Next" and goes to `next`
    (by default the following step in the file). A step with `end` finishes the fix.
    """

    id: str
    text: Text
    options: tuple[Option, ...] = ()
    next: str | None = None
    end: str | None = None
    topics: tuple[str, ...] = ()
    source: Source | None = None

    @property
    def is_question(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class Reason:
    id: str
    title: Text
    share: float
    severity: str
    summary: Text
    triggers: tuple[Text, ...]
    notices: tuple[str, ...]
    keywords: tuple[str, ...]
    negative_keywords: tuple[str, ...]
    examples: tuple[str, ...]
    example_sources: tuple[Source, ...]
    steps: tuple[Step, ...]
    start: str
    support: Text
    source: Source

    def step(self, step_id: str) -> Step | None:
        return self._steps_by_id.get(step_id)

    @property
    def _steps_by_id(self) -> Mapping[str, Step]:
        cache = self.__dict__.get("_steps_cache")
        if cache is None:
            cache = {s.id: s for s in self.steps}
            object.__setattr__(self, "_steps_cache", cache)
        return cache

    def next_step(self, step: Step) -> str | None:
        """Return the id of the step after `step` on a linear path (None at the end)."""
        if step.end or step.is_question:
            return None
        if step.next:
            return step.next
        ids = [s.id for s in self.steps]
        i = ids.index(step.id)
        return ids[i + 1] if i + 1 < len(ids) else None


@dataclass(frozen=True)
class Topic:
    id: str
    title: Text
    answer: Text
    keywords: tuple[str, ...]
    negative_keywords: tuple[str, ...]
    examples: tuple[str, ...]
    example_sources: tuple[Source, ...]
    related: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class Policy:
    """Numbers the dialogue and matcher use; see knowledge/policy.yaml."""

    manual_review_after: int
    lock_after: int
    followup_after_resubmit_hours: float
    followup_still_waiting_hours: float
    followup_manual_review_days: float
    followup_late_after_minutes: float
    review_standard_days: tuple[int, int]
    review_complex_days: tuple[int, int]
    review_extreme_days: int
    retention_days: int
    max_message_chars: int
    flood_messages: int
    flood_window_seconds: float
    intent_cutoff: float  # how close (0-100) a short message must be to an intent phrase
    intent_max_words: int  # longer messages are never read as an intent
    option_cutoff: float  # how close a typed answer must be to an option's label
    matching: Mapping[str, float]
    links: Mapping[str, str]


@dataclass(frozen=True)
class KnowledgeBase:
    reasons: Mapping[str, Reason]
    topics: Mapping[str, Topic]
    negatives: tuple[str, ...]
    negative_sources: tuple[Source, ...]
    messages: Mapping[str, Text]
    buttons: Mapping[str, Text]
    commands: Mapping[str, Text]
    matching: Mapping[str, object]  # knowledge/matching.yaml as read; the matcher checks it
    policy: Policy
    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    root: str = ""
    warnings: tuple[str, ...] = field(default=())

    def message(self, key: str, lang: str | None = None, **values: object) -> str:
        return self.messages[key].format(lang, **values)

    def button(self, key: str, lang: str | None = None, **values: object) -> str:
        return self.buttons[key].format(lang, **values)

    @property
    def example_count(self) -> int:
        return (
            sum(len(r.examples) for r in self.reasons.values())
            + sum(len(t.examples) for t in self.topics.values())
            + len(self.negatives)
        )
