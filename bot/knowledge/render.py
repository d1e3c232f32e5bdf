"""Locale rendering: dates, times, numbers and plural forms per language, with Babel (CLDR data).

The one place that turns values into text for a language. `KnowledgeBase.message` calls
`fill`, so a `datetime` passed as a placeholder value reads "Tue, Mar 3, 9:00 AM UTC" in English,
"3月3日周二 09:00 UTC" in Chinese and "вт, 3 мар., 09:00 UTC" in Russian, a number is grouped
as the language groups it, and a message written as a plural map (`{one: ..., other: ...}`)
picks the form its count needs in that language (Russian has one, few, many, other).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import UTC, datetime, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

DEFAULT_LANG = "en"
#: CLDR plural categories; every plural map needs `other`
PLURAL_CATEGORIES: tuple[str, ...] = ("zero", "one", "two", "few", "many", "other")


@lru_cache(maxsize=64)
def locale(lang: str | None) -> Locale:
    """Return Babel's locale for a language code ("pt-br" -> pt_BR, "zh-hant" -> zh_Hant).

    An unknown code falls back to its base language ("xx-yy" -> "xx"), then to English.
    """
    code = (lang or DEFAULT_LANG).replace("-", "_")
    for candidate in (code, code.split("_")[0], DEFAULT_LANG):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(DEFAULT_LANG)  # pragma: no cover - English is always there


def plural_categories(lang: str | None) -> frozenset[str]:
    """Return the plural categories `lang` distinguishes (always with `other`)."""
    return frozenset(locale(lang).plural_form.tags) | {"other"}


def plural_category(lang: str | None, count: float) -> str:
    """Return the CLDR category of `count` in `lang`: "one", "few", "many", "other"..."""
    return locale(lang).plural_form(abs(count))


def zone(tz: str | tzinfo | None) -> tzinfo:
    """Return the time zone `tz` names (an IANA name such as "Europe/Moscow"); UTC when unset."""
    if tz is None or tz == "UTC":
        return UTC
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def format_datetime(dt: datetime, lang: str | None = None, tz: str | tzinfo | None = None) -> str:
    """Return `dt` as weekday, day, month and time in `lang`, followed by the zone's name."""
    where = zone(tz)
    loc = locale(lang)
    local = dt.astimezone(where) if dt.tzinfo else dt.replace(tzinfo=UTC).astimezone(where)
    day = format_skeleton("MMMEd", local, tzinfo=where, locale=loc)
    time = format_time(local, "short", tzinfo=where, locale=loc)
    both = str(loc.datetime_formats["short"]).replace("{1}", day).replace("{0}", time)
    if where is UTC:
        name = "UTC"
    elif isinstance(where, timezone):
        name = where.tzname(None)  # an offset the user set ("UTC+03:00"), as /timezone named it
    else:
        name = _babel_datetime(local, "zzzz", tzinfo=where, locale=loc)
    return f"{both} {name}"


@lru_cache(maxsize=4096, typed=True)  # the same few counts and limits in every reply
def format_number(value: float, lang: str | None = None) -> str:
    """Return a number as `lang` writes it (grouping, decimal sign); whole floats lose ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, locale=locale(lang))


def format_value(value: object, lang: str | None = None, tz: str | tzinfo | None = None) -> object:
    """Format datetimes, numbers and lists of texts ("an address and a card number", "地址和银行卡号")
    for `lang`; leave every other value as it is."""
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return format_list(list(value), locale=locale(lang))
    if isinstance(value, datetime):
        return format_datetime(value, lang, tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, lang)
    return value


class _Keep(dict):
    """Leave an unknown {placeholder} as written (the validator reports it; never a crash)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, lang: str | None, values: Mapping[str, object],
         tz: str | tzinfo | None = None) -> str:
    """Fill `{placeholders}` of `template` with `values` formatted for `lang`."""
    return template.format_map(_Keep({k: format_value(v, lang, tz) for k, v in values.items()}))


def placeholders(template: str) -> set[str]:
    """Return the `{name}` placeholders of `template`; ValueError when a brace is broken."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
