"""The checks on a reason's step graph: every `next` names a step, every step can be reached from
`start`, no step is a dead end, and every path reaches a step with `end` (no endless loops)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.knowledge.accessors import FileCtx
from bot.knowledge.problems import did_you_mean
from bot.knowledge.steps import RawStep


def check_graph(ctx: FileCtx, reason_id: str, steps: list[RawStep], start: str) -> None:
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


