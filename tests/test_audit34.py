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
    assert blurry in chat.attempt_lines()[2], chat.text
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
    lines = chat.attempt_lines()
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


async def _at_lock_risk(chat: Chat) -> None:
    await chat.say("rejected for the 4th time now, reason says facial recognition failed")
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.press_key("rejected_again")


@pytest.mark.parametrize(("question", "lang"), [("so what do I do now?", "en"), ("что мне теперь делать?", "ru")])
async def test_what_now_at_lock_risk_says_support_first(chat: Chat, question: str, lang: str) -> None:
    # M1: "so what do I do now?" at 5 failures got "paste the rejection notice"
    await _at_lock_risk(chat)
    await chat.say(question, lang=lang)
    assert "lock_risk_reminder" in chat.ids() and "send_notice" not in chat.ids(), chat.ids()
    assert "support_cleared" in chat.button_keys()


async def test_a_later_yes_while_support_is_awaited_asks_the_support_question_again(chat: Chat) -> None:
    # M2: "yes" after "not yet" to "has support fixed it?" was "Sorry, I didn't understand that"
    await _at_lock_risk(chat)
    await chat.tick(days=3)
    await chat.press_key("support_not_yet")
    await chat.command("status")
    await chat.say("yes")
    assert {"support_done", "support_not_yet"} <= set(chat.button_keys()), chat.ids()


async def test_status_offers_the_buttons_of_the_question_asked(chat: Chat) -> None:
    # M6: after "has support told you why the review refused?" /status offered "Yes, it's fixed"
    await chat.say("this is my 3rd time, rejected, reason: Image quality does not meet the requirements")
    await chat.tick(days=22)
    await chat.press_key("review_rejected")
    await chat.tick(days=5)
    await chat.command("status")
    assert "support_done" not in chat.button_keys() and "support_not_yet" in chat.button_keys(), chat.button_keys()


async def test_how_much_longer_in_an_overdue_review_tells_its_age(chat: Chat) -> None:
    # M4: 56 days into a review, "how much longer?" got the general page of review times
    await chat.say(THIRD["en"])
    await chat.tick(days=56)
    chat.outbox.clear()
    await chat.say("how much longer do I have to wait?")
    assert chat.ids()[0].startswith("review_overdue"), chat.ids()
    assert "56" in chat.text, chat.text


async def test_a_late_support_check_in_says_it_is_late(chat: Chat) -> None:
    # L4: a "has support fixed it?" check-in delivered a month late came without the apology
    # that result and review check-ins carry
    await _at_lock_risk(chat)
    chat.clock.advance(days=30)  # the bot was down: the check-in comes when it is back
    sent = await chat.tick(seconds=1)
    text = "\n".join(r.text for _, replies in sent for r in replies)
    assert chat.service.kb.message("followup_late") in text, text


async def test_the_fifth_notice_forwarded_at_lock_risk_fills_its_reason_not_a_sixth_failure(chat: Chat) -> None:
    # M3: at the 5th failure the bot never asked why, and the notice forwarded next was counted
    # as a 6th failure; now it is asked for and goes into the summary
    kb = chat.service.kb
    await _at_lock_risk(chat)
    assert "lock_risk_reason_ask" in chat.ids(), chat.ids()
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet the requirements")
    assert chat.ids()[0] == "lock_risk_reason_noted", chat.ids()
    lines = chat.attempt_lines()
    assert len(lines) == 5 and kb.reasons["blurry_photo"].title.get() in lines[4], chat.text


async def test_same_reason_at_lock_risk_goes_into_the_summary(chat: Chat) -> None:
    kb = chat.service.kb
    await _at_lock_risk(chat)
    await chat.press_key("same_reason")
    lines = chat.attempt_lines()
    assert len(lines) == 5 and kb.reasons["face_verification"].title.get() in lines[4], chat.text
    assert not any(k.startswith("step:") for k in chat.ids()), chat.ids()  # support first, no fix


@pytest.mark.parametrize(("notice", "lang"), [
    ("Your KYC application was not approved, Reason: Image quality does not meet the requirements", "en"),
    ("您的KYC申请未通过，原因：图片质量不符合要求", "zh"),
])
async def test_the_notice_being_fixed_forwarded_again_does_not_restart(chat: Chat, notice: str, lang: str) -> None:
    # L5: the same notice forwarded twice restarted the fix at step 1 without a word
    await chat.say(notice, forwarded=True, lang=lang)
    await chat.press_key("option:2")
    where = chat.ids()[-1]
    await chat.say(notice, forwarded=True, lang=lang)
    assert chat.ids()[0] == "same_notice" and chat.ids()[-1] == where, chat.ids()
    await chat.command("status")
    assert chat.counts_line(lang, 1, 1) in chat.text, chat.text


# -- a fresh-eyes review of this session's change -------------------------------------------
@pytest.mark.parametrize("text", ["see www.binance.com, is that the right site?",
                                  "I use Binance.It says my selfie did not match",
                                  "https://www.binance.com! that's where I uploaded"])
async def test_binance_com_itself_is_never_called_a_scam(chat: Chat, text: str) -> None:
    await chat.say(text)
    assert "link_unofficial" not in chat.ids(), chat.ids()


async def test_same_reason_during_a_review_is_the_reviews_result_not_an_old_notice(chat: Chat) -> None:
    await chat.say("face check failed")
    await chat.press_key("option:3")  # 3 times: manual review
    await chat.say("rejected again, same reason")
    assert "review_same_notice" not in chat.ids(), chat.ids()


async def test_how_much_longer_asked_again_changes_no_check_in(chat: Chat) -> None:
    await chat.say(THIRD["en"])
    await chat.tick(days=32)
    await chat.command("status")
    before = chat.text
    for _ in range(3):
        await chat.say("how much longer will the review take?")
        assert chat.ids()[0].startswith(("review_waiting", "review_overdue")), chat.ids()
    await chat.command("status")
    assert chat.text == before  # the same next check-in: a question plans nothing
    await chat.press_key("case_summary")
    assert "case_summary" in chat.ids()


async def test_a_count_corrected_down_leaves_no_review_in_the_summary(chat: Chat) -> None:
    await chat.say("face verification failed, this is the third time")
    await chat.say("sorry, I miscounted, it's only my second time")
    await chat.command("summary")
    start = chat.service.kb.message("summary_review_line").split("{")[0]
    assert start not in chat.text, chat.text


async def test_a_bare_yes_after_a_refused_review_asks_what_support_said(chat: Chat) -> None:
    await chat.say(THIRD["en"])
    await chat.tick(days=22)
    await chat.press_key("review_rejected")
    await chat.tick(days=5)  # the check-in: has support told you why?
    await chat.press_key("support_not_yet")
    await chat.say("yes")
    assert chat.ids()[0] == "support_reason_question_again", chat.ids()
