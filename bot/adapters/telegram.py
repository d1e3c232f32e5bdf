"""Telegram adapter: translate Telegram updates into engine events and replies into messages.

    Telegram --update--> Poller | WebhookServer --> on_message / on_callback
        --event--> Service.commit (turn + replies in the outbox; the update is acknowledged)
        --> Service.deliver --> send_replies (marked sent once Telegram accepted them)
    Service scheduler --unsent replies, follow-ups--> send_replies (403 -> RecipientGone)

It holds no dialogue logic and no wording: every text comes from the service's replies or from
`knowledge/`. One message handler and one callback handler; private chats only. Photos and
files are never downloaded; where Telegram allows, the user's message carrying one is deleted.

Admin commands (`/reload`, `/report`, `/unmatched`) answer only users in ADMIN_USER_IDS and
appear only in their command menu; anyone else's goes to the engine like any unknown command,
so the answer gives nothing away. SIGHUP reloads the knowledge base too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import os
import signal
import time
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CollectorRegistry
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters.telegram_updates import Poller, WebhookServer, with_retries
from bot.app.admin import ADMIN_COMMANDS, Admin, ReloadResult
from bot.app.config import SecretMasker, Settings, is_postgres_url, load_settings
from bot.core.events import Attachment, Button, ButtonPress, Command, Event, Reply, TextMessage
from bot.knowledge.contract import CALLBACK_DATA_LIMIT, COMMANDS
from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase
from bot.shared.errors import ConfigError, RecipientGone
from bot.shared.locks import KeyedLock

if TYPE_CHECKING:
    from bot.app.service import Turn

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Telegram's limit on a message's text, counted in UTF-16 code units after entity parsing
TEXT_LIMIT = 4096
POLL_TIMEOUT = 30.0  # seconds a getUpdates long poll may wait
#: seconds of the long poll that checks, before polling starts, that no other instance polls:
#: a running instance whose poll our request ends polls again within ~1 s, which ends ours
#: with 409 Conflict (python-telegram-bot retries a failed poll after 1 s)
PROBE_TIMEOUT = 3.0
SCHEDULER_INTERVAL = 30.0  # seconds between follow-up passes
#: share of the send limit a draining backlog of follow-ups may use; the rest is live replies'
FOLLOWUP_SHARE = 0.9
BOOTSTRAP_RETRIES = 5  # startup attempts on network errors (a bad token fails at once)
NETWORK_RETRY_DELAYS = (1.0, 4.0, 15.0)  # backoff for sends that hit network errors
MAX_RETRY_AFTER_WAITS = 3  # 429s we wait out ourselves after AIORateLimiter's own retries
GROUP_REPLY_COOLDOWN = 300.0  # seconds between "talk to me in private" replies in one group
ALLOWED_UPDATES = ("message", "callback_query")
#: events one update can carry (an attachment and its caption): each gets its own input id
EVENTS_PER_UPDATE = 4
#: message parts that may show a document or a face: deleted after reading their kind
DELETE_KINDS = ("photo", "document", "video")
COMMAND_DESCRIPTION_LIMIT = 256

Clock = Callable[[], datetime]


class ServiceLike(Protocol):
    """What the adapter needs from `bot.app.service.Service`."""

    #: this instance's name in claims on outgoing messages and follow-ups
    owner: str
    #: follow-ups sent per second at most while a backlog drains (0: no pace)
    followup_rate: float

    @property
    def kb(self) -> KnowledgeBase: ...

    async def commit(
        self,
        channel: str,
        user_id: str,
        event: Event,
        *,
        lang: str | None = None,
        update_id: int | None = None,
        once: str | None = None,
    ) -> Turn: ...

    async def deliver(self, turn: Turn) -> int: ...

    def register_sender(
        self, channel: str, send: Callable[[str, list[Reply]], Awaitable[None]]
    ) -> None: ...

    def reload(self, kb: KnowledgeBase) -> None: ...

    async def run_scheduler(self, stop: asyncio.Event, interval: float = 30.0) -> None: ...

    async def close(self) -> None: ...


ServiceFactory = Callable[[KnowledgeBase, str, Clock | None], Awaitable[ServiceLike]]


async def open_service(kb: KnowledgeBase, db_path: str, clock: Clock | None) -> ServiceLike:
    """Open the real service (it migrates the store) on `db_path`."""
    from bot.app.service import Service

    if clock is None:
        return await Service.open(kb, db_path)
    return await Service.open(kb, db_path, clock)


# -- rendering -------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_SEPARATORS = ("\n\n", "\n", " ")


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split plain text into chunks of at most `limit`, at paragraph, line, then word breaks."""
    return [c for c in (c.rstrip().lstrip("\n") for c in _split(text, limit, 0)) if c]


