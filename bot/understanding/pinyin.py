"""Chinese homophone typos: the character of the same sound a pinyin keyboard offers first
("刷联" for 刷脸, "风号" for 封号, "不知持" for 不支持, "審合" for 审核).

A word's sound is its characters' readings without tones ("shua lian"); a known word is found
by the sound of the characters a message wrote. The readings come from pypinyin's character
table (`pinyin_dict.json`), read as data: importing pypinyin itself also loads its phrase
dictionary (~50 MB, half a second) that this does not need. Without pypinyin installed, there
are no sounds and homophone typos are simply not corrected.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import product
from pathlib import Path

logger = logging.getLogger(__name__)

#: the block of common Chinese characters (Simplified and Traditional): others have no sound here
FIRST, LAST = 0x4E00, 0x9FFF
#: readings tried per word (a character may be read several ways: 行 xing / hang)
MAX_SOUNDS = 8


#: every toned vowel of pinyin to its plain letter, and ü to v as pinyin keyboards type it
_PLAIN = {ord(c): ("v" if unicodedata.normalize("NFD", c)[0] == "u" and "\u0308" in
                   unicodedata.normalize("NFD", c) else unicodedata.normalize("NFD", c)[0])
          for c in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"}


def _toneless(reading: str) -> str:
    """"lián" -> "lian", "lǜ" -> "lv"."""
    return sys.intern(reading.translate(_PLAIN))


def table() -> dict[str, tuple[str, ...]]:
    """Each common character's toneless readings, most common first ({} without pypinyin);
    read anew on each call: what is kept is `readings()`."""
    spec = importlib.util.find_spec("pypinyin")
    places = list(spec.submodule_search_locations or []) if spec else []
    for place in places:
        path = Path(place) / "pinyin_dict.json"
        if path.is_file():
            break
    else:
        logger.warning("pypinyin's character table was not found: Chinese homophone typos "
                       "are not corrected")
        return {}
    raw: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, ...]] = {}
    for code, readings in raw.items():
        point = int(code)
        if FIRST <= point <= LAST:
            out[chr(point)] = tuple(dict.fromkeys(_toneless(r) for r in readings.split(",")))
    return out


class Readings:
    """`table()` held compactly: one slot per character of the block, the readings' tuples
    shared between the characters read alike (a dict of 20,000 characters costs ~3 MB)."""

    __slots__ = ("_slots",)

    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        slots: list[tuple[str, ...] | None] = [None] * (LAST - FIRST + 1)
        for ch, found in table.items():
            slots[ord(ch) - FIRST] = shared.setdefault(found, found)
        self._slots = tuple(slots)

    def get(self, ch: str) -> tuple[str, ...] | None:
        """The readings of the character `ch`, or None."""
        point = ord(ch) - FIRST
        return self._slots[point] if 0 <= point <= LAST - FIRST else None

    def values(self) -> Iterator[tuple[str, ...]]:
        return (found for found in self._slots if found is not None)

    def __getstate__(self) -> tuple[tuple[str, ...] | None, ...]:
        return self._slots

    def __setstate__(self, state: tuple[tuple[str, ...] | None, ...]) -> None:
        self._slots = state


@lru_cache(maxsize=1)
def readings() -> Readings:
    """`table()` in its compact form, read once per process."""
    return Readings(table())


def sounds(word: str, readings: Readings | dict[str, tuple[str, ...]]) -> Iterator[str]:
    """The ways `word` may sound ("shua lian"), at most `MAX_SOUNDS`; none if a character of
    it has no reading."""
    per_char = []
    for ch in word:
        found = readings.get(ch)
        if not found:
            return
        per_char.append(found)
    for count, combo in enumerate(product(*per_char)):
        if count >= MAX_SOUNDS:
            return
        yield " ".join(combo)
