"""Check the knowledge base against the matcher: structured problems for `validate` and the bot.

`check_knowledge(kb)` returns `Problem(path, line, message, severity)`s (bot.knowledge.problems):
- errors: a `boilerplate` or `reason_markers` pattern (any language's matching.yaml) that the
  linear-time regex engine (RE2) cannot run or that matches empty text; an example (any
  language) whose top match, with the full index as the bot would see that exact message, is
  not its own entry; a negative example (any language) that matches anything;
- warnings: examples of different entries that read the same to the matcher.
The rest of matching.yaml's structure is checked by the knowledge layer before this runs.
Leave-one-out accuracy is reported by `bot eval`, not here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from bot.knowledge.problems import Problem, Severity, did_you_mean
from bot.understanding import cache, parallel
from bot.understanding.matcher import Matcher, phrasings
from bot.understanding.patterns import check_pattern
from bot.understanding.settings import PATTERN_LISTS, matching_files


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _matching_path(kb: Any, lang: str) -> str:
    root = Path(kb.root or ".")
    return _display(root / "matching.yaml" if lang == "en" else
                    root / "i18n" / lang / "matching.yaml")


def check_matching(kb: Any) -> list[Problem]:
    """Return the `boilerplate`/`reason_markers` patterns RE2 cannot run, in every language."""
    problems: list[Problem] = []
    for lang, data in matching_files(kb):
        if data:
            problems += _check_patterns(data, _matching_path(kb, lang))
            problems += _check_reason_ids(kb, data, _matching_path(kb, lang))
    return problems


def _check_reason_ids(kb: Any, data: Mapping[str, object], path: str) -> list[Problem]:
    """`keyword_clauses` names reasons and `keyword_topics` topics: warn about a name that is
    none."""
    problems: list[Problem] = []
    for name, kind, ids in (("keyword_clauses", "reason", kb.reasons),
                            ("keyword_topics", "topic", kb.topics)):
        value = data.get(name)
        if not isinstance(value, list):
            continue
        item_lines = getattr(value, "lines", [])
        top = getattr(data, "lines", {}).get(name, getattr(data, "line", 1) or 1)
        known = sorted(ids)
        # a warning, as a missing file is: the list may name an entry this base left out
        problems += [Problem(path, item_lines[k] if k < len(item_lines) else top,
                             f"`{name}` names '{rid}', which is not a {kind} (ignored); "
                             f"{did_you_mean(str(rid), known)}known: {', '.join(known)}",
                             "warning")
                     for k, rid in enumerate(value) if rid not in ids]
    return problems


def _check_patterns(data: Mapping[str, object], path: str) -> list[Problem]:
    lines = getattr(data, "lines", {})
    top = getattr(data, "line", 1) or 1
    out: list[Problem] = []
    for name in PATTERN_LISTS:
        value = data.get(name)
        if not isinstance(value, list):
            continue  # the knowledge layer reports a list that is not one
        item_lines = getattr(value, "lines", [])
        for k, pattern in enumerate(value):
            why = check_pattern(str(pattern))
            if why:
                at = item_lines[k] if k < len(item_lines) else lines.get(name, top)
                out.append(Problem(path, at, f"`{name}` pattern '{pattern}' cannot be used: {why}"))
    return out


def _examples(kb: Any) -> Iterator[tuple[str, str, str, str, str]]:
    """Yield (kind, id, lang, example, file:line) for every example of every language."""
    for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
        for item in items:
            for p in phrasings(item):
                sources = getattr(p, "example_sources", ())
                for i, ex in enumerate(p.examples):
                    src = sources[i] if i < len(sources) else None
                    yield kind, item.id, getattr(p, "lang", "en"), ex, _where(src, item.id)


def _negatives(kb: Any) -> Iterator[tuple[str, str]]:
    for lang in getattr(kb, "languages", ("en",)):
        found = kb.negatives_in(lang) if hasattr(kb, "negatives_in") else None
        texts = found.examples if found is not None else kb.negatives
        sources = found.example_sources if found is not None else kb.negative_sources
        for i, ex in enumerate(texts):
            src = sources[i] if i < len(sources) else None
            yield ex, _where(src, "negatives.yaml")


def _where(src: object, fallback: str) -> str:
    return str(src) if src is not None else f"{fallback}:0"


def _problem(where: str, message: str, severity: Severity = "error") -> Problem:
    path, _, line = where.rpartition(":")
    return Problem(path, int(line) if line.isdigit() else 0, message, severity)


def check_knowledge(kb: Any) -> list[Problem]:
    """Return every problem the matcher finds in `kb` (see the module docstring).

    Matching every example takes seconds: the result is kept on disk (`cache`) under the
    matcher's own key and every example with its place, so an unchanged base is checked once.
    """
    problems = check_matching(kb)
    if any(p.severity == "error" for p in problems):
        return problems
    matcher = Matcher.build(kb)
    if matcher.build_key is None:
        return problems + _check_examples(matcher, kb)
    key = cache.fingerprint("checks", matcher.build_key, list(_examples(kb)), list(_negatives(kb)))
    found = cache.cached(key, lambda: _check_examples(matcher, kb), kind="checks")
    matcher.forget()
    return problems + list(found)


def _check_examples(matcher: Matcher, kb: Any) -> list[Problem]:
    checks: list[tuple[str, str, str, str]] = [
        (kind, ident, ex, where) for kind, ident, _lang, ex, where in _examples(kb)]
    checks += [("none", "", ex, where) for ex, where in _negatives(kb)]
    problems = parallel.split_work(lambda part: _check(matcher, part), checks)
    problems += _twins(matcher, kb)
    matcher.forget()
    return problems


def _check(matcher: Matcher, checks: list[tuple[str, str, str, str]]) -> list[Problem]:
    """Return the problems of (kind, id, example, place) checks; kind "none": a negative."""
    problems: list[Problem] = []
    for kind, ident, ex, where in checks:
        if kind == "none":
            result = matcher.match(ex)
            if result.matches:
                top = result.matches[0]
                problems.append(_problem(where, f"negative example '{ex}' matches {top.kind} "
                                                f"{top.id} ({top.score:.0f}); reword it or remove it"))
            continue
        top = matcher.match(ex).top
        if top is None:
            problems.append(_problem(where, f"example '{ex}' of {kind} {ident} matches nothing; "
                                            "use words closer to the entry's keywords or notices"))
        elif (top.kind, top.id) != (kind, ident):
            problems.append(_problem(where, f"example '{ex}' of {kind} {ident} matches {top.kind} "
                                            f"{top.id} ({top.score:.0f}) first; reword it, move "
                                            "it, or add a keyword"))
    return problems


def _twins(matcher: Matcher, kb: Any) -> list[Problem]:
    """Warn about examples of different entries whose normalised words are the same."""
    seen: dict[tuple[str, ...], tuple[str, str, str]] = {}
    out: list[Problem] = []
    for kind, ident, _lang, ex, where in _examples(kb):
        key = tuple(sorted(set(matcher.doc_terms(ex))))
        if not key:
            continue
        other = seen.get(key)
        if other is not None and (other[0], other[1]) != (kind, ident):
            out.append(_problem(where, f"example '{ex}' of {kind} {ident} reads the same to the "
                                       f"matcher as an example of {other[0]} {other[1]} "
                                       f"({other[2]}); the matcher cannot tell them apart",
                                "warning"))
        else:
            seen.setdefault(key, (kind, ident, where))
    return out
