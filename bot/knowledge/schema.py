"""The shape of each knowledge file kind."""

from __future__ import annotations

import re

from bot.knowledge.accessors import FileCtx
from bot.knowledge.yamlfile import YList, YMap

#: matching.yaml's word lists (base and overlays); `synonyms` maps a word to its variants
WORD_LISTS = ("stop_words", "boilerplate", "reason_markers", "soft_separators", "negations",
              "negatable", "domain_words")
MATCHING_KEYS = ("version", "synonyms", *WORD_LISTS)
#: lists of regular expressions
PATTERN_LISTS = ("boilerplate", "reason_markers")


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def check_matching(ctx: FileCtx, data: YMap) -> None:
    """Check matching.yaml's lists: words are text, patterns compile and never match ''."""
    syn = data.get("synonyms")
    if syn is not None:
        if not isinstance(syn, YMap):
            ctx.error(data.lines["synonyms"], "`synonyms` must map a word to a list of variants, "
                                              "e.g. `photo: [pic, picture]`")
        else:
            for key, variants in syn.items():
                if not isinstance(variants, YList) or not all(_scalar(v) for v in variants):
                    ctx.error(syn.lines[key], f"synonyms of '{key}' must be a list of words or "
                                              f"phrases, e.g. `{key}: [variant one, variant two]`")
                elif not any(ch.isalnum() for ch in str(key)):
                    ctx.error(syn.lines[key], f"synonym key '{key}' has no letters or digits")
    for name in WORD_LISTS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, YList) or not all(_scalar(v) for v in value):
            ctx.error(data.lines[name], f"`{name}` must be a list of strings")
            continue
        if name not in PATTERN_LISTS:
            continue
        for pattern, line in zip(value, value.lines, strict=True):
            try:
                compiled = re.compile(str(pattern))
            except re.error as exc:
                ctx.error(line, f"`{name}` pattern '{pattern}' is not a valid regular expression "
                                f"({exc}); fix or quote it")
                continue
            if compiled.match(""):
                ctx.error(line, f"`{name}` pattern '{pattern}' matches empty text, so it would "
                                "match everywhere; make it stricter")
