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


@pytest.mark.parametrize(("text", "lang"), [
    ("the manual review rejected me", "en"),
    ("人工审核没通过，怎么办？", "zh"),
    ("ручную проверку не прошёл, что теперь делать?", "ru"),
])
async def test_a_failed_manual_review_is_its_end(chat: Chat, text: str, lang: str) -> None:
    # N6: "the manual review rejected me" was read as "my case is in manual review" (wait
    # 7-14 business days); the guide: the review is over, ask support for the detailed reason
    replies = await chat.say(text, lang=lang)
    assert "review_rejected" in chat.ids(replies), chat.ids(replies)
    assert "manual_review" not in " ".join(chat.ids(replies)), chat.ids(replies)
    await chat.command("status")
    after = chat.service.kb.policy.manual_review_after
    assert _counts(chat, lang, after, after) in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("I'm on a business trip in the US, can I verify from here?", "en"),
    ("я в командировке в США, могу пройти верификацию?", "ru"),
])
async def test_a_trip_abroad_is_about_the_region(chat: Chat, text: str, lang: str) -> None:
    # N9: where the user is for now (a business trip, a visit) is the region reason's question
    await chat.say(text, lang=lang)
    assert "step:restricted_region/ask_where" in chat.ids(), chat.ids()
