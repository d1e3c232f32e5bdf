"""Storage: the `Store` contract (`base`) and its backends, SQLite and PostgreSQL.

    open_store("data/kyc.sqlite3")            -> SqliteStore (one process, one file)
    open_store("postgresql://user@host/db")   -> PostgresStore (any number of instances)
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from bot.storage.base import Store

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres(location: str | os.PathLike[str]) -> bool:
    """Say whether `location` names a PostgreSQL database rather than a SQLite file."""
    return urlsplit(str(location)).scheme in POSTGRES_SCHEMES


async def open_store(
    location: str | os.PathLike[str],
    *,
    busy_timeout: float = 5.0,
    readonly: bool = False,
    migrate: bool = True,
) -> Store:
    """Open the store at `location`: a postgresql:// URL, a SQLite file path, or `:memory:`.

    Pending migrations are applied (under a lock, on PostgreSQL) unless `migrate` is False or
    the store is opened `readonly`.
    """
    if is_postgres(location):
        from bot.storage.postgres import PostgresStore

        return await PostgresStore.open(
            str(location), readonly=readonly, migrate_schema=migrate, timeout=busy_timeout * 2
        )
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(location, busy_timeout=busy_timeout, readonly=readonly)
