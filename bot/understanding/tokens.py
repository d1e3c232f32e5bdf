"""Words of cleaned text, per script, and their stems.

- Latin and digits: runs of `[a-z0-9]`; English words get a light suffix stemmer ("failed",
  "failing", "fails" -> "fail"; "verification", "verified" -> "verify").
- Cyrillic: runs of Cyrillic letters, stemmed by Snowball's Russian stemmer ("паспорта",
  "паспортом" -> "паспорт").
- Chinese has no spaces: a run of Chinese characters (with any Latin letters or digits glued to
  it, "kyc被拒了", "p图") is cut into words by jieba (rjieba, the Rust port: ~30 MB, microseconds
  a message), with every word the knowledge base lists (synonyms, keywords, stop words...) added
  to its dictionary so that "人脸识别" or "过了有效期" stay one word.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from collections.abc import Iterable
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from bot.understanding.budget import Budget
from bot.understanding.text import is_cyrillic, is_han

_ASCII_SEPARATORS = {c: " " for c in range(128) if not chr(c).isalnum() or chr(c).isupper()}


#: budget steps per character read: Latin text is split in C, other scripts char by char
ASCII_STEPS = 2
OTHER_STEPS = 10
SEGMENT_STEPS = 20  # and per character of Chinese handed to the segmenter


class _Classes(dict):  # type: ignore[type-arg]
    """str.translate table: "h" Chinese, Latin letters and digits; "c" Cyrillic; " " the rest."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        if "a" <= ch <= "z" or "0" <= ch <= "9" or is_han(ch):
            kind = "h"
        else:
            kind = "c" if is_cyrillic(ch) and ch.isalpha() else " "
        self[code] = kind
        return kind


_CLASSES = _Classes()


def words(text: str, budget: Budget | None = None) -> list[str]:
    """Return the words of cleaned `text` in order (Chinese runs segmented)."""
    if text.isascii():
        if budget is not None:
            budget.spend(ASCII_STEPS * len(text))
        return _ascii_words(text)
    if budget is not None:
        budget.spend(OTHER_STEPS * len(text))
    if _PENDING:
        _jieba()  # words the segmenter must learn first (this forgets the runs cut before)
    out: list[str] = []
    pos = 0
    for kind, group in groupby(text.translate(_CLASSES)):
        n = len(list(group))
        if kind == "h":  # Chinese characters, with Latin letters or digits glued to them
            run = text[pos : pos + n]
            if run.isascii():
                out.append(run)
            else:
                if budget is not None:
                    budget.spend(SEGMENT_STEPS * n)
                cut = _CUT.get(run)
                if cut is None:
                    cut = tuple(t for t in _segment(run) if _is_word(t))
                    if n <= _CUT_LONGEST:
                        if len(_CUT) >= _CUT_SIZE:
                            _CUT.clear()
                        _CUT[run] = cut
                out.extend(cut)
        elif kind == "c":
            out.append(text[pos : pos + n])
        pos += n
    return out


#: short Chinese runs as cut before ("认证", "原因" come back again and again, and a hostile
#: message may hold a thousand of them): at most _CUT_SIZE runs of up to _CUT_LONGEST characters
_CUT: dict[str, tuple[str, ...]] = {}
_CUT_SIZE, _CUT_LONGEST = 20_000, 16


def _ascii_words(text: str) -> list[str]:
    return text.translate(_ASCII_SEPARATORS).split()


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


def _segment(run: str) -> list[str]:
    jieba = _jieba()
    if jieba is None:  # pragma: no cover - a declared dependency; characters as words
        return [*run]
    # Dictionary words only (no HMM guessing of new words): a message and the knowledge base
    # are then cut the same way, and a word the dictionary lacks falls apart into characters.
    return jieba.cut(run, False)  # type: ignore[attr-defined,no-any-return]


def warm() -> None:
    """Load the Chinese segmenter and its dictionary now (~0.1-0.4 s, once) instead of at the
    first Chinese message: a long-running bot calls this at start-up."""
    _segment("中文")


#: words to add to the segmenter's dictionary before it next cuts (see `add_words`)
_PENDING: set[str] = set()
_ADDED: set[str] = set()


def _jieba() -> object | None:
    """Return the segmenter with the pending words added (made on first use)."""
    global _JIEBA
    if _JIEBA is None:
        _JIEBA = _segmenter()
        if _JIEBA is None:  # pragma: no cover - a declared dependency
            return None
    if _PENDING:
        for word in sorted(_PENDING - _ADDED):
            _JIEBA.add_word(word, None, None)  # type: ignore[attr-defined]
        _ADDED.update(_PENDING)
        _PENDING.clear()
        _CUT.clear()  # a run may be cut otherwise now
    return _JIEBA


