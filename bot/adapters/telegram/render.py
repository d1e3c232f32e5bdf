"""Replies as Telegram messages: HTML-escaped text cut to Telegram's limit, inline keyboards.

    Reply(text, button rows) --render--> [(HTML text, keyboard on the last chunk or None), ...]

Telegram counts a message's length in UTF-16 code units after entity parsing (`TEXT_LIMIT`);
a longer reply is cut at paragraph, then line, then word breaks, never inside a word unless a
word alone is too long.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.events import Button, Reply
from bot.knowledge.contract import CALLBACK_DATA_LIMIT

log = logging.getLogger(__name__)

#: Telegram's limit on a message's text, counted in UTF-16 code units after entity parsing
TEXT_LIMIT = 4096

Rendered = tuple[str, InlineKeyboardMarkup | None]


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


def render(reply: Reply) -> list[Rendered]:
    """Return the (HTML text, keyboard) messages for one reply; the keyboard goes on the last."""
    chunks = split_text(reply.text)
    if not chunks:
        if reply.buttons:
            log.error("dropping a reply with buttons but no text")
        return []
    keyboard = render_keyboard(reply.buttons)
    messages: list[Rendered] = [(html.escape(chunk, quote=False), None) for chunk in chunks]
    messages[-1] = (messages[-1][0], keyboard)
    return messages
