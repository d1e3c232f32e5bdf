"""Journeys from blind audit 23: a reason the user rules out in the same message is not added back."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat


@pytest.mark.parametrize(("text", "lang", "reason", "ruled_out"), [
    # a negation over a document word ("不是证件过期": not that the document expired)
    ("不是证件过期，是人脸识别失败", "zh", "face_verification", "expired_document"),
    ("not that my passport expired, the face scan failed", "en", "face_verification",
     "expired_document"),
    # a negated part, then what it was instead ("不是X，是Y")
    ("不是照片拍糊了，是信息跟证件对不上", "zh", "info_mismatch", "blurry_photo"),
    ("not the photo, its the selfie that failed", "en", "face_verification", "blurry_photo"),
    ("не фото, а лицо не прошло", "ru", "face_verification", "blurry_photo"),
    # what the user thought first, then what the notice says
    ("I thought it was the blurry picture, but the email says the ID is already registered", "en",
     "id_already_registered", "blurry_photo"),
    ("我以为是照片模糊，结果邮件说是证件已被注册", "zh", "id_already_registered", "blurry_photo"),
    ("думал что фото размытое, а в письме пишут что документ уже использован", "ru",
     "id_already_registered", "blurry_photo"),
    # what was fine ("the lighting was good") names no second problem
    ("光线也很好，我把眼镜也摘了，但是还是提示人脸识别失败", "zh", "face_verification", "blurry_photo"),
    ("the lighting was good, I removed my glasses, still face verification failed", "en",
     "face_verification", "blurry_photo"),
    ("освещение хорошее, очки снял, но лицо не прошло", "ru", "face_verification", "blurry_photo"),
])
async def test_a_reason_ruled_out_in_the_message_is_not_walked(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, reason: str, ruled_out: str) -> None:
    await chat.say(text, lang=lang)
    assert f"step:{reason}/" in " ".join(chat.ids()) or any(
        i.startswith(f"step:{reason}") for i in chat.ids()), chat.ids()
    said = chat.text
    assert kb.reasons[reason].title.get(lang) in said
    assert kb.reasons[ruled_out].title.get(lang) not in said, said


@pytest.mark.parametrize(("text", "lang", "reasons"), [
    # a clause that only says what was fine keeps a reason it names by its keyword
    ("my id card says valid until 2023 so yeah its expired. im a student abroad and cant go home",
     "en", ["expired_document"]),
    # and two problems named plainly are still both walked
    ("my photo was blurry and the selfie also failed", "en", ["blurry_photo", "face_verification"]),
    ("照片模糊，人脸也没通过", "zh", ["blurry_photo", "face_verification"]),
])
async def test_reasons_named_plainly_are_kept(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, reasons: list[str]) -> None:
    await chat.say(text, lang=lang)
    said = chat.text
    for r in reasons:
        assert kb.reasons[r].title.get(lang) in said, (r, said)


@pytest.mark.parametrize(("first", "answer", "lang"), [
    ("Reason: Image quality does not meet the requirements", "nope nothing", "en"),
    ("Reason: Image quality does not meet the requirements", "nothing so far", "en"),
    ("Причина: фото размытое", "ничего нет", "ru"),
    ("Причина: фото размытое", "тишина", "ru"),
    ("原因：照片模糊", "啥也没有", "zh"),
])
async def test_nothing_yet_at_a_check_in_is_still_waiting(
        chat: Chat, first: str, answer: str, lang: str) -> None:
    # audit 23: "ничего нет", "тишина", "nope nothing" to "did it pass?" are no news
    await chat.say(first, lang=lang)
    await chat.command("resubmitted")
    asked = [ids for _, replies in await chat.tick(days=2) for ids in chat.ids(replies)]
    assert "followup_question" in asked, asked
    await chat.say(answer, lang=lang)
    assert chat.ids()[0] == "still_waiting", chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("is this bot run by binance?", "en"),
    ("are you a scam?", "en"),
    ("eto oficialnyj bot binance?", "ru"),
    ("这个机器人是币安的吗", "zh"),
])
async def test_is_this_bot_official_gets_the_safety_answer(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    await chat.say(text, lang=lang)
    assert {"safety", "topic:safety"} & set(chat.ids()), chat.ids()
    assert "elsewhere" not in chat.ids() and "topic:p2p_scam" not in chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("what is my status", "en"), ("my status", "en"), ("какой у меня статус", "ru"),
    ("我的进度", "zh"),
])
async def test_asking_for_the_status_mid_fix_shows_the_case(chat: Chat, text: str, lang: str) -> None:
    await chat.say({"en": "my selfie failed", "ru": "селфи не прошло", "zh": "人脸识别没通过"}[lang],
                   lang=lang)
    await chat.say(text, lang=lang)
    assert chat.ids()[0] == "status_case", chat.ids()


async def test_a_short_word_that_is_also_translit_keeps_the_clients_language(
        chat: Chat, kb: KnowledgeBase) -> None:
    # "status" spells the Russian "статус" in Latin letters: an English client stays English
    await chat.say("status", lang="en")
    assert chat.text == kb.message("status_none", "en"), chat.text


async def test_a_review_reported_with_no_attempts_does_not_say_zero_failed(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 23: a manual review follows failed attempts; the bot was told of none
    await chat.say("my verification is in manual review now")
    await chat.command("summary")
    assert f"Failed attempts: {kb.message('count_not_told')}" in chat.text, chat.text
    await chat.command("status")
    assert "(failed: 0)" not in chat.text and kb.message("count_not_told") in chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("hi, I'm 25 and my kyc was rejected, help", "en"),
    ("I am 30 years old, my verification failed", "en"),
    ("мне 25 лет, верификация не прошла", "ru"),
    ("我今年28岁，认证被拒了", "zh"),
])
async def test_an_adult_telling_their_age_is_not_diagnosed_under_age(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    # audit 23: a self-introduction with an adult age asked for the notice, not the under-18 fix
    await chat.say(text, lang=lang)
    assert kb.reasons["underage"].title.get(lang) not in chat.text, chat.text
    assert chat.ids()[0] in ("vague", "unknown_reason"), chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("im 16 and my kyc failed", "en"),
    ("I'm 19 but it says I'm under 18", "en"),
    ("мне 18 через неделю, а верификацию не пропустили", "ru"),
    ("我17岁，认证没过", "zh"),
])
async def test_an_age_under_18_or_a_notice_saying_so_is_still_under_age(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    await chat.say(text, lang=lang)
    assert kb.reasons["underage"].title.get(lang) in chat.text, chat.ids()