_JIEBA: object | None = None

#: the words the segmenter knows, "word count" a line: the 100,000 most frequent words of
#: jieba's dictionary (MIT licence) and every other word of it that knowledge/ used when the
#: file was made (`python -m bot.ops.zh_words`); a word the knowledge base lists is added at load
WORDS_FILE = Path(__file__).with_name("zh_words.txt")


def _segmenter() -> object | None:
    """rjieba's segmenter with the words of `WORDS_FILE` (~6 MB; the whole dictionary of 349,000
    words, which `import rjieba` loads, holds ~32 MB for words a user almost never writes). A word it lacks falls apart into characters, in a message and
    in the knowledge base alike. The Rust extension is loaded without the package's
    `__init__`, which would build the whole dictionary first."""
    try:
        spec = importlib.util.find_spec("rjieba")
        folder = next(iter(spec.submodule_search_locations or ())) if spec else None
        binary = next((Path(folder) / f"rjieba{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                       if folder and (Path(folder) / f"rjieba{suffix}").exists()), None)
        if binary is None:
            raise ImportError("rjieba's extension not found")
        loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", str(binary))
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader("rjieba.rjieba", loader))
        loader.exec_module(module)
        jieba = module.Jieba.empty()
        with WORDS_FILE.open(encoding="utf-8") as f:
            for line in f:
                word, _, count = line.rstrip("\n").partition(" ")
                jieba.add_word(word, int(count) if count.isdigit() else None, None)
    except Exception:  # pragma: no cover - another build of rjieba, or no word file: its whole
        try:           # dictionary (once: the caller keeps what this returns)
            import rjieba
        except ImportError:
            return None
        return rjieba
    return jieba


def add_words(items: Iterable[str]) -> None:
    """Teach the Chinese segmenter words it must keep whole (those of the knowledge base)."""
    _PENDING.update(w for w in items if len(w) <= 12 and not w.isascii()
                    and any(is_han(c) for c in w) and w not in _ADDED)


# --------------------------------------------------------------------------- stems

_STEM_RULES: tuple[tuple[str, str], ...] = (
    ("ifications", "ify"), ("ification", "ify"), ("ifying", "ify"), ("ified", "ify"),
    ("ifies", "ify"), ("isations", "ize"), ("izations", "ize"), ("isation", "ize"),
    ("ization", "ize"), ("erations", "er"),
    ("eration", "er"),  # "alteration" -> "alter"
    ("irations", "ir"),
    ("iration", "ir"),  # "expiration" -> "expir", as "expired"
    ("rations", "er"), ("ration", "er"), ("ations", "at"),
    ("ation", "at"),  # "manipulation" -> "manipulat", as "manipulated"
    ("issions", "it"), ("ission", "it"), ("ctions", "ct"), ("ction", "ct"), ("itions", "ize"),
    ("ition", "ize"), ("ising", "ize"), ("izing", "ize"), ("ised", "ize"), ("ises", "ize"),
    ("ise", "ize"), ("ingly", ""), ("edly", ""), ("ying", "y"), ("ing", ""), ("ies", "y"),
    ("ied", "y"), ("sses", "ss"), ("ly", ""), ("ed", ""),
    ("d", ""),  # "used" -> "use" when "-ed" would leave too little
    ("s", ""),
)


#: words whose stem would be another word's ("ready" is no "read": "mine isn't ready yet")
_UNSTEMMED = frozenset({"ready"})


@lru_cache(maxsize=8192)  # bounded: a long-running bot meets ever more words
def stem(word: str) -> str:
    """Return the stem of one word: English light stemming, Snowball for Russian, else as is.

    "failed", "fails", "failing" -> "fail"; "blurry", "blurred" -> "blur"; "паспорта" -> "паспорт".
    """
    if not word:
        return word
    if is_cyrillic(word[0]):
        return _russian(word)
    if len(word) <= 3 or not word.isascii() or not word.isalpha() or word in _UNSTEMMED:
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


@lru_cache(maxsize=1)
def _russian_stemmer() -> object | None:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover
        return None
    return Stemmer.Stemmer("russian")


def _russian(word: str) -> str:
    stemmer = _russian_stemmer()
    if stemmer is None or len(word) <= 3:  # pragma: no cover
        return word
    return stemmer.stemWord(word)  # type: ignore[attr-defined,no-any-return]
