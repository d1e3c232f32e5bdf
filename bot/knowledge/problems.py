"""Problems found in knowledge files, as `path:line: message`, and the wording helpers."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at `path:line`; line 0 means the file or folder as a whole.

    Errors make a knowledge base unusable; warnings are shown and the base is used.
    """

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.message else self.path


@dataclass
class Problems:
    """Errors and warnings collected while reading; sorted by file, then line, on output."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.errors.append(Problem(path, line, message))

    def warn(self, path: str, line: int, message: str) -> None:
        self.warnings.append(Problem(path, line, message, "warning"))

    def add(self, found: Iterable[Problem]) -> None:
        """Add problems found by another check (the matcher's, the button sizes'), by severity."""
        for p in found:
            (self.warnings if p.severity == "warning" else self.errors).append(p)

    @staticmethod
    def render(items: Iterable[Problem]) -> list[str]:
        """Return `path:line: message` strings sorted by file, then line (duplicates dropped)."""
        return [str(p) for p in sorted(set(items))]


def display_path(path: Path) -> str:
    """Return `path` relative to the current directory when it lies below it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def describe(value: object) -> str:
    """Name a YAML value for a message: 'a map', 'a list', 'nothing', or the value itself."""
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "did you mean 'x'? " for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def known(choices: Iterable[str]) -> str:
    """Return the choices sorted and comma-separated, or "(none)"."""
    names = sorted(set(choices))
    return ", ".join(names) if names else "(none)"
