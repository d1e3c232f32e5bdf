"""The loaded knowledge base: frozen dataclasses, built by `bot.knowledge.loader` from `knowledge/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from types import MappingProxyType
from typing import Literal

from bot.knowledge import contract, render
from bot.knowledge.policy import Policy
from bot.knowledge.render import DEFAULT_LANG

Severity = Literal["minor", "normal", "severe"]
#: What the last step of a fix offers: resubmit (the "I've resubmitted" button),
#: support (contact support; still offers resubmitting), final (nothing left to try here).
EndKind = Literal["resubmit", "support", "final"]
END_KINDS: tuple[str, ...] = ("resubmit", "support", "final")
#: Why a case can be closed by a fix's last step (`closes:` on an `end: final` step).
CLOSURES: tuple[str, ...] = ("permanent_rejection", "region_unavailable", "underage", "severe_violation",
                             "old_account")
#: Where a topic's facts come from (`source:` in a topic file): the guide, or general advice.
PROVENANCES: tuple[str, ...] = ("guide", "general")


@dataclass(frozen=True)
class Source:
    """Where a piece of knowledge was written: for `file:line` messages."""

    path: str
    line: int
    lang: str = "en"  # the language of the text written there (overlays: their folder's)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def _no_plurals() -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Text:
    """A user-facing text in one or more languages; `get` falls back to the default language.

    A text may have plural forms in some languages (`plurals[lang]`: CLDR category -> text, e.g.
    {"one": ..., "other": ...}); `by_lang[lang]` then holds its `other` form.
    """

    by_lang: Mapping[str, str]
    plurals: Mapping[str, Mapping[str, str]] = field(default_factory=_no_plurals)

    @classmethod
    def plain(cls, text: str) -> Text:
        return cls(MappingProxyType({DEFAULT_LANG: text}))

    def resolve(self, lang: str | None = None) -> str:
        """Return the language whose text `get(lang)` returns ("pt-br" falls back to "pt")."""
        if lang:
            lang = lang.lower()
            if lang in self.by_lang:
                return lang
            base = lang.split("-")[0].split("_")[0]
            if base in self.by_lang:
                return base
        if DEFAULT_LANG in self.by_lang:
            return DEFAULT_LANG
        return next(iter(self.by_lang), DEFAULT_LANG)

    def get(self, lang: str | None = None) -> str:
        """Return the text in `lang` ("pt-br" falls back to "pt"), else in the default language."""
        return self.by_lang.get(self.resolve(lang), "")

    def for_count(self, lang: str | None, count: float) -> str:
        """Return the form of the text that `count` needs in `lang` (or its fallback language)."""
        used = self.resolve(lang)
        forms = self.plurals.get(used)
        if not forms:
            return self.by_lang.get(used, "")
        return forms.get(render.plural_category(used, count), forms["other"])

    def forms(self) -> list[str]:
        """Return every written text: each language, each plural form."""
        out = list(self.by_lang.values())
        for forms in self.plurals.values():
            out.extend(forms.values())
        return out

    def placeholders(self) -> set[str]:
        """Return the `{name}` placeholders used in any language or form."""
        names: set[str] = set()
        for text in self.forms():
            names |= render.placeholders(text)
        return names

    def render(
        self,
        lang: str | None,
        values: Mapping[str, object],
        count: float | None = None,
        tz: str | tzinfo | None = None,
    ) -> str:
        """Return the text in `lang` with `values` filled in and formatted for that language.

        `count` picks the plural form; datetimes are shown in time zone `tz` (default UTC).
        """
        used = self.resolve(lang)
        template = self.for_count(used, count) if count is not None else self.get(used)
        return render.fill(template, used, values, tz)

    def format(self, lang: str | None = None, **values: object) -> str:
        return self.render(lang, values)

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Phrasing:
    """How people and platforms word one reason or topic in one language: matching data.

    English comes from the base file (`Reason.examples`...), every other language from its
    overlay in `knowledge/i18n/<lang>/`; overlay entries are added to the English ones.
    """

    lang: str
    examples: tuple[str, ...] = ()
    example_sources: tuple[Source, ...] = ()
    notices: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    negative_keywords: tuple[str, ...] = ()


def _no_overlays() -> Mapping[str, Phrasing]:
    return MappingProxyType({})


class _Phrased:
    """`phrasing(lang)` and `phrasings()` for reasons and topics (English from the base fields)."""

    overlays: Mapping[str, Phrasing]

    def phrasing(self, lang: str = DEFAULT_LANG) -> Phrasing:
        """Return this entry's matching data in `lang` (empty when that language has none)."""
        if lang == DEFAULT_LANG:
            return Phrasing(
                lang=DEFAULT_LANG,
                examples=self.examples,  # type: ignore[attr-defined]
                example_sources=self.example_sources,  # type: ignore[attr-defined]
                notices=getattr(self, "notices", ()),
                keywords=self.keywords,  # type: ignore[attr-defined]
                negative_keywords=self.negative_keywords,  # type: ignore[attr-defined]
            )
        return self.overlays.get(lang) or Phrasing(lang=lang)

    def phrasings(self) -> tuple[Phrasing, ...]:
        """Return the matching data of every language, English first."""
        return (self.phrasing(DEFAULT_LANG), *(self.overlays[k] for k in sorted(self.overlays)))


