"""Recognise which rejection reason(s) or topic a user's message is about.

How a message is read (everything the knowledge base implies is precomputed in `Matcher.build`):

1. Clean: cut to `max_chars`, NFKC, drop control characters, strip accents, lowercase ("US"
   in a mixed-case message becomes "USA", not the stop word "us"); pasted HTML becomes lines;
   cut out boilerplate (mail headers, greetings, sign-offs, footers of exchanges and
   verification vendors, the notice's own framing sentence "Your KYC application was not
   approved").
2. Segment: a forwarded notice's reason part ("Reason: ...", "Reasons:" and a list) is split into
   items (lines, bullets, numbers, ";", sentences; "," and "and" only when every piece names a
   different reason). Items are read one by one, so listed reasons come out in the listed order.
   A list with no "Reason:" before it (two or more bullet lines, or "(1) ... (2) ...",
   "a) ... b) ...", "(i) ... (ii) ...", "1/ ... 2/ ...", "1、... 2、..." in a line) is read the
   same way, but must still beat "nothing". The rest of the message is free text, also read
   clause by clause.
3. Normalise words: known words stay; an unknown word is split into known words
   ("imagequality") or corrected to the closest known word ("blury"); then light stemming,
   synonyms from matching.yaml (single words and phrases), stop words dropped by their spelling
   ("really" goes, "real" stays), and a `negatable` word right after a negation dropped
   ("not expired").
4. Score every entry (reasons, topics, and "nothing" for negatives.yaml), 0-100, from four kinds
   of evidence: the words' votes (how typical each word is of the entry compared with the
   others), the nearest of its examples/notices/keywords (TF-IDF cosine over words and word
   pairs, through an inverted index), its whole profile (all its texts together), and its
   keywords found as phrases ("nothing" has no keywords, so its mix leaves them out). The mix
   is scaled by trust, which grows with the informative weight the message shares with the
   entry, so one rare word in common is not a confident match. A negative keyword scales an
   entry down. A message naming none of matching.yaml's `domain_words` (kyc, verification,
   document...) and made largely of words seen mostly in negatives.yaml, or of unknown words,
   is about something else: every entry but "nothing" shrinks (`domain_factor`), so "my session
   expired" or "face id login not working" is not a rejection reason.
5. Decide: nothing reaches its floor (`min_score` for reasons, `topic_min_score` for topics,
   both `anchored_discount` lower for a message naming a domain word), or "nothing" scores
   higher -> no match; reasons listed in a notice (or named in separate clauses) come first in
   their order (`multi` when two or more); a reason ranks `reason_bias` points above topics, so
   "my selfie failed 3 times, how long is review?" leads with the reason; two reasons or two
   topics within `ambiguous_margin` -> `ambiguous`.

Every number lives in the `matching:` section of knowledge/policy.yaml; every word list in
knowledge/matching.yaml.
"""

from __future__ import annotations

import html
import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from bot.knowledge.model import KnowledgeBase, Source
from bot.knowledge.policy import MATCHING_DEFAULTS as DEFAULTS  # declared once, with bounds

logger = logging.getLogger(__name__)

Kind = Literal["reason", "topic"]
NONE_ID = "__none__"

@dataclass(frozen=True)
class Match:
    """One entry the message points to, with a 0-100 score."""

    kind: Kind
    id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """Ranked matches, best first; empty means the message is about nothing the bot knows."""

    matches: tuple[Match, ...] = ()
    ambiguous: bool = False
    multi: bool = False

    @property
    def top(self) -> Match | None:
        return self.matches[0] if self.matches else None


EMPTY = MatchResult()

#: the last matchers built, with the knowledge they were built from: see `Matcher.build`
_BUILT: list[tuple[tuple[object, ...], Matcher]] = []


def _inputs(kb: KnowledgeBase) -> tuple[object, ...]:
    """Return what a matcher is built from (compared by identity: the loader never mutates)."""
    return (kb.reasons, kb.topics, kb.negatives, kb.matching, kb.policy)


# --------------------------------------------------------------------------- text


#: at most this many knowledge texts are remembered by the matcher's text caches
_CACHE_SIZE = 20000

_APOSTROPHES = "'’`´ʼ"
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_LETTER_RE = re.compile(r"[a-z0-9]")
_BLANKISH_RE = re.compile(r"^[\s\W_]*$")


_ASCII_TABLE = {
    **{c: " " for c in range(32) if chr(c) not in "\n\t\r"},
    ord("\r"): "\n",
    127: " ",
    ord("'"): None,
    ord("`"): None,
}


_US_RE = re.compile(r"(?<![A-Za-z])U\.?S\.?(?:A\.?)?(?![A-Za-z])")


def clean(text: str, limit: int) -> str:
    """Return `text` cut to `limit` characters, NFKC, lowercase, accents and control chars removed."""
    text = text[:limit]
    if ("US" in text or "U.S" in text) and any(c.islower() for c in text):
        text = _US_RE.sub("USA", text)  # the country, not the pronoun "us" (a stop word)
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # Windows line ends would read as blank lines
    if text.isascii():
        return text.lower().translate(_ASCII_TABLE)
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue
        if ch in "\n\t":
            out.append(ch)
        elif cat[0] in "CZ":  # control, format (RTL marks, zero-width), separators
            out.append("\n" if ch in "\r\u2028\u2029\x85" else " ")
        elif ch in _APOSTROPHES:
            continue  # "doesn't" -> "doesnt", "mom's" -> "moms"
        else:
            out.append(ch)
    return "".join(out)


_STEM_RULES: tuple[tuple[str, str], ...] = (
    ("ifications", "ify"),
    ("ification", "ify"),
    ("ifying", "ify"),
    ("ified", "ify"),
    ("ifies", "ify"),
    ("isations", "ize"),
    ("izations", "ize"),
    ("isation", "ize"),
    ("ization", "ize"),
    ("erations", "er"),
    ("eration", "er"),  # "alteration" -> "alter"
    ("irations", "ir"),
    ("iration", "ir"),  # "expiration" -> "expir", as "expired"
    ("rations", "er"),
    ("ration", "er"),
    ("ations", "at"),
    ("ation", "at"),  # "manipulation" -> "manipulat", as "manipulated"
    ("issions", "it"),
    ("ission", "it"),
    ("ctions", "ct"),
    ("ction", "ct"),
    ("itions", "ize"),
    ("ition", "ize"),
    ("ising", "ize"),
    ("izing", "ize"),
    ("ised", "ize"),
    ("ises", "ize"),
    ("ise", "ize"),
    ("ingly", ""),
    ("edly", ""),
    ("ying", "y"),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("sses", "ss"),
    ("ly", ""),
    ("ed", ""),
    ("d", ""),  # "used" -> "use" when "-ed" would leave too little
    ("s", ""),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return a light stem: "failed", "fails", "failing" -> "fail"; "blurry", "blurred" -> "blur"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ing") and len(w) == 5:  # "using" -> "use", "being" -> "bee" (harmless)
        return w[:2] + "e"
    for suffix, repl in _STEM_RULES:
        if w.endswith(suffix) and len(w) - len(suffix) + len(repl) >= 3:
            if suffix == "s" and w[-2] in "sui":
                break
            if suffix == "d" and not w.endswith("ed"):
                break
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] in "eyi":
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


