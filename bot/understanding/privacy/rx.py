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
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern raises; RE2 need not print to stderr as well

#: letters and digits of any script, and the marks that go with them
WORDCHAR = r"\p{L}\p{M}\p{N}"


_UNANCHORED = re2._Anchor.UNANCHORED
_ANCHOR_START = re2._Anchor.ANCHOR_START
_local = threading.local()


def _encoded(text: str) -> tuple[bytes, bool]:
    """`text` as UTF-8 and whether it is ASCII, cached for the text scanned last (a scan runs
    some forty patterns over one message: it is encoded once, not forty times)."""
    cached = getattr(_local, "encoded", None)
    if cached is not None and cached[0] is text:
        return cached[1], cached[2]
    data = text.encode("utf-8", "surrogatepass")
    _local.encoded = (text, data, len(data) == len(text))
    return data, len(data) == len(text)


#: the ASCII digits: a pattern with `\\d` (ASCII-only in RE2) in every match cannot match a text
#: without one of them
DIGITS = tuple("0123456789")


def contains_any(text: str, needles: tuple[str, ...]) -> bool:
    """Does `text` contain one of `needles`? Remembered for the text scanned last (a scan asks
    about the same text for some twenty patterns)."""
    cached = getattr(_local, "contains", None)
    if cached is None or cached[0] is not text:
        cached = _local.contains = (text, {})
    known = cached[1].get(needles)
    if known is None:
        known = cached[1][needles] = any(needle in text for needle in needles)
    return known


class Pattern:
    """A compiled RE2 pattern with the small API the redactor uses.

    It calls RE2 itself rather than through google-re2's `re`-like layer, whose per-match work
    in Python is several times RE2's own on a message with many matches. `Pattern.scanned`
    counts the characters handed to RE2: RE2's work is linear in them, so a test can show the
    redactor's work is linear in the message without timing anything.
    """

    scanned = 0

    def __init__(self, pattern: str, needs: tuple[str, ...] = (), *, lazy: bool = False) -> None:
        self.source = pattern
        #: strings one of which every match contains ("@" for an e-mail address): a text
        #: without any of them is not searched at all
        self.needs = needs
        self._compiled: Any = None
        if not lazy:
            self.compile()

    def compile(self) -> Any:
        """The RE2 pattern, compiled on first use when lazy: a bot starts with some fifty
        patterns, and a message without a digit never needs the ones that match digits."""
        if self._compiled is None:
            self._compiled = re2.compile(self.source, _OPTIONS)
        return self._compiled

    def __getstate__(self) -> dict[str, Any]:
        """What the disk cache keeps: the source, not the compiled pattern (compiled again on
        first use)."""
        state = dict(self.__dict__)
        state["_compiled"] = None
        return state

    @property
    def _regexp(self) -> Any:
        return self.compile()._regexp

    @property
    def _groups(self) -> dict[str, int]:
        return self.compile().groupindex

    def finditer(self, text: str, accept: Callable[[Match], bool] | None = None) -> Iterator[Match]:
        """Every match, left to right. With `accept`, a match it refuses is dropped and the
        search goes on from the character after that match's start (so "doğrulama kodum",
        refused as "doğrulama kodu" + "m", still finds "kod..." inside it)."""
        if self.needs and not contains_any(text, self.needs):
            return
        Pattern.scanned += len(text)
        data, ascii_only = _encoded(text)
        end = len(data)
        pos = 0
        decoder = _Decoder(data, ascii_only)
        while pos <= end:
            spans = self._regexp.Match(_UNANCHORED, data, pos, end)
            if spans[0][0] < 0:
                return
            m = Match(decoder.spans(spans), self._groups, text)
            if accept is not None and not accept(m):
                start = spans[0][0]
                shorter = self._shorter(data, spans[0], m.start(), accept, text)
                if shorter is not None:  # "bydlím" refused as "bydlím V" of "bydlím Vinohradská"
                    yield shorter[0]
                    pos = shorter[1]
                    continue
                pos = start + (re2._re2.CharLenToBytes(data, start, 1) if start < end else 1)
                Pattern.scanned += 1
                continue
            yield m
            if spans[0][1] == pos:  # an empty match: step over one character
                pos += re2._re2.CharLenToBytes(data, pos, 1) if pos < end else 1
            else:
                pos = spans[0][1]

    #: shorter matches tried at the start of a refused one
    SHORTER_TRIES = 3

    def _shorter(
        self, data: bytes, span: tuple[int, int], start_char: int, accept: Callable[[Match], bool], text: str
    ) -> tuple[Match, int] | None:
        """A shorter match at the start of a match `accept` refused, as (match, its end in
        bytes): of two words of a list, "bydlím v" and "bydlím", the longer is found first in
        "bydlím Vinohradská" and refused (its "v" is the start of a word), the shorter is the
        one meant. Patterns without groups only (the cue lists), a few tries at most."""
        if self._regexp.NumberOfCapturingGroups() or span[1] - span[0] <= 1:
            return None
        start, limit = span
        for _ in range(self.SHORTER_TRIES):
            Pattern.scanned += limit - start
            found = self._regexp.Match(_ANCHOR_START, data, start, limit - 1)
            if found[0][0] < 0 or found[0][1] <= start:
                return None
            end_char = start_char + re2._re2.BytesToCharLen(data, start, found[0][1])
            m = Match([(start_char, end_char)], self._groups, text)
            if accept(m):
                return m, found[0][1]
            limit = found[0][1]
        return None

    def match(self, text: str) -> Match | None:
        """Match at the start of `text` (pass a bounded slice)."""
        return self._once(_ANCHOR_START, text)

    def search(self, text: str) -> Match | None:
        return self._once(_UNANCHORED, text)

    def _once(self, anchor: Any, text: str) -> Match | None:
        if self.needs and not contains_any(text, self.needs):
            return None
        Pattern.scanned += len(text)
        data, ascii_only = _encoded(text)
        spans = self._regexp.Match(anchor, data, 0, len(data))
        if spans[0][0] < 0:
            return None
        return Match(_Decoder(data, ascii_only).spans(spans), self._groups, text)


