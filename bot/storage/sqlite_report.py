"""The report's queries on SQLite: aggregates computed by the database, streamed in batches.

Each runs on the store's reading connection (a thread of its own; WAL lets it read while turns
write), so a report over a million events holds up no user's turn, and Python holds one row
per user or per case at most, never the event log.

Where the database has the report's counters (`sqlite_counters`, kept by triggers) and the
query's terms are the ones counted, the figures come from them: rows that grow with hours and
with the period's users and cases, not with the log. Otherwise (an older database opened
read-only, other terms, a clock set back) the same figures come from the log, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.storage import sqlite_counters as counters
from bot.storage import sqlite_summary
from bot.storage.base import (
    CaseRecord,
    CohortCase,
    EventTotals,
    FieldCount,
    Key,
    OutcomeTerms,
    ReportSummary,
    ReportTerms,
    UserActivity,
    record,
)
from bot.storage.report_terms import COUNTED_FIELDS, counted
from bot.storage.sqlite_reads import _json, iso, parse

T = TypeVar("T")


def _path(field: str) -> str:
    """The JSON path of a top-level field (quoted: any name is safe)."""
    return '$."' + field.replace('"', "") + '"'


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


def _text(value: Any) -> str | None:
    return None if value is None or value == counters.MISSING else str(value)


class ReportQueries:
    """The backend provides `_read` (one hop to the reading thread) and `_stream`."""

    async def _read(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    def _stream(
        self, what: str, sql: str, params: Sequence[Any], convert: Callable[[tuple[Any, ...]], T]
    ) -> AsyncIterator[T]:
        raise NotImplementedError

    async def event_totals(self, since: datetime, until: datetime) -> EventTotals:
        def read(conn: sqlite3.Connection) -> EventTotals:
            if counters.available(conn):
                kinds = counters.kind_counts(conn, since, until)
                return EventTotals(dict(kinds), counters.active_users(conn, since, until))
            period = (iso(since), iso(until))
            kinds = conn.execute(
                "SELECT kind, count(*) FROM events WHERE +at >= ? AND +at <= ? GROUP BY kind",
                period,
            ).fetchall()
            (users,) = conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT channel, user_id FROM events"
                " WHERE +at >= ? AND +at <= ? AND user_id IS NOT NULL)",
                period,
            ).fetchone()
            return EventTotals({k: n for k, n in kinds}, users)

        return await self._read("count events", read)

    async def field_counts(
        self, since: datetime, until: datetime, kind: str, fields: Sequence[str]
    ) -> list[FieldCount]:
        values = ", ".join(f"json_extract(data, '{_path(f)}')" for f in fields)
        sql = (
            f"SELECT {values}, count(*), count(DISTINCT channel || char(31) || user_id)"
            " FROM events WHERE kind = ? AND at >= ? AND at <= ?"
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(fields)))}"
        )

        def read(conn: sqlite3.Connection) -> list[FieldCount]:
            if COUNTED_FIELDS.get(kind) == tuple(fields) and counters.available(conn):
                return [
                    FieldCount(tuple(_text(v) for v in (a, b)[: len(fields)]), n, users)
                    for a, b, n, users in counters.value_counts(conn, since, until, kind)
                ]
            rows = conn.execute(sql, (kind, iso(since), iso(until))).fetchall()
            n = len(fields)
            return [FieldCount(tuple(_text(v) for v in r[:n]), r[n], r[n + 1]) for r in rows]

        return await self._read(f"count {kind} events", read)

    async def _counted(self, terms: ReportTerms) -> bool:
        """Say whether the counters answer the per-user and per-case queries."""

        return counted(terms) and await self._read("check the counters", counters.available)

    async def user_activity(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[UserActivity]:
        if await self._counted(terms):
            sql, params = counters.user_activity_sql(), [iso(since), iso(until)]
        else:
            sql, params = _activity_query(since, until, terms)
        async for row in self._stream("read user activity", sql, params, _activity):
            yield row

    async def cohort_cases(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[CohortCase]:
        if await self._counted(terms):
            in_order = await self._read("check the counters", counters.users_in_order, since, until)
            sql, params = counters.cohort_sql(in_order), [iso(since), iso(until)]
        else:
            sql, params = cohort_query(since, until, terms)
        flags = list(terms.case_flags)
        reasons: dict[str, tuple[Any, ...]] = {}  # the same few lists of reasons, parsed once
        no_flags = frozenset[str]()

        def convert(r: tuple[Any, ...]) -> CohortCase:
            raw = r[6]
            if (listed := reasons.get(raw)) is None:
                listed = tuple(_json(raw, []))
                if len(reasons) < 10_000:
                    reasons[raw] = listed
            attempts = (
                () if r[7] == "[]" else tuple(a for a in _json(r[7], []) if isinstance(a, dict))
            )
            case = record(
                CaseRecord,
                number=int(r[2]),
                opened_at=parse(r[3]),
                status=r[5],
                reasons=listed,
                attempts=attempts,
                failures=int(r[8] or 0),
                closed_at=parse(r[4]) if r[4] else None,
            )
            on = r[12:]
            return record(
                CohortCase,
                key=Key(r[0], r[1]),
                case=case,
                flags=frozenset(f for f, o in zip(flags, on, strict=True) if o)
                if any(on)
                else no_flags,
                last_kind=r[9],
                closed_at=parse(r[10]) if r[10] else None,
                waiting=bool(r[11]),
            )

        async for row in self._stream("read the period's cases", sql, params, convert):
            yield row

    async def report_summary(
        self,
        since: datetime,
        until: datetime,
        terms: ReportTerms,
        outcomes: OutcomeTerms,
        quiet_before: datetime,
    ) -> ReportSummary:
        def read(conn: sqlite3.Connection) -> sqlite_summary.Grouped:
            period, cases = [iso(since), iso(until)], False
            if counted(terms) and counters.available(conn):
                cases, users = counters.broad(conn, since, until)
                activity = counters.user_activity_sql(scan=users), period
                in_order = counters.users_in_order(conn, since, until)
                cohort = counters.cohort_sql(in_order, scan=cases), period
            else:
                activity = _activity_query(since, until, terms)
                cohort = cohort_query(since, until, terms)
            return sqlite_summary.summary(
                conn, activity, cohort, since, until, terms, outcomes, quiet_before, cases
            )

        rows = await self._read("summarize the period's users and cases", read)
        return sqlite_summary.assemble(rows, terms)  # here: the reading thread only fetches


def _activity(r: tuple[Any, ...]) -> UserActivity:
    acted, updated = r[4], r[5]
    if updated and r[6] and (not acted or updated > acted):  # ISO text in UTC: text order
        acted = updated
    return record(
        UserActivity,
        key=Key(r[0], r[1]),
        last_kind=r[2],
        last_at=parse(r[3]),
        last_values=tuple(_text(v) for v in r[7:]),
        acted_at=parse(acted) if acted else None,
        updated_at=parse(updated) if updated else None,
    )


def _activity_query(since: datetime, until: datetime, terms: ReportTerms) -> tuple[str, list[Any]]:
    """The SQL and parameters of `user_activity` from the log."""
    quiet = list(terms.quiet)
    fields = ", ".join(f"json_extract(e.data, '{_path(f)}')" for f in terms.last_fields)
    sql = f"""
        WITH u AS (
            SELECT channel, user_id, max(id) AS last_id,
                   max(CASE WHEN kind NOT IN ({_marks(quiet)}) THEN at END) AS acted
            FROM events WHERE +at >= ? AND +at <= ? AND user_id IS NOT NULL
            GROUP BY channel, user_id
        )
        SELECT u.channel, u.user_id, e.kind, e.at, u.acted, c.updated_at,
               c.updated_at IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM events q WHERE q.channel = u.channel
                   AND q.user_id = u.user_id AND q.at = c.updated_at
                   AND q.kind IN ({_marks(quiet)})
               ){", " + fields if fields else ""}
        FROM u JOIN events e ON e.id = u.last_id
        LEFT JOIN conversations c ON c.channel = u.channel AND c.user_id = u.user_id
             AND c.updated_at >= ? AND c.updated_at <= ?
        ORDER BY u.channel, u.user_id"""
    period = [iso(since), iso(until)]
    return sql, [*quiet, *period, *quiet, *period]


def cohort_query(since: datetime, until: datetime, terms: ReportTerms) -> tuple[str, list[Any]]:
    """The SQL and parameters of `cohort_cases`: one row per case opened in the period."""
    flags = list(terms.case_flags)
    flag_columns = "".join(
        f", EXISTS (SELECT 1 FROM events x WHERE x.kind = ? AND x.channel = o.channel"
        f" AND x.user_id = o.user_id AND x.id > o.id AND x.id < o.next_id"
        f" AND x.at <= ?) AS f{i}"
        for i in range(len(flags))
    )
    flag_totals = "".join(f", max(f{i}) AS f{i}" for i in range(len(flags)))
    number = f"CAST(json_extract(data, '{_path(terms.case_field)}') AS INTEGER)"
    # a case is open from its case_opened event to the user's next one (in the period):
    # what happened in between is read from the indexes, one seek per case
    sql = f"""
        WITH cohort AS (
            SELECT * FROM cases WHERE opened_at >= ? AND opened_at <= ?
        ),
        opened AS (
            SELECT channel, user_id, id, {number} AS number,
                   lead(id, 1, 9223372036854775807) OVER (
                       PARTITION BY channel, user_id ORDER BY id
                   ) AS next_id
            FROM events WHERE kind = ? AND at >= ? AND at <= ?
        ),
        spans AS (
            SELECT o.channel, o.user_id, o.number,
                   (SELECT max(e.id) FROM events e WHERE e.channel = o.channel
                    AND e.user_id = o.user_id AND e.id >= o.id AND e.id < o.next_id
                    AND e.at <= ?) AS last_id{flag_columns}
            FROM opened o
            WHERE EXISTS (SELECT 1 FROM cohort c WHERE c.channel = o.channel
                          AND c.user_id = o.user_id AND c.number = o.number)
        ),
        per_case AS (
            SELECT channel, user_id, number, max(last_id) AS last_id{flag_totals}
            FROM spans GROUP BY channel, user_id, number
        ),
        closed AS (
            SELECT channel, user_id, {number} AS number, min(at) AS at
            FROM events WHERE kind = ? AND at >= ? AND at <= ?
            GROUP BY channel, user_id, 3
        )
        SELECT c.channel, c.user_id, c.number, c.opened_at, c.closed_at, c.status,
               c.reasons, c.attempts, c.failures,
               (SELECT kind FROM events WHERE id = p.last_id), closed.at,
               EXISTS (SELECT 1 FROM followups f WHERE f.channel = c.channel
                       AND f.user_id = c.user_id AND f.status IN ('pending', 'sending'))
               {"".join(f", p.f{i}" for i in range(len(flags)))}
        FROM cohort c
        LEFT JOIN per_case p ON p.channel = c.channel AND p.user_id = c.user_id
             AND p.number = c.number
        LEFT JOIN closed ON closed.channel = c.channel AND closed.user_id = c.user_id
             AND closed.number = c.number
        ORDER BY c.channel, c.user_id, c.number"""
    since_s, until_s = iso(since), iso(until)
    params = [
        since_s, until_s,  # cohort
        terms.case_opened, since_s, until_s,  # opened
        until_s,  # last_id
        *[p for f in flags for p in (f, until_s)],  # flags
        terms.case_closed, since_s, until_s,  # closed
    ]  # fmt: skip
    return sql, params
