"""What users writing Chinese (Simplified or Traditional) and Russian (Cyrillic or Latin) notice."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.intents import IntentMatcher, pick_option
from bot.understanding.language import detect_language
from bot.understanding.matcher import Matcher, MatchResult


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


def ids(result: MatchResult) -> list[str]:
    return [m.id for m in result.matches]


def test_a_decimal_number_in_chinese_is_not_a_list() -> None:
    from bot.understanding.segment import inline_list
    assert inline_list("版本2.0更新后认证失败，我1.8米高") == ("版本2.0更新后认证失败，我1.8米高", [])


def test_english_words_that_are_also_pinyin_stay_english(matcher: Matcher) -> None:
    # "he", "ban", "me" are pinyin syllables too, but known English words are not read by sound
    assert matcher.norm.words("he said ban me") == ["he", "said", "ban", "me"]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("我的护照过期了，认证没通过", "expired_document"),
        ("我的護照過期了，認證沒通過", "expired_document"),  # Traditional reads as Simplified
        ("人脸识别一直失败", "face_verification"),
        ("人连识别一直失败", "face_verification"),  # one wrong character of the same sound
        ("Паспорт просрочен, верификацию не прошёл", "expired_document"),
        ("pasport prosrochen, verifikaciyu ne proshel", "expired_document"),  # translit
        ("селфи не проходит, пишет лицо не совпадает", "face_verification"),
        # pinyin without tones, typed without a Chinese keyboard
        ("shenfenzheng guoqi le", "expired_document"),
        ("zhaopian mohu, renzheng bei ju", "blurry_photo"),
        ("renlian shibie yizhi shibai", "face_verification"),
        ("mingzi bu yizhi", "info_mismatch"),
        # ... one syllable at a time, read by sound (no pinyin listed for these words)
        ("ren lian shi bie yi zhi shi bai zen me ban", "face_verification"),
        ("shen he yao duo jiu a", "review_times"),
        ("kyc没过 说zhao pian bu qing chu 咋办", "blurry_photo"),
        # pinyin initials as people type them ("rlsb": 人脸识别), and Cantonese (过咗期)
        ("rlsb 一直不过", "face_verification"),
        ("护照gq了 认证被拒", "expired_document"),
        ("本护照过咗期，认证唔得", "expired_document"),
    ],
)
def test_chinese_and_russian_messages_find_their_reason(
    matcher: Matcher, text: str, expect: str
) -> None:
    assert ids(matcher.match(text))[:1] == [expect]


@pytest.mark.parametrize(
    "text",
    [
        "原因：1、证件照片模糊 2、信息不一致",
        "原因：①证件照片模糊②信息不一致",
        "拒绝原因：证件照片模糊；信息不一致",
        "Причина: 1) фото документа размыто 2) данные не совпадают",
        # "1." glued to the Chinese item, on one line, with or without "原因："
        "原因：1.证件照片模糊 2.信息不一致",
        "审核结果 1.证件照片模糊 2.信息不一致 怎么办",
    ],
)
def test_numbered_lists_in_chinese_and_russian_notices_keep_their_order(
    matcher: Matcher, text: str
) -> None:
    result = matcher.match(text)
    assert ids(result)[:2] == ["blurry_photo", "info_mismatch"]
    assert result.multi


@pytest.mark.parametrize(
    "text",
    ["可以找你代做实名认证吗，我付钱", "can you do the KYC for me, I'll pay",
     "покупаю аккаунты с пройденным KYC, пишите в личку", "where can I buy a verified account"],
)
def test_kyc_adjacent_requests_are_never_sent_to_a_reason(matcher: Matcher, text: str) -> None:
    assert [m.id for m in matcher.match(text).matches if m.kind == "reason"] == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我的KYC被拒了", "zh"),
        ("我的護照過期了", "zh"),
        ("Your KYC application was not approved", "en"),
        ("паспорт просрочен", "ru"),
        ("12345 !!!", None),
        ("", None),
    ],
)
def test_the_language_of_a_message_is_told_by_its_script(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("nesovpadenie familii i razmytoe foto", ["info_mismatch", "blurry_photo"]),
        ("imya ne sovpadaet i pasport prosrochen", ["info_mismatch", "expired_document"]),
    ],
)
def test_two_problems_in_translit_are_both_found(
    matcher: Matcher, text: str, expect: list[str]
) -> None:
    assert ids(matcher.match(text))[:2] == expect  # "i" is "и" (and) in a Russian message


def test_russian_in_latin_letters_is_russian(matcher: Matcher) -> None:
    assert matcher.language("pasport prosrochen, verifikaciya ne proshla") == "ru"
    assert matcher.language("my passport expired") == "en"


def test_typed_intents_and_options_read_every_language() -> None:
    intents = IntentMatcher({"resubmitted": ["I resubmitted", "已重新提交", "отправил заново"]},
                            ["not", "没有", "не"], cutoff=86, max_words=6)
    assert intents.intent("i resubmitted") == "resubmitted"
    assert intents.intent("已重新提交") == "resubmitted"
    assert intents.intent("I have not resubmitted") is None
    labels = ["My name", "My date of birth"]
    assert pick_option("2", labels, 80) == 1
    assert pick_option("²", labels, 80) is None  # a superscript digit is not a number to press
    assert pick_option("date of birth", labels, 80) == 1