class _Decoder:
    """Turns UTF-8 byte offsets into character offsets, moving forward only (linear)."""

    def __init__(self, data: bytes, ascii_only: bool) -> None:
        self.data = data
        self.ascii_only = ascii_only
        self.byte = 0
        self.char = 0

    def spans(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if self.ascii_only:
            return list(spans)
        offsets = sorted({o for span in spans for o in span if o >= 0})
        chars = {}
        for o in offsets:
            if o < self.byte:  # never happens for increasing matches; recount from the start
                self.byte = self.char = 0
            self.char += re2._re2.BytesToCharLen(self.data, self.byte, o)
            self.byte = o
            chars[o] = self.char
        return [(chars[s], chars[e]) if s >= 0 else (-1, -1) for s, e in spans]


class Match:
    """One match: spans by group name or number ((-1, -1) for a group that took no part)."""

    __slots__ = ("_spans", "_groups", "_text")

    def __init__(self, spans: list[tuple[int, int]], groups: dict[str, int], text: str) -> None:
        self._spans = spans
        self._groups = groups
        self._text = text

    def span(self, group: str | int = 0) -> tuple[int, int]:
        return self._spans[self._groups[group] if isinstance(group, str) else group]

    def start(self, group: str | int = 0) -> int:
        return self.span(group)[0]

    def end(self, group: str | int = 0) -> int:
        return self.span(group)[1]

    def group(self, group: str | int = 0) -> str | None:
        s, e = self.span(group)
        return None if s < 0 else self._text[s:e]

    def has(self, group: str) -> bool:
        """Did `group` take part in the match? (False for a group the pattern lacks)"""
        index = self._groups.get(group)
        return index is not None and self._spans[index][0] >= 0


def compile_rx(pattern: str, needs: tuple[str, ...] = ()) -> Pattern:
    """Compile `pattern` with RE2; raise ValueError (with the pattern) if RE2 cannot run it.

    `needs`: strings one of which every match contains (see `Pattern.needs`)."""
    try:
        return Pattern(pattern, needs)
    except re2.error as exc:
        raise ValueError(f"not a linear-time (RE2) pattern: {exc}: {pattern[:200]}") from exc


def lazy_rx(pattern: str, needs: tuple[str, ...] = ()) -> Pattern:
    """A pattern compiled when first used: for patterns already known to compile (the code's
    own, and word lists `vocab` checked when they were read)."""
    return Pattern(pattern, needs, lazy=True)


def is_cjk(word: str) -> bool:
    """Is `word` in a script written without spaces (Chinese, Japanese)?"""
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in word)


def words_rx(words: Iterable[str], *, stars: bool = True) -> str:
    """An alternation of `words`, longest first: spaces match any run of spaces, and a word
    ending in `*` may be followed by more letters ("şifre*": şifre, şifrem, şifremi); without
    `stars` it matches only its stem (the caller takes the letters after it)."""
    parts = []
    # casefolded and lowercased: the pattern ignores case, but "heiße" folds to "heisse"; and
    # as written, for a capital whose small letter is two characters (Turkish "İ": "FİN kodum")
    forms = {f for w in words if w and w.strip() for f in (w.strip().casefold(), w.strip().lower(), w.strip())}
    for word in sorted(forms, key=lambda w: (-len(w), w)):
        star = word.endswith("*") and len(word) > 1
        base = word[:-1] if star else word
        rx = r"\s+".join(re.escape(piece) for piece in base.split())
        parts.append(rx + (r"[\p{L}\p{M}]*" if star and stars else ""))
    return "(?:" + "|".join(parts) + ")" if parts else "(?:[^\\x00-\\x{10FFFF}])"  # never matches


def literals_rx(strings: Iterable[str]) -> str:
    """An alternation matching any of `strings` literally, longest first."""
    return "|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True))


def is_wordchar(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
