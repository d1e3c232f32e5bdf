"""Durations typed by people: `25h`, `2d`, `1d12h`, `90m`, `2w` (console `/wait`, report `--since`)."""

from __future__ import annotations

import re
from datetime import timedelta

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
