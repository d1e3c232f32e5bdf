"""`python -m bot validate`: check the knowledge base and print every problem as `file:line`.

The checks themselves live in `bot.knowledge.loader.collect`, the code path the bot loads with, so the
validator and the bot accept and refuse exactly the same knowledge bases.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass, field

from bot.knowledge.loader import collect
from bot.knowledge.model import KnowledgeBase

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
        return (
            f"OK: {len(self.kb.reasons)} reasons, {len(self.kb.topics)} topics, "
            f"{self.kb.example_count} examples"
        )


def validate_dir(path: str | os.PathLike[str], *, check_matcher: bool = True) -> ValidationReport:
    """Validate the knowledge folder at `path` with the loader's checks."""
    kb, errors, warnings = collect(path, check_matcher=check_matcher)
    return ValidationReport(kb=kb, errors=errors, warnings=warnings)


def cmd_validate(args: argparse.Namespace) -> int:
    """Print `OK: ...` and warnings (exit 0), or every error as `file:line: message` (exit 1)."""
    path = getattr(args, "dir", None) or getattr(args, "knowledge", None) or "knowledge"
    report = validate_dir(path)
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.ok:
        print(report.summary())
        return 0
    for error in report.errors:
        print(error)
    count = len(report.errors)
    print(f"{count} error{'s' if count != 1 else ''} in {path}; fix them and run this again",
          file=sys.stderr)
    return 1
