"""Seed phrases: runs of words from the BIP-39 list (12 to 24 of them), separated by spaces,
commas or new lines, numbered or not ("1. deposit\\n2. thing ..."). After a seed word ("seed
phrase:", "助记词", "сид фраза") a shorter run is masked too: part of a phrase is still a key, and so are the
words a user mistyped or misremembered inside it: after a cue, the whole run of plain words
is masked when all but one or two are list words ("助记词：apple river mint frost ...").
Chinese wordlists are single characters: a run of 12 to 24 of them, each apart from the next
("牵 您 沙 闷 规 营 ..."), is a phrase anywhere (Chinese prose never spaces every character),
and a run of 8 or more after a seed cue.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from bot.understanding.privacy.rx import lazy_rx
from bot.understanding.privacy.scan import Scan

#: the shortest run of list words masked anywhere, and after a seed cue
LEAST, LEAST_AFTER_CUE = 12, 4
#: after a cue, a run of at least this many words with at most this many not on the list
LEAST_MISTYPED, MISTYPED = 8, 2
#: without a seed cue, a phrase is words drawn at random from 2,048: at least this share of a
#: run is distinct ("help help help ...", "please help" six times is a plea, not a key); after
#: a cue the user says it is one ("abandon" eleven times and "about" is a real test phrase)
DISTINCT = 0.75


def _distinct(text: str, words: list[tuple[int, int]]) -> bool:
    return len({text[s:e].casefold() for s, e in words}) >= DISTINCT * len(words)


#: single Han characters, each apart from the next by spaces (or a comma), at least 8 of them
_HAN_RUN = lazy_rx(r"[\x{4e00}-\x{9fff}](?:[ \t\x{3000},，、]+[\x{4e00}-\x{9fff}]){7,23}")
HAN_LEAST, HAN_DISTINCT = 12, 0.9


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _han_phrases(scan: Scan, cues: list[tuple[int, int]]) -> None:
    text = scan.text
    for m in _HAN_RUN.finditer(text):
        s, e = m.span()
        # a character glued to more Han text is a word of the prose around, not of the phrase
        if s > 0 and _han(text[s - 1]):
            s += 1
            while s < e and not _han(text[s]):
                s += 1
        if e < len(text) and _han(text[e]):
            e -= 1
            while e > s and not _han(text[e - 1]):
                e -= 1
        chars = [ch for ch in text[s:e] if _han(ch)]
        after_cue = any(cs <= s <= ce + 40 for cs, ce in cues)
        # drawn at random from 2,048: hardly ever a character twice ("请 帮 帮 我 ..." is a plea)
        if after_cue and len(chars) >= 8 or len(chars) >= HAN_LEAST and len(set(chars)) >= HAN_DISTINCT * len(chars):
            scan.claim("seed_phrase", s, e)


def seed_phrases(scan: Scan) -> None:
    text = scan.text
    cues = list(scan.cues("seed"))
    _han_phrases(scan, cues)
    english, other_lists = scan.vocab.bip39, scan.vocab.bip39_other
    for _, ce in cues:
        # the phrase right after the cue, or a few words on ("... je l'ai donnée : bateau ...")
        for start in _word_starts(text, ce, ce + _LEAD):
            run = _plain_words(text, start)
            other = sum(w not in english and w not in other_lists
                        for w in (unicodedata.normalize("NFC", text[s:e]).casefold() for s, e in run))
            if len(run) >= LEAST_MISTYPED and other <= MISTYPED:
                scan.claim("seed_phrase", run[0][0], run[-1][1])
                break
    # most messages hold too few list words for any run to count: skip the word-by-word walk
    if _listed(text, scan.vocab.bip39) < (LEAST_AFTER_CUE if cues else LEAST):
        return
    for start, end in seed_runs(text, scan.vocab.bip39):
        words = _words(text, start, end)
        after_cue = False
        for cs, ce in cues:  # "seed" and "phrase" are list words too: start after the cue
            if cs <= start <= ce + 40:
                words = [w for w in words if w[0] >= ce]
                after_cue = True
        if words and (after_cue and len(words) >= LEAST_AFTER_CUE
                      or len(words) >= LEAST and _distinct(text, words)):
            scan.claim("seed_phrase", words[0][0], words[-1][1])


#: a run of ASCII letters (a list word is one), and what may stand between two list words
_LETTERS = lazy_rx(r"[A-Za-z]+")
_GAP = frozenset(" \t\n\f\r,;.:-\u2013\u2014()0123456789")
_MAX_GAP = 8


class _AsciiLetters(dict):  # type: ignore[type-arg]
    """A `str.translate` table keeping ASCII letters and turning anything else into a space
    (each character's entry is made on first sight, then looked up in C)."""

    def __missing__(self, code: int) -> int:
        self[code] = value = code if code < 128 and chr(code).isalpha() else 32
        return value


_ASCII_LETTERS = _AsciiLetters()


def _listed(text: str, words: frozenset[str]) -> int:
    """How many list words `text` holds at most (more than `seed_runs` can find: a word glued
    to a digit counts here), in C-speed steps."""
    return sum(1 for w in text.translate(_ASCII_LETTERS).lower().split() if w in words)


def _word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def seed_runs(text: str, words: frozenset[str]) -> Iterator[tuple[int, int]]:
    """Every run of two or more whole list words (any case), each separated from the next by
    one to eight spaces, punctuation marks (,;.:-) or digits ("1. deposit 2. thing"), left to
    right and not overlapping: the spans of `\\b{word}\\b(?:[\\s,;.:\\-–—()0-9]{1,8}\\b{word}\\b)+`.

    A set lookup per word instead of that pattern: compiled, its alternation of 2,048 words
    took ~17 ms of a bot's first message.
    """
    start = end = -1
    count = 0
    for m in _LETTERS.finditer(text):
        s, e = m.span()
        whole = (s == 0 or not _word_char(text[s - 1])) and (e == len(text) or not _word_char(text[e]))
        listed = whole and text[s:e].lower() in words
        if listed and count and 0 < s - end <= _MAX_GAP and _GAP.issuperset(text[end:s]):
            count, end = count + 1, e
            continue
        if count >= 2:
            yield start, end
        start, end, count = (s, e, 1) if listed else (-1, -1, 0)
    if count >= 2:
        yield start, end


#: how far after a seed cue its phrase may start
_LEAD = 40


def _word_starts(text: str, pos: int, limit: int) -> Iterator[int]:
    """`pos`, then where each word starting before `limit` starts."""
    yield pos
    limit = min(limit, len(text))
    for i in range(pos + 1, limit):
        if text[i].isalpha() and not text[i - 1].isalpha():
            yield i


def _plain_words(text: str, pos: int) -> list[tuple[int, int]]:
    """The run of words after `pos` (at most 24, within 300 characters), separated by spaces,
    commas, numbers ("1. deposit 2. thing") or new lines; a colon may open it. A word is letters
    of one spaced script (Latin with its accents, Cyrillic: the lists' languages), never Chinese
    (`_han_phrases`)."""
    out: list[tuple[int, int]] = []
    limit = min(len(text), pos + 300)
    while pos < limit and len(out) < 24:
        if out and pos < limit and text[pos] in ".!?。":
            break  # a sentence ends after a word ("... neige orage. C'est grave ?"), not "1."
        while pos < limit and (text[pos] in " \t\n\r,;.:：-–—()" or text[pos].isdigit()):
            pos += 1
        s = pos
        while pos < limit and (text[pos].isalpha() or unicodedata.combining(text[pos])) and not _han(text[pos]):
            pos += 1
        if pos == s or (pos < limit and text[pos].isalpha()):
            break  # not a plain word (Chinese, or letters glued to it)
        out.append((s, pos))
    return out


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the letter runs in text[start:end] (each one a list word)."""
    out = []
    pos = start
    while pos < end:
        while pos < end and not text[pos].isalpha():
            pos += 1
        s = pos
        while pos < end and text[pos].isalpha():
            pos += 1
        if pos > s:
            out.append((s, pos))
    return out
