"""Typo correction through the candidate index finds exactly the word a comparison with every
known word finds (ties included), so matching reads a message the same however large the
knowledge base."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.understanding.typos import TypoIndex

LETTERS = "abcdeilmnoprstuvzяиок"
word = st.text(LETTERS, min_size=4, max_size=14)


def _by_length(words: set[str]) -> dict[tuple[int, bool], list[str]]:
    out: dict[tuple[int, bool], list[str]] = {}
    for w in sorted(words):
        out.setdefault((len(w), w.isascii()), []).append(w)
    return out


def _every_word(by_length: dict[tuple[int, bool], list[str]], typo: str, lengths: range,
                cutoff: float) -> str | None:
    choices = [w for n in lengths for w in by_length.get((n, typo.isascii()), ())]
    found = process.extractOne(typo, choices, scorer=fuzz.ratio, processor=None,
                               score_cutoff=cutoff)
    return found[0] if found else None


@settings(max_examples=300, deadline=None)
@given(st.sets(word, min_size=1, max_size=300), st.lists(word, min_size=1, max_size=20),
       st.sampled_from([60.0, 75.0, 82.0, 90.0]))
def test_the_index_corrects_to_the_word_every_comparison_would(known, typos, cutoff) -> None:
    by_length = _by_length(known)
    index = TypoIndex(by_length, cutoff)
    for typo in typos:
        reach = 2 if len(typo) >= 9 else 1
        lengths = range(len(typo) - reach, len(typo) + reach + 1)
        assert index.closest(typo, lengths) == _every_word(by_length, typo, lengths, cutoff)


def test_a_near_word_is_found_among_many() -> None:
    known = {f"{a}{b}{c}word" for a in LETTERS for b in LETTERS for c in "ab"} | {"blurry"}
    index = TypoIndex(_by_length(known), 82.0)
    assert index.closest("blury", range(4, 7)) == "blurry"
    assert index.closest("zzzzzz", range(5, 8)) is None
