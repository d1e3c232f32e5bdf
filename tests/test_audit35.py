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
