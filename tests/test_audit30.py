"""Journey audit 30 (console, checked against the guide), through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat


def _counts(chat: Chat, lang: str, attempts: int, failures: int) -> str:
    """The /status line of the attempts and failures, as `lang` writes it."""
    line = next(x for x in chat.service.kb.message("status_case", lang).splitlines()
                if "{failures}" in x)
    return line.strip().format(attempts=attempts, failures=failures)


async def test_a_chinese_age_notice_quoted_asks_which_case_fits(chat: Chat) -> None:
    # H1: "说我未满18岁，但我已经19岁了" went straight to "wait until 18" and closed the case;
    # the notice's own words are no answer to "which of these fits you?"
    await chat.say("认证被拒了，说我未满18岁，但我已经19岁了", lang="zh")
    assert "step:underage/age" in chat.ids() or any(
        k.startswith("step:underage") and "minor" not in k for k in chat.ids()), chat.ids()
    assert not any(k.endswith("/minor") for k in chat.ids()), chat.ids()
    assert len(chat.buttons()) >= 4, chat.buttons()


@pytest.mark.parametrize(("text", "lang", "count"), [
    ("уже третий раз отказ, фото размытое", "ru", 3),
    ("第三次被拒了，照片模糊", "zh", 3),
    ("this is the third time I get this: my photo was blurry", "en", 3),
    ("уже второй раз отказ, фото размытое", "ru", 2),
    ("第二次被拒了，照片模糊", "zh", 2),
])
async def test_an_ordinal_failure_counts(chat: Chat, text: str, lang: str, count: int) -> None:
    # N1: a story's "the third time" opens a clause and is still read as the count
    await chat.say(text, lang=lang)
    await chat.command("status")
    assert _counts(chat, lang, count, count) in chat.text, chat.text
