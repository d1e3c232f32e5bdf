"""`python -m bot report` and `python -m bot unmatched`: the operator report from a database,
read-only (safe while the bot runs). The figures are `bot.app.report`'s; the renderings
`bot.app.report_text`'s."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.app.report import Closest, build_report, matcher_candidates, unmatched_groups
from bot.app.report_text import format_report, format_unmatched, write_csv, write_export
from bot.app.unmatched import Candidate
from bot.core.state import iso
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import parse_duration
from bot.shared.errors import ConfigError, StoreError
from bot.storage import is_postgres, open_store
from bot.storage.base import Store
from bot.understanding.matcher import Matcher


def parse_since(text: str, now: datetime, until: datetime | None = None) -> datetime:
    """Return the start of the period `text` names: `12h`, `7d`, `2w` back from the period's
    end (`until`, default `now`), or an ISO date/time. ConfigError if it is in the future or
    not before the end."""
    end = now if until is None else until
    start = _moment("--since", text, end)
    if start > now:
        raise ConfigError(
            f"--since {text.strip()!r} is in the future (it is {iso(now)} now); "
            "give the period's start, e.g. 7d or a date like 2026-03-01"
        )
    if start >= end:
        raise ConfigError(
            f"--since {text.strip()!r} ({iso(start)}) is not before the period's end "
            f"({iso(end)}, --until)"
        )
    return start


def parse_until(text: str | None, now: datetime) -> datetime:
    """Return the end of the period `text` names: an ISO date/time (a date alone: the end of
    that day, the midnight after it) or a period back from now (`7d`: a week ago). None or
    empty: now, which is also the latest a period can end (the report is of what happened)."""
    if text is None or not text.strip():
        return now
    return min(_moment("--until", text, now, end_of_day=True), now)


def _moment(option: str, text: str, anchor: datetime, *, end_of_day: bool = False) -> datetime:
    """A period back from `anchor` (`12h`, `7d`, `2w`) or an ISO date/time (UTC without a time
    zone; a date alone is its midnight, or with `end_of_day` the midnight after it)."""
    text = (text or "").strip()
    try:
        period = parse_duration(text)
    except ValueError:
        period = None
    if period is not None:
        if period <= timedelta():
            raise ConfigError(f"{option} must be a positive period, got {text!r}")
        try:
            return anchor - period
        except OverflowError:
            raise ConfigError(f"{option} {text!r} reaches before the year 1") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{option} {text!r} is not a period; use e.g. 12h, 7d, 2w or a date like 2026-03-01"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and _date_only(text):
        with contextlib.suppress(OverflowError):  # (the last day there is: its midnight)
            moment += timedelta(days=1)
    return moment.astimezone(UTC)


def _date_only(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


async def open_readonly(location: str | Path) -> Store:
    """Open an existing bot database read-only; raise ConfigError if it is missing or foreign."""
    where = str(location)
    if not is_postgres(where) and not Path(where).is_file():
        raise ConfigError(f"database {where} not found; pass --db or set DATABASE_PATH")
    try:
        return await open_store(where, readonly=True)
    except StoreError as exc:
        raise ConfigError(str(exc).removeprefix(f"cannot open database {where}: ")) from exc


def period(args: argparse.Namespace, now: datetime) -> tuple[datetime, datetime]:
    """The period `--since` and `--until` name (`--until` defaults to now)."""
    until = parse_until(getattr(args, "until", None), now)
    return parse_since(args.since, now, until), until


async def report(args: argparse.Namespace, now: datetime, out: TextIO) -> int:
    since, until = period(args, now)
    kb = load_knowledge(args.knowledge)
    store = await open_readonly(args.db)
    try:
        # the closest entries of groups whose messages stored none: the matcher's, as
        # `unmatched` shows them (built only if such a group exists)
        figures = await build_report(store, kb, since, until, closest=_closest(kb))
    finally:
        await store.close()
    if args.csv:
        paths = write_csv(figures, args.csv)
        print(f"wrote {len(paths)} CSV files to {args.csv}", file=sys.stderr)
    if args.json:
        out.write(json.dumps(figures.to_dict(), indent=2, ensure_ascii=False) + "\n")
    elif not args.csv:
        out.write(format_report(figures) + "\n")
    return 0


async def unmatched(args: argparse.Namespace, now: datetime, out: TextIO) -> int:
    since, until = period(args, now)
    kb = load_knowledge(args.knowledge)
    store = await open_readonly(args.db)
    try:
        groups = await unmatched_groups(store, since, until, closest=_closest(kb))
    finally:
        await store.close()
    out.write(format_unmatched(groups, iso(since), iso(until) if until < now else None) + "\n")
    if args.export:
        n = write_export(groups, args.export)
        print(
            f"wrote {n} groups to {args.export}; fill in `expect` and run "
            f"`python -m bot eval {args.export}`",
            file=sys.stderr,
        )
    return 0


def _closest(kb: KnowledgeBase) -> Closest:
    """The matcher's closest entries, the matcher built on first use (not for no messages)."""
    built: list[Closest] = []

    def closest(text: str) -> Sequence[Candidate]:
        if not built:
            built.append(matcher_candidates(Matcher.build(kb)))
        return built[0](text)

    return closest


def cmd_report(args: argparse.Namespace) -> int:
    """Print the operator report for the period (text, --json, or --csv DIR)."""
    return asyncio.run(report(args, datetime.now(UTC), sys.stdout))


def cmd_unmatched(args: argparse.Namespace) -> int:
    """List unmatched and low-confidence messages, grouped; --export writes labelling JSONL."""
    return asyncio.run(unmatched(args, datetime.now(UTC), sys.stdout))
