"""Seed phrases are found by a set lookup per word: the same runs the pattern it replaced found."""

from __future__ import annotations

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding.privacy import find_sensitive, redact
from bot.understanding.privacy.rx import words_rx
from bot.understanding.privacy.seeds import seed_runs
from bot.understanding.privacy.vocab import BIP39_ENGLISH

WORDS = frozenset(BIP39_ENGLISH.read_text(encoding="utf-8").split())
#: the pattern seed_runs replaced (kept here as its specification)
PATTERN = re2.compile(
    rf"(?i)\b{words_rx(sorted(WORDS))}\b(?:[\s,;.:\-–—()0-9]{{1,8}}\b{words_rx(sorted(WORDS))}\b)+")

pieces = st.one_of(
    st.sampled_from(sorted(WORDS)[:40] + ["ABANDON", "Zoo", "abandonment", "kyc", "hello"]),
    st.sampled_from([" ", "  ", ", ", "\n", "1. ", " 2) ", "-", " — ", ":", "_", "7", "x", "é",
                     "          ", ".", "ж", "\t"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(pieces, max_size=30))
def test_the_runs_are_those_of_the_pattern(parts: list[str]) -> None:
    text = "".join(parts)
    assert list(seed_runs(text, WORDS)) == [m.span() for m in PATTERN.finditer(text)]


def test_twelve_list_words_in_any_case_and_layout_are_masked() -> None:
    phrase = "1. Abandon 2. ability 3. able 4. about 5. above 6. absent\n" \
             "7. absorb 8. abstract 9. absurd 10. abuse 11. access 12. accident"
    stored = redact(f"is this safe to share? {phrase} thanks")
    assert "ability" not in stored and "accident" not in stored
    assert stored.startswith("is this safe to share?") and stored.endswith("thanks")


@pytest.mark.parametrize("text", [
    "Please help. Please help. Please help. Please help. Please help. Please help.",
    "help help help help help help help help help help help help",
])
def test_a_repeated_plea_is_no_seed_phrase(text: str) -> None:
    # journey audit 8: "please help" six times had been told to move its funds to a new wallet
    assert redact(text) == text
    assert "seed_phrase" not in {f.kind for f in find_sensitive(text, mentions=True)}
