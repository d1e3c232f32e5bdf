"""Time zones users set with /timezone: an IANA name ("Europe/Berlin") or an offset ("+3")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.knowledge.policy import place_key

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.I)


def parse_zone(raw: str, languages: Iterable[str] = (),
               places: Mapping[str, str] | None = None) -> str | None:
    """Return the canonical name of a zone typed by a user ("Europe/Berlin", "UTC+3",
    "+05:30", "utc", a city as `languages` write it: "Москва", "上海", or a country with one
    zone: "Nigeria", "Казахстан"; else one of `places`, policy.yaml `zone_places`: "Beijing"), or
    None if it is not one."""
    text = raw.strip()
    if not text:
        return None
    if text.lower() in ("utc", "gmt", "z", "+0", "-0", "utc+0", "utc-0"):
        return "UTC"
    found = _OFFSET.match(text)
    if found:
        sign, hours, minutes = found.group(1), int(found.group(2)), int(found.group(3) or 0)
        if hours > 14 or minutes >= 60:
            return None
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    if len(text) > 64 or ".." in text or text.startswith("/") or text.lower() in (
            "factory", "localtime", "posixrules") or text.lower().startswith(("posix/", "right/")):
        return None
    try:
        return ZoneInfo(text).key
    except (ZoneInfoNotFoundError, ValueError):
        key = place_key(text)
        return (_cities().get(key) or _local_names(tuple(languages)).get(key)
                or (places or {}).get(key))


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """A zone's city alone ("Moscow", "new york", "Ho Chi Minh"): the zone it names, when only
    one region has a city of that name."""
    found: dict[str, set[str]] = {}
    for key in available_timezones():
        area, _, city = key.rpartition("/")
        if area and area.split("/")[0] not in ("Etc", "SystemV", "US", "Canada", "Brazil", "Mexico", "Chile"):
            found.setdefault(city.lower().replace("_", " "), set()).add(key)
    return {city: next(iter(keys)) for city, keys in found.items() if len(keys) == 1}


@lru_cache(maxsize=4)
def _local_names(languages: tuple[str, ...]) -> dict[str, str]:
    """Cities and one-zone countries as each language writes them (CLDR, through Babel): the
    zone each names, when only one."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    one_zone = {land: zones[0] for land, zones in get_global("territory_zones").items()
                if len(zones) == 1}
    found: dict[str, set[str]] = {}
    for lang in ("en", *languages):
        try:
            locale = Locale.parse(lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
        for key, names in locale.time_zones.items():
            if city := names.get("city"):
                found.setdefault(city.lower(), set()).add(key)
        for land, name in locale.territories.items():
            if land in one_zone:
                found.setdefault(name.lower(), set()).add(one_zone[land])
    return {name: next(iter(keys)) for name, keys in found.items() if len(keys) == 1}


def zone(name: str | None) -> tzinfo:
    """The zone a stored name stands for; UTC when unset or unknown."""
    if not name or name == "UTC":
        return UTC
    found = _OFFSET.match(name)
    if found:
        sign = -1 if found.group(1) == "-" else 1
        delta = timedelta(hours=int(found.group(2)), minutes=int(found.group(3) or 0))
        return timezone(sign * delta, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
