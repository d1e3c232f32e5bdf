"""The operator report as people read it: aligned text tables, CSV files, JSON, and the grouped
unmatched messages with a JSONL export to label for `python -m bot eval`.

Operator output, in English (the chat answers to admins are worded by `knowledge/`, in
`bot.app.admin`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.app.cohort import pct
from bot.app.report_model import DEFINITIONS, Report
from bot.app.unmatched import UnmatchedGroup
from bot.shared.errors import ConfigError

#: rows shown per table in the text report (JSON and CSV hold every row)
TEXT_ROWS = 20


@dataclass(frozen=True)
class Table:
    name: str  # CSV file stem
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else f"{value:.1f}"
    return str(value)


def _signed(value: float | None) -> str | None:
    return None if value is None else f"{value:+.1f}"


def report_tables(report: Report) -> list[Table]:
    """Return the report as tables (the text report prints them, --csv writes them)."""
    o = report.outcomes
    summary = Table(
        "summary",
        "Summary",
        ("figure", "value"),
        (
            ("period start", report.since),
            ("period end", report.until),
            ("conversations started", report.conversations_started),
            ("users active", report.active_users),
            ("reasons recognised from text", report.diagnosed),
            ("users who asked to be forgotten", report.forgotten),
            ("conversations purged (retention)", report.purged),
        ),
    )
    outcomes = Table(
        "outcomes",
        "Cases opened in the period",
        ("figure", "value", "percent of cases"),
        tuple(
            (label, value, pct(value, o.cases) if share else None)
            for label, value, share in (
                ("cases", o.cases, False),
                ("resubmitted at least once", o.resubmitted, True),
                ("passed", o.passed, True),
                ("rejected again at least once", o.rejected_again, True),
                ("went to manual review", o.manual_review, True),
                ("reached lock risk", o.lock_risk, True),
                ("silent", o.silent, True),
                ("  of which after a follow-up", o.silent_after_followup, True),
                ("  of which mid-fix", o.silent_mid_fix, True),
                ("waiting for a follow-up", o.waiting, True),
                ("in progress", o.in_progress, True),
                ("closed by the user", o.closed, True),
                ("median attempts to pass", o.median_attempts_to_pass, False),
                ("median hours from diagnosis to pass", o.median_hours_to_pass, False),
            )
        ),
    )
    reasons = Table(
        "reasons",
        "Cases by reason",
        (
            "reason",
            "cases",
            "share %",
            "expected %",
            "diff pts",
            "passed",
            "resolved %",
            "rejected again",
            "manual review",
            "silent",
            "median attempts",
        ),
        tuple(
            (
                r.id,
                r.cases,
                r.share,
                r.expected_share,
                _signed(r.difference),
                r.passed,
                r.resolution_rate,
                r.rejected_again,
                r.manual_review,
                r.silent,
                r.median_attempts_to_pass,
            )
            for r in report.reasons
        ),
    )
    topics = Table(
        "topics",
        "Topics asked",
        ("topic", "times", "users", "title"),
        tuple((t.id, t.count, t.users, t.title) for t in report.topics),
    )
    give_up = Table(
        "give_up",
        "Where users give up (last step shown before silence)",
        ("reason", "step", "gave up", "shown", "rate %", "step text"),
        tuple((g.reason, g.step, g.gave_up, g.shown, g.rate, g.label) for g in report.give_up),
    )
    unmatched = Table(
        "unmatched",
        "Messages the bot could not place (grouped)",
        ("count", "unmatched", "ambiguous", "example", "closest"),
        tuple(
            (
                g.count,
                g.unmatched,
                g.ambiguous,
                g.text,
                ", ".join(f"{c.id} {c.score:g}" for c in g.candidates) or "none",
            )
            for g in report.unmatched
        ),
    )
    events = Table(
        "events",
        "Events by kind",
        ("kind", "count"),
        tuple(report.events.items()),
    )
    return [summary, outcomes, reasons, topics, give_up, unmatched, events]


def render_table(table: Table, limit: int | None = TEXT_ROWS) -> str:
    """Render a table as aligned plain text (at most `limit` rows)."""
    rows = [tuple(_fmt(v) for v in row) for row in table.rows]
    shown = rows if limit is None else rows[:limit]
    widths = [len(h) for h in table.headers]
    for row in shown:
        widths = [max(w, len(_clip(v))) for w, v in zip(widths, row, strict=True)]
    numeric = [
        all(_is_number(row[i]) for row in shown) and bool(shown) for i in range(len(table.headers))
    ]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            cell = _clip(cell)
            out.append(cell.rjust(width) if numeric[i] else cell.ljust(width))
        return "  ".join(out).rstrip()

    lines = [table.title, "-" * len(table.title)]
    if not rows:
        lines.append("(none)")
        return "\n".join(lines)
    lines.append(line(table.headers))
    lines += [line(row) for row in shown]
    if len(rows) > len(shown):
        lines.append(f"... and {len(rows) - len(shown)} more (see --json or --csv)")
    return "\n".join(lines)


def _clip(text: str, width: int = 60) -> str:
    indent = text[: len(text) - len(text.lstrip(" "))]
    text = indent + " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _is_number(text: str) -> bool:
    if text == "-":
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def format_report(report: Report) -> str:
    """Render the report as plain text."""
    head = f"kyc-helper report: {report.since} to {report.until}"
    if report.empty:
        return f"{head}\n\nNo data in this period: no conversations, cases or messages were logged."
    parts = [head]
    tables = report_tables(report)
    if not report.events:
        tables = [t for t in tables if t.name != "events"]
    parts += [render_table(t) for t in tables]
    parts.append(
        "Definitions\n-----------\n"
        + "\n".join(
            f"{name}: {text}".replace("silent_after_days", f"{report.silent_after_days:g} days")
            for name, text in DEFINITIONS.items()
        )
    )
    return "\n\n".join(parts)


def write_csv(report: Report, directory: str | Path) -> list[Path]:
    """Write one CSV file per table into `directory`; return the paths."""
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create --csv directory {out}: {exc}") from exc
    written = []
    for table in report_tables(report):
        path = out / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.headers)
            writer.writerows(["" if v is None else v for v in row] for row in table.rows)
        written.append(path)
    return written


# -- unmatched messages ---------------------------------------------------------------------------


def format_unmatched(groups: Sequence[UnmatchedGroup], since: str, until: str | None = None) -> str:
    """Render unmatched groups as plain text, biggest first (`until`: the period's end, when
    it is not now)."""
    total = sum(g.count for g in groups)
    period = f"since {since}" if until is None else f"from {since} to {until}"
    if not groups:
        return f"No unmatched or low-confidence messages {period}."
    lines = [
        f"{total} unmatched or low-confidence messages {period}, in {len(groups)} groups",
        "",
    ]
    for i, g in enumerate(groups, 1):
        lines.append(
            f'{i:>3}. x{g.count}  "{_clip(g.text, 90)}"  '
            f"(nothing matched {g.unmatched}, ambiguous {g.ambiguous}; last {g.last_at[:10]})"
        )
        for v in g.variants:
            lines.append(f'        also: "{_clip(v, 90)}"')
        closest = ", ".join(f"{c.kind} {c.id} {c.score:g}" for c in g.candidates) or "none"
        lines.append(f"        closest: {closest}")
    return "\n".join(lines)


def write_export(groups: Sequence[UnmatchedGroup], path: str | Path) -> int:
    """Write one JSON line per group, ready to label for `python -m bot eval`; return lines."""
    try:
        with Path(path).open("w", encoding="utf-8") as fh:
            for g in groups:
                line = {
                    "text": g.text,
                    "count": g.count,
                    "candidates": [asdict(c) for c in g.candidates],
                    "expect": [],
                }
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write --export file {path}: {exc}") from exc
    return len(groups)
