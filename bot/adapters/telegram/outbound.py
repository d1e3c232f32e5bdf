"""Calls that show something in a chat: one at a time, waiting out 429s, retrying network errors.

    send(chat, HTML text, keyboard)          --sendMessage-->     Telegram
    edit(chat, message, HTML text, keyboard) --editMessageText--> Telegram (False: refused)
        429 RetryAfter: wait as asked (MAX_RETRY_AFTER_WAITS times, after AIORateLimiter's own)
        network error: retry after NETWORK_RETRY_DELAYS;  403 / "chat not found": RecipientGone

Whole-bot pacing (30 messages/s) is python-telegram-bot's `AIORateLimiter`, set up with the
Application (`bot.adapters.telegram.bot`).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.shared.errors import RecipientGone

log = logging.getLogger(__name__)

NETWORK_RETRY_DELAYS = (1.0, 4.0, 15.0)  # backoff for calls that hit network errors
MAX_RETRY_AFTER_WAITS = 3  # 429s we wait out ourselves after AIORateLimiter's own retries
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, whatever PTB's timedelta setting."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Refused(Exception):
    """Telegram answered 400 to a call (after `retried` network failures of the same call)."""

    def __init__(self, error: BadRequest, retried: int) -> None:
        super().__init__(error.message)
        self.error = error
        self.message = error.message
        self.retried = retried


class Outbound:
    """Send, edit and delete messages through one `telegram.Bot`."""

    def __init__(self, bot: Bot, retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS) -> None:
        self.bot = bot
        self.retry_delays = tuple(retry_delays)

    async def send(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Send one message (HTML); a 400 answer is raised as BadRequest."""
        try:
            await self._retrying(chat_id, "send", lambda: self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                link_preview_options=NO_PREVIEW,
            ))  # fmt: skip
        except Refused as exc:
            raise exc.error from None

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None
    ) -> bool:
        """Replace a message's text and keyboard; return False when Telegram refuses the edit
        (message too old or gone, not modified, ...): the caller sends instead."""
        try:
            await self._retrying(chat_id, "edit", lambda: self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML,
                reply_markup=keyboard, link_preview_options=NO_PREVIEW,
            ))  # fmt: skip
        except Refused as exc:
            if exc.retried and "not modified" in exc.message.lower():
                return True  # the attempt that timed out had gone through
            log.info("chat=%d edit refused (%s); sending instead", chat_id, exc.message)
            return False
        return True

    async def delete_quietly(self, chat_id: int, message_id: int) -> None:
        """Delete a message; log (never raise) when Telegram refuses."""
        try:
            await self.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.info("chat=%d could not delete an attachment: %s", chat_id, exc)

    async def _retrying(self, chat_id: int, what: str, call: Callable[[], Awaitable[Any]]) -> None:
        """Make `call`: wait out 429s, retry network errors with backoff, map 403 and a gone
        chat to RecipientGone, and any other 400 to Refused."""
        waits = failures = 0
        while True:
            try:
                await call()
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
                raise Refused(exc, failures) from exc
            except NetworkError as exc:  # includes TimedOut
                if failures >= len(self.retry_delays):
                    raise
                delay = self.retry_delays[failures]
                failures += 1
                log.warning(
                    "chat=%d %s failed (%s); retry %d in %.1fs", chat_id, what, exc, failures, delay
                )
                await asyncio.sleep(delay)
