"""Durable state in one SQLite file (aiosqlite, WAL): conversations, cases, follow-ups, logs.

Schema changes are named migrations recorded in the `migrations` table and applied on open.
Every turn is saved in one transaction: the conversation, its case, its follow-up and its
events, so a crash never leaves half a turn behind. Text written to the logs is redacted here,
whatever the caller passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.state import State, iso
from bot.shared.errors import StoreError
from bot.understanding.redact import redact

log = logging.getLogger(__name__)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_initial",
        """
        CREATE TABLE conversations (
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            state TEXT NOT NULL,
            lang TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (channel, user_id)
        );
        CREATE INDEX conversations_updated ON conversations (updated_at);
        CREATE TABLE cases (
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT,
            status TEXT NOT NULL,
            reasons TEXT NOT NULL,
            attempts TEXT NOT NULL,
            failures INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (channel, user_id, number)
        );
        CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            due_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX followups_due ON followups (status, due_at);
        CREATE INDEX followups_user ON followups (channel, user_id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            channel TEXT,
            user_id TEXT,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX events_at ON events (at);
        CREATE INDEX events_user ON events (channel, user_id);
        CREATE TABLE unmatched (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            at TEXT NOT NULL,
            text TEXT NOT NULL,
            candidates TEXT NOT NULL
        );
        CREATE INDEX unmatched_at ON unmatched (at);
        CREATE INDEX unmatched_user ON unmatched (channel, user_id);
        """,
    ),
)

#: event kinds whose `text` goes to the unmatched log (for operators) instead of the event log
UNMATCHED_KINDS = frozenset({"unmatched", "ambiguous"})


@dataclass(frozen=True)
class DueFollowup:
    id: int
    channel: str
    user_id: str
    due_at: datetime
    kind: str


class Store:
    """The SQLite store. Open with `await Store.open(path)`; close with `await store.close()`."""

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self.db = db
        self.path = path
        # one connection serves every conversation: transactions must not interleave
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | os.PathLike[str], busy_timeout: float = 5.0) -> Store:
        """Open (creating and migrating if needed); wait up to `busy_timeout` s for a lock."""
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        store = cls(db, path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await store.migrate()
        except (sqlite3.Error, StoreError) as exc:
            await db.close()  # else its thread keeps the process alive
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        return store

    async def close(self) -> None:
        await self.db.close()

    @contextlib.asynccontextmanager
    async def transaction(self, what: str) -> AsyncIterator[None]:
        """Run the block in one write transaction; SQLite errors become StoreError."""
        async with self._write_lock:
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                    await self.db.execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"cannot {what}: {exc}") from exc

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; return their names."""
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        async with self.db.execute("SELECT name FROM migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            async with self.transaction(f"apply migration {name}"):
                for statement in filter(str.strip, sql.split(";")):
                    await self.db.execute(statement)
                await self.db.execute(
                    "INSERT INTO migrations VALUES (?, datetime('now'))", (name,)
                )
            applied.append(name)
            log.info("applied migration %s", name)
        return applied

    # -- conversations -------------------------------------------------------------------
    async def load(self, channel: str, user_id: str) -> State | None:
        try:
            async with self.db.execute(
                "SELECT state FROM conversations WHERE channel=? AND user_id=?", (channel, user_id)
            ) as cur:
                row = await cur.fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read conversation: {exc}") from exc
        return State.from_json(row[0]) if row else None

    async def save_turn(
        self,
        channel: str,
        user_id: str,
        old: State | None,
        new: State,
        events: Iterable[dict[str, Any]],
        now: datetime,
        claim: int | None = None,
    ) -> bool:
        """Save the new state, its case and follow-up, and the turn's events, atomically.

        With `claim`, the turn answers that follow-up: it is marked sent in the same transaction,
        and nothing is saved (False) if another process claimed it first.
        """
        stamp = iso(now)
        async with self.transaction("save turn"):
            if claim is not None:
                cur = await self.db.execute(
                    "UPDATE followups SET status='sent', sent_at=? WHERE id=? AND status='pending'",
                    (stamp, claim),
                )
                if cur.rowcount != 1:
                    return False
            await self.db.execute(
                """INSERT INTO conversations (channel, user_id, state, lang, active, created_at, updated_at)
                   VALUES (?, ?, ?, ?, 1, ?, ?)
                   ON CONFLICT (channel, user_id) DO UPDATE SET
                     state=excluded.state, lang=excluded.lang, active=1, updated_at=excluded.updated_at""",
                (channel, user_id, new.to_json(), new.lang, stamp, stamp),
            )
            if new.case is not None:
                case = new.case
                await self.db.execute(
                    """INSERT OR REPLACE INTO cases
                       (channel, user_id, number, opened_at, closed_at, status, reasons, attempts, failures, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        channel,
                        user_id,
                        case.number,
                        case.opened_at,
                        case.closed_at,
                        case.status,
                        json.dumps(case.reasons),
                        json.dumps([a.__dict__ for a in case.attempts]),
                        case.failures,
                        stamp,
                    ),
                )
            if new.followup != (old.followup if old else None):
                await self._cancel_followups(channel, user_id)
                if new.followup is not None:
                    await self.db.execute(
                        "INSERT INTO followups (channel, user_id, due_at, kind, created_at) VALUES (?, ?, ?, ?, ?)",
                        (channel, user_id, new.followup.due, new.followup.kind, stamp),
                    )
            await self._write_events(channel, user_id, events, stamp)
        return True

    async def _cancel_followups(self, channel: str, user_id: str) -> None:
        await self.db.execute(
            "UPDATE followups SET status='cancelled' WHERE channel=? AND user_id=? AND status='pending'",
            (channel, user_id),
        )

    async def _write_events(
        self, channel: str | None, user_id: str | None, events: Iterable[dict[str, Any]], stamp: str
    ) -> None:
        rows, unmatched = [], []
        for event in events:
            data = {k: v for k, v in event.items() if k != "kind"}
            if "text" in data:
                data["text"] = redact(str(data["text"]))
            if event["kind"] in UNMATCHED_KINDS and user_id is not None:
                text = data.pop("text", "")
                unmatched.append(
                    (channel, user_id, stamp, text, json.dumps(data.get("candidates", [])))
                )
            rows.append((channel, user_id, stamp, event["kind"], json.dumps(data)))
        if rows:
            await self.db.executemany(
                "INSERT INTO events (channel, user_id, at, kind, data) VALUES (?, ?, ?, ?, ?)", rows
            )
        if unmatched:
            await self.db.executemany(
                "INSERT INTO unmatched (channel, user_id, at, text, candidates) VALUES (?, ?, ?, ?, ?)",
                unmatched,
            )

    async def forget(
        self,
        channel: str,
        user_id: str,
        now: datetime,
        kind: str = "forget",
        untouched_since: datetime | None = None,
    ) -> bool:
        """Delete every row about this user; keep one anonymous event so reports can count it.

        With `untouched_since`, only if the conversation has not been touched since then
        (checked inside the transaction, so a turn saved meanwhile is never deleted).
        """
        async with self.transaction("forget user"):
            if untouched_since is not None:
                async with self.db.execute(
                    "SELECT 1 FROM conversations WHERE channel=? AND user_id=? AND updated_at >= ?",
                    (channel, user_id, iso(untouched_since)),
                ) as cur:
                    if await cur.fetchone():
                        return False
            for table in ("conversations", "cases", "followups", "events", "unmatched"):
                await self.db.execute(
                    f"DELETE FROM {table} WHERE channel=? AND user_id=?", (channel, user_id)
                )
            await self._write_events(channel, None, [{"kind": kind}], iso(now))
        return True

    async def set_active(self, channel: str, user_id: str, active: bool) -> None:
        """Mark a user (in)active; an inactive user's pending follow-ups are cancelled."""
        async with self.transaction("mark user inactive"):
            await self.db.execute(
                "UPDATE conversations SET active=? WHERE channel=? AND user_id=?",
                (int(active), channel, user_id),
            )
            if not active:
                await self._cancel_followups(channel, user_id)

    # -- follow-ups ----------------------------------------------------------------------
    async def due_followups(self, now: datetime, limit: int = 100) -> list[DueFollowup]:
        async with self.db.execute(
            "SELECT id, channel, user_id, due_at, kind FROM followups WHERE status='pending' AND due_at <= ? ORDER BY due_at LIMIT ?",
            (iso(now), limit),
        ) as cur:
            rows = await cur.fetchall()
        return [DueFollowup(r[0], r[1], r[2], datetime.fromisoformat(r[3]), r[4]) for r in rows]

    async def next_due(self, until: datetime) -> datetime | None:
        """Return the earliest pending follow-up time up to `until`, if any."""
        async with self.db.execute(
            "SELECT min(due_at) FROM followups WHERE status='pending' AND due_at <= ?", (iso(until),)
        ) as cur:
            row = await cur.fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def pending_followups(self, channel: str, user_id: str) -> list[tuple[str, str]]:
        async with self.db.execute(
            "SELECT due_at, kind FROM followups WHERE channel=? AND user_id=? AND status='pending' ORDER BY due_at",
            (channel, user_id),
        ) as cur:
            return [(r[0], r[1]) for r in await cur.fetchall()]

    # -- retention -----------------------------------------------------------------------
    async def purge(self, cutoff: datetime) -> int:
        """Delete conversations untouched since `cutoff`, with everything about them."""
        async with self.db.execute(
            "SELECT channel, user_id FROM conversations WHERE updated_at < ?", (iso(cutoff),)
        ) as cur:
            stale = await cur.fetchall()
        purged = 0
        for channel, user_id in stale:
            purged += await self.forget(channel, user_id, cutoff, kind="purged", untouched_since=cutoff)
        return purged

    async def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query (for reports)."""
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())
