"""A turn on SQLite's database thread: what it reads, and the one transaction that writes it."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import (
    FollowupClaim,
    Key,
    Lease,
    OutboxMessage,
    TurnResult,
    TurnStatus,
    TurnWrite,
)
from bot.storage.sqlite_reads import iso, parse
from bot.storage.sqlite_schema import USER_TABLES
from bot.storage.sqlite_worker import RolledBack


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: taken at once (no upgrade deadlocks), rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class _Seen:
    state: str | None


def read_turn(
    conn: sqlite3.Connection,
    key: Key,
    update_id: int | None,
    once: str | None,
    answers: FollowupClaim | None,
) -> _Seen | TurnStatus:
    """What a turn reads: the state, unless the turn must not run at all."""
    row = conn.execute(
        "SELECT state, last_update_id FROM conversations WHERE channel=? AND user_id=?", key
    ).fetchone()
    if update_id is not None:
        if conn.execute(
            "SELECT 1 FROM updates WHERE channel=? AND update_id=?", (key.channel, update_id)
        ).fetchone():
            return TurnStatus.DUPLICATE
        if row and row[1] is not None and update_id < row[1]:
            return TurnStatus.STALE
    if (
        once is not None
        and conn.execute(
            "SELECT 1 FROM once_keys WHERE channel=? AND key=?", (key.channel, once)
        ).fetchone()
    ):
        return TurnStatus.DUPLICATE
    if (
        answers is not None
        and not conn.execute(
            "SELECT 1 FROM followups WHERE id=? AND status='sending' AND owner=?",
            (answers.id, answers.lease.owner),
        ).fetchone()
    ):
        return TurnStatus.LOST
    return _Seen(row[0] if row else None)


def save_turn(
    conn: sqlite3.Connection,
    key: Key,
    seen: _Seen,
    write: TurnWrite,
    now: datetime,
    lease: Lease,
    update_id: int | None,
    once: str | None,
    answers: FollowupClaim | None,
) -> TurnResult | None:
    """Write a turn inside the transaction the caller opened (`sqlite_worker.Worker.grouped`:
    one that other turns may share); None, having written nothing, if the state changed since
    it was read. A turn that must not apply raises `RolledBack` with its result, to undo what
    it wrote."""
    stamp = iso(now)
    row = conn.execute(
        "SELECT state, last_update_id FROM conversations WHERE channel=? AND user_id=?",
        key,
    ).fetchone()
    if (row[0] if row else None) != seen.state:
        return None
    if update_id is not None:
        _first_time(conn, "updates (channel, update_id, at)", (key.channel, update_id, stamp))
        if row and row[1] is not None and update_id < row[1]:
            raise RolledBack(TurnResult(TurnStatus.STALE))
    if once is not None:
        _first_time(conn, "once_keys (channel, key, at)", (key.channel, once, stamp))
    if answers is not None:
        cur = conn.execute(
            "UPDATE followups SET status='done', sent_at=?, lease_until=NULL"
            " WHERE id=? AND status='sending' AND owner=?",
            (stamp, answers.id, answers.lease.owner),
        )
        if cur.rowcount != 1:
            raise RolledBack(TurnResult(TurnStatus.LOST))
    _write(conn, key, write, stamp)
    if update_id is not None and write.forget is None:
        conn.execute(
            "UPDATE conversations SET last_update_id=max(coalesce(last_update_id, ?), ?)"
            " WHERE channel=? AND user_id=?",
            (update_id, update_id, *key),
        )
    holder = conn.execute(
        "SELECT owner, lease_until FROM outbox WHERE channel=? AND user_id=?"
        " AND owner IS NOT NULL AND lease_until >= ? ORDER BY id LIMIT 1",
        (*key, stamp),
    ).fetchone()
    owner, until = holder if holder else (lease.owner, iso(lease.until))
    outbox = []
    for payload in write.outbox:
        cur = conn.execute(
            "INSERT INTO outbox (channel, user_id, payload, created_at, owner, lease_until)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*key, json.dumps(payload), stamp, owner, until),
        )
        assert cur.lastrowid is not None
        outbox.append(OutboxMessage(cur.lastrowid, key, payload, parse(stamp)))
    return TurnResult(TurnStatus.APPLIED, tuple(outbox))


def _first_time(conn: sqlite3.Connection, into: str, row: tuple[object, ...]) -> None:
    """Record `row` in the table of `into` (a table and its columns), or roll the turn back as
    a duplicate when it is there already (an update or a once-key seen before)."""
    cur = conn.execute(f"INSERT OR IGNORE INTO {into} VALUES (?, ?, ?)", row)  # noqa: S608 (our own table names)
    if cur.rowcount != 1:
        raise RolledBack(TurnResult(TurnStatus.DUPLICATE))

def _write(conn: sqlite3.Connection, key: Key, write: TurnWrite, stamp: str) -> None:
    if write.forget is not None:
        delete_user(conn, key, outbox=False)
        conn.execute(
            "INSERT INTO events (channel, user_id, at, kind, data) VALUES (?, NULL, ?, ?, '{}')",
            (key.channel, stamp, write.forget),
        )
        return
    if write.state is None:
        raise ValueError("a turn that does not forget must write a state")
    conn.execute(
        """INSERT INTO conversations (channel, user_id, state, lang, active, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)
           ON CONFLICT (channel, user_id) DO UPDATE SET
             state=excluded.state, lang=excluded.lang, active=1, updated_at=excluded.updated_at""",
        (*key, write.state, write.lang, stamp, stamp),
    )
    case = write.case
    if case is not None:
        conn.execute(
            """INSERT OR REPLACE INTO cases
               (channel, user_id, number, opened_at, closed_at, status, reasons, attempts, failures, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                *key,
                case.number,
                iso(case.opened_at),
                iso(case.closed_at) if case.closed_at else None,
                case.status,
                json.dumps(list(case.reasons)),
                json.dumps([dict(a) for a in case.attempts]),
                case.failures,
                stamp,
            ),
        )
    if write.reschedule:
        cancel_followups(conn, key)
        if write.followup is not None:
            conn.execute(
                "INSERT INTO followups (channel, user_id, due_at, kind, created_at) VALUES (?, ?, ?, ?, ?)",
                (*key, iso(write.followup.due_at), write.followup.kind, stamp),
            )
    if write.events:
        conn.executemany(
            "INSERT INTO events (channel, user_id, at, kind, data) VALUES (?, ?, ?, ?, ?)",
            [(*key, stamp, e.kind, json.dumps(dict(e.data))) for e in write.events],
        )
    if write.unmatched:
        conn.executemany(
            "INSERT INTO unmatched (channel, user_id, at, text, candidates, redaction)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (*key, stamp, u.text, json.dumps(list(u.candidates)), u.redaction)
                for u in write.unmatched
            ],
        )


def cancel_followups(conn: sqlite3.Connection, key: Key) -> None:
    conn.execute(
        "UPDATE followups SET status='cancelled', lease_until=NULL"
        " WHERE channel=? AND user_id=? AND status IN ('pending', 'sending')",
        tuple(key),
    )


def delete_user(conn: sqlite3.Connection, key: Key, *, outbox: bool) -> None:
    """Delete every row about a user; unsent messages too with `outbox` (they are in flight
    otherwise: the answer to a /forget must still reach the user)."""
    for table in (*USER_TABLES, "outbox") if outbox else USER_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE channel=? AND user_id=?", tuple(key))
