"""The SQLite schema as named migrations, applied in order and recorded in `migrations`."""

from __future__ import annotations

from bot.storage import sqlite_counters

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
    (
        # follow-ups: pending -> sending (leased) -> done | cancelled; the outbox holds unsent
        # messages only (a sent one is deleted); updates remembers handled update ids
        "0002_outbox_leases_updates",
        """
        ALTER TABLE followups ADD COLUMN owner TEXT;
        ALTER TABLE followups ADD COLUMN lease_until TEXT;
        UPDATE followups SET status='done' WHERE status='sent';
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            user_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            owner TEXT,
            lease_until TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX outbox_user ON outbox (channel, user_id, id);
        CREATE TABLE updates (
            channel TEXT NOT NULL,
            update_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (channel, update_id)
        ) WITHOUT ROWID;
        CREATE INDEX updates_at ON updates (at);
        """,
    ),
    (
        # one user's updates apply in order (an older one is stale); `once` keys (a pressed
        # message) are remembered like update ids
        "0003_update_order_once_keys",
        """
        ALTER TABLE conversations ADD COLUMN last_update_id INTEGER;
        CREATE TABLE once_keys (
            channel TEXT NOT NULL,
            key TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (channel, key)
        ) WITHOUT ROWID;
        CREATE INDEX once_keys_at ON once_keys (at);
        """,
    ),
    (
        # the report's queries read indexes only: events of one kind in a period, each
        # user's events in order with their time and kind (which also serves forget), and
        # whether a user has a follow-up pending (the pending rows only, not the sent ones)
        "0004_report_indexes",
        """
        CREATE INDEX events_kind_at ON events (kind, at);
        CREATE INDEX events_user_order ON events (channel, user_id, id, at, kind);
        DROP INDEX events_user;
        CREATE INDEX cases_opened ON cases (opened_at);
        CREATE INDEX followups_waiting ON followups (channel, user_id)
            WHERE status IN ('pending', 'sending');
        """,
    ),
    (
        # which redaction wrote an unmatched message's text (NULL: an older version, unknown):
        # reports redact again only what another redaction wrote
        "0005_unmatched_redaction",
        """
        ALTER TABLE unmatched ADD COLUMN redaction TEXT;
        """,
    ),
    (
        # the report's counters, kept by triggers, filled from the existing log (sqlite_counters)
        "0006_report_counters",
        sqlite_counters.migration(),
    ),
    (
        # the report's counts of users from the indexes alone: users of the period (first and
        # last event), users per counted value in value order (no sort), whether any user of
        # the period has events out of time order
        "0007_report_indexes",
        """
        CREATE INDEX report_users_period ON report_users (last_at, first_at);
        DROP INDEX report_users_last;
        CREATE INDEX report_user_values_values
            ON report_user_values (kind, v1, v2, last_at, first_at);
        CREATE INDEX report_users_disordered ON report_users (last_at) WHERE NOT ordered;
        """,
    ),
)

#: tables a database must have to be read as a kyc-helper database
REQUIRED_TABLES = frozenset({"events", "cases", "followups", "conversations", "unmatched"})
#: tables that hold rows about a user (forget and purge empty them for that user)
USER_TABLES = ("conversations", "cases", "followups", "events", "unmatched")
