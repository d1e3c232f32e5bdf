"""The report's counters on PostgreSQL: kept current by triggers as events are written.

The same counters as `sqlite_counters` (which tells more), in a migration: hourly counts by
kind (`report_kinds`) and by counted field values (`report_values`), one summary row per user
(`report_users`), first and last times per user and value (`report_user_values`), and per case
its opening, its last event while open, its flags and its first close (`report_cases`). The
trigger functions run in the transaction that writes the events; the migration replays the
existing log through them. A missing field value is '' and a present one '=' + its text, so
every key is NOT NULL (`value()` reads them back). The hourly counts are split in 16 rows by
user (`_shard`), so that turns of different users on different instances do not queue for one
row's lock until their commits; reads add them up.

The queries: the period's whole hours from the counters, its first and last hour from the log;
users and cases the summaries answer for exactly from them, the others (a clock set back,
events after the period, a case opened before it) from the log queries of `postgres_report`,
limited to those users.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.storage.report_terms import COUNTED, COUNTED_FIELDS


def _q(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def _words(words: Any) -> str:
    return "ARRAY[" + ", ".join(_q(w) for w in words) + "]::text[]"


def _v(row: str, field: str) -> str:
    return f"coalesce('=' || ({row}.data ->> {_q(field)}), '')"


def _number(row: str) -> str:
    """The case number an event names (NULL unless an integer: a trigger must not fail)."""
    raw = f"({row}.data ->> {_q(COUNTED.case_field)})"
    return f"CASE WHEN {raw} ~ '^-?[0-9]{{1,18}}$' THEN {raw}::bigint END"


def _hour(at: str) -> str:
    return f"date_trunc('hour', {at} AT TIME ZONE 'UTC')"


def _shard(row: str) -> str:
    """Which of 16 rows of an hour's count an event adds to: by user, so that turns of other
    users (on other instances) do not wait for each other's commit on one counter row."""
    return f"(hashtext(coalesce({row}.user_id, '')) & 15)"


def value(raw: str | None) -> str | None:
    """A counted value as the log query gives it (None when missing)."""
    return raw[1:] if raw else None


