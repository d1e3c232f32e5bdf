"""Typed access to one parsed knowledge file, recording every problem as `file:line`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from bot.knowledge import parse_cache, render
from bot.knowledge.model import DEFAULT_LANG, Source, Text
from bot.knowledge.problems import Problems, describe, did_you_mean, display_path, known
from bot.knowledge.ytypes import YList, YMap

SUPPORTED_VERSIONS: tuple[int, ...] = (1,)
#: Telegram refuses longer messages; the adapter splits replies, but one text should fit.
MAX_TEXT_CHARS = 4096
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def is_plural_map(value: object) -> bool:
    """Whether `value` is a map of CLDR plural categories ({one: ..., other: ...})."""
    return (isinstance(value, YMap) and bool(value)
            and all(k in render.PLURAL_CATEGORIES for k in value))


def _plural_text(langs: dict[str, str | dict[str, str]]) -> Text:
    """Build a `Text` whose languages are plain texts or plural forms (`other` in `by_lang`)."""
    by_lang = {k: v if isinstance(v, str) else v["other"] for k, v in langs.items()}
    plurals = {k: MappingProxyType(v) for k, v in langs.items() if not isinstance(v, str)}
    return Text(MappingProxyType(by_lang), MappingProxyType(plurals))


class FileCtx:
    """Typed access to one parsed YAML file, recording problems with its display path."""

    def __init__(self, path: str, problems: Problems, lang: str = DEFAULT_LANG) -> None:
        self.path = path
        self.problems = problems
        self.lang = lang  # the language the file is written in (overlays: their folder's)

    def error(self, line: int, message: str) -> None:
        self.problems.error(self.path, line, message)

    def warn(self, line: int, message: str) -> None:
        self.problems.warn(self.path, line, message)

    def source(self, line: int) -> Source:
        return Source(self.path, line, self.lang)

    # -- structure

    def check_keys(
        self, m: YMap, allowed: Iterable[str], required: Iterable[str], what: str
    ) -> None:
        """Report unknown keys (with a suggestion) and missing required keys of mapping `m`."""
        allowed = list(allowed)
        suggested: set[str] = set()
        for key in m:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                suggested.update(close)
                self.error(
                    m.lines[key],
                    f"unknown key '{key}' in {what}; {did_you_mean(key, allowed)}"
                    f"allowed keys: {', '.join(allowed)}",
                )
        for key in required:
            if key not in m and key not in suggested:  # a misspelt key is reported once
                self.error(m.line, f"{what} has no `{key}`; add `{key}:`")

    def mapping(self, value: object, line: int, what: str) -> YMap | None:
        if isinstance(value, YMap):
            return value
        self.error(line, f"{what} must be a map of `key: value` lines, not {describe(value)}")
        return None

    # -- scalars

    @staticmethod
    def _as_str(value: object, raw: str | None) -> str | None:
        if isinstance(value, str):
            return value
        if value is None or isinstance(value, dict | list):
            return None
        return raw if raw is not None else str(value)

    def string(self, m: YMap, key: str, what: str, *, required: bool = True) -> str | None:
        if key not in m:
            return None  # check_keys reports missing required keys
        value = self._as_str(m[key], m.raw.get(key))
        if value is None or not value.strip():
            self.error(m.lines[key], f"`{key}` of {what} must be a non-empty text, not "
                                     f"{describe(m[key])}{_quote_hint(m[key])}")
            return None
        return value.strip()

    def ident(self, m: YMap, key: str, what: str) -> str | None:
        value = self.string(m, key, what)
        if value is not None and not ID_RE.match(value):
            self.error(
                m.lines[key],
                f"`{key}` '{value}' of {what} is not a snake_case id; use lowercase letters, "
                "digits and _, starting with a letter",
            )
            return None
        return value

    def number(
        self,
        m: YMap,
        key: str,
        what: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
        exclusive_lo: bool = False,
    ) -> float | None:
        if key not in m:
            return None
        value = m[key]
        kind = "a whole number" if integer else "a number"
        bounds = ""
        if lo is not None and hi is not None:
            bounds = f" from {lo:g} to {hi:g}"
        elif lo is not None:
            bounds = f" above {lo:g}" if exclusive_lo else f" of at least {lo:g}"
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if ok and lo is not None and (value <= lo if exclusive_lo else value < lo):
            ok = False
        if ok and hi is not None and value > hi:
            ok = False
        if not ok:
            self.error(m.lines[key], f"`{key}` of {what} must be {kind}{bounds}, not "
                                     f"{describe(value)}")
            return None
        return int(value) if integer else float(value)

    # -- texts

    def text_value(
        self, value: object, raw: str | None, line: int, what: str, *, plural: bool = False
    ) -> Text | None:
        """Turn a string or a {lang: string} map into a `Text`, reporting problems.

        With `plural`, a text may also be a plural map ({one: ..., other: ...}), alone (English)
        or as the value of a language.
        """
        if is_plural_map(value):
            forms = self.plural_forms(value, DEFAULT_LANG, line, what, allowed=plural)  # type: ignore[arg-type]
            return _plural_text({DEFAULT_LANG: forms}) if forms else None
        if isinstance(value, YMap):
            langs: dict[str, str | dict[str, str]] = {}
            for lang, item in value.items():
                ln = value.lines[lang]
                if not LANG_RE.match(lang):
                    self.error(ln, f"'{lang}' in {what} is not a language code; use e.g. en, es, "
                                   "pt-br")
                    continue
                if is_plural_map(item):
                    forms = self.plural_forms(item, lang, ln, what, allowed=plural)  # type: ignore[arg-type]
                    if forms:
                        langs[lang] = forms
                    continue
                s = self._as_str(item, value.raw.get(lang))
                if s is None or not s.strip():
                    self.error(ln, f"{what} ({lang}) is empty; write the text or remove the line")
                    continue
                langs[lang] = self._check_length(s.strip(), ln, what)
            if not value:
                self.error(line, f"{what} is an empty map; write the text")
                return None
            if DEFAULT_LANG not in value:
                self.error(
                    line,
                    f"{what} has no '{DEFAULT_LANG}' text (languages: {known(value)}); add "
                    f"`{DEFAULT_LANG}:` since users without a translation get English",
                )
            return _plural_text(langs) if langs else None
        s = self._as_str(value, raw)
        if s is None:
            self.error(line, f"{what} must be a text (a string, or a map of languages), not "
                             f"{describe(value)}")
            return None
        if not s.strip():
            self.error(line, f"{what} is empty; write the text")
            return None
        return Text.plain(self._check_length(s.strip(), line, what))

    def plural_forms(
        self, m: YMap, lang: str, line: int, what: str, *, allowed: bool = True
    ) -> dict[str, str] | None:
        """Check a plural map against `lang`'s CLDR categories; return category -> text."""
        if not allowed:
            self.error(line, f"{what} has plural forms ({', '.join(m)}), but no number decides "
                             "them here; write one text")
            return None
        wanted = render.plural_categories(lang)
        order = [c for c in render.PLURAL_CATEGORIES if c in wanted]
        forms: dict[str, str] = {}
        for category in m:
            ln = m.lines[category]
            if category not in wanted:
                self.error(ln, f"plural form '{category}' of {what} is not used in '{lang}'; "
                               f"'{lang}' has {', '.join(order)}: remove it")
                continue
            s = self._as_str(m[category], m.raw.get(category))
            if s is None or not s.strip():
                self.error(ln, f"plural form '{category}' of {what} must be a non-empty text")
                continue
            forms[category] = self._check_length(s.strip(), ln, what)
        if "other" not in m:
            self.error(line, f"{what} has no `other` plural form; add `other:` (used for every "
                             "count no other form covers)")
            return None
        missing = [c for c in order if c not in m]
        if missing:
            self.warn(line, f"{what} ({lang}) has no plural form {', '.join(missing)}; counts "
                            "that need it get `other`: add it")
        return forms if len(forms) == len(m) else None

    def _check_length(self, s: str, line: int, what: str) -> str:
        if len(s) > MAX_TEXT_CHARS:
            self.warn(line, f"{what} is {len(s)} characters; Telegram messages hold "
                            f"{MAX_TEXT_CHARS}, so it will be split: shorten it")
        return s

    def text(self, m: YMap, key: str, what: str) -> Text | None:
        if key not in m:
            return None
        return self.text_value(m[key], m.raw.get(key), m.lines[key], f"`{key}` of {what}")

    def seq(self, m: YMap, key: str, what: str) -> YList | None:
        if key not in m:
            return None
        value = m[key]
        if value is None:
            value = YList()
            value.line = m.lines[key]
        if not isinstance(value, YList):
            self.error(m.lines[key], f"`{key}` of {what} must be a list (lines starting with "
                                     f"'- '), not {describe(value)}")
            return None
        return value

    def strings(
        self, m: YMap, key: str, what: str, *, min_items: int = 0
    ) -> list[tuple[str, int]]:
        """Return the (text, line) items of a list of strings."""
        items = self.seq(m, key, what)
        if items is None:
            return []
        out: list[tuple[str, int]] = []
        for value, raw, line in zip(items, items.raw, items.lines, strict=True):
            s = self._as_str(value, raw)
            if s is None or not s.strip():
                self.error(line, f"item of `{key}` in {what} must be a non-empty text, not "
                                 f"{describe(value)}{_quote_hint(value)}")
                continue
            out.append((s.strip(), line))
        if len(items) < min_items:
            self.error(m.lines[key], f"`{key}` of {what} needs at least {min_items} item(s), "
                                     f"has {len(items)}")
        return out

    def texts(self, m: YMap, key: str, what: str) -> list[Text]:
        items = self.seq(m, key, what)
        if items is None:
            return []
        out = []
        for value, raw, line in zip(items, items.raw, items.lines, strict=True):
            t = self.text_value(value, raw, line, f"item of `{key}` in {what}")
            if t is not None:
                out.append(t)
        return out

    def ids(self, m: YMap, key: str, what: str) -> list[tuple[str, int]]:
        out = []
        for value, line in self.strings(m, key, what):
            if ID_RE.match(value):
                out.append((value, line))
            else:
                self.error(line, f"'{value}' in `{key}` of {what} is not a snake_case id")
        return out

    def version(self, data: YMap) -> None:
        if "version" not in data:
            self.error(data.line, "missing `version`; add `version: 1` as the first line")
            return
        v = data["version"]
        if isinstance(v, bool) or v not in SUPPORTED_VERSIONS:
            supported = ", ".join(str(s) for s in SUPPORTED_VERSIONS)
            self.error(data.lines["version"], f"version {describe(v)} is not supported; this bot "
                                              f"reads version {supported}: write `version: 1`")


