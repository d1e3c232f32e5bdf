"""A reason's `steps:` as written: each step and option with its lines, before the graph checks."""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge import schema
from bot.knowledge.accessors import FileCtx
from bot.knowledge.model import CLOSURES, END_KINDS, Text
from bot.knowledge.problems import describe, did_you_mean
from bot.knowledge.ytypes import YMap


@dataclass
class RawOption:
    label: Text | None
    next: tuple[str, int] | None
    topic: tuple[str, int] | None
    line: int
    failures: tuple[int, int] | None = None
    said: tuple[str, ...] = ()
    covers: tuple[tuple[str, int], ...] = ()


@dataclass
class RawStep:
    id: str
    text: Text | None
    options: list[RawOption]
    next: tuple[str, int] | None
    end: str | None
    topics: list[tuple[str, int]]
    line: int
    title: Text | None = None
    closes: str | None = None


def parse_steps(ctx: FileCtx, data: YMap, what: str) -> tuple[list[RawStep], bool]:
    """Return the steps with a usable id, and whether any step had to be left out."""
    items = ctx.seq(data, "steps", what)
    if items is None:
        return [], True
    if not items:
        ctx.error(data.lines["steps"], f"{what} has no steps; write at least one step")
    steps: list[RawStep] = []
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
        title = ctx.text(m, "title", label) if "title" in m else None
        closes = _closes(ctx, m, label, end)
        options: list[RawOption] = []
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
                    RawOption(
                        label=ctx.text(om, "label", owhat),
                        next=(o_next, om.lines["next"]) if o_next else None,
                        topic=(o_topic, om.lines["topic"]) if o_topic else None,
                        line=om.line,
                        failures=_failures(ctx, om, owhat),
                        said=tuple(t for t, _ in ctx.strings(om, "said", owhat))
                        if "said" in om else (),
                        covers=tuple(ctx.strings(om, "covers", owhat)) if "covers" in om else (),
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
            RawStep(
                id=step_id,
                text=text,
                options=options,
                next=(nxt, m.lines["next"]) if nxt else None,
                end=end,
                topics=topics,
                line=m.line,
                title=title,
                closes=closes,
            )
        )
    return steps, incomplete


def _closes(ctx: FileCtx, m: YMap, label: str, end: str | None) -> str | None:
    """Read a step's `closes:` (why the case closes on this `end: final` step)."""
    closes = ctx.string(m, "closes", label) if "closes" in m else None
    if closes is not None and closes not in CLOSURES:
        ctx.error(m.lines["closes"], f"`closes` '{closes}' of {label} is not one of "
                                     f"{', '.join(CLOSURES)}; {did_you_mean(closes, CLOSURES)}"
                                     "pick one of them")
        return None
    if closes is not None and end != "final":
        ctx.error(m.lines["closes"], f"{label} has `closes` but not `end: final`; only the last "
                                     "step of a fix that leaves nothing to try closes the case")
    return closes


def _failures(ctx: FileCtx, m: YMap, what: str) -> tuple[int, int] | None:
    """Read an option's `failures: [low, high]`: the failed attempts an answer to "how many
    times has it failed?" means (`high` may be large for "5 or more")."""
    if "failures" not in m:
        return None
    v = m["failures"]
    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
        return int(v), int(v)
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
        and v[0] <= v[1]
    )
    if not ok:
        ctx.error(m.lines["failures"], f"`failures` of {what} must be a whole number or [low, "
                                       f"high], e.g. [3, 4]; not {describe(v)}")
        return None
    return int(v[0]), int(v[1])


