"""Several instances of the bot: what an operator sees when they start more than one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.adapters.telegram import TelegramBot
from bot.app.config import Settings
from bot.knowledge.model import KnowledgeBase
from tests.fake_bot_api import TOKEN, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
CHAT = 515151


def start_second_instance(
    api: FakeBotApi, tmp_path: Path, knowledge: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env.update(
        PYTHONPATH=str(REPO),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        DATABASE_PATH=str(tmp_path / "second.sqlite3"),
        KNOWLEDGE_DIR=str(knowledge),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_long_polling_refuses_a_second_instance_and_the_first_carries_on(
    tmp_path: Path, kb: KnowledgeBase, kb_dir: Path
) -> None:
    with FakeBotApi(max_poll_seconds=5.0) as api:
        settings = Settings(
            token=TOKEN,
            api_base_url=api.url,
            database_path=str(tmp_path / "first.sqlite3"),
            knowledge_dir=str(REPO / "knowledge"),
        )
        first = TelegramBot(settings, kb, poll_timeout=1.0, probe_timeout=0.0)
        async with first.running():
            second = await asyncio.to_thread(start_second_instance, api, tmp_path, kb_dir)
            assert second.returncode == 2
            assert second.stderr.splitlines() == [
                "error: another instance is already polling Telegram with this bot token"
                " (Telegram answered 409 Conflict): stop it, or run several instances with"
                " WEBHOOK_URL"
            ]
            api.send_text(CHAT, "/help")
            texts = await api.wait_for_messages(CHAT, 1, timeout=10)
        assert texts == [kb.message("help", "en")]
        assert not (tmp_path / "second.sqlite3").exists()  # it stopped before touching a database


async def test_long_polling_refuses_to_take_over_a_webhook_deployment(
    tmp_path: Path, kb_dir: Path
) -> None:
    with FakeBotApi() as api:
        api._api_setWebhook({"url": "https://bot.example.com/hook"})
        second = await asyncio.to_thread(start_second_instance, api, tmp_path, kb_dir)
        assert second.returncode == 2
        assert second.stderr.startswith("error: a webhook is set for this bot token")
        assert len(second.stderr.splitlines()) == 1
        assert not api.calls_to("deleteWebhook")
