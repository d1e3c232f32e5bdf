"""Regular expressions that run in linear time: every pattern here is compiled by RE2.

RE2 (google-re2) never backtracks, so no input can make a pattern slow: the time is linear in
the text whatever the pattern. It has no look-around and no backreferences; where a rule needs
to know what stands next to a match, `before`/`after` look at the text in Python.

Two RE2 facts the patterns rely on: `\\w`, `\\d` and `\\b` are ASCII-only (use `\\p{L}` for
letters of any script), and `(?i:...)` scopes case-insensitivity (a `\\p{Lu}` inside it would
match lowercase letters too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern raises; RE2 need not print to stderr as well

#: letters and digits of any script, and the marks that go with them
WORDCHAR = r"\p{L}\p{M}\p{N}"


class Pattern:
    """A compiled RE2 pattern with the small API the redactor uses."""

    def __init__(self, pattern: str) -> None:
        self.source = pattern
        self._re = re2.compile(pattern, _OPTIONS)
        self._groups = self._re.groupindex

    def finditer(self, text: str) -> Iterator[Match]:
        for m in self._re.finditer(text):
            yield Match(m, self._groups)

    def match(self, text: str) -> Match | None:
        """Match at the start of `text` (pass a bounded slice: the text is encoded per call)."""
        m = self._re.match(text)
        return None if m is None else Match(m, self._groups)

    def search(self, text: str) -> Match | None:
        m = self._re.search(text)
        return None if m is None else Match(m, self._groups)


class Match:
    __slots__ = ("_m", "_groups")

    def __init__(self, m: object, groups: dict[str, int]) -> None:
        self._m = m
        self._groups = groups

    def span(self, group: str | int = 0) -> tuple[int, int]:
        index = self._groups[group] if isinstance(group, str) else group
        return self._m.span(index)  # type: ignore[attr-defined]

    def start(self, group: str | int = 0) -> int:
        return self.span(group)[0]

    def end(self, group: str | int = 0) -> int:
        return self.span(group)[1]

    def group(self, group: str | int = 0) -> str | None:
        index = self._groups[group] if isinstance(group, str) else group
        return self._m.group(index)  # type: ignore[attr-defined]

    def has(self, group: str) -> bool:
        """Did `group` take part in the match? (False for a group the pattern lacks)"""
        return group in self._groups and self.group(group) is not None


def compile_rx(pattern: str) -> Pattern:
    """Compile `pattern` with RE2; raise ValueError (with the pattern) if RE2 cannot run it."""
    try:
        return Pattern(pattern)
    except re2.error as exc:
        raise ValueError(f"not a linear-time (RE2) pattern: {exc}: {pattern[:200]}") from exc


def is_cjk(word: str) -> bool:
    """Is `word` in a script written without spaces (Chinese, Japanese)?"""
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in word)


def words_rx(words: Iterable[str]) -> str:
    """An alternation of `words`, longest first: spaces match any run of spaces, and a word
    ending in `*` may be followed by more letters ("şifre*": şifre, şifrem, şifremi)."""
    parts = []
    for word in sorted({w.strip().casefold() for w in words if w and w.strip()}, key=lambda w: (-len(w), w)):
        star = word.endswith("*") and len(word) > 1
        base = word[:-1] if star else word
        rx = r"\s+".join(re.escape(piece) for piece in base.split())
        parts.append(rx + (r"[\p{L}\p{M}]*" if star else ""))
    return "(?:" + "|".join(parts) + ")" if parts else "(?:[^\\x00-\\x{10FFFF}])"  # never matches


def is_wordchar(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
