"""`report_summary` on SQLite: the report's per-user and per-case figures grouped in the database.

The rows `user_activity` and `cohort_cases` stream (one per user, one per case: from the
counters where they answer, else from the log) are grouped here, in SQL, by what the report's
rules look at (`CaseGroup`, `QuietGroup`). The report then reads a few hundred rows, whatever the
number of users, cases or events, and SQLite does the work without the interpreter lock, so it
overlaps the grouping of unplaced messages in Python.

One read, in one transaction (one snapshot): the period's user activity goes into a temporary
table keyed by user, which the quiet users' and the cases' aggregates both join; then the
middle duration of the passed cases, found by ordering in the database.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from bot.storage.base import CaseGroup, OutcomeTerms, QuietGroup, ReportSummary, ReportTerms
from bot.storage.sqlite_reads import _json, iso, parse

_names = itertools.count()


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: Sequence[str]) -> str:
    return ", ".join(_q(v) for v in values)


def _key(field: str) -> str:
    return '"' + field.replace('"', "") + '"'


def _get(field: str, row: str = "value") -> str:
    return f"json_extract({row}, {_q('$.' + _key(field))})"


def attempt_facts(column: str, t: OutcomeTerms, status: str) -> str:
    """SQL of what the report reads of the attempts list in `column` (`CaseRecord.attempts`:
    objects only; reported unless their source is not_reported) of a case whose status is the
    column `status`, in one number: 1 if any was reported, + 2 if one of those was rejected,
    + 4 x the attempt it passed at, numbered among all its attempts as the bot numbers them to
    the user (the first that passed, else for a case with `t.passed_status` its number of
    attempts: `cohort.attempts_to_pass`). One walk of the list per case (`facts` takes it
    apart)."""
    source, outcome = _get(t.source_field), _get(t.outcome_field)
    reported = f"({source} IS NULL OR {source} NOT IN ({_in(t.not_reported)}))"
    listed = f"{column} <> '[]' AND json_valid({column}) AND json_type({column}) = 'array'"
    passed_case = f"{status} IS {_q(t.passed_status)}"
    walk = (
        f"(SELECT (ifnull(max(r), 0) > 0) + 2 * ifnull(max(r AND o = {_q(t.rejected)}), 0)"
        f" + 4 * ifnull(min(CASE WHEN o = {_q(t.passed)} THEN n END),"
        f" CASE WHEN {passed_case} THEN count(*) ELSE 0 END) FROM (SELECT"
        f" row_number() OVER (ORDER BY key) AS n, {outcome} AS o, {reported} AS r"
        f" FROM json_each({column}) WHERE type = 'object'))"
    )
    # most cases have one attempt: read it in place (the walk, a window over json_each per
    # case, took half of the cases' query)
    first = f"{column}, '$[0]'"
    source, outcome = (
        f"json_extract({column}, {_q('$[0].' + _key(f))})"
        for f in (t.source_field, t.outcome_field)
    )
    one = (
        f"CASE WHEN json_type({first}) = 'object' THEN (CASE WHEN {source} IS NULL"
        f" OR {source} NOT IN ({_in(t.not_reported)}) THEN 1 + 2 * ({outcome} IS {_q(t.rejected)})"
        f" ELSE 0 END) + 4 * ({outcome} IS {_q(t.passed)} OR {passed_case}) ELSE 0 END"
    )
    return (
        f"CASE WHEN {listed} THEN CASE WHEN json_array_length({column}) = 1 THEN {one}"
        f" ELSE {walk} END ELSE 0 END"
    )


def facts(number: int) -> tuple[bool, bool, int | None]:
    """(reported, rejected, passed_at) from `attempt_facts`'s number."""
    return bool(number & 1), bool(number & 2), (number >> 2) or None


def unordered(sql: str) -> str:
    """`sql` without its final ORDER BY (the rows are grouped, not streamed in order)."""
    head, _, tail = sql.rpartition("ORDER BY")
    if not head or ")" in tail:
        raise ValueError("the query does not end with its ORDER BY")
    return head


