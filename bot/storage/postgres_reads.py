"""Read-model queries of the PostgreSQL backend: what reports read (never raw SQL from outside)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from bot.storage.base import CaseRecord, CaseRow, EventRow, Key, UnmatchedRow


def utc(value: datetime) -> datetime:
    """Return a time from the database as an aware UTC datetime."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class ReadModel:
    """Report queries; the backend class provides `_connection` (a pooled connection)."""

    def _connection(self, what: str) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    async def events_between(self, since: datetime, until: datetime) -> list[EventRow]:
        async with self._connection("read events") as conn:
            rows = await conn.fetch(
                "SELECT id, channel, user_id, at, kind, data FROM events"
                " WHERE at >= $1 AND at <= $2 ORDER BY id",
                since,
                until,
            )
        return [
            EventRow(
                r["id"],
                Key(r["channel"], r["user_id"]) if r["user_id"] is not None else None,
                utc(r["at"]),
                r["kind"],
                r["data"] if isinstance(r["data"], dict) else {},
            )
            for r in rows
        ]

    async def cases_opened_between(self, since: datetime, until: datetime) -> list[CaseRow]:
        async with self._connection("read cases") as conn:
            rows = await conn.fetch(
                "SELECT channel, user_id, number, opened_at, closed_at, status, reasons, attempts,"
                " failures FROM cases WHERE opened_at >= $1 AND opened_at <= $2"
                " ORDER BY opened_at, channel, user_id, number",
                since,
                until,
            )
        return [
            CaseRow(
                Key(r["channel"], r["user_id"]),
                CaseRecord(
                    number=r["number"],
                    opened_at=utc(r["opened_at"]),
                    closed_at=utc(r["closed_at"]) if r["closed_at"] else None,
                    status=r["status"],
                    reasons=tuple(_list(r["reasons"])),
                    attempts=tuple(a for a in _list(r["attempts"]) if isinstance(a, dict)),
                    failures=r["failures"] or 0,
                ),
            )
            for r in rows
        ]

    async def activity_between(
        self, since: datetime, until: datetime
    ) -> list[tuple[Key, datetime]]:
        async with self._connection("read conversations") as conn:
            rows = await conn.fetch(
                "SELECT channel, user_id, updated_at FROM conversations"
                " WHERE updated_at >= $1 AND updated_at <= $2",
                since,
                until,
            )
        return [(Key(r["channel"], r["user_id"]), utc(r["updated_at"])) for r in rows]

    async def waiting_keys(self) -> set[Key]:
        async with self._connection("read follow-ups") as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT channel, user_id FROM followups"
                " WHERE status IN ('pending', 'sending')"
            )
        return {Key(r["channel"], r["user_id"]) for r in rows}

    async def unmatched_between(self, since: datetime, until: datetime) -> list[UnmatchedRow]:
        async with self._connection("read unmatched messages") as conn:
            known = await conn.fetchval(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema ="
                " current_schema() AND table_name = 'unmatched' AND column_name = 'redaction'"
            )
            redaction = "redaction" if known else "NULL"  # read-only, not migrated yet
            rows = await conn.fetch(
                f"SELECT channel, user_id, at, text, candidates, {redaction} AS redaction"
                " FROM unmatched WHERE at >= $1 AND at <= $2 ORDER BY id",
                since,
                until,
            )
        return [
            UnmatchedRow(
                Key(r["channel"], r["user_id"]), utc(r["at"]), r["text"],
                tuple(_list(r["candidates"])), r["redaction"],
            )  # fmt: skip
            for r in rows
        ]

