"""What the blind round of 2026-12-07 (blind34) taught the matcher, through `Matcher.match`:
a reason list numbered with bare numbers, digits typed for letters, and everyday contexts
that are not Binance's."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import load_knowledge
from bot.understanding.matcher import Matcher


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(load_knowledge("knowledge"))


def ids(matcher: Matcher, text: str) -> list[str]:
    return [m.id for m in matcher.match(text).matches]


@pytest.mark.parametrize("text, expected", [
    ("被拒原因：1 证件号已被使用 2 人脸与证件不符", ["id_already_registered", "face_verification"]),
    ("Reasons: 1 ID number already used 2 face does not match the document",
     ["id_already_registered", "face_verification"]),
])
def test_a_reason_list_numbered_with_bare_numbers_gives_each_item(
        matcher: Matcher, text: str, expected: list[str]) -> None:
    assert ids(matcher, text)[:2] == expected
    assert matcher.match(text).multi


def test_a_count_after_a_reason_is_no_list_number(matcher: Matcher) -> None:
    assert ids(matcher, "Reason: photo unclear, I tried 3 times")[0] == "blurry_photo"


@pytest.mark.parametrize("text", [
    "Ваша заявка KYC не одобрена, Пр1чина: Пожалуйста, загрузите чёткое фото д0кумента",
    "my d0cument was r3jected, ph0to blurry",
])
def test_digits_typed_for_letters_are_read_as_the_letters(matcher: Matcher, text: str) -> None:
    assert ids(matcher, text)[0] == "blurry_photo"


@pytest.mark.parametrize("text", [
    "IRCTC ticket checker said my ID proof name doesn't match the ticket",
    "is it legal for a 16 year old to work part time in Brazil",
    "公司HR说我提交的学历证书有PS痕迹 冤枉啊",
    "prosrochennyi polis osago mozhno ezdit paru dnei?",
])
def test_everyday_contexts_that_are_not_binance_match_no_reason(
        matcher: Matcher, text: str) -> None:
    assert [m for m in matcher.match(text).matches if m.kind == "reason"] == []


@pytest.mark.parametrize("text, reason", [
    # the same places named in passing by someone whose Binance verification failed
    ("An agent at a phone shop in Lomé did the registration for me, and I think he used my ID "
     "card for somebody else's account too", "id_already_registered"),
    ("I uploaded a screenshot of my e-Devlet digital ID because I lost the physical card. not "
     "accepted, why? it is official from government", "blurry_photo"),
    ("Знакомый сделал мне документ через нейросеть, сказал, прокатит. Не прокатило — написали, "
     "что документ поддельный.", "edited_document"),
    ("Я камера смотрю, он говорит поверни голова, я поворачиваю, потом опять сначала. Пять раз "
     "так. Строитель я, даже каска снял", "face_verification"),
])
def test_a_place_named_in_passing_keeps_the_reason(
        matcher: Matcher, text: str, reason: str) -> None:
    assert ids(matcher, text)[0] == reason