def _split(text: str, limit: int, level: int) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _hard_split(text, limit)
    sep = _SEPARATORS[level]
    chunks: list[str] = []
    current: str | None = None
    for part in text.split(sep):
        if utf16_len(part) > limit:
            if current is not None:
                chunks.append(current)
                current = None
            chunks.extend(_split(part, limit, level + 1))
        elif current is None:
            current = part
        elif utf16_len(current) + utf16_len(sep) + utf16_len(part) <= limit:
            current += sep + part
        else:
            chunks.append(current)
            current = part
    if current is not None:
        chunks.append(current)
    return chunks


def _hard_split(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current, size = [], 0
    for char in text:
        width = utf16_len(char)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    chunks.append("".join(current))
    return chunks


def render_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Return the inline keyboard for a reply's button rows (None when it has none)."""
    keyboard: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = []
        for button in row:
            if not button.label or not 0 < len(button.data.encode()) <= CALLBACK_DATA_LIMIT:
                log.error(
                    "dropping button with empty label or bad data (%d bytes)",
                    len(button.data.encode()),
                )
                continue
            buttons.append(InlineKeyboardButton(button.label, callback_data=button.data))
        if buttons:
            keyboard.append(buttons)
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def render(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Return the (HTML text, keyboard) messages for one reply; the keyboard goes on the last."""
    chunks = split_text(reply.text)
    if not chunks:
        if reply.buttons:
            log.error("dropping a reply with buttons but no text")
        return []
    keyboard = render_keyboard(reply.buttons)
    messages = [(html.escape(chunk, quote=False), None) for chunk in chunks]
    messages[-1] = (messages[-1][0], keyboard)
    return messages


# -- reading updates ---------------------------------------------------------------------------


def attachment_kind(message: Message) -> str | None:
    """Return the ATTACHMENT_KINDS kind of a non-text message (None for a text message)."""
    if message.photo:
        return "photo"
    if message.sticker:
        return "sticker"
    if message.voice:
        return "voice"
    if message.video or message.video_note or message.animation:
        return "video"
    if message.document:
        return "document"
    if message.text is None:
        return "other"  # audio, contact, location, poll, dice...
    return None


def parse_command(message: Message) -> Command | None:
    """Return the command a message starts with (`/start@bot arg` -> Command("start", "arg"))."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            name = text[1 : entity.length].partition("@")[0].lower()
            return Command(name, text[entity.length :].strip())
    return None


def events_for(message: Message) -> list[Event]:
    """Translate a private message into engine events (an attachment's caption comes second)."""
    forwarded = message.forward_origin is not None
    kind = attachment_kind(message)
    if kind is not None:
        events: list[Event] = [Attachment(kind)]
        if message.caption and message.caption.strip():
            events.append(TextMessage(message.caption, forwarded=forwarded))
        return events
    if not forwarded:
        command = parse_command(message)
        if command is not None:
            return [command]
    return [TextMessage(message.text or "", forwarded=forwarded)]


def describe(event: Event) -> str:
    """Describe an event for the log without any of the user's words."""
    if isinstance(event, Command):
        return f"command:{event.name}"
    if isinstance(event, ButtonPress):
        return "button"
    if isinstance(event, Attachment):
        return f"attachment:{event.kind}"
    if isinstance(event, TextMessage):
        return f"{'forwarded' if event.forwarded else 'text'}({len(event.text)} chars)"
    return type(event).__name__


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, whatever PTB's timedelta setting."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# -- the bot -----------------------------------------------------------------------------------


class TelegramBot:
    """Run the service on Telegram: build the Application, serve updates, send follow-ups."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        *,
        open_service: ServiceFactory = open_service,
        clock: Clock | None = None,
        poll_timeout: float = POLL_TIMEOUT,
        probe_timeout: float = PROBE_TIMEOUT,
        scheduler_interval: float = SCHEDULER_INTERVAL,
        retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS,
    ) -> None:
        if not settings.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.kb = kb
        self._open_service = open_service
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.probe_timeout = probe_timeout
        self._polling = False
        self.scheduler_interval = scheduler_interval
        self.retry_delays = tuple(retry_delays)
        self.masker = SecretMasker(settings.secrets)
        self.service: ServiceLike | None = None
        self.admin: Admin | None = None  # the operators' commands, once the service is open
        self.application: Application | None = None
        self._stop_scheduler = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None
        self._chat_lock = KeyedLock()  # one chat's turns in order; chats in parallel
        self._pressed: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._group_replied: dict[int, float] = {}
        self._handle_signals = False
        self._reload_task: asyncio.Task[ReloadResult] | None = None
        self._receiver: Poller | WebhookServer | None = None
        self._processing = 0  # updates being processed
        self._deliveries: set[asyncio.Task[int]] = set()  # replies being sent

    # -- assembly -----------------------------------------------------------------------------

    def build_application(self) -> Application:
        """Build the PTB Application with our two handlers and error handler (no Updater: the
        adapter fetches updates itself, see `bot.adapters.telegram_updates`)."""
        self.masker.install()  # before PTB logs its URLs, which contain the token
        builder = (
            ApplicationBuilder()
            .token(self.settings.token or "")
            .updater(None)
        )
        if self.settings.rate_limit > 0:
            limiter = AIORateLimiter(overall_max_rate=self.settings.rate_limit, max_retries=2)
            builder = builder.rate_limiter(limiter)
        if self.settings.bot_base_url and self.settings.file_base_url:
            builder = builder.base_url(self.settings.bot_base_url).base_file_url(
                self.settings.file_base_url
            )
        app = builder.build()
        app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.on_message)
        )
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_error_handler(self.on_error)
        self.application = app
        return app

    def _receiver_for(self, app: Application, webhook: bool) -> Poller | WebhookServer:
        if not webhook:
            return Poller(
                app.bot,
                self.process_update,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        s = self.settings
        return WebhookServer(
            app.bot,
            self.process_update,
            listen=s.webhook_host,
            port=s.webhook_port,
            path=s.webhook_path,
            secret=s.webhook_secret,
            ready=self.readiness,
            registry=self.metrics_registry,
        )

    def run(self) -> None:
        """Serve until SIGINT/SIGTERM (blocking): webhook if configured, else long polling."""
        self._handle_signals = True
        mode = "webhook" if self.settings.use_webhook else "long polling"
        self._polling = not self.settings.use_webhook
        log.info("starting on Telegram (%s)", mode)
        asyncio.run(self._serve_until_stopped())

    async def _serve_until_stopped(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        async with self.running():
            await stop.wait()
        log.info("stop signal received; stopped after the updates in flight")

    @contextlib.asynccontextmanager
    async def running(self, *, webhook: bool | None = None) -> AsyncIterator[Application]:
        """Serve inside the current event loop until the block ends; then stop receiving, let
        the updates in flight commit and their replies go out, and close the store."""
        app = self.build_application()
        use_webhook = self.settings.use_webhook if webhook is None else webhook
        self._polling = not use_webhook
        try:
            await with_retries(app.initialize, BOOTSTRAP_RETRIES, "getMe")
            await self._post_init(app)
            await app.start()
            receiver = self._receiver_for(app, use_webhook)
            try:
                if isinstance(receiver, WebhookServer):
                    await receiver.start(
                        self.settings.webhook_url or "", ALLOWED_UPDATES, BOOTSTRAP_RETRIES
                    )
                else:
                    await receiver.start()
                self._receiver = receiver
                yield app
            finally:
                await receiver.stop()
                self._receiver = None
                await self.idle()
                if app.running:
                    await app.stop()
                await self._post_stop(app)
        finally:
            await app.shutdown()
            await self._post_shutdown(app)

    async def readiness(self) -> dict[str, bool]:
        """Return the readiness checks: the database answers, a knowledge base is loaded."""
        database = False
        ping = getattr(self.service, "ping", None)
        if ping is not None:
            try:
                database = bool(await ping())
            except Exception as exc:  # any failure means not ready; say why in the log
                log.warning("not ready: the database does not answer: %s", exc)
        return {"database": database, "knowledge": bool(self.kb.reasons)}

    def metrics_registry(self) -> CollectorRegistry:
        """Return the registry /metrics exposes: the service's."""
        metrics = getattr(self.service, "metrics", None)
        return metrics.registry if metrics is not None else CollectorRegistry()

    async def process_update(self, update: Update) -> None:
        """Handle one update; return once its turn is committed (replies may still be going out)."""
        assert self.application is not None
        self._processing += 1
        try:
            await self.application.process_update(update)
        finally:
            self._processing -= 1

    async def idle(self) -> None:
        """Wait until no update is being processed and every reply started has gone out."""
        while self._processing or self._deliveries:
            if self._deliveries:
                await asyncio.gather(*list(self._deliveries), return_exceptions=True)
            else:
                await asyncio.sleep(0.01)

    # -- lifecycle hooks ------------------------------------------------------------------------

    async def _post_init(self, app: Application) -> None:
        """Open the service, register the follow-up sender, publish commands, start the scheduler."""
        if self._polling:
            await self.check_no_other_poller(app)
        database = self.settings.database
        if not is_postgres_url(database):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        self.service = await self._open_service(self.kb, database, self.clock)
        self.service.owner = self.settings.instance  # its name in claims, stable across restarts
        self.service.followup_rate = FOLLOWUP_SHARE * max(0.0, self.settings.rate_limit)
        self.service.register_sender(CHANNEL, self.send_replies)
        self.admin = Admin(
            self.service,  # type: ignore[arg-type]
            self.settings.knowledge_dir,
            apply=self._apply,
            after_reload=lambda _: self.publish_commands(),
        )
        await self.publish_commands()
        self._stop_scheduler.clear()
        self._scheduler = asyncio.create_task(
            self.service.run_scheduler(self._stop_scheduler, self.scheduler_interval),
            name="kyc-helper:followups",
        )
        if self._handle_signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._reload_on_signal)
        log.info(
            "bot @%s ready; %d admin(s) may use /%s",
            app.bot.username, len(self.settings.admin_user_ids), ", /".join(ADMIN_COMMANDS),
        )  # fmt: skip

    async def check_no_other_poller(self, app: Application) -> None:
        """Refuse to poll (ConfigError) when another instance polls, or a webhook is set.

        One long poll of `probe_timeout`, confirming nothing: if another instance is polling
        with this token, our request ends its poll, its next poll ends ours, and Telegram
        answers 409 Conflict. Polling would otherwise delete another deployment's webhook.
        """
        try:
            await app.bot.get_updates(
                timeout=self.probe_timeout, limit=1, allowed_updates=list(ALLOWED_UPDATES)
            )
        except Conflict as exc:
            if "webhook" in exc.message.lower():
                raise ConfigError(
                    "a webhook is set for this bot token (Telegram answered 409 Conflict): "
                    "another deployment receives its updates; set WEBHOOK_URL to join it, "
                    "or delete that webhook first"
                ) from None
            raise ConfigError(
                "another instance is already polling Telegram with this bot token (Telegram "
                "answered 409 Conflict): stop it, or run several instances with WEBHOOK_URL"
            ) from None

    async def _post_stop(self, app: Application) -> None:
        """Stop the follow-up scheduler after the last in-flight update has been handled."""
        await self._stop_followups()

    async def _post_shutdown(self, app: Application) -> None:
        """Close the service (and its database)."""
        await self._stop_followups()  # in case start-up failed half-way
        if self.service is not None:
            await self.service.close()
            self.service = None
        log.info("stopped")
        self.masker.uninstall()

    def _reload_on_signal(self) -> None:
        """Reload the knowledge base in the background (SIGHUP)."""
        self._reload_task = asyncio.create_task(self.reload_knowledge(), name="kyc-helper:reload")

    async def _stop_followups(self) -> None:
        self._stop_scheduler.set()
        if self._scheduler is not None:
            try:
                await self._scheduler
            except Exception:
                log.exception("the follow-up scheduler failed")
            self._scheduler = None

    async def publish_commands(self) -> None:
        """Set the command menus: everyone's, and each admin's with the admin commands added."""
        assert self.application is not None
        texts = [*self.kb.commands.values()]
        texts += [self.kb.messages[f"admin_command_{name}"] for name in ADMIN_COMMANDS]
        langs = sorted({lang for text in texts for lang in text.by_lang} | {DEFAULT_LANG})
        # Chat scopes first: they matter only for admins, and a failure there (an admin who
        # never opened the bot: "chat not found") must not hold up everyone's menu.
        for admin_id in sorted(self.settings.admin_user_ids):
            for lang in langs:
                menu = self._menu(lang) + self._admin_menu(lang)
                if not await self._set_menu(menu, lang, BotCommandScopeChat(admin_id)):
                    break
        for lang in langs:
            await self._set_menu(self._menu(lang), lang)

    def _menu(self, lang: str) -> list[BotCommand]:
        return [
            BotCommand(name, self.kb.commands[name].get(lang))
            for name in COMMANDS
            if name in self.kb.commands
        ]

    def _admin_menu(self, lang: str) -> list[BotCommand]:
        assert self.admin is not None
        return [
            BotCommand(name, text[:COMMAND_DESCRIPTION_LIMIT])
            for name, text in self.admin.menu(lang)
        ]

    async def _set_menu(
        self, commands: list[BotCommand], lang: str, scope: BotCommandScopeChat | None = None
    ) -> bool:
        """Set one command menu; log and return False if Telegram refuses it."""
        assert self.application is not None
        try:
            await self.application.bot.set_my_commands(
                commands, scope=scope, language_code=None if lang == DEFAULT_LANG else lang
            )
        except TelegramError as exc:
            where = f"admin chat {scope.chat_id}" if scope is not None else "everyone"
            log.warning("could not set the command menu (%s, %s): %s", where, lang, exc)
            return False
        return True

    async def reload_knowledge(self) -> ReloadResult:
        """Reload the knowledge base; keep the running one if the new one has errors."""
        assert self.admin is not None
        return await self.admin.reload()

    def _apply(self, kb: KnowledgeBase) -> None:
        if self.service is not None:
            self.service.reload(kb)
        self.kb = kb

    # -- handlers ------------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle any new message: private ones go to the service, groups get a pointer."""
        message, chat, user = update.message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        lang = user.language_code if user else None
        if chat.type != ChatType.PRIVATE:
            await self._on_group_message(message, lang)
            return
        started = time.monotonic()
        events = events_for(message)
        if events and isinstance(events[0], Attachment):
            kind = events[0].kind
            if kind in DELETE_KINDS:
                await self._delete_quietly(chat.id, message.message_id)
        command = events[0] if events and isinstance(events[0], Command) else None
        admin = command is not None and command.name in ADMIN_COMMANDS and self._is_admin(user)
        replies = 0
        async with self._chat_lock(chat.id):
            if admin:
                assert command is not None
                replies = await self._admin(chat.id, command, lang)
            else:
                for index, event in enumerate(events):
                    input_id = update.update_id * EVENTS_PER_UPDATE + index
                    replies += await self._handle(chat.id, event, lang, input_id)
        log.info(
            "update %d chat=%d %s%s replies=%d %.0fms",
            update.update_id,
            chat.id,
            "admin " if admin else "",
            "+".join(describe(e) for e in events),
            replies,
            (time.monotonic() - started) * 1000,
        )

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button press: answer it, remove the pressed keyboard, then reply."""
        query = update.callback_query
        if query is None:
            return
        with contextlib.suppress(TelegramError):
            await query.answer()
        message = query.message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != ChatType.PRIVATE or not query.data:
            return
        started = time.monotonic()
        key = (chat.id, message.message_id)
        async with self._chat_lock(chat.id):
            if key in self._pressed:
                log.info(
                    "update %d chat=%d button on a used message ignored", update.update_id, chat.id
                )
                return
            self._remember_pressed(key)
            with contextlib.suppress(TelegramError):
                await context.bot.edit_message_reply_markup(
                    chat_id=chat.id, message_id=message.message_id, reply_markup=None
                )
            lang = query.from_user.language_code if query.from_user else None
            input_id = update.update_id * EVENTS_PER_UPDATE
            # a double tap may reach two instances: the pressed message is remembered with the turn
            once = f"press:{chat.id}:{message.message_id}"
            replies = await self._handle(chat.id, ButtonPress(query.data), lang, input_id, once)
        log.info(
            "update %d chat=%d button replies=%d %.0fms",
            update.update_id,
            chat.id,
            replies,
            (time.monotonic() - started) * 1000,
        )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log an error in one line (network trouble) or with its traceback (a bug)."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Conflict):
            log.warning(
                "Telegram answered 409 Conflict (%s): is another instance polling with this"
                " token?",
                error.message,
            )
        elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            log.warning("update %s: Telegram unreachable: %s", update_id, error)
        elif isinstance(error, RetryAfter):
            log.warning("update %s: flood control: %s", update_id, error)
        else:
            log.error("update %s failed: %r", update_id, error, exc_info=error)

    async def _on_group_message(self, message: Message, lang: str | None) -> None:
        """Point people to a private chat, when addressed, at most once per cooldown."""
        if not self._addressed(message):
            return
        now = time.monotonic()
        last = self._group_replied.get(message.chat_id)
        if last is not None and now - last < GROUP_REPLY_COOLDOWN:
            return
        self._group_replied[message.chat_id] = now
        text = self.kb.message("group_chat", lang)
        try:
            await self._send(message.chat_id, html.escape(text, quote=False), None)
        except (TelegramError, RecipientGone) as exc:
            log.info("group chat=%d reply failed: %s", message.chat_id, exc)

    def _addressed(self, message: Message) -> bool:
        """Say whether a group message is a command for us, mentions us, or replies to us."""
        assert self.application is not None
        bot = self.application.bot
        username = (bot.username or "").lower()
        text = message.text or message.caption or ""
        command = parse_command(message)
        if command is not None:
            target = text.split()[0].partition("@")[2].lower()
            return not target or target == username
        if username and f"@{username}" in text.lower():
            return True
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == bot.id)

    def _is_admin(self, user: Any) -> bool:
        return user is not None and user.id in self.settings.admin_user_ids

    # -- admin commands --------------------------------------------------------------------------

    async def _admin(self, chat_id: int, command: Command, lang: str | None) -> int:
        """Answer an admin command (`bot.app.admin`); return how many messages went out."""
        assert self.admin is not None
        text = await self.admin.answer(command.name, lang)
        try:
            return await self._send_all(chat_id, [Reply(text)])
        except RecipientGone:
            log.info("chat=%d left while we replied", chat_id)
            return 0

    # -- sending -------------------------------------------------------------------------------

    async def _handle(
        self, chat_id: int, event: Event, lang: str | None, input_id: int, once: str | None = None
    ) -> int:
        """Commit one event's turn, then send its replies in the background (from the outbox);
        return how many replies it has. An input id handled before runs nothing."""
        assert self.service is not None
        turn = await self.service.commit(
            CHANNEL, str(chat_id), event, lang=lang, update_id=input_id, once=once
        )
        task = asyncio.create_task(self.service.deliver(turn), name=f"kyc-helper:deliver:{chat_id}")
        self._deliveries.add(task)
        task.add_done_callback(self._delivered)
        return len(turn.replies)

    def _delivered(self, task: asyncio.Task[int]) -> None:
        self._deliveries.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery failed: %r", task.exception(), exc_info=task.exception())

    async def _send_all(self, chat_id: int, replies: Sequence[Reply]) -> int:
        sent = 0
        for reply in replies:
            for text, keyboard in render(reply):
                await self._send(chat_id, text, keyboard)
                sent += 1
        return sent

    async def send_replies(self, user_id: str, replies: list[Reply]) -> None:
        """Send replies (the service's sender: it keeps each chat's order and marks them sent
        once this returns); raise RecipientGone if the user blocked us."""
        await self._send_all(int(user_id), replies)

    async def _send(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Send one message: wait out 429s, retry network errors with backoff, map 403."""
        assert self.application is not None
        bot = self.application.bot
        waits = failures = 0
        while True:
            try:
                await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                return
            except Forbidden as exc:
                raise RecipientGone(f"chat {chat_id}: {exc.message}") from exc
            except RetryAfter as exc:
                waits += 1
                if waits > MAX_RETRY_AFTER_WAITS:
                    raise
                delay = retry_after_seconds(exc)
                log.warning("chat=%d flood control: waiting %.1fs", chat_id, delay)
                await asyncio.sleep(delay)
            except BadRequest as exc:
                if "chat not found" in exc.message.lower():
                    raise RecipientGone(f"chat {chat_id}: {exc.message}") from exc
                raise
            except NetworkError as exc:  # includes TimedOut
                if failures >= len(self.retry_delays):
                    raise
                delay = self.retry_delays[failures]
                failures += 1
                log.warning(
                    "chat=%d send failed (%s); retry %d in %.1fs", chat_id, exc, failures, delay
                )
                await asyncio.sleep(delay)

    async def _delete_quietly(self, chat_id: int, message_id: int) -> None:
        assert self.application is not None
        try:
            await self.application.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.info("chat=%d could not delete an attachment: %s", chat_id, exc)

    def _remember_pressed(self, key: tuple[int, int], limit: int = 10_000) -> None:
        self._pressed[key] = None
        while len(self._pressed) > limit:
            self._pressed.popitem(last=False)


# -- command -----------------------------------------------------------------------------------


def start_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Load the knowledge base and serve on Telegram until stopped."""
    from bot.app.knowledge import load_knowledge

    # the CLI's --knowledge/--db already default to KNOWLEDGE_DIR/DATABASE_PATH (.env included)
    settings = settings.with_paths(
        knowledge_dir=getattr(args, "knowledge", None), database_path=getattr(args, "db", None)
    )
    # Opt in to PTB's future durations (timedelta) now; retry_after_seconds() reads both kinds.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if (
        settings.log_level
        and not getattr(args, "log_level", None)
        and "LOG_LEVEL" not in os.environ
    ):
        logging.getLogger().setLevel(settings.log_level)  # LOG_LEVEL came from .env
    kb = load_knowledge(settings.knowledge_dir)  # KnowledgeError: cli prints every problem, exit 2
    bot = TelegramBot(settings, kb, scheduler_interval=settings.followup_interval)
    try:
        bot.run()
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram refused TELEGRAM_BOT_TOKEN (unauthorized): check it with @BotFather"
        ) from exc
    except NetworkError as exc:
        where = settings.api_base_url or "api.telegram.org"
        raise ConfigError(
            f"cannot reach the Bot API at {where} ({exc.message}): check the network"
            " and TELEGRAM_API_BASE_URL"
        ) from exc
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """`python -m bot telegram`: serve on Telegram; exit 2 on a missing or bad setting."""
    return start_telegram(args, load_settings())
