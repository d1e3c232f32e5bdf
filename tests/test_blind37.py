"""Shapes read on blind37's even lines (tests/data/blind37): the order a story names its
reasons in, when it tells them attempt by attempt or gives an age as a bare number."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from tests.chat import Chat


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


@pytest.mark.parametrize(("text", "expected"), [
    # a teenager's number with no word of a count is an age, not how often it failed
    ("Got rejected for being 16, and it also said my ID is already used on another account",
     ["underage", "id_already_registered"]),
    # told attempt by attempt, with no punctuation (voice typing)
    ("第一次说信息不对第二次说照片看不清", ["info_mismatch", "blurry_photo"]),
    ("第一次说我信息填得不对第二次说照片看不清第三次又说脸对不上",
     ["info_mismatch", "blurry_photo", "face_verification"]),
    ("в первый раз написали что фото размытое во второй раз что лицо не совпадает",
     ["blurry_photo", "face_verification"]),
    ("the first time they said my photo was blurry the second time the selfie did not match",
     ["blurry_photo", "face_verification"]),
])
def test_reasons_come_in_the_order_the_story_tells_them(
        matcher: Matcher, text: str, expected: list[str]) -> None:
    got = [m.id for m in matcher.match(text).matches if m.kind == "reason"]
    assert got[: len(expected)] == expected, got


def test_a_count_with_its_word_is_still_a_count(matcher: Matcher) -> None:
    # "rejected 14 times": how often, not an age
    got = [m.id for m in matcher.match("rejected 14 times, my photo was blurry").matches]
    assert got[0] == "blurry_photo" and "underage" not in got, got


async def test_the_age_told_first_is_walked_first(chat: Chat) -> None:
    await chat.say("Got rejected for being 17, and it also said my ID number is already on "
                   "another account")
    assert any(k.startswith("step:underage") for k in chat.ids()), chat.ids()
