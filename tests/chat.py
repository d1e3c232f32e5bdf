"""A test driver that chats with the real Service (engine + SQLite) on a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.service import Service
from bot.core.events import Attachment, ButtonPress, Command, Event, Reply, TextMessage
from bot.knowledge.model import KnowledgeBase

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Chat:
    """One user talking to the bot; `last` holds the replies of the latest turn."""

    service: Service
    clock: FrozenClock
    user: str = "u1"
    channel: str = "test"
    last: list[Reply] = field(default_factory=list)
    outbox: list[tuple[str, list[Reply]]] = field(default_factory=list)

    @classmethod
    async def open(cls, kb: KnowledgeBase, db: Path, user: str = "u1", clock: FrozenClock | None = None) -> Chat:
        clock = clock or FrozenClock()
        service = await Service.open(kb, str(db), clock)
        chat = cls(service, clock, user)
        service.register_sender(chat.channel, chat._deliver)
        return chat

    async def _deliver(self, user_id: str, replies: list[Reply]) -> None:
        self.outbox.append((user_id, replies))

    async def close(self) -> None:
        await self.service.close()

    async def send(self, event: Event, lang: str | None = None) -> list[Reply]:
        self.last = await self.service.handle(self.channel, self.user, event, lang=lang)
        return self.last

    async def say(self, text: str, forwarded: bool = False, lang: str | None = None) -> list[Reply]:
        return await self.send(TextMessage(text, forwarded), lang=lang)

    async def command(self, name: str, arg: str = "") -> list[Reply]:
        return await self.send(Command(name, arg))

    async def attach(self, kind: str) -> list[Reply]:
        return await self.send(Attachment(kind))

    def buttons(self, replies: list[Reply] | None = None) -> list[str]:
        return [b.label for r in (replies if replies is not None else self.last) for row in r.buttons for b in row]

    def ids(self, replies: list[Reply] | None = None) -> list[str]:
        """The message keys the replies were made from (`Reply.keys`), outermost first."""
        return [k for r in (replies if replies is not None else self.last) for k in r.keys]

    def button_keys(self, replies: list[Reply] | None = None) -> list[str]:
        """What the buttons are (`Button.key`), whatever their labels say."""
        return [b.key for r in (replies if replies is not None else self.last) for row in r.buttons for b in row]

    async def press_key(self, key: str) -> list[Reply]:
        """Press the button whose `key` is `key` (a buttons: key, topic:<id>, option:<n>...)."""
        found = [b.data for r in self.last for row in r.buttons for b in row if b.key == key]
        assert found, f"no button {key!r}; buttons: {self.button_keys()}"
        return await self.send(ButtonPress(found[0]))

    def data_for(self, label: str, replies: list[Reply] | None = None) -> str:
        found = [
            b.data
            for r in (replies if replies is not None else self.last)
            for row in r.buttons
            for b in row
            if label.lower() in b.label.lower()
        ]
        assert found, f"no button {label!r}; buttons: {self.buttons(replies)}"
        return found[0]

    async def press(self, label: str, replies: list[Reply] | None = None) -> list[Reply]:
        return await self.send(ButtonPress(self.data_for(label, replies)))

    async def tick(self, **kwargs: float) -> list[tuple[str, list[Reply]]]:
        """Move the clock and run the scheduler; return what it sent, by user."""
        self.clock.advance(**kwargs)
        self.outbox.clear()
        await self.service.run_due_followups()
        sent: list[tuple[str, list[Reply]]] = []
        for user, replies in self.outbox:  # the service sends one reply at a time
            if sent and sent[-1][0] == user:
                sent[-1] = (user, sent[-1][1] + replies)
            else:
                sent.append((user, list(replies)))
        if sent and sent[-1][0] == self.user:
            self.last = sent[-1][1]
        return sent

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def attempt_lines(self) -> list[str]:
        """The numbered attempt lines of the case summary on screen ("3. Mon, Mar 2 - ...")."""
        return [line for line in self.text.splitlines() if line[:1].isdigit()]

    def counts_line(self, lang: str, attempts: int, failures: int) -> str:
        """The /status line of the attempts and failures, as `lang` writes it."""
        line = next(x for x in self.service.kb.message("status_case", lang).splitlines()
                    if "{failures}" in x)
        return line.strip().format(attempts=attempts, failures=failures)
