"""The service's sender on Telegram: one chat call per message the user sees, as few as fit.

    Service.deliver / scheduler --(chat, a turn's unsent replies)--> Replies.send
        --> one message: the first reply, joined with the next ones where they fit
        --> the pressed message edited into it (a button press's first reply), else sent

- **Joined**: replies of one turn (e.g. a diagnosis, then the first fix step) travel as one
  message, joined with a blank line, when together they fit `TEXT_LIMIT` and only the last has
  buttons. `send` returns how many replies that message carried; the service marks exactly
  those sent, then calls again with the rest.
- **Edited**: the first reply to a button press replaces the pressed message (text and
  keyboard, editMessageText), so a press costs one chat call and its buttons cannot be pressed
  twice. If Telegram refuses the edit (message too old, deleted, not modified...) the reply is
  sent as a new message instead. An edit that timed out and then is "not modified" had gone
  through.

Callback answers (answerCallbackQuery) are not chat calls and are not sent from here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.adapters.telegram.outbound import Outbound
from bot.adapters.telegram.render import TEXT_LIMIT, render, utf16_len
from bot.core.events import Reply

log = logging.getLogger(__name__)

#: what joins two replies in one message
JOINER = "\n\n"


@dataclass(frozen=True)
class Edit:
    """Show `reply` by editing the pressed message `message_id` (instead of sending it)."""

    message_id: int
    reply: Reply


def joined(replies: Sequence[Reply], limit: int = TEXT_LIMIT) -> tuple[Reply, int]:
    """Return the message for the first replies and how many it carries: the first alone, or
    joined with the following ones while the text fits `limit` and only the last has buttons."""
    first = replies[0]
    text, count = first.text.strip(), 1
    if first.buttons or not text:
        return first, 1
    for reply in replies[1:]:
        more = reply.text.strip()
        if not more or utf16_len(text) + utf16_len(JOINER) + utf16_len(more) > limit:
            break
        text, count = text + JOINER + more, count + 1
        if reply.buttons:
            return Reply(text, reply.buttons, first.keys + reply.keys), count
    if count == 1:
        return first, 1
    return Reply(text, (), tuple(k for r in replies[:count] for k in r.keys)), count


class Replies:
    """Send replies through one `Outbound`, joining and editing where Telegram allows."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound
        #: per chat: the pressed message its next reply edits (set by the button handler)
        self._edits: dict[int, Edit] = {}

    def edit_next(self, chat_id: int, message_id: int, reply: Reply) -> Edit:
        """Show `reply` (a press's first reply) in the pressed message when it is sent."""
        edit = self._edits[chat_id] = Edit(message_id, reply)
        return edit

    def forget_edit(self, chat_id: int, edit: Edit) -> None:
        """Drop `edit` if its reply was not sent (sent elsewhere, or not at all)."""
        if self._edits.get(chat_id) is edit:
            del self._edits[chat_id]

    async def send(self, user_id: str, replies: list[Reply]) -> int:
        """Send the first of `replies` (and the following ones it can carry) as one message;
        return how many replies went. The service marks those sent and calls again with the
        rest. Raise RecipientGone if the user blocked us."""
        chat_id = int(user_id)
        reply, count = joined(replies)
        edit = self._edits.get(chat_id)
        if edit is not None and _same(edit.reply, replies[0]):
            del self._edits[chat_id]
            await self._show(chat_id, reply, edit.message_id)
        else:
            await self._show(chat_id, reply, None)
        return count

    async def send_all(self, chat_id: int, replies: Sequence[Reply]) -> int:
        """Send each reply as its own message(s), never editing; return how many messages went."""
        sent = 0
        for reply in replies:
            sent += await self._show(chat_id, reply, None)
        return sent

    async def _show(self, chat_id: int, reply: Reply, edit: int | None) -> int:
        """Send one reply (a long one in several messages, the first perhaps as an edit)."""
        messages = render(reply)
        for i, (text, keyboard) in enumerate(messages):
            if i == 0 and edit is not None and await self.outbound.edit(
                chat_id, edit, text, keyboard
            ):
                continue
            await self.outbound.send(chat_id, text, keyboard)
        return len(messages)


def _same(a: Reply, b: Reply) -> bool:
    return a.text == b.text and a.buttons == b.buttons
