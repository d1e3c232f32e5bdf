"""Moving all data between backends: `python -m bot export` / `import`, as JSON lines.

    SQLite file --dump--> {"table": ..., "row": {...}} lines --load--> PostgreSQL (or back)

The first line is a header naming the format and its version; then one line per row, table by
table in TABLES order, each table's rows in the order they were written (so event logs keep
their order; row ids are not carried, the target numbers rows itself). Times are ISO 8601 in
UTC, JSON columns are JSON values. Claims are not carried: a follow-up being sent or a message
being delivered arrives unclaimed, to be sent by whichever instance claims it first.

The export holds whatever the database holds: conversation states (knowledge ids and dates),
events and the redacted unmatched log. Treat the file like the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any, Protocol

from bot.shared.errors import StoreError

FORMAT = "kyc-helper-export"
VERSION = 1

#: table -> its columns in the export (the same names in both backends), in load order
TABLES: dict[str, tuple[str, ...]] = {
    "conversations": (
        "channel", "user_id", "state", "lang", "active", "created_at", "updated_at",
        "last_update_id",
    ),
    "cases": (
        "channel", "user_id", "number", "opened_at", "closed_at", "status", "reasons",
        "attempts", "failures", "updated_at",
    ),
    "followups": (
        "channel", "user_id", "due_at", "kind", "status", "created_at", "sent_at",
    ),
    "outbox": ("channel", "user_id", "payload", "created_at", "attempts"),
    "updates": ("channel", "update_id", "at"),
    "once_keys": ("channel", "key", "at"),
    "events": ("channel", "user_id", "at", "kind", "data"),
    "unmatched": ("channel", "user_id", "at", "text", "candidates"),
}  # fmt: skip
#: columns holding times (ISO strings in the export)
TIME_COLUMNS = frozenset(
    {"created_at", "updated_at", "opened_at", "closed_at", "due_at", "sent_at", "at"}
)
#: columns holding JSON values
JSON_COLUMNS = frozenset({"reasons", "attempts", "payload", "data", "candidates"})

Row = dict[str, Any]


class Transferable(Protocol):
    """A backend that can hand out and take in every row (both backends are)."""

    def dump_rows(self) -> AsyncIterator[tuple[str, Row]]:
        """Yield (table, row) for every row, table by table in TABLES order."""
        ...

    async def load_rows(self, rows: AsyncIterator[tuple[str, Row]]) -> dict[str, int]:
        """Insert the rows into an empty database in one transaction; return counts."""
        ...


def is_json_column(table: str, column: str) -> bool:
    """Say whether a column holds JSON (cases.attempts does; outbox.attempts is a count)."""
    if table == "outbox" and column == "attempts":
        return False
    return column in JSON_COLUMNS


def to_iso(value: datetime | None) -> str | None:
    """Return a time as ISO 8601 in UTC (None stays None)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def from_iso(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def header() -> Row:
    return {"format": FORMAT, "version": VERSION, "tables": list(TABLES)}


async def write_jsonl(source: Transferable, out: IO[str]) -> dict[str, int]:
    """Write every row of `source` to `out`; return the count per table."""
    counts = dict.fromkeys(TABLES, 0)
    out.write(json.dumps(header()) + "\n")
    async for table, row in source.dump_rows():
        out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
        counts[table] += 1
    return counts


def read_jsonl(lines: Iterable[str], where: str = "input") -> Iterator[tuple[str, Row]]:
    """Yield (table, row) from export lines, checking the header and every row's shape.

    A problem is a StoreError naming the line.
    """
    seen_header = False
    order = list(TABLES)
    position = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise StoreError(f"{where}:{number}: not JSON ({exc.msg})") from None
        if not seen_header:
            if not isinstance(record, dict) or record.get("format") != FORMAT:
                raise StoreError(f"{where}:{number}: not a kyc-helper export (no header line)")
            if record.get("version") != VERSION:
                raise StoreError(
                    f"{where}:{number}: export format version {record.get('version')!r};"
                    f" this version reads {VERSION}"
                )
            seen_header = True
            continue
        if not isinstance(record, dict) or not isinstance(record.get("row"), dict):
            raise StoreError(f"{where}:{number}: expected {{\"table\": ..., \"row\": {{...}}}}")
        table = record.get("table")
        if table not in TABLES:
            raise StoreError(f"{where}:{number}: unknown table {table!r}; known: {', '.join(TABLES)}")
        if order.index(table) < position:
            raise StoreError(f"{where}:{number}: table {table} after {order[position]}: out of order")
        position = order.index(table)
        row = record["row"]
        missing = [c for c in TABLES[table] if c not in row]
        if missing:
            raise StoreError(f"{where}:{number}: {table} row without {', '.join(missing)}")
        yield table, {c: row[c] for c in TABLES[table]}
    if not seen_header:
        raise StoreError(f"{where}: empty, not a kyc-helper export")


async def aiter_rows(rows: Iterable[tuple[str, Row]]) -> AsyncIterator[tuple[str, Row]]:
    for item in rows:
        yield item


def canonical(table: str, row: Mapping[str, Any]) -> Row:
    """Return a row in export form: times as ISO strings, JSON as values, flags as bools."""
    out: Row = {}
    for column in TABLES[table]:
        value = row[column]
        if column in TIME_COLUMNS and isinstance(value, datetime):
            value = to_iso(value)
        elif column in TIME_COLUMNS and isinstance(value, str):
            value = to_iso(from_iso(value))
        elif is_json_column(table, column) and isinstance(value, str):
            value = json.loads(value)
        elif column == "active":
            value = bool(value)
        out[column] = value
    return out
