"""One pass over a message: every detector proposes spans, the first to claim a span keeps it.

Detectors run in a fixed order (`DETECTORS`), most specific first: a seed phrase before the
words in it, a card number before the phone rule, a date or an order number before the digit
rule. Some claims are "keep" spans: text that looks like personal data but is not (a date of the
rejection, an order number, an amount, Binance's own e-mail address); they stop later rules
from masking it and are never masked themselves.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.understanding.privacy.patterns import Patterns
from bot.understanding.privacy.rx import DIGITS, Pattern, contains_any, is_cjk

KEEP = "keep"
#: the most occurrences of one list's words looked at in one message: a real message has a
#: few; a hostile one repeating "password: " a thousand times costs no more than this many
MAX_CUES = 48


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
        self._chunks: list[tuple[int, int]] | None = None
        self._chunk_starts: list[int] = []
        self._cues: dict[tuple[str, bool], list[tuple[int, int]]] = {}
        self._candidates: dict[str, list[tuple[int, int]]] | None = None  # see `CueFinder.find`
        #: an ASCII digit anywhere (other scripts' digits are read as ASCII ones): detectors
        #: of numbers have nothing to do without one
        self.has_digit = contains_any(text, DIGITS)

    # -- claims ---------------------------------------------------------------------------
    def free(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end) - 1
        return i < 0 or self.ends[i] <= start

    def claim(self, kind: str, start: int, end: int, *, over_keep: bool = False) -> bool:
        """Claim text[start:end] for `kind` (or KEEP) unless it overlaps an earlier claim.

        With `over_keep`, keep spans inside it give way ("Calle 45 #12-30": the "#12-30" that
        looked like a ticket number is part of the address)."""
        start, end = self.trim(start, end)
        if start >= end:
            return False
        if over_keep:
            self._drop_keeps_inside(start, end)
        if not self.free(start, end):
            return False
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.kinds.insert(i, kind)
        return True

    def claim_up_to_next(self, kind: str, start: int, end: int) -> bool:
        """Claim text[start:end] for `kind`, or, where an earlier claim starts inside it, the
        free part before that claim ("password: Qx9!pass4539 8748...": the card was claimed
        first, the password glued to it still is one)."""
        if self.claim(kind, start, end):
            return True
        i = bisect_left(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:  # an earlier claim covers the start: nothing free
            return False
        cut = self.starts[i] if i < len(self.starts) else end
        return cut > start and self.claim(kind, start, min(cut, end))

    def extend(self, start: int, end: int) -> bool:
        """Make the claim that starts at `start` reach `end`, if nothing else is claimed there."""
        i = bisect_left(self.starts, start)
        if i >= len(self.starts) or self.starts[i] != start or end <= self.ends[i]:
            return False
        if i + 1 < len(self.starts) and self.starts[i + 1] < end:
            return False
        self.ends[i] = end
        return True

    def _drop_keeps_inside(self, start: int, end: int) -> None:
        i = bisect_left(self.starts, start)
        while i < len(self.starts) and self.starts[i] < end:
            if self.kinds[i] == KEEP and self.ends[i] <= end:
                del self.starts[i], self.ends[i], self.kinds[i]
            else:
                i += 1

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
    def cues(self, key: str, *, digits_after: bool = False) -> list[tuple[int, int]]:
        """Where the words of `key` are (see `_find_cues`), found once per scan."""
        known = self._cues.get((key, digits_after))
        if known is None:
            known = self._cues[(key, digits_after)] = list(self._find_cues(key, digits_after))
        return known

    def _find_cues(self, key: str, digits_after: bool) -> Iterator[tuple[int, int]]:
        """Where the words of `key` are, as (start, end), left to right and not overlapping: a
        word of a spaced script must stand alone ("pass" is not in "passport"; a `*` word takes
        the letters after it, "şifremi"), a word of a script written without spaces (Chinese,
        Thai) may stand anywhere, and a word may carry a prefix the language glues to it
        (`glued_prefixes`: Arabic "وعنواني", "and my address"). With `digits_after`, digits may
        be glued to the word's end ("серия4608"). At one start the longest word that stands
        so is taken ("bydlím v" refused in "bydlím Vinohradská", "bydlím" taken)."""
        text = self.text
        stars = self.vocab.star_stems(key)
        prefixes = self.vocab.glued_prefixes()

        def accepted(s: int, e: int) -> int:
            """The word's end as taken (a `*` stem with its letters), or -1 when it does not
            stand as a word there."""
            first, last = text[s], text[e - 1]
            if is_cjk(first) or _unspaced(first):
                return e
            glued_before = s > 0 and (_in_word(text[s - 1]) or text[s - 1] == "]") and _in_word(first)
            if glued_before and not _after_prefix(text, s, prefixes):
                return -1  # inside a word, or glued to a mask where a word was ("]password")
            if " ".join(text[s:e].casefold().split()) in stars:
                while e < len(text) and _in_word(text[e]):
                    e += 1
            elif (e < len(text) and _in_word(last) and _in_word(text[e])
                  and not (digits_after and text[e].isdigit() and not last.isdigit())):
                return -1
            return e

        if self._candidates is None:
            self._candidates = self.p.cues.find(text)
        pos = count = 0
        for s, e in self._candidates.get(key, ()):  # at each start the longest first
            if s < pos:
                continue  # inside the word taken before, or a shorter word at its start
            end = accepted(s, e)
            if end < 0:
                continue
            yield s, end
            pos = end
            count += 1
            if count >= MAX_CUES:
                return  # a message of nothing but cue words: the first ones are enough

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

    def chunks_after(self, pos: int, size: int) -> Iterator[tuple[int, int, str]]:
        """The number-like chunks ("482913", "615 204", "K1792963", "1.026.495.971") after
        `pos` in its sentence, within `size` characters, with the text between `pos` and each.

        All chunks of the text are found in one pass and cached, so a message with many cue
        words costs one scan, not one per cue."""
        if self._chunks is None:
            self._chunks = [m.span("v") for m in self.p.id_chunk.finditer(self.text)]
            self._chunk_starts = [s for s, _ in self._chunks]
        limit = self.sentence_end(pos, pos + size)
        i = bisect_left(self._chunk_starts, pos)
        if i > 0 and self._chunks[i - 1][1] > pos:  # a chunk the cue ends inside ("kode 2FA 409")
            i -= 1
        while i < len(self._chunks) and self._chunks[i][1] <= limit:
            s, e = self._chunks[i]
            while s < pos or (s < e and not self.text[s].isalnum()):
                s += 1
            if s < e:
                yield s, e, self.text[pos:s]
            i += 1

    def before_char(self, pos: int) -> str:
        return self.text[pos - 1] if pos > 0 else ""

    def after_char(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""


Detector = Callable[[Scan], None]


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch)[0] == "M"


def _unspaced(ch: str) -> bool:
    """A letter of a script written without spaces between words: Thai, Lao, Khmer, Myanmar."""
    return "\u0e00" <= ch <= "\u0eff" or "\u1780" <= ch <= "\u17ff" or "\u1000" <= ch <= "\u109f"


def _after_prefix(text: str, s: int, prefixes: frozenset[str]) -> bool:
    """Does a glued prefix (Arabic and Persian "و", "and") stand alone before `s`?"""
    for prefix in prefixes:
        p = s - len(prefix)
        if p >= 0 and text[p:s] == prefix and (p == 0 or not _in_word(text[p - 1])):
            return True
    return False


#: the most distinct secrets looked for again (a real message has a handful; a flood of them is
#: all masked already, and one pattern of thousands of alternatives would be slow)
MAX_REPEATED = 64


def all_occurrences(scan: Scan) -> list[Finding]:
    """Mask every other occurrence of a secret already found ("Jon Smith ... Jon Smith"); a
    name of a spaced script also in capitals or title case ("Zaw ... my passport says ZAW",
    never "Mark ... I will mark it"), as a whole word, and one of three letters too.

    Runs last, over keep spans too: a secret is masked wherever it appears.
    """
    found = scan.findings()
    secrets: dict[str, str] = {}
    for f in found:
        secret = scan.text[f.start : f.end]
        if f.end - f.start >= 4 or (f.kind == "name" and f.end - f.start >= 3 and secret.isalpha()):
            secrets[secret] = f.kind
    if not secrets or len(secrets) > MAX_REPEATED:
        return found
    extra = []
    covered = [(f.start, f.end) for f in found]
    starts = [s for s, _ in covered]
    text = scan.text
    folded = text.lower()
    for secret, kind in secrets.items():  # str.find: linear in the text (two-way search)
        # (a name in Chinese or Japanese stands anywhere, as any secret does)
        spaced_name = kind == "name" and not any(is_cjk(ch) for ch in secret)
        caseless = (spaced_name and len(folded) == len(text)
                    and len(secret.lower()) == len(secret))
        # (a full name in any case, "chen wei" for CHEN WEI; one word only as written, in
        # capitals or title case: "Mark" is no "mark it")
        several = len(secret.split()) >= 2
        haystack, needle = (folded, secret.lower()) if caseless else (text, secret)
        s = haystack.find(needle)
        while s >= 0:
            e = s + len(needle)
            i = bisect_left(starts, e) - 1
            inside = i >= 0 and covered[i][0] <= s and e <= covered[i][1]
            alone = not spaced_name or ((s == 0 or not _in_word(text[s - 1]))
                                        and (e == len(text) or not _in_word(text[e])))
            seen = text[s:e]
            if not inside and alone and (seen == secret or several or seen.isupper()
                                         or seen == secret.title()):
                extra.append(Finding(kind, s, e))  # not this finding (or inside one)
            s = haystack.find(needle, e)
    return sorted(found + extra, key=lambda f: (f.start, f.end))
