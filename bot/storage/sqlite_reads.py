"""Read-model queries of the SQLite backend: what reports read (never raw SQL from outside)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.storage.base import CaseRecord, CaseRow, EventRow, Key, UnmatchedRow

T = TypeVar("T")
#: rows made into objects between two passes of the event loop
CONVERT_BATCH = 500


def iso(dt: datetime) -> str:
    """Store a time as ISO 8601 in UTC to the second (so text order is time order)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse(raw: str) -> datetime:
    dt = datetime.fromisoformat(raw)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _json(raw: str | None, default: Any) -> Any:
    try:
        value = json.loads(raw or "null")
    except json.JSONDecodeError:
        return default
    return value if isinstance(value, type(default)) else default


class ReadModel:
    """Report queries; the backend provides `_read` (one hop to its reading connection)."""

    async def _read(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    async def events_between(self, since: datetime, until: datetime) -> list[EventRow]:
        def read(conn: sqlite3.Connection) -> list[EventRow]:
            rows = conn.execute(
                "SELECT id, channel, user_id, at, kind, data FROM events"
                " WHERE at >= ? AND at <= ? ORDER BY id",
                (iso(since), iso(until)),
            ).fetchall()
            return [
                EventRow(
                    r[0],
                    Key(r[1], r[2]) if r[2] is not None else None,
                    parse(r[3]),
                    r[4],
                    _json(r[5], {}),
                )
                for r in rows
            ]

        return await self._read("read events", read)

    async def cases_opened_between(self, since: datetime, until: datetime) -> list[CaseRow]:
        def read(conn: sqlite3.Connection) -> list[CaseRow]:
            rows = conn.execute(
                "SELECT channel, user_id, number, opened_at, closed_at, status, reasons, attempts,"
                " failures FROM cases WHERE opened_at >= ? AND opened_at <= ? ORDER BY opened_at",
                (iso(since), iso(until)),
            ).fetchall()
            return [
                CaseRow(
                    Key(r[0], r[1]),
                    CaseRecord(
                        number=int(r[2]),
                        opened_at=parse(r[3]),
                        closed_at=parse(r[4]) if r[4] else None,
                        status=r[5],
                        reasons=tuple(_json(r[6], [])),
                        attempts=tuple(a for a in _json(r[7], []) if isinstance(a, dict)),
                        failures=int(r[8] or 0),
                    ),
                )
                for r in rows
            ]

        return await self._read("read cases", read)

    async def activity_between(
        self, since: datetime, until: datetime
    ) -> list[tuple[Key, datetime]]:
        def read(conn: sqlite3.Connection) -> list[tuple[Key, datetime]]:
            rows = conn.execute(
                "SELECT channel, user_id, updated_at FROM conversations"
                " WHERE updated_at >= ? AND updated_at <= ?",
                (iso(since), iso(until)),
            ).fetchall()
            return [(Key(r[0], r[1]), parse(r[2])) for r in rows]

        return await self._read("read conversations", read)

    async def waiting_keys(self) -> set[Key]:
        def read(conn: sqlite3.Connection) -> set[Key]:
            rows = conn.execute(
                "SELECT DISTINCT channel, user_id FROM followups"
                " WHERE status IN ('pending', 'sending')"
            ).fetchall()
            return {Key(r[0], r[1]) for r in rows}

        return await self._read("read follow-ups", read)

    async def unmatched_between(self, since: datetime, until: datetime) -> list[UnmatchedRow]:
        def read(conn: sqlite3.Connection) -> list[str]:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(unmatched)")}
            redaction = "redaction" if "redaction" in columns else "NULL"  # read-only, older
            return [
                r[0]
                for r in conn.execute(
                    "SELECT json_group_array(json_array(channel, user_id, at, text, candidates,"
                    f" {redaction})) FROM (SELECT *, (row_number() OVER (ORDER BY id) - 1) / ?"
                    " AS chunk FROM unmatched WHERE at >= ? AND at <= ?) GROUP BY chunk"
                    " ORDER BY chunk",
                    (CONVERT_BATCH, iso(since), iso(until)),
                )
            ]

        # the reading thread fetches a row of JSON per `CONVERT_BATCH` messages (it yields the
        # CPU, `sqlite_reader`: it should take the interpreter lock seldom, and briefly); they
        # become objects here, a batch per pass of the event loop
        chunks = await self._read("read unmatched messages", read)
        out = []
        for n, chunk in enumerate(chunks):
            if n:
                await asyncio.sleep(0)
            out += [
                UnmatchedRow(Key(r[0], r[1]), parse(r[2]), r[3], tuple(_json(r[4], [])), r[5])
                for r in json.loads(chunk)
            ]
        return out
