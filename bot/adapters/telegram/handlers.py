"""The two update handlers (any message, a button press) and the error handler.

    private message --events_for--> Service.commit (one turn per event) --> delivery in the
                                     background (`bot.adapters.telegram.replies`)
    button press    --answer the query--> Service.commit(ButtonPress, once=the pressed message)
                     --> the first reply edits the pressed message (one chat call a press)
    admin command   --bot.app.admin--> one answer;  group message --> "talk to me in private"

A handler returns once its turns are committed (the update may then be acknowledged); replies
go out afterwards, from the outbox. One chat's updates are handled one at a time, in order;
chats in parallel. Photos and files are never downloaded; where Telegram allows, the user's
message carrying one is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.inbound import (
    DELETE_KINDS,
    EVENTS_PER_UPDATE,
    describe,
    events_for,
    keyboard_version,
    parse_command,
)
from bot.app.admin import ADMIN_COMMANDS
from bot.core.events import Attachment, ButtonPress, Command, Event, Reply
from bot.shared.errors import RecipientGone
from bot.shared.locks import KeyedLock
from bot.shared.logtext import Plain

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.adapters.telegram.outbound import Outbound
    from bot.adapters.telegram.replies import Edit, Replies
    from bot.adapters.telegram.service import ServiceLike
    from bot.app.admin import Admin
    from bot.app.config import Settings
    from bot.app.service import Turn
    from bot.knowledge.model import KnowledgeBase

log = logging.getLogger(__name__)

CHANNEL = "telegram"
GROUP_REPLY_COOLDOWN = 300.0  # seconds between "talk to me in private" replies in one group
PRESSED_REMEMBERED = 10_000  # pressed messages remembered against double taps


class Handlers:
    """The handlers of `TelegramBot` (a mixin: the bot holds what they use)."""

    settings: Settings
    kb: KnowledgeBase
    service: ServiceLike | None
    admin: Admin | None
    application: Application | None
    outbound: Outbound | None
    replies: Replies | None

    def _init_handlers(self) -> None:
        self._chat_lock = KeyedLock()  # one chat's turns in order; chats in parallel
        self._pressed: OrderedDict[tuple[int, int, str], None] = OrderedDict()
        self._group_replied: dict[int, float] = {}
        self._deliveries: set[asyncio.Task[int]] = set()  # replies being sent

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
                assert self.outbound is not None
                await self.outbound.delete_quietly(chat.id, message.message_id)
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
        log.info(  # no chat id: the line is written for every update without redaction
            Plain("update %d %s%s replies=%d %.0fms"),
            update.update_id,
            "admin " if admin else "",
            "+".join(describe(e) for e in events),
            replies,
            (time.monotonic() - started) * 1000,
        )

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button press: answer it (not a chat call), then run its turn; the first
        reply replaces the pressed message, text and keyboard (`bot.adapters.telegram.replies`)."""
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
        key = (chat.id, message.message_id, keyboard_version(message, query.data))
        async with self._chat_lock(chat.id):
            if key in self._pressed:
                log.info(
                    "update %d chat=%d button on a used message ignored", update.update_id, chat.id
                )
                return
            self._remember_pressed(key)
            lang = query.from_user.language_code if query.from_user else None
            input_id = update.update_id * EVENTS_PER_UPDATE
            # a double tap may reach two instances: the pressed keyboard is remembered with the turn
            once = f"press:{chat.id}:{message.message_id}:{key[2]}"
            replies = await self._handle(
                chat.id, ButtonPress(query.data), lang, input_id, once, pressed=message.message_id
            )
        log.info(
            Plain("update %d button replies=%d %.0fms"),
            update.update_id,
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
        assert self.outbound is not None
        try:
            await self.outbound.send(message.chat_id, html.escape(text, quote=False), None)
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

    async def _admin(self, chat_id: int, command: Command, lang: str | None) -> int:
        """Answer an admin command (`bot.app.admin`); return how many messages went out."""
        assert self.admin is not None and self.replies is not None
        text = await self.admin.answer(command.name, lang)
        try:
            return await self.replies.send_all(chat_id, [Reply(text)])
        except RecipientGone:
            log.info("chat=%d left while we replied", chat_id)
            return 0

    async def _handle(
        self,
        chat_id: int,
        event: Event,
        lang: str | None,
        input_id: int,
        once: str | None = None,
        *,
        pressed: int | None = None,
    ) -> int:
        """Commit one event's turn, then send its replies in the background (from the outbox);
        return how many replies it has. An input id handled before runs nothing. The first reply
        to a press on message `pressed` is shown by editing that message."""
        assert self.service is not None and self.replies is not None
        turn = await self.service.commit(
            CHANNEL, str(chat_id), event, lang=lang, update_id=input_id, once=once
        )
        edit = None
        if pressed is not None and turn.replies:
            edit = self.replies.edit_next(chat_id, pressed, turn.replies[0])
        elif pressed is not None and not turn.duplicate:
            await self._remove_keyboard(chat_id, pressed)  # nothing to show in its place
        task = asyncio.create_task(
            self._deliver(turn, chat_id, edit), name=f"kyc-helper:deliver:{chat_id}"
        )
        self._deliveries.add(task)
        task.add_done_callback(self._delivered)
        return len(turn.replies)

    async def _deliver(self, turn: Turn, chat_id: int, edit: Edit | None) -> int:
        assert self.service is not None and self.replies is not None
        try:
            return await self.service.deliver(turn)
        finally:
            if edit is not None:  # its reply went elsewhere (another instance) or not at all
                self.replies.forget_edit(chat_id, edit)

    async def _remove_keyboard(self, chat_id: int, message_id: int) -> None:
        assert self.application is not None
        with contextlib.suppress(TelegramError):
            await self.application.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=None
            )

    def _delivered(self, task: asyncio.Task[int]) -> None:
        self._deliveries.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery failed: %r", task.exception(), exc_info=task.exception())

    def _remember_pressed(self, key: tuple[int, int, str]) -> None:
        self._pressed[key] = None
        while len(self._pressed) > PRESSED_REMEMBERED:
            self._pressed.popitem(last=False)
