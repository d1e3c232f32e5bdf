"""Check the knowledge base against the matcher: structured problems for `validate` and the bot.

`check_knowledge(kb)` returns `Problem(path, line, message, severity)`s:
- errors: an example whose top match (with the full index, as the bot would see that exact
  message) is not its own entry; a negatives.yaml example that matches anything;
- warnings: examples of different entries that read the same to the matcher.
matching.yaml's structure is checked by the knowledge layer before this runs. Leave-one-out
accuracy is reported by `bot eval`, not here.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.knowledge.model import KnowledgeBase, Source
from bot.knowledge.problems import Problem
from bot.understanding.matcher import Matcher


def _examples(kb: KnowledgeBase) -> Iterator[tuple[str, str, str, Source | None]]:
    for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
        for item in items:
            for i, ex in enumerate(item.examples):
                src = item.example_sources[i] if i < len(item.example_sources) else None
                yield kind, item.id, ex, src


def _at(src: Source | None, fallback: str, message: str, severity: str = "error") -> Problem:
    if src is None:
        return Problem(fallback, 0, message, severity)  # type: ignore[arg-type]
    return Problem(src.path, src.line, message, severity)  # type: ignore[arg-type]


def check_knowledge(kb: KnowledgeBase) -> list[Problem]:
    """Return every problem the matcher finds in `kb` (see the module docstring)."""
    problems: list[Problem] = []
    matcher = Matcher.build(kb)
    for kind, ident, ex, src in _examples(kb):
        top = matcher.match(ex).top
        if top is None:
            problems.append(_at(src, ident, f"example '{ex}' of {kind} {ident} matches nothing; "
                                            "use words closer to the entry's keywords or notices"))
        elif (top.kind, top.id) != (kind, ident):
            problems.append(_at(src, ident, f"example '{ex}' of {kind} {ident} matches "
                                            f"{top.kind} {top.id} ({top.score:.0f}) first; "
                                            "reword it, move it, or add a keyword"))
    for i, ex in enumerate(kb.negatives):
        matches = matcher.match(ex).matches
        if matches:
            src = kb.negative_sources[i] if i < len(kb.negative_sources) else None
            problems.append(_at(src, "negatives.yaml", f"negative example '{ex}' matches "
                                                       f"{matches[0].kind} {matches[0].id} "
                                                       f"({matches[0].score:.0f}); reword it or "
                                                       "remove it"))
    problems += _twins(matcher, kb)
    matcher.forget()
    return problems


def _twins(matcher: Matcher, kb: KnowledgeBase) -> list[Problem]:
    """Warn about examples of different entries whose normalised words are the same."""
    seen: dict[tuple[str, ...], tuple[str, str, Source | None]] = {}
    out: list[Problem] = []
    for kind, ident, ex, src in _examples(kb):
        key = tuple(sorted(set(matcher._doc_terms(ex))))
        if not key:
            continue
        other = seen.get(key)
        if other is not None and (other[0], other[1]) != (kind, ident):
            where = f"{other[2]}" if other[2] is not None else other[1]
            out.append(_at(src, ident, f"example '{ex}' of {kind} {ident} reads the same to the "
                                       f"matcher as an example of {other[0]} {other[1]} "
                                       f"({where}); the matcher cannot tell them apart",
                           "warning"))
        else:
            seen.setdefault(key, (kind, ident, src))
    return out
