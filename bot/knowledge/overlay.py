"""Language overlays: read `knowledge/i18n/<lang>/` and check it against the English base.

An overlay mirrors the base files and holds only text (see knowledge/README.md, "Adding a
language"). Texts are merged into each `Text.by_lang`, so a missing translation falls back to
English per text; matching data (examples, notices, keywords, intent phrases, negatives, word
lists) is kept per language (`Reason.overlays`, `KnowledgeBase.negative_overlays`...). Anything
that names what the base does not have (a message key, a step id, a reason file, one option too
many) is a `file:line` error with a did-you-mean: it would otherwise never be shown.
`bot.knowledge.merge` adds what is read to the base.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge import contract, render, schema
from bot.knowledge.accessors import FileCtx, is_plural_map, read_yaml
from bot.knowledge.model import DEFAULT_LANG, Phrasing, Reason, Source, Step, Text, Topic
from bot.knowledge.problems import Problems, did_you_mean, display_path, known
from bot.knowledge.schema import check_matching
from bot.knowledge.ytypes import YList, YMap

#: a language folder's name: lowercase code, optionally a region or script (pt-br, zh-hant)
LANG_DIR_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
OVERLAY_FILES = ("messages.yaml", "negatives.yaml", "matching.yaml",
                 "privacy.yaml")  # privacy.yaml: the redactor's words, read by its own module
OVERLAY_DIRS = ("reasons", "topics")



@dataclass
class Overlay:
    """What one language folder adds; `merge` applies it to the base."""

    lang: str
    reasons: dict[str, _ReasonOverlay] = field(default_factory=dict)
    topics: dict[str, _TopicOverlay] = field(default_factory=dict)
    messages: dict[str, str | dict[str, str]] = field(default_factory=dict)
    buttons: dict[str, str | dict[str, str]] = field(default_factory=dict)
    commands: dict[str, str | dict[str, str]] = field(default_factory=dict)
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    negatives: Phrasing | None = None
    matching: Mapping[str, object] | None = None

    @property
    def has_texts(self) -> bool:
        """Whether the bot can speak this language (not only understand or redact it)."""
        return bool(self.reasons or self.topics or self.messages or self.buttons)


@dataclass
class _ReasonOverlay:
    texts: dict[str, str]  # title, summary, support
    triggers: list[str] | None
    #: step id -> (text, option labels, what said in a message gives option k (0-based))
    steps: dict[str, tuple[str | None, list[str] | None, dict[int, tuple[str, ...]]]]
    phrasing: Phrasing
    step_titles: dict[str, str] = field(default_factory=dict)  # step id -> its short name


@dataclass
class _TopicOverlay:
    texts: dict[str, str]  # title, answer
    phrasing: Phrasing


# --------------------------------------------------------------------------- reading


def read_overlays(
    root: Path,
    problems: Problems,
    reasons: Mapping[str, Reason | None],
    topics: Mapping[str, Topic | None],
    messages: Mapping[str, Text],
    buttons: Mapping[str, Text],
    commands: Mapping[str, Text],
) -> list[Overlay]:
    """Read every `i18n/<lang>/` folder under `root`, checking it against the base.

    `reasons` and `topics` map every id with a base file to its parsed entry, or to None when
    that file has errors (its overlay is then not checked: the base problem comes first).
    """
    base = root / "i18n"
    if not base.is_dir():
        return []
    out: list[Overlay] = []
    for folder in sorted(base.iterdir()):
        if folder.name.startswith("."):
            continue
        if not folder.is_dir():
            problems.error(display_path(folder), 1, "only language folders belong in i18n/ "
                                                    "(e.g. i18n/zh/); move this file")
            continue
        lang = folder.name
        if not LANG_DIR_RE.match(lang) or lang == DEFAULT_LANG:
            why = ("English is the base language: edit the files in knowledge/ itself"
                   if lang == DEFAULT_LANG else
                   "use a lowercase language code such as zh, ru, pt-br or zh-hant")
            problems.error(display_path(folder), 0, f"'{lang}' is not an overlay language; {why}")
            continue
        if all(f.name == "privacy.yaml" or f.name.startswith(".") for f in folder.iterdir()):
            continue  # only the redactor's words so far: not (yet) a language of the replies
        reader = _Reader(lang, folder, problems)
        out.append(reader.read(reasons, topics, messages, buttons, commands))
    return out


class _Reader:
    def __init__(self, lang: str, folder: Path, problems: Problems) -> None:
        self.lang = lang
        self.folder = folder
        self.problems = problems

    def read(
        self,
        reasons: Mapping[str, Reason | None],
        topics: Mapping[str, Topic | None],
        messages: Mapping[str, Text],
        buttons: Mapping[str, Text],
        commands: Mapping[str, Text],
    ) -> Overlay:
        overlay = Overlay(self.lang)
        for item in sorted(self.folder.iterdir()):
            if item.name.startswith("."):
                continue
            if item.is_dir() and item.name in OVERLAY_DIRS:
                continue
            if item.is_file() and item.name in OVERLAY_FILES:
                continue
            names = OVERLAY_FILES + OVERLAY_DIRS
            self.problems.error(display_path(item), 1, f"'{item.name}' is not part of a language "
                                                       f"overlay; {did_you_mean(item.name, names)}"
                                                       f"an overlay holds {known(names)}")
        for rid, ctx, data in self._entries("reasons", reasons):
            reason = reasons[rid]
            if reason is not None:
                overlay.reasons[rid] = self._reason(ctx, data, reason)
        for tid, ctx, data in self._entries("topics", topics):
            if topics[tid] is not None:
                overlay.topics[tid] = self._topic(ctx, data, tid)
        path = self.folder / "messages.yaml"
        if path.is_file():
            self._messages(path, overlay, messages, buttons, commands)
        path = self.folder / "negatives.yaml"
        if path.is_file():
            ctx, data = read_yaml(path, self.problems)
            if data is not None:
                schema.OVERLAY_NEGATIVES.check(ctx, data, "negatives.yaml")
                examples, sources = self._examples(ctx, data, "negatives.yaml")
                overlay.negatives = Phrasing(self.lang, examples, sources)
        path = self.folder / "matching.yaml"
        if path.is_file():
            ctx, data = read_yaml(path, self.problems)
            if data is not None:
                schema.OVERLAY_MATCHING.check(ctx, data, "matching.yaml")
                check_matching(ctx, data)
                overlay.matching = data
        return overlay

    # -- files of a folder

    def _entries(
        self, kind: str, base: Mapping[str, object]
    ) -> list[tuple[str, FileCtx, YMap]]:
        folder = self.folder / kind
        if not folder.is_dir():
            return []
        out = []
        for file in sorted(folder.iterdir()):
            if file.name.startswith("."):
                continue
            if file.suffix != ".yaml":
                self.problems.error(display_path(file), 1, f"only `<id>.yaml` files are read "
                                                           f"here; rename it to '{file.stem}.yaml'")
                continue
            if file.stem not in base:
                self.problems.error(
                    display_path(file), 1,
                    f"{kind[:-1]} '{file.stem}' is not in the base knowledge; "
                    f"{did_you_mean(file.stem, base)}an overlay translates an existing "
                    f"{kind}/<id>.yaml: known: {known(base)}",
                )
                continue
            ctx, data = read_yaml(file, self.problems)
            if data is None:
                continue
            ctx.lang = self.lang
            if "id" in data and data["id"] != file.stem:
                ctx.error(data.lines["id"], f"id '{data['id']}' does not match the file name "
                                            f"'{file.name}'; set `id: {file.stem}`")
            out.append((file.stem, ctx, data))
        return out

    def _text(self, ctx: FileCtx, m: YMap, key: str, what: str) -> str | None:
        if key not in m:
            return None
        value = m[key]
        if isinstance(value, YMap):
            ctx.error(m.lines[key], f"`{key}` of {what} is a map; in an overlay write the "
                                    f"{self.lang} text itself")
            return None
        return ctx.string(m, key, what)

    def _examples(
        self, ctx: FileCtx, data: YMap, what: str
    ) -> tuple[tuple[str, ...], tuple[Source, ...]]:
        items = ctx.strings(data, "examples", what)
        seen: dict[str, int] = {}
        for text, line in items:
            norm = " ".join(text.lower().split())
            if norm in seen:
                ctx.warn(line, f"example '{text}' repeats line {seen[norm]}; remove one")
            else:
                seen[norm] = line
        return tuple(t for t, _ in items), tuple(ctx.source(ln) for _, ln in items)

    def _phrasing(self, ctx: FileCtx, data: YMap, what: str, *, notices: bool) -> Phrasing:
        examples, sources = self._examples(ctx, data, what)
        return Phrasing(
            lang=self.lang,
            examples=examples,
            example_sources=sources,
            notices=tuple(t for t, _ in ctx.strings(data, "notices", what)) if notices else (),
            keywords=tuple(t for t, _ in ctx.strings(data, "keywords", what)),
            negative_keywords=tuple(t for t, _ in ctx.strings(data, "negative_keywords", what)),
        )

    # -- reasons and topics

    def _reason(self, ctx: FileCtx, data: YMap, base: Reason) -> _ReasonOverlay:
        what = f"reason '{base.id}' ({self.lang})"
        schema.OVERLAY_REASON.check(ctx, data, what)
        texts = {k: t for k in ("title", "summary", "support")
                 if (t := self._text(ctx, data, k, what)) is not None}
        triggers: list[str] | None = None
        if "triggers" in data:
            items = ctx.strings(data, "triggers", what)
            if len(items) == len(data["triggers"] or ()) and len(items) != len(base.triggers):
                ctx.error(data.lines["triggers"],
                          f"`triggers` of {what} has {len(items)} item(s), the English file "
                          f"{len(base.triggers)}; translate each one, in the same order")
            else:
                triggers = [t for t, _ in items]
        steps: dict[str, tuple[str | None, list[str] | None, dict[int, tuple[str, ...]]]] = {}
        titles: dict[str, str] = {}
        if "steps" in data:
            m = ctx.mapping(data["steps"], data.lines["steps"], f"`steps` of {what}")
            for step_id in m or ():
                step = base.step(step_id)
                if step is None:
                    ids = [s.id for s in base.steps]
                    ctx.error(m.lines[step_id], f"step '{step_id}' is not a step of reason "  # type: ignore[union-attr]
                                                f"'{base.id}'; {did_you_mean(step_id, ids)}"
                                                f"known: {', '.join(ids)}")
                    continue
                parsed = self._step(ctx, m, step_id, step, what)  # type: ignore[arg-type]
                if parsed is not None:
                    steps[step_id] = parsed
                    sm = m[step_id]
                    title = self._text(ctx, sm, "title", f"step '{step_id}' of {what}") if (
                        isinstance(sm, YMap) and "title" in sm) else None
                    if title is not None:
                        titles[step_id] = title
        return _ReasonOverlay(texts, triggers, steps,
                              self._phrasing(ctx, data, what, notices=True), titles)

    def _step(
        self, ctx: FileCtx, m: YMap, step_id: str, step: Step, what: str
    ) -> tuple[str | None, list[str] | None, dict[int, tuple[str, ...]]] | None:
        swhat = f"step '{step_id}' of {what}"
        sm = ctx.mapping(m[step_id], m.lines[step_id], swhat)
        if sm is None:
            return None
        schema.OVERLAY_STEP.check(ctx, sm, swhat)
        text = self._text(ctx, sm, "text", swhat)
        labels: list[str] | None = None
        if "options" in sm:
            items = ctx.strings(sm, "options", swhat)
            raw = sm["options"] if isinstance(sm["options"], YList) else None
            if raw is not None and len(items) == len(raw):
                if not step.options:
                    ctx.error(sm.lines["options"], f"{swhat} has options, the English step has "
                                                   "none; remove `options`")
                elif len(items) != len(step.options):
                    english = "; ".join(o.label.get() for o in step.options)
                    ctx.error(sm.lines["options"],
                              f"{swhat} has {len(items)} option(s), the English step "
                              f"{len(step.options)} ({english}); translate each label, in the "
                              "same order")
                else:
                    labels = [t for t, _ in items]
        return text, labels, self._said(ctx, sm, step, swhat)

    def _said(self, ctx: FileCtx, sm: YMap, step: Step, swhat: str) -> dict[int, tuple[str, ...]]:
        """`said:` of an overlay step: option number (1, 2, ...) -> phrases in this language that
        give that answer when a message says them ("4: [исполнилось 18]")."""
        if "said" not in sm:
            return {}
        m = ctx.mapping(sm["said"], sm.lines["said"], f"`said` of {swhat}")
        out: dict[int, tuple[str, ...]] = {}
        for key in m or ():
            number = int(key) if isinstance(key, str) and key.isdigit() else (
                key if isinstance(key, int) and not isinstance(key, bool) else None)
            if number is None or not 1 <= number <= len(step.options):
                ctx.error(m.lines[key], f"`said` of {swhat} names option {key!r}; use the "  # type: ignore[union-attr]
                                        f"number of an option, 1 to {len(step.options)}")
                continue
            out[number - 1] = tuple(t for t, _ in ctx.strings(m, key, f"`said` {key} of {swhat}"))  # type: ignore[arg-type]
        return out

    def _topic(self, ctx: FileCtx, data: YMap, tid: str) -> _TopicOverlay:
        what = f"topic '{tid}' ({self.lang})"
        schema.OVERLAY_TOPIC.check(ctx, data, what)
        texts = {k: t for k in ("title", "answer")
                 if (t := self._text(ctx, data, k, what)) is not None}
        return _TopicOverlay(texts, self._phrasing(ctx, data, what, notices=False))

    # -- messages.yaml

    def _messages(
        self,
        path: Path,
        overlay: Overlay,
        messages: Mapping[str, Text],
        buttons: Mapping[str, Text],
        commands: Mapping[str, Text],
    ) -> None:
        ctx, data = read_yaml(path, self.problems)
        if data is None:
            return
        ctx.lang = self.lang
        schema.OVERLAY_MESSAGES.check(ctx, data, "messages.yaml")
        overlay.messages = self._section(ctx, data, "messages", messages)
        overlay.buttons = self._section(ctx, data, "buttons", buttons)
        overlay.commands = self._section(ctx, data, "commands", commands)
        for key, text in overlay.commands.items():
            if len(text) > contract.COMMAND_DESCRIPTION_LIMIT:
                ctx.error(data["commands"].lines[key],
                          f"command '{key}' description is {len(text)} characters; Telegram "
                          f"allows {contract.COMMAND_DESCRIPTION_LIMIT}")
        if "intents" in data:
            overlay.intents = self._intents(ctx, data)

    def _section(
        self,
        ctx: FileCtx,
        data: YMap,
        section: str,
        base: Mapping[str, Text],
    ) -> dict[str, str | dict[str, str]]:
        out: dict[str, str | dict[str, str]] = {}
        if section not in data or not base:  # no base section: its own error comes first
            return out
        m = ctx.mapping(data[section], data.lines[section], f"`{section}`")
        if m is None:
            return out
        what = section[:-1]
        for key in m:
            line = m.lines[key]
            if key not in base:
                ctx.error(line, f"{what} '{key}' is not in the English messages.yaml; "
                                f"{did_you_mean(key, base)}an overlay translates existing keys "
                                "only: fix the name or remove it")
                continue
            value = m[key]
            plural = section == "messages" and key in contract.PLURAL_COUNTS
            text: str | dict[str, str] | None
            if is_plural_map(value):
                text = ctx.plural_forms(value, self.lang, line, f"{what} '{key}'", allowed=plural)
            else:
                text = self._text(ctx, m, key, f"{what} '{key}'")
            if text is None:
                continue
            forms = list(text.values()) if isinstance(text, dict) else [text]
            try:
                mine = set().union(*(render.placeholders(f) for f in forms))
            except ValueError as exc:
                ctx.error(line, f"{what} '{key}' has a broken {{placeholder}} ({exc}); write "
                                "{name}, or {{ and }} for literal braces")
                continue
            theirs = _english_placeholders(base[key])
            if mine != theirs:
                ctx.error(line, f"{what} '{key}' uses {_braces(mine)} and the English text "
                                f"{_braces(theirs)}; use exactly the English placeholders"
                                f"{_missing_extra(mine, theirs)}")
                continue
            out[key] = text
        return out

    def _intents(self, ctx: FileCtx, data: YMap) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        m = ctx.mapping(data["intents"], data.lines["intents"], "`intents`")
        if m is None:
            return out
        owner: dict[str, str] = {}
        for key in m:
            if key not in contract.INTENTS:
                ctx.error(m.lines[key], f"intent '{key}' is not one of the English intents; "
                                        f"{did_you_mean(key, contract.INTENTS)}known: "
                                        f"{', '.join(contract.INTENTS)}")
                continue
            phrases = ctx.strings(m, key, f"intent '{key}'")
            for phrase, line in phrases:
                # answers and word lists (personal data cues, counts) are apart: "no" is both
                norm = ("lexicon " if key in contract.LEXICON_INTENTS else "") + " ".join(
                    phrase.lower().split())
                if norm in owner and owner[norm] != key:
                    ctx.error(line, f"phrase '{phrase}' is listed under intents '{owner[norm]}' "
                                    f"and '{key}'; keep it under one")
                owner.setdefault(norm, key)
            out[key] = tuple(p for p, _ in phrases)
        return out


def _english_placeholders(text: Text) -> set[str]:
    forms = [text.get(DEFAULT_LANG), *text.plurals.get(DEFAULT_LANG, {}).values()]
    return set().union(*(render.placeholders(f) for f in forms))


def _braces(names: set[str]) -> str:
    return ", ".join("{" + n + "}" for n in sorted(names)) or "no placeholders"


def _missing_extra(mine: set[str], theirs: set[str]) -> str:
    parts = []
    if theirs - mine:
        parts.append(f"add {_braces(theirs - mine)}")
    for name in sorted(mine - theirs):
        close = did_you_mean(name, theirs).strip()
        parts.append(f"{{{name}}} is not one of them" + (f" ({close})" if close else ""))
    return ": " + "; ".join(parts) if parts else ""
