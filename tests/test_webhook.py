"""Webhook mode as an operator runs it: updates answered once handled, health, readiness, metrics."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import pytest

from bot.adapters.telegram import TelegramBot
from bot.app.config import Settings
from bot.knowledge.model import KnowledgeBase
from tests.fake_bot_api import TOKEN, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
CHAT = 626262
SECRET = "hook-Secret_42"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings(
        token=TOKEN,
        api_base_url=api.url,
        database_path=str(tmp_path / "kyc.sqlite3"),
        knowledge_dir=str(REPO / "knowledge"),
        webhook_url="https://bot.example.com/kyc/hook",
        webhook_host="127.0.0.1",
        webhook_port=free_port(),
        webhook_secret=SECRET,
        instance_name="test-1",
    )


def client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.webhook_port}", timeout=10)


def metric(text: str, name: str) -> float:
    """Return one sample's value from the Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_updates_answered_once_handled_with_health_readiness_and_metrics(
    api: FakeBotApi, settings: Settings, kb: KnowledgeBase
) -> None:
    bot = TelegramBot(settings, kb, scheduler_interval=3600)
    async with bot.running(), client(settings) as http:
        (registered,) = api.calls_to("setWebhook")
        assert (registered.params["url"], registered.params["secret_token"]) == (
            settings.webhook_url,
            SECRET,
        )
        update = api.send_text(CHAT, "my selfie keeps failing")
        assert (await http.post("/kyc/hook", json=update, headers=HEADERS)).status_code == 200
        assert (await http.post("/kyc/hook", json=update, headers=HEADERS)).status_code == 200
        await api.wait_for_messages(CHAT, 1)
        forged = await http.post("/kyc/hook", json=update, headers={**HEADERS, "X-Telegram-Bot-Api-Secret-Token": "x"})
        assert forged.status_code == 403

        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert json.loads(ready.text) == {
            "ready": True,
            "checks": {"database": True, "knowledge": True, "serving": True},
        }
        await bot.idle()
        text = (await http.get("/metrics")).text
    assert metric(text, 'kyc_messages_total{kind="text"}') == 1
    assert metric(text, 'kyc_updates_skipped_total{why="duplicate"}') == 1  # Telegram's retry
    assert metric(text, 'kyc_matches_total{id="face_verification",kind="reason",lang="en"}') == 1
    assert metric(text, "kyc_replies_total") == len(api.sent(CHAT))
    assert metric(text, "kyc_handling_seconds_count") == 1
    assert not api.calls_to("deleteWebhook")  # the other instances are still serving


async def test_readiness_fails_while_the_database_is_unreachable(
    api: FakeBotApi, settings: Settings, kb: KnowledgeBase, pg_database: str
) -> None:
    bot = TelegramBot(replace(settings, database_url=pg_database), kb, scheduler_interval=3600)
    name = pg_database.rsplit("/", 1)[1]
    async with bot.running(), client(settings) as http:
        assert (await http.get("/readyz")).status_code == 200
        admin = await asyncpg.connect(pg_database.rsplit("/", 1)[0] + "/postgres")
        try:
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            ready = await http.get("/readyz")
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        finally:
            await admin.close()
        assert ready.status_code == 503
        assert json.loads(ready.text)["checks"]["database"] is False
        assert (await http.get("/healthz")).status_code == 200  # alive, just not ready
        assert (await http.get("/readyz")).status_code == 200  # and back