def migration() -> str:
    """The SQL of the migration that adds the counters and fills them from the log."""
    t = COUNTED
    quiet = _words(t.quiet)
    values_in, values_out = [], []
    for kind, fields in COUNTED_FIELDS.items():
        v1, v2 = (_v("NEW", fields[0]), _v("NEW", fields[1]) if len(fields) > 1 else "''")
        values_in.append(
            f"IF NEW.kind = {_q(kind)} THEN val1 := {v1}; val2 := {v2}; END IF;"
        )
        o1, o2 = (_v("OLD", fields[0]), _v("OLD", fields[1]) if len(fields) > 1 else "''")
        values_out.append(
            f"IF OLD.kind = {_q(kind)} THEN UPDATE report_values SET n = n - 1"
            f" WHERE kind = OLD.kind AND hour = {_hour('OLD.at')} AND v1 = {o1} AND v2 = {o2}"
            f" AND shard = {_shard('OLD')};"
            " END IF;"
        )
    return f"""
        CREATE TABLE report_kinds (
            hour TIMESTAMP NOT NULL, kind TEXT NOT NULL, shard SMALLINT NOT NULL,
            n BIGINT NOT NULL, PRIMARY KEY (hour, kind, shard)
        );
        CREATE TABLE report_values (
            kind TEXT NOT NULL, hour TIMESTAMP NOT NULL, v1 TEXT NOT NULL, v2 TEXT NOT NULL,
            shard SMALLINT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (kind, hour, v1, v2, shard)
        );
        CREATE TABLE report_users (
            channel TEXT NOT NULL, user_id TEXT NOT NULL,
            first_at TIMESTAMPTZ NOT NULL, last_at TIMESTAMPTZ NOT NULL, last_id BIGINT NOT NULL,
            last_kind TEXT NOT NULL, last_reason TEXT, last_step TEXT,
            acted_at TIMESTAMPTZ, quiet_at TIMESTAMPTZ, open_case BIGINT,
            ordered BOOLEAN NOT NULL, PRIMARY KEY (channel, user_id)
        );
        CREATE INDEX report_users_period ON report_users (last_at, first_at);
        CREATE INDEX report_users_disordered ON report_users (last_at) WHERE NOT ordered;
        CREATE TABLE report_user_values (
            channel TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
            v1 TEXT NOT NULL, v2 TEXT NOT NULL,
            first_at TIMESTAMPTZ NOT NULL, last_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (channel, user_id, kind, v1, v2)
        );
        CREATE INDEX report_user_values_values
            ON report_user_values (kind, v1, v2, last_at, first_at);
        CREATE TABLE report_cases (
            channel TEXT NOT NULL, user_id TEXT NOT NULL, number BIGINT NOT NULL,
            opened_at TIMESTAMPTZ, last_id BIGINT, last_kind TEXT, closed_at TIMESTAMPTZ,
            flags TEXT[] NOT NULL DEFAULT '{{}}', PRIMARY KEY (channel, user_id, number)
        );
        CREATE FUNCTION report_count() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            val1 TEXT; val2 TEXT; num BIGINT := {_number("NEW")};
        BEGIN
            INSERT INTO report_kinds VALUES ({_hour("NEW.at")}, NEW.kind, {_shard("NEW")}, 1)
                ON CONFLICT (hour, kind, shard) DO UPDATE SET n = report_kinds.n + 1;
            {" ".join(values_in)}
            IF val1 IS NOT NULL THEN
                INSERT INTO report_values
                    VALUES (NEW.kind, {_hour("NEW.at")}, val1, val2, {_shard("NEW")}, 1)
                    ON CONFLICT (kind, hour, v1, v2, shard)
                    DO UPDATE SET n = report_values.n + 1;
                IF NEW.user_id IS NOT NULL THEN
                    INSERT INTO report_user_values
                        VALUES (NEW.channel, NEW.user_id, NEW.kind, val1, val2, NEW.at, NEW.at)
                        ON CONFLICT (channel, user_id, kind, v1, v2) DO UPDATE SET
                        first_at = least(report_user_values.first_at, EXCLUDED.first_at),
                        last_at = greatest(report_user_values.last_at, EXCLUDED.last_at);
                END IF;
            END IF;
            IF NEW.user_id IS NULL THEN
                RETURN NULL;
            END IF;
            INSERT INTO report_users VALUES (
                NEW.channel, NEW.user_id, NEW.at, NEW.at, NEW.id, NEW.kind,
                NEW.data ->> {_q(t.last_fields[0])}, NEW.data ->> {_q(t.last_fields[1])},
                CASE WHEN NEW.kind <> ALL({quiet}) THEN NEW.at END,
                CASE WHEN NEW.kind = ANY({quiet}) THEN NEW.at END,
                CASE WHEN NEW.kind = {_q(t.case_opened)} THEN num END, true)
            ON CONFLICT (channel, user_id) DO UPDATE SET
                ordered = report_users.ordered AND EXCLUDED.last_at >= report_users.last_at
                          AND EXCLUDED.last_id > report_users.last_id,
                first_at = least(report_users.first_at, EXCLUDED.first_at),
                last_at = greatest(report_users.last_at, EXCLUDED.last_at),
                last_id = EXCLUDED.last_id, last_kind = EXCLUDED.last_kind,
                last_reason = EXCLUDED.last_reason, last_step = EXCLUDED.last_step,
                acted_at = greatest(report_users.acted_at, EXCLUDED.acted_at),
                quiet_at = greatest(report_users.quiet_at, EXCLUDED.quiet_at),
                open_case = CASE WHEN NEW.kind = {_q(t.case_opened)} THEN EXCLUDED.open_case
                            ELSE report_users.open_case END;
            IF NEW.kind = {_q(t.case_opened)} AND num IS NOT NULL THEN
                INSERT INTO report_cases (channel, user_id, number, opened_at)
                    VALUES (NEW.channel, NEW.user_id, num, NEW.at)
                    ON CONFLICT (channel, user_id, number) DO UPDATE SET
                    opened_at = least(report_cases.opened_at, EXCLUDED.opened_at);
            END IF;
            IF NEW.kind = {_q(t.case_closed)} AND num IS NOT NULL THEN
                INSERT INTO report_cases (channel, user_id, number, closed_at)
                    VALUES (NEW.channel, NEW.user_id, num, NEW.at)
                    ON CONFLICT (channel, user_id, number) DO UPDATE SET
                    closed_at = least(report_cases.closed_at, EXCLUDED.closed_at);
            END IF;
            UPDATE report_cases r SET last_id = NEW.id, last_kind = NEW.kind,
                flags = CASE WHEN NEW.kind = ANY({_words(t.case_flags)})
                        AND NOT NEW.kind = ANY(r.flags)
                        THEN ARRAY(SELECT unnest(r.flags || NEW.kind) ORDER BY 1)
                        ELSE r.flags END
                FROM report_users u
                WHERE u.channel = NEW.channel AND u.user_id = NEW.user_id
                AND r.channel = NEW.channel AND r.user_id = NEW.user_id
                AND r.number = u.open_case;
            RETURN NULL;
        END $$;
        CREATE FUNCTION report_uncount() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE report_kinds SET n = n - 1
                WHERE hour = {_hour("OLD.at")} AND kind = OLD.kind AND shard = {_shard("OLD")};
            {" ".join(values_out)}
            DELETE FROM report_users WHERE channel = OLD.channel AND user_id = OLD.user_id;
            DELETE FROM report_user_values
                WHERE channel = OLD.channel AND user_id = OLD.user_id;
            DELETE FROM report_cases WHERE channel = OLD.channel AND user_id = OLD.user_id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER report_count AFTER INSERT ON events
            FOR EACH ROW EXECUTE FUNCTION report_count();
        CREATE TEMPORARY TABLE report_replay ON COMMIT DROP AS SELECT * FROM events;
        DELETE FROM events;
        INSERT INTO events SELECT * FROM report_replay ORDER BY id;
        CREATE TRIGGER report_uncount AFTER DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION report_uncount();
    """


