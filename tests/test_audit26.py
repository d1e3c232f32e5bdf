"""Blind round 33 and journey audit 26 (console, checked against the guide)."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from tests.chat import Chat


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


def test_a_word_a_scan_broke_in_two_is_joined_back(matcher: Matcher) -> None:
    # blind33: OCR'd notices break words at random ("docu ment", "alt ered", "Fail ed")
    text = ("Verif ication Fail ed\nRea son: Th e docu ment ap pears to have been alt ered or "
            "tam pered with")
    assert "document" in matcher.norm.terms("th e docu ment", set())
    assert matcher.match(text).matches[0].id == "edited_document"
    # two known words stay two words, even when together they make a third
    assert matcher.norm.words("no thing") == ["no", "thing"]


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("The document must be valid for at least 3 months from the date of submission", "en",
     "expired_document"),
    ("证件剩余有效期不足3个月", "zh", "expired_document"),
    ("请问KYC被拒要怎么提出申诉？", "zh", "appeal_how"),
])
def test_blind_33_wordings(matcher: Matcher, text: str, lang: str, expected: str) -> None:
    assert matcher.match(text).matches[0].id == expected, matcher.match(text)
