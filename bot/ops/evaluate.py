"""`python -m bot match` and `python -m bot eval`: see how the matcher reads messages, and measure it.

`eval FILE.jsonl` reads lines `{"text": ..., "expect": [ids]}` (`[]` = about nothing the bot knows;
several ids = a notice listing several reasons, in that order; a single id may be a string;
`"other:..."` = a vendor's reason that is none of the bot's reasons: any topic or nothing is
right, a reason is wrong). Optional `"lang"` and `"kind"` (or a vendor file's `"form"`) split
the figures per language and per kind of message. Without a file it measures the knowledge
base's own examples leave-one-out (each example matched with itself removed from the index) and
prints which entries compete. Both report; neither judges (exit 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import ConfigError
from bot.understanding.matcher import NONE_ID, Matcher, MatchResult, phrasings

logger = logging.getLogger(__name__)

NONE_LABEL = "(none)"


def _load(args: argparse.Namespace) -> tuple[KnowledgeBase, Matcher]:
    """Load the knowledge base (its errors end the command) and build the matcher."""
    kb = load_knowledge(args.knowledge)
    return kb, Matcher.build(kb)


def result_json(result: MatchResult) -> dict[str, Any]:
    """Return the JSON shape of a match result (what `match --json/--jsonl` prints)."""
    return {
        "matches": [{"kind": m.kind, "id": m.id, "score": m.score} for m in result.matches],
        "ambiguous": result.ambiguous,
        "multi": result.multi,
    }


# --------------------------------------------------------------------------- match


def cmd_match(args: argparse.Namespace) -> int:
    """Print the ranked matches for one message, or for each JSON line on stdin (--jsonl)."""
    _, matcher = _load(args)
    if args.jsonl:
        _match_jsonl(matcher, sys.stdin, sys.stdout)
        return 0
    text = " ".join(args.text)
    if not text and not sys.stdin.isatty():
        text = sys.stdin.read()
    result = matcher.match(text)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
        return 0
    print(format_result(result))
    return 0


def _match_jsonl(matcher: Matcher, stdin: TextIO, stdout: TextIO) -> None:
    for number, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            out: dict[str, Any] = {"matches": [], "ambiguous": False,
                                   "error": f"line {number}: not JSON ({exc.msg})"}
        except RecursionError:  # nested deeper than the parser goes: this line only
            out = {"matches": [], "ambiguous": False,
                   "error": f"line {number}: not JSON (nested too deeply)"}
        else:
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str):
                out = {"matches": [], "ambiguous": False,
                       "error": f"line {number}: expected an object with a string `text` field"}
            else:
                out = result_json(matcher.match(text))
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()


def format_result(result: MatchResult) -> str:
    """Return a small table of the matches, with the ambiguous/multi flags."""
    if not result.matches:
        return "no match"
    rows = [f"{'kind':<7} {'id':<24} score"]
    rows += [f"{m.kind:<7} {m.id:<24} {m.score:5.1f}" for m in result.matches]
    flags = [name for name, on in (("multi", result.multi), ("ambiguous", result.ambiguous)) if on]
    if flags:
        rows.append(" ".join(flags))
    return "\n".join(rows)


# --------------------------------------------------------------------------- eval


OTHER = "other:"


@dataclass
class Case:
    """One labelled message and what the matcher said."""

    text: str
    expect: list[str]
    got: list[str]
    ambiguous: bool
    where: str = ""
    lang: str = ""
    label: str = ""  # the line's own "kind" (notice, description, typo...) or "form"
    got_reason: bool = False  # a reason is among the matches

    @property
    def kind(self) -> str:
        if not self.expect:
            return "out_of_scope"
        if self.expect[0].startswith(OTHER):
            return "not_a_reason"
        return "multi" if len(self.expect) > 1 else "single"

    @property
    def correct(self) -> bool:
        if self.kind == "out_of_scope":
            return not self.got
        if self.kind == "not_a_reason":
            return not self.got_reason
        if self.kind == "single":
            return bool(self.got) and self.got[0] == self.expect[0]
        return self.got[: len(self.expect)] == self.expect


@dataclass
class Report:
    """Figures over a set of cases."""

    cases: list[Case] = field(default_factory=list)
    reason_ids: frozenset[str] = frozenset()

    def _of(self, kind: str) -> list[Case]:
        return [c for c in self.cases if c.kind == kind]

    @staticmethod
    def _rate(hits: int, total: int) -> float | None:
        return round(100.0 * hits / total, 1) if total else None

    def figures(self) -> dict[str, Any]:
        single, multi, oos = self._of("single"), self._of("multi"), self._of("out_of_scope")
        other = self._of("not_a_reason")
        per_id: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for c in single:
            per_id[c.expect[0]][0] += c.correct
            per_id[c.expect[0]][1] += 1
        false_any = [c for c in oos if c.got]
        false_reason = [c for c in oos if any(g in self.reason_ids for g in c.got)]
        return {
            "cases": len(self.cases),
            "in_scope": {
                "count": len(single),
                "top1_accuracy": self._rate(sum(c.correct for c in single), len(single)),
                "ambiguous": self._rate(sum(c.ambiguous for c in single), len(single)),
            },
            "multi": {
                "count": len(multi),
                "fully_recognised": self._rate(sum(c.correct for c in multi), len(multi)),
                # every reason found, whatever the order (a description has no listed order)
                "any_order": self._rate(sum(sorted(c.got[:len(c.expect)]) == sorted(c.expect)
                                            for c in multi), len(multi)),
            },
            "out_of_scope": {
                "count": len(oos),
                "false_accept_any": self._rate(len(false_any), len(oos)),
                "false_accept_reason": self._rate(len(false_reason), len(oos)),
            },
            "not_a_reason": {
                "count": len(other),
                "matched_a_reason": self._rate(sum(not c.correct for c in other), len(other)),
            },
            "by_lang": self._split(lambda c: c.lang),
            "by_kind": self._split(lambda c: c.label),
            "per_id": {
                k: {"correct": v[0], "total": v[1], "accuracy": self._rate(v[0], v[1])}
                for k, v in sorted(per_id.items())
            },
            "misclassified": [
                {"text": c.text, "expect": c.expect, "got": c.got[:3], "where": c.where}
                for c in self.cases if not c.correct
            ],
        }

    def _split(self, key: Any) -> dict[str, dict[str, Any]]:
        """Return correct/total per value of `key` (a language or a kind), when lines have one."""
        groups: dict[str, list[Case]] = defaultdict(list)
        for c in self.cases:
            if key(c):
                groups[key(c)].append(c)
        return {k: {"correct": sum(c.correct for c in v), "total": len(v),
                    "accuracy": self._rate(sum(c.correct for c in v), len(v))}
                for k, v in sorted(groups.items())}

    def confusion(self) -> dict[str, Counter[str]]:
        """Return expected id -> Counter of predicted top ids (NONE_LABEL for no match)."""
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for c in self.cases:
            expected = c.expect[0] if c.expect else NONE_LABEL
            table[expected][c.got[0] if c.got else NONE_LABEL] += 1
        return table


def run_file(matcher: Matcher, path: str) -> Report:
    """Match every line of a labelled JSONL file."""
    report = Report(reason_ids=frozenset(e.id for e in matcher.entries if e.kind == "reason"))
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    known = {e.id for e in matcher.entries}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        except RecursionError:
            raise ConfigError(f"{path}:{number}: not JSON (nested too deeply)") from None
        text, expect = (data.get("text"), data.get("expect")) if isinstance(data, dict) else (
            None, None)
        if isinstance(expect, str):
            expect = [expect]
        if not isinstance(text, str) or not isinstance(expect, list) or not all(
            isinstance(x, str) for x in expect
        ):
            raise ConfigError(f'{path}:{number}: expected {{"text": "...", "expect": [ids]}}')
        unknown = [x for x in expect if x not in known and not x.startswith(OTHER)]
        if unknown:
            logger.warning("%s:%d: unknown ids %s", path, number, ", ".join(unknown))
        result = matcher.match(text)
        label = data.get("kind") or data.get("form") or ""
        report.cases.append(_case(text, list(expect), result, f"{path}:{number}",
                                  str(data.get("lang") or ""), str(label)))
    return report


def _case(text: str, expect: list[str], result: MatchResult, where: str = "", lang: str = "",
          label: str = "") -> Case:
    return Case(text, expect, [m.id for m in result.matches], result.ambiguous, where, lang,
                label, result.names_reason)


def run_leave_one_out(
    matcher: Matcher, kb_examples: Iterable[tuple[str, str, int, str, str, str]]
) -> Report:
    """Match every knowledge example with itself removed from the index."""
    report = Report(reason_ids=frozenset(e.id for e in matcher.entries if e.kind == "reason"))
    for kind, ident, index, text, where, lang in kb_examples:
        result = matcher.match_excluding(text, kind, ident, index, lang)
        expect = [] if kind == "none" else [ident]
        report.cases.append(_case(text, expect, result, where, lang))
    return report


def knowledge_examples(kb: KnowledgeBase) -> list[tuple[str, str, int, str, str, str]]:
    """Return (kind, id, index, text, file:line, lang) for every example, every language."""
    out: list[tuple[str, str, int, str, str, str]] = []
    for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
        for item in items:
            for p in phrasings(item):
                lang = getattr(p, "lang", "en")
                sources = getattr(p, "example_sources", ())
                for i, ex in enumerate(p.examples):
                    src = sources[i] if i < len(sources) else ""
                    out.append((kind, item.id, i, ex, str(src), lang))
    for lang in getattr(kb, "languages", ("en",)):
        found = kb.negatives_in(lang) if hasattr(kb, "negatives_in") else None
        texts = found.examples if found is not None else kb.negatives
        sources = found.example_sources if found is not None else kb.negative_sources
        for i, ex in enumerate(texts):
            src = sources[i] if i < len(sources) else ""
            out.append(("none", NONE_ID, i, ex, str(src), lang))
    return out


def cmd_eval(args: argparse.Namespace) -> int:
    """Print accuracy figures for a labelled file, or leave-one-out over the knowledge examples."""
    kb, matcher = _load(args)
    if args.file:
        report = run_file(matcher, args.file)
        title = f"{args.file} ({len(report.cases)} messages)"
    else:
        report = run_leave_one_out(matcher, knowledge_examples(kb))
        title = f"knowledge examples, leave-one-out ({len(report.cases)} examples)"
    figures = report.figures()
    if not args.file:
        figures["confusion"] = {k: dict(v) for k, v in sorted(report.confusion().items())}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    print(format_report(title, figures, report if not args.file else None))
    return 0


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1f}%"


def format_report(title: str, figures: dict[str, Any], loo: Report | None = None) -> str:
    """Return the human-readable evaluation report."""
    f = figures
    out = [title, ""]
    out.append(f"in scope, top-1 accuracy:          {_pct(f['in_scope']['top1_accuracy'])}"
               f"  ({f['in_scope']['count']} messages; ambiguous {_pct(f['in_scope']['ambiguous'])})")
    out.append(f"multi-reason, fully recognised:    {_pct(f['multi']['fully_recognised'])}"
               f"  ({f['multi']['count']} notices; in any order {_pct(f['multi']['any_order'])})")
    out.append(f"out of scope, matched a reason:    {_pct(f['out_of_scope']['false_accept_reason'])}"
               f"  (anything: {_pct(f['out_of_scope']['false_accept_any'])}; "
               f"{f['out_of_scope']['count']} messages)")
    if f["not_a_reason"]["count"]:
        out.append(f"not a reason, matched a reason:    {_pct(f['not_a_reason']['matched_a_reason'])}"
                   f"  ({f['not_a_reason']['count']} messages)")
    for title, key in (("per language", "by_lang"), ("per kind", "by_kind")):
        if f[key]:
            out += ["", f"{title} (correct as above: top-1, all listed, or no reason):"]
            out += [f"  {k:<24} {v['correct']:>3}/{v['total']:<3} {_pct(v['accuracy'])}"
                    for k, v in f[key].items()]
    out += ["", "per id (top-1):"]
    confusion = loo.confusion() if loo else {}
    for ident, v in f["per_id"].items():
        line = f"  {ident:<24} {v['correct']:>3}/{v['total']:<3} {_pct(v['accuracy'])}"
        if loo:
            wrong = [(k, n) for k, n in confusion.get(ident, Counter()).most_common() if k != ident]
            if wrong:
                line += "   confused with: " + ", ".join(f"{k} ({n})" for k, n in wrong)
        out.append(line)
    if loo and NONE_LABEL in confusion:
        wrong = [(k, n) for k, n in confusion[NONE_LABEL].most_common() if k != NONE_LABEL]
        out.append(f"  {'negatives':<24} matched: "
                   + (", ".join(f"{k} ({n})" for k, n in wrong) if wrong else "nothing (good)"))
    bad = f["misclassified"]
    out += ["", f"misclassified ({len(bad)}):" if bad else "misclassified: none"]
    for c in bad:
        expect = ",".join(c["expect"]) or NONE_LABEL
        got = ",".join(c["got"]) or NONE_LABEL
        text = " ".join(c["text"].split())
        text = text if len(text) <= 90 else text[:87] + "..."
        out.append(f"  {c['where']}: expected {expect}, got {got}: {text}")
    return "\n".join(out)


def evaluate_cases(matcher: Matcher, items: Sequence[tuple[str, list[str]]]) -> dict[str, Any]:
    """Return the figures for (text, expect) pairs: for tests and the benchmark."""
    report = Report(reason_ids=frozenset(e.id for e in matcher.entries if e.kind == "reason"))
    for text, expect in items:
        report.cases.append(_case(text, list(expect), matcher.match(text)))
    return report.figures()