class Normaliser:
    """Turn text into canonical terms: typo fixes, split words, stems, synonyms, no stop words."""

    def __init__(
        self,
        synonyms: Mapping[str, Sequence[str]],
        stop_words: Iterable[str],
        vocabulary: Iterable[str],
        settings: Mapping[str, float],
        negations: Iterable[str] = (),
        negatable: Iterable[str] = (),
    ) -> None:
        self.typo_cutoff = float(settings["typo_cutoff"])
        self.typo_min_length = int(settings["typo_min_length"])
        self.max_typos = int(settings["max_typos"])
        self.max_terms = int(settings["max_terms"])
        self.stop_surface = {w for s in stop_words for w in _TOKEN_RE.findall(clean(s, 100))}
        self.stop_stems = {stem(w) for w in self.stop_surface}
        # stems of stop words that are also their own spelling ("binance", "the"): always dropped
        self.stop_canon = {w for w in self.stop_surface if stem(w) == w}
        self.vocabulary: set[str] = set(self.stop_surface)
        for key, variants in synonyms.items():
            for phrase in (key, *variants):
                self.vocabulary.update(_TOKEN_RE.findall(clean(phrase, 200)))
        for word in vocabulary:
            self.vocabulary.update(_TOKEN_RE.findall(word))
        # Single-word synonyms (on stems), then phrase synonyms over already-mapped stems.
        self._word_syn: dict[str, tuple[str, ...]] = {}
        phrases: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        for key, variants in synonyms.items():
            canon = tuple(stem(w) for w in _TOKEN_RE.findall(clean(key, 200)))
            if not canon:
                continue
            for variant in variants:
                toks = tuple(stem(w) for w in _TOKEN_RE.findall(clean(variant, 200)))
                if len(toks) == 1 and toks != canon:
                    self._word_syn[toks[0]] = canon
        for key, variants in synonyms.items():
            canon = tuple(stem(w) for w in _TOKEN_RE.findall(clean(key, 200)))
            for variant in variants:
                toks = tuple(stem(w) for w in _TOKEN_RE.findall(clean(variant, 200)))
                if len(toks) > 1 and canon:
                    phrases.append((self._map_words(toks), canon))
        self._phrases: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = defaultdict(list)
        for toks, canon in sorted(phrases, key=lambda p: -len(p[0])):
            self._phrases[toks[0]].append((toks, canon))
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            if len(word) >= 4 and word.isalpha():
                self._by_length[len(word)].append(word)
        self._typo_cache: dict[str, tuple[tuple[str, ...], bool] | None] = {}
        # Knowledge texts are read at build and again when `check_knowledge` matches them:
        # what is read while `remember` is on (the build) is kept.
        self._terms_cache: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        self.remember = False
        # Another form of a known word is known too: "reflected" when "reflection" is listed.
        self.known_stems = {stem(w) for w in self.vocabulary}
        self.negations = {t for w in negations for t in self._canon(w)}
        self.negatable = {t for w in negatable for t in self._canon(w)}
        self.vocabulary.update(w for p in (*negations, *negatable)
                               for w in _TOKEN_RE.findall(clean(p, 200)))

    def _canon(self, word: str) -> tuple[str, ...]:
        return self._map_words([stem(w) for w in _TOKEN_RE.findall(clean(word, 200))])

    def _map_words(self, stems: Sequence[str]) -> tuple[str, ...]:
        out: list[str] = []
        for s in stems:
            out.extend(self._word_syn.get(s, (s,)))
        return tuple(out)

    def _split(self, word: str) -> list[str] | None:
        """Split a run-together word into two or three known words ("idalreadyused")."""
        if len(word) > 40:
            return None
        best: list[str] | None = None

        def good(part: str) -> bool:
            return len(part) >= 2 and part in self.vocabulary

        for i in range(2, len(word) - 1):
            a, rest = word[:i], word[i:]
            if not good(a):
                continue
            options = [[a, rest]] if good(rest) else []
            for j in range(2, len(rest) - 1):
                if good(rest[:j]) and good(rest[j:]):
                    options.append([a, rest[:j], rest[j:]])
            for parts in options:
                # fewest parts first, then the most even split
                if best is None or (len(parts), -min(map(len, parts))) < (
                    len(best), -min(map(len, best))
                ):
                    best = parts
        if best and sum(len(p) >= 3 for p in best) >= len(best) - 1 and max(map(len, best)) >= 4:
            return best
        return None

    def _fix(self, word: str) -> tuple[tuple[str, ...], bool] | None:
        """Return an unknown word as known words, and whether that was a guess, or None."""
        if word in self._typo_cache:
            return self._typo_cache[word]
        split = self._split(word)
        fixed: tuple[tuple[str, ...], bool] | None = None
        if split:
            fixed = (tuple(split), False)
        else:
            corrected = self._correct(word)
            if corrected:
                fixed = ((corrected,), True)
        if len(self._typo_cache) > 50000:
            self._typo_cache.clear()
        self._typo_cache[word] = fixed
        return fixed

    def _correct(self, word: str) -> str | None:
        """Return the known word closest to `word` (rapidfuzz ratio >= typo_cutoff), or None."""
        n = len(word)
        reach = 2 if n >= 9 else 1  # typos add, drop or swap a letter: lengths stay close
        choices = [w for k in range(n - reach, n + reach + 1) for w in self._by_length.get(k, ())]
        found = process.extractOne(
            word, choices, scorer=fuzz.ratio, processor=None, score_cutoff=self.typo_cutoff
        )
        return found[0] if found else None

    def words(self, text: str, corrected: set[str] | None = None) -> list[str]:
        """Return the surface words of cleaned `text`, with splits and typo fixes applied.

        Words that were corrected are added to `corrected` (when given).
        """
        out: list[str] = []
        budget = self.max_typos  # unknown words looked at per message (bounded time)
        repeats = _REPEAT_RE.search(text) is not None  # "sooo blurryyy"
        for raw in _TOKEN_RE.findall(text)[: self.max_terms]:
            w = _REPEAT_RE.sub(r"\1\1", raw) if repeats else raw
            if (
                w in self.vocabulary
                or not w.isalpha()
                or len(w) < self.typo_min_length
                or stem(w) in self.known_stems
            ):
                out.append(w)
                continue
            if w not in self._typo_cache:
                if budget <= 0:
                    out.append(w)
                    continue
                budget -= 1
            fixed = self._fix(w)
            if fixed is None:
                out.append(w)
                continue
            words, guessed = fixed
            if guessed and corrected is not None:
                corrected.update(words)
            out.extend(words)
        return out

    def terms(self, text: str, uncertain: set[str] | None = None) -> list[str]:
        """Return the canonical terms of cleaned `text` (stems, synonyms mapped, stop words gone).

        Terms that come from a typo correction are added to `uncertain` (when given).
        """
        cached = self._terms_cache.get(text)
        if cached is None:
            guessed: set[str] = set()
            cached = (self._terms(text, guessed), frozenset(guessed))
            if self.remember and len(self._terms_cache) < _CACHE_SIZE:
                self._terms_cache[text] = cached
        if uncertain is not None:
            uncertain.update(cached[1])
        return list(cached[0])

    def _terms(self, text: str, uncertain: set[str]) -> list[str]:
        corrected: set[str] = set()
        words = self.words(text, corrected)
        if corrected:
            uncertain.update(self._map_words([stem(w) for w in corrected]))
        # A stop word is dropped by its spelling, so "really" goes but "real" stays; a stop
        # word may still be part of a phrase ("out of date").
        stems: list[str] = []
        stop: list[bool] = []
        for w in words:
            mapped_word = self._word_syn.get(stem(w))
            if mapped_word is None:
                stems.append(stem(w))
                stop.append(w in self.stop_surface)
            else:
                stems.extend(mapped_word)
                stop.extend([False] * len(mapped_word))
        mapped: list[str] = []
        i = 0
        while i < len(stems):
            for toks, canon in self._phrases.get(stems[i], ()):
                if tuple(stems[i : i + len(toks)]) == toks:
                    mapped.extend(canon)
                    i += len(toks)
                    break
            else:
                if not stop[i]:
                    mapped.append(stems[i])
                i += 1
        terms = [t for t in mapped if t not in self.stop_canon]
        if self.negatable and self.negations:
            # "not blurry", "nothing expired": a negation just before cancels the word, and
            # is spent on it.
            drop: set[int] = set()
            for i, t in enumerate(terms):
                if t in self.negatable:
                    negs = [j for j in range(max(0, i - 1), i) if terms[j] in self.negations]
                    if negs:
                        drop.add(i)
                        drop.update(negs)
            if drop:
                terms = [t for i, t in enumerate(terms) if i not in drop]
        return terms


