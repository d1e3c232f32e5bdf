"""Storage: the `Store` contract (`base`) and its backends (`sqlite`; PostgreSQL to come)."""

from __future__ import annotations

import os

from bot.storage.base import Store


async def open_store(
    location: str | os.PathLike[str], *, busy_timeout: float = 5.0, readonly: bool = False
) -> Store:
    """Open the store at `location`: a SQLite file path (or `:memory:`)."""
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(location, busy_timeout=busy_timeout, readonly=readonly)
