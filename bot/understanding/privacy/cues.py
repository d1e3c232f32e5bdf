"""Where the cue words of the privacy files stand in a text: every list at once, in one pass.

The privacy files hold some ten thousand words and phrases in forty languages ("my address is",
"пароль", "身份证号", "şifre*"). As RE2 alternations, one per list, they were searched one list
after another, and each alternation's DFA grew with the texts it saw: ~30 MB of a bot's memory
and over half of the redactor's time. An Aho-Corasick automaton (pyahocorasick) finds every
occurrence of every word of every list in one pass over the text, in time linear in the text
and the occurrences, and in a few MB.

The text is searched lowercased, each run of spaces or line breaks read as one space (a phrase's
space matches any run, as `\\s+` did). Where a word must start and end (whole words, `*` stems,
Chinese anywhere) is still `Scan.cues`'s call: this module only lists the candidates.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any

import ahocorasick

from bot.understanding.privacy.rx import Pattern, lazy_rx

#: what a phrase's space matches (RE2's `\\s`, as the alternations had it: ASCII spaces, tabs, line
#: breaks)
_SPACES = lazy_rx(r"\s+")

#: candidate spans of one text, per list: (start, end) in the text as written, the longest first
#: at each start
Candidates = dict[str, list[tuple[int, int]]]


def lower(text: str) -> str:
    """`text` lowercased character by character, its length kept (a capital whose small letter
    is two characters, Turkish "İ", stays as it is)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _forms(word: str) -> set[str]:
    """How a list word is searched: lowercased (and casefolded: "heiße" is also "heisse"), a
    `*` stem without its star, its spaces one space each."""
    word = word.strip()
    if word.endswith("*") and len(word) > 1:
        word = word[:-1]
    return {" ".join(f.split()) for f in (lower(word), lower(word.casefold()))} - {""}


class CueFinder:
    """The cue lists of one vocabulary, searched together (the automaton is made on first use
    and never pickled: the disk cache keeps the words)."""

    def __init__(self, lists: Mapping[str, Iterable[str]]) -> None:
        self.lists = {key: sorted({w for w in words if w and w.strip()}) for key, words in lists.items()}
        self._automaton: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"lists": self.lists, "_automaton": None}

    def build(self) -> Any:
        if self._automaton is None:
            keys: dict[str, set[str]] = {}
            for key, words in self.lists.items():
                for word in words:
                    for form in _forms(word):
                        keys.setdefault(form, set()).add(key)
            automaton = ahocorasick.Automaton()
            for form, owners in keys.items():
                automaton.add_word(form, (len(form), tuple(sorted(owners))))
            if keys:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def find(self, text: str) -> Candidates:
        """Every occurrence of every list's words in `text`, per list."""
        automaton = self.build()
        out: Candidates = {}
        if not len(automaton):
            return out
        Pattern.scanned += len(text)  # (the linear-time tests count what is read)
        searched, starts, shifts = _squeezed(lower(text))
        for end, (length, owners) in automaton.iter(searched):
            s, e = end + 1 - length, end + 1
            if shifts:  # back to the text as written
                s += shifts[bisect_right(starts, s) - 1] if starts[0] <= s else 0
                e += shifts[bisect_right(starts, e - 1) - 1] if starts[0] <= e - 1 else 0
            for key in owners:
                out.setdefault(key, []).append((s, e))
        for spans in out.values():
            spans.sort(key=lambda span: (span[0], -span[1]))
        return out


def _squeezed(text: str) -> tuple[str, list[int], list[int]]:
    """`text` with each run of spaces and line breaks made one space, and how to map back: at
    squeezed position `starts[i]` and after it, add `shifts[i]` (no lists when nothing moved)."""
    if "  " not in text and not any(ch in text for ch in "\n\t\r\f"):
        return text, [], []
    pieces: list[str] = []
    starts: list[int] = []
    shifts: list[int] = []
    last = shift = 0
    for m in _SPACES.finditer(text):
        s, e = m.span()
        if e - s == 1 and text[s] == " ":
            continue
        pieces += [text[last:s], " "]
        last = e
        shift += e - s - 1
        starts.append(s - (shift - (e - s - 1)) + 1)  # the squeezed position just after the space
        shifts.append(shift)
    pieces.append(text[last:])
    return "".join(pieces), starts, shifts
