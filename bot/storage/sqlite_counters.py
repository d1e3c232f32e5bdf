"""The report's counters on SQLite: kept current by triggers as events are written.

    events --AFTER INSERT--> report_kinds   (hour, kind): how many
                             report_values  (hour, kind, field values): how many (topic, step)
                             report_users   one row per user: first and last event time, the
                                            last event (kind, reason, step), when they last
                                            acted, when a quiet event came last, their open case
                             report_user_values  (user, kind, values): first and last time
                             report_cases   (user, case number): when its case_opened came, the
                                            last event while it was open, its flags, closed
           --AFTER DELETE--> counts go down; a user's rows go (forget and purge delete all of a
                             user's events at once: the only deletes of events)

The triggers run in the transaction that writes the events (a turn, a forget, a purge, an
import), so the counters never disagree with the log. The migration that adds them replays the
existing log through the same triggers (in id order), so an upgraded database counts what it
always held. What they count is `report_terms.COUNTED`; the queries using them are in
`sqlite_report`.

A report then reads rows that grow with hours x kinds and values, and with the users and cases
of the period, not with the events: the period's first and last hour are read from the log
(up to two hours of events), the hours between from `report_kinds` and `report_values`.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.storage.report_terms import COUNTED, COUNTED_FIELDS
from bot.storage.sqlite_reads import iso

#: stands for a missing field value in the counters' keys (JSON values are never blobs)
MISSING = b""


def _q(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def _field(field: str, row: str = "NEW") -> str:
    return f"ifnull(json_extract({row}.data, '$.\"{field}\"'), x'')"


def _kinds(words: Sequence[str]) -> str:
    return ", ".join(_q(w) for w in words)


def _value_triggers(row: str) -> tuple[str, str]:
    """(on insert, on delete) statements for the counted field values."""
    inserts, deletes = [], []
    for kind, fields in COUNTED_FIELDS.items():
        v1 = _field(fields[0], row)
        v2 = _field(fields[1], row) if len(fields) > 1 else "x''"
        inserts.append(
            f"INSERT INTO report_values SELECT substr(NEW.at, 1, 13), NEW.kind, {v1}, {v2}, 1"
            f" WHERE NEW.kind = {_q(kind)} ON CONFLICT DO UPDATE SET n = n + 1;"
            f" INSERT INTO report_user_values SELECT NEW.channel, NEW.user_id, NEW.kind,"
            f" {v1}, {v2}, NEW.at, NEW.at WHERE NEW.kind = {_q(kind)}"
            f" AND NEW.user_id IS NOT NULL ON CONFLICT DO UPDATE SET"
            f" first_at = min(first_at, excluded.first_at),"
            f" last_at = max(last_at, excluded.last_at);"
        )
        old_v2 = _field(fields[1], "OLD") if len(fields) > 1 else "x''"
        deletes.append(
            f"UPDATE report_values SET n = n - 1 WHERE OLD.kind = {_q(kind)}"
            f" AND kind = OLD.kind AND hour = substr(OLD.at, 1, 13)"
            f" AND v1 = {_field(fields[0], 'OLD')} AND v2 = {old_v2};"
        )
    return "\n".join(inserts), "\n".join(deletes)


def migration() -> str:
    """The SQL of the migration that adds the counters and fills them from the log."""
    t = COUNTED
    number = f"CAST(json_extract(NEW.data, '$.\"{t.case_field}\"') AS INTEGER)"
    flags = ", ".join(f"f{i} = f{i} OR NEW.kind = {_q(k)}" for i, k in enumerate(t.case_flags))
    flag_columns = "".join(f", f{i} INTEGER NOT NULL DEFAULT 0" for i in range(len(t.case_flags)))
    reason, step = (_field(f) for f in t.last_fields)
    value_inserts, value_deletes = _value_triggers("NEW")
    insert_trigger = f"""
        CREATE TRIGGER report_count AFTER INSERT ON events BEGIN
        INSERT INTO report_kinds VALUES (substr(NEW.at, 1, 13), NEW.kind, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        INSERT INTO report_users SELECT NEW.channel, NEW.user_id, NEW.at, NEW.at, NEW.id,
            NEW.kind, {reason}, {step},
            CASE WHEN NEW.kind NOT IN ({_kinds(t.quiet)}) THEN NEW.at END,
            CASE WHEN NEW.kind IN ({_kinds(t.quiet)}) THEN NEW.at END,
            CASE WHEN NEW.kind = {_q(t.case_opened)} THEN {number} END, 1
            WHERE NEW.user_id IS NOT NULL
            ON CONFLICT DO UPDATE SET
            ordered = ordered AND excluded.last_at >= last_at AND excluded.last_id > last_id,
            first_at = min(first_at, excluded.first_at),
            last_at = max(last_at, excluded.last_at),
            last_id = excluded.last_id, last_kind = excluded.last_kind,
            last_reason = excluded.last_reason, last_step = excluded.last_step,
            acted_at = max(ifnull(acted_at, ''), ifnull(excluded.acted_at, '')),
            quiet_at = max(ifnull(quiet_at, ''), ifnull(excluded.quiet_at, '')),
            open_case = CASE WHEN NEW.kind = {_q(t.case_opened)} THEN excluded.open_case
                        ELSE open_case END;
        INSERT INTO report_cases (channel, user_id, number, opened_at)
            SELECT NEW.channel, NEW.user_id, {number}, NEW.at
            WHERE NEW.kind = {_q(t.case_opened)} AND NEW.user_id IS NOT NULL
            AND {number} IS NOT NULL
            ON CONFLICT DO UPDATE SET opened_at = min(ifnull(opened_at, excluded.opened_at),
                                                      excluded.opened_at);
        UPDATE report_cases SET last_id = NEW.id, last_kind = NEW.kind{", " + flags if flags else ""}
            WHERE channel = NEW.channel AND user_id = NEW.user_id AND number = (
                SELECT open_case FROM report_users
                WHERE channel = NEW.channel AND user_id = NEW.user_id);
        END"""
    kinds = _kinds(list(COUNTED_FIELDS))
    value_trigger = f"""
        CREATE TRIGGER report_count_values AFTER INSERT ON events
        WHEN NEW.kind IN ({kinds}) BEGIN
        {value_inserts}
        END"""
    closed_trigger = f"""
        CREATE TRIGGER report_count_closed AFTER INSERT ON events
        WHEN NEW.kind = {_q(t.case_closed)} AND NEW.user_id IS NOT NULL BEGIN
        INSERT INTO report_cases (channel, user_id, number, closed_at)
            SELECT NEW.channel, NEW.user_id, {number}, NEW.at WHERE {number} IS NOT NULL
            ON CONFLICT DO UPDATE SET closed_at = min(ifnull(closed_at, excluded.closed_at),
                                                      excluded.closed_at);
        END"""
    delete_trigger = f"""
        CREATE TRIGGER report_uncount AFTER DELETE ON events BEGIN
        UPDATE report_kinds SET n = n - 1 WHERE hour = substr(OLD.at, 1, 13) AND kind = OLD.kind;
        {value_deletes}
        DELETE FROM report_users WHERE channel = OLD.channel AND user_id = OLD.user_id;
        DELETE FROM report_user_values WHERE channel = OLD.channel AND user_id = OLD.user_id;
        DELETE FROM report_cases WHERE channel = OLD.channel AND user_id = OLD.user_id;
        END"""
    return f"""
        CREATE TABLE report_kinds (
            hour TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (hour, kind)
        ) WITHOUT ROWID;
        CREATE TABLE report_values (
            hour TEXT NOT NULL, kind TEXT NOT NULL, v1 NOT NULL, v2 NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (kind, hour, v1, v2)
        ) WITHOUT ROWID;
        CREATE TABLE report_users (
            channel TEXT NOT NULL, user_id TEXT NOT NULL,
            first_at TEXT NOT NULL, last_at TEXT NOT NULL,
            last_id INTEGER NOT NULL, last_kind TEXT NOT NULL, last_reason, last_step,
            acted_at TEXT, quiet_at TEXT, open_case INTEGER, ordered INTEGER NOT NULL,
            PRIMARY KEY (channel, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX report_users_last ON report_users (last_at);
        CREATE TABLE report_user_values (
            channel TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
            v1 NOT NULL, v2 NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
            PRIMARY KEY (channel, user_id, kind, v1, v2)
        ) WITHOUT ROWID;
        CREATE INDEX report_user_values_kind
            ON report_user_values (kind, last_at, first_at, v1, v2);
        CREATE TABLE report_cases (
            channel TEXT NOT NULL, user_id TEXT NOT NULL, number INTEGER NOT NULL,
            opened_at TEXT, last_id INTEGER, last_kind TEXT, closed_at TEXT{flag_columns},
            PRIMARY KEY (channel, user_id, number)
        ) WITHOUT ROWID;
        {insert_trigger};
        {value_trigger};
        {closed_trigger};
        CREATE TEMP TABLE report_replay AS SELECT * FROM events;
        DELETE FROM events;
        INSERT INTO events SELECT * FROM report_replay ORDER BY id;
        DROP TABLE report_replay;
        {delete_trigger};
    """


# -- reading them ----------------------------------------------------------------------------


def available(conn: sqlite3.Connection) -> bool:
    """Say whether this database has the counters (a read-only store may open an older one)."""
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'report_count'"
        ).fetchone()
    )


def _hour(dt: datetime) -> datetime:
    return dt.replace(minute=0, second=0, microsecond=0)


def spans(
    since: datetime, until: datetime
) -> tuple[list[tuple[str, str, bool]], tuple[str, str] | None]:
    """Split a period into the parts read from the log ((from, to, to_inclusive) as stored
    text) and the whole hours between, read from the counters ((first, last) hour keys, last
    excluded), if any."""
    first_full = _hour(since) + timedelta(hours=1)
    last_hour = _hour(until)
    if last_hour < first_full:
        return [(iso(since), iso(until), True)], None
    hours = (iso(first_full)[:13], iso(last_hour)[:13])
    return [(iso(since), iso(first_full), False), (iso(last_hour), iso(until), True)], (
        hours if hours[0] < hours[1] else None
    )


def kind_counts(conn: sqlite3.Connection, since: datetime, until: datetime) -> Counter[str]:
    logged, hours = spans(since, until)
    kinds: Counter[str] = Counter()
    for lo, hi, inclusive in logged:
        for kind, n in conn.execute(
            f"SELECT kind, count(*) FROM events WHERE at >= ? AND at {'<=' if inclusive else '<'} ?"
            " GROUP BY kind",
            (lo, hi),
        ):
            kinds[kind] += n
    if hours:
        for kind, n in conn.execute(
            "SELECT kind, sum(n) FROM report_kinds WHERE hour >= ? AND hour < ? GROUP BY kind",
            hours,
        ):
            kinds[kind] += n
    return +kinds  # counts that went to zero (forgotten users) are no kinds


def active_users(conn: sqlite3.Connection, since: datetime, until: datetime) -> int:
    """Users with an event in the period: their first or last event is in it, or it lies
    between the two and the log says whether one fell in it."""
    lo, hi = iso(since), iso(until)
    (n,) = conn.execute(
        "SELECT count(*) FROM report_users u WHERE u.last_at >= ? AND (u.last_at <= ?"
        " OR u.first_at BETWEEN ? AND ? OR (u.first_at < ? AND EXISTS (SELECT 1 FROM events e"
        " WHERE e.channel = u.channel AND e.user_id = u.user_id AND e.at >= ? AND e.at <= ?)))",
        (lo, hi, lo, hi, lo, lo, hi),
    ).fetchone()
    return int(n)


def value_counts(
    conn: sqlite3.Connection, since: datetime, until: datetime, kind: str
) -> list[tuple[Any, Any, int, int]]:
    """(v1, v2, events, users) of a counted kind in the period (MISSING for absent values)."""
    fields = COUNTED_FIELDS[kind]
    v1 = _field(fields[0], "e")
    v2 = _field(fields[1], "e") if len(fields) > 1 else "x''"
    logged, hours = spans(since, until)
    counts: Counter[tuple[Any, Any]] = Counter()
    for lo, hi, inclusive in logged:
        for a, b, n in conn.execute(
            f"SELECT {v1}, {v2}, count(*) FROM events e WHERE kind = ? AND at >= ?"
            f" AND at {'<=' if inclusive else '<'} ? GROUP BY 1, 2",
            (kind, lo, hi),
        ):
            counts[(a, b)] += n
    if hours:
        for a, b, n in conn.execute(
            "SELECT v1, v2, sum(n) FROM report_values WHERE kind = ? AND hour >= ? AND hour < ?"
            " GROUP BY v1, v2",
            (kind, *hours),
        ):
            counts[(a, b)] += n
    lo, hi = iso(since), iso(until)
    users = dict(
        ((a, b), n)
        for a, b, n in conn.execute(
            f"SELECT v.v1, v.v2, count(*) FROM report_user_values v WHERE v.kind = ?"
            f" AND v.last_at >= ? AND (v.last_at <= ? OR v.first_at BETWEEN ? AND ?"
            f" OR (v.first_at < ? AND EXISTS (SELECT 1 FROM events e WHERE e.channel = v.channel"
            f" AND e.user_id = v.user_id AND e.kind = v.kind AND e.at >= ? AND e.at <= ?"
            f" AND {v1} = v.v1 AND {v2} = v.v2))) GROUP BY v.v1, v.v2",
            (kind, lo, hi, lo, hi, lo, lo, hi),
        )
    )
    return [(a, b, n, users.get((a, b), 0)) for (a, b), n in counts.items() if n > 0]


def _clean_user(u: str, c: str) -> str:
    """SQL: the user's summary row answers for the period (?1 to ?2) as the log would: their
    events came in time order, none after the period, none after their conversation's last
    update. Otherwise (a clock set back, a period in the past) their row is read from the log."""
    return (
        f"({u}.ordered AND {u}.last_at <= ?2"
        f" AND ({c}.updated_at IS NULL OR {c}.updated_at >= {u}.last_at))"
    )


def user_activity_sql(scan: bool = False) -> str:
    """One row per user with an event in the period, as the log query gives it (parameters:
    since, until): from their summary row, or from the log where it does not answer. `scan`
    reads every summary row in table order, not the period's by index (`broad()`)."""
    t = COUNTED
    quiet = _kinds(t.quiet)
    reason, step = (f"json_extract(data, '$.\"{f}\"')" for f in t.last_fields)

    def last(column: str, logged: str) -> str:
        return f"CASE WHEN p.clean THEN {column} ELSE (SELECT {logged} FROM events WHERE id = p.pid) END"

    return f"""
        WITH picked AS (
            SELECT u.*, c.updated_at, {_clean_user("u", "c")} AS clean,
                   CASE WHEN {_clean_user("u", "c")} THEN u.last_id ELSE (
                       SELECT max(e.id) FROM events e WHERE e.channel = u.channel
                       AND e.user_id = u.user_id AND e.at >= ?1 AND e.at <= ?2) END AS pid
            FROM report_users u
            LEFT JOIN conversations c ON c.channel = u.channel AND c.user_id = u.user_id
            WHERE {"+" if scan else ""}u.last_at >= ?1 AND {"+" if scan else ""}u.first_at <= ?2
        )
        SELECT p.channel, p.user_id, {last("p.last_kind", "kind")}, {last("p.last_at", "at")},
               CASE WHEN p.clean THEN CASE WHEN p.acted_at >= ?1 THEN p.acted_at END
                    ELSE (SELECT max(x.at) FROM events x WHERE x.channel = p.channel
                          AND x.user_id = p.user_id AND x.at >= ?1 AND x.at <= ?2
                          AND x.kind NOT IN ({quiet})) END,
               CASE WHEN p.updated_at >= ?1 AND p.updated_at <= ?2 THEN p.updated_at END,
               p.updated_at >= ?1 AND p.updated_at <= ?2 AND CASE
                   WHEN p.clean THEN p.quiet_at IS NOT p.updated_at
                   ELSE NOT EXISTS (SELECT 1 FROM events q WHERE q.channel = p.channel
                        AND q.user_id = p.user_id AND q.at = p.updated_at
                        AND q.kind IN ({quiet})) END,
               {last("nullif(p.last_reason, x'')", reason)},
               {last("nullif(p.last_step, x'')", step)}
        FROM picked p WHERE p.pid IS NOT NULL
        ORDER BY p.channel, p.user_id"""


def broad(conn: sqlite3.Connection, since: datetime, until: datetime) -> tuple[bool, bool]:
    """Say whether the period holds most of the cases, and most of the users' summary rows:
    then reading the whole table in order beats looking each row up from an index (for a
    period of a month on a month's history, ~3x), else the index reads only the period's."""
    lo, hi = iso(since), iso(until)
    (cases, all_cases), (users, all_users) = (
        conn.execute(
            f"SELECT (SELECT count(*) FROM {table} WHERE {where}), (SELECT count(*) FROM {table})",
            params,
        ).fetchone()
        for table, where, params in (
            ("cases", "opened_at >= ? AND opened_at <= ?", (lo, hi)),
            ("report_users", "last_at >= ?", (lo,)),
        )
    )
    return 3 * cases > all_cases, 3 * users > all_users


def users_in_order(conn: sqlite3.Connection, since: datetime, until: datetime) -> bool:
    """Say whether every user's summary row answers for the period: nothing was logged after
    it, and nobody with events in it had them logged out of time order."""
    later = "SELECT 1 FROM report_users WHERE last_at > ? LIMIT 1"
    disordered = "SELECT 1 FROM report_users WHERE NOT ordered AND last_at >= ? LIMIT 1"
    return not (
        conn.execute(later, (iso(until),)).fetchone()
        or conn.execute(disordered, (iso(since),)).fetchone()
    )


def cohort_sql(users_in_order: bool, scan: bool = False) -> str:
    """One row per case opened in the period, as the log query gives it (parameters: since,
    until). A case's row answers when its user's row does and it was opened (and first
    closed) in the period; other cases are read from the log, as `cohort_query` does.
    `users_in_order` (`users_in_order()`) spares looking up each user's row; `scan` reads
    the cases in table order, not the period's by index (`broad()`)."""
    t = COUNTED
    number = f"CAST(json_extract({{}}.data, '$.\"{t.case_field}\"') AS INTEGER)"
    opened, closed = _q(t.case_opened), _q(t.case_closed)
    # the log's spans of this case: from each of its case_opened events in the period to the
    # user's next one in the period
    span_end = (
        f"ifnull((SELECT min(n.id) FROM events n WHERE n.channel = o.channel"
        f" AND n.user_id = o.user_id AND n.kind = {opened} AND n.id > o.id"
        f" AND n.at >= ?1 AND n.at <= ?2), 9223372036854775807)"
    )
    openings = (
        f"FROM events o WHERE o.channel = c.channel AND o.user_id = c.user_id"
        f" AND +o.kind = {opened} AND +o.at >= ?1 AND +o.at <= ?2"
        f" AND {number.format('o')} = c.number"
    )
    last_id = (
        f"(SELECT max((SELECT max(e.id) FROM events e WHERE e.channel = o.channel"
        f" AND e.user_id = o.user_id AND e.id >= o.id AND e.id < {span_end}"
        f" AND e.at <= ?2)) {openings})"
    )
    flags = "".join(
        f", CASE WHEN clean THEN c.f{i} ELSE ifnull((SELECT max(EXISTS (SELECT 1 FROM events x"
        f" WHERE x.kind = {_q(k)} AND x.channel = o.channel AND x.user_id = o.user_id"
        f" AND x.id > o.id AND x.id < {span_end} AND x.at <= ?2)) {openings}), 0) END"
        for i, k in enumerate(t.case_flags)
    )
    user_clean = (
        "" if users_in_order else " AND (u.channel IS NULL OR (u.ordered AND u.last_at <= ?2))"
    )
    user_join = (
        ""
        if users_in_order
        else (" LEFT JOIN report_users u ON u.channel = c.channel AND u.user_id = c.user_id")
    )
    summary = "".join(f", r.f{i}" for i in range(len(t.case_flags)))
    return f"""
        SELECT c.channel, c.user_id, c.number, c.opened_at, c.closed_at, c.status, c.reasons,
               c.attempts, c.failures,
               CASE WHEN clean THEN c.last_kind
                    ELSE (SELECT kind FROM events WHERE id = {last_id}) END,
               CASE WHEN clean THEN c.first_closed
                    ELSE (SELECT min(x.at) FROM events x WHERE x.channel = c.channel
                          AND x.user_id = c.user_id AND +x.kind = {closed}
                          AND +x.at >= ?1 AND +x.at <= ?2 AND {number.format("x")} = c.number) END,
               EXISTS (SELECT 1 FROM followups f WHERE f.channel = c.channel
                       AND f.user_id = c.user_id AND f.status IN ('pending', 'sending'))
               {flags}
        FROM (SELECT c.*, r.last_kind, r.closed_at AS first_closed{summary},
                     (r.opened_at IS NULL OR r.opened_at >= ?1)
                          AND (r.closed_at IS NULL OR r.closed_at >= ?1){user_clean} AS clean
              FROM cases c{user_join}
              LEFT JOIN report_cases r ON r.channel = c.channel AND r.user_id = c.user_id
                   AND r.number = c.number
              WHERE {"+" if scan else ""}c.opened_at >= ?1 AND {"+" if scan else ""}c.opened_at <= ?2
              ) AS c
        ORDER BY c.channel, c.user_id, c.number"""
