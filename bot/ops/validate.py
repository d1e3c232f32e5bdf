"""`python -m bot validate`: check the knowledge base and print every problem as `file:line`.

The checks are the ones the bot loads with (`bot.app.knowledge`: the files' structure from the
knowledge layer, button sizes from the engine's payloads, example checks from the matcher), so
the validator and the bot accept and refuse exactly the same knowledge bases.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import dataclass, field

from bot.app.knowledge import check_knowledge_dir
from bot.knowledge.coverage import (
    MIN_EXAMPLES,
    NEGATIVE_EXAMPLES,
    REASON_EXAMPLES,
    TOPIC_EXAMPLES,
    LangCoverage,
    coverage,
)
from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase
from bot.understanding.privacy.vocab import PrivacyFileError, load_vocabulary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one knowledge folder."""

    kb: KnowledgeBase | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.kb is not None

    def summary(self) -> str:
        """Return the `OK: ...` line for a valid base."""
        if self.kb is None:
            return f"{len(self.errors)} error(s)"
        line = (
            f"OK: {len(self.kb.reasons)} reasons, {len(self.kb.topics)} topics, "
            f"{self.kb.example_count} examples"
        )
        if len(self.kb.languages) > 1:
            line += (f"; languages {', '.join(self.kb.languages)} with "
                     f"{self.kb.overlay_example_count} more examples")
        return line


def validate_dir(path: str | os.PathLike[str], *, matcher: bool = True) -> ValidationReport:
    """Validate the folder at `path` with every check the bot loads with (`matcher=False`: all
    but the matcher's example checks, which build the matcher)."""
    kb, errors, warnings = check_knowledge_dir(path, matcher=matcher)
    try:  # the redactor's words (privacy.yaml and its language overlays)
        load_vocabulary(path)
    except PrivacyFileError as exc:
        errors = [*errors, str(exc)]
    return ValidationReport(kb=kb, errors=errors, warnings=warnings)


def _cell(row: LangCoverage, kind: str, count: int) -> str:
    return f"{count}*" if row.short(kind, count) else str(count)


def coverage_table(rows: tuple[LangCoverage, ...]) -> list[str]:
    """Return the per-language coverage table: one column per language."""
    langs = [c.lang for c in rows]
    first = rows[0]
    table: list[list[str]] = [["coverage", *langs]]
    table.append(["texts translated", *(f"{c.translated}/{c.total}" for c in rows)])
    table.append(["", *(f"{c.percent:.0f}%" for c in rows)])
    table.append([f"examples per reason (>= {REASON_EXAMPLES}, {DEFAULT_LANG} >= {MIN_EXAMPLES})",
                  *([""] * len(rows))])
    for rid in first.reason_examples:
        table.append([f"  {rid}", *(_cell(c, "reason", c.reason_examples[rid]) for c in rows)])
    table.append([f"topic examples, fewest (>= {TOPIC_EXAMPLES})",
                  *(_cell(c, "topic", min(c.topic_examples.values(), default=0)) for c in rows)])
    table.append([f"negatives (>= {NEGATIVE_EXAMPLES})",
                  *(_cell(c, "negatives", c.negatives) for c in rows)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join([r[0].ljust(widths[0]), *(v.rjust(w) for v, w in zip(r[1:], widths[1:],
                                                                             strict=True))])
             .rstrip() for r in table]
    lines.append("* fewer than wanted; missing texts fall back to English "
                 "(list them: validate --missing LANG)")
    return lines


#: a reason or topic file that could not be read, and the warning that says it is missing
_BROKEN_ENTRY = re.compile(r"/(?:reasons|topics)/([\w-]+)\.yaml:\d+: ")
_MISSING_ENTRY = re.compile(r"(?:reason|topic) '([\w-]+)' is missing")
#: errors of a file that could not be read at all: every other error may follow from them
_UNREADABLE = re.compile(r": (YAML syntax error|YAML error|file is not UTF-8|cannot read the file|"
                         r"the file is empty|the file must be a map)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Print `OK: ...` and warnings (exit 0), or every error as `file:line: message` (exit 1).

    With overlay languages (knowledge/i18n/) a coverage table comes before the `OK` line;
    `--missing LANG` lists that language's untranslated texts instead.
    """
    path = getattr(args, "dir", None) or getattr(args, "knowledge", None) or "knowledge"
    report = validate_dir(path)
    unreadable = [e for e in report.errors if _UNREADABLE.search(e)]
    if unreadable:  # the files that could not be read first: the rest may follow from them
        # (a reason or topic "missing" whose file is one of them is not missing)
        broken = {m.group(1) for e in unreadable if (m := _BROKEN_ENTRY.search(e))}
        report = ValidationReport(report.kb, [*unreadable, *(e for e in report.errors if e not in unreadable)],
                                  [w for w in report.warnings
                                   if not ((m := _MISSING_ENTRY.search(w)) and m.group(1) in broken)])
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.ok:
        assert report.kb is not None
        rows = coverage(report.kb)
        missing = getattr(args, "missing", None)
        if missing:
            chosen = [c for c in rows if c.lang == missing]
            if not chosen:
                print(f"no language '{missing}' in {path}; languages: {', '.join(c.lang for c in rows)}",
                      file=sys.stderr)
                return 1
            for name in chosen[0].missing:
                print(name)
            print(f"{len(chosen[0].missing)} of {chosen[0].total} texts not translated to "
                  f"{missing}", file=sys.stderr)
        elif len(rows) > 1:
            print("\n".join(coverage_table(rows)))
        print(report.summary())
        return 0
    for i, error in enumerate(report.errors):
        if unreadable and i == len(unreadable) and i < len(report.errors):
            print(f"(the {len(report.errors) - i} error(s) below may only follow from the file(s) "
                  "above that could not be read: fix those first)")
        print(error)
    count = len(report.errors)
    print(f"{count} error{'s' if count != 1 else ''} in {path}; fix them and run this again",
          file=sys.stderr)
    return 1
