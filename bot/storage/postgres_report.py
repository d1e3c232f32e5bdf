"""The report's queries on PostgreSQL: aggregates computed by the server, streamed by a cursor.

The same results as `bot.storage.sqlite_report` (the contract tests hold both to them); each
runs on a pooled connection of its own, read-only, beside the turns.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.storage import postgres_counters as counters
from bot.storage import postgres_summary
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
)
from bot.storage.postgres_reads import _list, utc
from bot.storage.report_terms import COUNTED_FIELDS, counted

T = TypeVar("T")
#: rows a cursor fetches per round trip
PREFETCH = 2000


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class ReportQueries:
    """The backend provides `_connection` (a pooled connection; errors become StoreError)."""

    def _connection(self, what: str) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    async def _stream(
        self, what: str, sql: str, params: Sequence[Any], convert: Callable[[Any], T]
    ) -> AsyncIterator[T]:
        async with self._connection(what) as conn, conn.transaction(readonly=True):
            async for row in conn.cursor(sql, *params, prefetch=PREFETCH):
                yield convert(row)

    async def event_totals(self, since: datetime, until: datetime) -> EventTotals:
        async with self._connection("count events") as conn:
            if await counters.available(conn):
                return EventTotals(
                    dict(await counters.kind_counts(conn, since, until)),
                    await counters.active_users(conn, since, until),
                )
            kinds = await conn.fetch(
                "SELECT kind, count(*) AS n FROM events WHERE at >= $1 AND at <= $2"
                " GROUP BY kind",
                since,
                until,
            )
            users = await conn.fetchval(
                "SELECT count(*) FROM (SELECT DISTINCT channel, user_id FROM events"
                " WHERE at >= $1 AND at <= $2 AND user_id IS NOT NULL) AS u",
                since,
                until,
            )
        return EventTotals({r["kind"]: r["n"] for r in kinds}, users)

    async def field_counts(
        self, since: datetime, until: datetime, kind: str, fields: Sequence[str]
    ) -> list[FieldCount]:
        values = ", ".join(f"data ->> ${i + 4}" for i in range(len(fields)))
        sql = (
            f"SELECT {values}, count(*), count(DISTINCT (channel, user_id))"
            " FROM events WHERE kind = $1 AND at >= $2 AND at <= $3"
            f" GROUP BY {', '.join(str(i + 1) for i in range(len(fields)))}"
        )
        async with self._connection(f"count {kind} events") as conn:
            if COUNTED_FIELDS.get(kind) == tuple(fields) and await counters.available(conn):
                return [
                    FieldCount((a, b)[: len(fields)], n, users)
                    for a, b, n, users in await counters.value_counts(conn, since, until, kind)
                ]
            rows = await conn.fetch(sql, kind, since, until, *fields)
        n = len(fields)
        return [FieldCount(tuple(_text(r[i]) for i in range(n)), r[n], r[n + 1]) for r in rows]

    async def report_summary(
        self,
        since: datetime,
        until: datetime,
        terms: ReportTerms,
        outcomes: OutcomeTerms,
        quiet_before: datetime,
    ) -> ReportSummary:
        activity, cohort = await self._queries(since, until, terms)
        async with self._connection("summarize the period's users and cases") as conn:
            return await postgres_summary.summary(
                conn, activity, cohort, since, until, terms, outcomes, quiet_before
            )

    async def _queries(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]]:
        """The (sql, parameters) of `user_activity` and `cohort_cases`: from the counters
        where the database has them and the terms are the counted ones, else from the log."""
        async with self._connection("check the counters") as conn:
            use = counted(terms) and await counters.available(conn)
        if not use:
            return activity_query(since, until, terms), cohort_query(since, until, terms)
        sql, activity_params = activity_query(since, until, terms, counters.unclean_users())
        activity = counters.activity_sql(sql), activity_params
        sql, cohort_params = cohort_query(since, until, terms, counters.unclean_case_users())
        return activity, (counters.cohort_sql(sql), cohort_params)

    async def user_activity(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[UserActivity]:
        (sql, params), _ = await self._queries(since, until, terms)

        def convert(r: Any) -> UserActivity:
            acted = max((t for t in (r[4], r[5] if r[6] else None) if t), default=None)
            return UserActivity(
                key=Key(r[0], r[1]),
                last_kind=r[2],
                last_at=utc(r[3]),
                last_values=tuple(_text(r[i]) for i in range(7, len(r))),
                acted_at=utc(acted) if acted else None,
                updated_at=utc(r[5]) if r[5] else None,
            )

        async for row in self._stream("read user activity", sql, params, convert):
            yield row

    async def cohort_cases(
        self, since: datetime, until: datetime, terms: ReportTerms
    ) -> AsyncIterator[CohortCase]:
        _, (sql, params) = await self._queries(since, until, terms)

        def convert(r: Any) -> CohortCase:
            return CohortCase(
                key=Key(r[0], r[1]),
                case=CaseRecord(
                    number=int(r[2]),
                    opened_at=utc(r[3]),
                    closed_at=utc(r[4]) if r[4] else None,
                    status=r[5],
                    reasons=tuple(_list(r[6])),
                    attempts=tuple(a for a in _list(r[7]) if isinstance(a, dict)),
                    failures=int(r[8] or 0),
                ),
                last_kind=r[9],
                closed_at=utc(r[10]) if r[10] else None,
                waiting=bool(r[11]),
                flags=frozenset(r[12] or ()),
            )

        async for row in self._stream("read the period's cases", sql, params, convert):
            yield row


def activity_query(
    since: datetime, until: datetime, terms: ReportTerms, only: str = ""
) -> tuple[str, list[Any]]:
    """The SQL and parameters of `user_activity` from the log (of the users `only` selects,
    if given: SQL of (channel, user_id) rows, with the same parameters)."""
    limited = f" AND (channel, user_id) IN ({only})" if only else ""
    fields = "".join(f", e.data ->> ${i + 4}" for i in range(len(terms.last_fields)))
    sql = f"""
        WITH u AS (
            SELECT channel, user_id, max(id) AS last_id,
                   max(at) FILTER (WHERE kind <> ALL($3::text[])) AS acted
            FROM events WHERE at >= $1 AND at <= $2 AND user_id IS NOT NULL{limited}
            GROUP BY channel, user_id
        )
        SELECT u.channel, u.user_id, e.kind, e.at, u.acted, c.updated_at,
               c.updated_at IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM events q WHERE q.channel = u.channel
                   AND q.user_id = u.user_id AND q.at = c.updated_at
                   AND q.kind = ANY($3::text[])
               ){fields}
        FROM u JOIN events e ON e.id = u.last_id
        LEFT JOIN conversations c ON c.channel = u.channel AND c.user_id = u.user_id
             AND c.updated_at >= $1 AND c.updated_at <= $2
        ORDER BY u.channel, u.user_id"""

    return sql, [since, until, list(terms.quiet), *terms.last_fields]


def cohort_query(
    since: datetime, until: datetime, terms: ReportTerms, only: str = ""
) -> tuple[str, list[Any]]:
    """The SQL and parameters of `cohort_cases` from the log: one row per case opened in the
    period (of the users `only` selects, if given, as in `activity_query`)."""
    limited = f" AND (channel, user_id) IN ({only})" if only else ""
    flags = list(terms.case_flags)
    # $1 since, $2 until, $3 case_opened, $4 case_closed, $5 case_field, $6 flag kinds
    number = "(e.data ->> $5)::bigint"
    sql = f"""
        WITH cohort AS (
            SELECT * FROM cases WHERE opened_at >= $1 AND opened_at <= $2{limited}
        ),
        users AS (SELECT DISTINCT channel, user_id FROM cohort),
        ev AS (
            SELECT e.channel, e.user_id, e.id, e.kind,
                   CASE WHEN e.kind = $3 THEN {number} END AS opened,
                   sum(CASE WHEN e.kind = $3 THEN 1 ELSE 0 END) OVER (
                       PARTITION BY e.channel, e.user_id ORDER BY e.id
                   ) AS segment
            FROM events e JOIN users ON e.channel = users.channel
                 AND e.user_id = users.user_id
            WHERE e.at >= $1 AND e.at <= $2
        ),
        segments AS (
            SELECT channel, user_id, max(opened) AS number, max(id) AS last_id,
                   array_agg(DISTINCT kind) FILTER (WHERE kind = ANY($6::text[])) AS flags
            FROM ev WHERE segment > 0 GROUP BY channel, user_id, segment
        ),
        per_case AS (
            SELECT s.channel, s.user_id, s.number, max(s.last_id) AS last_id,
                   array_agg(DISTINCT f) FILTER (WHERE f IS NOT NULL) AS flags
            FROM segments s LEFT JOIN LATERAL unnest(s.flags) AS f ON true
            WHERE s.number IS NOT NULL GROUP BY s.channel, s.user_id, s.number
        ),
        closed AS (
            SELECT e.channel, e.user_id, {number} AS number, min(e.at) AS at
            FROM events e JOIN users ON e.channel = users.channel
                 AND e.user_id = users.user_id
            WHERE e.kind = $4 AND e.at >= $1 AND e.at <= $2
            GROUP BY e.channel, e.user_id, 3
        )
        SELECT c.channel, c.user_id, c.number, c.opened_at, c.closed_at, c.status,
               c.reasons, c.attempts, c.failures,
               (SELECT kind FROM events WHERE id = p.last_id) AS last_kind, closed.at,
               EXISTS (SELECT 1 FROM followups f WHERE f.channel = c.channel
                       AND f.user_id = c.user_id AND f.status IN ('pending', 'sending')),
               p.flags
        FROM cohort c
        LEFT JOIN per_case p ON p.channel = c.channel AND p.user_id = c.user_id
             AND p.number = c.number
        LEFT JOIN closed ON closed.channel = c.channel AND closed.user_id = c.user_id
             AND closed.number = c.number
        ORDER BY c.channel, c.user_id, c.number"""

    params = [
        since, until, terms.case_opened, terms.case_closed, terms.case_field, flags,
    ]  # fmt: skip
    return sql, params
