"""Telegram messages as engine events, and how to log them without the user's words.

    Message --events_for--> [Command | TextMessage | Attachment (+ its caption), ...]
"""

from __future__ import annotations

import hashlib
from typing import Any

from telegram import Message
from telegram.constants import MessageEntityType

from bot.core.events import Attachment, ButtonPress, Command, Event, TextMessage

#: events one update can carry (an attachment and its caption): each gets its own input id
EVENTS_PER_UPDATE = 4
#: message parts that may show a document or a face: deleted after reading their kind
DELETE_KINDS = ("photo", "document", "video")


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


def keyboard_version(message: Any, data: str) -> str:
    """Name the keyboard a button was pressed on (a short hash of its buttons' data).

    A pressed message is edited into the reply, with the reply's keyboard: the same message
    can be pressed again, on its new buttons, while a double tap on the old ones is still the
    same press. Without the message's keyboard, the pressed button's data stands in."""
    markup = getattr(message, "reply_markup", None)
    rows = getattr(markup, "inline_keyboard", None) or ()
    buttons = [str(b.callback_data) for row in rows for b in row if b.callback_data] or [data]
    # the text too: one step's "Next" and the next step's carry the same data, and pressing
    # them one after the other is two presses, not a double tap
    shown = str(getattr(message, "text", None) or "")
    return hashlib.blake2b("\x1f".join([shown, *buttons]).encode(), digest_size=6).hexdigest()
