"""Journeys from blind audit 21 (console journeys in en/zh/ru checked against the guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.privacy import redact
from tests.chat import Chat


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path):
    c = await Chat.open(kb, tmp_path / "bot.sqlite3")
    yield c
    await c.close()


@pytest.mark.parametrize(("text", "lang", "first", "stage"), [
    ("提交了3次都没通过", "zh", "manual_review", "stage_manual_review"),
    ("已经提交了五次了都失败，账户是不是被锁了", "zh", "lock_risk", "stage_lock_risk"),
    ("отправил заявку 4 раза и все отказ", "ru", "one_before_lock", "stage_fixing"),
])
async def test_submitted_n_times_all_failed_counts_failures_not_one_more_attempt(
        chat: Chat, text: str, lang: str, first: str, stage: str) -> None:
    # audit 21 H1: "提交了" is also "I resubmitted"; with a count and a failure it is how many
    # attempts failed (manual review at 3, the lock risk at 5), as in English
    await chat.say(text, lang=lang)
    assert "resubmitted" not in chat.ids()
    assert chat.ids()[0] == first, chat.ids()
    await chat.command("status")
    assert stage in chat.ids(), chat.ids()


async def test_a_scammer_who_added_me_on_wechat_gets_the_safety_page(chat: Chat) -> None:
    # audit 21 H3: "加我微信" inside a report about someone else is no offer to chat elsewhere
    await chat.say("有个自称币安客服的人加我微信，说帮我通过KYC，要我发身份证照片和验证码", lang="zh")
    assert "topic:safety" in chat.ids() and "contact_offer_answer" not in chat.ids()
    await chat.say("加我微信聊", lang="zh")  # an offer made to the bot still gets its answer
    assert "contact_offer_answer" in chat.ids()


@pytest.mark.parametrize("text", ["hi im from calle mayor 5 madrid, pls help",
                                  "I live at avenida paulista 1000 sao paulo"])
def test_a_street_typed_in_lower_case_is_masked(kb: KnowledgeBase, text: str) -> None:
    # audit 21 H4: a phone keyboard's lower case ("calle mayor 5") is still an address
    masked = redact(text)
    assert "mayor 5" not in masked and "paulista 1000" not in masked and "[address]" in masked


@pytest.mark.parametrize(("first", "more", "lang"), [
    ("document photo blurry", "failed 2 more times", "en"),
    ("document photo blurry", "tried 2 more times today, both rejected", "en"),
    ("照片模糊", "又被拒了两次", "zh"),
    ("фото размытое", "отказали ещё два раза", "ru"),
])
async def test_n_more_failures_count_from_the_failures_known(
        chat: Chat, first: str, more: str, lang: str) -> None:
    # audit 21 H2: one failure known, "2 more" makes three: the manual review, not the fix again
    await chat.say(first, lang=lang)
    await chat.say(more, lang=lang)
    assert chat.ids()[0] == "manual_review", chat.ids()
    await chat.command("status")
    assert "stage_manual_review" in chat.ids()


async def test_a_total_said_with_again_is_no_count_of_more(chat: Chat) -> None:
    # "again, that's the third time" is three in all, not three more
    await chat.say("照片模糊", lang="zh")
    await chat.say("又被拒了，这是第三次", lang="zh")
    await chat.command("status")
    assert "stage_manual_review" in chat.ids(), chat.ids()
