"""Character n-gram evidence: a naive Bayes model of every entry's texts, trained at build.

Words miss what a user writes in their own way: another form of a word the stemmer does not
join ("re-uploaded", "просроченный"), a compound, a Chinese phrase the segmenter cut another
way. Pieces of words still meet: each text of the knowledge base (examples, notices, keywords,
titles, and the negatives as the entry "nothing") is read as the set of its character n-grams
(`min_gram`-`max_gram` letters inside a word, with its edges; 1-3 characters of a Chinese run),
and a message gets, per entry, the naive Bayes probability that its n-grams come from that
entry's texts (Laplace `smoothing`; the log-likelihoods are divided by `temperature` times the
square root of the message's n-gram count, so a long message is not more certain than a short
one, then each entry's prior, its share of the texts, is added before the softmax). `Matcher.analyse` adds `char_weight` times this probability to the
entries that already have some evidence (see the policy's `char_*` settings).

The counts are kept compactly: an n-gram is its CRC-32 (collisions among a few hundred thousand
n-grams are a handful, and only blur two n-grams' counts), postings sorted by it in flat
`array`s, so the model costs a few megabytes and a message a bisection per n-gram.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from zlib import crc32

from bot.understanding.budget import Budget
from bot.understanding.text import is_han

#: punctuation that ends or joins words ("rice?", "re-upload", "照片，"): read as a space
_SPACES = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                         "。，、；：？！…—–·「」『』“”‘’（）《》【】〈〉«»„"})
#: counts up to this have their log precomputed
_TABLE = 4096
#: words whose known n-grams are remembered (then the memory starts again)
WORD_CACHE = 10000
#: words of a message read (the matcher reads at most `max_chars` characters anyway)
MAX_WORDS = 1000
#: letters of a word read: no word of any language is longer, and a "word" of thousands of
#: letters ("fififi...") would give thousands of n-grams that no knowledge text has
MAX_WORD_LETTERS = 64
#: from this many entries a message's rows are summed with numpy (`_ArrayRows`): an n-gram
#: shared by most entries has a row as long as there are entries, and at 1,500 entries the
#: pure-Python sums were 43% of a match; below it numpy's import (0.1-0.15 s) and per-call
#: cost are not worth it, and numpy is not imported at all
ARRAY_ENTRIES = 200


class CharModel:
    """Per-entry character n-gram counts and the probabilities they give a message."""

    def __init__(self, texts: Iterable[tuple[int, str]], entries: int,
                 settings: dict[str, float]) -> None:
        self.min_gram = int(settings["char_min_gram"])
        self.max_gram = int(settings["char_max_gram"])
        self.smoothing = float(settings["char_smoothing"])
        self.temperature = float(settings["char_temperature"])
        # every (n-gram, entry) pair as one int, counted at C speed (entries < 2**16)
        pairs: Counter[int] = Counter()
        totals = [0] * entries
        docs = [0] * entries
        seen: dict[str, set[int]] = {}
        for entry, text in texts:
            docs[entry] += 1
            found: set[int] = set()
            for word in self.words(text):
                grams = seen.get(word)
                if grams is None:
                    grams = seen[word] = self._word_grams(word)
                found |= grams
            totals[entry] += len(found)
            pairs.update([g << 16 | entry for g in found])
        self.keys = array("I")
        self.offsets = array("I", [0])
        self.entries = array("H")
        self.counts = array("I")
        last = -1
        for pair in sorted(pairs):
            g = pair >> 16
            if g != last:
                if last >= 0:
                    self.offsets.append(len(self.entries))
                self.keys.append(g)
                last = g
            self.entries.append(pair & 0xFFFF)
            self.counts.append(pairs[pair])
        if last >= 0:
            self.offsets.append(len(self.entries))
        s = self.smoothing
        vocabulary = len(self.keys)
        #: per entry: log of (its n-gram total + smoothing x vocabulary), the denominator
        self.denominators = [math.log(t + s * vocabulary) for t in totals]
        #: per entry: log of its share of the texts (the prior: "nothing" has the most texts)
        self.priors = [math.log(max(d, 1) / max(sum(docs), 1)) for d in docs]
        self._gain = [math.log(c + s) - math.log(s) for c in range(_TABLE)]
        self._rows: dict[str, array[int]] = {}

    #: per posting, the log-gain of its count (`_gain`, or the same formula past the table),
    #: made at the first message
    _gains: array[float] | None = None

    def __getstate__(self) -> dict[str, object]:
        """What the disk cache keeps: the counts, not the words read since."""
        state = dict(self.__dict__)
        state["_rows"] = {}
        state.pop("_gains", None)
        state.pop("_arrays", None)
        state.pop("_pairs", None)
        return state

    _arrays: _ArrayRows | None = None

    def _array_rows(self) -> _ArrayRows:
        if self._arrays is None:
            self._arrays = _ArrayRows(self.offsets, self.entries, self._posting_gains())
        return self._arrays

    _pairs: list[tuple[tuple[int, float], ...]] | None = None

    def warm(self) -> None:
        """Make now the tables the first message would otherwise wait for."""
        if len(self.denominators) >= ARRAY_ENTRIES:
            self._array_rows()
        else:
            self._row_pairs()

    def _row_pairs(self) -> list[tuple[tuple[int, float], ...]]:
        """Per row, its (entry, gain) postings as Python objects: summing them is ~40% faster
        than slicing the arrays per row. Made at the first message or by `warm`; each distinct
        (entry, gain) pair is one shared tuple (the bundled base has ~130,000 postings but a few
        thousand distinct pairs: ~3.5 MB instead of ~14 MB)."""
        pairs = self._pairs
        if pairs is None:
            offsets, entries, gains = self.offsets, self.entries, self._posting_gains()
            shared: dict[tuple[int, float], tuple[int, float]] = {}
            pairs = self._pairs = [
                tuple(shared.setdefault(pair, pair)
                      for pair in zip(entries[offsets[i]:offsets[i + 1]].tolist(),
                                      gains[offsets[i]:offsets[i + 1]].tolist(), strict=True))
                for i in range(len(offsets) - 1)]
        return pairs

    def _posting_gains(self) -> array[float]:
        gains = self._gains
        if gains is None:
            table, s = self._gain, self.smoothing
            gains = self._gains = array("d", (
                table[c] if c < _TABLE else math.log(c + s) - math.log(s) for c in self.counts))
        return gains

    @staticmethod
    def words(text: str) -> list[str]:
        """The words of cleaned `text` this model reads (stop words too: in the experiment,
        leaving them out lost 0.4 points of top-1), punctuation apart."""
        return text.translate(_SPACES).split()

    def _word_grams(self, word: str) -> set[int]:
        word = word[:MAX_WORD_LETTERS]
        if any(is_han(c) for c in word):
            sizes: Sequence[int] = (1, 2, 3)
        else:
            word = f" {word} "
            sizes = range(self.min_gram, self.max_gram + 1)
        return {crc32(word[i:i + n].encode()) for n in sizes for i in range(len(word) - n + 1)}

    def grams(self, text: str) -> set[int]:
        """The distinct n-grams of cleaned `text`, as CRC-32s."""
        out: set[int] = set()
        for word in self.words(text):
            out |= self._word_grams(word)
        return out

    def _known(self, word: str) -> array[int]:
        """The rows of the n-grams of `word` the knowledge base has (remembered per word)."""
        rows = self._rows.get(word)
        if rows is None:
            keys, size = self.keys, len(self.keys)
            found = []
            for g in self._word_grams(word):
                at = bisect_left(keys, g)
                if at < size and keys[at] == g:
                    found.append(at)
            rows = array("I", sorted(found))
            if len(self._rows) >= WORD_CACHE:
                self._rows.clear()
            self._rows[word] = rows
        return rows

    def probabilities(self, text: str, budget: Budget | None = None,
                      exclude: tuple[int, str] | None = None) -> list[float] | None:
        """Per entry, the probability that cleaned `text` is written like its texts; None
        when the text has no n-gram the knowledge base knows.

        `exclude`: (entry, text) of a knowledge text to leave out (leave-one-out checks).
        """
        offsets, entries, counts, keys = self.offsets, self.entries, self.counts, self.keys
        rows: set[int] = set()
        for word in self.words(text)[:MAX_WORDS]:
            rows.update(self._known(word))
        if budget is not None:
            budget.spend(4 * len(text))
        left: set[int] = set()
        ex_entry = -1
        if exclude is not None:
            ex_entry, left = exclude[0], self.grams(exclude[1])
        gain, s = self._gain, self.smoothing
        scores = [0.0] * len(self.denominators)
        known = 0
        if exclude is None and len(scores) >= ARRAY_ENTRIES and rows:
            scores, walked = self._array_rows().sums(sorted(rows), len(scores))
            if budget is not None:
                budget.spend(walked)
            known = len(rows)
            rows = set()
        elif exclude is None:  # the common case: each posting's gain looked up, nothing left out
            pairs, walked = self._row_pairs(), 0
            for at in rows:  # the same additions, in the same order, as the loop below
                row = pairs[at]
                for e, g in row:
                    scores[e] += g
                walked += len(row)
            if budget is not None:
                budget.spend(walked)
            known = len(rows)
            rows = set()
        for at in rows:
            start, end = offsets[at], offsets[at + 1]
            mine = bool(left) and keys[at] in left
            if mine and end - start == 1 and entries[start] == ex_entry and counts[start] == 1:
                continue  # only the left-out text has it: an unknown n-gram
            known += 1
            for p in range(start, end):
                c = counts[p] - (1 if mine and entries[p] == ex_entry else 0)
                scores[entries[p]] += gain[c] if c < _TABLE else math.log(c + s) - math.log(s)
            if budget is not None:
                budget.spend(end - start)
        if not known:
            return None
        base = known * math.log(s)
        denominators = self.denominators
        ex_total = len(left)
        scale = self.temperature * math.sqrt(known)
        logs = []
        for e, sc in enumerate(scores):
            d = denominators[e]
            if e == ex_entry and ex_total:
                d = math.log(max(math.exp(d) - ex_total, s))
            logs.append((base + sc - known * d) / scale + self.priors[e])
        top = max(logs)
        weights = [math.exp(v - top) for v in logs]
        total = sum(weights)
        return [w / total for w in weights]


class _ArrayRows:
    """The postings as numpy arrays, for bases with many entries: a message's rows gathered
    and summed per entry in one `bincount` (the same sums as the loop in `probabilities`, added
    in another order, so they may differ in the last bits)."""

    def __init__(self, offsets: array[int], entries: array[int], gains: array[float]) -> None:
        import numpy as np  # only for large bases: see ARRAY_ENTRIES

        self.np = np
        self.offsets = np.frombuffer(offsets, dtype=np.uint32).astype(np.int64)
        self.entries = np.frombuffer(entries, dtype=np.uint16).astype(np.intp)
        self.gains = np.frombuffer(gains, dtype=np.float64)

    def sums(self, rows: list[int], size: int) -> tuple[list[float], int]:
        """Per entry, the sum of the gains in `rows`; and how many postings that walked."""
        np = self.np
        at = np.asarray(rows, dtype=np.int64)
        starts, ends = self.offsets[at], self.offsets[at + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # every posting of every row: each row's start, repeated, plus the place inside it
        first = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        index = first + np.arange(total, dtype=np.int64)
        sums = np.bincount(self.entries[index], weights=self.gains[index], minlength=size)
        return sums.tolist(), total


def with_chars(scores: Sequence[float], probabilities: Sequence[float], none_entry: int,
               settings: dict[str, float], kept: float) -> list[float]:
    """Add the character model's evidence to per-entry `scores`.

    An entry with some evidence already (`char_gate` points) gains `char_weight` times its
    probability, times `kept` (how much the message is about this domain: less for one that
    names no domain word or another context); "nothing" gains its share in full.
    """
    weight, gate = settings["char_weight"], settings["char_gate"]
    out = list(scores)
    for e, (sc, p) in enumerate(zip(scores, probabilities, strict=True)):
        if e == none_entry:
            out[e] = sc + weight * p
        elif sc >= gate:
            out[e] = sc + weight * p * kept
    return out
