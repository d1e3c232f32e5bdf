"""Regular expressions over user text, run by RE2: time linear in the text, whatever the pattern.

Python's `re` backtracks: a pattern such as `\\S+@\\S+\\.\\S+` takes seconds on a few kilobytes
of `aa@aa@...`. RE2 (google-re2) guarantees linear time for every pattern it accepts and refuses
the constructs that cannot be run that way (backreferences, lookaround). Every pattern that
reads user text, in the code and in knowledge/ (`boilerplate`, `reason_markers`), is compiled
here. RE2's `\\b`, `\\w` and `\\s` know ASCII only: the text reaching them is cleaned first
(lowercase, Unicode spaces turned into " "), and patterns for other scripts spell out what they
mean (`[:：]`, `(^|\\s)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import re2

#: memory RE2 may use for one compiled pattern (its program and DFA cache); bounded on purpose
_MAX_MEM = 8 << 20
#: ... and for a large one, per instruction of its program: the knowledge base's boilerplate
#: alternation (13,000 instructions) left its DFA no room within 8 MB, so RE2 fell back to the
#: slow engine on every text (0.15 ms a search instead of 6 us); at most `_MAX_MEM_LARGE`
_MEM_PER_INSTRUCTION = 2560
_MAX_MEM_LARGE = 64 << 20


class PatternError(ValueError):
    """A pattern RE2 cannot run; the message says why."""


def _options(ignore_case: bool, capture: bool = True, max_mem: int = _MAX_MEM) -> Any:
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.never_capture = not capture  # groups cost time on every match; most need none
    options.log_errors = False  # a refused pattern is reported by `check_pattern`, not on stderr
    options.max_mem = max_mem
    return options


def compile_pattern(pattern: str, *, ignore_case: bool = True, multiline: bool = True,
                    capture: bool = False) -> Any:
    """Return `pattern` compiled by RE2 (`^`/`$` at line ends when `multiline`).

    Groups are not captured unless `capture` (then `split` would also return them).

    Raises `PatternError` when RE2 cannot run it (it then has no linear-time form).
    """
    source = f"(?m){pattern}" if multiline else pattern
    try:
        compiled = re2.compile(source, _options(ignore_case, capture))
        wanted = min(compiled.programsize * _MEM_PER_INSTRUCTION, _MAX_MEM_LARGE)
        if wanted > _MAX_MEM:
            compiled = re2.compile(source, _options(ignore_case, capture, wanted))
        return compiled
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None


def compile_any(patterns: Sequence[str], **flags: bool) -> Any | None:
    """Return one RE2 pattern matching any of `patterns` (in their order), or None if empty."""
    if not patterns:
        return None
    return compile_pattern("|".join(f"(?:{p})" for p in patterns), **flags)


def check_pattern(pattern: str) -> str | None:
    """Return why `pattern` cannot be used on user text, or None when it can.

    A pattern is refused when RE2 cannot compile it (backreferences, lookaround, a syntax
    error) or when it matches empty text (it would match everywhere).
    """
    try:
        compiled = compile_pattern(pattern)
    except PatternError as exc:
        return f"the linear-time regex engine (RE2) cannot run it: {exc}"
    if compiled.fullmatch("") is not None:
        return "it matches empty text, so it would match everywhere; make it stricter"
    return None


def _reason(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    hints = {
        "invalid perl operator: (?<": "lookbehind (?<=...) / (?<!...) is not supported",
        "invalid perl operator: (?=": "lookahead (?=...) is not supported",
        "invalid perl operator: (?!": "lookahead (?!...) is not supported",
        "invalid escape sequence: \\1": "backreferences (\\1) are not supported",
    }
    for needle, hint in hints.items():
        if needle in text:
            return f"{text} ({hint}; rewrite without it)"
    return str(text)
