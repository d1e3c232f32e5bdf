"""Load `knowledge/` into a `KnowledgeBase`, collecting every problem as `file:line: message`.

`load_knowledge` and `python -m bot validate` share one code path (`collect`), so the bot refuses
exactly the knowledge bases the validator reports errors for.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core import payload
from bot.knowledge import contract
from bot.knowledge.model import (
    DEFAULT_LANG,
    END_KINDS,
    KnowledgeBase,
    Option,
    Policy,
    Reason,
    Source,
    Step,
    Text,
    Topic,
)
from bot.shared.errors import KnowledgeError

logger = logging.getLogger(__name__)

SUPPORTED_VERSIONS: tuple[int, ...] = (1,)
SEVERITIES: tuple[str, ...] = ("normal", "severe")
#: Reason and topic ids the product is built around: a missing one is a warning.
KNOWN_REASONS: tuple[str, ...] = (
    "blurry_photo",
    "info_mismatch",
    "face_verification",
    "id_already_registered",
    "underage",
    "expired_document",
    "edited_document",
    "restricted_region",
)
KNOWN_TOPICS: tuple[str, ...] = (
    "resubmit_how",
    "repeated_failures",
    "manual_review",
    "review_times",
    "failure_vs_appeal",
    "permanent_rejection",
    "credit_score",
    "switch_document",
    "ban_after_failures",
    "speed_up_review",
    "what_failed_kyc_blocks",
    "hk_macao_taiwan",
    "prevention_checklist",
    "safety",
    "find_reason",
    "contact_support",
)
MIN_EXAMPLES = 25
#: Telegram refuses longer messages; the adapter splits replies, but one text should fit.
MAX_TEXT_CHARS = 4096

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_PROBLEM_RE = re.compile(r"^(?P<path>.*?):(?P<line>\d+): (?P<msg>.*)$", re.S)


# --------------------------------------------------------------------------- YAML with lines


class YMap(dict):
    """A YAML mapping that remembers its line, each key's line and each plain scalar's raw text."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str | None] = {}

    def line_of(self, key: str) -> int:
        """Return the line of `key`, or of the mapping itself when the key is absent."""
        return self.lines.get(key, self.line)


class YList(list):
    """A YAML sequence that remembers its line, each item's line and each plain scalar's raw text."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []
        self.raw: list[str | None] = []


_BOOL_TAG = "tag:yaml.org,2002:bool"


#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_SAFE_LOADER):  # type: ignore[valid-type, misc]
    """SafeLoader that builds `YMap`/`YList`, reports duplicate keys, and reads yes/no as text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


