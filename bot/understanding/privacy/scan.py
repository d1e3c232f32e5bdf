"""One pass over a message: every detector proposes spans, the first to claim a span keeps it.

Detectors run in a fixed order (`DETECTORS`), most specific first: a seed phrase before the
words in it, a card number before the phone rule, a date or an order number before the digit
rule. Some claims are "keep" spans: text that looks like personal data but is not (a date of the
rejection, an order number, an amount, Binance's own e-mail address); they stop later rules
from masking it and are never masked themselves.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.understanding.privacy.patterns import Patterns
from bot.understanding.privacy.rx import Pattern, compile_rx

KEEP = "keep"


@dataclass(frozen=True)
class Finding:
    """A piece of personal data: its kind and where it is (text[start:end] is masked)."""

    kind: str
    start: int
    end: int


class Scan:
    """The state of one scan: the text, the spans claimed so far, and the findings."""

    def __init__(self, text: str, patterns: Patterns) -> None:
        self.text = text
        self.p = patterns
        self.vocab = patterns.vocab
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.kinds: list[str] = []
        self._breaks: list[int] | None = None

    # -- claims ---------------------------------------------------------------------------
    def free(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end) - 1
        return i < 0 or self.ends[i] <= start

    def claim(self, kind: str, start: int, end: int) -> bool:
        """Claim text[start:end] for `kind` (or KEEP) unless it overlaps an earlier claim."""
        start, end = self.trim(start, end)
        if start >= end or not self.free(start, end):
            return False
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.kinds.insert(i, kind)
        return True

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Drop spaces and trailing punctuation from a span's ends."""
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:(—–"):
            end -= 1
        return start, end

    def findings(self) -> list[Finding]:
        return [
            Finding(k, s, e)
            for k, s, e in zip(self.kinds, self.starts, self.ends, strict=True)
            if k != KEEP
        ]

    # -- helpers for detectors ------------------------------------------------------------
    def cues(self, key: str) -> Iterator[tuple[int, int]]:
        """Where the words of `key` are: (start, end) of each whole-word occurrence."""
        for m in self.p.cue[key].finditer(self.text):
            group = "s" if m.has("s") else "t" if m.has("t") else "c"
            yield m.span(group)

    def matches(self, pattern: Pattern, group: str = "v") -> Iterator[tuple[int, int, object]]:
        for m in pattern.finditer(self.text):
            s, e = m.span(group) if group in m._groups else m.span()
            yield s, e, m

    def window(self, start: int, size: int) -> str:
        """The text from `start` to the end of its sentence, at most `size` characters."""
        end = min(len(self.text), start + size)
        return self.text[start : self.sentence_end(start, end)]

    def sentence_end(self, pos: int, limit: int) -> int:
        breaks = self.breaks()
        i = bisect_left(breaks, pos)
        return min(limit, breaks[i]) if i < len(breaks) else limit

    def sentence_start(self, pos: int, limit: int) -> int:
        breaks = self.breaks()
        i = bisect_left(breaks, pos) - 1
        return max(limit, breaks[i] + 1) if i >= 0 else limit

    def breaks(self) -> list[int]:
        """Positions of sentence ends ("." of an abbreviation such as "d.o.b." is not one)."""
        if self._breaks is None:
            text = self.text
            out = []
            for m in self.p.sentence_break.finditer(text):
                s = m.start()
                if text[s] == "." and s >= 2 and text[s - 2] in ". " and text[s - 1].isalpha():
                    continue  # d.o.b. / "St. "
                out.append(s)
            self._breaks = out
        return self._breaks

    def before_char(self, pos: int) -> str:
        return self.text[pos - 1] if pos > 0 else ""

    def after_char(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""


Detector = Callable[[Scan], None]


def all_occurrences(scan: Scan) -> list[Finding]:
    """Mask every other occurrence of a secret already found ("Jon Smith ... Jon Smith").

    Runs last, over keep spans too: a secret is masked wherever it appears.
    """
    found = scan.findings()
    secrets = {scan.text[f.start : f.end]: f.kind for f in found if f.end - f.start >= 4}
    if not secrets:
        return found
    import re  # only to escape literal secrets; the pattern itself runs on RE2

    alternation = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
    extra = []
    covered = [(f.start, f.end) for f in found]
    starts = [s for s, _ in covered]
    for m in compile_rx(alternation).finditer(scan.text):
        s, e = m.span()
        i = bisect_left(starts, e) - 1
        if i >= 0 and covered[i][0] <= s and e <= covered[i][1]:
            continue  # this is (inside) a finding already
        extra.append(Finding(secrets[m.group() or ""], s, e))
    return sorted(found + extra, key=lambda f: (f.start, f.end))
