"""The SQLite backend of `bot.storage.base.Store`: one file, WAL, one connection on one thread
for turns (reports read on a second one, `bot.storage.sqlite_reader`).

A turn is two hops to the database thread: one reads the state, `decide` runs on the event loop
meanwhile (so the engine of one turn overlaps the SQLite work of others), and one transaction
writes everything the turn decided, after checking that the state it read is still the one
stored (another process may have written meanwhile: the turn then runs again). Within this
process a conversation's turns run one at a time. Nothing is logged with its parameters (they
carry what users wrote, even redacted); statements are never logged at all.

The database thread (`bot.storage.sqlite_worker`) runs whatever calls were queued meanwhile as
one batch, and the turns' writes of a batch (with claiming and marking sent outgoing messages)
share one transaction, a savepoint each: one COMMIT for many turns when many users write at
once, still before any of them is reported written (so a kill -9 loses none).

Measured (200 users x 10 turns at once, `make bench`'s mix, no sender, interleaved runs on the
2-core machine under other jobs): reading and writing in one hop with `decide` on the database
thread, 93-107 turns/s; these two hops, 112-139 turns/s; the former aiosqlite store (about 8
hops a turn, before the unit of work), 63-88 turns/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.shared.errors import StoreError
from bot.shared.locks import KeyedLock
from bot.storage import sqlite_transfer
from bot.storage.base import (
    Conversation,
    Decide,
    FollowupClaim,
    Key,
    Lease,
    OutboxMessage,
    Scheduled,
    TurnResult,
    TurnStatus,
)
from bot.storage.sqlite_reader import Reader, damaged_hint
from bot.storage.sqlite_reads import ReadModel, iso, parse
from bot.storage.sqlite_report import ReportQueries
from bot.storage.sqlite_schema import MIGRATIONS, REQUIRED_TABLES
from bot.storage.sqlite_turns import (
    cancel_followups,
    delete_user,
    read_turn,
    save_turn,
    transaction,
)
from bot.storage.sqlite_worker import Worker
from bot.storage.transfer import Row

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteStore(ReadModel, ReportQueries):
    """Open with `await SqliteStore.open(path)`; close with `await store.close()`."""

    def __init__(
        self,
        conn: Worker,
        path: str,
        applied: Sequence[str] = (),
        *,
        readonly: bool = False,
        busy_timeout: float = 5.0,
    ) -> None:
        self._aconn = conn
        self.path = path
        self._applied = list(applied)  # migrations applied when it was opened
        self._turns = KeyedLock()  # this process's turns of one conversation, one at a time
        #: reports read on a connection and thread of their own, beside the turns (WAL); a
        #: read-only or in-memory store has one connection only
        self._reader = Reader(
            conn,
            None
            if readonly or path == ":memory:"
            else functools.partial(_connect, path, busy_timeout, True, []),
        )

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], *, busy_timeout: float = 5.0, readonly: bool = False
    ) -> SqliteStore:
        """Open (creating and migrating if needed); wait up to `busy_timeout` s for a lock.

        `readonly` opens an existing database for reading only (reports, safe while the bot
        runs) and checks that it is a kyc-helper database.
        """
        path = str(path)
        # aiosqlite's thread runs the reports' reading connection (sqlite_reader); it names each
        # function it runs with its arguments at DEBUG
        logging.getLogger("aiosqlite").setLevel(
            max(logging.getLogger("aiosqlite").level, logging.INFO)
        )
        applied: list[str] = []
        conn = Worker(functools.partial(_connect, path, busy_timeout, readonly, applied))
        try:
            await conn
        except (sqlite3.Error, OSError, StoreError) as exc:
            # the worker has queued its thread's stop: let the thread finish while this event
            # loop still runs, or it reports to a closed loop at exit
            await asyncio.to_thread(conn._thread.join, 5)
            hint = damaged_hint(exc, path) if isinstance(exc, sqlite3.Error) else ""
            raise StoreError(f"cannot open database {path}: {exc}{hint or _unwritable_hint(path, readonly)}") from exc
        return cls(conn, path, applied, readonly=readonly, busy_timeout=busy_timeout)

    @property
    def location(self) -> str | None:
        """Where another process opens this database (`open_store`); None in memory."""
        return None if self.path == ":memory:" else self.path

    async def close(self) -> None:
        await self._reader.close()
        with contextlib.suppress(sqlite3.Error, ValueError):
            await self._aconn.close()

    async def _read(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        return await self._reader.read(what, fn, *args)

    def _stream(
        self, what: str, sql: str, params: Sequence[Any], convert: Callable[[tuple[Any, ...]], T]
    ) -> AsyncIterator[T]:
        return self._reader.stream(what, sql, params, convert)

    async def _call(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` on the database thread; SQLite errors become StoreError."""
        try:
            conn = self._aconn._conn  # the sqlite3 connection; ValueError once closed
            # one hop per call, not per statement
            return await self._aconn._execute(fn, conn, *args)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what}: {exc}{damaged_hint(exc, self.path)}") from exc
        except ValueError as exc:  # "Connection closed": the store is closed
            raise StoreError(f"cannot {what}: {exc}") from exc

    async def _grouped(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` in a write transaction shared with the other writes
        queued meanwhile (one commit for all of them, a savepoint each: see sqlite_worker);
        SQLite errors become StoreError."""
        try:
            return await self._aconn.grouped(fn, *args)  # type: ignore[no-any-return]
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what}: {exc}{damaged_hint(exc, self.path)}") from exc
        except ValueError as exc:  # "Connection closed": the store is closed
            raise StoreError(f"cannot {what}: {exc}") from exc

    async def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the database thread (SQLite-specific tests and tools)."""
        return await self._call("run a statement", fn)

    async def migrate(self) -> list[str]:
        """Return the migrations applied since it was opened (opening applies them)."""
        applied = self._applied + await self._call("apply migrations", _migrate)
        self._applied = []
        return applied

    async def dump_rows(self) -> AsyncIterator[tuple[str, Row]]:
        """Yield every row for `python -m bot export`, from one read transaction."""
        for item in await self._call("export", sqlite_transfer.dump):
            yield item

    async def load_rows(self, rows: AsyncIterator[tuple[str, Row]]) -> dict[str, int]:
        """Insert exported rows into this (empty) database, all or nothing."""
        items = [item async for item in rows]
        return await self._call("import", sqlite_transfer.load, items)

    # -- turns ---------------------------------------------------------------------------------

    async def run_turn(
        self,
        key: Key,
        decide: Decide,
        *,
        now: datetime,
        lease: Lease,
        update_id: int | None = None,
        once: str | None = None,
        answers: FollowupClaim | None = None,
    ) -> TurnResult:
        key = Key(*key)
        marks = (update_id, once, answers)
        async with self._turns(key):
            while True:
                # read, then decide here (the event loop: the database thread meanwhile serves
                # other turns), then write in one transaction that checks the state it read is
                # still the stored one; another process may have changed it: run again
                seen = await self._call("read the conversation", read_turn, key, *marks)
                if isinstance(seen, TurnStatus):
                    return TurnResult(seen)
                write = decide(seen.state)
                result = await self._grouped(
                    "save the turn", save_turn, key, seen, write, now, lease, *marks
                )
                if result is not None:
                    return result

    async def ping(self) -> None:
        await self._call("reach the database", lambda c: c.execute("SELECT 1").fetchone())

    async def load(self, key: Key) -> Conversation | None:
        def read(conn: sqlite3.Connection) -> Conversation | None:
            row = conn.execute(
                "SELECT state, lang, active, updated_at FROM conversations"
                " WHERE channel=? AND user_id=?",
                tuple(key),
            ).fetchone()
            if row is None:
                return None
            return Conversation(Key(*key), row[0], row[1], bool(row[2]), parse(row[3]))

        return await self._call("read the conversation", read)

    async def set_active(self, key: Key, active: bool) -> None:
        def write(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.execute(
                    "UPDATE conversations SET active=? WHERE channel=? AND user_id=?",
                    (int(active), *key),
                )
                if not active:
                    cancel_followups(conn, key)

        await self._call("mark the user inactive", write)

    async def purge(
        self, now: datetime, *, conversations_before: datetime, updates_before: datetime
    ) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cutoff = iso(conversations_before)
            with transaction(conn):
                stale = conn.execute(
                    "SELECT channel, user_id FROM conversations WHERE updated_at < ?", (cutoff,)
                ).fetchall()
                for channel, user_id in stale:
                    delete_user(conn, Key(channel, user_id), outbox=True)
                    conn.execute(
                        "INSERT INTO events (channel, user_id, at, kind, data)"
                        " VALUES (?, NULL, ?, 'purged', '{}')",
                        (channel, iso(now)),
                    )
                conn.execute("DELETE FROM updates WHERE at < ?", (iso(updates_before),))
                conn.execute("DELETE FROM once_keys WHERE at < ?", (iso(updates_before),))
            return len(stale)

        return await self._call("purge old conversations", write)

    # -- follow-ups ----------------------------------------------------------------------------

    async def claim_followups(
        self, now: datetime, lease: Lease, channels: Sequence[str], limit: int = 100
    ) -> list[FollowupClaim]:
        def claim(conn: sqlite3.Connection) -> list[FollowupClaim]:
            stamp = iso(now)
            marks = ", ".join("?" * len(channels))
            with transaction(conn):
                rows = conn.execute(
                    "UPDATE followups SET status='sending', owner=?, lease_until=? WHERE id IN ("
                    " SELECT id FROM followups WHERE status IN ('pending', 'sending') AND due_at <= ?"
                    f" AND channel IN ({marks}) AND (status='pending' OR owner=? OR lease_until < ?)"
                    " ORDER BY due_at, id LIMIT ?)"
                    " RETURNING id, channel, user_id, due_at, kind",
                    (lease.owner, iso(lease.until), stamp, *channels, lease.owner, stamp, limit),
                ).fetchall()
            claims = [
                FollowupClaim(r[0], Key(r[1], r[2]), parse(r[3]), r[4], lease) for r in rows
            ]
            return sorted(claims, key=lambda c: (c.due_at, c.id))

        return await self._call("claim due follow-ups", claim)

    async def next_due(self, until: datetime) -> datetime | None:
        def read(conn: sqlite3.Connection) -> datetime | None:
            row = conn.execute(
                "SELECT min(due_at) FROM followups WHERE status IN ('pending', 'sending')"
                " AND due_at <= ?",
                (iso(until),),
            ).fetchone()
            return parse(row[0]) if row and row[0] else None

        return await self._call("read follow-ups", read)

    async def scheduled(self, key: Key) -> list[Scheduled]:
        def read(conn: sqlite3.Connection) -> list[Scheduled]:
            rows = conn.execute(
                "SELECT due_at, kind FROM followups WHERE channel=? AND user_id=?"
                " AND status IN ('pending', 'sending') ORDER BY due_at, id",
                tuple(key),
            ).fetchall()
            return [Scheduled(parse(r[0]), r[1]) for r in rows]

        return await self._call("read follow-ups", read)

    # -- the outbox ------------------------------------------------------------------------------

    async def claim_outbox(self, key: Key, now: datetime, lease: Lease) -> list[OutboxMessage]:
        def claim(conn: sqlite3.Connection) -> list[OutboxMessage]:  # in a write transaction
            stamp = iso(now)
            rows = conn.execute(
                "SELECT id, payload, created_at, attempts, owner, lease_until FROM outbox"
                " WHERE channel=? AND user_id=? ORDER BY id",
                tuple(key),
            ).fetchall()
            if any(r[4] not in (None, lease.owner) and r[5] >= stamp for r in rows):
                return []  # someone else is sending this conversation's earlier messages
            conn.execute(
                "UPDATE outbox SET owner=?, lease_until=? WHERE channel=? AND user_id=?",
                (lease.owner, iso(lease.until), *key),
            )
            return [
                OutboxMessage(r[0], Key(*key), json.loads(r[1]), parse(r[2]), r[3]) for r in rows
            ]

        return await self._grouped("claim outgoing messages", claim)

    async def outbox_keys(self, channel: str, now: datetime, owner: str) -> list[Key]:
        def read(conn: sqlite3.Connection) -> list[Key]:
            rows = conn.execute(
                "SELECT channel, user_id, min(id) AS first FROM outbox WHERE channel=?"
                " AND (owner IS NULL OR owner=? OR lease_until < ?)"
                " GROUP BY channel, user_id ORDER BY first",
                (channel, owner, iso(now)),
            ).fetchall()
            return [Key(r[0], r[1]) for r in rows]

        return await self._call("read outgoing messages", read)

    async def mark_sent(self, *message_ids: int) -> None:
        await self._grouped("mark messages sent", _delete_sent, message_ids)

    async def release(self, message_ids: Sequence[int]) -> None:
        def write(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(
                    "UPDATE outbox SET owner=NULL, lease_until=NULL, attempts=attempts+1"
                    " WHERE id=?",
                    [(i,) for i in message_ids],
                )

        await self._call("release outgoing messages", write)

    async def drop(self, message_ids: Sequence[int]) -> None:
        await self._call("drop outgoing messages", _delete_messages, tuple(message_ids))


# -- on the database thread ------------------------------------------------------------------------


def _connect(
    path: str, busy_timeout: float, readonly: bool, applied: list[str]
) -> sqlite3.Connection:
    if readonly:
        if not Path(path).is_file():
            raise StoreError(f"database {path} not found")
        conn = sqlite3.connect(
            Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=busy_timeout,
            isolation_level=None,
        )  # fmt: skip
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path} is not a kyc-helper database: {exc}") from exc
        missing = REQUIRED_TABLES - tables
        if missing:
            conn.close()
            raise StoreError(
                f"{path} is not a kyc-helper database (no table {', '.join(sorted(missing))})"
            )
        return conn
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        applied.extend(_migrate(conn))
        # a file the bot cannot write would answer every message with an apology: say so now
        # (a row written and taken back: SQLite refuses it at once on a read-only file)
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO migrations VALUES ('(write check)', '')")
        finally:
            conn.execute("ROLLBACK")
    except BaseException:
        conn.close()  # else a half-open file stays locked
        raise
    return conn


def _unwritable_hint(path: str, readonly: bool) -> str:
    """What to check when the bot's database cannot be opened for writing."""
    if readonly or path == ":memory:":
        return ""
    file, folder = Path(path), Path(path).parent
    if file.exists() and not os.access(file, os.W_OK):
        return f" (the file is not writable: the bot must write to {file})"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return (f" (its folder {folder} is not writable: SQLite keeps its journal files "
                "beside the database, so the bot must be able to write there)")
    return ""


def _migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded; return their names."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = []
    for name, sql in MIGRATIONS:
        with transaction(conn):
            if conn.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():
                continue
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
        applied.append(name)
        log.info("applied migration %s", name)
    return applied


def statements(sql: str) -> list[str]:
    """Split a migration into its statements (a trigger's body holds semicolons too)."""
    out, pending = [], ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending)
            pending = ""
    if pending.strip(" \n;"):
        out.append(pending)
    return out


def _delete_sent(conn: sqlite3.Connection, ids: Sequence[int]) -> None:  # in a transaction
    conn.executemany("DELETE FROM outbox WHERE id=?", [(i,) for i in ids])


def _delete_messages(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    with transaction(conn):
        conn.executemany("DELETE FROM outbox WHERE id=?", [(i,) for i in ids])
