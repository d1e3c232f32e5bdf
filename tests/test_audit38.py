"""Journey audit 38 (console, 220 first-contact sessions walked to the end in en/zh/ru and seven
more languages, every fact checked against the guide): what it found wrong, through the
conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat
from tests.test_audit36 import _reasons

_BLURRY = {"en": "Your KYC application was not approved, Reason: Image quality does not meet the requirements",
           "zh": "您的KYC申请未通过，原因：图片质量不符合要求",
           "ru": "Ваша заявка на KYC не одобрена. Причина: Информация о документе не может быть распознана"}


@pytest.mark.parametrize(("place", "lang"), [
    ("I live in Germany", "en"), ("我住在德国", "zh"), ("я живу в Германии", "ru"),
])
async def test_where_the_user_lives_mid_fix_adds_no_region_reason(chat: Chat, place: str, lang: str) -> None:
    # H2: "I live in Germany" during the photo's fix became a second reason, "Region not
    # supported", for any country (the guide restricts the US, Japan and sanctioned places)
    await chat.say(_BLURRY[lang], lang=lang)
    await chat.press_key("option:1")
    await chat.say(place, lang=lang)
    assert "reason_added" not in chat.ids() and "reason_added_first" not in chat.ids(), chat.ids()
    assert await _reasons(chat, lang) == ["blurry_photo"]


@pytest.mark.parametrize(("place", "lang"), [("I live in Iran", "en"), ("я живу в Иране", "ru")])
async def test_a_sanctioned_place_mid_fix_is_walked_first(chat: Chat, place: str, lang: str) -> None:
    # ... and for a place the region reason is about, it was queued after the retake: the
    # retake is pointless there, so the region's fix starts at once
    await chat.say(_BLURRY[lang], lang=lang)
    await chat.press_key("option:1")
    await chat.say(place, lang=lang)
    assert chat.ids()[:1] == ["reason_added_first"], chat.ids()
    assert chat.service.kb.reasons["restricted_region"].title.get(lang) in chat.text
    assert set(await _reasons(chat, lang)) == {"blurry_photo", "restricted_region"}


async def test_an_expired_document_told_during_the_selfie_fix_comes_first(chat: Chat) -> None:
    # the same rule for any reason that changes the document: a new one before the retake
    await chat.say("Reason: Facial verification failed")
    await chat.say("oh and it also says my document has expired")
    assert chat.ids()[:1] == ["reason_added_first"], chat.ids()
    assert chat.service.kb.reasons["expired_document"].title.get("en") in chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("the face scan keeps failing, it wont recognise me", "en"),
    ("selfie check failed, the app could not recognize me", "en"),
    ("приложение меня не узнаёт", "ru"),
    ("系统认不出我", "zh"),
])
async def test_not_recognised_me_is_the_face_check_alone(chat: Chat, text: str, lang: str) -> None:
    # H1: "it won't recognise me" added the blurry document photo as a second reason
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == ["face_verification"]


@pytest.mark.parametrize(("text", "lang", "reason"), [
    ("🤳 failed. 🤳 failed. 🤳 failed. I'm losing my mind", "en", "face_verification"),
    ("🤳失败。🤳失败。我要疯了", "zh", "face_verification"),
    ("📸 too blurry?? again??", "en", "blurry_photo"),
    ("y underage im literaly 18 next wk", "en", "underage"),
])
async def test_an_emoji_or_phone_shorthand_stands_for_its_word(chat: Chat, text: str, lang: str,
                                                              reason: str) -> None:
    # blind47 (even lines): emoji standing for words and "y" for "why" matched nothing
    await chat.say(text, lang=lang)
    assert (await _reasons(chat, lang))[:1] == [reason]


async def test_where_the_user_lives_beside_a_problem_still_adds_the_problem(chat: Chat) -> None:
    # review: "I live in Iran, my name is misspelled" was read as only where the user lives
    await chat.say(_BLURRY["en"])
    await chat.press_key("option:1")
    await chat.say("I live in Iran, my name is misspelled on the passport")
    assert chat.ids()[:1] == ["reason_added_first"], chat.ids()
    assert set(await _reasons(chat)) == {"blurry_photo", "restricted_region", "info_mismatch"}


async def test_an_answer_that_also_names_a_reason_shows_one_step(chat: Chat) -> None:
    # review: the step the answer led to, then the new reason's first step, in one turn
    await chat.say("Reason: Facial verification failed")
    await chat.say("twice. the email also says my document has expired")
    steps = [k for k in chat.ids() if k.startswith("step:")]
    assert len(steps) == 1, chat.ids()
    assert "reason_added" in chat.ids()