# --------------------------------------------------------------------------- segmentation


_ROMAN = r"(?:i{1,3}|iv|vi{0,3})"
#: a numbered or lettered list marker: "1." "2)" "(3)" "4/" "a)" "(b)" "(i)" "ii)" "5、"
_NUMBERED = rf"(?:\(?[1-9][.)/]|\([1-9]\)|\(?[a-h]\)|\(?{_ROMAN}\))"
#: symbols people and notices put before list items
_SYMBOL_BULLETS = "-*•·▪●◦‣–—>❌✖✗✘❎⛔🚫✔✅☑➤►▶→⚠"
_BULLET_RE = re.compile(
    rf"(?:^|(?<=\s))(?:{_NUMBERED}|[{_SYMBOL_BULLETS}])(?=\s)|(?:^|(?<=\s))[1-9]、", re.M
)
_LIST_LINE_RE = re.compile(
    rf"^\s*(?:(?:{_NUMBERED}|[{_SYMBOL_BULLETS}])\s|[1-9]、)"
)
#: markers of an inline numbered list ("(1) ... (2) ...", "a) ... b) ...", "1/ ... 2/ ...")
_INLINE_ITEM_RE = re.compile(
    rf"(?:^|(?<=\s))(?:\(?([1-9]|[a-h]|{_ROMAN})[.)/]|\(([1-9]|[a-h]|{_ROMAN})\))(?=\s)|"
    r"(?:^|(?<=\s))([1-9])、"
)
_FIRST_SECOND = {("1", "2"), ("a", "b"), ("i", "ii")}
_HARD_SPLIT_RE = re.compile(r"\n|;|\s/\s|\s\|\s|\.(?:\s+|$)")
_CLAUSE_RE = re.compile(r"[.!?;:\n]+|,|\s(?:and|but|also|plus)\s|\s[&+/]\s")


_BLOCK_TAG_RE = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|td|h[1-6]|table)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>\n]{0,200}>")


def _from_html(text: str) -> str:
    """Turn pasted HTML into text: block tags become line breaks, other tags disappear."""
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _TAG_RE.sub(" ", text)
    return html.unescape(text)


@dataclass
class Segments:
    """A message split into reason-list items (from notices), unmarked list items, free text."""

    items: list[str] = field(default_factory=list)
    free: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # a list with no "Reason:" before it

    @property
    def text(self) -> str:
        return "\n".join([*self.items, *self.loose, *self.free])


def _required_literals(pattern: str) -> frozenset[str] | None:
    """Return lowercase strings one of which every match of `pattern` contains, or None.

    Read from the regex's parse tree ("\\bplease\\s+do\\s+not" needs "please"); None when no
    such string is certain (the pattern is then always run).
    """
    try:
        from re import _parser  # the standard library's own regex parser (private, so guarded)

        return _sequence_literals(list(_parser.parse(pattern, re.IGNORECASE)))
    except Exception:  # an unexpected parse tree only costs speed
        return None


def _sequence_literals(items: list[tuple[object, object]]) -> frozenset[str] | None:
    """Return the most selective set of strings one of which a match of `items` contains."""
    from re import _constants as c

    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av).lower())  # type: ignore[arg-type]
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        found: frozenset[str] | None = None
        if op is c.SUBPATTERN:
            found = _sequence_literals(list(av[-1]))  # type: ignore[index]
        elif op is c.ATOMIC_GROUP:
            found = _sequence_literals(list(av))  # type: ignore[call-overload]
        elif op is c.BRANCH:
            branches = [_sequence_literals(list(b)) for b in av[1]]  # type: ignore[index]
            if branches and all(branches):
                found = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:  # type: ignore[index,operator]
            found = _sequence_literals(list(av[2]))  # type: ignore[index]
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    if not candidates:
        return None
    return max(candidates, key=lambda cand: (min(map(len, cand)), -len(cand)))


def _inline_list(line: str) -> tuple[str, list[str]]:
    """Split "rejected: (1) photo unclear (2) name wrong" into its head and numbered items.

    Only a numbering that starts at 1, a or i and goes on with 2, b or ii counts as a list.
    """
    found = list(_INLINE_ITEM_RE.finditer(line))
    if len(found) < 2:
        return line, []
    labels = [next(g for g in m.groups() if g) for m in found]
    if (labels[0], labels[1]) not in _FIRST_SECOND:
        return line, []
    parts = [line[m.end(): (found[k + 1].start() if k + 1 < len(found) else len(line))]
             for k, m in enumerate(found)]
    return line[: found[0].start()], [p for p in parts if _LETTER_RE.search(p)]


