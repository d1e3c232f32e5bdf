"""Turn cleaned text into canonical terms: typo fixes, split words, translit, stems, synonyms.

For each word of a message (see `tokens.words`):
1. a known word stays; an unknown Latin word that spells a known Russian word in translit
   ("prosrochen") becomes that word; an unknown word run together from known ones
   ("imagequality") is split; else it is corrected to the closest known word ("blury") when
   one is close enough (rapidfuzz ratio >= `typo_cutoff`; `typos` finds it without comparing
   the word with every known word);
2. stemmed (`tokens.stem`), then single-word and phrase synonyms from matching.yaml map it to
   the synonym's key; stop words are dropped by their spelling ("really" goes, "real" stays);
3. a `negatable` word right after a negation is dropped together with it ("not expired"), also
   over a document word between them (`negation_bridge`: "不是证件过期").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from bot.understanding import pinyin
from bot.understanding.budget import Budget
from bot.understanding.language import Translit, skeleton, to_cyrillic
from bot.understanding.text import clean, is_cyrillic, is_han
from bot.understanding.tokens import stem, words
from bot.understanding.typos import TypoIndex

#: at most this many knowledge texts are remembered by the text caches
CACHE_SIZE = 20000

Phrase = tuple[tuple[str, ...], tuple[str, ...]]


def _phrase_at(read: list[str], i: int, phrases: Sequence[Phrase]) -> Phrase | None:
    """The first of `phrases` (longest first) whose words are `read` from position `i`."""
    for toks, canon in phrases:
        if tuple(read[i : i + len(toks)]) == toks:
            return toks, canon
    return None


#: unstressed Russian vowels that sound alike, folded for typo matching ("прасрочиный")
_SOUND_ALIKE = "оеёяы"
_FOLD = str.maketrans(_SOUND_ALIKE, "аииаи")
_FOLDED_VOWELS = frozenset(_SOUND_ALIKE)
_FOLDED_CUTOFF = 90.0
#: how close a typo must be to a stop word to be read as it (and so dropped)
_STOP_CUTOFF = 90.0

def text_words(text: str) -> list[str]:
    """Return the words of a knowledge-base phrase, cleaned as messages are."""
    return words(clean(text, 500))


#: digits typed or scanned for the letters they look like, inside a word
_LATIN_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_CYRILLIC_LEET = {"0": "о", "1": "и", "3": "з", "4": "ч", "6": "б"}


def _digit_runs(found: list[str], vocabulary: set[str]) -> list[str]:
    """Split unknown words that glue digits to letters ("15yrs", "18plus") into their runs."""
    out: list[str] = []
    for w in found:
        if w in vocabulary or w.isalpha() or w.isdigit() or not w.isascii():
            out.append(w)
            continue
        run = w[0]
        for ch in w[1:]:
            if ch.isdigit() == run[-1].isdigit():
                run += ch
            else:
                out.append(run)
                run = ch
        out.append(run)
    return out


def _spelled_out(found: list[str], vocabulary: set[str]) -> list[str]:
    """Join a known word typed one letter at a time ("k y c", "b i n a n c e") back together."""
    out: list[str] = []
    i = 0
    while i < len(found):
        j = i
        while j < len(found) and len(found[j]) == 1 and found[j].isascii() and found[j].isalpha():
            j += 1
        joined = "".join(found[i:j])
        if j - i >= 3 and joined in vocabulary:
            out.append(joined)
            i = j
        else:
            out.append(found[i])
            i += 1
    return out


def _same_script(a: str, b: str) -> bool:
    return a[:1].isascii() == b[:1].isascii() and is_han(a[:1]) == is_han(b[:1])


@lru_cache(maxsize=8192)  # bounded: a long-running bot meets ever more words
def collapse_repeats(word: str) -> str:
    """Return `word` with letters repeated three times or more kept twice ("blurryyy")."""
    out: list[str] = []
    for ch in word:
        if len(out) >= 2 and out[-1] == ch and out[-2] == ch and ch.isalpha():
            continue
        out.append(ch)
    return "".join(out)


#: letters of the longest word worth correcting or splitting (longer than any real word, or a
#: short sentence typed without spaces: "KYCrejectedbecausebirthdaywrongpleasehelp")
_LONGEST_WORD = 100
#: the letters a dropped one may be (`Normaliser._dropped`)
_LATIN = "abcdefghijklmnopqrstuvwxyz"


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
        english: Iterable[str] | None = None,
        negation_bridge: Iterable[str] = (),
        bridge_negations: Iterable[str] = (),
    ) -> None:
        self.typo_cutoff = float(settings["typo_cutoff"])
        self.typo_min_length = int(settings["typo_min_length"])
        self.max_typos = int(settings["max_typos"])
        self.max_terms = int(settings["max_terms"])
        self.stop_surface = {w for s in stop_words for w in text_words(s)}
        # stop words that are their own stem ("binance", "the"): dropped even after mapping
        self.stop_canon = {w for w in self.stop_surface if stem(w) == w}
        self.vocabulary: set[str] = set(self.stop_surface)
        for key, variants in synonyms.items():
            for phrase in (key, *variants):
                self.vocabulary.update(text_words(phrase))
        for word in vocabulary:
            self.vocabulary.update(words(word))
        # Single-word synonyms (on stems), then phrase synonyms over already-mapped stems.
        self._word_syn: dict[str, tuple[str, ...]] = {}
        parsed = [(tuple(stem(w) for w in text_words(key)),
                   [tuple(stem(w) for w in text_words(v)) for v in variants])
                  for key, variants in synonyms.items()]
        # A variant in another script than its key (translit "regione" for "регион") never
        # takes a word from its own script's synonyms or keys ("region" stays English).
        own = {c[0] for c, _ in parsed if c} | {t[0] for c, v in parsed if c for t in v
                                                  if len(t) == 1 and _same_script(t[0], c[0])}
        for canon, variants in parsed:
            for toks in variants:
                if not canon or len(toks) != 1 or toks == canon:
                    continue
                if not _same_script(toks[0], canon[0]) and toks[0] in own:
                    continue
                self._word_syn[toks[0]] = canon
        phrases: list[Phrase] = [(self._map_words(toks), canon) for canon, variants in parsed
                                 for toks in variants if len(toks) > 1 and canon]
        self._phrases: dict[str, list[Phrase]] = defaultdict(list)
        for toks, canon in sorted(phrases, key=lambda p: -len(p[0])):
            self._phrases[toks[0]].append((toks, canon))
        # ... except a phrase every word of which is a synonym of two or more other things:
        # read over them, "face id" would be any face next to any document ("selfie passport",
        # "лицо паспорт"), so it is found by its own words' stems (and its reading over
        # synonyms, whichever variant gave it, is dropped)
        self._raw_phrases: dict[str, list[Phrase]] = defaultdict(list)
        for canon, variants in parsed:
            for toks in variants:
                if (len(toks) > 1 and canon and all(t in self._word_syn for t in toks)
                        and len({self._word_syn[t] for t in toks}) > 1):
                    mapped = self._map_words(list(toks))
                    self._phrases[mapped[0]] = [p for p in self._phrases[mapped[0]]
                                                if p != (mapped, canon)]
                    self._raw_phrases[toks[0]].append((toks, canon))
        self.vocabulary.update(w for p in (*negations, *negatable) for w in text_words(p))
        # typo candidates by (length, Latin or not): a typo keeps the script and about the length
        self._by_length: dict[tuple[int, bool], list[str]] = defaultdict(list)
        for word in sorted(self.vocabulary):
            if len(word) >= 4 and word.isalpha() and not is_han(word[0]):
                self._by_length[(len(word), word.isascii())].append(word)
        # Chinese typos are mostly one wrong character of the same sound ("人连识别"): known
        # words of 3+ characters by each one-character wildcard ("人?识别" -> "人脸识别").
        self._han_wild: dict[str, str] = {}
        for word in sorted(self.vocabulary):
            if len(word) >= 3 and all(is_han(c) for c in word):
                for i in range(len(word)):
                    self._han_wild.setdefault(word[:i] + "?" + word[i + 1:], word)
        # ... or the wrong character of the same sound, in a word of any length ("刷联" is
        # 刷脸: both "shua lian"); a sound two known words of different meanings share
        # corrects to neither (护照 and its listed misspelling 户照 mean the same)
        self._readings = pinyin.readings()
        self._han_sound: dict[str, str | None] = {}
        for word in sorted(self.vocabulary):
            if 2 <= len(word) <= 6 and all(is_han(c) for c in word):
                for sound in pinyin.sounds(word, self._readings):
                    other = self._han_sound.setdefault(sound, word)
                    if other is not None and self._canon(other) != self._canon(word):
                        self._han_sound[sound] = None
        # Chinese typed as pinyin without tones ("zhao pian bu qing chu", "shenfenzheng"):
        # every syllable a common character is read as, to read Latin runs by their sound
        self._syllables = frozenset(r for rs in self._readings.values() for r in rs)
        # Another form of a known word is known too: "reflected" when "reflection" is listed.
        self.known_stems = {stem(w) for w in self.vocabulary}
        # a word known only by its stem, and that stem only a stop word's ("binanc" for
        # "binance"): dropped like the stop word
        self._stop_stems = {stem(w) for w in self.stop_surface} - {
            stem(w) for w in self.vocabulary if w not in self.stop_surface}
        russian = [w for w in self.vocabulary if is_cyrillic(w[0])]
        # Latin words that are English (not translit): those of English texts when known
        latin = ({w for p in english for w in text_words(p)} if english is not None
                 else {w for w in self.vocabulary if w.isascii()})
        self.translit = Translit(russian, latin)
        self._translit_stems: dict[str, str] = {}
        for word in sorted(russian):
            self._translit_stems.setdefault(skeleton(stem(word)), word)
        # a negation of several words counts by its first ("ни разу" is "ни": its "раз" is no
        # negation, or "каждый раз размытое" would cancel "размытое")
        self.negations = {c[0] for w in negations if (c := self._canon(w))}
        # a Cyrillic two-letter word run into the next one is a negation ("непрошло"); the
        # others are prefixes ("по" of "посоветовал" is no "по" + "совет" + "овал")
        self._joinable = {w for w in negations if len(w) == 2 and is_cyrillic(w[0])}
        self.negatable = {t for w in negatable for t in self._canon(w)}
        #: words a negation reaches over to its negatable word ("不是证件过期", "not that my id is
        #: expired"): the document words
        self.negation_bridge = {t for w in negation_bridge for t in self._canon(w)}
        #: ... and the negations that reach over them ("не", not "нет" or "без": "паспорта нет,
        #: документ просрочен" says the document expired)
        self.bridge_negations = {c[0] for w in bridge_negations if (c := self._canon(w))}
        self._typo_cache: dict[str, tuple[tuple[str, ...], bool] | None] = {}
        #: `_by_length` searchable by closeness, made at the first typo (see `typos`)
        self._typos: TypoIndex | None = None
        self._folded: TypoIndex | None = None  # Russian known words with о/а and е/и folded
        # Knowledge texts are read at build and again when the checks match them: what is
        # read while `remember` is on (the build) is kept.
        self._terms_cache: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        self.remember = False

    def __getstate__(self) -> dict[str, object]:
        """What the disk cache keeps: the word tables, not the texts read while building."""
        state = dict(self.__dict__)
        state["_terms_cache"] = {}
        state["_typo_cache"] = {}
        state.pop("_syllable_cache", None)
        return state

    def _canon(self, word: str) -> tuple[str, ...]:
        return self._map_words([stem(w) for w in text_words(word)])

    def _map_words(self, stems: Sequence[str]) -> tuple[str, ...]:
        out: list[str] = []
        for s in stems:
            out.extend(self._word_syn.get(s, (s,)))
        return tuple(out)

    def known(self, word: str) -> bool:
        """Return whether `word` (or another form of it) is a word of the knowledge base."""
        return word in self.vocabulary or stem(word) in self.known_stems

    def russian(self, latin: str) -> str | None:
        """Return the known Russian word a Latin word spells in translit, or None."""
        found = self.translit.word(latin)
        if found is None and len(latin) >= 4 and latin not in self.translit.english:
            cyr = to_cyrillic(latin)
            if cyr:
                found = self._translit_stems.get(skeleton(stem(cyr)))
        return found

    # ------------------------------------------------------------------ unknown words

    def _split(self, word: str) -> list[str] | None:
        """Split a run-together word into known words ("idalreadyused", "kycrejectedbecause...").

        Fewest parts wins, then the most even split; every part has two letters or more, all
        but one at least three, and one at least four (so "kyc" + "ad" is not a split).
        """
        n = len(word)
        if n > 80:
            return None
        # best[i]: (parts, -shortest part, split) for word[:i]
        best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, 0, [])
        for i in range(n):
            if best[i] is None:
                continue
            parts, shortest, split = best[i]  # type: ignore[misc]
            for j in range(i + 2, min(n, i + 24) + 1):
                piece = word[i:j]
                if piece not in self.vocabulary:
                    continue
                cand = (parts + 1, max(shortest, -len(piece)) if parts else -len(piece),
                        [*split, piece])
                if best[j] is None or cand[:2] < best[j][:2]:  # type: ignore[index]
                    best[j] = cand
        found = best[n]
        if found is None or found[0] < 2:
            return None
        pieces = found[2]
        if any(len(p) == 2 and is_cyrillic(p[0]) and p not in self._joinable for p in pieces):
            return None
        if sum(len(p) >= 3 for p in pieces) >= len(pieces) - 1 and max(map(len, pieces)) >= 4:
            return pieces
        return None

    def _fix(self, word: str) -> tuple[tuple[str, ...], bool] | None:
        """Return an unknown word as known words, and whether that was a guess, or None."""
        if word in self._typo_cache:
            return self._typo_cache[word]
        fixed: tuple[tuple[str, ...], bool] | None = None
        russian = self.russian(word) if word.isascii() else None
        if russian:
            fixed = ((russian,), False)
        elif len(word) < self.typo_min_length:
            short = self._swapped(word) or self._dropped(word)
            fixed = ((short,), True) if short else None
        elif len(word) > _LONGEST_WORD:  # no word is this long: nothing to correct it to
            fixed = None
        elif heard := self._as_heard(word):
            fixed = ((heard[0],), heard[1])
        elif split := self._split(word):
            fixed = (tuple(split), False)
        elif swapped := self._swapped(word):  # "сефли": two neighbouring letters swapped
            fixed = ((swapped,), True)
        elif (corrected := self._correct(word)) and (
                corrected not in self.stop_surface or not word.isascii()
                or fuzz.ratio(word, corrected) >= _STOP_CUTOFF):
            # (a word read as a stop word is dropped: only a close slip of one, "alredy", is
            # read so; "weather" is no "whether", and "what is the weather" keeps its word)
            fixed = ((corrected,), True)
        if len(self._typo_cache) > 50000:
            self._typo_cache.clear()
        self._typo_cache[word] = fixed
        return fixed

    def _swapped(self, word: str) -> str | None:
        """A short word with two neighbouring letters swapped ("faec" for "face"): the one known
        word a swap makes, or None (too short to correct any other way: one changed letter
        of a four-letter word could be many words)."""
        if len(word) < 4:
            return None
        # (not the first two letters of a four-letter word: "evil" is no "veil")
        found = {w for i in range(len(word) == 4, len(word) - 1)
                 if (w := word[:i] + word[i + 1] + word[i] + word[i + 2:]) != word
                 and w in self.vocabulary}
        return found.pop() if len(found) == 1 else None

    def _dropped(self, word: str) -> str | None:
        """A three- or four-letter word missing one letter ("nme" for "name", "yung" for "young"):
        the one known word that putting back a letter makes, or None. Latin only: a Russian
        word one letter short is mostly another form of a known one ("пишу", "пишут")."""
        if len(word) not in (3, 4) or not (word.isascii() and word.isalpha()):
            return None
        found = {w for i in range(len(word) + 1) for ch in _LATIN
                 if (w := word[:i] + ch + word[i:]) in self.vocabulary}
        return found.pop() if len(found) == 1 else None

    def _as_heard(self, word: str) -> tuple[str, bool] | None:
        """Russian spelt as it sounds: "-ца" and "-цца" for "-тся" and "-ться"
        ("поддерживаеца" is "поддерживается"), when that spelling is a known word, else the
        known word a typo away from it ("подерживаеца"), with whether that was a guess."""
        respelt = [word[: -len(heard)] + spelt for heard, spelt in (("цца", "ться"), ("ца", "тся"))
                   if word.endswith(heard) and len(word) > len(heard) + 3]
        for known in respelt:
            if known in self.vocabulary:
                return known, False
        for known in respelt:
            if close := self._correct(known):
                return close, True
        return None

    def _correct(self, word: str) -> str | None:
        """Return the known word closest to `word` (rapidfuzz ratio >= typo_cutoff), or None."""
        n = len(word)
        reach = 2 if n >= 9 else 1  # typos add, drop or swap a letter: lengths stay close
        self.typo_indexes()
        assert self._typos is not None and self._folded is not None
        found = self._typos.closest(word, range(n - reach, n + reach + 1))
        if found is not None or word.isascii() or _FOLDED_VOWELS.isdisjoint(word):
            return found
        # Russian is written as it sounds: unstressed о and а, е and и sound alike
        # ("прасрочиный" for "просроченный"); compare with the vowels folded
        near = self._folded.closest(word.translate(_FOLD), range(n - reach, n + reach + 1))
        return self._unfold.get(near) if near is not None else None

    def typo_indexes(self) -> None:
        """Build the typo indexes if not yet built (the matcher does it once, when it is built,
        so that no message pays for it and the disk cache keeps them)."""
        if self._typos is None:
            self._typos = TypoIndex(self._by_length, self.typo_cutoff)
        if self._folded is None:
            folded: dict[tuple[int, bool], list[str]] = defaultdict(list)
            self._unfold: dict[str, str | None] = {}
            for (length, latin), known in self._by_length.items():
                for w in known if not latin else ():
                    f = w.translate(_FOLD)
                    if self._unfold.setdefault(f, w) != w:
                        self._unfold[f] = None  # two words fold alike: neither is the guess
                    else:
                        folded[(length, latin)].append(f)
            # stricter than for other typos: folding makes more words look alike
            self._folded = TypoIndex(folded, max(self.typo_cutoff, _FOLDED_CUTOFF))

    def words(self, text: str, corrected: set[str] | None = None,
              budget: Budget | None = None) -> list[str]:
        """Return the words of cleaned `text`, with translit, splits and typo fixes applied.

        Words that were corrected are added to `corrected` (when given).
        """
        out: list[str] = []
        typos = self.max_typos  # unknown words looked at per message (bounded time)
        found = words(text, budget)[: self.max_terms]
        if self._han_wild and not text.isascii():
            found = self._han_typos(found, corrected)
        if self._han_sound:
            found = self._pinyin_words(found)
        found = self._rejoined(self._unleet(_spelled_out(found, self.vocabulary)))
        for raw in _digit_runs(found, self.vocabulary):
            w = collapse_repeats(raw) if len(raw) > 2 else raw
            if (w in self.vocabulary or not w.isalpha() or is_han(w[0])
                    or stem(w) in self.known_stems):
                out.append(w)
                continue
            if w not in self._typo_cache:
                if typos <= 0:
                    out.append(w)
                    continue
                typos -= 1
                if budget is not None:
                    budget.spend(50 * len(w) + 4 * len(self._by_length.get((len(w), True), ())))
            fixed = self._fix(w)
            if fixed is None:
                out.append(w)
                continue
            found, guessed = fixed
            if guessed and corrected is not None:
                corrected.update(found)
            out.extend(found)
        return out

    def _unleet(self, found: list[str]) -> list[str]:
        """Read a digit standing for a letter inside a word ("d0cument", "r3jected", "Пр1чина",
        "д0кумента": the digit splits a Cyrillic word in three) as that letter, when the word
        it makes is one the knowledge base knows."""
        if not any(c.isdigit() for w in found for c in w):
            return found
        out: list[str] = []
        i = 0
        while i < len(found):
            w = found[i]
            if (i + 2 < len(found) and len(found[i + 1]) == 1 and found[i + 1] in _CYRILLIC_LEET
                    and is_cyrillic(w[-1]) and is_cyrillic(found[i + 2][0])):
                joined = w + _CYRILLIC_LEET[found[i + 1]] + found[i + 2]
                # ("уже 1 или 2": two known words around a count stay apart)
                if self.known(joined) and not (self.known(w) and self.known(found[i + 2])):
                    out.append(joined)
                    i += 3
                    continue
            if w.isascii() and not w.isalpha() and not w.isdigit() and w not in self.vocabulary:
                digits = [k for k, c in enumerate(w) if c.isdigit()]
                if (len(digits) == 1 and 0 < digits[0] < len(w) - 1
                        and w[digits[0]] in _LATIN_LEET and w.replace(w[digits[0]], "").isalpha()):
                    k = digits[0]
                    joined = w[:k] + _LATIN_LEET[w[k]] + w[k + 1:]
                    if self.known(joined):
                        w = joined
            out.append(w)
            i += 1
        return out

    def _rejoined(self, found: list[str]) -> list[str]:
        """Join a known word that a scan or a phone's keyboard broke in two ("docu ment",
        "alt ered", "Fail ed"): two neighbours, one of them no word of the knowledge base,
        that together make one (of five letters or more)."""
        out: list[str] = []
        i = 0
        while i < len(found):
            w = found[i]
            if i + 1 < len(found):
                nxt = found[i + 1]
                joined = w + nxt
                if (len(joined) >= 5 and w.isalpha() and nxt.isalpha() and not is_han(w[0])
                        and _same_script(w, nxt) and not (self.known(w) and self.known(nxt))
                        and joined in self.vocabulary):
                    out.append(joined)
                    i += 2
                    continue
            out.append(w)
            i += 1
        return out

    def _han_typos(self, found: list[str], corrected: set[str] | None) -> list[str]:
        """Replace Chinese characters around an unknown word by the known word they miss by one.

        "人连识别" is cut into "人", "连", "识别"; the window "人连识别" is one character from
        the known "人脸识别", so those three words become it. A window that sounds as a known
        word does ("风号": 封号, see `pinyin`) becomes that word first.
        """
        out: list[str] = []
        i = 0
        while i < len(found):
            w = found[i]
            if not is_han(w[0]) or w in self.vocabulary:
                out.append(w)
                i += 1
                continue
            fixed = None
            # windows of up to 3 words starting just before this unknown one
            for start in (len(out) - 1, len(out)):
                if fixed or start < 0:
                    continue
                head = out[start:] if start < len(out) else []
                if any(not is_han(x[0]) for x in head):
                    continue
                for take in (1, 2, 3):
                    tail = found[i:i + take]
                    if len(tail) < take or any(not is_han(x[0]) for x in tail):
                        break
                    window = "".join(head) + "".join(tail)
                    if not 2 <= len(window) <= 6 or window in self.vocabulary:
                        continue
                    known = self._sounds_like(window)
                    for k in range(len(window) if len(window) >= 3 and not known else 0):
                        if k in (0, len(window) - 1) and window[:k] + window[k + 1:] in self.vocabulary:
                            # a known word with a character beside it is not a slip inside a
                            # longer one ("名，身份证" is not 假身份证)
                            continue
                        known = self._han_wild.get(window[:k] + "?" + window[k + 1:])
                        if known:
                            break
                    if known:
                        fixed = (start, take, known)
                        break
            if fixed:
                start, take, known = fixed
                del out[start:]
                # ... and the word before, when the two make a known word ("不", "清处" ->
                # 清楚: "不清楚", unclear, is one word the segmenter had cut)
                if out and is_han(out[-1][0]) and out[-1] + known in self.vocabulary:
                    known = out.pop() + known
                out.append(known)
                if corrected is not None:
                    corrected.add(known)
                i += take
            else:
                out.append(w)
                i += 1
        return out

    def _syllabify(self, word: str) -> list[str] | None:
        """Cut a Latin word into pinyin syllables ("shenfenzheng" -> shen fen zheng), the
        fewest syllables first, or None when it is not pinyin."""
        n = len(word)
        if not 1 <= n <= 36 or not word.isascii() or not word.isalpha():
            return None
        cache = self.__dict__.get("_syllable_cache")
        if cache is None:  # per word, as `_typo_cache` (made here: older disk caches lack it)
            cache = self.__dict__["_syllable_cache"] = {}
        if word in cache:
            return cache[word]
        if len(cache) > 50000:
            cache.clear()
        cut = cache[word] = self._cut_syllables(word)
        return cut

    def _cut_syllables(self, word: str) -> list[str] | None:
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 1, min(n, i + 6) + 1):
                piece = word[i:j]
                if piece in self._syllables and (best[j] is None
                                                 or len(best[i]) + 1 < len(best[j])):  # type: ignore[arg-type]
                    best[j] = [*best[i], piece]  # type: ignore[misc]
        return best[n]

    def _pinyin_words(self, found: list[str]) -> list[str]:
        """Read runs of pinyin as the known Chinese words they sound like.

        "ren lian shi bie shi bai" becomes 人脸识别 and 失败 when those are words of the knowledge
        base; a run is read only when it has two syllables or more and most of its words are
        not known Latin words (so English "he" or "ban" alone is never read as Chinese), and a
        window of syllables becomes a word only when exactly one known word has its sound;
        the syllables left between such words are dropped (particles: de, le, a).
        """
        out: list[str] = []
        i = 0
        while i < len(found):
            run: list[str] = []
            syllables: list[str] = []
            j = i
            while j < len(found):
                cut = self._syllabify(found[j])
                if cut is None:
                    break
                run.append(found[j])
                syllables.extend(cut)
                j += 1
            if j == i:  # not pinyin
                out.append(found[i])
                i += 1
                continue
            foreign = sum(w not in self.translit.english for w in run)
            if len(syllables) < 2 or foreign * 2 <= len(run):
                out.extend(run)
                i = j
                continue
            read: list[str] = []
            hits = k = 0
            while k < len(syllables):
                for size in range(min(6, len(syllables) - k), 1, -1):
                    known = self._han_sound.get(" ".join(syllables[k:k + size]))
                    if known:
                        read.append(known)
                        hits += 1
                        k += size
                        break
                else:
                    k += 1  # a lone syllable (de, le, a) is a particle's or unknowable
            out.extend(read if hits else run)
            i = j
        return out

    def _sounds_like(self, window: str) -> str | None:
        """The one known word that sounds as `window` does ("风号" -> "封号"), if any."""
        for sound in pinyin.sounds(window, self._readings):
            known = self._han_sound.get(sound)
            if known:
                return known
        return None

    # ------------------------------------------------------------------ terms

    def terms(self, text: str, uncertain: set[str] | None = None,
              budget: Budget | None = None) -> list[str]:
        """Return the canonical terms of cleaned `text` (stems, synonyms mapped, stop words gone).

        Terms that come from a typo correction are added to `uncertain` (when given).
        """
        cached = self._terms_cache.get(text)
        if cached is None:
            guessed: set[str] = set()
            cached = (tuple(self._terms(text, guessed, budget)), frozenset(guessed))
            if self.remember and len(self._terms_cache) < CACHE_SIZE:
                self._terms_cache[text] = cached
        if uncertain is not None:
            uncertain.update(cached[1])
        return list(cached[0])

    def light_terms(self, text: str, budget: Budget | None = None) -> list[str]:
        """The stems of cleaned `text`'s words, single-word synonyms mapped, stop words gone:
        a quick reading with no typo correction or phrases (for the scope model)."""
        out: list[str] = []
        for w in words(text, budget):
            if w in self.stop_surface:
                continue
            own = stem(w)
            out.extend(self._word_syn.get(own, (own,)))
        return out

    def _terms(self, text: str, uncertain: set[str], budget: Budget | None) -> list[str]:
        corrected: set[str] = set()
        found = self.words(text, corrected, budget)
        if corrected:
            uncertain.update(self._map_words([stem(w) for w in corrected]))
        # A stop word is dropped by its spelling, so "really" goes but "real" stays; a stop
        # word may still be part of a phrase ("out of date").
        stems: list[str] = []
        raw: list[str] = []  # the stem each of `stems` comes from (for `_raw_phrases`)
        stop: list[bool] = []
        for w in found:
            own = stem(w)
            mapped_word = self._word_syn.get(own)
            if mapped_word is None:
                stems.append(own)
                stop.append(w in self.stop_surface or (
                    w not in self.vocabulary and stems[-1] in self._stop_stems))
            else:
                stems.extend(mapped_word)
                stop.extend([False] * len(mapped_word))
            raw.extend([own] * (len(stems) - len(raw)))
        mapped: list[str] = []
        i = 0
        while i < len(stems):
            found = (_phrase_at(raw, i, self._raw_phrases.get(raw[i], ()))
                     or _phrase_at(stems, i, self._phrases.get(stems[i], ())))
            if found is not None:
                toks, canon = found
                mapped.extend(canon)
                i += len(toks)
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
                if t not in self.negatable:
                    continue
                j = i - 1  # over at most two bridge words ("не паспорт просрочен")
                while j >= 0 and i - j <= 2 and terms[j] in self.negation_bridge:
                    j -= 1
                if j >= 0 and terms[j] in (self.negations if j == i - 1 else self.bridge_negations):
                    drop.update((i, j))
            if drop:
                terms = [t for i, t in enumerate(terms) if i not in drop]
        return terms
