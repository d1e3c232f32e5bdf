"""One turn on PostgreSQL: the conversation lock, the update-id checks, and every write."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from bot.storage.base import (
    Decide,
    FollowupClaim,
    Key,
    Lease,
    OutboxMessage,
    TurnStatus,
    TurnWrite,
)
from bot.storage.postgres_reads import utc
from bot.storage.postgres_schema import LOCK_SPACE, USER_TABLES

#: second advisory-lock key space for conversations (the first is LOCK_SPACE)
CONVERSATION_LOCK = LOCK_SPACE + 1


class Abort(Exception):
    """Roll the turn back and report `status` (not an error)."""

    def __init__(self, status: TurnStatus) -> None:
        self.status = status


def count(status: str) -> int:
    """Return the row count of a command status such as `UPDATE 3`."""
    return int(status.rsplit(" ", 1)[-1])


async def lock_conversation(conn: asyncpg.Connection, key: Key) -> None:
    """Wait for, then hold until commit, the lock that serialises one conversation's turns."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2 || ':' || $3))",
        CONVERSATION_LOCK,
        key.channel,
        key.user_id,
    )


async def run_turn(
    conn: asyncpg.Connection,
    key: Key,
    decide: Decide,
    now: datetime,
    lease: Lease,
    update_id: int | None,
    once: str | None,
    answers: FollowupClaim | None,
) -> tuple[OutboxMessage, ...]:
    await lock_conversation(conn, key)
    row = await conn.fetchrow(
        "SELECT state, last_update_id FROM conversations WHERE channel=$1 AND user_id=$2", *key
    )
    if update_id is not None:
        inserted = await conn.execute(
            "INSERT INTO updates (channel, update_id, at) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            key.channel,
            update_id,
            now,
        )
        if count(inserted) != 1:
            raise Abort(TurnStatus.DUPLICATE)
        last = row["last_update_id"] if row else None
        if last is not None and update_id < last:
            raise Abort(TurnStatus.STALE)
    if once is not None:
        inserted = await conn.execute(
            "INSERT INTO once_keys (channel, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            key.channel,
            once,
            now,
        )
        if count(inserted) != 1:
            raise Abort(TurnStatus.DUPLICATE)
    if answers is not None:
        done = await conn.execute(
            "UPDATE followups SET status='done', sent_at=$2, lease_until=NULL"
            " WHERE id=$1 AND status='sending' AND owner=$3",
            answers.id,
            now,
            answers.lease.owner,
        )
        if count(done) != 1:
            raise Abort(TurnStatus.LOST)
    write = decide(row["state"] if row else None)
    await _write(conn, key, write, now, update_id)
    # whoever is sending this conversation's earlier messages sends these too, in order
    holder = await conn.fetchrow(
        "SELECT owner, lease_until FROM outbox WHERE channel=$1 AND user_id=$2"
        " AND owner IS NOT NULL AND lease_until >= $3 ORDER BY id LIMIT 1",
        *key,
        now,
    )
    owner, until = (holder["owner"], holder["lease_until"]) if holder else (lease.owner, lease.until)
    outbox = []
    for payload in write.outbox:
        message_id = await conn.fetchval(
            "INSERT INTO outbox (channel, user_id, payload, created_at, owner, lease_until)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            *key,
            payload,
            now,
            owner,
            until,
        )
        outbox.append(OutboxMessage(message_id, key, payload, utc(now)))
    return tuple(outbox)


async def _write(
    conn: asyncpg.Connection, key: Key, write: TurnWrite, now: datetime, update_id: int | None
) -> None:
    if write.forget is not None:
        await delete_user(conn, key, outbox=False)
        await conn.execute(
            "INSERT INTO events (channel, user_id, at, kind, data)"
            " VALUES ($1, NULL, $2, $3, '{}'::jsonb)",
            key.channel,
            now,
            write.forget,
        )
        return
    if write.state is None:
        raise ValueError("a turn that does not forget must write a state")
    await conn.execute(
        """INSERT INTO conversations
             (channel, user_id, state, lang, active, created_at, updated_at, last_update_id)
           VALUES ($1, $2, $3, $4, TRUE, $5, $5, $6)
           ON CONFLICT (channel, user_id) DO UPDATE SET
             state=excluded.state, lang=excluded.lang, active=TRUE,
             updated_at=excluded.updated_at,
             last_update_id=GREATEST(conversations.last_update_id, excluded.last_update_id)""",
        *key,
        write.state,
        write.lang,
        now,
        update_id,
    )
    case = write.case
    if case is not None:
        await conn.execute(
            """INSERT INTO cases (channel, user_id, number, opened_at, closed_at, status,
                                  reasons, attempts, failures, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (channel, user_id, number) DO UPDATE SET
                 opened_at=excluded.opened_at, closed_at=excluded.closed_at,
                 status=excluded.status, reasons=excluded.reasons, attempts=excluded.attempts,
                 failures=excluded.failures, updated_at=excluded.updated_at""",
            *key,
            case.number,
            case.opened_at,
            case.closed_at,
            case.status,
            list(case.reasons),
            [dict(a) for a in case.attempts],
            case.failures,
            now,
        )
    if write.reschedule:
        await cancel_followups(conn, key)
        if write.followup is not None:
            await conn.execute(
                "INSERT INTO followups (channel, user_id, due_at, kind, created_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                *key,
                write.followup.due_at,
                write.followup.kind,
                now,
            )
    if write.events:
        await conn.executemany(
            "INSERT INTO events (channel, user_id, at, kind, data) VALUES ($1, $2, $3, $4, $5)",
            [(*key, now, e.kind, dict(e.data)) for e in write.events],
        )
    if write.unmatched:
        await conn.executemany(
            "INSERT INTO unmatched (channel, user_id, at, text, candidates, redaction)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(*key, now, u.text, list(u.candidates), u.redaction) for u in write.unmatched],
        )


async def cancel_followups(conn: asyncpg.Connection, key: Key) -> None:
    await conn.execute(
        "UPDATE followups SET status='cancelled', lease_until=NULL"
        " WHERE channel=$1 AND user_id=$2 AND status IN ('pending', 'sending')",
        *key,
    )


async def delete_user(conn: asyncpg.Connection, key: Key, *, outbox: bool) -> None:
    """Delete every row about a user; unsent messages too with `outbox` (otherwise they are
    in flight: the answer to a /forget must still reach the user)."""
    for table in (*USER_TABLES, "outbox") if outbox else USER_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE channel=$1 AND user_id=$2", *key)
