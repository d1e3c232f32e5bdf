"""Every row of a PostgreSQL database out, and into an empty one (`bot.storage.transfer`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from bot.shared.errors import StoreError
from bot.storage.transfer import TABLES, TIME_COLUMNS, Row, canonical, from_iso

#: how each table's rows are ordered in an export: the order they were written
ORDER = {
    "conversations": "channel, user_id",
    "cases": "channel, user_id, number",
    "followups": "id",
    "outbox": "id",
    "updates": "channel, update_id",
    "once_keys": "channel, key",
    "events": "id",
    "unmatched": "id",
}
BATCH = 1000


async def dump(conn: asyncpg.Connection) -> AsyncIterator[tuple[str, Row]]:
    """Yield every row, from one consistent snapshot (call inside a transaction)."""
    for table, columns in TABLES.items():
        query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {ORDER[table]}"
        async for record in conn.cursor(query, prefetch=BATCH):
            row = canonical(table, dict(record))
            if table == "followups" and row["status"] == "sending":
                row["status"] = "pending"  # its claim does not travel: whoever claims it sends it
            yield table, row


async def load(conn: asyncpg.Connection, rows: AsyncIterator[tuple[str, Row]]) -> dict[str, int]:
    """Insert `rows` (call inside a transaction); refuse a database that holds data."""
    for table in ("conversations", "events", "followups", "outbox"):
        count = await conn.fetchval(f"SELECT count(*) FROM {table}")
        if count:
            raise StoreError(
                f"the target database is not empty ({count} rows in {table}): import into a"
                " new database"
            )
    counts = dict.fromkeys(TABLES, 0)
    batch: list[tuple[Any, ...]] = []
    current: str | None = None
    async for table, row in rows:
        if table != current:
            await _insert(conn, current, batch)
            batch, current = [], table
        batch.append(tuple(_value(c, row[c]) for c in TABLES[table]))
        counts[table] += 1
        if len(batch) >= BATCH:
            await _insert(conn, current, batch)
            batch = []
    await _insert(conn, current, batch)
    return counts


def _value(column: str, value: Any) -> Any:
    return from_iso(value) if column in TIME_COLUMNS else value


async def _insert(conn: asyncpg.Connection, table: str | None, batch: list[tuple[Any, ...]]) -> None:
    if table is None or not batch:
        return
    columns = TABLES[table]
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch
    )
