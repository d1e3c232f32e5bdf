"""What the Telegram adapter needs of the app layer's service, and how it opens the real one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.core.events import Event, Reply
from bot.knowledge.model import KnowledgeBase

if TYPE_CHECKING:
    from bot.app.service import Turn

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
        self,
        channel: str,
        send: Callable[[str, list[Reply]], Awaitable[int | None]],
        *,
        joins: bool = False,
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
