"""One chat call per answered action on Telegram (issue #13), through the real adapter against
the fake Bot API: a button press edits the pressed message into its reply, and a turn's
replies that fit in one message (the diagnosis, then the first fix step) go as one.

A chat call is any call that changes what the chat shows; answering a button press
(answerCallbackQuery) is not one.
"""

from __future__ import annotations

from bot.core.events import Button, Reply
from bot.knowledge.model import KnowledgeBase
from tests.fake_bot_api import NOT_MODIFIED, FakeBotApi
from tests.test_telegram import CHAT, NOTICE, TEXT_LIMIT, bot_settings, scripted, serving

__all__ = ["bot_settings"]  # the fixture


def pick() -> tuple[tuple[Button, ...], ...]:
    return ((Button("Pick me", "v1|ab.1|go|x"),),)


async def test_a_press_is_one_chat_call_that_edits_the_pressed_message(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    async with serving(api, bot_settings, kb) as h:
        await h.say("/start")
        pressed = api.sent(CHAT)[0]  # the welcome, with the reasons button
        before = len(api.chat_calls(CHAT))
        texts = await h.press(kb.button("reasons", "en"))
        calls = api.chat_calls(CHAT)[before:]

    assert [c.method for c in calls] == ["editMessageText"]
    message_id = calls[0].params["message_id"]
    assert message_id == api.message(CHAT, message_id)["message_id"]
    assert texts == [calls[0].params["_visible"]]
    assert api.message(CHAT, message_id)["text"] == texts[0] != pressed.params["_visible"]
    assert len(api.calls_to("answerCallbackQuery")) == 1


async def test_a_double_tap_runs_once_and_the_new_buttons_work(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    async with serving(api, bot_settings, kb) as h:
        await h.forward(NOTICE)
        first = h.labels()[0]
        api.press(CHAT, first)
        api.press(CHAT, first)  # the second tap, before the edit landed
        await h.settle()
        assert len(api.calls_to("editMessageText", CHAT)) == 1
        # the edited message carries the reply's buttons: pressing one of them is a new press
        texts = await h.press(h.labels()[0])
    assert texts and len(api.calls_to("editMessageText", CHAT)) == 2


async def test_the_diagnosis_and_the_first_step_are_one_message(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    reason = kb.reasons["expired_document"]
    async with serving(api, bot_settings, kb) as h:
        before = len(api.chat_calls(CHAT))
        texts = await h.forward(NOTICE)
        calls = api.chat_calls(CHAT)[before:]

    assert [c.method for c in calls] == ["sendMessage"]
    (text,) = texts
    assert text.startswith(kb.message(
        "diagnosis", "en", title=reason.title.get(), share=f"{reason.share:g}",
        summary=reason.summary.get(),
    ) + "\n\n")  # fmt: skip
    assert reason.steps[0].text.get() in text
    assert calls[0].params["reply_markup"]["inline_keyboard"]  # the step's buttons, on it


async def test_replies_that_do_not_fit_together_go_apart(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    long, longer = "a" * 2500, "b" * (TEXT_LIMIT - 2500)
    service = scripted(kb, Reply(long), Reply(longer, pick()))
    async with serving(api, bot_settings, kb, service=service) as h:
        texts = await h.say("hello")

    assert texts == [long, longer]
    first, second = api.sent(CHAT)
    assert "reply_markup" not in first.params and second.params["reply_markup"]


async def test_only_the_last_of_the_joined_replies_may_have_buttons(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    service = scripted(kb, Reply("Question?", pick()), Reply("More"), Reply("Last", pick()))
    async with serving(api, bot_settings, kb, service=service) as h:
        texts = await h.say("hello")

    assert texts == ["Question?", "More\n\nLast"]


async def test_a_refused_edit_falls_back_to_sending(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    async with serving(api, bot_settings, kb) as h:
        await h.say("/start")
        api.fail(CHAT, "editMessageText", code=400, description="Bad Request: message can't be edited")
        before = len(api.chat_calls(CHAT))
        texts = await h.press(kb.button("reasons", "en"))
        calls = api.chat_calls(CHAT)[before:]

    assert [(c.method, c.ok) for c in calls] == [("editMessageText", False), ("sendMessage", True)]
    assert texts == [calls[1].params["_visible"]]
    assert calls[0].params["text"] == calls[1].params["text"]


async def test_a_reply_the_pressed_message_already_shows_is_sent(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase
) -> None:
    # Telegram refuses an edit that changes nothing ("message is not modified")
    service = scripted(kb, Reply("Pick one", pick()))
    async with serving(api, bot_settings, kb, service=service) as h:
        await h.say("hello")
        texts = await h.press("Pick me")

    edit = api.calls_to("editMessageText", CHAT)[0]
    assert not edit.ok and edit.error == NOT_MODIFIED
    assert texts == ["Pick one"] and len(api.calls_to("sendMessage", CHAT)) == 2