# YAML 1.1 turns `yes`, `no`, `on`, `off` into booleans: an example "no" would become False.
LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
LineLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _raw(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    result = YMap()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if isinstance(key_node, yaml.ScalarNode):
            key = str(key_node.value)
        else:
            key = str(loader.construct_object(key_node, deep=True))
        if key in result:
            loader.duplicates.append(
                (line, f"duplicate key '{key}' (first at line {result.lines[key]}); "
                       "remove one of them or merge them")
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
        result.raw[key] = _raw(value_node)
    return result


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> YList:
    result = YList()
    result.line = node.start_mark.line + 1
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.lines.append(item.start_mark.line + 1)
        result.raw.append(_raw(item))
    return result


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Parse YAML text into YMap/YList values; return it with (line, message) duplicate-key problems.

    Raises `yaml.YAMLError` on a syntax error.
    """
    loader = LineLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, loader.duplicates


# --------------------------------------------------------------------------- problems


@dataclass
class Problems:
    """Errors and warnings as (path, line, message), sorted by file then line on output."""

    errors: list[tuple[str, int, str]] = field(default_factory=list)
    warnings: list[tuple[str, int, str]] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.errors.append((path, line, message))

    def warn(self, path: str, line: int, message: str) -> None:
        self.warnings.append((path, line, message))

    def add_formatted(self, items: Iterable[str], *, warning: bool) -> None:
        """Merge `file:line: message` strings produced elsewhere (the matcher)."""
        target = self.warnings if warning else self.errors
        for item in items:
            m = _PROBLEM_RE.match(item)
            if m:
                target.append((m["path"], int(m["line"]), m["msg"]))
            else:
                target.append((item, 0, ""))

    @staticmethod
    def render(items: list[tuple[str, int, str]]) -> list[str]:
        """Return `path:line: message` strings sorted by file, then line (duplicates dropped)."""
        out: list[str] = []
        for path, line, msg in sorted(set(items), key=lambda p: (p[0], p[1], p[2])):
            out.append(f"{path}:{line}: {msg}" if msg else path)
        return out


def display_path(path: Path) -> str:
    """Return `path` relative to the current directory when it lies below it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _known(choices: Iterable[str]) -> str:
    names = sorted(set(choices))
    return ", ".join(names) if names else "(none)"


class FileCtx:
    """Typed access to one parsed YAML file, recording problems with its display path."""

    def __init__(self, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems

    def error(self, line: int, message: str) -> None:
        self.problems.error(self.path, line, message)

    def warn(self, line: int, message: str) -> None:
        self.problems.warn(self.path, line, message)

    def source(self, line: int) -> Source:
        return Source(self.path, line)

    # -- structure

    def check_keys(
        self, m: YMap, allowed: Iterable[str], required: Iterable[str], what: str
    ) -> None:
        """Report unknown keys (with a suggestion) and missing required keys of mapping `m`."""
        allowed = list(allowed)
        suggested: set[str] = set()
        for key in m:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                suggested.update(close)
                self.error(
                    m.lines[key],
                    f"unknown key '{key}' in {what}; {_did_you_mean(key, allowed)}"
                    f"allowed keys: {', '.join(allowed)}",
                )
        for key in required:
            if key not in m and key not in suggested:  # a misspelt key is reported once
                self.error(m.line, f"{what} has no `{key}`; add `{key}:`")

    def mapping(self, value: object, line: int, what: str) -> YMap | None:
        if isinstance(value, YMap):
            return value
        self.error(line, f"{what} must be a map of `key: value` lines, not {_describe(value)}")
        return None

    # -- scalars

    @staticmethod
    def _as_str(value: object, raw: str | None) -> str | None:
        if isinstance(value, str):
            return value
        if value is None or isinstance(value, dict | list):
            return None
        return raw if raw is not None else str(value)

    def string(self, m: YMap, key: str, what: str, *, required: bool = True) -> str | None:
        if key not in m:
            return None  # check_keys reports missing required keys
        value = self._as_str(m[key], m.raw.get(key))
        if value is None or not value.strip():
            self.error(m.lines[key], f"`{key}` of {what} must be a non-empty text, not "
                                     f"{_describe(m[key])}")
            return None
        return value.strip()

    def ident(self, m: YMap, key: str, what: str) -> str | None:
        value = self.string(m, key, what)
        if value is not None and not ID_RE.match(value):
            self.error(
                m.lines[key],
                f"`{key}` '{value}' of {what} is not a snake_case id; use lowercase letters, "
                "digits and _, starting with a letter",
            )
            return None
        return value

    def number(
        self,
        m: YMap,
        key: str,
        what: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
        exclusive_lo: bool = False,
    ) -> float | None:
        if key not in m:
            return None
        value = m[key]
        kind = "a whole number" if integer else "a number"
        bounds = ""
        if lo is not None and hi is not None:
            bounds = f" from {lo:g} to {hi:g}"
        elif lo is not None:
            bounds = f" above {lo:g}" if exclusive_lo else f" of at least {lo:g}"
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if ok and lo is not None and (value <= lo if exclusive_lo else value < lo):
            ok = False
        if ok and hi is not None and value > hi:
            ok = False
        if not ok:
            self.error(m.lines[key], f"`{key}` of {what} must be {kind}{bounds}, not "
                                     f"{_describe(value)}")
            return None
        return int(value) if integer else float(value)

    # -- texts

    def text_value(self, value: object, raw: str | None, line: int, what: str) -> Text | None:
        """Turn a string or a {lang: string} map into a `Text`, reporting problems."""
        if isinstance(value, YMap):
            langs: dict[str, str] = {}
            for lang, item in value.items():
                ln = value.lines[lang]
                if not LANG_RE.match(lang):
                    self.error(ln, f"'{lang}' in {what} is not a language code; use e.g. en, es, "
                                   "pt-br")
                    continue
                s = self._as_str(item, value.raw.get(lang))
                if s is None or not s.strip():
                    self.error(ln, f"{what} ({lang}) is empty; write the text or remove the line")
                    continue
                langs[lang] = self._check_length(s.strip(), ln, what)
            if not value:
                self.error(line, f"{what} is an empty map; write the text")
                return None
            if DEFAULT_LANG not in value:
                self.error(
                    line,
                    f"{what} has no '{DEFAULT_LANG}' text (languages: {_known(value)}); add "
                    f"`{DEFAULT_LANG}:` since users without a translation get English",
                )
            return Text(MappingProxyType(langs)) if langs else None
        s = self._as_str(value, raw)
        if s is None:
            self.error(line, f"{what} must be a text (a string, or a map of languages), not "
                             f"{_describe(value)}")
            return None
        if not s.strip():
            self.error(line, f"{what} is empty; write the text")
            return None
        return Text.plain(self._check_length(s.strip(), line, what))

    def _check_length(self, s: str, line: int, what: str) -> str:
        if len(s) > MAX_TEXT_CHARS:
            self.warn(line, f"{what} is {len(s)} characters; Telegram messages hold "
                            f"{MAX_TEXT_CHARS}, so it will be split: shorten it")
        return s

    def text(self, m: YMap, key: str, what: str) -> Text | None:
        if key not in m:
            return None
        return self.text_value(m[key], m.raw.get(key), m.lines[key], f"`{key}` of {what}")

    def seq(self, m: YMap, key: str, what: str) -> YList | None:
        if key not in m:
            return None
        value = m[key]
        if value is None:
            value = YList()
            value.line = m.lines[key]
        if not isinstance(value, YList):
            self.error(m.lines[key], f"`{key}` of {what} must be a list (lines starting with "
                                     f"'- '), not {_describe(value)}")
            return None
        return value

    def strings(
        self, m: YMap, key: str, what: str, *, min_items: int = 0
    ) -> list[tuple[str, int]]:
        """Return the (text, line) items of a list of strings."""
        items = self.seq(m, key, what)
        if items is None:
            return []
        out: list[tuple[str, int]] = []
        for value, raw, line in zip(items, items.raw, items.lines, strict=True):
            s = self._as_str(value, raw)
            if s is None or not s.strip():
                self.error(line, f"item of `{key}` in {what} must be a non-empty text, not "
                                 f"{_describe(value)}")
                continue
            out.append((s.strip(), line))
        if len(items) < min_items:
            self.error(m.lines[key], f"`{key}` of {what} needs at least {min_items} item(s), "
                                     f"has {len(items)}")
        return out

    def texts(self, m: YMap, key: str, what: str) -> list[Text]:
        items = self.seq(m, key, what)
        if items is None:
            return []
        out = []
        for value, raw, line in zip(items, items.raw, items.lines, strict=True):
            t = self.text_value(value, raw, line, f"item of `{key}` in {what}")
            if t is not None:
                out.append(t)
        return out

    def ids(self, m: YMap, key: str, what: str) -> list[tuple[str, int]]:
        out = []
        for value, line in self.strings(m, key, what):
            if ID_RE.match(value):
                out.append((value, line))
            else:
                self.error(line, f"'{value}' in `{key}` of {what} is not a snake_case id")
        return out

    def version(self, data: YMap) -> None:
        if "version" not in data:
            self.error(data.line, "missing `version`; add `version: 1` as the first line")
            return
        v = data["version"]
        if isinstance(v, bool) or v not in SUPPORTED_VERSIONS:
            supported = ", ".join(str(s) for s in SUPPORTED_VERSIONS)
            self.error(data.lines["version"], f"version {_describe(v)} is not supported; this bot "
                                              f"reads version {supported}: write `version: 1`")


def read_yaml(path: Path, problems: Problems) -> tuple[FileCtx, YMap | None]:
    """Read and parse one file into a top-level mapping, recording problems."""
    ctx = FileCtx(display_path(path), problems)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        ctx.error(1, f"file is not UTF-8 text ({exc.reason}); save it as UTF-8")
        return ctx, None
    except OSError as exc:
        ctx.error(1, f"cannot read the file: {exc.strerror}")
        return ctx, None
    try:
        data, duplicates = parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        ctx.error(line, f"YAML syntax error: {detail}; check the indentation, the ':' after "
                        "each key, and quote texts that contain ': ' or start with a symbol")
        return ctx, None
    except yaml.YAMLError as exc:
        ctx.error(1, f"YAML error: {exc}")
        return ctx, None
    for line, msg in duplicates:
        ctx.error(line, msg)
    if data is None:
        ctx.error(1, "the file is empty; it must start with `version: 1`")
        return ctx, None
    if not isinstance(data, YMap):
        ctx.error(getattr(data, "line", 1), f"the file must be a map of `key: value` lines, not "
                                            f"{_describe(data)}")
        return ctx, None
    ctx.version(data)
    return ctx, data


# --------------------------------------------------------------------------- reasons and topics

REASON_KEYS = (
    "version", "id", "title", "share", "severity", "summary", "triggers", "notices", "keywords",
    "negative_keywords", "examples", "start", "steps", "support",
)
REASON_REQUIRED = ("id", "title", "share", "summary", "triggers", "examples", "steps", "support")
STEP_KEYS = ("id", "text", "options", "next", "end", "topics")
OPTION_KEYS = ("label", "next", "topic")
TOPIC_KEYS = (
    "version", "id", "title", "answer", "keywords", "negative_keywords", "examples", "related",
)
TOPIC_REQUIRED = ("id", "title", "answer", "examples")


@dataclass
class _RawOption:
    label: Text | None
    next: tuple[str, int] | None
    topic: tuple[str, int] | None
    line: int


@dataclass
class _RawStep:
    id: str
    text: Text | None
    options: list[_RawOption]
    next: tuple[str, int] | None
    end: str | None
    topics: list[tuple[str, int]]
    line: int


@dataclass
class _Pending:
    """A parsed reason or topic whose cross-references are checked once all files are read."""

    ctx: FileCtx
    data: YMap
    id: str
    line: int


def _check_id(ctx: FileCtx, data: YMap, file: Path, what: str) -> str | None:
    ident = ctx.ident(data, "id", what)
    if ident is not None and ident != file.stem:
        ctx.error(data.lines["id"], f"id '{ident}' does not match the file name '{file.name}'; "
                                    f"rename the file to '{ident}.yaml' or set `id: {file.stem}`")
    return ident


def _examples(ctx: FileCtx, data: YMap, what: str) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    items = ctx.strings(data, "examples", what)
    seen: dict[str, int] = {}
    for text, line in items:
        key = " ".join(text.lower().split())
        if key in seen:
            ctx.warn(line, f"example '{text}' repeats line {seen[key]}; remove one")
        else:
            seen[key] = line
    return tuple(t for t, _ in items), tuple(ctx.source(ln) for _, ln in items)


def _parse_steps(ctx: FileCtx, data: YMap, what: str) -> tuple[list[_RawStep], bool]:
    """Return the steps with a usable id, and whether any step had to be left out."""
    items = ctx.seq(data, "steps", what)
    if items is None:
        return [], True
    if not items:
        ctx.error(data.lines["steps"], f"{what} has no steps; write at least one step")
    steps: list[_RawStep] = []
    seen: dict[str, int] = {}
    incomplete = False
    for n, (value, line) in enumerate(zip(items, items.lines, strict=True), 1):
        m = ctx.mapping(value, line, f"step {n} of {what}")
        if m is None:
            incomplete = True
            continue
        step_id = m.get("id") if isinstance(m.get("id"), str) else None
        label = f"step '{step_id}'" if step_id else f"step {n}"
        ctx.check_keys(m, STEP_KEYS, ("id", "text"), label)
        step_id = ctx.ident(m, "id", label)
        text = ctx.text(m, "text", label)
        nxt = ctx.ident(m, "next", label)
        end = ctx.string(m, "end", label)
        if end is not None and end not in END_KINDS:
            ctx.error(m.lines["end"], f"`end` '{end}' of {label} is not one of "
                                      f"{', '.join(END_KINDS)}; {_did_you_mean(end, END_KINDS)}"
                                      "pick one of them")
            # keep it: the step still counts as an end, so it is not also called a dead end
        topics = ctx.ids(m, "topics", label)
        options: list[_RawOption] = []
        opt_items = ctx.seq(m, "options", label)
        if opt_items is not None:
            if not opt_items:
                ctx.error(m.lines["options"], f"`options` of {label} is empty; add options or "
                                              "remove the key")
            for k, (ov, oline) in enumerate(zip(opt_items, opt_items.lines, strict=True), 1):
                om = ctx.mapping(ov, oline, f"option {k} of {label}")
                if om is None:
                    continue
                owhat = f"option {k} of {label}"
                ctx.check_keys(om, OPTION_KEYS, ("label",), owhat)
                o_next = ctx.ident(om, "next", owhat)
                o_topic = ctx.ident(om, "topic", owhat)
                if o_next and o_topic:
                    ctx.error(om.line, f"{owhat} has both `next` and `topic`; keep one")
                elif "next" not in om and "topic" not in om:
                    ctx.error(om.line, f"{owhat} has neither `next` nor `topic`; add `next: "
                                       "<step id>` or `topic: <topic id>`")
                options.append(
                    _RawOption(
                        label=ctx.text(om, "label", owhat),
                        next=(o_next, om.lines["next"]) if o_next else None,
                        topic=(o_topic, om.lines["topic"]) if o_topic else None,
                        line=om.line,
                    )
                )
        if end is not None and (options or nxt):
            ctx.error(m.line, f"{label} has `end` and also `{'options' if options else 'next'}`; "
                              "a step with `end` finishes the fix: remove one of them")
        if options and nxt:
            ctx.error(m.lines["next"], f"{label} has `options` and `next`; the options decide "
                                       "where to go: remove `next`")
        if step_id is None:
            incomplete = True
            continue
        if step_id in seen:
            ctx.error(m.lines["id"], f"step id '{step_id}' is used twice (first at line "
                                     f"{seen[step_id]}); rename one")
            continue
        seen[step_id] = m.lines["id"]
        steps.append(
            _RawStep(
                id=step_id,
                text=text,
                options=options,
                next=(nxt, m.lines["next"]) if nxt else None,
                end=end,
                topics=topics,
                line=m.line,
            )
        )
    return steps, incomplete


def _check_graph(ctx: FileCtx, reason_id: str, steps: list[_RawStep], start: str) -> None:
    """Check targets, reachability from `start`, dead ends and loops without an `end`."""
    by_id = {s.id: s for s in steps}
    ids = [s.id for s in steps]
    succ: dict[str, list[str]] = {}
    dead: set[str] = set()
    for i, s in enumerate(steps):
        targets: list[str] = []
        for ref, line in ([s.next] if s.next else []) + [o.next for o in s.options if o.next]:
            if ref in by_id:
                targets.append(ref)
            else:
                ctx.error(line, f"next '{ref}' not found; {_did_you_mean(ref, ids)}"
                                f"known: {', '.join(ids)}")
                dead.add(s.id)  # already reported: do not report its path as a loop too
        if s.end:
            succ[s.id] = []
            continue
        if s.options:
            if not any(o.next for o in s.options):
                ctx.error(s.line, f"step '{s.id}' is a question whose options only open topics; "
                                  "add an option with `next` so the user can go on")
                dead.add(s.id)
            succ[s.id] = targets
            continue
        if s.next:
            succ[s.id] = targets
        elif i + 1 < len(steps):
            succ[s.id] = [steps[i + 1].id]
        else:
            ctx.error(s.line, f"step '{s.id}' is a dead end: it is the last step and has no "
                              "`end`; add `end: resubmit`, `support` or `final`, or `next: <step>`")
            dead.add(s.id)
            succ[s.id] = []
    if start not in by_id:
        return
    reached = {start}
    todo = [start]
    while todo:
        for nxt in succ[todo.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for s in steps:
        if s.id not in reached:
            ctx.error(s.line, f"step '{s.id}' cannot be reached from start '{start}'; point a "
                              "`next` or an option at it, or remove it")
    pred: dict[str, list[str]] = {sid: [] for sid in ids}
    for sid, targets in succ.items():
        for t in targets:
            pred[t].append(sid)

    def backwards(seeds: Iterable[str]) -> set[str]:
        seen = set(seeds)
        todo = list(seen)
        while todo:
            for p in pred[todo.pop()]:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    finishing = backwards(s.id for s in steps if s.end)
    into_dead = backwards(dead)
    stuck = [sid for sid in ids if sid in reached and sid not in finishing | into_dead]
    if stuck:
        ctx.error(by_id[stuck[0]].line,
                  f"steps {', '.join(stuck)} of reason '{reason_id}' loop without reaching a "
                  "step with `end`; give one of them an option or `next` that leads to an end step")


def _check_payloads(ctx: FileCtx, reason_id: str, id_line: int, steps: list[_RawStep]) -> None:
    """Every button that names a step (an option leading to it) must fit Telegram's limit."""
    limit = contract.CALLBACK_DATA_LIMIT
    for s in steps:
        size = payload.worst_case_size(f"99:{s.id}")
        if size > limit:
            ctx.error(s.line, f"step id '{s.id}' is too long: its button data can reach {size} "
                              f"bytes and Telegram allows {limit}; shorten the step id to at most "
                              f"{max(len(s.id) - (size - limit), 0)} characters")
    size = payload.worst_case_size(reason_id)
    if size > limit:
        ctx.error(id_line,
                  f"reason id '{reason_id}' is too long for a button ({size} bytes, Telegram "
                  f"allows {limit}); shorten it by {size - limit} characters")


def _parse_reason(pending: _Pending, topic_ids: set[str]) -> Reason | None:
    ctx, data, rid = pending.ctx, pending.data, pending.id
    what = f"reason '{rid}'"
    title = ctx.text(data, "title", what)
    share = ctx.number(data, "share", what, lo=0, hi=100)
    severity = "normal"
    if "severity" in data:
        sev = ctx.string(data, "severity", what)
        if sev is not None and sev not in SEVERITIES:
            ctx.error(data.lines["severity"], f"`severity` '{sev}' is not one of "
                                              f"{', '.join(SEVERITIES)}; "
                                              f"{_did_you_mean(sev, SEVERITIES)}pick one of them")
        elif sev is not None:
            severity = sev
    summary = ctx.text(data, "summary", what)
    triggers = ctx.texts(data, "triggers", what)
    if "triggers" in data and not triggers and isinstance(data["triggers"], list | None):
        ctx.error(data.lines["triggers"], f"`triggers` of {what} is empty; list what causes it")
    notices = ctx.strings(data, "notices", what)
    keywords = ctx.strings(data, "keywords", what)
    negative = ctx.strings(data, "negative_keywords", what)
    examples, example_sources = _examples(ctx, data, what)
    if "examples" in data and len(examples) < MIN_EXAMPLES:
        ctx.warn(data.lines["examples"], f"{what} has {len(examples)} examples; write at least "
                                         f"{MIN_EXAMPLES} so the matcher learns its wordings")
    support = ctx.text(data, "support", what)
    steps, incomplete = _parse_steps(ctx, data, what)
    ids = [s.id for s in steps]
    start = ctx.ident(data, "start", what) if "start" in data else (ids[0] if ids else None)
    # With a step left out, references to it would be reported as errors that are not.
    if not incomplete and start is not None and ids and start not in ids:
        ctx.error(data.lines["start"], f"start '{start}' not found; {_did_you_mean(start, ids)}"
                                       f"known: {', '.join(ids)}")
    if not incomplete and steps and start is not None:
        _check_graph(ctx, rid, steps, start)
    _check_payloads(ctx, rid, data.lines.get("id", data.line), steps)
    for s in steps:
        refs = [o.topic for o in s.options if o.topic] + s.topics
        for ref, line in refs:
            if ref not in topic_ids:
                ctx.error(line, f"topic '{ref}' not found; {_did_you_mean(ref, topic_ids)}"
                                f"known: {_known(topic_ids)}")
    if None in (title, share, summary, support, start) or not steps or not examples:
        return None
    model_steps: list[Step] = []
    for s in steps:
        if s.text is None or any(o.label is None for o in s.options):
            return None
        model_steps.append(
            Step(
                id=s.id,
                text=s.text,
                options=tuple(
                    Option(
                        label=o.label,  # type: ignore[arg-type]
                        next=o.next[0] if o.next else None,
                        topic=o.topic[0] if o.topic else None,
                        source=ctx.source(o.line),
                    )
                    for o in s.options
                ),
                next=s.next[0] if s.next else None,
                end=s.end,
                topics=tuple(t for t, _ in s.topics),
                source=ctx.source(s.line),
            )
        )
    return Reason(
        id=rid,
        title=title,  # type: ignore[arg-type]
        share=share,  # type: ignore[arg-type]
        severity=severity,
        summary=summary,  # type: ignore[arg-type]
        triggers=tuple(triggers),
        notices=tuple(t for t, _ in notices),
        keywords=tuple(t for t, _ in keywords),
        negative_keywords=tuple(t for t, _ in negative),
        examples=examples,
        example_sources=example_sources,
        steps=tuple(model_steps),
        start=start,  # type: ignore[arg-type]
        support=support,  # type: ignore[arg-type]
        source=ctx.source(pending.line),
    )


def _parse_topic(pending: _Pending, topic_ids: set[str]) -> Topic | None:
    ctx, data, tid = pending.ctx, pending.data, pending.id
    what = f"topic '{tid}'"
    title = ctx.text(data, "title", what)
    answer = ctx.text(data, "answer", what)
    keywords = ctx.strings(data, "keywords", what)
    negative = ctx.strings(data, "negative_keywords", what)
    examples, example_sources = _examples(ctx, data, what)
    related = ctx.ids(data, "related", what)
    for ref, line in related:
        if ref == tid:
            ctx.error(line, f"{what} lists itself in `related`; remove it")
        elif ref not in topic_ids:
            ctx.error(line, f"topic '{ref}' not found; {_did_you_mean(ref, topic_ids)}"
                            f"known: {_known(topic_ids)}")
    if "examples" in data and not examples:
        ctx.error(data.lines["examples"], f"{what} has no examples; add the questions users ask")
    size = payload.worst_case_size(f"99:t.{tid}")
    if size > contract.CALLBACK_DATA_LIMIT:
        ctx.error(data.lines.get("id", data.line),
                  f"topic id '{tid}' is too long for a button: its button data can reach {size} "
                  f"bytes and Telegram allows {contract.CALLBACK_DATA_LIMIT}; shorten it to at "
                  f"most {max(len(tid) - (size - contract.CALLBACK_DATA_LIMIT), 0)} characters")
    if None in (title, answer) or not examples:
        return None
    return Topic(
        id=tid,
        title=title,  # type: ignore[arg-type]
        answer=answer,  # type: ignore[arg-type]
        keywords=tuple(t for t, _ in keywords),
        negative_keywords=tuple(t for t, _ in negative),
        examples=examples,
        example_sources=example_sources,
        related=tuple(r for r, _ in related),
        source=ctx.source(pending.line),
    )


def _read_entries(
    folder: Path,
    problems: Problems,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    kind: str,
) -> list[_Pending]:
    """Read every `<id>.yaml` of a folder: keys, version, id; the rest is parsed later."""
    if not folder.is_dir():
        problems.error(display_path(folder), 0, f"folder not found; create it and put one "
                                                f"`<id>.yaml` per {kind} in it")
        return []
    out: list[_Pending] = []
    for file in sorted(folder.iterdir()):
        if file.suffix == ".yml":
            problems.error(display_path(file), 1, f"rename to '{file.stem}.yaml'; only .yaml "
                                                  "files are read")
            continue
        if file.suffix != ".yaml" or file.name.startswith("."):
            continue
        ctx, data = read_yaml(file, problems)
        if data is None:
            continue
        ident = _check_id(ctx, data, file, kind)
        what = f"{kind} '{ident or file.stem}'"
        ctx.check_keys(data, allowed, required, what)
        if ident is not None:
            out.append(_Pending(ctx, data, ident, data.lines["id"]))
    return out


# --------------------------------------------------------------------------- other files


def _read_negatives(path: Path, problems: Problems) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    if not path.is_file():
        problems.error(display_path(path), 1, "file not found; create it with `version: 1` and "
                                              "`examples:` (messages about none of the reasons)")
        return (), ()
    ctx, data = read_yaml(path, problems)
    if data is None:
        return (), ()
    ctx.check_keys(data, ("version", "examples"), ("examples",), "negatives.yaml")
    return _examples(ctx, data, "negatives.yaml")


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
        text = ctx.text_value(value, m.raw.get(key), line, f"{section[:-1]} '{key}'")
        if text is None:
            continue
        out[key] = text
        if key not in expected:
            ctx.warn(line, f"{section[:-1]} '{key}' is not used by the bot; "
                           f"{_did_you_mean(key, expected)}remove it or fix the name")
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
                            f"{_did_you_mean(name, expected[key])}allowed: {allowed}")
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
                                   f"{_did_you_mean(key, contract.INTENTS)}known: "
                                   f"{', '.join(contract.INTENTS)}")
        phrases = ctx.strings(m, key, f"intent '{key}'", min_items=1)
        for phrase, line in phrases:
            norm = " ".join(phrase.lower().split())
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
class _Messages:
    messages: dict[str, Text] = field(default_factory=dict)
    buttons: dict[str, Text] = field(default_factory=dict)
    commands: dict[str, Text] = field(default_factory=dict)
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _read_messages(path: Path, problems: Problems, *, required: bool) -> _Messages:
    if not path.is_file():
        if required:
            problems.error(display_path(path), 1, "file not found; it holds every sentence, "
                                                  "button label and command description the bot "
                                                  "uses")
        return _Messages()
    ctx, data = read_yaml(path, problems)
    if data is None:
        return _Messages()
    ctx.check_keys(data, ("version", "messages", "buttons", "commands", "intents"),
                   ("messages", "buttons", "commands"), "messages.yaml")
    out = _Messages(
        messages=_read_section(ctx, data, "messages", contract.MESSAGES),
        buttons=_read_section(ctx, data, "buttons", contract.BUTTONS),
        commands=_read_section(
            ctx, data, "commands", {name: frozenset() for name in contract.COMMANDS}
        ),
        intents=_read_intents(ctx, data),
    )
    for key, text in out.commands.items():
        for lang, desc in text.by_lang.items():
            if len(desc) > 256:
                ctx.error(data["commands"].lines[key], f"command '{key}' ({lang}) description is "
                                                       f"{len(desc)} characters; Telegram allows "
                                                       "256")
    return out


def _read_matching(path: Path, problems: Problems) -> Mapping[str, object]:
    if not path.is_file():
        problems.warn(display_path(path), 1, "file not found; the matcher runs without "
                                             "synonyms and stop words")
        return MappingProxyType({})
    _, data = read_yaml(path, problems)
    return data if data is not None else MappingProxyType({})


def _policy_section(ctx: FileCtx, data: YMap, key: str, fields: tuple[str, ...]) -> YMap | None:
    """Return a policy section; `fields` are its required keys (empty: any key allowed)."""
    if key not in data:
        return None
    m = ctx.mapping(data[key], data.lines[key], f"`{key}`")
    if m is not None and fields:
        ctx.check_keys(m, fields, fields, f"`{key}`")
    return m


def _day_range(ctx: FileCtx, m: YMap, key: str) -> tuple[int, int] | None:
    if key not in m:
        return None
    v = m[key]
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
        and v[0] <= v[1]
    )
    if not ok:
        ctx.error(m.lines[key], f"`review_days.{key}` must be [from, to] with whole numbers of "
                                f"days, from <= to, e.g. [7, 14]; not {_describe(v)}")
        return None
    return int(v[0]), int(v[1])


def _read_policy(path: Path, problems: Problems) -> Policy | None:
    if not path.is_file():
        problems.error(display_path(path), 1, "file not found; it holds the attempt thresholds, "
                                              "follow-up delays, matching numbers and links")
        return None
    ctx, data = read_yaml(path, problems)
    if data is None:
        return None
    top = ("version", "attempts", "followup", "review_days", "retention_days", "limits",
           "dialogue", "matching", "links")
    ctx.check_keys(data, top, top[1:], "policy.yaml")
    att = _policy_section(ctx, data, "attempts", ("manual_review_after", "lock_after"))
    fol = _policy_section(ctx, data, "followup", (
        "after_resubmit_hours", "still_waiting_hours", "manual_review_days", "late_after_minutes",
    ))
    rev = _policy_section(ctx, data, "review_days", ("standard", "complex", "extreme"))
    lim = _policy_section(ctx, data, "limits", (
        "max_message_chars", "flood_messages", "flood_window_seconds",
    ))
    dia = _policy_section(ctx, data, "dialogue", (
        "intent_cutoff", "intent_max_words", "option_cutoff",
    ))
    empty = YMap()
    att, fol, rev, lim, dia = (x if x is not None else empty for x in (att, fol, rev, lim, dia))
    manual = ctx.number(att, "manual_review_after", "`attempts`", lo=1, integer=True)
    lock = ctx.number(att, "lock_after", "`attempts`", lo=1, integer=True)
    if manual is not None and lock is not None and lock <= manual:
        ctx.error(att.lines["lock_after"], f"`attempts.lock_after` ({lock:g}) must be above "
                                           f"`manual_review_after` ({manual:g})")
    after_resubmit = ctx.number(fol, "after_resubmit_hours", "`followup`", lo=0, exclusive_lo=True)
    still_waiting = ctx.number(fol, "still_waiting_hours", "`followup`", lo=0, exclusive_lo=True)
    manual_days = ctx.number(fol, "manual_review_days", "`followup`", lo=0, exclusive_lo=True)
    late = ctx.number(fol, "late_after_minutes", "`followup`", lo=0)
    standard = _day_range(ctx, rev, "standard")
    complex_ = _day_range(ctx, rev, "complex")
    extreme = ctx.number(rev, "extreme", "`review_days`", lo=1, integer=True)
    retention = ctx.number(data, "retention_days", "policy.yaml", lo=1, integer=True)
    max_chars = ctx.number(lim, "max_message_chars", "`limits`", lo=1, integer=True)
    flood = ctx.number(lim, "flood_messages", "`limits`", lo=1, integer=True)
    window = ctx.number(lim, "flood_window_seconds", "`limits`", lo=0, exclusive_lo=True)
    intent_cutoff = ctx.number(dia, "intent_cutoff", "`dialogue`", lo=0, hi=100)
    intent_words = ctx.number(dia, "intent_max_words", "`dialogue`", lo=1, integer=True)
    option_cutoff = ctx.number(dia, "option_cutoff", "`dialogue`", lo=0, hi=100)
    matching: dict[str, float] = {}  # int values stay int
    mm = _policy_section(ctx, data, "matching", ())
    for key in mm or ():
        value = ctx.number(mm, key, "`matching`") if mm is not None else None
        if value is not None and mm is not None:
            matching[key] = mm[key]  # keep ints as ints: some are counts, not thresholds
    links: dict[str, str] = {}
    lm = _policy_section(ctx, data, "links", ())
    for key in lm or ():
        url = ctx.string(lm, key, "`links`") if lm is not None else None
        if url is None or lm is None:
            continue
        if not URL_RE.match(url):
            ctx.error(lm.lines[key], f"link '{key}' is not a web address: '{url}'; write it as "
                                     "https://...")
            continue
        links[key] = url
    values = (manual, lock, after_resubmit, still_waiting, manual_days, late, standard, complex_,
              extreme, retention, max_chars, flood, window, intent_cutoff, intent_words,
              option_cutoff, mm, lm)
    if any(v is None for v in values):
        return None
    return Policy(
        manual_review_after=int(manual),  # type: ignore[arg-type]
        lock_after=int(lock),  # type: ignore[arg-type]
        followup_after_resubmit_hours=after_resubmit,  # type: ignore[arg-type]
        followup_still_waiting_hours=still_waiting,  # type: ignore[arg-type]
        followup_manual_review_days=manual_days,  # type: ignore[arg-type]
        followup_late_after_minutes=late,  # type: ignore[arg-type]
        review_standard_days=standard,  # type: ignore[arg-type]
        review_complex_days=complex_,  # type: ignore[arg-type]
        review_extreme_days=int(extreme),  # type: ignore[arg-type]
        retention_days=int(retention),  # type: ignore[arg-type]
        max_message_chars=int(max_chars),  # type: ignore[arg-type]
        flood_messages=int(flood),  # type: ignore[arg-type]
        flood_window_seconds=window,  # type: ignore[arg-type]
        intent_cutoff=intent_cutoff,  # type: ignore[arg-type]
        intent_max_words=int(intent_words),  # type: ignore[arg-type]
        option_cutoff=option_cutoff,  # type: ignore[arg-type]
        matching=MappingProxyType(matching),
        links=MappingProxyType(links),
    )


# --------------------------------------------------------------------------- whole base


def _check_duplicate_examples(
    kb_entries: list[tuple[str, tuple[str, ...], tuple[Source, ...]]], problems: Problems
) -> None:
    """Report one example written under two different entries (it cannot mean both)."""
    owner: dict[str, tuple[str, Source]] = {}
    for entry, examples, sources in kb_entries:
        for text, src in zip(examples, sources, strict=True):
            key = " ".join(text.lower().split())
            if key in owner and owner[key][0] != entry:
                first_entry, first_src = owner[key]
                problems.error(src.path, src.line,
                               f"example '{text}' is also an example of {first_entry} "
                               f"({first_src}); keep it under one entry only")
            else:
                owner.setdefault(key, (entry, src))


MatcherCheck = Callable[[KnowledgeBase], tuple[list[str], list[str]]]


def _matcher_check(problems: Problems, root: str) -> MatcherCheck | None:
    try:
        module = importlib.import_module("bot.understanding.matcher")
    except ModuleNotFoundError as exc:
        if exc.name == "bot.understanding.matcher":
            logger.debug("bot.understanding.matcher not present; examples are not checked against it")
            return None
        problems.warn(root, 0, f"the matcher cannot be imported ({exc}); examples were not checked")
        return None
    except Exception as exc:  # a half-written matcher must not hide the structural checks
        logger.exception("importing bot.understanding.matcher failed")
        problems.warn(root, 0, f"the matcher cannot be imported ({type(exc).__name__}: {exc}); "
                               "examples were not checked")
        return None
    check = getattr(module, "check_knowledge", None)
    if check is None:
        logger.debug("bot.understanding.matcher has no check_knowledge; examples are not checked against it")
    return check


def collect(
    path: str | os.PathLike[str],
    *,
    check_matcher: bool = True,
    require_messages: bool = True,
) -> tuple[KnowledgeBase | None, list[str], list[str]]:
    """Read the knowledge base at `path`; return (kb or None, errors, warnings), sorted."""
    root = Path(path)
    problems = Problems()
    if not root.is_dir():
        problems.error(display_path(root), 0, "not a knowledge folder (not found or not a "
                                              "directory); pass e.g. knowledge/")
        return None, Problems.render(problems.errors), []
    policy = _read_policy(root / "policy.yaml", problems)
    reason_files = _read_entries(root / "reasons", problems, REASON_KEYS, REASON_REQUIRED, "reason")
    topic_files = _read_entries(root / "topics", problems, TOPIC_KEYS, TOPIC_REQUIRED, "topic")
    # An id used twice (two files, or a reason and a topic) would make matches ambiguous.
    first: dict[str, _Pending] = {}
    for kind, entries in (("reason", reason_files), ("topic", topic_files)):
        for p in entries:
            if p.id in first:
                other = first[p.id]
                p.ctx.error(p.line, f"{kind} id '{p.id}' is already used in {other.ctx.path}:"
                                    f"{other.line}; ids must be unique across reasons and topics")
            else:
                first[p.id] = p
    topic_ids = {p.id for p in topic_files}
    reasons = {}
    for p in reason_files:
        r = _parse_reason(p, topic_ids)
        if r is not None:
            reasons.setdefault(r.id, r)
    topics = {}
    for p in topic_files:
        t = _parse_topic(p, topic_ids)
        if t is not None:
            topics.setdefault(t.id, t)
    reason_ids = {p.id for p in reason_files}
    for rid in KNOWN_REASONS:
        if rid not in reason_ids:
            problems.warn(display_path(root / "reasons"), 0,
                          f"reason '{rid}' is missing; the bot cannot recognise it: add "
                          f"reasons/{rid}.yaml")
    for tid in KNOWN_TOPICS:
        if tid not in topic_ids:
            problems.warn(display_path(root / "topics"), 0,
                          f"topic '{tid}' is missing; users asking about it get no answer: add "
                          f"topics/{tid}.yaml")
    negatives, negative_sources = _read_negatives(root / "negatives.yaml", problems)
    msgs = _read_messages(root / "messages.yaml", problems, required=require_messages)
    matching = _read_matching(root / "matching.yaml", problems)
    entries = [(f"reason '{r.id}'", r.examples, r.example_sources) for r in reasons.values()]
    entries += [(f"topic '{t.id}'", t.examples, t.example_sources) for t in topics.values()]
    entries.append(("negatives.yaml", negatives, negative_sources))
    _check_duplicate_examples(entries, problems)

    kb: KnowledgeBase | None = None
    if not problems.errors and policy is not None:
        kb = KnowledgeBase(
            reasons=MappingProxyType(reasons),
            topics=MappingProxyType(topics),
            negatives=negatives,
            negative_sources=negative_sources,
            messages=MappingProxyType(msgs.messages),
            buttons=MappingProxyType(msgs.buttons),
            commands=MappingProxyType(msgs.commands),
            intents=MappingProxyType(msgs.intents),
            matching=matching,
            policy=policy,
            root=str(root),
        )
        check = _matcher_check(problems, display_path(root)) if check_matcher else None
        if check is not None:
            try:
                errors, warnings = check(kb)
            except Exception as exc:  # report, so validate prints it next to the other problems
                logger.exception("bot.understanding.matcher.check_knowledge failed")
                problems.error(display_path(root), 0, f"the matcher's check crashed "
                                                      f"({type(exc).__name__}: {exc}); fix "
                                                      "bot/understanding/matcher.py")
            else:
                problems.add_formatted(errors, warning=False)
                problems.add_formatted(warnings, warning=True)
    errors = Problems.render(problems.errors)
    warnings = Problems.render(problems.warnings)
    if errors:
        return None, errors, warnings
    if kb is not None:
        kb = dataclasses.replace(kb, warnings=tuple(warnings))
    return kb, errors, warnings


def load_knowledge(
    path: str | os.PathLike[str],
    *,
    check_matcher: bool = True,
    require_messages: bool = True,
) -> KnowledgeBase:
    """Load and check the knowledge base at `path`; raise `KnowledgeError` with every error.

    `check_matcher=False` skips the matcher's example checks (for benchmarks and the matcher's
    own tests); `require_messages=False` accepts a base without messages.yaml (development only).
    """
    kb, errors, warnings = collect(
        path, check_matcher=check_matcher, require_messages=require_messages
    )
    if errors or kb is None:
        raise KnowledgeError(errors)
    for w in warnings:
        logger.warning("knowledge: %s", w)
    logger.info(
        "loaded knowledge from %s: %d reasons, %d topics, %d examples",
        path, len(kb.reasons), len(kb.topics), kb.example_count,
    )
    return kb