class Segmenter:
    """Cut boilerplate and find the reason list(s) of forwarded notices."""

    def __init__(
        self,
        boilerplate: Sequence[str],
        markers: Sequence[str],
        soft_separators: Sequence[str],
    ) -> None:
        flags = re.IGNORECASE | re.MULTILINE
        self._flags = flags
        self.boilerplate = (
            re.compile("|".join(f"(?:{p})" for p in boilerplate), flags) if boilerplate else None
        )
        # Most texts contain none of the words a pattern needs: only the patterns that may
        # match are run (as one alternation, in the listed order, as `boilerplate` would).
        self._patterns = list(boilerplate)
        self._needs = [_required_literals(p) for p in boilerplate]
        self._alternations: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._single = [re.compile(p, flags) for p in boilerplate]
        self.markers = [re.compile(p, flags) for p in markers]
        seps = [re.escape(s.strip()) if s.strip() else re.escape(s) for s in soft_separators]
        words = [s for s in seps if re.fullmatch(r"[\w\\ ]+", s)]
        symbols = [s for s in seps if s not in words]
        parts = [rf"\s(?:{'|'.join(words)})\s"] if words else []
        parts += [rf"\s*(?:{'|'.join(symbols)})\s*"] if symbols else []
        self.soft = re.compile("|".join(parts)) if parts else None
        self._stripped: dict[str, str] = {}
        self.remember = False  # keep what is stripped (on while the matcher is built)

    def strip_boilerplate(self, text: str) -> str:
        """Return `text` with every boilerplate pattern replaced by a space."""
        if self.boilerplate is None:
            return text
        stripped = self._stripped.get(text)
        if stripped is None:
            contains = text.lower().__contains__
            active = tuple(i for i, needs in enumerate(self._needs)
                           if needs is None or any(map(contains, needs)))
            stripped = self._alternation(active).sub(" ", text) if active else text
            if self.remember and len(self._stripped) < _CACHE_SIZE:
                self._stripped[text] = stripped
        return stripped

    def _alternation(self, active: tuple[int, ...]) -> re.Pattern[str]:
        """Return the boilerplate patterns numbered `active` as one regex (compiled once)."""
        found = self._alternations.get(active)
        if found is None:
            if len(active) == len(self._patterns):
                found = self.boilerplate
            elif len(active) == 1:
                found = self._single[active[0]]
            else:
                found = re.compile("|".join(f"(?:{self._patterns[i]})" for i in active),
                                   self._flags)
            if len(self._alternations) < 4096:
                self._alternations[active] = found
        assert found is not None
        return found

    def _marker_spans(self, line: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for pattern in self.markers:
            spans.extend(m.span() for m in pattern.finditer(line) if m.end() > m.start())
        spans.sort()
        kept: list[tuple[int, int]] = []
        for s, e in spans:
            if not kept or s >= kept[-1][1]:
                kept.append((s, e))
        return kept

    def split(self, text: str) -> Segments:
        """Split cleaned `text` into reason-list items and free text."""
        if "<" in text or "&" in text:
            text = _from_html(text)
        lines = self.strip_boilerplate(text).split("\n")
        seg = Segments()
        i = 0
        while i < len(lines):
            line = lines[i]
            spans = self._marker_spans(line)
            if not spans:
                run = i
                while run < len(lines) and _LIST_LINE_RE.match(lines[run]) and not (
                    self._marker_spans(lines[run])
                ):
                    run += 1
                if run - i >= 2:  # two or more list lines in a row: an unmarked list
                    for item in lines[i:run]:
                        seg.loose.extend(self.items(item))
                    i = run
                    continue
                head, inline = _inline_list(line)
                if inline:
                    if not _BLANKISH_RE.match(head):
                        seg.free.append(head)
                    seg.loose.extend(p for part in inline for p in self.items(part))
                elif not _BLANKISH_RE.match(line):
                    seg.free.append(line)
                i += 1
                continue
            if spans[0][0] > 0 and not _BLANKISH_RE.match(line[: spans[0][0]]):
                seg.free.append(line[: spans[0][0]])
            bodies = [line[e : (spans[k + 1][0] if k + 1 < len(spans) else len(line))]
                      for k, (_, e) in enumerate(spans)]
            i += 1
            tail = bodies[-1]
            if _BLANKISH_RE.match(tail):
                # "Reasons:" alone on its line: the list is the following lines up to a blank one
                while i < len(lines) and _BLANKISH_RE.match(lines[i]):
                    i += 1
                while i < len(lines) and not _BLANKISH_RE.match(lines[i]):
                    if self._marker_spans(lines[i]):
                        break
                    bodies.append(lines[i])
                    i += 1
            else:
                while i < len(lines) and _LIST_LINE_RE.match(lines[i]):
                    bodies.append(lines[i])
                    i += 1
            for body in bodies:
                seg.items.extend(self.items(body))
        return seg

    @staticmethod
    def items(body: str) -> list[str]:
        """Split a reason list into items at lines, bullets, numbers, ";", " / " and sentences."""
        body = _BULLET_RE.sub("\n", body)
        return [p.strip() for p in _HARD_SPLIT_RE.split(body) if _LETTER_RE.search(p)]

    def soft_split(self, item: str) -> list[str]:
        """Split an item at soft separators ("," "and"); the caller decides whether to keep it."""
        if self.soft is None:
            return [item]
        return [p.strip() for p in self.soft.split(item) if _LETTER_RE.search(p)]

    @staticmethod
    def clauses(text: str) -> list[str]:
        """Split free text into clauses at punctuation and "and"/"but"/"also"."""
        text = _BULLET_RE.sub("\n", text)
        return [p.strip() for p in _CLAUSE_RE.split(text) if _LETTER_RE.search(p)]


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class Entry:
    """Something a message can be about: a reason, a topic, or "nothing" (negatives)."""

    kind: str  # "reason" | "topic" | "none"
    id: str


@dataclass(frozen=True)
class Doc:
    """One indexed text: an example, a notice, a keyword or a title of an entry."""

    entry: int
    text: str
    role: str  # "example" | "notice" | "keyword" | "title"
    index: int  # position among the entry's texts of that role (examples: the example index)


def _features(terms: Sequence[str]) -> list[str]:
    """Return the unigrams and adjacent bigrams of `terms`, each once."""
    feats = dict.fromkeys(terms)
    for a, b in zip(terms, terms[1:], strict=False):
        feats[a + " " + b] = None
    return list(feats)


class Matcher:
    """Match messages to reasons and topics; build once per knowledge base, then `match`."""

    def __init__(
        self,
        entries: list[Entry],
        normaliser: Normaliser,
        segmenter: Segmenter,
        settings: Mapping[str, float],
    ) -> None:
        self.entries = entries
        self.norm = normaliser
        self.seg = segmenter
        self.settings = dict(settings)
        self.docs: list[Doc] = []
        self.doc_norm_sq: list[float] = []
        self.idf: dict[str, float] = {}
        self.max_idf = 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.profile_postings: dict[str, list[tuple[int, float]]] = {}
        self.profile_norm: list[float] = []
        self.profile_dot_doc: list[float] = []
        self.keywords: dict[str, list[tuple[tuple[str, ...], int, float]]] = {}
        self.negative_keywords: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self.example_docs: dict[tuple[int, int], int] = {}
        self.by_key: dict[tuple[str, str], int] = {(e.kind, e.id): i for i, e in enumerate(entries)}
        self.none_entry = self.by_key.get(("none", NONE_ID), -1)
        self._terms_cache: dict[str, list[str]] = {}
        self.anchors: set[str] = set()

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Matcher:
        """Precompute everything matching needs from `kb` (reused if built for it already).

        `load_knowledge` builds one to check the examples; the bot's own build of the same
        loaded knowledge then costs nothing.
        """
        parts = _inputs(kb)
        for built_from, matcher in _BUILT:
            if all(a is b for a, b in zip(built_from, parts, strict=True)):
                return matcher
        matcher = cls._build(kb)
        _BUILT.insert(0, (parts, matcher))
        del _BUILT[2:]  # the current knowledge base and the one being reloaded
        return matcher

    @classmethod
    def _build(cls, kb: KnowledgeBase) -> Matcher:
        settings = settings_from(kb)
        words = matching_words(kb.matching)
        texts: list[tuple[str, str, str, int, str]] = []  # kind, id, role, index, text
        entries: list[Entry] = []
        keywords: list[tuple[int, str]] = []
        negative_keywords: list[tuple[int, str]] = []
        for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
            for item in items:
                e = len(entries)
                entries.append(Entry(kind, item.id))
                for i, ex in enumerate(item.examples):
                    texts.append((kind, item.id, "example", i, ex))
                for i, notice in enumerate(getattr(item, "notices", ())):
                    texts.append((kind, item.id, "notice", i, notice))
                for i, kw in enumerate(item.keywords):
                    texts.append((kind, item.id, "keyword", i, kw))
                    keywords.append((e, kw))
                title = item.title.get()
                if title:
                    texts.append((kind, item.id, "title", 0, title))
                negative_keywords.extend((e, kw) for kw in item.negative_keywords)
        entries.append(Entry("none", NONE_ID))
        for i, ex in enumerate(kb.negatives):
            texts.append(("none", NONE_ID, "example", i, ex))
        # Words a message may be corrected towards: those of keywords, notices and titles, and
        # example words seen at least twice (a one-off typo in an example is not a word).
        seen: dict[str, int] = defaultdict(int)
        vocabulary: set[str] = set()
        for _, _, role, _, text in texts:
            words_here = set(_TOKEN_RE.findall(clean(text, 10000)))
            if role != "example":
                vocabulary |= words_here
            for w in words_here:
                seen[w] += 1
        vocabulary |= {w for w, n in seen.items() if n >= 2}
        normaliser = Normaliser(words["synonyms"], words["stop_words"], vocabulary, settings,
                                words["negations"], words["negatable"])
        segmenter = Segmenter(words["boilerplate"], words["reason_markers"],
                              words["soft_separators"])
        matcher = cls(entries, normaliser, segmenter, settings)
        normaliser.remember = segmenter.remember = True
        matcher.anchors = {t for w in words["domain_words"] for t in normaliser.terms(clean(w, 200))}
        matcher._index(texts, keywords, negative_keywords)
        normaliser.remember = segmenter.remember = False
        return matcher

    def forget(self) -> None:
        """Drop what the build remembered for `check_knowledge` (the index keeps what it needs)."""
        self.norm._terms_cache.clear()
        self.seg._stripped.clear()

    def _doc_terms(self, text: str) -> list[str]:
        """Return the terms of a knowledge text, read exactly as a message would be."""
        cached = self._terms_cache.get(text)
        if cached is None:
            cached = self.norm.terms(self.seg.strip_boilerplate(clean(text, 10000)))
            if len(self._terms_cache) < 200000:
                self._terms_cache[text] = cached
        return cached

    def _index(
        self,
        texts: list[tuple[str, str, str, int, str]],
        keywords: list[tuple[int, str]],
        negative_keywords: list[tuple[int, str]],
    ) -> None:
        bigram_weight = self.settings["bigram_weight"]
        doc_feats: list[list[str]] = []
        df: dict[str, int] = defaultdict(int)
        for kind, ident, role, index, text in texts:
            feats = _features(self._doc_terms(text))
            if not feats:
                continue
            e = self.by_key[(kind, ident)]
            if role == "example":
                self.example_docs[(e, index)] = len(self.docs)
            self.docs.append(Doc(e, text, role, index))
            doc_feats.append(feats)
            for f in feats:
                df[f] += 1
        n = len(self.docs) or 1
        self.idf = {
            f: math.log(1 + n / c) * (bigram_weight if " " in f else 1.0) for f, c in df.items()
        }
        self.max_idf = max((v for f, v in self.idf.items() if " " not in f), default=1.0)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        profile: list[dict[str, float]] = [defaultdict(float) for _ in self.entries]
        doc_vectors: list[dict[str, float]] = []
        for d, feats in enumerate(doc_feats):
            vec = {f: self.idf[f] for f in feats}
            norm = math.sqrt(sum(w * w for w in vec.values()))
            vec = {f: w / norm for f, w in vec.items()}
            doc_vectors.append(vec)
            for f, w in vec.items():
                postings[f].append((d, w))
                profile[self.docs[d].entry][f] += w
        self.postings = dict(postings)
        self.doc_vectors = doc_vectors
        self.df = dict(df)
        self.common_df = max(self.settings["common_min_df"],
                             self.settings["common_fraction"] * len(self.docs))
        # Votes: how typical each feature is of each entry (share of the entry's texts using it).
        counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.entry_docs = [0] * len(self.entries)
        for d, feats in enumerate(doc_feats):
            e = self.docs[d].entry
            self.entry_docs[e] += 1
            for f in feats:
                counts[f][e] += 1
        self.vote_counts = {f: dict(c) for f, c in counts.items()}
        # Words mostly seen in negatives.yaml: a message made of them is about something else.
        self.off_domain = {
            f for f, c in self.vote_counts.items() if " " not in f and self._elsewhere(c)
        }
        self.vote_map: dict[str, dict[int, float]] = {}
        self.vote_weight: dict[str, float] = {}
        for f, c in self.vote_counts.items():
            post, weight = self._vote(f, c)
            self.vote_map[f] = dict(post)
            self.vote_weight[f] = weight
        self.profile_vectors = [dict(vec) for vec in profile]
        profile_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for e, vec in enumerate(profile):
            self.profile_norm.append(math.sqrt(sum(w * w for w in vec.values())) or 1.0)
            for f, w in vec.items():
                profile_postings[f].append((e, w))
        self.profile_postings = dict(profile_postings)
        # For leave-one-out: the dot product of each doc with its own entry's profile.
        self.profile_dot_doc = [
            sum(w * profile[self.docs[d].entry][f] for f, w in vec.items())
            for d, vec in enumerate(doc_vectors)
        ]
        # Keywords: a phrase listed by k entries gives each 1/k of a full unit of evidence.
        owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
        parsed: list[tuple[int, tuple[str, ...]]] = []
        for e, kw in keywords:
            terms = tuple(self._doc_terms(kw))
            if terms:
                owners[terms].add(e)
                parsed.append((e, terms))
        kw_index: dict[str, list[tuple[tuple[str, ...], int, float]]] = defaultdict(list)
        for e, terms in parsed:
            spec = sum(self.idf.get(t, self.max_idf) for t in terms) / len(terms) / self.max_idf
            weight = min(1.0, spec) / len(owners[terms])
            if (terms, e, weight) not in kw_index[terms[0]]:
                kw_index[terms[0]].append((terms, e, weight))
        self.keywords = dict(kw_index)
        neg_index: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for e, kw in negative_keywords:
            terms = tuple(self._doc_terms(kw))
            if terms:
                neg_index[terms[0]].append((terms, e))
        self.negative_keywords = dict(neg_index)
        logger.debug(
            "matcher built: %d entries, %d docs, %d features, %d words known",
            len(self.entries), len(self.docs), len(self.idf), len(self.norm.vocabulary),
        )

    def _vote(self, feature: str, counts: Mapping[int, int]) -> tuple[list[tuple[int, float]], float]:
        """Return (entry, P(entry | feature)) pairs and the feature's vote weight."""
        rates = {e: c / self.entry_docs[e] for e, c in counts.items() if c > 0}
        total = sum(rates.values())
        if total <= 0:
            return [], 0.0
        post = [(e, r / total) for e, r in rates.items()]
        concentration = sum(p * p for _, p in post)
        df = sum(counts.values())
        weight = concentration ** self.settings["vote_power"] * (
            1.0 - math.exp(-df / self.settings["vote_df_scale"])
        )
        if " " in feature:
            weight *= self.settings["bigram_weight"]
        return post, weight

    # ------------------------------------------------------------------ scoring

    def _scores(
        self,
        terms: Sequence[str],
        exclude: int | None = None,
        uncertain: Iterable[str] = (),
        domain: float = 1.0,
    ) -> list[float]:
        """Return a 0-100 score per entry for canonical `terms` (`exclude`: a doc to ignore).

        `domain` scales every entry but "nothing" (see `domain_factor`).

        Postings are walked only for the message's rarer features; the contributions of very
        common features are looked up for the candidates those found, so the cost grows with
        what the message shares with the knowledge base, not with its size.
        """
        s = self.settings
        scores = [0.0] * len(self.entries)
        if not terms:
            return scores
        feats = _features(terms)
        unknown = s["unknown_weight"] * self.max_idf
        q: dict[str, float] = {}
        norm_sq = 0.0
        for f in feats:
            w = self.idf.get(f)
            if w is None:
                if " " not in f:
                    norm_sq += unknown * unknown
                continue
            if uncertain and any(t in uncertain for t in f.split(" ")):
                w *= s["typo_weight"]
            q[f] = w
            norm_sq += w * w
        if not q:
            return scores
        qn = math.sqrt(norm_sq)
        rare = [f for f in q if self.df[f] <= self.common_df]
        common = {f for f in q if self.df[f] > self.common_df}
        if not rare:  # only common words: candidates are the texts sharing the rarest one
            rarest = min(q, key=lambda f: self.df[f])
            rare = [rarest]
            common.discard(rarest)

        excluded: set[str] = set()
        ex_entry = -1
        if exclude is not None:
            excluded = set(_features(self._doc_terms(self.docs[exclude].text)))
            ex_entry = self.docs[exclude].entry

        # Nearest text: cosine with each candidate doc.
        dots: dict[int, float] = defaultdict(float)
        for f in rare:
            w = q[f]
            for d, dw in self.postings[f]:
                dots[d] += w * dw
        for f in common:
            w = q[f]
            for d in dots:
                dw = self.doc_vectors[d].get(f)
                if dw:
                    dots[d] += w * dw
        nearest: dict[int, float] = {}
        for d, dot in dots.items():
            if d == exclude:
                continue
            e = self.docs[d].entry
            if dot > nearest.get(e, 0.0):
                nearest[e] = dot
        candidates = {self.docs[d].entry for d in dots}

        # Keywords found as phrases, and negative keywords.
        keyword: dict[int, float] = defaultdict(float)
        negative: set[int] = set()
        for i, t in enumerate(terms):
            for phrase, e, weight in self.keywords.get(t, ()):
                if tuple(terms[i : i + len(phrase)]) == phrase:
                    keyword[e] += weight
                    candidates.add(e)
            for phrase, e in self.negative_keywords.get(t, ()):
                if tuple(terms[i : i + len(phrase)]) == phrase:
                    negative.add(e)

        # Profile cosine, shared informative mass and votes, per candidate entry.
        profile: dict[int, float] = defaultdict(float)
        mass: dict[int, float] = defaultdict(float)
        vote: dict[int, float] = defaultdict(float)
        vote_total = 0.0
        for f, w in q.items():
            unigram = " " not in f
            alone = f in excluded and self.vote_counts[f].get(ex_entry) == 1
            if f in excluded:
                counts = dict(self.vote_counts[f])
                counts[ex_entry] -= 1
                post, weight = self._vote(f, counts)
                probs = dict(post)
            else:
                probs, weight = self.vote_map[f], self.vote_weight[f]
            if not probs:
                vote_total += s["vote_unknown"] if unigram else 0.0
                continue
            if uncertain and w < self.idf[f]:
                weight *= s["typo_weight"]
            vote_total += weight
            if f in common:
                for e in candidates:
                    pw = self.profile_vectors[e].get(f)
                    p = probs.get(e, 0.0)
                    if pw:
                        profile[e] += w * pw
                        if unigram and not (alone and e == ex_entry):
                            mass[e] += w
                    if p:
                        vote[e] += weight * p
            else:
                for e, pw in self.profile_postings[f]:
                    profile[e] += w * pw
                    if unigram and not (alone and e == ex_entry):
                        mass[e] += w
                for e, p in probs.items():
                    vote[e] += weight * p
        if exclude is not None:
            e = ex_entry
            profile[e] -= dots.get(exclude, 0.0)
            pn_sq = self.profile_norm[e] ** 2 - 2 * self.profile_dot_doc[exclude] + 1.0
            profile[e] = profile[e] / math.sqrt(max(pn_sq, 1e-9)) * self.profile_norm[e]

        wv, wn, wp, wk = (s["vote_weight"], s["nearest_weight"], s["profile_weight"],
                          s["keyword_weight"])
        per_total = 100.0 * domain / ((wv + wn + wp + wk) or 1.0)
        # "nothing" has no keywords: its mean is over the kinds of evidence it can have
        per_none = 100.0 / ((wv + wn + wp) or 1.0)
        vote_norm = vote_total + s["vote_prior"]
        unit, evidence = s["keyword_unit"], s["evidence_mass"]
        for e in candidates:
            shared = mass.get(e, 0.0)
            if shared <= 0.0:
                continue  # no trust at all: the score stays 0
            kw = keyword.get(e, 0.0)
            mean = (
                wv * vote.get(e, 0.0) / vote_norm
                + wn * nearest.get(e, 0.0) / qn
                + wp * profile.get(e, 0.0) / (qn * self.profile_norm[e])
                + (wk * (1.0 - math.exp(-unit * kw)) if kw else 0.0)
            )
            # Trust grows with the informative weight the message shares with the entry, so a
            # single rare word in common does not make a confident match.
            score = mean * (per_none if e == self.none_entry else per_total) * (
                1.0 - math.exp(-shared / evidence))
            if e in negative:
                score *= s["negative_keyword_factor"]
            scores[e] = score
        return scores

    def _elsewhere(self, counts: Mapping[int, int]) -> bool:
        """Return whether a word with these per-entry text counts is mostly off the subject."""
        outside = counts.get(self.none_entry, 0)
        return outside >= 1 and outside >= self.settings["off_domain_share"] * sum(counts.values())

    def domain_factor(
        self, terms: Sequence[str], uncertain: Iterable[str] = (), exclude: int | None = None
    ) -> float:
        """Return how much a message that names no domain word keeps of its scores (1: all).

        Its words seen mostly in negatives.yaml, and (partly) its unknown words, are about
        something else; past `off_domain_free` of the message, scores shrink with that share.
        Without `domain_words` in matching.yaml every message keeps all.
        """
        if not self.anchors or self.anchored(terms):
            return 1.0
        s = self.settings
        unknown = s["unknown_weight"] * self.max_idf * s["off_domain_unknown"]
        excluded: set[str] = set()
        ex_entry = -1
        if exclude is not None:  # leave-one-out: the left-out text says nothing about its words
            excluded = set(self._doc_terms(self.docs[exclude].text))
            ex_entry = self.docs[exclude].entry
        total = elsewhere = 0.0
        for t in dict.fromkeys(terms):
            w = self.idf.get(t)
            if w is None:
                total += unknown
                elsewhere += unknown
                continue
            if t in uncertain:
                w *= s["typo_weight"]
            total += w
            if t in excluded:
                counts = dict(self.vote_counts[t])
                counts[ex_entry] -= 1
                if not any(counts.values()):  # known only from the left-out text
                    total += unknown - w
                    elsewhere += unknown
                elif self._elsewhere(counts):
                    elsewhere += w
            elif t in self.off_domain:
                elsewhere += w
        if total <= 0:
            return 1.0
        free = min(s["off_domain_free"], 0.99)
        return min(1.0, (1.0 - elsewhere / total) / (1.0 - free)) ** s["off_domain_power"]

    def score_text(
        self, text: str, exclude: int | None = None, domain: float | None = None
    ) -> list[float]:
        """Return per-entry scores for one piece of cleaned text (no segmentation).

        `domain`: the whole message's `domain_factor` (default: this text's own).
        """
        uncertain: set[str] = set()
        terms = self.norm.terms(text, uncertain)
        if domain is None:
            domain = self.domain_factor(terms, uncertain)
        return self._scores(terms, exclude, uncertain, domain)

    def anchored(self, terms: Iterable[str]) -> bool:
        """Return whether `terms` include one of matching.yaml's `domain_words`."""
        return any(t in self.anchors for t in terms)

    def _best(self, scores: Sequence[float], kind: str | None = None) -> tuple[int, float]:
        best, best_score = -1, -1.0
        for e, sc in enumerate(scores):
            if (kind is None or self.entries[e].kind == kind) and sc > best_score:
                best, best_score = e, sc
        return best, best_score

    # ------------------------------------------------------------------ matching

    def match(self, text: str) -> MatchResult:
        """Return the ranked matches for one message; never raises."""
        try:
            return self._match(text)
        except Exception:  # a message must never take the bot down
            logger.exception("matcher failed on a message of %d characters",
                             len(text) if isinstance(text, str) else -1)
            return EMPTY

    def match_excluding(self, text: str, entry_kind: str, entry_id: str, example: int) -> MatchResult:
        """Match `text` as if example number `example` of the entry were not in the index."""
        e = self.by_key.get((entry_kind, entry_id))
        doc = self.example_docs.get((e, example)) if e is not None else None
        try:
            return self._match(text, doc)
        except Exception:
            logger.exception("matcher failed (leave-one-out)")
            return EMPTY

    def _listed(
        self, items: list[str], exclude: int | None, floor: float | None = None,
        domain: float = 1.0,
    ) -> list[tuple[int, float]]:
        """Return the reasons named by list items, in order, each once, with their scores."""
        s = self.settings
        floor = s["list_min_score"] if floor is None else floor
        found: list[tuple[int, float]] = []
        for item in items[: int(s["max_items"])]:
            picks: list[tuple[int, float]] = []
            parts = self.seg.soft_split(item)
            if len(parts) > 1:
                bests = [self._best(self.score_text(p, exclude, domain), "reason")
                         for p in parts]
                confident = [(e, sc) for e, sc in bests if sc >= floor]
                if len({e for e, _ in confident}) >= 2:
                    picks = confident
            if not picks:
                e, sc = self._best(self.score_text(item, exclude, domain), "reason")
                if sc >= floor:
                    picks = [(e, sc)]
            for e, sc in picks:
                if all(e != f for f, _ in found):
                    found.append((e, sc))
        return found

    def candidates(self, text: str, limit: int = 3) -> list[Match]:
        """Return the closest entries whatever their score (for reports on unmatched messages)."""
        try:
            analysis = self._analyse(text)
        except Exception:
            logger.exception("matcher failed on a message")
            return []
        if analysis is None:
            return []
        order = sorted((e for e, entry in enumerate(self.entries) if entry.kind != "none"),
                       key=lambda e: -analysis.scores[e])[:limit]
        return [Match(self.entries[e].kind, self.entries[e].id,  # type: ignore[arg-type]
                      round(analysis.scores[e], 1)) for e in order if analysis.scores[e] > 0]

    def _analyse(self, text: object, exclude: int | None = None) -> _Analysis | None:
        """Score a message: reasons listed in notices, per-entry scores, reasons per clause."""
        if not isinstance(text, str):
            return None
        s = self.settings
        cleaned = clean(text, int(s["max_chars"]))
        if not _LETTER_RE.search(cleaned):
            return None
        seg = self.seg.split(cleaned)
        uncertain: set[str] = set()
        terms = self.norm.terms(seg.text, uncertain)
        anchored = self.anchored(terms)
        domain = self.domain_factor(terms, uncertain, exclude)
        listed = self._listed(seg.items, exclude) if seg.items else []
        loose = (self._listed(seg.loose, exclude, s["loose_min_score"], domain)
                 if seg.loose else [])
        whole = self._scores(terms, exclude, uncertain, domain)
        clauses = [*seg.loose, *(c for part in seg.free for c in self.seg.clauses(part))]
        clauses = clauses[: int(s["max_clauses"])]
        clause_reasons: list[tuple[int, float]] = []
        if len(clauses) > 1:
            for clause in clauses:
                sc = self.score_text(clause, exclude, domain)
                for e in range(len(whole)):
                    if e != self.none_entry:  # "nothing" is judged on the whole message only
                        whole[e] = max(whole[e], sc[e] * s["clause_factor"])
                e, best = self._best(sc)
                if (
                    self.entries[e].kind == "reason"
                    and best >= s["multi_min_score"]
                    and all(e != f for f, _ in clause_reasons)
                ):
                    clause_reasons.append((e, best))
        return _Analysis(listed, whole, clause_reasons, loose, anchored)

    def _floor(self, e: int, anchored: bool = True) -> float:
        """Return the score entry `e` needs to be a match."""
        kind = self.entries[e].kind
        floor = self.settings["topic_min_score" if kind == "topic" else "min_score"]
        return floor - (self.settings["anchored_discount"] if anchored else 0.0)  # see _decide

    def _match(self, text: object, exclude: int | None = None) -> MatchResult:
        analysis = self._analyse(text, exclude)
        if analysis is None:
            return EMPTY
        return self._decide(analysis)

    def _decide(self, analysis: _Analysis) -> MatchResult:
        """Turn scores into the ranked result: thresholds, listed order, ambiguity."""
        s = self.settings
        whole = analysis.scores
        listed = analysis.listed
        clause_reasons = analysis.clause_reasons
        first = listed or analysis.loose or (clause_reasons if len(clause_reasons) > 1 else [])
        multi = len(first) > 1
        if not listed:  # only a notice's own reason list is taken at its word
            best, best_score = self._best([sc if self.entries[e].kind != "none" else -1.0
                                           for e, sc in enumerate(whole)])
            none_score = whole[self.none_entry] if self.none_entry >= 0 else 0.0
            if (
                best_score < self._floor(best, analysis.anchored)
                or none_score + s["negative_margin"] >= best_score
            ):
                return EMPTY
        ranked: list[Match] = []
        seen: set[int] = set()
        for e, sc in first:
            entry = self.entries[e]
            ranked.append(Match(entry.kind, entry.id,  # type: ignore[arg-type]
                                round(min(100.0, max(sc, whole[e])), 1)))
            seen.add(e)
        bias = s["reason_bias"]
        # After a list of reasons only topics may follow: every reason returned is walked.
        others = ("topic",) if multi else ("reason", "topic")
        rest = sorted(
            (e for e, entry in enumerate(self.entries)
             if entry.kind in others and e not in seen
             and whole[e] >= self._floor(e, analysis.anchored)),
            key=lambda e: -(whole[e] + (bias if self.entries[e].kind == "reason" else 0.0)),
        )
        for e in rest:
            entry = self.entries[e]
            ranked.append(Match(entry.kind, entry.id,  # type: ignore[arg-type]
                                round(min(100.0, whole[e]), 1)))
        # Two reasons (or two topics) too close to call. A reason next to a topic is not a
        # doubt: the message is about both, and the reason comes first.
        ambiguous = (
            not multi
            and not listed
            and len(ranked) > 1
            and ranked[0].kind == ranked[1].kind
            and ranked[0].score - ranked[1].score < s["ambiguous_margin"]
        )
        return MatchResult(tuple(ranked), ambiguous, multi)


@dataclass
class _Analysis:
    """What `Matcher._analyse` found in one message."""

    listed: list[tuple[int, float]]  # reasons named by notice items, in order
    scores: list[float]  # per entry, 0-100 (whole message, or its best clause)
    clause_reasons: list[tuple[int, float]]  # distinct confident reasons, clause by clause
    loose: list[tuple[int, float]] = field(default_factory=list)  # reasons of an unmarked list
    anchored: bool = True  # the message names identity verification (see `domain_words`)


# --------------------------------------------------------------------------- settings


def settings_from(kb: KnowledgeBase) -> dict[str, float]:
    """Return the matcher's numbers: policy.yaml `matching:` over `DEFAULTS`."""
    settings = dict(DEFAULTS)
    for key, value in kb.policy.matching.items():
        if key in DEFAULTS:
            settings[key] = float(value)
        else:
            logger.warning("policy.yaml matching.%s is not a matcher setting; ignored", key)
    return settings


_WORD_LISTS = ("stop_words", "boilerplate", "reason_markers", "soft_separators", "negations",
               "negatable", "domain_words")


def matching_words(data: Mapping[str, object]) -> dict[str, object]:
    """Return matching.yaml's lists in a safe shape, skipping malformed parts (see `check_matching`)."""
    out: dict[str, object] = {}
    syn: dict[str, list[str]] = {}
    raw = data.get("synonyms") if isinstance(data, Mapping) else None
    if isinstance(raw, Mapping):
        for key, variants in raw.items():
            if isinstance(variants, list):
                syn[str(key)] = [str(v) for v in variants if isinstance(v, str | int | float)]
            elif isinstance(variants, str | int | float):
                syn[str(key)] = [str(variants)]
    out["synonyms"] = syn
    for name in _WORD_LISTS:
        value = data.get(name) if isinstance(data, Mapping) else None
        items = [str(v) for v in value if isinstance(v, str | int | float)] if isinstance(
            value, list) else []
        if name in ("boilerplate", "reason_markers"):
            items = [p for p in items if _compiles(p)]
        out[name] = items
    return out


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


# --------------------------------------------------------------------------- checks


def _matching_path(kb: KnowledgeBase) -> str:
    path = Path(kb.root or ".") / "matching.yaml"
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_matching(kb: KnowledgeBase) -> list[str]:
    """Return matching.yaml structure problems as `file:line: message`."""
    data = kb.matching
    path = _matching_path(kb)
    if not data:
        return []
    lines = getattr(data, "lines", {})
    top = getattr(data, "line", 1) or 1
    problems: list[str] = []
    known = {"version", "synonyms", *_WORD_LISTS}
    for key in data:
        if key not in known:
            problems.append(f"{path}:{lines.get(key, top)}: unknown key '{key}' in matching.yaml; "
                            f"allowed keys: {', '.join(sorted(known))}")
    syn = data.get("synonyms")
    if syn is not None:
        if not isinstance(syn, Mapping):
            problems.append(f"{path}:{lines.get('synonyms', top)}: `synonyms` must map a word to "
                            "a list of variants, e.g. `photo: [pic, picture]`")
        else:
            syn_lines = getattr(syn, "lines", {})
            for key, variants in syn.items():
                line = syn_lines.get(key, lines.get("synonyms", top))
                if not isinstance(variants, list) or not all(
                    isinstance(v, str | int | float) for v in variants
                ):
                    problems.append(f"{path}:{line}: synonyms of '{key}' must be a list of words "
                                    f"or phrases, e.g. `{key}: [variant one, variant two]`")
                elif not _TOKEN_RE.findall(clean(str(key), 200)):
                    problems.append(f"{path}:{line}: synonym key '{key}' has no letters or digits")
    for name in _WORD_LISTS:
        value = data.get(name)
        if value is None:
            continue
        line = lines.get(name, top)
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            problems.append(f"{path}:{line}: `{name}` must be a list of strings")
            continue
        if name in ("boilerplate", "reason_markers"):
            item_lines = getattr(value, "lines", [])
            for k, pattern in enumerate(value):
                try:
                    compiled = re.compile(str(pattern))
                except re.error as exc:
                    at = item_lines[k] if k < len(item_lines) else line
                    problems.append(f"{path}:{at}: `{name}` pattern '{pattern}' is not a valid "
                                    f"regular expression ({exc}); fix or quote it")
                    continue
                if compiled.match(""):
                    at = item_lines[k] if k < len(item_lines) else line
                    problems.append(f"{path}:{at}: `{name}` pattern '{pattern}' matches empty "
                                    "text, so it would match everywhere; make it stricter")
    return problems


def _sources(kb: KnowledgeBase) -> Iterator[tuple[str, str, int, str, Source | None]]:
    for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
        for item in items:
            for i, ex in enumerate(item.examples):
                src = item.example_sources[i] if i < len(item.example_sources) else None
                yield kind, item.id, i, ex, src


def _where(src: Source | None, fallback: str) -> str:
    return str(src) if src is not None else f"{fallback}:0"


def check_knowledge(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """Check examples against the matcher; return (errors, warnings) as `file:line: message`.

    Errors: an example whose top match, with the full index (the example itself included, as
    the bot would see that exact message), is not its own entry; a negatives.yaml example that
    matches anything; malformed matching.yaml. Warnings: two entries' examples so alike that
    the matcher cannot tell them apart. (Leave-one-out accuracy is reported by `bot eval`.)
    """
    errors = check_matching(kb)
    if errors:
        return errors, []
    warnings: list[str] = []
    matcher = Matcher.build(kb)
    for kind, ident, _i, ex, src in _sources(kb):
        result = matcher.match(ex)
        top = result.top
        if top is None:
            errors.append(f"{_where(src, ident)}: example '{ex}' of {kind} {ident} matches "
                          "nothing; use words closer to the entry's keywords or notices")
        elif (top.kind, top.id) != (kind, ident):
            errors.append(f"{_where(src, ident)}: example '{ex}' of {kind} {ident} matches "
                          f"{top.kind} {top.id} ({top.score:.0f}) first; reword it, move it, or "
                          f"add a keyword")
    for i, ex in enumerate(kb.negatives):
        result = matcher.match(ex)
        if result.matches:
            src = kb.negative_sources[i] if i < len(kb.negative_sources) else None
            top = result.matches[0]
            errors.append(f"{_where(src, 'negatives.yaml')}: negative example '{ex}' matches "
                          f"{top.kind} {top.id} ({top.score:.0f}); reword it or remove it")
    warnings.extend(_twins(matcher, kb))
    matcher.forget()
    return errors, warnings


def _twins(matcher: Matcher, kb: KnowledgeBase) -> list[str]:
    """Warn about examples of different entries whose normalised words are the same."""
    seen: dict[tuple[str, ...], tuple[str, str, Source | None]] = {}
    out: list[str] = []
    for kind, ident, _i, ex, src in _sources(kb):
        key = tuple(sorted(set(matcher._doc_terms(ex))))
        if not key:
            continue
        other = seen.get(key)
        if other is not None and (other[0], other[1]) != (kind, ident):
            out.append(f"{_where(src, ident)}: example '{ex}' of {kind} {ident} reads the same "
                       f"to the matcher as an example of {other[0]} {other[1]} "
                       f"({_where(other[2], other[1])}); the matcher cannot tell them apart")
        else:
            seen.setdefault(key, (kind, ident, src))
    return out
