"""Business days: Monday to Friday. Public holidays are not counted (they differ by country)."""

from __future__ import annotations

from datetime import datetime, timedelta

SATURDAY = 5


def add_business_days(start: datetime, days: int) -> datetime:
    """Return `start` moved forward `days` business days, same time of day; weekends skipped.

    Counting from a Saturday or Sunday starts on the Monday, so 1 business day after a Saturday
    is Tuesday, as a person counts "next business day" from a weekend.
    """
    if days < 0:
        raise ValueError("business days must not be negative")
    day = start
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    left = days
    while left:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY:
            left -= 1
    return day


def business_days_between(start: datetime, end: datetime) -> int:
    """Whole business days from `start` to `end` (0 if `end` is not later), counted as
    `add_business_days` counts them: from a Saturday or Sunday, the Monday is day 0 (so that a
    check-in planned 14 business days after a weekend start comes when 14 have passed)."""
    count, day = 0, start
    while day.weekday() >= SATURDAY and day + timedelta(days=1) <= end:
        day += timedelta(days=1)
    while day + timedelta(days=1) <= end:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY:
            count += 1
    return count