#: what PyYAML says it was reading when an unclosed quote or bracket is the likely cause
_OPENED = ("quoted scalar", "flow sequence", "flow mapping", "block collection")


def _quote_hint(value: object) -> str:
    """A text read as a map holds ": " ("- Reason: expired" is {Reason: expired} to YAML)."""
    if isinstance(value, dict):
        return '; a text with ": " in it (a notice\'s "Reason: ...") must be put in quotes'
    return ""


def read_yaml(path: Path, problems: Problems) -> tuple[FileCtx, YMap | None]:
    """Read and parse one file into a top-level mapping, recording problems."""
    ctx = FileCtx(display_path(path), problems)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        ctx.error(1, f"file is not UTF-8 text ({exc.reason}); save it as UTF-8")
        return ctx, None
    except OSError as exc:
        ctx.error(1, f"cannot read the file: {exc.strerror}")
        return ctx, None
    import yaml  # only for its errors; parse_cache imports the parser only when it parses

    try:
        data, duplicates = parse_cache.parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if mark is not None and "\t" in text.splitlines()[mark.line][:mark.column + 1] \
                if mark.line < len(text.splitlines()) else False:
            detail += " (a tab: indent with spaces only)"
        if (exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line
                and "tab" not in detail and any(w in (exc.context or "") for w in _OPENED)):
            detail += f" (it began on line {exc.context_mark.line + 1}: an unclosed quote or bracket?)"
        ctx.error(line, f"YAML syntax error: {detail}; check the indentation, the ':' after "
                        "each key, and quote texts that contain ': ' or start with a symbol")
        return ctx, None
    except yaml.YAMLError as exc:
        ctx.error(1, f"YAML error: {exc}")
        return ctx, None
    for line, msg in duplicates:
        ctx.error(line, msg)
    if data is None:
        ctx.error(1, "the file is empty; it must start with `version: 1`")
        return ctx, None
    if not isinstance(data, YMap):
        ctx.error(getattr(data, "line", 1), f"the file must be a map of `key: value` lines, not "
                                            f"{describe(data)}")
        return ctx, None
    ctx.version(data)
    return ctx, data

