"""Durations typed by people: `25h`, `2d`, `1d12h`, `90m`, `2w`, `10bd` (console `/wait`, report
`--since`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.shared.workdays import add_business_days

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """Parse `25h`, `2d`, `1d12h`, `90m`, `2w` into a timedelta; ValueError if it is not one."""
    text = text.strip()
    parts = _PART.findall(text)
    if not parts or _PART.sub("", text).strip():
        raise ValueError(f"not a duration: {text!r} (try 25h, 2d, 90m)")
    try:
        return sum((timedelta(**{_UNITS[u.lower()]: float(n)}) for n, u in parts), timedelta())
    except OverflowError:
        raise ValueError(f"duration too large: {text!r}") from None


_BUSINESS = re.compile(r"^\s*(\d{1,4})\s*bd\s*$", re.I)


def advance(start: datetime, text: str) -> datetime:
    """Return `start` moved by `text`: a duration (`25h`, `2d`) or business days (`10bd`,
    weekends skipped); ValueError if it is neither."""
    found = _BUSINESS.match(text)
    try:
        if found:
            return add_business_days(start, int(found.group(1)))
        return start + parse_duration(text)
    except OverflowError:  # past the year 9999
        raise ValueError(f"duration too large: {text!r}") from None