def summary(
    conn: sqlite3.Connection,
    activity: tuple[str, Sequence[Any]],
    cohort: tuple[str, Sequence[Any]],
    since: datetime,
    until: datetime,
    terms: ReportTerms,
    outcomes: OutcomeTerms,
    quiet_before: datetime,
    scan: bool = False,
) -> Grouped:
    """Group the rows of the `activity` and `cohort` queries ((sql, parameters), in the shape of
    `user_activity` and `cohort_cases`) on the reading connection. `scan`: the period holds
    most cases (`sqlite_counters.broad`)."""
    values = [f"v{i}" for i in range(len(terms.last_fields))]
    flags = [f"f{i}" for i in range(len(terms.case_flags))]
    table = f"temp.report_activity_{next(_names)}"
    quiet = _q(iso(quiet_before))
    conn.execute("PRAGMA temp_store = MEMORY")  # the temporary table and sorts: in memory
    conn.execute("BEGIN")  # one snapshot for every query
    try:
        conn.execute(
            f"CREATE TABLE {table} (channel TEXT NOT NULL, user_id TEXT NOT NULL, last_kind,"
            f" last_at, acted, updated{''.join(', ' + v for v in values)},"
            " PRIMARY KEY (channel, user_id)) WITHOUT ROWID"
        )
        conn.execute(
            f"WITH a (channel, user_id, last_kind, last_at, acted, updated, fresh"
            f"{''.join(', ' + v for v in values)}) AS ({activity[0]})"
            f" INSERT INTO {table} SELECT channel, user_id, last_kind, last_at,"
            " CASE WHEN ifnull(updated, '') <> '' AND fresh"
            " AND (ifnull(acted, '') = '' OR updated > acted) THEN updated ELSE acted END,"
            f" updated{''.join(', ' + v for v in values)} FROM a",
            tuple(activity[1]),
        )
        columns = ", ".join(["last_kind", *values])
        quiet_users = conn.execute(
            f"SELECT {columns}, count(*) FROM {table} WHERE max(ifnull(last_at, ''),"
            f" ifnull(updated, ''), ifnull(acted, '')) < {quiet} GROUP BY {columns}"
        ).fetchall()
        attempts = attempt_facts("w.attempts", outcomes, "w.status")
        cohort_columns = (
            "channel, user_id, number, opened_at, closed_at, status, reasons, attempts,"
            f" failures, last_kind, first_closed, waiting{''.join(', ' + f for f in flags)}"
        )
        grouped = ", ".join(str(i + 1) for i in range(8 + len(flags)))
        fields = ", ".join(["reasons", "status", "c2", "c3", "c4", "last_kind", *flags, "c5", "c6"])
        # one row of JSON: the reading thread takes the interpreter lock once, not per group
        cases, passed = conn.execute(
            f"SELECT json_group_array(json_array({fields}, n)), ifnull(sum(CASE WHEN"
            f" status = {_q(outcomes.passed_status)} AND c6 THEN n END), 0) FROM ("
            f"WITH w ({cohort_columns}) AS ({unordered(cohort[0])}),"
            # each fact once per case (grouping would work some out twice)
            " facts AS MATERIALIZED (SELECT w.reasons, w.status,"
            " ifnull(w.first_closed, '') <> '' AS c2,"
            " CASE WHEN w.waiting THEN w.number = (SELECT max(x.number) FROM cases x"
            " WHERE x.channel = w.channel AND x.user_id = w.user_id"
            f" AND +x.opened_at >= {_q(iso(since))} AND +x.opened_at <= {_q(iso(until))})"
            " ELSE 0 END AS c3,"
            f" ifnull(nullif(a.acted, ''), w.opened_at) < {quiet} AS c4, w.last_kind"
            f"{''.join(', ifnull(w.' + f + ', 0) AS ' + f for f in flags)},"
            f" {attempts} AS c5, ifnull(w.closed_at, '') <> '' AS c6"
            f" FROM w LEFT JOIN {table} a ON a.channel = w.channel AND a.user_id = w.user_id)"
            f" SELECT *, count(*) AS n FROM facts GROUP BY {grouped})",
            tuple(cohort[1]),
        ).fetchone()
        middle = conn.execute(
            f"SELECT opened_at, closed_at FROM cases WHERE {'+' if scan else ''}opened_at >= ?"
            f" AND {'+' if scan else ''}opened_at <= ?"
            " AND status = ? AND ifnull(closed_at, '') <> ''"
            " ORDER BY julianday(closed_at) - julianday(opened_at) LIMIT ? OFFSET ?",
            (iso(since), iso(until), outcomes.passed_status, 2 - passed % 2, (passed - 1) // 2),
        ).fetchall() if passed else []
        conn.execute(f"DROP TABLE {table}")
    except BaseException:
        conn.execute("ROLLBACK")  # the table goes too
        raise
    conn.execute("COMMIT")  # read only: ends the snapshot
    return Grouped(cases, quiet_users, middle)


class Grouped(NamedTuple):
    """`summary`'s rows as fetched: the reading thread fetches, `assemble` (on the event loop:
    that thread yields the CPU, so it should not hold the interpreter lock for long) makes
    them a `ReportSummary`."""

    cases: str  # a JSON array of rows
    quiet_users: list[tuple[Any, ...]]
    middle: list[tuple[str, str]]


def assemble(rows: Grouped, terms: ReportTerms) -> ReportSummary:
    """The `ReportSummary` of `summary`'s rows."""
    cases = []
    for r in json.loads(rows.cases):
        reported, rejected, passed_at = facts(r[-3])
        cases.append(
            CaseGroup(
                reasons=tuple(_json(r[0], [])),
                status=r[1],
                closed_event=bool(r[2]),
                waiting=bool(r[3]),
                quiet=bool(r[4]),
                last_kind=r[5],
                flags=frozenset(f for f, on in zip(terms.case_flags, r[6:-3], strict=True) if on),
                reported=reported,
                rejected=rejected,
                passed_at=passed_at,
                closed=bool(r[-2]),
                n=r[-1],
            )
        )
    return ReportSummary(
        cases=cases,
        quiet_users=[
            QuietGroup(r[0], tuple(_text(v) for v in r[1:-1]), r[-1]) for r in rows.quiet_users
        ],
        durations=tuple(parse(closed) - parse(opened) for opened, closed in rows.middle),
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == b"" else str(value)
