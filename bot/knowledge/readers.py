"""The base's other files: negatives.yaml, messages.yaml (texts, buttons, commands, intents) and
matching.yaml, each read with its schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.knowledge import contract, schema
from bot.knowledge.accessors import ID_RE, FileCtx, read_yaml
from bot.knowledge.entries import read_examples
from bot.knowledge.model import PROVENANCES, Source, Text
from bot.knowledge.problems import Problems, did_you_mean, display_path
from bot.knowledge.schema import check_matching
from bot.knowledge.ytypes import YMap


def read_negatives(path: Path, problems: Problems) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    if not path.is_file():
        problems.error(display_path(path), 1, "file not found; create it with `version: 1` and "
                                              "`examples:` (messages about none of the reasons)")
        return (), ()
    ctx, data = read_yaml(path, problems)
    if data is None:
        return (), ()
    schema.NEGATIVES.check(ctx, data, "negatives.yaml")
    return read_examples(ctx, data, "negatives.yaml")


#: the folder of real messages labelled about a verification or not (one file per language)
SCOPE_DIR = "scope"


def read_scope(root: Path, problems: Problems) -> tuple[tuple[str, str, bool], ...]:
    """knowledge/scope/<lang>.yaml: `about:` and `not_about:` lists of messages as written.
    None of it is required; a message in both lists of a file is an error (at its second line),
    one listed twice a warning."""
    folder = root / SCOPE_DIR
    if not folder.is_dir():
        return ()
    out: list[tuple[str, str, bool]] = []
    for path in sorted(folder.glob("*.yaml")):
        lang = path.stem
        ctx, data = read_yaml(path, problems)
        if data is None:
            continue
        if not ID_RE.match(lang) or len(lang) > 8:
            ctx.error(1, f"'{path.name}' is not named after a language code (en.yaml, zh.yaml)")
            continue
        schema.SCOPE.check(ctx, data, f"scope/{path.name}")
        seen: dict[str, tuple[bool, int]] = {}
        for about, key in ((True, "about"), (False, "not_about")):
            if key not in data:
                continue
            for text, line in ctx.strings(data, key, f"scope/{path.name}"):
                norm = " ".join(text.casefold().split())
                if norm in seen:
                    was, first = seen[norm]
                    if was != about:
                        ctx.error(line, f"this message is also in `{'about' if was else 'not_about'}` "
                                        f"(line {first}); keep it in the list it belongs to")
                    else:
                        ctx.warn(line, f"this message repeats line {first}; remove one")
                    continue
                seen[norm] = (about, line)
                out.append((lang, text, about))
    return tuple(out)


def _read_section(
    ctx: FileCtx,
    data: YMap,
    section: str,
    expected: Mapping[str, frozenset[str]],
) -> dict[str, Text]:
    out: dict[str, Text] = {}
    if section not in data:
        return out
    m = ctx.mapping(data[section], data.lines[section], f"`{section}`")
    if m is None:
        return out
    for key, value in m.items():
        line = m.lines[key]
        if not ID_RE.match(key):
            ctx.error(line, f"`{key}` in `{section}` is not a snake_case key")
            continue
        text = ctx.text_value(value, m.raw.get(key), line, f"{section[:-1]} '{key}'",
                              plural=section == "messages" and key in contract.PLURAL_COUNTS)
        if text is None:
            continue
        out[key] = text
        if key not in expected:
            ctx.warn(line, f"{section[:-1]} '{key}' is not used by the bot; "
                           f"{did_you_mean(key, expected)}remove it or fix the name")
            continue
        try:
            used = text.placeholders()
        except ValueError as exc:
            ctx.error(line, f"{section[:-1]} '{key}' has a broken {{placeholder}} ({exc}); write "
                            "{name}, or {{ and }} for literal braces")
            continue
        for name in sorted(used - expected[key]):
            allowed = ", ".join("{" + p + "}" for p in sorted(expected[key])) or "none"
            ctx.error(line, f"{section[:-1]} '{key}' uses {{{name}}}, which it cannot fill; "
                            f"{did_you_mean(name, expected[key])}allowed: {allowed}")
    for key in expected:
        if key not in out and key not in m:
            ctx.error(data.lines[section], f"{section[:-1]} '{key}' is missing from `{section}`; "
                                           "the bot needs "
                              f"it: add `{key}:`")
    return out


def _read_intents(ctx: FileCtx, data: YMap) -> dict[str, tuple[str, ...]]:
    """Read `intents:` (phrases users type instead of pressing a button); optional."""
    out: dict[str, tuple[str, ...]] = {}
    if "intents" not in data:
        ctx.warn(data.line, "messages.yaml has no `intents`; users must press the buttons, "
                            "typing 'next' or 'it passed' will not work")
        return out
    m = ctx.mapping(data["intents"], data.lines["intents"], "`intents`")
    if m is None:
        return out
    owner: dict[str, str] = {}
    for key in m:
        if key not in contract.INTENTS:
            ctx.warn(m.lines[key], f"intent '{key}' is not used by the bot; "
                                   f"{did_you_mean(key, contract.INTENTS)}known: "
                                   f"{', '.join(contract.INTENTS)}")
        phrases = ctx.strings(m, key, f"intent '{key}'", min_items=1)
        for phrase, line in phrases:
            # answers and word lists (personal data cues, counts) are apart: "no" is both
            norm = ("lexicon " if key in contract.LEXICON_INTENTS else "") + " ".join(
                phrase.lower().split())
            if norm in owner and owner[norm] != key:
                ctx.error(line, f"phrase '{phrase}' is listed under intents '{owner[norm]}' and "
                                f"'{key}'; keep it under one")
            owner.setdefault(norm, key)
        out[key] = tuple(p for p, _ in phrases)
    for key in contract.INTENTS:
        if key not in m:
            ctx.warn(m.line, f"intent '{key}' is missing from `intents`; typed phrases for it "
                             "will not be understood")
    return out


@dataclass
class Messages:
    messages: dict[str, Text] = field(default_factory=dict)
    buttons: dict[str, Text] = field(default_factory=dict)
    commands: dict[str, Text] = field(default_factory=dict)
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def read_messages(path: Path, problems: Problems, *, required: bool) -> Messages:
    if not path.is_file():
        if required:
            problems.error(display_path(path), 1, "file not found; it holds every sentence, "
                                                  "button label and command description the bot "
                                                  "uses")
        return Messages()
    ctx, data = read_yaml(path, problems)
    if data is None:
        return Messages()
    schema.MESSAGES.check(ctx, data, "messages.yaml")
    out = Messages(
        messages=_read_section(ctx, data, "messages", contract.MESSAGES),
        buttons=_read_section(ctx, data, "buttons", contract.BUTTONS),
        commands=_read_section(
            ctx, data, "commands", {name: frozenset() for name in contract.COMMANDS}
        ),
        intents=_read_intents(ctx, data),
        sources=_read_sources(ctx, data),
    )
    for key, text in out.commands.items():
        for lang, desc in text.by_lang.items():
            if len(desc) > contract.COMMAND_DESCRIPTION_LIMIT:
                ctx.error(data["commands"].lines[key], f"command '{key}' ({lang}) description is "
                                                       f"{len(desc)} characters; Telegram allows "
                                                       f"{contract.COMMAND_DESCRIPTION_LIMIT}")
    return out


def _read_sources(ctx: FileCtx, data: YMap) -> dict[str, str]:
    """Read `sources:` (message key -> guide | general: where its advice comes from); optional."""
    out: dict[str, str] = {}
    if "sources" not in data:
        return out
    m = ctx.mapping(data["sources"], data.lines["sources"], "`sources`")
    for key in m or ():
        value = ctx.string(m, key, "`sources`")  # type: ignore[arg-type]
        line = m.lines[key]  # type: ignore[union-attr]
        if key not in contract.MESSAGES:
            ctx.error(line, f"`sources` names message '{key}', which does not exist; "
                            f"{did_you_mean(key, contract.MESSAGES)}")
        elif value is not None and value not in PROVENANCES:
            ctx.error(line, f"`sources.{key}` is '{value}'; write `guide` (the guide says it) or "
                            "`general` (general advice the guide lacks)")
        elif value is not None:
            out[key] = value
    return out


def read_matching(path: Path, problems: Problems) -> Mapping[str, object]:
    if not path.is_file():
        problems.warn(display_path(path), 1, "file not found; the matcher runs without "
                                             "synonyms and stop words")
        return MappingProxyType({})
    ctx, data = read_yaml(path, problems)
    if data is None:
        return MappingProxyType({})
    schema.MATCHING.check(ctx, data, "matching.yaml")
    check_matching(ctx, data)
    return data


