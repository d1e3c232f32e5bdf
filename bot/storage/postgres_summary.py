"""`report_summary` on PostgreSQL: the report's per-user and per-case figures grouped by the
server (the same groups as `sqlite_summary`, which tells more).

The rows `user_activity` and `cohort_cases` give (one per user, one per case) are grouped in
SQL by what the report's rules look at; the report reads a few hundred rows. One read-only
transaction (one snapshot; a read-only store can run it): one statement computes the period's
user activity once (a materialized CTE), which the cases' and the quiet users' groups both
read; then the middle duration of the passed cases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.storage.base import CaseGroup, OutcomeTerms, QuietGroup, ReportSummary, ReportTerms
from bot.storage.postgres_reads import _list


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def shifted(sql: str, by: int) -> str:
    """`sql` with its parameters $1, $2... numbered from $(1 + by)."""
    return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + by}", sql)


def unordered(sql: str) -> str:
    """`sql` without its final ORDER BY (the rows are grouped, not streamed in order)."""
    head, _, tail = sql.rpartition("ORDER BY")
    if not head or ")" in tail:
        raise ValueError("the query does not end with its ORDER BY")
    return head


def attempt_facts(column: str, first: int, status: str) -> str:
    """SQL of what the report reads of the attempts list in `column`, of a case whose status is
    `status`, as one number (see `sqlite_summary.attempt_facts`); the `OutcomeTerms` are
    parameters $first.. (source field, not-reported sources, outcome field, passed, rejected,
    passed status)."""
    source, not_reported, outcome, passed, rejected, passed_status = (
        f"${first + i}" for i in range(6)
    )
    return (
        f"(SELECT (bool_or(r) IS TRUE)::int + 2 * coalesce(max((r AND o = {rejected}::text)::int), 0)"
        f" + 4 * coalesce(min(n) FILTER (WHERE o = {passed}::text),"
        f" CASE WHEN {status} = {passed_status}::text THEN count(*) ELSE 0 END)"
        f" FROM (SELECT row_number() OVER (ORDER BY k) AS n, e ->> {outcome}::text AS o,"
        f" (e ->> {source}::text IS NULL OR e ->> {source}::text <> ALL({not_reported}::text[]))"
        f" AS r FROM jsonb_array_elements(CASE WHEN jsonb_typeof({column}) = 'array'"
        f" THEN {column} ELSE '[]'::jsonb END) WITH ORDINALITY AS x (e, k)"
        f" WHERE jsonb_typeof(e) = 'object') AS objects)"
    )


async def summary(
    conn: Any,
    activity: tuple[str, Sequence[Any]],
    cohort: tuple[str, Sequence[Any]],
    since: datetime,
    until: datetime,
    terms: ReportTerms,
    outcomes: OutcomeTerms,
    quiet_before: datetime,
) -> ReportSummary:
    """Group the rows of the `activity` and `cohort` queries ((sql, parameters), in the shape of
    `user_activity` and `cohort_cases`) on `conn`, in a transaction of its own."""
    values = [f"v{i}" for i in range(len(terms.last_fields))]
    listed = "".join(", " + v for v in values)
    nulls = "".join(", NULL" for _ in values)
    n_activity, n_cohort = len(activity[1]), len(cohort[1])
    first = n_activity + n_cohort + 1  # the parameters after both queries'
    sql = (
        f"WITH act (channel, user_id, last_kind, last_at, acted, updated, fresh{listed})"
        f" AS ({unordered(activity[0])}),"
        " a AS MATERIALIZED (SELECT channel, user_id, last_kind, last_at,"
        " CASE WHEN updated IS NOT NULL AND fresh AND (acted IS NULL OR updated > acted)"
        f" THEN updated ELSE acted END AS acted, updated{listed} FROM act),"
        " w (channel, user_id, number, opened_at, closed_at, status, reasons, attempts,"
        " failures, last_kind, first_closed, waiting, flags)"
        f" AS ({shifted(unordered(cohort[0]), n_activity)}),"
        " facts AS (SELECT w.reasons, w.status, w.first_closed IS NOT NULL AS c2,"
        " w.waiting AND w.number = max(w.number) OVER (PARTITION BY w.channel, w.user_id)"
        f" AS c3, coalesce(a.acted, w.opened_at) < ${first} AS c4, w.last_kind,"
        f" w.flags, {attempt_facts('w.attempts', first + 1, 'w.status')} AS c5,"
        " w.closed_at IS NOT NULL AS c6"
        " FROM w LEFT JOIN a ON a.channel = w.channel AND a.user_id = w.user_id)"
        # the cases' groups, then the quiet users' (the same columns, the others NULL)
        f" SELECT true, reasons, status, c2, c3, c4, last_kind, flags, c5, c6{nulls}, count(*)"
        " FROM facts GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10"
        " UNION ALL SELECT false, NULL, NULL, NULL, NULL, NULL, last_kind, NULL, NULL, NULL"
        f"{listed}, count(*) FROM a WHERE greatest(last_at, updated, acted) < ${first}"
        f" GROUP BY last_kind{listed}"
    )
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(
            sql,
            *activity[1],
            *cohort[1],
            quiet_before,
            outcomes.source_field,
            list(outcomes.not_reported),
            outcomes.outcome_field,
            outcomes.passed,
            outcomes.rejected,
            outcomes.passed_status,
        )
        quiet_users = [
            QuietGroup(r[6], tuple(_text(r[10 + i]) for i in range(len(values))), r[-1])
            for r in rows
            if not r[0]
        ]
        cases = [
            CaseGroup(
                reasons=tuple(_list(r[1])),
                status=r[2],
                closed_event=bool(r[3]),
                waiting=bool(r[4]),
                quiet=bool(r[5]),
                last_kind=r[6],
                flags=frozenset(r[7] or ()),
                reported=bool(r[8] & 1),
                rejected=bool(r[8] & 2),
                passed_at=(r[8] >> 2) or None,
                closed=bool(r[9]),
                n=r[-1],
            )
            for r in rows
            if r[0]
        ]
        passed = sum(g.n for g in cases if g.status == outcomes.passed_status and g.closed)
        middle = (
            await conn.fetch(
                "SELECT closed_at - opened_at FROM cases WHERE opened_at >= $1"
                " AND opened_at <= $2 AND status = $3 AND closed_at IS NOT NULL"
                " ORDER BY 1 LIMIT $4 OFFSET $5",
                since,
                until,
                outcomes.passed_status,
                2 - passed % 2,
                (passed - 1) // 2,
            )
            if passed
            else []
        )
    return ReportSummary(
        cases=cases, quiet_users=quiet_users, durations=tuple(r[0] for r in middle)
    )
