"""kill -9 of the real Telegram adapter under load (polling and webhook), then restart.

Every update is handled once and every reply reaches its chat once: the update is acknowledged
(getUpdates offset, webhook answer) only after its turn was committed, and a reply is marked
sent only after the fake Bot API accepted it. Allowed, once per chat and only at the moment of
the kill: a message Telegram accepted whose acceptance the bot could not record before dying
(Telegram offers no way to ask whether a message was sent; README "Reliability").
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.telegram.replies import joined
from bot.app.service import Service
from bot.core.events import Command, Event, Reply, TextMessage
from bot.knowledge.loader import load_knowledge
from tests.chat import FrozenClock
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.test_crash import SCRIPT, delivered_once, knowledge_without_flood_limit

REPO = Path(__file__).resolve().parent.parent
CHATS = [5000 + i for i in range(8)]
CYCLES = 2
SECRET = "kill-9-secret"


async def one_cycle(kb_dir: Path, db: Path) -> list[str]:
    """What one pass of SCRIPT gets as Telegram messages, through the real service on a frozen
    clock: a turn's replies joined into one message where the adapter joins them."""
    service = await Service.open(load_knowledge(kb_dir), str(db), FrozenClock())
    texts: list[str] = []

    async def send(user_id: str, replies: list[Reply]) -> int:
        message, count = joined(replies)
        texts.append(message.text)
        return count

    service.register_sender("telegram", send, joins=True)
    for line in SCRIPT:
        event: Event = Command(line[1:]) if line.startswith("/") else TextMessage(line)
        await service.handle("telegram", "1", event, lang="en")
    await service.close()
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bot(
    tmp_path: Path, api: FakeBotApi, kb_dir: Path, port: int | None, **settings: str
) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        PYTHONPATH=str(REPO),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        KNOWLEDGE_DIR=str(kb_dir),
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        LOG_LEVEL="INFO",
        **settings,
    )
    if port is not None:
        env.update(
            WEBHOOK_URL="https://bot.example.com/kyc/hook",
            WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            WEBHOOK_SECRET=SECRET,
        )
    log = (tmp_path / "bot.log").open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip


def wait(predicate: Callable[[], bool], what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while not predicate():
        assert proc.poll() is None, f"the bot exited: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_kill_9_of_the_telegram_adapter_loses_no_update_and_no_reply(
    tmp_path: Path, api: FakeBotApi, mode: str
) -> None:
    kb_dir = knowledge_without_flood_limit(tmp_path)
    expected = asyncio.run(one_cycle(kb_dir, tmp_path / "replay.sqlite3")) * CYCLES
    port = free_port() if mode == "webhook" else None
    if port is not None:
        api.post_webhooks(f"http://127.0.0.1:{port}/kyc/hook")
    total = len(expected) * len(CHATS)
    log = tmp_path / "bot.log"
    bursts = [line for _ in range(CYCLES) for line in SCRIPT]  # each: every chat says it
    kill_at = len(bursts) // 2

    def accepted() -> int:
        return sum(1 for c in api.calls_to("sendMessage") if c.ok)

    for chat in CHATS:  # waiting at start (so the start-up check that no other instance
        api.send_text(chat, bursts[0])  # polls returns at once)
    bot = start_bot(tmp_path, api, kb_dir, port)
    try:
        for n, line in enumerate(bursts):
            if n:
                for chat in CHATS:
                    api.send_text(chat, line)
            if n == kill_at:  # while the burst is being fetched, handled and answered
                time.sleep(random.uniform(0, 0.05))
                bot.send_signal(signal.SIGKILL)
                bot.wait(timeout=30)
                at_kill = len(api.calls)
                assert accepted() < total
                bot = start_bot(tmp_path, api, kb_dir, port)
            wait(lambda: api.pending_updates == 0, "the burst to be taken", bot, log)
        wait(lambda: accepted() >= total, "every reply", bot, log)
        time.sleep(0.3)  # room for a reply that should not come
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()

    calls = api.calls
    for chat in CHATS:
        sent = [
            (i, c.params["_visible"])
            for i, c in enumerate(calls)
            if c.ok and c.method == "sendMessage" and c.chat_id == chat
        ]
        before = [text for i, text in sent if i < at_kill]
        after = [text for i, text in sent if i >= at_kill]
        # only a message in flight at the kill may come twice, at most one per chat
        assert delivered_once(before, after, [expected]), f"chat {chat}: {before} + {after}"
    assert "Traceback" not in log.read_text()


def test_a_follow_up_waiting_out_a_429_when_the_bot_is_killed_arrives_after_the_restart(
    tmp_path: Path, api: FakeBotApi
) -> None:
    # issue #12's reproduction: resubmit, the Bot API answers the follow-up with 429, kill -9
    # one second later; the follow-up used to be marked sent before it went out, and was lost
    kb_dir = knowledge_without_flood_limit(tmp_path)
    policy = kb_dir / "policy.yaml"
    policy.write_text(
        re.sub(r"after_resubmit_hours: [\d.]+", "after_resubmit_hours: 0.0005", policy.read_text())
    )  # the check-in comes 1.8 s after "I've resubmitted"
    kb = load_knowledge(kb_dir)
    question = kb.message("followup_question", "en")
    chat, log = CHATS[0], tmp_path / "bot.log"
    api.send_text(chat, "/resubmitted")
    bot = start_bot(tmp_path, api, kb_dir, None, FOLLOWUP_INTERVAL="0.2")
    try:
        wait(lambda: len(api.sent(chat)) == 1, "the answer to /resubmitted", bot, log)
        api.rate_limit(chat, retry_after=30)  # the follow-up is answered 429: wait 30 s
        wait(lambda: bool(api.calls_to("sendMessage", chat)[1:]), "the follow-up", bot, log)
        assert not api.calls_to("sendMessage", chat)[-1].ok
        time.sleep(1)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=30)
        assert question not in api.sent_texts(chat)

        bot = start_bot(tmp_path, api, kb_dir, None, FOLLOWUP_INTERVAL="0.2")
        wait(lambda: question in api.sent_texts(chat), "the follow-up after the restart", bot, log)
        time.sleep(0.5)  # two more scheduler passes: it must not come twice
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    assert api.sent_texts(chat).count(question) == 1
