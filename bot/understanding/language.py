"""Which language a message is written in, and Russian written in Latin letters (translit).

`OwnWords` tells, after it, a language the knowledge base writes in that the script does not
tell (Spanish in Latin letters, Ukrainian in Cyrillic) by that language's own words.

`detect_language` decides by script: Chinese characters, Cyrillic or Latin letters, weighing a
Chinese character as a short word. Latin text is Russian when most of its words are Russian
words spelt in Latin letters ("pasport prosrochen", "verifikatsiya ne proshla"); telling that
needs the Russian words the knowledge base knows, so pass `russian` (a `Translit` built from
them; the matcher has one: `Matcher.language`).

`to_cyrillic` spells a Latin word in Cyrillic by the common schemes (ya/ja/ia, zh, kh, ts,
shch...), and `skeleton` folds the letters those schemes disagree on (й/и/ы, е/э, ь/ъ, щ/ш,
тс/ц), so "prosrochennyj", "prosrochenniy" and "просроченный" meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from bot.knowledge.languages import fold, words_in
from bot.understanding.text import clean, scripts

Language = Literal["en", "zh", "ru"]
#: the languages `detect_language` tells by their script
BY_SCRIPT: tuple[str, ...] = get_args(Language)
#: what `detect_language` reads a text in Latin letters as, unless it is Russian in translit
LATIN: Language = "en"

#: Latin letter groups and their Cyrillic spelling, longest first
_LATIN_TO_CYRILLIC: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"),
    ("ch", "ч"), ("sh", "ш"), ("ya", "я"), ("ja", "я"), ("ia", "я"), ("yu", "ю"), ("ju", "ю"),
    ("iu", "ю"), ("yo", "е"), ("jo", "е"), ("ye", "е"), ("je", "е"), ("yy", "ый"), ("yi", "ый"), ("iy", "ий"),
    ("ij", "ий"), ("yj", "ый"), ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"),
    ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("j", "й"), ("k", "к"), ("q", "к"),
    ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"), ("y", "ы"), ("x", "кс"),
)
_BY_FIRST: dict[str, list[tuple[str, str]]] = {}
for _latin, _cyr in _LATIN_TO_CYRILLIC:
    _BY_FIRST.setdefault(_latin[0], []).append((_latin, _cyr))

_ENDINGS = frozenset({"yy", "yi", "iy", "ij", "yj"})
_VOWELS = frozenset("aeiouy")
_FOLD = str.maketrans({"ё": "е", "э": "е", "й": "и", "ы": "и", "ь": None, "ъ": None,
                       "і": "и", "ї": "и", "є": "е", "ґ": "г",  # Ukrainian in Latin letters too
                       "щ": "ш"})


#: letters of the longest word read as translit: longer than any Russian word (a "word" of
#: thousands of letters, "fififi...", is not Russian and would cost milliseconds a pass)
MAX_TRANSLIT = 40


def to_cyrillic(word: str) -> str | None:
    """Return a lowercase Latin word spelt in Cyrillic, or None if it has other characters
    (or is longer than any Russian word)."""
    if len(word) > MAX_TRANSLIT:
        return None
    out: list[str] = []
    i = 0
    while i < len(word):
        for latin, cyr in _BY_FIRST.get(word[i], ()):
            if latin in _ENDINGS and word[i + len(latin) : i + len(latin) + 1] in _VOWELS:
                continue  # "-iy" ends a word ("novyy"); before a vowel it is "и" + "я" ("-iya")
            if word.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            return None
    return "".join(out)


def skeleton(cyrillic: str) -> str:
    """Return a Cyrillic word with the letters translit schemes disagree on folded together."""
    return cyrillic.translate(_FOLD).replace("тс", "ц")


#: most words `Translit.word` remembers (then it starts afresh: a bound for a long-running bot)
_MEMO = 50_000


class Translit:
    """Recognise Russian words written in Latin letters, given the Russian words known."""

    def __init__(self, russian_words: Iterable[str], english_words: Iterable[str] = ()) -> None:
        self.by_skeleton: dict[str, str] = {}
        for word in sorted(set(russian_words)):
            self.by_skeleton.setdefault(skeleton(word), word)
        self.english = frozenset(english_words)
        self._read: dict[str, str | None] = {}  # words spelt already (most words recur)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_read": {}}

    def word(self, latin: str, english_too: bool = False) -> str | None:
        """Return the known Russian word `latin` spells, or None.

        An English word ("to", "net") is not read as Russian unless `english_too` (the whole
        message is translit).
        """
        if len(latin) < 2 or (latin in self.english and not english_too):
            return None
        try:
            return self._read[latin]
        except KeyError:
            pass
        if len(self._read) >= _MEMO:
            self._read.clear()
        found = self._read[latin] = self._spelt(latin)
        return found

    def _spelt(self, latin: str) -> str | None:
        cyr = to_cyrillic(latin)
        if not cyr:
            return None
        found = self.by_skeleton.get(skeleton(cyr))
        if found is None and "ia" in latin:
            # "ia" is "я" in one scheme and "иа" in a word ("oficialnyj" is "официальный")
            parts = [to_cyrillic(p) if p else "" for p in latin.split("ia")]
            if all(p is not None for p in parts):
                found = self.by_skeleton.get(skeleton("иа".join(parts)))  # type: ignore[arg-type]
        return found

    def share(self, words: list[str]) -> float:
        """Return the share of Latin `words` that are known Russian words in translit."""
        latin = [w for w in words if w.isascii() and w.isalpha() and len(w) >= 2]
        if not latin:
            return 0.0
        # two-letter words ("na", "po", "i") are as common in other languages written in Latin
        # letters (Tagalog "ok na po, nag resubmit na ako"): a longer Russian word must be known
        if any(len(w) >= 3 for w in latin) and not any(
                len(w) >= 3 and self.word(w) is not None for w in latin):
            return 0.0
        return sum(self.word(w) is not None for w in latin) / len(latin)

    def cyrillic(self, text: str, min_share: float = 0.4) -> str | None:
        """Return `text` with its words spelt in Cyrillic when it is Russian in translit, else None.

        "ya v Shtatah i mne 17" -> "я в штатах и мне 17": separators ("и"), markers
        ("prichina:" -> "причина:") and every known word then read as Russian.
        """
        text = _digits_as_letters(text)
        found = [w for w in "".join(c if c.isalpha() else " " for c in text).split()
                 if w.isascii()]
        if not found or self.share(found) < min_share:
            return None
        out: list[str] = []
        word: list[str] = []
        for ch in text + " ":
            if ch.isascii() and ch.isalpha():
                word.append(ch)
                continue
            if word:
                latin = "".join(word)
                known = self.word(latin, english_too=True)
                # one letter in a Russian message is a Russian word: "i" is "и" (and), not "I"
                if known is None and (latin not in self.english or len(latin) == 1):
                    known = to_cyrillic(latin)  # unknown: a Russian typo the reader may fix
                out.append(known or latin)
                word = []
            out.append(ch)
        return "".join(out[:-1])


#: digits that translit writers use for the letters they look or sound like ("prosro4eno",
#: "3agru3il", "6ilet"): read as letters only inside a word, next to a Latin letter
_DIGIT_LETTERS = {"3": "z", "4": "ch", "6": "b"}


def _digits_as_letters(text: str) -> str:
    if not any(d in text for d in _DIGIT_LETTERS):
        return text
    out = list(text)
    for i, ch in enumerate(text):
        if ch in _DIGIT_LETTERS and (
                (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha())
                or (i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalpha())):
            out[i] = _DIGIT_LETTERS[ch]
    return "".join(out)


#: kana (hiragana, katakana) in a text that make it Japanese, whatever else it holds
_KANA = 2


def detect_language(text: object, russian: Translit | None = None) -> Language | None:
    """Return "en", "zh" or "ru" for the script most of `text` is in, or None (no words).

    A Chinese character weighs as much as three letters. Latin text is "ru" when `russian` is
    given and at least 40% of its words are Russian words in translit.
    """
    if not isinstance(text, str):
        return None
    cleaned = clean(text, 4000)
    if sum("\u3040" <= ch <= "\u30ff" for ch in cleaned) >= _KANA:
        return None  # Japanese: its Chinese characters do not make it Chinese
    latin, cyrillic, han = scripts(cleaned)
    weights = {"zh": 3 * han, "ru": cyrillic, "en": latin}
    best = max(weights, key=lambda k: weights[k])
    if weights[best] < 2:
        return None
    if best == "en" and russian is not None:
        words = "".join(c if c.isascii() and c.isalpha() else " " for c in cleaned).split()
        if russian.share(words) >= 0.4:
            return "ru"
    return best  # type: ignore[return-value]


class OwnWords:
    """The other languages the knowledge base writes in (Spanish, Portuguese, Ukrainian...), told
    by their own words: a text `detect_language` reads as English ("mi pasaporte está vencido" is
    in Latin letters) is Spanish when more of its words are Spanish words than English ones.

    `own` maps each such language to its words (its overlay's texts, examples, intents and
    foreign words, in lower case, also without accents); `known` maps each language the script
    tells (`BY_SCRIPT`) to its own. A word of both sides counts for neither ("no", "kyc").
    """

    def __init__(self, own: Mapping[str, Iterable[str]], known: Mapping[str, Iterable[str]]) -> None:
        self._own = {lang: frozenset(ws) for lang, ws in own.items()}
        self._known = {lang: frozenset(ws) for lang, ws in known.items()}

    def __bool__(self) -> bool:
        return bool(self._own)

    def language(self, text: object, read: str | None, current: str | None = None) -> str | None:
        """The language `text` is written in, `read` being the one its script tells (or None):
        one of `own` when its words outnumber `read`'s (as many will do for `current`, the
        language the user is answered in: "gracias, ok"; so will none in Latin letters), else
        `read`."""
        if not self._own or not isinstance(text, str):
            return read
        words = words_in(clean(text, 4000))
        if not words:
            return read
        theirs = self._known.get(read or "", frozenset())
        best, margin = read, 0
        for lang, own in sorted(self._own.items(), key=lambda kv: kv[0] != current):
            mine = other = 0
            for word in words:
                folded = fold(word)
                in_own = word in own or folded in own
                in_theirs = word in theirs or folded in theirs
                mine += in_own and not in_theirs
                other += in_theirs and not in_own
            # the user's own language wins a tie ("ok gracias"), and keeps a Latin text with no
            # word of either ("licencia expirada ayer": no reason to switch to English)
            kept = lang == current and best == read and mine >= other and (mine or read == LATIN)
            if (mine and mine - other > margin) or kept:
                best, margin = lang, mine - other
        return best
