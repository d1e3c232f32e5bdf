"""The PostgreSQL backend of `bot.storage.base.Store`: several instances share one database.

    instance A --run_turn--> BEGIN; advisory lock (channel:user); read; decide; write; COMMIT
    instance B --run_turn--> (same user: waits for A's commit; other users: runs at once)
    any instance --claim_followups--> UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)

A turn is one transaction holding a transaction-scoped advisory lock on its conversation, so one
user's turns run one at a time whichever instance received them, while other users' run in
parallel. Update ids are remembered in the same transaction (a duplicate runs nothing), and an
update older than the newest one applied to the conversation is stale and runs nothing: one
user's updates are applied in Telegram's order. Due follow-ups are leased in a short
transaction that skips rows another instance is claiming (procrastinate's shape), so each is
claimed by exactly one instance; the lease lets another instance retry it if the first died.

Connections come from an asyncpg pool; every database error surfaces as `StoreError`.
Statements are never logged with their parameters (they carry what users wrote, redacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import asyncpg

from bot.shared.errors import StoreError
from bot.storage import postgres_transfer
from bot.storage.base import (
    Conversation,
    Decide,
    FollowupClaim,
    Key,
    Lease,
    OutboxMessage,
    Scheduled,
    TurnResult,
    TurnStatus,
)
from bot.storage.postgres_reads import ReadModel, utc
from bot.storage.postgres_report import ReportQueries
from bot.storage.postgres_schema import REQUIRED_TABLES, migrate
from bot.storage.postgres_turns import (
    Abort,
    cancel_followups,
    delete_user,
    lock_conversation,
    run_turn,
)
from bot.storage.transfer import Row

log = logging.getLogger(__name__)

#: errors that mean the database failed us, whatever the statement
DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


async def _init_connection(conn: asyncpg.Connection) -> None:
    """Read and write jsonb as Python values; times come back as aware UTC datetimes."""
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: the store leaves no session
    state (its advisory locks are transaction-scoped; no LISTEN, no SET). asyncpg's default
    reset is one more round trip per use; an open transaction is still rolled back."""


