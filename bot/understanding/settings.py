"""The matcher's numbers (policy.yaml `matching:`) and word lists (matching.yaml, per language).

Every language's matching.yaml (`knowledge/matching.yaml` for English, the overlays in
`knowledge/i18n/<lang>/matching.yaml`) adds to the same lists: a Chinese synonym only ever
meets Chinese words, a Russian stop word only Russian ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from bot.knowledge.policy import MATCHING_DEFAULTS
from bot.knowledge.schema import PATTERN_LISTS, WORD_LISTS, symbol_key
from bot.understanding.patterns import check_pattern

logger = logging.getLogger(__name__)

#: every `matching:` number's default, declared once (with its bounds) in bot/knowledge/policy.py
DEFAULTS: Mapping[str, float] = MATCHING_DEFAULTS


def settings_from(kb: Any) -> dict[str, float]:
    """Return the matcher's numbers: policy.yaml `matching:` over `DEFAULTS`."""
    settings = {key: float(value) for key, value in DEFAULTS.items()}
    for key, value in kb.policy.matching.items():
        if key in DEFAULTS:
            settings[key] = float(value)
        else:
            logger.warning("policy.yaml matching.%s is not a matcher setting; ignored", key)
    return settings


def matching_files(kb: Any) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Yield (language, matching.yaml as read) for English and every overlay language."""
    yield "en", kb.matching
    yield from sorted(dict(getattr(kb, "matching_overlays", {}) or {}).items())


def matching_words(kb: Any) -> dict[str, Any]:
    """Return the word lists of every language together, skipping malformed parts.

    `checks.check_matching` reports what is skipped, with its file and line.
    """
    syn: dict[str, list[str]] = {}
    out: dict[str, Any] = {name: [] for name in WORD_LISTS}
    out["symbols"] = {}
    out["english"] = []  # phrases of the English file: what a Latin word may be besides translit
    for lang, data in matching_files(kb):
        one = words_of(data)
        if lang == "en":
            out["english"] += [w for k, v in one["synonyms"].items() for w in (k, *v)]
            out["english"] += [w for name in ("stop_words", "negations", "negatable",
                                              "domain_words", "other_contexts", "own_words",
                                              "other_services", "own_names")
                               for w in one[name]]
        for key, variants in one["synonyms"].items():
            syn.setdefault(key, []).extend(variants)
        out["symbols"].update(one["symbols"])
        for name in WORD_LISTS:
            out[name].extend(one[name])
    out["synonyms"] = syn
    return out


def words_of(data: Mapping[str, object]) -> dict[str, Any]:
    """Return one matching.yaml's lists in a safe shape, skipping malformed parts."""
    out: dict[str, Any] = {}
    syn: dict[str, list[str]] = {}
    raw = data.get("synonyms") if isinstance(data, Mapping) else None
    if isinstance(raw, Mapping):
        for key, variants in raw.items():
            if isinstance(variants, list):
                syn[str(key)] = [str(v) for v in variants if isinstance(v, str | int | float)]
            elif isinstance(variants, str | int | float):
                syn[str(key)] = [str(variants)]
    out["synonyms"] = syn
    raw = data.get("symbols") if isinstance(data, Mapping) else None
    out["symbols"] = {symbol_key(k): str(v) for k, v in raw.items()
                      if symbol_key(k) and isinstance(v, str) and v.strip()} if isinstance(raw, Mapping) else {}
    for name in WORD_LISTS:
        value = data.get(name) if isinstance(data, Mapping) else None
        items = [str(v) for v in value if isinstance(v, str | int | float)] if isinstance(
            value, list) else []
        if name in PATTERN_LISTS:
            items = [p for p in items if check_pattern(p) is None]
        out[name] = items
    return out
