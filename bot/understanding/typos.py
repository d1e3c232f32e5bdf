"""Find the known word closest to a typo without comparing it with every known word.

A typo is corrected to the known word of about its length with the highest rapidfuzz `ratio`
(at least `typo_cutoff`). Comparing a word with every known word of those lengths costs ~0.3 us
a word pair: fine for a few thousand known words, ~27 ms a typo with the 175,000 words of a
knowledge base 50 times the bundled one, where building the matcher corrects 130,000 of them.

`ratio` is 200 * LCS / (n + m) for words of n and m letters (LCS: their longest common
subsequence), so a word scoring at least the cutoff shares at least L = cutoff * (n + m) / 200
letters in order with the typo, hence at least L of the typo's letters counted with repeats
(its "features": the k-th "a" of the word is feature ("a", k)). A known word missing more than
n - L of the typo's features cannot reach the cutoff. Per length, every feature has a bitmask
of the known words that have it; a few big-integer operations per feature count, for all those
words at once, how many features each misses (stopping at n - L + 1). Only the words that pass
are compared by rapidfuzz, in the same order as the full list, so the result is the same word
(ties included) as comparing with every known word of those lengths.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz, process

Features = dict[tuple[str, int], int]


def _features(word: str) -> list[tuple[str, int]]:
    """The word's letters counted with repeats: "tatu" -> (t,1), (a,1), (t,2), (u,1)."""
    seen: Counter[str] = Counter()
    out = []
    for ch in word:
        seen[ch] += 1
        out.append((ch, seen[ch]))
    return out


class _Bucket:
    """The known words of one length and script, and per feature the bitmask of those having it."""

    __slots__ = ("words", "masks", "full")

    def __init__(self, words: list[str]) -> None:
        self.words = words
        where: dict[tuple[str, int], list[int]] = {}
        for i, word in enumerate(words):
            for f in _features(word):
                where.setdefault(f, []).append(i)
        size = (len(words) + 8) // 8
        self.masks: Features = {}
        for f, positions in where.items():
            bits = bytearray(size)
            for i in positions:
                bits[i >> 3] |= 1 << (i & 7)
            self.masks[f] = int.from_bytes(bits, "little")
        self.full = (1 << len(words)) - 1

    def passing(self, features: list[tuple[str, int]], may_miss: int) -> list[str]:
        """Return the words (in order) that miss at most `may_miss` of `features`."""
        full = self.full
        # at_least[j]: the words missing at least j + 1 of the features seen so far
        at_least = [0] * (may_miss + 1)
        last = may_miss
        for f in features:
            missing = full ^ self.masks.get(f, 0)
            if not missing:
                continue
            for j in range(last, 0, -1):
                at_least[j] |= at_least[j - 1] & missing
            at_least[0] |= missing
            if at_least[last] == full:
                return []
        return _pick(self.words, full ^ at_least[last])


def _pick(words: list[str], mask: int) -> list[str]:
    """Return the words whose bit is set in `mask`, in order."""
    if not mask:
        return []
    bits = bin(mask)[:1:-1]  # bit i is character i
    out = []
    i = bits.find("1")
    while i >= 0:
        out.append(words[i])
        i = bits.find("1", i + 1)
    return out


class TypoIndex:
    """Known words of 4+ letters by (length, Latin or not), searchable by closeness."""

    def __init__(self, by_length: dict[tuple[int, bool], list[str]], cutoff: float) -> None:
        self.cutoff = cutoff
        self._buckets = {key: _Bucket(words) for key, words in by_length.items() if words}

    def closest(self, word: str, lengths: Iterable[int]) -> str | None:
        """Return the known word of one of `lengths` (searched in that order, each in its
        sorted order) with the highest ratio to `word`, at least the cutoff; None if none."""
        n = len(word)
        latin = word.isascii()
        feats = _features(word)
        choices: list[str] = []
        for m in lengths:
            bucket = self._buckets.get((m, latin))
            if bucket is None:
                continue
            # the letters in common a word of m letters needs (a hair less, for float rounding)
            need = math.ceil(self.cutoff * (n + m) / 200 - 1e-6)
            if need > min(n, m):
                continue
            choices += bucket.passing(feats, max(0, n - need))
        if not choices:
            return None
        found = process.extractOne(word, choices, scorer=fuzz.ratio, processor=None,
                                   score_cutoff=self.cutoff)
        return found[0] if found else None