@dataclass(frozen=True)
class Option:
    """A button on a question step: go to another step, or show a topic."""

    label: Text
    next: str | None = None
    topic: str | None = None
    source: Source | None = None
    #: the answer to "how many times has it failed?": the failed attempts it means, (low, high)
    failures: tuple[int, int] | None = None
    #: phrases per language that, said in a message, give this answer ("turned 18", "满18了"):
    #: the question is then not asked (`said:` in the reason file, its overlays)
    said: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: other reasons this answer explains, when a message says both ("my age does not meet the
    #: requirements, but I'm 25: I typed my birthday wrong" is the underage notice, answered
    #: "I typed my birth date wrong", not a mismatch besides): `covers:` in the reason file
    covers: tuple[str, ...] = ()


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
    #: a short name for the step ("Retake the photo"), shown in /status and the case summary
    title: Text | None = None
    #: on an `end: final` step: the case is closed for this reason (see CLOSURES)
    closes: str | None = None

    @property
    def is_question(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class Reason(_Phrased):
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
    overlays: Mapping[str, Phrasing] = field(default_factory=_no_overlays)

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
class Topic(_Phrased):
    id: str
    title: Text
    answer: Text
    keywords: tuple[str, ...]
    negative_keywords: tuple[str, ...]
    examples: tuple[str, ...]
    example_sources: tuple[Source, ...]
    related: tuple[str, ...]
    source: Source
    overlays: Mapping[str, Phrasing] = field(default_factory=_no_overlays)
    #: `source:` in the file: "guide" (facts from the guide) or "general" (advice the guide lacks)
    provenance: str = "guide"


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
    #: typed phrases per intent, every language together (English first)
    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: `sources:` of messages.yaml: message key -> "general" for advice the guide lacks
    message_sources: Mapping[str, str] = field(default_factory=dict)
    root: str = ""
    warnings: tuple[str, ...] = field(default=())
    #: what knowledge/i18n/<lang>/ adds, per language (English lives in the fields above)
    negative_overlays: Mapping[str, Phrasing] = field(default_factory=_no_overlays)
    matching_overlays: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    intent_overlays: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    #: languages with an overlay folder, after the default language: ("en", "ru", "zh")
    languages: tuple[str, ...] = (DEFAULT_LANG,)
    #: knowledge/scope/<lang>.yaml: (language, message, about a verification?) for the scope model
    scope: tuple[tuple[str, str, bool], ...] = ()

    def message(
        self, key: str, lang: str | None = None, *, tz: str | tzinfo | None = None,
        **values: object,
    ) -> str:
        """Return message `key` in `lang` (English where untranslated) with `values` filled in.

        Datetimes and numbers are written the way `lang` writes them (dates in time zone `tz`,
        UTC by default); a message with plural forms picks the one its count needs (the count
        is the placeholder `contract.PLURAL_COUNTS` names for it).
        """
        name = contract.PLURAL_COUNTS.get(key)
        count = values.get(name) if name else None
        if not isinstance(count, int | float) or isinstance(count, bool):
            count = None
        return self.messages[key].render(lang, values, count, tz)

    def button(self, key: str, lang: str | None = None, **values: object) -> str:
        return self.buttons[key].format(lang, **values)

    def negatives_in(self, lang: str = DEFAULT_LANG) -> Phrasing:
        """Return negatives.yaml's examples in `lang` (overlay languages: only their own)."""
        if lang == DEFAULT_LANG:
            return Phrasing(DEFAULT_LANG, self.negatives, self.negative_sources)
        return self.negative_overlays.get(lang) or Phrasing(lang)

    def matching_in(self, lang: str = DEFAULT_LANG) -> Mapping[str, object]:
        """Return matching.yaml's word lists in `lang` (overlay languages: only their own)."""
        if lang == DEFAULT_LANG:
            return self.matching
        return self.matching_overlays.get(lang, MappingProxyType({}))

    @property
    def example_count(self) -> int:
        return (
            sum(len(r.examples) for r in self.reasons.values())
            + sum(len(t.examples) for t in self.topics.values())
            + len(self.negatives)
        )

    @property
    def overlay_example_count(self) -> int:
        """Examples written in knowledge/i18n/ (all languages but the default one)."""
        return (
            sum(len(p.examples) for r in self.reasons.values() for p in r.overlays.values())
            + sum(len(p.examples) for t in self.topics.values() for p in t.overlays.values())
            + sum(len(p.examples) for p in self.negative_overlays.values())
        )
