"""The Telegram adapter acknowledges an update only after its turn is committed, handles an
update delivered twice once, and sends replies from the outbox (real Application and HTTP
stack against the fake Bot API). kill -9 under load: tests/test_crash_telegram.py."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.config import Settings
from bot.core.events import Reply
from bot.knowledge.model import KnowledgeBase
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.test_telegram import CHAT, REPO, FrozenClock, _free_port, _post, scripted, serving


@pytest.fixture
def bot_settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings(
        token=TOKEN,
        api_base_url=api.url,
        database_path=str(tmp_path / "data" / "kyc.sqlite3"),
        knowledge_dir=str(REPO / "knowledge"),
    )


def webhook(settings: Settings) -> tuple[Settings, str]:
    port = _free_port()
    return replace(
        settings,
        webhook_url="https://bot.example.com/kyc/hook",
        webhook_host="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret",
    ), f"http://127.0.0.1:{port}/kyc/hook"


async def test_polling_confirms_an_update_only_after_its_turn_is_committed(
    api: FakeBotApi, bot_settings: Settings, kb: KnowledgeBase
) -> None:
    service = scripted(kb, Reply("done"))
    gate = asyncio.Event()
    commit = service.commit

    async def slow_commit(channel: str, user_id: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if user_id == str(CHAT):
            await gate.wait()  # this turn takes a while to commit
        return await commit(channel, user_id, *args, **kwargs)  # type: ignore[arg-type]

    service.commit = slow_commit  # type: ignore[method-assign]
    async with serving(api, bot_settings, kb, service=service) as h:
        slow = api.send_text(CHAT, "slow")
        api.send_text(CHAT + 1, "quick")  # another user is not held up meanwhile
        await api.wait_for_messages(CHAT + 1, 1)
        assert api.sent_texts(CHAT) == []
        assert api.confirmed_offset <= slow["update_id"]  # fetched, not acknowledged
        gate.set()
        await h.settle()
    assert api.confirmed_offset > slow["update_id"] and api.sent_texts(CHAT) == ["done"]


async def test_an_update_fetched_again_after_a_crash_is_handled_once(
    api: FakeBotApi, bot_settings: Settings, kb: KnowledgeBase
) -> None:
    async with serving(api, bot_settings, kb) as h:
        await h.say("/start")
        update = api.send_text(CHAT, "/help")
        await h.settle()
    assert api.sent_texts(CHAT)[-1] == kb.message("help", "en")
    sent = len(api.sent(CHAT))

    api.redeliver(update)  # as if the bot died before confirming it
    async with serving(api, bot_settings, kb) as h:
        await h.settle()
        assert len(api.sent(CHAT)) == sent
        assert await h.say("/help") == [kb.message("help", "en")]  # the next one is answered


async def test_webhook_answers_after_the_commit_and_a_repeated_post_is_handled_once(
    api: FakeBotApi, bot_settings: Settings, kb: KnowledgeBase
) -> None:
    settings, url = webhook(bot_settings)
    clock = FrozenClock()
    async with serving(api, settings, kb, webhook=True, clock=clock) as h:
        update = api.send_text(CHAT, "/help")
        assert await asyncio.to_thread(_post, url, update, "s3cret") == 200
        # answered 200: the turn is in the database, its reply in the outbox or sent
        state = await h.bot.service.state("telegram", str(CHAT))
        assert state is not None and state.started
        assert await asyncio.to_thread(_post, url, update, "s3cret") == 200  # Telegram retried
        await h.bot.idle()
    assert api.sent_texts(CHAT) == [kb.message("help", "en")]


async def test_webhook_is_not_answered_before_the_turn_is_committed(
    api: FakeBotApi, bot_settings: Settings, kb: KnowledgeBase
) -> None:
    settings, url = webhook(bot_settings)
    service = scripted(kb, Reply("done"))
    service.delay = 0.3
    order: list[str] = []
    commit = service.commit

    async def committing(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        turn = await commit(*args, **kwargs)  # type: ignore[arg-type]
        order.append("committed")
        return turn

    service.commit = committing  # type: ignore[method-assign]
    async with serving(api, settings, kb, webhook=True, service=service) as h:
        update = api.send_text(CHAT, "hi")
        assert await asyncio.to_thread(_post, url, update, "s3cret") == 200
        order.append("answered")
        await h.bot.idle()
    assert order == ["committed", "answered"]
    assert api.sent_texts(CHAT) == ["done"]
