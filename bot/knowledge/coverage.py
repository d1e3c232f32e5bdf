"""How completely each language covers the knowledge base: texts translated, examples written.

`validate` prints this as a table; `validate --missing LANG` lists the untranslated texts. A
missing text is not an error (the bot falls back to English per text); it is work to do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase, Text

MIN_EXAMPLES = 25  # examples per reason in English (fewer: a warning)

#: examples an overlay language should have (knowledge/README.md, "Adding a language");
#: English has its own minimum per reason (`MIN_EXAMPLES`, a warning) and none for the others
REASON_EXAMPLES = 40
TOPIC_EXAMPLES = 12
NEGATIVE_EXAMPLES = 80


@dataclass(frozen=True)
class LangCoverage:
    """One language's share of the knowledge base."""

    lang: str
    total: int  # texts in the base
    missing: tuple[str, ...]  # where each untranslated text is, e.g. "messages.yaml: welcome"
    reason_examples: Mapping[str, int]  # reason id -> examples in this language
    topic_examples: Mapping[str, int]
    negatives: int

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def short(self, kind: str, count: int) -> bool:
        """Whether `count` examples of `kind` (reason, topic, negatives) are fewer than wanted."""
        if self.lang == DEFAULT_LANG:
            return kind == "reason" and count < MIN_EXAMPLES
        wanted = {"reason": REASON_EXAMPLES, "topic": TOPIC_EXAMPLES,
                  "negatives": NEGATIVE_EXAMPLES}[kind]
        return count < wanted


def texts(kb: KnowledgeBase) -> Iterator[tuple[str, Text]]:
    """Yield every user-facing text with a name that says where it is written."""
    for section in ("messages", "buttons", "commands"):
        for key, text in getattr(kb, section).items():
            yield f"messages.yaml: {section}.{key}", text
    for r in kb.reasons.values():
        where = f"reasons/{r.id}.yaml: "
        yield where + "title", r.title
        yield where + "summary", r.summary
        for i, t in enumerate(r.triggers, 1):
            yield f"{where}triggers {i}", t
        for s in r.steps:
            yield f"{where}steps.{s.id}.text", s.text
            for i, o in enumerate(s.options, 1):
                yield f"{where}steps.{s.id}.options {i}", o.label
        yield where + "support", r.support
    for t in kb.topics.values():
        yield f"topics/{t.id}.yaml: title", t.title
        yield f"topics/{t.id}.yaml: answer", t.answer


def coverage(kb: KnowledgeBase) -> tuple[LangCoverage, ...]:
    """Return the coverage of every language of `kb`, the default language first."""
    all_texts = list(texts(kb))
    out = []
    for lang in kb.languages:
        missing = tuple(name for name, text in all_texts if lang not in text.by_lang)
        if lang == DEFAULT_LANG:
            missing = ()  # every base text is English, written as a plain string or `en:`
        out.append(LangCoverage(
            lang=lang,
            total=len(all_texts),
            missing=missing,
            reason_examples=MappingProxyType(
                {r.id: len(r.phrasing(lang).examples) for r in kb.reasons.values()}
            ),
            topic_examples=MappingProxyType(
                {t.id: len(t.phrasing(lang).examples) for t in kb.topics.values()}
            ),
            negatives=len(kb.negatives_in(lang).examples),
        ))
    return tuple(out)
