"""Every row of a SQLite database out, and into an empty one (`bot.storage.transfer`).

These run on the database thread (`SqliteStore.run_sync`); times are stored as ISO text in UTC
to the second, JSON columns as JSON text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from bot.shared.errors import StoreError
from bot.storage.transfer import TABLES, TIME_COLUMNS, Row, canonical, from_iso, is_json_column

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


def dump(conn: sqlite3.Connection) -> list[tuple[str, Row]]:
    """Return every row, from one read transaction (a consistent snapshot under WAL)."""
    rows: list[tuple[str, Row]] = []
    conn.execute("BEGIN")
    try:
        for table, columns in TABLES.items():
            cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {ORDER[table]}")
            for record in cursor:
                row = canonical(table, dict(zip(columns, record, strict=True)))
                if table == "followups" and row["status"] == "sending":
                    row["status"] = "pending"  # its claim does not travel
                rows.append((table, row))
    finally:
        conn.execute("COMMIT")
    return rows


def load(conn: sqlite3.Connection, rows: Iterable[tuple[str, Row]]) -> dict[str, int]:
    """Insert `rows` in one transaction; refuse a database that holds data."""
    counts = dict.fromkeys(TABLES, 0)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in ("conversations", "events", "followups", "outbox"):
            (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            if count:
                raise StoreError(
                    f"the target database is not empty ({count} rows in {table}): import into"
                    " a new database"
                )
        for table, row in rows:
            columns = TABLES[table]
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(_value(table, c, row[c]) for c in columns),
            )
            counts[table] += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return counts


def _value(table: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in TIME_COLUMNS:
        moment = from_iso(value)
        assert moment is not None
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    if is_json_column(table, column):
        return json.dumps(value)
    if column == "active":
        return int(bool(value))
    return value


