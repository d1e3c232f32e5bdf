"""`python -m bot migrate`, `export` and `import`: the database's schema and moving its data.

    python -m bot migrate                                  # apply pending migrations, say which
    python -m bot export --db data/kyc.sqlite3 > all.jsonl # every row, as JSON lines
    DATABASE_URL=postgresql://... python -m bot import all.jsonl

`--db` (env DATABASE_URL, else DATABASE_PATH) takes a SQLite file or a postgresql:// URL, so
the same two commands move a deployment from SQLite to PostgreSQL and back. Import fills an
empty database in one transaction: all rows or none.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.shared.errors import StoreError
from bot.storage import open_store
from bot.storage.transfer import aiter_rows, read_jsonl, write_jsonl


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in counts.items())


async def _migrate(location: str) -> list[str]:
    store = await open_store(location, migrate=False)
    try:
        return await store.migrate()
    finally:
        await store.close()


async def _export(location: str, out_path: str | None) -> dict[str, int]:
    store = await open_store(location, readonly=True)
    try:
        if out_path in (None, "-"):
            return await write_jsonl(store, sys.stdout)  # type: ignore[arg-type]
        target = Path(out_path)
        partial = target.with_name(target.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            counts = await write_jsonl(store, out)
        partial.replace(target)  # a failed export leaves no file that looks complete
        return counts
    finally:
        await store.close()


async def _import(location: str, in_path: str) -> dict[str, int]:
    where = "stdin" if in_path == "-" else in_path
    try:
        source = sys.stdin if in_path == "-" else open(in_path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise StoreError(f"cannot read {in_path}: {exc.strerror}") from None
    with source:
        rows = read_jsonl(source, where)
        store = await open_store(location)
        try:
            return await store.load_rows(aiter_rows(rows))
        finally:
            await store.close()


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the migrations the database lacks; print what was done."""
    applied = asyncio.run(_migrate(args.db))
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("the database is up to date")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every row of the database as JSON lines to FILE (or stdout)."""
    counts = asyncio.run(_export(args.db, args.file))
    print(f"exported {_describe(counts)}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Load an export into an empty database (all rows or none)."""
    counts = asyncio.run(_import(args.db, args.file))
    print(f"imported {_describe(counts)}", file=sys.stderr)
    return 0