# -- reading them ----------------------------------------------------------------------------


def spans(
    since: datetime, until: datetime
) -> tuple[list[tuple[datetime, datetime, bool]], tuple[datetime, datetime] | None]:
    """The parts of the period read from the log ((from, to, to_inclusive)) and the whole hours
    between, read from the counters ((first, last) hour as UTC without a zone, last excluded),
    if any."""
    first_full = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first_full += timedelta(hours=1)
    last_hour = until.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if last_hour < first_full:
        return [(since, until, True)], None
    logged = [(since, first_full, False), (last_hour, until, True)]
    if first_full == last_hour:
        return logged, None
    return logged, (first_full.replace(tzinfo=None), last_hour.replace(tzinfo=None))


async def available(conn: Any) -> bool:
    """Say whether this database has the counters."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM pg_trigger WHERE tgname = 'report_count'"
            " AND tgrelid = 'events'::regclass"
        )
    )


async def kind_counts(conn: Any, since: datetime, until: datetime) -> Counter[str]:
    logged, hours = spans(since, until)
    kinds: Counter[str] = Counter()
    for lo, hi, inclusive in logged:
        for kind, n in await conn.fetch(
            f"SELECT kind, count(*) FROM events WHERE at >= $1 AND at {'<=' if inclusive else '<'}"
            " $2 GROUP BY kind",
            lo,
            hi,
        ):
            kinds[kind] += n
    if hours:
        for kind, n in await conn.fetch(
            "SELECT kind, sum(n) FROM report_kinds WHERE hour >= $1 AND hour < $2 GROUP BY kind",
            *hours,
        ):
            kinds[kind] += int(n)
    return +kinds


async def active_users(conn: Any, since: datetime, until: datetime) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM report_users u WHERE u.last_at >= $1 AND (u.last_at <= $2"
            " OR u.first_at BETWEEN $1 AND $2 OR (u.first_at < $1 AND EXISTS (SELECT 1"
            " FROM events e WHERE e.channel = u.channel AND e.user_id = u.user_id"
            " AND e.at >= $1 AND e.at <= $2)))",
            since,
            until,
        )
    )


async def value_counts(
    conn: Any, since: datetime, until: datetime, kind: str
) -> list[tuple[str | None, str | None, int, int]]:
    """(v1, v2, events, users) of a counted kind in the period (None for absent values)."""
    fields = COUNTED_FIELDS[kind]
    v1 = _v("e", fields[0])
    v2 = _v("e", fields[1]) if len(fields) > 1 else "''"
    logged, hours = spans(since, until)
    counts: Counter[tuple[str, str]] = Counter()
    for lo, hi, inclusive in logged:
        for a, b, n in await conn.fetch(
            f"SELECT {v1}, {v2}, count(*) FROM events e WHERE kind = $1 AND at >= $2"
            f" AND at {'<=' if inclusive else '<'} $3 GROUP BY 1, 2",
            kind,
            lo,
            hi,
        ):
            counts[(a, b)] += n
    if hours:
        for a, b, n in await conn.fetch(
            "SELECT v1, v2, sum(n) FROM report_values WHERE kind = $1 AND hour >= $2"
            " AND hour < $3 GROUP BY v1, v2",
            kind,
            *hours,
        ):
            counts[(a, b)] += int(n)
    users = {
        (a, b): n
        for a, b, n in await conn.fetch(
            "SELECT v.v1, v.v2, count(*) FROM report_user_values v WHERE v.kind = $1"
            " AND v.last_at >= $2 AND (v.last_at <= $3 OR v.first_at BETWEEN $2 AND $3"
            " OR (v.first_at < $2 AND EXISTS (SELECT 1 FROM events e WHERE e.channel = v.channel"
            f" AND e.user_id = v.user_id AND e.kind = v.kind AND e.at >= $2 AND e.at <= $3"
            f" AND {v1} = v.v1 AND {v2} = v.v2))) GROUP BY v.v1, v.v2",
            kind,
            since,
            until,
        )
    }
    return [
        (value(a), value(b), n, users.get((a, b), 0)) for (a, b), n in counts.items() if n > 0
    ]


#: SQL: the user's summary row answers for the period ($1 to $2) as the log would
_CLEAN_USER = "(u.ordered AND u.last_at <= $2 AND (c.updated_at IS NULL OR c.updated_at >= u.last_at))"


def activity_sql(log_sql: str) -> str:
    """`user_activity` rows (parameters: those of `log_sql`, since and until first): users whose
    summary row answers from it, the others from `log_sql` (the log query of
    `postgres_report.activity_query` limited to users in `report_activity_log`)."""
    return f"""
        SELECT u.channel, u.user_id, u.last_kind, u.last_at,
               CASE WHEN u.acted_at >= $1 THEN u.acted_at END,
               CASE WHEN c.updated_at >= $1 AND c.updated_at <= $2 THEN c.updated_at END,
               c.updated_at >= $1 AND c.updated_at <= $2
                   AND u.quiet_at IS DISTINCT FROM c.updated_at,
               u.last_reason, u.last_step
        FROM report_users u
        LEFT JOIN conversations c ON c.channel = u.channel AND c.user_id = u.user_id
        WHERE u.last_at >= $1 AND u.last_at <= $2 AND {_CLEAN_USER}
        UNION ALL ({log_sql})
        ORDER BY 1, 2"""


def unclean_users() -> str:
    """SQL of the users with events in the period ($1 to $2) whose summary row does not
    answer (their `user_activity` comes from the log)."""
    return f"""SELECT u.channel, u.user_id FROM report_users u
        LEFT JOIN conversations c ON c.channel = u.channel AND c.user_id = u.user_id
        WHERE u.last_at >= $1 AND u.first_at <= $2 AND NOT {_CLEAN_USER}"""


def _clean_case() -> str:
    return (
        "((u.channel IS NULL OR (u.ordered AND u.last_at <= $2))"
        " AND (r.opened_at IS NULL OR r.opened_at >= $1)"
        " AND (r.closed_at IS NULL OR r.closed_at >= $1))"
    )


def unclean_case_users() -> str:
    """SQL of the users with a case opened in the period ($1 to $2) that the counters do not
    answer for (all their cases come from the log)."""
    return f"""SELECT c.channel, c.user_id FROM cases c
        LEFT JOIN report_users u ON u.channel = c.channel AND u.user_id = c.user_id
        LEFT JOIN report_cases r ON r.channel = c.channel AND r.user_id = c.user_id
             AND r.number = c.number
        WHERE c.opened_at >= $1 AND c.opened_at <= $2 AND NOT {_clean_case()}"""


def cohort_sql(log_sql: str) -> str:
    """`cohort_cases` rows (parameters: those of `log_sql`, since and until first): the cases
    of users the counters answer for from them, the others' from `log_sql` (the log query of
    `postgres_report.cohort_query` limited to `unclean_case_users()`)."""
    return f"""
        SELECT c.channel, c.user_id, c.number, c.opened_at, c.closed_at, c.status, c.reasons,
               c.attempts, c.failures, r.last_kind, r.closed_at,
               EXISTS (SELECT 1 FROM followups f WHERE f.channel = c.channel
                       AND f.user_id = c.user_id AND f.status IN ('pending', 'sending')),
               nullif(r.flags, '{{}}') AS flags
        FROM cases c
        LEFT JOIN report_cases r ON r.channel = c.channel AND r.user_id = c.user_id
             AND r.number = c.number
        WHERE c.opened_at >= $1 AND c.opened_at <= $2
              AND (c.channel, c.user_id) NOT IN ({unclean_case_users()})
        UNION ALL ({log_sql})
        ORDER BY 1, 2, 3"""
