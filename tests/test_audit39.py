"""Journey audit 39 (console, 229 sessions over the life of a case: check-ins days later,
attempts counted to the 5th failure, manual review, commands mid-walk, in en/zh/ru and eight
more languages): what it found wrong, through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat
from tests.test_audit36 import _reasons

_BLURRY = {"en": "Your KYC application was not approved, Reason: Image quality does not meet the requirements",
           "zh": "您的KYC申请未通过，原因：图片质量不符合要求",
           "ru": "Ваша заявка на KYC не одобрена. Причина: Качество изображения не соответствует требованиям"}


@pytest.mark.parametrize(("answer", "lang"), [
    ("still failed", "en"), ("it failed", "en"), ("not approved", "en"), ("still failing", "en"),
    ("no they rejected it", "en"), ("нет, они отклонили", "ru"),
    ("всё равно отклонили", "ru"), ("всё ещё не прошла", "ru"), ("провалилась опять", "ru"),
    ("还是没过", "zh"),
])
async def test_a_failure_in_any_words_answers_the_check_in(chat: Chat, answer: str, lang: str) -> None:
    # F1: "still failed" to "did it pass?" got the repeated-failures page and the failure was
    # not counted ("it failed": "use the buttons"), so the 3rd failure never led to review
    await chat.say(_BLURRY[lang], lang=lang)
    await chat.command("resubmitted")
    await chat.tick(hours=25)
    await chat.say(answer, lang=lang)
    assert chat.ids()[:1] == ["rejected_again"], chat.ids()
    await chat.command("status")
    assert chat.counts_line(lang, 2, 2) in chat.text


async def test_still_failed_after_the_manual_review_ends_it(chat: Chat) -> None:
    await chat.say("face verification failed, 3rd time now")
    await chat.tick(days=18)
    await chat.say("still failed")
    assert chat.ids()[:1] == ["review_rejected"], chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("what if it failed again?", "en"), ("is it rejected?", "en"), ("not sure, did it fail?", "en"),
    ("又失败了吗", "zh"), ("not rejected again", "en"), ("why did it fail last time?", "en"),
    ("my friend's verification failed, mine is still pending", "en"),
    ("no news, last time the rejection came after 2 days", "en"),
    ("haven't checked yet, scared it failed", "en"), ("rejected? no, it passed", "en"),
    ("у друга отклонили, у меня ещё проверяется", "ru"), ("上次为什么失败？", "zh"),
])
async def test_a_question_about_failing_again_is_no_news(chat: Chat, text: str, lang: str) -> None:
    # ("is it rejected?" to "did it pass?" was counted as a failure, for a moment)
    await chat.say(_BLURRY[lang], lang=lang)
    await chat.command("resubmitted")
    await chat.tick(hours=25)
    await chat.say(text, lang=lang)
    await chat.command("status")
    assert chat.counts_line(lang, 2, 1) in chat.text


async def test_the_difference_of_rejection_and_appeal_adds_no_reason(chat: Chat) -> None:
    # F7: "отличается" (differs) was read as a data mismatch and added a second reason
    await chat.say(_BLURRY["ru"], lang="ru")
    await chat.press_key("option:1")
    await chat.say("чем отказ отличается от апелляции", lang="ru")
    assert "topic:failure_vs_appeal" in chat.ids(), chat.ids()
    assert await _reasons(chat, "ru") == ["blurry_photo"]


async def test_binances_ukrainian_photo_notice_is_the_photo(chat: Chat) -> None:
    # F8: "не відповідає вимогам" (does not meet the requirements) was read as "does not match"
    await chat.say("Мою заявку KYC відхилено. Причина: Якість зображення не відповідає вимогам")
    assert await _reasons(chat, "ru") == ["blurry_photo"]


@pytest.mark.parametrize(("text", "lang"), [
    ("我没有护照", "zh"), ("у меня нет загранпаспорта, только внутренний", "ru"),
    ("I don't have a passport", "en"),
])
async def test_no_passport_mid_fix_is_the_document_switch(chat: Chat, text: str, lang: str) -> None:
    # F3: zh got "using someone else's ID", ru "use the buttons"
    await chat.say(_BLURRY[lang], lang=lang)
    await chat.press_key("option:1")
    await chat.say(text, lang=lang)
    assert "topic:switch_document" in chat.ids(), chat.ids()
    assert "topic:someone_elses_id" not in chat.ids()


@pytest.mark.parametrize("notice", [
    "您的KYC申请未通过，原因：您提交的证件已过期",
    "Ваша заявка KYC не одобрена. Причина: Документ, который вы отправили, просрочен",
])
async def test_a_pasted_notice_does_not_fix_the_reply_language(chat: Chat, notice: str) -> None:
    # F5: the notice's language was taken as the user's, and "sorry I don't read Chinese, what
    # does it mean?" was answered in Chinese
    await chat.say(notice)
    await chat.say("sorry I dont read it, what does this mean?")
    title = chat.service.kb.reasons["expired_document"].title
    assert title.get("en") in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("запросили доп. документы, селфи с паспортом", "ru"), ("they want a selfie holding my ID now", "en"),
])
async def test_the_document_support_asks_for_is_recorded(chat: Chat, text: str, lang: str) -> None:
    # F6: naming what support asked for got the generic page, and the request was not recorded
    await chat.say("face verification failed, 3rd time now" if lang == "en"
                   else "проверка лица не прошла третий раз", lang=lang)
    chat.clock.advance(days=8)
    await chat.say(text, lang=lang)
    assert chat.ids()[:1] == ["review_documents"], chat.ids()


async def test_the_reason_told_after_a_review_rejection_skips_the_review_wait(chat: Chat) -> None:
    # F10: the face walk began at "wait for the manual review (7-14 business days)" again
    await chat.say("face verification failed, 3rd time now")
    await chat.tick(days=18)
    await chat.press_key("review_rejected")
    await chat.say("support said my face did not match the photo on the ID")
    assert "step:face_verification/after_review" in chat.ids(), chat.ids()
    assert "step:face_verification/manual_review" not in chat.ids()


@pytest.mark.parametrize("texts", [
    ["KYC өтінімім қабылданбады, себебі: құжат мерзімі өтіп кеткен", "не істеуім керек, көмектесіңізші?"],
    ["me rechazaron la verificación, dice que mi cara no coincide", "¿cuánto tarda la revisión manual?"],
])
async def test_an_unplaced_message_in_another_language_is_not_called_off_topic(chat: Chat,
                                                                               texts: list[str]) -> None:
    # F9: Kazakh and Spanish questions about the verification got "I only help with KYC, I
    # can't answer that"
    for text in texts:
        await chat.say(text)
        assert "nothing_matched" not in chat.ids(), chat.ids()
        assert "language_unsupported" in chat.ids(), chat.ids()


async def test_one_word_on_languages_for_a_kazakh_notice(chat: Chat) -> None:
    # the "I answer in Russian" note came right before "I only write in ...": one is enough
    await chat.say("KYC өтінімім қабылданбады, себебі: құжат мерзімі өтіп кеткен")
    assert chat.ids().count("language_unsupported") == 1 and "language_nearest" not in chat.ids()


async def test_a_place_name_in_kazakh_letters_is_still_russian(chat: Chat) -> None:
    # (the review: one Kazakh letter made a Russian question "not in my languages")
    await chat.say(_BLURRY["ru"], lang="ru")
    await chat.press_key("option:1")
    await chat.say("а какая погода в Өскемене?", lang="ru")
    assert "language_unsupported" not in chat.ids(), chat.ids()


async def test_own_words_with_a_reason_marker_still_offer_their_language(chat: Chat) -> None:
    # review: a user's own Chinese sentence with "原因是：" counted as a pasted notice, and the
    # offer to switch to Chinese was lost
    await chat.say("Hello, I need help with my verification please", lang="en")
    await chat.say("我被拒绝了，原因是：照片太模糊了，我该怎么办？我需要重新拍照吗？", lang="en")
    assert "language_offer" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "about_binance"), [
    ("OKX says my proof of address isn't valid", False),
    ("Coinbase说我的地址证明没通过，用的是水电账单", False),
    ("I uploaded my Coinbase statement as proof of address and it got rejected", True),
    ("можно ли выписку из байбит как подтверждение адреса?", True),
])
async def test_another_exchanges_check_is_not_its_statement_sent_here(chat: Chat, text: str,
                                                                      about_binance: bool) -> None:
    # blind48 (even lines) and the review: the exchange acting is its own check; its statement
    # sent as proof of address is this verification's document
    await chat.say(text)
    assert ("topic:proof_of_address" in chat.ids()) is about_binance, chat.ids()
