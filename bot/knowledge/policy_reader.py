"""Read knowledge/policy.yaml with the declarations of `bot.knowledge.policy` as its schema."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import MISSING
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.knowledge import contract
from bot.knowledge.accessors import FileCtx, read_yaml
from bot.knowledge.policy import MatchingSettings, Policy, place_key
from bot.knowledge.problems import Problems, describe, did_you_mean, display_path, known
from bot.knowledge.ytypes import YMap

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


def _where(f: dataclasses.Field[Any]) -> tuple[str | None, str]:
    """Return (section, key) of a policy field: where policy.yaml writes it."""
    return f.metadata.get("section"), f.metadata.get("key") or f.name


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _layout() -> dict[str | None, list[dataclasses.Field[Any]]]:
    """Return the policy fields grouped by section (None: top-level keys)."""
    out: dict[str | None, list[dataclasses.Field[Any]]] = {}
    for f in dataclasses.fields(Policy):
        out.setdefault(f.metadata.get("section"), []).append(f)
    return out


def read_policy(path: Path, problems: Problems, topic_ids: set[str] | None = None) -> Policy | None:
    """Read policy.yaml into a `Policy`; None (with problems recorded) when it cannot be used.

    `topic_ids` are the topics that exist, for the `topics:` section's references."""
    if not path.is_file():
        problems.error(display_path(path), 1, "file not found; it holds the attempt thresholds, "
                                              "follow-up delays, matching numbers and links")
        return None
    ctx, data = read_yaml(path, problems)
    if data is None:
        return None
    layout = _layout()
    top_keys = ["version"]
    required = []
    for section, fields in layout.items():
        names = [_where(f)[1] for f in fields] if section is None else [section]
        top_keys += names
        if section is None:
            required += [n for n, f in zip(names, fields, strict=True) if _required(f)]
        elif any(_required(f) for f in fields):
            required.append(section)
    ctx.check_keys(data, top_keys, required, "policy.yaml")
    values: dict[str, Any] = {}
    failed = False
    for section, fields in layout.items():
        what = "policy.yaml" if section is None else f"`{section}`"
        if section is None:
            m: YMap | None = data
        elif section in data:
            m = ctx.mapping(data[section], data.lines[section], what)
            failed = failed or m is None
        else:
            m = YMap()  # absent: check_keys reported it if it has required keys
        if m is None:
            continue
        kind = fields[0].metadata.get("kind")
        if section is not None and kind in ("number", "range"):
            keys = [_where(f)[1] for f in fields]
            ctx.check_keys(m, keys, [k for k, f in zip(keys, fields, strict=True)
                                     if _required(f)], what)
        for f in fields:
            if kind == "section":
                values[f.name] = _matching(ctx, m)
            elif kind == "links":
                values[f.name] = _links(ctx, m)
            elif kind == "places":
                values[f.name] = _places(ctx, m)
            elif kind == "topics":
                values[f.name] = _topic_roles(ctx, m, topic_ids)
            elif _where(f)[1] in m:
                value = _value(ctx, m, f, what)
                failed = failed or value is None
                values[f.name] = value
    manual, lock = values.get("manual_review_after"), values.get("lock_after")
    if manual is not None and lock is not None and lock <= manual:
        ctx.error(data["attempts"].lines["lock_after"],
                  f"`attempts.lock_after` ({lock:g}) must be above `manual_review_after` "
                  f"({manual:g})")
        failed = True
    missing = [f for f in dataclasses.fields(Policy) if _required(f) and f.name not in values]
    if failed or missing:
        return None
    return Policy(**values)


def _value(ctx: FileCtx, m: YMap, f: dataclasses.Field[Any], what: str) -> Any:
    """Read one number or range of section `m`; None (a problem recorded) when it is wrong."""
    meta = f.metadata
    section, key = _where(f)
    if meta["kind"] == "range":
        return _day_range(ctx, m, key, f"{section}.{key}")
    number = ctx.number(m, key, what, lo=meta["lo"], hi=meta["hi"], integer=meta["integer"],
                        exclusive_lo=meta["above"])
    if number is not None and meta["integer"]:
        number = int(number)
    return number


def _matching(ctx: FileCtx, m: YMap) -> MatchingSettings:
    """Read `matching:`; every key must be one of the matcher's numbers."""
    fields = dataclasses.fields(MatchingSettings)
    ctx.check_keys(m, [f.name for f in fields], (), "`matching`")
    values: dict[str, Any] = {}
    for f in fields:
        meta = f.metadata
        number = ctx.number(m, f.name, "`matching`", lo=meta["lo"], hi=meta["hi"],
                            integer=meta["integer"], exclusive_lo=meta["above"])
        if number is not None:
            values[f.name] = int(number) if meta["integer"] else number
    return MatchingSettings(**values)


def _links(ctx: FileCtx, m: YMap) -> MappingProxyType[str, str]:
    links: dict[str, str] = {}
    for key in m:
        url = ctx.string(m, key, "`links`")
        if url is None:
            continue
        if not URL_RE.match(url):
            ctx.error(m.lines[key], f"link '{key}' is not a web address: '{url}'; write it as "
                                    "https://...")
            continue
        links[key] = url
    return MappingProxyType(links)


def _places(ctx: FileCtx, m: YMap) -> MappingProxyType[str, str]:
    """Read `zone_places:`: a place as users type it -> its IANA time zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    places: dict[str, str] = {}
    for key in m:
        name = ctx.string(m, key, "`zone_places`")
        if name is None:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            ctx.error(m.lines[key], f"place '{key}': '{name}' is no time zone; write one such as "
                                    "Asia/Shanghai")
            continue
        places[place_key(str(key))] = name
    return MappingProxyType(places)


def _topic_roles(ctx: FileCtx, m: YMap, topic_ids: set[str] | None) -> MappingProxyType[str, str]:
    """Read `topics:`: each dialogue role names the topic offered in that situation."""
    ctx.check_keys(m, contract.TOPIC_ROLES,
                   [r for r in contract.TOPIC_ROLES if r not in contract.OPTIONAL_TOPIC_ROLES],
                   "`topics`")
    roles: dict[str, str] = {}
    for key in m:
        topic = ctx.ident(m, key, "`topics`")
        if topic is None or key not in contract.TOPIC_ROLES:
            continue
        if topic_ids is not None and topic not in topic_ids:
            ctx.error(m.lines[key], f"topic '{topic}' not found; {did_you_mean(topic, topic_ids)}"
                                    f"known: {known(topic_ids)}")
            continue
        roles[key] = topic
    return MappingProxyType(roles)


def _day_range(ctx: FileCtx, m: YMap, key: str, name: str) -> tuple[int, int] | None:
    v = m[key]
    ok = (
        isinstance(v, list)
        and len(v) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
        and v[0] <= v[1]
    )
    if not ok:
        ctx.error(m.lines[key], f"`{name}` must be [from, to] with whole numbers of days, from "
                                f"<= to, e.g. [7, 14]; not {describe(v)}")
        return None
    return int(v[0]), int(v[1])
