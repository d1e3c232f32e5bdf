"""The Telegram adapter end to end: the real Application and HTTP stack against a fake Bot API.

Most tests run the real Service (engine + SQLite) on a frozen clock; a few use a scripted
service to produce replies the engine never would (markup-looking text, very long replies,
a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram import TEXT_LIMIT, TelegramBot, split_text, utf16_len
from bot.app.config import MASK, Settings
from bot.app.service import Turn
from bot.core.events import Attachment, Button, ButtonPress, Command, Event, Reply, TextMessage
from bot.knowledge.contract import COMMANDS
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import RecipientGone
from bot.storage.base import Key
from bot.storage.sqlite import SqliteStore
from tests.fake_bot_api import TOKEN, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
CHAT = 424242
NOTICE = "Your KYC application was not approved, Reason: The document you submitted has expired"


class FrozenClock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class ScriptedService:
    """Stands in for bot.app.service.Service: records events, answers with `respond(event)`."""

    def __init__(self, kb: KnowledgeBase, respond: Callable[[Event], list[Reply]]) -> None:
        self._kb = kb
        self.respond = respond
        self.events: list[tuple[str, Event, str | None]] = []
        self.closed = False
        self.delay = 0.0
        #: a user's turns wait here until the test opens the gate (no wall clock involved)
        self.gates: dict[str, asyncio.Event] = {}

    @property
    def kb(self) -> KnowledgeBase:
        return self._kb

    async def commit(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        lang: str | None = None,
        update_id: int | None = None,
        once: str | None = None,
    ) -> Turn:
        self.events.append((user_id, event, lang))
        await asyncio.sleep(self.delay)
        if user_id in self.gates:
            await self.gates[user_id].wait()
        return Turn(Key(channel, user_id), tuple(self.respond(event)))

    async def deliver(self, turn: Turn) -> int:
        replies = list(turn.replies)
        while replies:  # the adapter's sender says how many of them went in one message
            went = await self.sender(turn.key.user_id, replies)
            replies = replies[went or len(replies) :]
        return len(turn.replies)

    def register_sender(self, channel: str, send: Callable, *, joins: bool = False) -> None:
        self.sender = send

    def reload(self, kb: KnowledgeBase) -> None:
        self._kb = kb

    async def run_scheduler(self, stop: asyncio.Event, interval: float = 30.0) -> None:
        await stop.wait()

    async def close(self) -> None:
        self.closed = True


class Harness:
    """A running bot plus helpers that act like a user and wait until the bot has answered."""

    def __init__(self, api: FakeBotApi, bot: TelegramBot) -> None:
        self.api = api
        self.bot = bot

    async def settle(self) -> None:
        """Wait until every injected update was fetched and fully handled."""
        await self.api.wait_fetched()
        await asyncio.wait_for(self.bot.idle(), 10)

    async def _after(self, chat: int, act: Callable[[], object]) -> list[str]:
        before = len(self.api.sent(chat))
        act()
        await self.settle()
        return self.api.sent_texts(chat)[before:]

    async def say(self, text: str, chat: int = CHAT, **kwargs: object) -> list[str]:
        return await self._after(chat, lambda: self.api.send_text(chat, text, **kwargs))

    async def forward(self, text: str, chat: int = CHAT) -> list[str]:
        return await self._after(chat, lambda: self.api.forward_text(chat, text))

    async def press(self, label: str, chat: int = CHAT) -> list[str]:
        return await self._after(chat, lambda: self.api.press(chat, label))

    def labels(self, chat: int = CHAT) -> list[str]:
        return [b["text"] for b in self.api.buttons(chat)]


@pytest.fixture
def bot_settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings(
        token=TOKEN,
        api_base_url=api.url,
        database_path=str(tmp_path / "data" / "kyc.sqlite3"),
        knowledge_dir=str(REPO / "knowledge"),
        admin_user_ids=frozenset({777}),
    )


@contextlib.asynccontextmanager
async def serving(
    api: FakeBotApi,
    settings: Settings,
    kb: KnowledgeBase,
    *,
    clock: FrozenClock | None = None,
    service: ScriptedService | None = None,
    webhook: bool = False,
) -> AsyncIterator[Harness]:
    """Run a TelegramBot (real service unless `service` is given) against the fake server."""
    kwargs: dict[str, object] = {}
    if service is not None:

        async def factory(kb: KnowledgeBase, db: str, clock: object) -> ScriptedService:
            return service

        kwargs["open_service"] = factory
    bot = TelegramBot(
        settings,
        kb,
        clock=clock,
        poll_timeout=1.0,
        probe_timeout=0.0,
        scheduler_interval=3600,
        retry_delays=(0.05, 0.1),
        **kwargs,  # type: ignore[arg-type]
    )
    async with bot.running(webhook=webhook):
        yield Harness(api, bot)


def scripted(kb: KnowledgeBase, *replies: Reply) -> ScriptedService:
    return ScriptedService(kb, lambda event: list(replies))


# -- conversations with the real service -------------------------------------------------------


async def test_start_shows_welcome_and_safety_and_publishes_commands(api, bot_settings, kb):
    async with serving(api, bot_settings, kb) as h:
        texts = await h.say("/start")

    assert texts == [kb.message("welcome", "en"), kb.message("safety", "en", **kb.policy.links)]
    assert api.sent(CHAT)[0].params["parse_mode"] == "HTML"
    assert kb.button("reasons", "en") in [
        b["text"] for b in api.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"][0]
    ]
    assert api.commands() == [
        {"command": name, "description": kb.commands[name].get("en")} for name in COMMANDS
    ]


async def walk_fix_to_resubmit(h: Harness, kb: KnowledgeBase, clock: FrozenClock) -> None:
    """Forward the expired-document notice and press through the fix until "I've resubmitted"."""
    reason = kb.reasons["expired_document"]
    texts = await h.forward(NOTICE)
    diagnosis = kb.message(
        "diagnosis",
        "en",
        title=reason.title.get(),
        share=f"{reason.share:g}",
        summary=reason.summary.get(),
    )
    # the diagnosis and the first step of the fix arrive as one message
    assert len(texts) == 1 and texts[0].startswith(diagnosis + "\n\n")
    assert reason.steps[0].text.get() in texts[0]
    resubmitted, nxt = kb.button("resubmitted", "en"), kb.button("next", "en")
    for _ in range(len(reason.steps)):
        labels = h.labels()
        if resubmitted in labels:
            break
        if nxt in labels:
            await h.press(nxt)
            continue
        shown = h.api.sent_texts(CHAT)[-1]
        step = next(s for s in reason.steps if s.options and s.text.get() in shown)
        option = next(o for o in step.options if o.next)  # a branch, not a side topic
        await h.press(option.label.get())
    due = clock() + timedelta(hours=kb.policy.followup_after_resubmit_hours)
    checkin = kb.message("followup_planned", "en", when=due)
    assert await h.press(resubmitted) == [kb.message("resubmitted", "en", attempt=2, checkin=checkin)]


async def test_forwarded_notice_fix_resubmit_and_followup(api, bot_settings, kb):
    clock = FrozenClock()
    async with serving(api, bot_settings, kb, clock=clock) as h:
        await h.say("/start")
        await walk_fix_to_resubmit(h, kb, clock)
        # each press replaced the pressed message (text and keyboard) with its reply, so no
        # old button can be pressed twice, at one chat call a press
        presses = api.calls_to("answerCallbackQuery")
        edits = api.calls_to("editMessageText", CHAT)
        assert presses and len(edits) == len(presses) and all(c.ok for c in edits)
        assert not api.calls_to("editMessageReplyMarkup", CHAT)

        clock.advance(hours=kb.policy.followup_after_resubmit_hours)
        before = len(api.sent(CHAT))
        assert await h.bot.service.run_due_followups() == 1
        followup = api.sent_texts(CHAT)[before:]
        assert followup == [kb.message("followup_question", "en")]
        assert h.labels() == [
            kb.button(k, "en") for k in ("passed", "rejected_again", "still_waiting")
        ]

        texts = await h.press(kb.button("passed", "en"))
        assert texts[0] == kb.message("passed", "en")


async def test_followup_survives_a_restart_of_the_bot(api, bot_settings, kb):
    clock = FrozenClock()
    async with serving(api, bot_settings, kb, clock=clock) as h:
        await walk_fix_to_resubmit(h, kb, clock)
    sent_before_restart = len(api.sent(CHAT))

    clock.advance(hours=kb.policy.followup_after_resubmit_hours)
    async with serving(api, bot_settings, kb, clock=clock) as h:  # new Application, new Service
        # the scheduler's first pass, at start-up, finds the follow-up in the database
        await api.wait_for_messages(CHAT, sent_before_restart + 1)
        assert api.sent_texts(CHAT)[sent_before_restart:] == [kb.message("followup_question", "en")]
        texts = await h.press(kb.button("still_waiting", "en"))
        assert len(texts) == 1


async def test_blocked_user_gets_no_more_followups(api, bot_settings, kb):
    clock = FrozenClock()
    async with serving(api, bot_settings, kb, clock=clock) as h:
        await walk_fix_to_resubmit(h, kb, clock)
        api.block(CHAT)
        clock.advance(hours=kb.policy.followup_after_resubmit_hours)

        assert await h.bot.service.run_due_followups() == 0
        assert (
            api.calls_to("sendMessage", CHAT)[-1].error == "Forbidden: bot was blocked by the user"
        )
        service = h.bot.service
        assert await service.scheduled("telegram", str(CHAT)) == []
        conversation = await service.store.load(Key("telegram", str(CHAT)))
        assert conversation is not None and not conversation.active
        # the bot keeps serving everyone else
        assert await h.say("/help", chat=CHAT + 1) == [kb.message("help", "en")]


async def test_photo_is_never_downloaded_but_deleted_and_warned_about(api, bot_settings, kb):
    async with serving(api, bot_settings, kb) as h:
        photo = api.send_photo(CHAT)
        await h.settle()

    assert api.sent_texts(CHAT) == [kb.message("attachment", "en")]
    assert [c.params["message_id"] for c in api.calls_to("deleteMessage", CHAT)] == [
        photo["message"]["message_id"]
    ]
    assert api.message(CHAT, photo["message"]["message_id"]) is None
    assert not api.calls_to("getFile") and not api.calls_to("download")


async def test_photo_still_answered_when_telegram_refuses_to_delete_it(api, bot_settings, kb):
    api.fail(CHAT, "deleteMessage", code=400, description="Bad Request: message can't be deleted")
    async with serving(api, bot_settings, kb) as h:
        api.send_document(CHAT)
        await h.settle()
    assert api.sent_texts(CHAT) == [kb.message("attachment", "en")]


async def test_sticker_and_voice_are_attachments_too(api, bot_settings, kb):
    async with serving(api, bot_settings, kb) as h:
        api.send_sticker(CHAT)
        await h.settle()
        api.send_voice(CHAT)
        await h.settle()
    assert api.sent_texts(CHAT) == [kb.message("attachment", "en")] * 2
    assert not api.calls_to("deleteMessage")  # nothing personal to remove


async def test_group_chat_gets_one_pointer_to_private_chat_and_nothing_else(api, bot_settings, kb):
    group = -100123
    async with serving(api, bot_settings, kb) as h:
        api.send_group_text(group, 5, "my kyc was rejected, blurry photo")  # not addressed to us
        await h.settle()
        assert api.sent(group) == []
        api.send_group_text(group, 5, "/start@kyc_helper_test_bot")
        await h.settle()
        api.send_group_text(group, 6, "/help")  # addressed again, within the cooldown
        await h.settle()
        api.send_group_text(group, 6, "/start@some_other_bot")
        await h.settle()
    assert api.sent_texts(group) == [kb.message("group_chat", "en")]
    rows = await _conversation_rows(bot_settings)
    assert rows == 0  # nothing from the group reached the dialogue or the database


async def _conversation_rows(settings: Settings) -> int:
    store = await SqliteStore.open(settings.database_path)
    try:
        return await store.run_sync(
            lambda db: db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]
        )
    finally:
        await store.close()


async def test_rate_limit_answer_is_honoured(api, bot_settings, kb):
    api.rate_limit(CHAT, retry_after=1)
    async with serving(api, bot_settings, kb) as h:
        texts = await h.say("/help")
    assert texts == [kb.message("help", "en")]
    first, second = api.calls_to("sendMessage", CHAT)
    assert first.error.startswith("Too Many Requests") and second.ok
    assert second.at - first.at >= 1.0


async def test_network_errors_are_retried(api, bot_settings, kb):
    api.fail(CHAT, "sendMessage", code=502, description="Bad Gateway", times=2)
    async with serving(api, bot_settings, kb) as h:
        texts = await h.say("/help")
    assert texts == [kb.message("help", "en")]
    assert [c.ok for c in api.calls_to("sendMessage", CHAT)] == [False, False, True]


async def test_language_code_reaches_the_service(api, bot_settings, kb):
    service = scripted(kb, Reply("ok"))
    async with serving(api, bot_settings, kb, service=service) as h:
        await h.say("/start@kyc_helper_test_bot promo", language_code="es")
        await h.forward("Reason: Document expired")
        await h.say("hello")
    assert service.events == [
        (str(CHAT), Command("start", "promo"), "es"),
        (str(CHAT), TextMessage("Reason: Document expired", forwarded=True), "en"),
        (str(CHAT), TextMessage("hello"), "en"),
    ]


async def test_photo_caption_is_read_after_the_attachment(api, bot_settings, kb):
    service = scripted(kb, Reply("ok"))
    async with serving(api, bot_settings, kb, service=service) as h:
        api.send_photo(CHAT, caption="my selfie keeps failing")
        await h.settle()
    assert [e for _, e, _ in service.events] == [
        Attachment("photo"),
        TextMessage("my selfie keeps failing"),
    ]


# -- rendering -------------------------------------------------------------------------------


async def test_markup_looking_text_is_shown_literally(api, bot_settings, kb):
    text = 'Use <b>the app</b> & not <script>alert(1)</script>; 1 < 2 > 0 &amp; "quotes"'
    service = scripted(kb, Reply(text, ((Button("<i>Next</i> & more", "v|1|n|"),),)))
    async with serving(api, bot_settings, kb, service=service) as h:
        # the fake server rejects unescaped HTML, as Telegram does
        assert await h.say("hi") == [text]
    assert h.labels() == ["<i>Next</i> & more"]


async def test_long_reply_is_split_on_paragraphs_with_buttons_on_the_last_part(
    api, bot_settings, kb
):
    paragraphs = [f"Paragraph {i}: " + "word " * 500 for i in range(4)]  # ~2500 chars each
    reply = Reply("\n\n".join(p.strip() for p in paragraphs), ((Button("Next", "v|1|n|"),),))
    service = scripted(kb, reply)
    async with serving(api, bot_settings, kb, service=service) as h:
        texts = await h.say("hi")
    assert texts == [p.strip() for p in paragraphs]
    markups = [c.params.get("reply_markup") for c in api.sent(CHAT)]
    assert markups[:-1] == [None] * 3 and markups[-1]["inline_keyboard"][0][0]["text"] == "Next"


async def test_double_tap_on_a_button_is_handled_once(api, bot_settings, kb):
    service = scripted(kb, Reply("step", ((Button("Next", "v|1|n|"),),)))
    async with serving(api, bot_settings, kb, service=service) as h:
        await h.say("hi")
        api.press(CHAT, "Next")
        api.press(CHAT, "Next")  # second tap before the bot removed the keyboard
        await h.settle()
    assert [e for _, e, _ in service.events] == [TextMessage("hi"), ButtonPress("v|1|n|")]
    assert len(api.calls_to("answerCallbackQuery")) == 2  # every press is answered
    assert len(api.sent(CHAT)) == 2


async def test_a_failing_update_does_not_stop_the_bot(api, bot_settings, kb, caplog):
    def respond(event: Event) -> list[Reply]:
        if event == TextMessage("boom"):
            raise RuntimeError("engine bug")
        return [Reply("fine")]

    service = ScriptedService(kb, respond)
    async with serving(api, bot_settings, kb, service=service) as h:
        assert await h.say("boom") == []
        assert await h.say("and now?") == ["fine"]
    assert any("engine bug" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


async def test_stopping_lets_the_update_in_progress_finish(api, bot_settings, kb):
    service = scripted(kb, Reply("done"))
    service.delay = 0.3
    async with serving(api, bot_settings, kb, service=service):
        api.send_text(CHAT, "hi")
        await api.wait_until(lambda: bool(service.events), what="the turn to start")
    # stopped in the middle of the turn (as on SIGTERM): the reply still went out
    assert api.sent_texts(CHAT) == ["done"]
    assert service.closed


async def test_a_slow_conversation_does_not_hold_up_other_users(api, bot_settings, kb):
    service = scripted(kb, Reply("done"))
    service.gates[str(CHAT)] = gate = asyncio.Event()
    async with serving(api, bot_settings, kb, service=service) as h:
        api.send_text(CHAT, "slow")
        await api.wait_until(lambda: bool(service.events), what="the slow turn to start")
        # the first user's turn is stuck; another user is answered meanwhile
        api.send_text(CHAT + 1, "quick")
        await api.wait_for_messages(CHAT + 1, 1)
        assert api.sent_texts(CHAT) == []
        gate.set()
        await api.wait_for_messages(CHAT, 1)
        await h.settle()
    assert api.sent_texts(CHAT) == ["done"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([50, 200, TEXT_LIMIT]),
)
def test_split_text_keeps_every_character_within_the_limit(paragraphs, limit):
    text = "\n\n".join(paragraphs)
    chunks = split_text(text, limit)
    assert all(0 < utf16_len(c) <= limit for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_split_text_prefers_paragraph_then_line_breaks():
    first, second = "a" * 60, "b" * 60
    assert split_text(f"{first}\n\n{second}", 100) == [first, second]
    assert split_text(f"{first}\n{second}\n\nc", 121) == [f"{first}\n{second}", "c"]
    assert split_text(f"{first}\n{second} c", 100) == [first, f"{second} c"]
    assert split_text(f"{first} {second}", 100) == [first, second]
    assert split_text("😀" * 60, 100) == ["😀" * 50, "😀" * 10]  # emoji count twice
    assert split_text("  \n\n ", 100) == []


# -- follow-up sender, webhook, admin ---------------------------------------------------------


async def test_followup_sender_reports_a_blocked_user(api, bot_settings, kb):
    service = scripted(kb)
    async with serving(api, bot_settings, kb, service=service) as h:
        await h.say("hi")
        api.block(CHAT)
        with pytest.raises(RecipientGone):
            await service.sender(str(CHAT), [Reply("Did it pass?")])
        api.rate_limit(CHAT + 1, retry_after=1)
        api.send_text(CHAT + 1, "hi")
        await h.settle()
        await service.sender(str(CHAT + 1), [Reply("Did it pass?")])  # 429 waited out
    assert api.sent_texts(CHAT + 1) == ["Did it pass?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, update: dict, secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def test_webhook_mode_accepts_only_updates_with_the_secret(api, bot_settings, kb):
    port = _free_port()
    settings = replace(
        bot_settings,
        webhook_url="https://bot.example.com/kyc/hook",
        webhook_host="127.0.0.1",
        webhook_port=port,
        webhook_secret="s3cret-Value_1",
    )
    async with serving(api, settings, kb, webhook=True) as h:
        (set_webhook,) = api.calls_to("setWebhook")
        assert set_webhook.params["url"] == "https://bot.example.com/kyc/hook"
        assert set_webhook.params["secret_token"] == "s3cret-Value_1"
        url = f"http://127.0.0.1:{port}/kyc/hook"
        forged = {"update_id": 1, "message": api.send_text(CHAT, "/help")["message"]}
        assert await asyncio.to_thread(_post, url, forged, "wrong") == 403
        assert await asyncio.to_thread(_post, url, forged, "s3cret-Value_1") == 200
        texts = await api.wait_for_messages(CHAT, 1)
        await asyncio.wait_for(h.bot.idle(), 5)
    assert texts == [kb.message("help", "en")]
    assert not api.calls_to("getUpdates")


# -- logs, settings, the process -----------------------------------------------------------------


@pytest.mark.parametrize("proxy", ["", "env", "setting"],
                         ids=["own-client", "httpx-behind-a-proxy", "httpx-by-setting"])
async def test_token_never_appears_in_logs(api, bot_settings, kb, caplog, monkeypatch, proxy):
    if proxy == "env":  # with a proxy configured the bot calls through httpx, which logs every URL
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    elif proxy == "setting":  # TELEGRAM_HTTP_CLIENT=httpx: the operator's choice
        bot_settings = dataclasses.replace(bot_settings, http_client="httpx")
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram", "bot"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        api.rate_limit(CHAT, retry_after=1)
        async with serving(api, bot_settings, kb) as h:
            await h.say("/start")
            api.block(CHAT)
            await h.say("/help")
    finally:
        for name in ("httpx", "httpcore", "telegram", "bot"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    secret_half = TOKEN.partition(":")[2]
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    if proxy:
        assert any(f"/bot{MASK}/getUpdates" in line for line in httpx_lines)  # URLs logged...
    else:  # its own client logs no URL; the bot's turns were logged
        assert any(r.name.startswith("bot.adapters.telegram") for r in caplog.records)
    assert secret_half not in caplog.text  # ...with the token masked
    for record in caplog.records:
        assert secret_half not in record.getMessage()
        assert secret_half not in (record.exc_text or "")


def _run_bot(env: dict[str, str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    full.update(env, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("token", "expect"),
    [
        (None, "TELEGRAM_BOT_TOKEN is not set"),
        ("", "TELEGRAM_BOT_TOKEN is not set"),
        ("not-a-token", "TELEGRAM_BOT_TOKEN is malformed"),
        ("12345:short", "TELEGRAM_BOT_TOKEN is malformed"),
        ("12345:has spaces in it and is long enough to pass", "TELEGRAM_BOT_TOKEN is malformed"),
    ],
)
def test_missing_or_malformed_token_exits_2_with_one_line(tmp_path, token, expect):
    env = {} if token is None else {"TELEGRAM_BOT_TOKEN": token}
    result = _run_bot(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0]
    if token:
        assert token not in result.stderr


def test_token_rejected_by_telegram_exits_2(tmp_path, api, kb_dir):
    wrong = TOKEN.replace("fake", "Fake")
    result = _run_bot(
        {
            "TELEGRAM_BOT_TOKEN": wrong,
            "TELEGRAM_API_BASE_URL": api.url,
            "KNOWLEDGE_DIR": str(kb_dir),
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in result.stderr.strip().splitlines()[-1]
    assert wrong.partition(":")[2] not in result.stderr


def test_broken_knowledge_base_refuses_to_start(tmp_path, api):
    broken = tmp_path / "knowledge"
    broken.mkdir()
    (broken / "policy.yaml").write_text("version: 1\n")
    result = _run_bot(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.url,
            "KNOWLEDGE_DIR": str(broken),
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "policy.yaml" in result.stderr
    assert not api.calls  # it never talked to Telegram


@pytest.mark.parametrize("command", ["telegram", "run"])
def test_process_serves_reloads_on_sighup_and_stops_cleanly_on_sigterm(
    tmp_path, api, kb_dir, command
):
    kb = load_knowledge(kb_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        PYTHONPATH=str(REPO),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        KNOWLEDGE_DIR=str(kb_dir),
        DATABASE_PATH=str(tmp_path / "db" / "kyc.sqlite3"),
        LOG_LEVEL="DEBUG",
    )
    log_path = tmp_path / "stderr.log"

    def wait(predicate: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 20
        while not predicate():
            assert process.poll() is None, log_path.read_text()[-2000:]
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
        try:
            api.send_text(CHAT, "/start")
            wait(lambda: len(api.sent(CHAT)) >= 2, "the welcome")
            assert api.sent_texts(CHAT)[0] == kb.message("welcome", "en")

            messages = kb_dir / "messages.yaml"
            messages.write_text(messages.read_text().replace("Message help", "Fresh help"))
            process.send_signal(signal.SIGHUP)
            wait(lambda: "knowledge reloaded" in log_path.read_text(), "the reload")
            api.send_text(CHAT, "/help")
            wait(lambda: len(api.sent(CHAT)) >= 3, "the help")
            assert api.sent_texts(CHAT)[2] == "Fresh help"

            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    stderr = log_path.read_text()
    assert process.returncode == 0, stderr[-2000:]
    assert TOKEN.partition(":")[2] not in stderr
    assert " DEBUG bot." in stderr  # debug logging was on ...
    # ... but python-telegram-bot's own debug lines, which carry whole updates, were not
    assert "Processing update" not in stderr and "Call to Bot API" not in stderr
    assert (tmp_path / "db" / "kyc.sqlite3").exists()


def test_run_without_token_says_how_to_configure_one_and_starts_the_console(tmp_path, kb_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        PYTHONPATH=str(REPO), KNOWLEDGE_DIR=str(kb_dir), DATABASE_PATH=str(tmp_path / "c.db")
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path, env=env, input="/help\n", capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[0].startswith("No TELEGRAM_BOT_TOKEN configured")
    assert "TELEGRAM_BOT_TOKEN=" in result.stderr and ".env" in result.stderr
    assert "Message help" in result.stdout  # the console answered


def test_run_with_a_malformed_token_in_dotenv_exits_2(tmp_path):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=12345:oops\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert "TELEGRAM_BOT_TOKEN is malformed" in result.stderr and "oops" not in result.stderr


async def test_the_lines_written_for_every_update_name_no_chat(api, bot_settings, kb, caplog):
    # they skip the log redactor (bot.shared.logtext.Plain), so they must hold no chat id
    caplog.set_level(logging.INFO)
    async with serving(api, bot_settings, kb) as h:
        await h.say("my selfie keeps failing")
        await h.press(h.labels()[0])
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert any(line.startswith("update ") and "replies=" in line for line in lines), lines
    assert any(line.startswith("turn telegram event=") for line in lines), lines
    assert not [line for line in lines if str(CHAT) in line]
