"""Merge language overlays into the base: texts into each `Text`, matching data per language."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from bot.knowledge.model import Reason, Text, Topic
from bot.knowledge.overlay import Overlay


def _with(text: Text, lang: str, value: str | Mapping[str, str] | None) -> Text:
    """Return `text` with its `lang` version set to `value` (a text, or plural forms)."""
    if value is None:
        return text
    if isinstance(value, str):
        plurals = {k: v for k, v in text.plurals.items() if k != lang}
        return Text(MappingProxyType({**text.by_lang, lang: value}), MappingProxyType(plurals))
    return Text(MappingProxyType({**text.by_lang, lang: value["other"]}),
                MappingProxyType({**text.plurals, lang: MappingProxyType(dict(value))}))


def merge_reason(reason: Reason, overlays: list[Overlay]) -> Reason:
    """Return `reason` with every overlay's texts and matching data added."""
    for o in overlays:
        ro = o.reasons.get(reason.id)
        if ro is None:
            continue
        lang = o.lang
        triggers = reason.triggers
        if ro.triggers is not None:
            triggers = tuple(_with(t, lang, v) for t, v in zip(triggers, ro.triggers, strict=True))
        steps = []
        for s in reason.steps:
            text, labels, said = ro.steps.get(s.id, (None, None, {}))
            options = s.options
            if labels is not None:
                options = tuple(dataclasses.replace(opt, label=_with(opt.label, lang, label))
                                for opt, label in zip(s.options, labels, strict=True))
            if said:
                options = tuple(
                    dataclasses.replace(opt, said=MappingProxyType({**opt.said, lang: said[k]}))
                    if k in said else opt for k, opt in enumerate(options))
            title = ro.step_titles.get(s.id)
            if title is not None:
                s = dataclasses.replace(s, title=_with(s.title or Text.plain(s.id), lang, title))
            steps.append(dataclasses.replace(s, text=_with(s.text, lang, text), options=options))
        reason = dataclasses.replace(
            reason,
            title=_with(reason.title, lang, ro.texts.get("title")),
            summary=_with(reason.summary, lang, ro.texts.get("summary")),
            support=_with(reason.support, lang, ro.texts.get("support")),
            triggers=triggers,
            steps=tuple(steps),
            overlays=MappingProxyType({**reason.overlays, lang: ro.phrasing}),
        )
    return reason


def merge_topic(topic: Topic, overlays: list[Overlay]) -> Topic:
    for o in overlays:
        to = o.topics.get(topic.id)
        if to is None:
            continue
        topic = dataclasses.replace(
            topic,
            title=_with(topic.title, o.lang, to.texts.get("title")),
            answer=_with(topic.answer, o.lang, to.texts.get("answer")),
            overlays=MappingProxyType({**topic.overlays, o.lang: to.phrasing}),
        )
    return topic


def merge_texts(base: Mapping[str, Text], overlays: list[Overlay], section: str) -> dict[str, Text]:
    """Return `base` (messages, buttons or commands) with each overlay's texts added."""
    out = dict(base)
    for o in overlays:
        for key, value in getattr(o, section).items():
            out[key] = _with(out[key], o.lang, value)
    return out


def merge_intents(
    base: Mapping[str, tuple[str, ...]], overlays: list[Overlay]
) -> dict[str, tuple[str, ...]]:
    """Return every intent's phrases in all languages, English first (overlays add phrases)."""
    out = dict(base)
    for o in overlays:
        for key, phrases in o.intents.items():
            seen = set(out.get(key, ()))
            out[key] = out.get(key, ()) + tuple(p for p in phrases if p not in seen)
    return out
