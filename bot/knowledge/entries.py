"""Reasons and topics: read each `<id>.yaml`, then build the model once every id is known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bot.knowledge.accessors import FileCtx, read_yaml
from bot.knowledge.coverage import MIN_EXAMPLES
from bot.knowledge.graph import check_graph
from bot.knowledge.model import PROVENANCES, Option, Reason, Source, Step, Topic
from bot.knowledge.problems import Problems, did_you_mean, display_path, known
from bot.knowledge.schema import Schema
from bot.knowledge.steps import parse_steps
from bot.knowledge.ytypes import YMap

SEVERITIES: tuple[str, ...] = ("minor", "normal", "severe")


@dataclass
class Pending:
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


def read_examples(ctx: FileCtx, data: YMap, what: str) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    items = ctx.strings(data, "examples", what)
    seen: dict[str, int] = {}
    for text, line in items:
        key = " ".join(text.lower().split())
        if key in seen:
            ctx.warn(line, f"example '{text}' repeats line {seen[key]}; remove one")
        else:
            seen[key] = line
    return tuple(t for t, _ in items), tuple(ctx.source(ln) for _, ln in items)


def parse_reason(pending: Pending, topic_ids: set[str], reason_ids: set[str]) -> Reason | None:
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
    examples, example_sources = read_examples(ctx, data, what)
    if "examples" in data and len(examples) < MIN_EXAMPLES:
        ctx.warn(data.lines["examples"], f"{what} has {len(examples)} examples; write at least "
                                         f"{MIN_EXAMPLES} so the matcher learns its wordings")
    support = ctx.text(data, "support", what)
    steps, incomplete = parse_steps(ctx, data, what)
    ids = [s.id for s in steps]
    start = ctx.ident(data, "start", what) if "start" in data else (ids[0] if ids else None)
    # With a step left out, references to it would be reported as errors that are not.
    if not incomplete and start is not None and ids and start not in ids:
        ctx.error(data.lines["start"], f"start '{start}' not found; {did_you_mean(start, ids)}"
                                       f"known: {', '.join(ids)}")
    if not incomplete and steps and start is not None:
        check_graph(ctx, rid, steps, start)
    for s in steps:
        refs = [o.topic for o in s.options if o.topic] + s.topics
        for ref, line in refs:
            if ref not in topic_ids:
                ctx.error(line, f"topic '{ref}' not found; {did_you_mean(ref, topic_ids)}"
                                f"known: {known(topic_ids)}")
        for o in s.options:
            for ref, line in o.covers:
                if ref not in reason_ids or ref == rid:
                    others = reason_ids - {rid}
                    ctx.error(line, f"`covers` names '{ref}', which is not another reason; "
                                    f"{did_you_mean(ref, others)}known: {known(others)}")
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
                        failures=o.failures,
                        said=MappingProxyType({"en": o.said} if o.said else {}),
                        covers=tuple(c for c, _ in o.covers),
                    )
                    for o in s.options
                ),
                next=s.next[0] if s.next else None,
                end=s.end,
                topics=tuple(t for t, _ in s.topics),
                source=ctx.source(s.line),
                title=s.title,
                closes=s.closes,
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


def parse_topic(pending: Pending, topic_ids: set[str]) -> Topic | None:
    ctx, data, tid = pending.ctx, pending.data, pending.id
    what = f"topic '{tid}'"
    title = ctx.text(data, "title", what)
    answer = ctx.text(data, "answer", what)
    keywords = ctx.strings(data, "keywords", what)
    negative = ctx.strings(data, "negative_keywords", what)
    examples, example_sources = read_examples(ctx, data, what)
    related = ctx.ids(data, "related", what)
    provenance = ctx.string(data, "source", what) if "source" in data else "guide"
    if provenance is not None and provenance not in PROVENANCES:
        ctx.error(data.lines["source"], f"`source` '{provenance}' of {what} is not one of "
                                        f"{', '.join(PROVENANCES)}: write `guide` when the guide "
                                        "says it, `general` for general advice the guide lacks")
    for ref, line in related:
        if ref == tid:
            ctx.error(line, f"{what} lists itself in `related`; remove it")
        elif ref not in topic_ids:
            ctx.error(line, f"topic '{ref}' not found; {did_you_mean(ref, topic_ids)}"
                            f"known: {known(topic_ids)}")
    if "examples" in data and not examples:
        ctx.error(data.lines["examples"], f"{what} has no examples; add the questions users ask")
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
        provenance=provenance or "guide",
    )


def read_entries(
    folder: Path,
    problems: Problems,
    kind_schema: Schema,
    kind: str,
) -> list[Pending]:
    """Read every `<id>.yaml` of a folder: keys, version, id; the rest is parsed later."""
    if not folder.is_dir():
        problems.error(display_path(folder), 0, f"folder not found; create it and put one "
                                                f"`<id>.yaml` per {kind} in it")
        return []
    out: list[Pending] = []
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
            out.append(Pending(ctx, data, ident, data.lines["id"]))
    return out


