"""The SQLite backend's reading connection: reports read beside the turns.

A store on a file opens, on first use, a second read-only connection with a thread of its own
(aiosqlite's); WAL lets it read while turns write, so a report over a million events holds up
no user's turn. A store in memory or opened read-only has one connection, which reads too.
Large results are streamed in batches of `BATCH` rows, one hop each. On Linux the reading
thread runs at a lower CPU priority than the turns (`READER_NICE`): on a busy machine a report's
counting yields the cores to the event loop (each time the loop waits for the interpreter lock
the reading thread holds between rows, it needs a core to take it back).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from bot.shared.errors import StoreError
from bot.storage.sqlite_worker import Worker

T = TypeVar("T")
#: rows fetched per hop to the reading thread
BATCH = 2000
#: how much nicer than the rest of the process the reading thread runs (Linux: per thread)
READER_NICE = 10

Connector = Callable[[], sqlite3.Connection]


def damaged_hint(exc: sqlite3.Error, path: str = "DB") -> str:
    """What an operator can do about a damaged database file (none for other errors): the bot
    cannot mend it, and every turn would fail the same way."""
    recover = (f"stop the bot, restore the last backup (README, Backups) or rescue what is left "
               f"with `sqlite3 {path} .recover`")
    if "malformed" in str(exc):
        return f"; the database file is damaged: {recover}"
    if "not a database" in str(exc):
        return (f"; is DATABASE_PATH right? If it is the bot's database, it is damaged: "
                f"{recover}")
    return ""


class Reader:
    """The reading side of a store: `_read(what, fn)` and `_stream(what, sql, params, convert)`.

    `open_reader` (a function opening a read-only sqlite3 connection) is None where the store's
    own connection `shared` reads too.
    """

    def __init__(self, shared: Worker, open_reader: Connector | None) -> None:
        self._shared = shared
        self._open_reader = open_reader
        self._reader: aiosqlite.Connection | Worker | None = (
            shared if open_reader is None else None
        )
        self._lock = asyncio.Lock()

    async def read(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(reading connection, *args)` on the reading thread (opened on first use)."""
        try:
            reader = self._reader or await self._open()
            return await reader._execute(fn, reader._conn, *args)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what}: {exc}{damaged_hint(exc)}") from exc
        except ValueError as exc:  # "Connection closed": the store is closed
            raise StoreError(f"cannot {what}: {exc}") from exc

    async def stream(
        self, what: str, sql: str, params: Sequence[Any], convert: Callable[[tuple[Any, ...]], T]
    ) -> AsyncIterator[T]:
        """Yield `convert(row)` for each row of `sql`, fetched in batches on the reading thread."""
        cursor = await self.read(what, lambda c: c.execute(sql, tuple(params)))
        try:
            while rows := await self.read(what, lambda _: cursor.fetchmany(BATCH)):
                for row in rows:
                    yield convert(row)
        finally:
            with contextlib.suppress(StoreError):
                await self.read(what, lambda _: cursor.close())

    async def close(self) -> None:
        """Close the reading connection (not a shared one: its store closes that)."""
        reader, self._reader = self._reader, None
        if reader is not None and reader is not self._shared:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await reader.close()

    async def _open(self) -> aiosqlite.Connection | Worker:
        async with self._lock:
            if self._reader is None:
                if self._shared._connection is None or self._open_reader is None:
                    raise ValueError("Connection closed")
                reader = aiosqlite.Connection(_nicer(self._open_reader), iter_chunk_size=64)
                try:
                    await reader
                except BaseException:
                    await asyncio.to_thread(reader._thread.join, 5)
                    raise
                self._reader = reader
            return self._reader


def _nicer(connect: Connector) -> Connector:
    """`connect`, lowering the priority of the thread it runs on first (its reading thread)."""

    def lowered() -> sqlite3.Connection:
        if sys.platform.startswith("linux"):  # elsewhere the priority is the whole process's
            tid = threading.get_native_id()
            with contextlib.suppress(OSError):
                os.setpriority(
                    os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + READER_NICE
                )
        return connect()

    return lowered