class PostgresStore(ReadModel, ReportQueries):
    """Open with `await PostgresStore.open(url)`; close with `await store.close()`."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.url = url

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        readonly: bool = False,
        migrate_schema: bool = True,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 10.0,
    ) -> PostgresStore:
        """Connect a pool to `url` and apply pending migrations (under the migration lock).

        `readonly` checks that the tables exist and opens every transaction read-only
        (reports); `migrate_schema=False` leaves the schema alone (`python -m bot migrate`
        checks it separately).
        """
        settings = {"application_name": "kyc-helper"}
        if readonly:
            settings["default_transaction_read_only"] = "on"
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min_size,
                max_size=max_size,
                timeout=timeout,
                command_timeout=60,
                init=_init_connection,
                reset=_keep_session,
                server_settings=settings,
            )
        except (*DATABASE_ERRORS, ValueError) as exc:
            raise StoreError(f"cannot open database {_where(url)}: {_reason(exc)}") from exc
        store = cls(pool, url)
        try:
            async with pool.acquire() as conn:
                if readonly:
                    await store._check_tables(conn)
                elif migrate_schema:
                    await migrate(conn)
        except (*DATABASE_ERRORS, StoreError) as exc:
            await pool.close()
            raise StoreError(f"cannot open database {_where(url)}: {_reason(exc)}") from exc
        return store

    async def _check_tables(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema()"
        )
        missing = REQUIRED_TABLES - {r["table_name"] for r in rows}
        if missing:
            raise StoreError(f"not a kyc-helper database (no table {', '.join(sorted(missing))})")

    @property
    def location(self) -> str:
        """Where another process opens this database (`open_store`)."""
        return self.url

    async def close(self) -> None:
        with contextlib.suppress(*DATABASE_ERRORS):
            await asyncio.wait_for(self._pool.close(), timeout=10)

    async def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; return their names."""
        async with self._connection("apply migrations") as conn:
            return await migrate(conn)

    async def ping(self, timeout: float = 5.0) -> None:
        """Raise StoreError unless the database answers (readiness checks).

        On a connection of its own, so that a pool busy with turns does not make a healthy
        instance look unready (and a dead server is noticed even while the pool is idle).
        """
        try:
            conn = await asyncpg.connect(self.url, timeout=timeout)
            try:
                await conn.fetchval("SELECT 1", timeout=timeout)
            finally:
                await conn.close(timeout=timeout)
        except DATABASE_ERRORS as exc:
            raise StoreError(f"cannot reach the database: {_reason(exc)}") from exc

    @contextlib.asynccontextmanager
    async def _connection(self, what: str) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; database errors inside the block become StoreError."""
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except DATABASE_ERRORS as exc:
            raise StoreError(f"cannot {what}: {_reason(exc)}") from exc

    @contextlib.asynccontextmanager
    async def _transaction(self, what: str) -> AsyncIterator[asyncpg.Connection]:
        async with self._connection(what) as conn, conn.transaction():
            yield conn

    # -- moving data ---------------------------------------------------------------------------

    async def dump_rows(self) -> AsyncIterator[tuple[str, Row]]:
        """Yield every row for `python -m bot export`, from one consistent snapshot."""
        try:
            async with (
                self._pool.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                async for item in postgres_transfer.dump(conn):
                    yield item
        except DATABASE_ERRORS as exc:
            raise StoreError(f"cannot export: {_reason(exc)}") from exc

    async def load_rows(self, rows: AsyncIterator[tuple[str, Row]]) -> dict[str, int]:
        """Insert exported rows into this (empty) database, all or nothing."""
        async with self._transaction("import") as conn:
            return await postgres_transfer.load(conn, rows)

    # -- turns ---------------------------------------------------------------------------------

    async def run_turn(
        self,
        key: Key,
        decide: Decide,
        *,
        now: datetime,
        lease: Lease,
        update_id: int | None = None,
        once: str | None = None,
        answers: FollowupClaim | None = None,
    ) -> TurnResult:
        key = Key(*key)
        try:
            async with self._transaction("save the turn") as conn:
                outbox = await run_turn(conn, key, decide, now, lease, update_id, once, answers)
        except Abort as abort:
            return TurnResult(abort.status)
        return TurnResult(TurnStatus.APPLIED, outbox)

    async def load(self, key: Key) -> Conversation | None:
        async with self._connection("read the conversation") as conn:
            row = await conn.fetchrow(
                "SELECT state, lang, active, updated_at FROM conversations"
                " WHERE channel=$1 AND user_id=$2",
                *key,
            )
        if row is None:
            return None
        return Conversation(Key(*key), row["state"], row["lang"], row["active"], utc(row["updated_at"]))

    async def set_active(self, key: Key, active: bool) -> None:
        async with self._transaction("mark the user inactive") as conn:
            await conn.execute(
                "UPDATE conversations SET active=$3 WHERE channel=$1 AND user_id=$2", *key, active
            )
            if not active:
                await cancel_followups(conn, Key(*key))

    async def purge(
        self, now: datetime, *, conversations_before: datetime, updates_before: datetime
    ) -> int:
        async with self._connection("purge old conversations") as conn:
            stale = await conn.fetch(
                "SELECT channel, user_id FROM conversations WHERE updated_at < $1",
                conversations_before,
            )
        purged = 0
        for row in stale:
            key = Key(row["channel"], row["user_id"])
            async with self._transaction("purge old conversations") as conn:
                await lock_conversation(conn, key)
                untouched = await conn.fetchval(
                    "SELECT updated_at < $3 FROM conversations WHERE channel=$1 AND user_id=$2",
                    *key,
                    conversations_before,
                )
                if not untouched:
                    continue  # a turn came in meanwhile
                await delete_user(conn, key, outbox=True)
                await conn.execute(
                    "INSERT INTO events (channel, user_id, at, kind, data)"
                    " VALUES ($1, NULL, $2, 'purged', '{}'::jsonb)",
                    key.channel,
                    now,
                )
                purged += 1
        async with self._connection("forget old update ids") as conn:
            await conn.execute("DELETE FROM updates WHERE at < $1", updates_before)
            await conn.execute("DELETE FROM once_keys WHERE at < $1", updates_before)
        return purged

    # -- follow-ups ----------------------------------------------------------------------------

    async def claim_followups(
        self, now: datetime, lease: Lease, channels: Sequence[str], limit: int = 100
    ) -> list[FollowupClaim]:
        # one statement is one transaction: no BEGIN and COMMIT round trips around it
        async with self._connection("claim due follow-ups") as conn:
            rows = await conn.fetch(CLAIM_FOLLOWUPS, now, list(channels), lease.owner, lease.until, limit)
        claims = [
            FollowupClaim(r["id"], Key(r["channel"], r["user_id"]), utc(r["due_at"]), r["kind"], lease)
            for r in rows
        ]
        return sorted(claims, key=lambda c: (c.due_at, c.id))

    async def next_due(self, until: datetime) -> datetime | None:
        async with self._connection("read follow-ups") as conn:
            value = await conn.fetchval(
                "SELECT min(due_at) FROM followups WHERE status IN ('pending', 'sending')"
                " AND due_at <= $1",
                until,
            )
        return utc(value) if value else None

    async def scheduled(self, key: Key) -> list[Scheduled]:
        async with self._connection("read follow-ups") as conn:
            rows = await conn.fetch(
                "SELECT due_at, kind FROM followups WHERE channel=$1 AND user_id=$2"
                " AND status IN ('pending', 'sending') ORDER BY due_at, id",
                *key,
            )
        return [Scheduled(utc(r["due_at"]), r["kind"]) for r in rows]

    # -- the outbox ------------------------------------------------------------------------------

    async def claim_outbox(self, key: Key, now: datetime, lease: Lease) -> list[OutboxMessage]:
        key = Key(*key)
        async with self._transaction("claim outgoing messages") as conn:
            rows = await conn.fetch(
                "SELECT id, payload, created_at, attempts, owner, lease_until FROM outbox"
                " WHERE channel=$1 AND user_id=$2 ORDER BY id FOR UPDATE",
                *key,
            )
            if any(r["owner"] not in (None, lease.owner) and r["lease_until"] >= now for r in rows):
                return []  # another instance is sending this conversation's earlier messages
            if rows:
                await conn.execute(
                    "UPDATE outbox SET owner=$2, lease_until=$3 WHERE id = ANY($1::bigint[])",
                    [r["id"] for r in rows],
                    lease.owner,
                    lease.until,
                )
        return [
            OutboxMessage(r["id"], key, r["payload"], utc(r["created_at"]), r["attempts"])
            for r in rows
        ]

    async def outbox_keys(self, channel: str, now: datetime, owner: str) -> list[Key]:
        async with self._connection("read outgoing messages") as conn:
            rows = await conn.fetch(
                "SELECT channel, user_id, min(id) AS first FROM outbox WHERE channel=$1"
                " AND (owner IS NULL OR owner=$2 OR lease_until < $3)"
                " GROUP BY channel, user_id ORDER BY first",
                channel,
                owner,
                now,
            )
        return [Key(r["channel"], r["user_id"]) for r in rows]

    async def mark_sent(self, *message_ids: int) -> None:
        async with self._connection("mark messages sent") as conn:
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", list(message_ids))

    async def release(self, message_ids: Sequence[int]) -> None:
        async with self._connection("release outgoing messages") as conn:
            await conn.execute(
                "UPDATE outbox SET owner=NULL, lease_until=NULL, attempts=attempts+1"
                " WHERE id = ANY($1::bigint[])",
                list(message_ids),
            )

    async def drop(self, message_ids: Sequence[int]) -> None:
        async with self._connection("drop outgoing messages") as conn:
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", list(message_ids))


#: Lease the due follow-ups: pending ones, expired leases, and our own. Rows another instance is
#: claiming right now are skipped, not waited for; the partial index on (due_at, id) makes this
#: a walk from the earliest due time that stops after `limit` rows.
CLAIM_FOLLOWUPS = """
WITH due AS (
    SELECT id FROM followups
    WHERE status IN ('pending', 'sending') AND due_at <= $1 AND channel = ANY($2::text[])
      AND (status = 'pending' OR owner = $3 OR lease_until < $1)
    ORDER BY due_at, id
    LIMIT $5
    FOR UPDATE SKIP LOCKED
)
UPDATE followups f SET status = 'sending', owner = $3, lease_until = $4
FROM due WHERE f.id = due.id
RETURNING f.id, f.channel, f.user_id, f.due_at, f.kind
"""


def _where(url: str) -> str:
    """Return the server and database of a URL, without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or ''}"


def _reason(exc: BaseException) -> str:
    """Return an error's message on one line (asyncpg's can span several)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

