"""Sending to Telegram: one message at a time, waiting out 429s and retrying network errors.

    send(chat, HTML text, keyboard) --sendMessage--> Telegram
        429 RetryAfter: wait as asked (MAX_RETRY_AFTER_WAITS times, after AIORateLimiter's own)
        network error: retry after NETWORK_RETRY_DELAYS;  403 / "chat not found": RecipientGone

Whole-bot pacing (30 messages/s) is python-telegram-bot's `AIORateLimiter`, set up with the
Application (`bot.adapters.telegram.bot`).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.shared.errors import RecipientGone

log = logging.getLogger(__name__)

NETWORK_RETRY_DELAYS = (1.0, 4.0, 15.0)  # backoff for sends that hit network errors
MAX_RETRY_AFTER_WAITS = 3  # 429s we wait out ourselves after AIORateLimiter's own retries


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, whatever PTB's timedelta setting."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Outbound:
    """Send, edit and delete messages through one `telegram.Bot`."""

    def __init__(self, bot: Bot, retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS) -> None:
        self.bot = bot
        self.retry_delays = tuple(retry_delays)

    async def send(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Send one message: wait out 429s, retry network errors with backoff, map 403."""
        waits = failures = 0
        while True:
            try:
                await self.bot.send_message(
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

    async def delete_quietly(self, chat_id: int, message_id: int) -> None:
        """Delete a message; log (never raise) when Telegram refuses."""
        try:
            await self.bot.delete_message(chat_id, message_id)
        except TelegramError as exc:
            log.info("chat=%d could not delete an attachment: %s", chat_id, exc)
