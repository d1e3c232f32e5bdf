"""Three instances on one PostgreSQL behind a round-robin proxy: load, a kill -9, a restart.

    fake Bot API --WebhookPoster (retries like Telegram)--> RoundRobinProxy --> instance 0, 1, 2
    instances --sendMessage...--> fake Bot API;    instances <--> one PostgreSQL database

200 users walk a fix at once (start, describe the problem, press two buttons, resubmit); some
double-tap their buttons (two updates at once), and some of their updates reach the bot twice
(Telegram retrying). Midway, one instance is killed with SIGKILL and started again. Afterwards:
- each user's stored state is the replay of the turns the database says were applied;
- what each user received is what the replay says, once (at-least-once only for the messages
  that were being sent when the instance died: Telegram gives no way to know whether they went);
- no update was applied twice, a double tap once, and every follow-up that fell due was sent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bot.adapters.telegram.replies import joined
from bot.app.service import Service
from bot.core.events import ButtonPress, Command, Event, FollowupDue, Reply, TextMessage
from bot.core.state import State
from bot.knowledge.loader import load_knowledge
from bot.ops.rr_proxy import RoundRobinProxy
from bot.storage.base import Key
from tests.chat import FrozenClock
from tests.fake_bot_api import TOKEN, FakeBotApi, WebhookPoster

REPO = Path(__file__).resolve().parent.parent
USERS = 200
INSTANCES = 3
SECRET = "e2e-Secret_1"
FIRST_CHAT = 900_000
FOLLOWUP_HOURS = 0.004  # 14.4 s after "/resubmitted": after every user's last update
DEADLINE = 400.0  # seconds for the whole load; the test fails rather than hang


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def knowledge_copy(tmp_path: Path) -> Path:
    """The bundled knowledge base with the follow-up due seconds after a resubmission."""
    target = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", target)
    policy = target / "policy.yaml"
    text = policy.read_text()
    text = re.sub(r"after_resubmit_hours: *[0-9.]+", f"after_resubmit_hours: {FOLLOWUP_HOURS}", text)
    policy.write_text(text)
    return target


class Instance:
    """One `python -m bot telegram` process in webhook mode."""

    def __init__(self, index: int, env: dict[str, str], logs: Path) -> None:
        self.index = index
        self.port = free_port()
        self.env = {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{self.port}", "INSTANCE_NAME": f"e2e-{index}"}
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.logs / f"instance-{self.index}-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram"],
            cwd=self.logs, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip

    async def ready(self, http: httpx.AsyncClient, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None and self.process.poll() is None, self.tail()
            try:
                answer = await http.get(f"http://127.0.0.1:{self.port}/readyz")
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:  # where is it stuck? faulthandler prints every stack
                self.process.send_signal(signal.SIGABRT)
                self.process.wait(timeout=10)
                raise AssertionError(f"instance {self.index} not ready: {self.tail()}")
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def tail(self) -> str:
        logs = sorted(self.logs.glob(f"instance-{self.index}-*.log"))
        return logs[-1].read_text(errors="replace")[-3000:] if logs else ""


@dataclasses.dataclass
class User:
    chat: int
    double_tap: bool
    duplicate: bool
    #: update id -> the event it carries (to replay what was applied)
    sent: dict[int, Event] = dataclasses.field(default_factory=dict)
    taps: list[tuple[int, int]] = dataclasses.field(default_factory=list)


class Load:
    def __init__(self, api: FakeBotApi, poster: WebhookPoster) -> None:
        self.api = api
        self.poster = poster
        self.acknowledged = 0
        self.progress = asyncio.Event()

    async def deliver(self, user: User, update: dict[str, Any], event: Event) -> None:
        user.sent[update["update_id"]] = event
        copies = 2 if user.duplicate else 1
        await asyncio.gather(*(self.poster.post(update) for _ in range(copies)))
        self.acknowledged += 1
        self.progress.set()

    async def say(self, user: User, text: str) -> None:
        update = self.api.send_text(user.chat, text)
        event: Event = Command(text[1:]) if text.startswith("/") else TextMessage(text)
        await self.deliver(user, update, event)

    async def press_first(self, user: User, after: str) -> str:
        """Press the first button of the newest keyboard other than `after` (a press edits the
        pressed message into the reply, so a new keyboard may come on the same message)."""
        message = await self.wait_buttons(user.chat, after)
        shown = keyboard(message)  # before the press: the fake edits this very message in place
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        taps = 2 if user.double_tap else 1
        updates = [self.api.press(user.chat, data=data, message_id=message["message_id"]) for _ in range(taps)]
        if taps == 2:
            user.taps.append((updates[0]["update_id"], updates[1]["update_id"]))
        await asyncio.gather(*(self.deliver(user, u, ButtonPress(data)) for u in updates))
        return shown

    async def wait_buttons(self, chat: int, after: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while True:
            message = self.api._message_with_buttons(chat, None)
            if message is not None and keyboard(message) != after:
                return message
            assert time.monotonic() < deadline, f"chat {chat}: no new buttons after {after}"
            await asyncio.sleep(0.1)

    async def walk(self, user: User) -> None:
        await self.say(user, "/start")
        menu = keyboard(await self.wait_buttons(user.chat, ""))
        await self.say(user, "my document photo was blurry")
        pressed = await self.press_first(user, menu)  # the diagnosis' keyboard, as a user would
        await self.press_first(user, pressed)
        await self.say(user, "/resubmitted")


def keyboard(message: dict[str, Any]) -> str:
    """What a message with buttons shows: its id, text and buttons (an edit may keep the
    buttons, "Next" on one step and the next)."""
    markup = json.dumps(message.get("reply_markup"), sort_keys=True)
    return f"{message['message_id']}:{message.get('text')}:{markup}"


async def replay(kb: Any, user: User, applied: list[int], followups: list[tuple[str, Any]], tag: str) -> tuple[State, list[str]]:
    """Run the applied turns through a fresh service; return its state and reply texts."""
    clock = FrozenClock()
    service = await Service.open(kb, ":memory:", clock)
    texts: list[str] = []
    try:
        key = Key("telegram", str(user.chat))
        seed = State(tag=tag, lang="en").to_json()
        from bot.storage.base import Lease, TurnWrite

        await service.store.run_turn(
            key, lambda raw: TurnWrite(state=seed, lang="en"), now=clock(), lease=Lease("replay", clock())
        )
        for update_id in applied:
            turn = await service.commit("telegram", str(user.chat), user.sent[update_id], lang="en")
            texts += as_messages(turn.replies)
            clock.advance(seconds=1)
        for kind, _ in followups:  # due at the replay's own time, as the scheduler would see it
            pending = await service.store.load(key)
            assert pending is not None
            due = State.from_json(pending.state).followup
            assert due is not None and due.kind == kind, f"chat {user.chat}: no {kind} follow-up"
            clock.now = datetime.fromisoformat(due.due)
            turn = await service.commit("telegram", str(user.chat), FollowupDue(kind, clock.now))
            texts += as_messages(turn.replies)
        stored = await service.store.load(key)
        assert stored is not None
        return State.from_json(stored.state), texts
    finally:
        await service.close()


def as_messages(replies: tuple[Reply, ...]) -> list[str]:
    """A turn's replies as the user sees them on Telegram: the adapter joins those that fit in
    one message (the diagnosis and the first step)."""
    texts, rest = [], list(replies)
    while rest:
        message, count = joined(rest)
        texts.append(message.text)
        rest = rest[count:]
    return texts


def timeless(state: State) -> dict[str, Any]:
    """A state without what depends on when turns ran (dates, the flood window, the tag)."""
    data = dataclasses.asdict(state)
    data.update(tag="", flood_window=None, flood_count=0)
    if data["followup"]:
        data["followup"]["due"] = ""
    if data["case"]:
        data["case"]["opened_at"] = ""
        data["case"]["closed_at"] = None
        for attempt in data["case"]["attempts"]:
            attempt["at"] = ""
    return data


_DATES = re.compile(
    r"\d+|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|[AP]M"
)


def undated(texts: list[str]) -> list[str]:
    """Texts with dates and times masked: the replay runs on another clock."""
    return [_DATES.sub("#", t) for t in texts]


def collapse_resends(received: list[str], expected: list[str]) -> tuple[list[str], int]:
    """Drop messages received again right after themselves when the replay has them once."""
    out: list[str] = []
    resent = 0
    for text in received:
        if out and out[-1] == text and len(out) < len(expected) + 1 and expected[len(out) - 1 : len(out) + 1] != [text, text]:
            resent += 1
            continue
        out.append(text)
    return out, resent


async def test_three_instances_under_load_one_killed_lose_nothing_and_repeat_nothing(
    tmp_path: Path, pg_database: str
) -> None:
    knowledge = knowledge_copy(tmp_path)
    kb = load_knowledge(knowledge)
    logs = tmp_path / "logs"
    logs.mkdir()
    with FakeBotApi() as api:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
        env = {
            **base,
            "PYTHONPATH": str(REPO),
            "PYTHONFAULTHANDLER": "1",  # a stuck instance prints its stacks (Instance.ready)
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.url,
            "DATABASE_URL": pg_database,
            "KNOWLEDGE_DIR": str(knowledge),
            "WEBHOOK_URL": "https://bot.example.com/kyc/hook",
            "WEBHOOK_SECRET": SECRET,
            "TELEGRAM_RATE_LIMIT": "0",
            "FOLLOWUP_INTERVAL": "0.5",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        instances = [Instance(i, env, logs) for i in range(INSTANCES)]
        proxy = RoundRobinProxy([("127.0.0.1", i.port) for i in instances])
        proxy_port = await proxy.start()
        poster = WebhookPoster(f"http://127.0.0.1:{proxy_port}/kyc/hook", SECRET)
        users = [User(FIRST_CHAT + n, double_tap=n % 4 == 1, duplicate=n % 4 == 2) for n in range(USERS)]
        load = Load(api, poster)
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                for instance in instances:
                    instance.start()
                await asyncio.gather(*(i.ready(http) for i in instances))

                async def chaos() -> None:
                    victim = instances[1]
                    while load.acknowledged < USERS * 2:
                        load.progress.clear()
                        await load.progress.wait()
                    victim.kill()
                    victim.start()
                    await victim.ready(http)

                started = time.monotonic()
                await asyncio.wait_for(
                    asyncio.gather(chaos(), *(load.walk(u) for u in users)), DEADLINE
                )
                load_seconds = time.monotonic() - started
                conn = await asyncpg.connect(pg_database)
                try:
                    await wait_for_followups(conn, users, deadline=60)
                    applied, followups, states = await read_back(conn)
                finally:
                    await conn.close()
        finally:
            codes = [i.stop() for i in instances if i.process is not None]
            await poster.close()
            await proxy.stop()
        assert codes == [0] * INSTANCES, [i.tail() for i in instances]

        resent_total = 0
        for user in users:
            mine = sorted(i for i in user.sent if i * 4 in applied)
            done = followups.get(user.chat, [])
            stored = states[user.chat]
            expected_state, expected_texts = await replay(kb, user, mine, done, stored.tag)
            assert timeless(stored) == timeless(expected_state), f"chat {user.chat}"
            expected_texts = undated(expected_texts)
            received, resent = collapse_resends(undated(api.sent_texts(user.chat)), expected_texts)
            assert received == expected_texts, f"chat {user.chat}"
            resent_total += resent
            for first, second in user.taps:
                assert (first * 4 in applied) != (second * 4 in applied), f"chat {user.chat}: tapped twice"
            assert done, f"chat {user.chat}: the follow-up was never sent"
        print(f"\n{USERS} users in {load_seconds:.1f}s, {poster.retries} redeliveries, "
              f"{resent_total} messages sent again after the kill, proxy spread {proxy.connections}")


async def wait_for_followups(conn: asyncpg.Connection, users: list[User], deadline: float) -> None:
    """Wait until no follow-up is open and nothing is left to send (the reminder each unanswered
    check-in plans a day later is not due in this test's time)."""
    give_up = time.monotonic() + deadline
    while True:
        open_followups = await conn.fetchval(
            "SELECT count(*) FROM followups WHERE status IN ('pending', 'sending')"
            " AND due_at < now() + interval '1 hour'")
        unsent = await conn.fetchval("SELECT count(*) FROM outbox")
        done = await conn.fetchval("SELECT count(*) FROM followups WHERE status = 'done'")
        if not open_followups and not unsent and done >= len(users):
            return
        assert time.monotonic() < give_up, f"{open_followups} follow-ups open, {unsent} unsent, {done} done"
        await asyncio.sleep(0.2)


async def read_back(conn: asyncpg.Connection) -> tuple[set[int], dict[int, list[tuple[str, Any]]], dict[int, State]]:
    applied = {r["update_id"] for r in await conn.fetch("SELECT update_id FROM updates")}
    followups: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for r in await conn.fetch("SELECT user_id, kind, due_at FROM followups WHERE status = 'done' ORDER BY id"):
        followups[int(r["user_id"])].append((r["kind"], r["due_at"]))
    states = {int(r["user_id"]): State.from_json(r["state"]) for r in await conn.fetch("SELECT user_id, state FROM conversations")}
    return applied, followups, states


_ = json  # noqa: F841 - json lines of the instances' logs are read on failure
