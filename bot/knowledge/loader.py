"""Load `knowledge/` into a `KnowledgeBase`, collecting every problem as `file:line: message`.

`load_knowledge` and `python -m bot validate` share one code path (`collect`), so the bot refuses
exactly the knowledge bases the validator reports errors for.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bot.core import payload
from bot.knowledge import contract, overlay, schema
from bot.knowledge.accessors import ID_RE, FileCtx, read_yaml
from bot.knowledge.coverage import MIN_EXAMPLES
from bot.knowledge.model import (
    DEFAULT_LANG,
    END_KINDS,
    KnowledgeBase,
    Option,
    Phrasing,
    Reason,
    Source,
    Step,
    Text,
    Topic,
)
from bot.knowledge.policy_reader import read_policy
from bot.knowledge.problems import Problem, Problems, did_you_mean, display_path, known
from bot.knowledge.schema import Schema, check_matching
from bot.knowledge.yamlfile import YMap
from bot.shared.errors import KnowledgeError

logger = logging.getLogger(__name__)

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

_PROBLEM_RE = re.compile(r"^(?P<path>.*?):(?P<line>\d+): (?P<msg>.*)$", re.S)

# --------------------------------------------------------------------------- reasons and topics

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
        schema.STEP.check(ctx, m, label)
        step_id = ctx.ident(m, "id", label)
        text = ctx.text(m, "text", label)
        nxt = ctx.ident(m, "next", label)
        end = ctx.string(m, "end", label)
        if end is not None and end not in END_KINDS:
            ctx.error(m.lines["end"], f"`end` '{end}' of {label} is not one of "
                                      f"{', '.join(END_KINDS)}; {did_you_mean(end, END_KINDS)}"
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
                schema.OPTION.check(ctx, om, owhat)
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
                ctx.error(line, f"next '{ref}' not found; {did_you_mean(ref, ids)}"
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
                                              f"{did_you_mean(sev, SEVERITIES)}pick one of them")
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
        ctx.error(data.lines["start"], f"start '{start}' not found; {did_you_mean(start, ids)}"
                                       f"known: {', '.join(ids)}")
    if not incomplete and steps and start is not None:
        _check_graph(ctx, rid, steps, start)
    _check_payloads(ctx, rid, data.lines.get("id", data.line), steps)
    for s in steps:
        refs = [o.topic for o in s.options if o.topic] + s.topics
        for ref, line in refs:
            if ref not in topic_ids:
                ctx.error(line, f"topic '{ref}' not found; {did_you_mean(ref, topic_ids)}"
                                f"known: {known(topic_ids)}")
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
            ctx.error(line, f"topic '{ref}' not found; {did_you_mean(ref, topic_ids)}"
                            f"known: {known(topic_ids)}")
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
    kind_schema: Schema,
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
        kind_schema.check(ctx, data, what)
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
    schema.NEGATIVES.check(ctx, data, "negatives.yaml")
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
    schema.MESSAGES.check(ctx, data, "messages.yaml")
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
            if len(desc) > contract.COMMAND_DESCRIPTION_LIMIT:
                ctx.error(data["commands"].lines[key], f"command '{key}' ({lang}) description is "
                                                       f"{len(desc)} characters; Telegram allows "
                                                       f"{contract.COMMAND_DESCRIPTION_LIMIT}")
    return out


def _read_matching(path: Path, problems: Problems) -> Mapping[str, object]:
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


# --------------------------------------------------------------------------- whole base


def _check_duplicate_examples(entries: list[tuple[str, Phrasing]], problems: Problems) -> None:
    """Report one example written under two different entries (it cannot mean both)."""
    owner: dict[str, tuple[str, Source]] = {}
    for entry, phrasing in entries:
        for text, src in zip(phrasing.examples, phrasing.example_sources, strict=True):
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


def _parsed(items: Iterable[str]) -> list[Problem]:
    """Turn the matcher's `file:line: message` strings back into problems."""
    out = []
    for item in items:
        m = _PROBLEM_RE.match(item)
        out.append(Problem(m["path"], int(m["line"]), m["msg"]) if m else Problem(item, 0, ""))
    return out


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
    policy = read_policy(root / "policy.yaml", problems)
    reason_files = _read_entries(root / "reasons", problems, schema.REASON, "reason")
    topic_files = _read_entries(root / "topics", problems, schema.TOPIC, "topic")
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
    overlays = overlay.read_overlays(
        root, problems,
        {p.id: reasons.get(p.id) for p in reason_files},
        {p.id: topics.get(p.id) for p in topic_files},
        msgs.messages, msgs.buttons, msgs.commands,
    )
    reasons = {rid: overlay.merge_reason(r, overlays) for rid, r in reasons.items()}
    topics = {tid: overlay.merge_topic(t, overlays) for tid, t in topics.items()}
    negative_overlays = {o.lang: o.negatives for o in overlays if o.negatives is not None}
    for lang in ("en", *(o.lang for o in overlays)):
        entries = [(f"reason '{r.id}'", r.phrasing(lang)) for r in reasons.values()]
        entries += [(f"topic '{t.id}'", t.phrasing(lang)) for t in topics.values()]
        if lang == "en":
            entries.append(("negatives.yaml", Phrasing("en", negatives, negative_sources)))
        elif lang in negative_overlays:
            entries.append((f"negatives.yaml ({lang})", negative_overlays[lang]))
        _check_duplicate_examples(entries, problems)

    kb: KnowledgeBase | None = None
    if not problems.errors and policy is not None:
        kb = KnowledgeBase(
            reasons=MappingProxyType(reasons),
            topics=MappingProxyType(topics),
            negatives=negatives,
            negative_sources=negative_sources,
            messages=MappingProxyType(overlay.merge_texts(msgs.messages, overlays, "messages")),
            buttons=MappingProxyType(overlay.merge_texts(msgs.buttons, overlays, "buttons")),
            commands=MappingProxyType(overlay.merge_texts(msgs.commands, overlays, "commands")),
            intents=MappingProxyType(overlay.merge_intents(msgs.intents, overlays)),
            matching=matching,
            policy=policy,
            root=str(root),
            negative_overlays=MappingProxyType(negative_overlays),
            matching_overlays=MappingProxyType(
                {o.lang: o.matching for o in overlays if o.matching is not None}
            ),
            intent_overlays=MappingProxyType(
                {o.lang: MappingProxyType(o.intents) for o in overlays}
            ),
            languages=(DEFAULT_LANG, *(o.lang for o in overlays)),
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
                problems.extend(_parsed(errors), _parsed(warnings))
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
