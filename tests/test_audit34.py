"""Journey audit 34 (console, 160 long sessions over days and weeks, checked against the guide),
through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat

THIRD = {
    "en": "this is my 3rd time it got rejected, the email says: Image quality does not meet the requirements",
    "zh": "这已经是第三次被拒了，邮件里写的是：图片质量不符合要求",
    "ru": "это уже третий отказ, в письме написано: качество изображения не соответствует требованиям",
}


def _attempt_lines(chat: Chat) -> list[str]:
    return [line for line in chat.text.splitlines() if line[:1].isdigit()]


@pytest.mark.parametrize("lang", ["en", "zh", "ru"])
async def test_a_refused_review_keeps_attempt_3s_reason_and_the_reviews_dates(chat: Chat, lang: str) -> None:
    # H1: pressing "rejected after the review" turned attempt 3 into "reason not told" and
    # dropped the review's start from the summary that goes to support
    kb = chat.service.kb
    await chat.say(THIRD[lang], lang=lang)
    await chat.tick(days=22)  # past the standard 14 business days: the review's check-in
    await chat.press_key("review_rejected")
    await chat.command("summary")
    blurry = kb.reasons["blurry_photo"].title.get(lang)
    assert blurry in _attempt_lines(chat)[2], chat.text
    start = kb.message("summary_review_line", lang).split("{")[0]
    refused = kb.message("summary_review_refused_untold", lang).split("{")[0]
    assert start in chat.text and refused in chat.text, chat.text


async def test_the_reviews_own_reason_is_told_beside_attempt_3_not_over_it(chat: Chat) -> None:
    # H1: the notice after the review rewrote attempt 3, so the blurry photo that sent the case
    # to review vanished from the summary; the next attempt fixes what the review said
    kb = chat.service.kb
    await chat.say(THIRD["en"])
    await chat.tick(days=22)
    await chat.say("got rejected again")
    await chat.say("Your KYC application was not approved, Reason: The information submitted does not match the document")
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.say("got rejected again, same thing")
    await chat.command("summary")
    lines = _attempt_lines(chat)
    mismatch = kb.reasons["info_mismatch"].title.get()
    assert kb.reasons["blurry_photo"].title.get() in lines[2] and mismatch in lines[3], chat.text
    assert kb.message("summary_review_refused", date="", reasons="").split(":")[0] in chat.text


@pytest.mark.parametrize("correction", [
    "no wait, the new rejection wasn't the face, it was the photo again",
    "sorry, I mixed it up: it was not facial recognition, it was image quality",
])
async def test_a_correction_of_the_latest_rejections_reason_is_taken(chat: Chat, correction: str) -> None:
    # H2: in English these corrections were ignored (or "I didn't quite get that"), and the bot
    # went on with the face fix for a rejection the user said was the photo
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet the requirements")
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.say("got rejected again")
    await chat.say("Your KYC application was not approved, Reason: Facial recognition failed")
    await chat.say(correction)
    assert chat.ids()[-1].startswith("step:blurry_photo/"), chat.ids()
    await chat.command("status")
    assert chat.service.kb.reasons["face_verification"].title.get() not in chat.text, chat.text
