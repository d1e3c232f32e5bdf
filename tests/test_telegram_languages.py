"""Chinese and Russian journeys through the Telegram adapter, from the forwarded notice to the
follow-up, against the fake Bot API: every text the user sees is the knowledge base's text in
their language (issue #11), and the command menu is registered per language.

The checks read what the chat shows (each bot message as it stands after any edit), so they
hold whether a reply arrives as a new message or as the pressed message edited into it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.knowledge.contract import COMMANDS
from bot.knowledge.model import KnowledgeBase
from tests import test_telegram
from tests.fake_bot_api import FakeBotApi
from tests.test_telegram import CHAT, FrozenClock, Harness, serving

bot_settings = test_telegram.bot_settings  # the same fixture: a bot on the fake Bot API

JOURNEYS = [
    ("zh", "zh-hans", "您的KYC申请未通过，原因：您提交的证件已过期"),
    ("ru", "ru", "Ваша заявка на верификацию отклонена. Причина: срок действия документа истёк"),
]


def screen(api: FakeBotApi, chat: int = CHAT) -> str:
    """Every bot message in the chat, as it reads now (edits applied), oldest first."""
    with api._cond:
        ids = list(api._state.bot_messages.get(chat, []))
        messages = [api._state.messages.get((chat, i)) or {} for i in ids]
    return "\n".join(str(m.get("text", "")) for m in messages)


def with_buttons(api: FakeBotApi, chat: int = CHAT) -> str:
    """The text of the latest bot message that has buttons (the one the user answers)."""
    message = api._message_with_buttons(chat, None) or {}
    return str(message.get("text", ""))


async def press_key(h: Harness, kb: KnowledgeBase, key: str, lang: str) -> None:
    await h.press(kb.button(key, lang))


@pytest.mark.parametrize(("lang", "code", "notice"), JOURNEYS, ids=[j[0] for j in JOURNEYS])
async def test_notice_fix_resubmit_and_followup_in_the_users_language(
    api: FakeBotApi, bot_settings, kb: KnowledgeBase, lang: str, code: str, notice: str
) -> None:
    clock = FrozenClock()
    reason = kb.reasons["expired_document"]
    async with serving(api, bot_settings, kb, clock=clock) as h:
        await h.say("/start", language_code=code)
        assert kb.message("welcome", lang) in screen(api)

        await h.say(notice, language_code=code)
        diagnosis = kb.message(
            "diagnosis", lang, title=reason.title.get(lang), share=f"{reason.share:g}",
            summary=reason.summary.get(lang),
        )
        assert diagnosis in screen(api)
        assert kb.message("diagnosis", "en", title=reason.title.get(), share=f"{reason.share:g}",
                          summary=reason.summary.get()) not in screen(api)

        resubmitted, nxt = kb.button("resubmitted", lang), kb.button("next", lang)
        for _ in range(len(reason.steps)):
            labels = h.labels()
            if resubmitted in labels:
                break
            if nxt in labels:
                await h.press(nxt)
                continue
            step = next(s for s in reason.steps if s.options and s.text.get(lang) in with_buttons(api))
            await h.press(next(o for o in step.options if o.next).label.get(lang))
        await h.press(resubmitted)
        due = clock() + timedelta(hours=kb.policy.followup_after_resubmit_hours)
        checkin = kb.message("followup_planned", lang, when=due)
        assert kb.message("resubmitted", lang, attempt=2, checkin=checkin) in screen(api)

        clock.advance(hours=kb.policy.followup_after_resubmit_hours)
        assert await h.bot.service.run_due_followups() == 1
        assert kb.message("followup_question", lang) in screen(api)
        assert h.labels() == [kb.button(k, lang) for k in ("passed", "rejected_again", "still_waiting")]

        await press_key(h, kb, "passed", lang)
        assert kb.message("passed", lang) in screen(api)
        # the whole conversation was in the user's language: no English text of these keys
        shown = screen(api)
        for key in ("welcome", "followup_question", "passed"):
            assert kb.message(key, "en") not in shown, key

    menu = api.commands(lang)
    assert [c["command"] for c in menu] == list(COMMANDS)
    assert [c["description"] for c in menu] == [kb.commands[n].get(lang) for n in COMMANDS]
