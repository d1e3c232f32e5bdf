"""The service's sender on Telegram: replies rendered and sent in order, one chat at a time.

    Service.deliver / scheduler --(chat, replies)--> Replies.send --render--> Outbound.send

The service marks each reply sent once this returns; a user who blocked the bot raises
RecipientGone (the service marks them inactive).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.adapters.telegram.outbound import Outbound
from bot.adapters.telegram.render import render
from bot.core.events import Reply


class Replies:
    """Send replies through one `Outbound`."""

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    async def send(self, user_id: str, replies: list[Reply]) -> None:
        """Send replies (the service's sender: it keeps each chat's order and marks them sent
        once this returns); raise RecipientGone if the user blocked us."""
        await self.send_all(int(user_id), replies)

    async def send_all(self, chat_id: int, replies: Sequence[Reply]) -> int:
        """Send each reply (a long one in several messages); return how many messages went."""
        sent = 0
        for reply in replies:
            for text, keyboard in render(reply):
                await self.outbound.send(chat_id, text, keyboard)
                sent += 1
        return sent
