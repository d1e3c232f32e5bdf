"""Journey audit 35 (console, 110 sessions at the session's end, checked against the guide), and
the safety net it led to, through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat


async def test_an_engine_failure_answers_kindly_and_loses_nothing(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    # an exception in the engine (a bug on one odd message) took the console down; now the
    # user gets a kind answer, the case is as it was, and the next message works
    await chat.say("my photo was blurry")
    await chat.command("status")
    before = chat.text
    engine = chat.service.engine
    real = engine.handle

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(engine, "handle", broken)
    await chat.say("anything at all")
    assert chat.ids() == ["engine_failed"], chat.ids()
    monkeypatch.setattr(engine, "handle", real)
    await chat.command("status")
    assert chat.text == before


@pytest.mark.parametrize("text", [
    "Your KYC application was not approved, Reason: The information submitted does not match the document. Date of birth on file: 1991-04-17",
])
async def test_an_adults_birth_date_names_no_age_problem(chat: Chat, text: str) -> None:
    # H3: "Date of birth on file: 1991-04-17" added "Under the age limit" as a second reason
    await chat.say(text)
    assert "reason:underage" not in chat.button_keys() and "diagnosis_multi" not in chat.ids(), chat.ids()
    await chat.command("status")
    assert chat.service.kb.reasons["underage"].title.get() not in chat.text


@pytest.mark.parametrize(("said", "lang"), [("其实第三次是因为证件过期", "zh"), ("it was blurry photo this time", "en")])
async def test_the_third_refusals_reason_told_just_after_keeps_the_review(chat: Chat, said: str, lang: str) -> None:
    # H2: the reason of the 3rd failure, told right after the review began, was read as the
    # review's refusal: the case left manual review with no check-in
    await chat.say({"zh": "我的人脸识别一直失败", "en": "my verification failed, reason was the face thing"}[lang], lang=lang)
    for _ in range(2):
        await chat.command("resubmitted")
        await chat.tick(days=1)
        await chat.press_key("rejected_again")
    await chat.say(said, lang=lang)
    assert chat.ids()[0] == "review_reason_noted", chat.ids()
    await chat.command("status")
    assert chat.service.kb.message("stage_manual_review", lang) in chat.text, chat.text


async def test_thats_not_the_reason_corrects_it(chat: Chat) -> None:
    # H4: the English wording users write most was ignored and the blurry fix went on
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet the requirements")
    await chat.say("no that's not the reason, the email said my name doesn't match the document")
    await chat.command("status")
    kb = chat.service.kb
    assert kb.reasons["info_mismatch"].title.get() in chat.text
    assert kb.reasons["blurry_photo"].title.get() not in chat.text, chat.text


@pytest.mark.parametrize(("question", "lang"), [("what now?", "en"), ("что теперь?", "ru")])
async def test_what_now_right_after_the_fifth_failure_says_support_first(chat: Chat, question: str, lang: str) -> None:
    # M2: "what now?" there got the new user's "tell me what the notice says"
    await chat.say("rejected for the 4th time now, reason says facial recognition failed")
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.press_key("rejected_again")
    await chat.say(question, lang=lang)
    assert "lock_risk_reminder" in chat.ids(), chat.ids()


async def test_a_binance_help_articles_number_is_no_phone(chat: Chat) -> None:
    # M3: the article id of a binance.com link was "a phone number" in the privacy warning
    await chat.say("support guy sent me this link to fix my kyc https://www.binance.com/en/support/faq/"
                   "how-to-complete-identity-verification-360027287111 is it ok to use?")
    assert "sensitive_data" not in chat.ids() and "link_unofficial" not in chat.ids(), chat.ids()


async def test_a_count_in_russian_written_in_latin_letters_counts(chat: Chat) -> None:
    # M7: "uzhe 2 raza" was read as one failure
    await chat.say("verifikaciya ne proshla, selfi ne prinyali uzhe 2 raza", lang="ru")
    await chat.command("status")
    assert chat.counts_line("ru", 2, 2) in chat.text, chat.text


async def test_an_answer_with_what_now_picks_the_option_it_names(chat: Chat) -> None:
    # M6: "я живу в Иране, что делать" at "where do you live?" explained the notice again
    await chat.say("Этот сервис в настоящее время не поддерживается в вашем регионе", lang="ru")
    asked = chat.ids()[-1]
    await chat.say("я живу в Иране, что делать", lang="ru")
    assert chat.ids()[-1] != asked and "explain_reason" not in chat.ids(), chat.ids()


async def test_a_reviews_refusal_told_with_its_reason_is_no_counted_notice(chat: Chat) -> None:
    # M5: "I've counted this as the result of attempt 3 ... [Not new: that's the old notice]"
    # after a review's refusal told with its reason (the summary puts it on the review's line)
    await chat.say("my selfie keeps failing")
    await chat.press_key("option:3")  # 3 times: manual review
    await chat.tick(days=22)
    await chat.say("the manual review rejected me, they said the document you submitted has expired")
    assert "rejection_noted" not in chat.ids() and "not_new_rejection" not in chat.button_keys(), chat.ids()


async def test_a_description_around_a_link_in_html_is_still_read(chat: Chat) -> None:
    # M8: cutting the link out of "<iframe src=...></iframe>" left "<iframe", whose tag then
    # swallowed the rest: only "tell me what went wrong" after the warning
    await chat.say("<iframe src='https://bad.example'></iframe> отказали, фото нечеткое &amp; &lt;b&gt;", lang="ru")
    assert chat.ids()[0] == "link_unofficial" and "diagnosis" in chat.ids(), chat.ids()


async def test_the_third_refusals_reason_is_asked_for_and_documents_are_in_the_summary(chat: Chat) -> None:
    # M1: the 3rd refusal's reason was never asked for (every review's summary had a gap);
    # M4: the summary did not say support asked for more documents
    await chat.say("my selfie keeps failing")
    await chat.press_key("option:2")  # twice so far
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.press_key("rejected_again")  # the 3rd: manual review
    assert "review_reason_ask" in chat.ids(), chat.ids()
    await chat.press_key("same_reason")
    assert chat.ids()[0] == "review_reason_noted", chat.ids()
    await chat.tick(days=22)
    await chat.press_key("more_documents")
    await chat.command("summary")
    kb = chat.service.kb
    assert kb.reasons["face_verification"].title.get() in chat.attempt_lines()[-1], chat.text
    assert kb.message("summary_documents_line", date="").split("{")[0].strip() in chat.text
