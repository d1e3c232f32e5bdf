"""PostgreSQL schema: versioned migrations, applied once under an advisory lock.

`migrate()` runs in one transaction that first takes a transaction-scoped advisory lock, so
instances starting together apply each migration exactly once: the second waits for the first
to commit, then finds nothing left to do. PostgreSQL's DDL is transactional, so a migration that
fails leaves no half-made table behind. The lock is keyed by the current schema, so separate
schemas in one database (the tests use one each) migrate independently.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.storage import postgres_counters

log = logging.getLogger(__name__)

#: first key of every advisory lock this application takes (the second names what is locked)
LOCK_SPACE = 0x6B7963  # "kyc"
#: second key for the migration lock (hashed with the schema name)
MIGRATE_LOCK = "migrate"

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        # the same tables as SQLite's (bot/storage/sqlite_schema.py), with real types: times are
        # timestamptz, JSON is jsonb. Follow-ups: pending -> sending (leased) -> done | cancelled;
        # the outbox holds unsent messages only; updates remembers handled update ids.
        "0001_initial",
        """
        CREATE TABLE conversations (
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            state TEXT NOT NULL,
            lang TEXT,
            active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            last_update_id BIGINT,
            PRIMARY KEY (channel, user_id)
        );
        CREATE INDEX conversations_updated ON conversations (updated_at);
        CREATE TABLE cases (
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            opened_at TIMESTAMPTZ NOT NULL,
            closed_at TIMESTAMPTZ,
            status TEXT NOT NULL,
            reasons JSONB NOT NULL,
            attempts JSONB NOT NULL,
            failures INTEGER NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (channel, user_id, number)
        );
        CREATE INDEX cases_opened ON cases (opened_at);
        CREATE TABLE followups (
            id BIGSERIAL PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            due_at TIMESTAMPTZ NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TIMESTAMPTZ NOT NULL,
            sent_at TIMESTAMPTZ,
            owner TEXT,
            lease_until TIMESTAMPTZ
        );
        -- the scheduler's tick walks this index from the earliest due time: O(log n) per claim
        CREATE INDEX followups_open ON followups (due_at, id)
            WHERE status IN ('pending', 'sending');
        CREATE INDEX followups_user ON followups (channel, user_id);
        CREATE TABLE outbox (
            id BIGSERIAL PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            payload JSONB NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            owner TEXT,
            lease_until TIMESTAMPTZ,
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX outbox_user ON outbox (channel, user_id, id);
        CREATE TABLE updates (
            channel TEXT NOT NULL,
            update_id BIGINT NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (channel, update_id)
        );
        CREATE INDEX updates_at ON updates (at);
        CREATE TABLE once_keys (
            channel TEXT NOT NULL,
            key TEXT NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (channel, key)
        );
        CREATE INDEX once_keys_at ON once_keys (at);
        CREATE TABLE events (
            id BIGSERIAL PRIMARY KEY,
            channel TEXT,
            user_id TEXT,
            at TIMESTAMPTZ NOT NULL,
            kind TEXT NOT NULL,
            data JSONB NOT NULL
        );
        CREATE INDEX events_at ON events (at);
        CREATE INDEX events_user ON events (channel, user_id);
        CREATE TABLE unmatched (
            id BIGSERIAL PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            text TEXT NOT NULL,
            candidates JSONB NOT NULL
        );
        CREATE INDEX unmatched_at ON unmatched (at);
        CREATE INDEX unmatched_user ON unmatched (channel, user_id);
        """,
    ),
    (
        # the report's queries read indexes only: events of one kind in a period, each
        # user's events in order with their time and kind (which also serves forget), and
        # whether a user has a follow-up pending (the pending rows only, not the sent ones)
        "0002_report_indexes",
        """
        CREATE INDEX events_kind_at ON events (kind, at);
        CREATE INDEX events_user_order ON events (channel, user_id, id) INCLUDE (at, kind);
        DROP INDEX events_user;
        CREATE INDEX followups_waiting ON followups (channel, user_id)
            WHERE status IN ('pending', 'sending');
        """,
    ),
    (
        # which redaction wrote an unmatched message's text (NULL: an older version, unknown):
        # reports redact again only what another redaction wrote
        "0003_unmatched_redaction",
        """
        ALTER TABLE unmatched ADD COLUMN redaction TEXT;
        """,
    ),
    (
        # the report's counters, kept by triggers, filled from the existing log
        # (postgres_counters)
        "0004_report_counters",
        postgres_counters.migration(),
    ),
)

#: tables a database must have to be read as a kyc-helper database
REQUIRED_TABLES = frozenset({"events", "cases", "followups", "conversations", "unmatched"})
#: tables that hold rows about a user (forget and purge empty them for that user)
USER_TABLES = ("conversations", "cases", "followups", "events", "unmatched")


async def migrate(conn: Any) -> list[str]:
    """Apply the migrations not yet recorded, under the migration lock; return their names.

    `conn` is an asyncpg connection (not in a transaction).
    """
    applied: list[str] = []
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2 || ':' || current_schema()))",
            LOCK_SPACE,
            MIGRATE_LOCK,
        )
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations "
            "(name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row["name"] for row in await conn.fetch("SELECT name FROM migrations")}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            await conn.execute(sql)
            await conn.execute("INSERT INTO migrations (name) VALUES ($1)", name)
            applied.append(name)
    for name in applied:
        log.info("applied migration %s", name)
    return applied
