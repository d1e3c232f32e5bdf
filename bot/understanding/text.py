"""The one place user text is read: cut, Unicode-normalised, lowercased, Traditional -> Simplified.

Everything the matcher compares (messages and knowledge texts alike) goes through `clean`, so a
message and the knowledge base always meet in the same form:

- cut to `limit` characters; Windows line ends become "\\n"; pasted HTML becomes lines;
- NFKC (full-width "：（１）" become ":(1)"), circled numbers become list markers ("①" -> "(1) ");
- lowercase; accents dropped from Latin letters ("é" -> "e"), "ё" read as "е" ("й" kept);
- control, format and direction characters become spaces; apostrophes disappear ("doesn't");
- Traditional Chinese becomes Simplified (OpenCC `t2s`), so "護照過期" reads as "护照过期";
- "US"/"U.S." in a mixed-case message becomes "usa" (the country, not the pronoun "us").
"""

from __future__ import annotations

import html
import unicodedata
from functools import lru_cache

from bot.understanding.patterns import compile_pattern

_APOSTROPHES = frozenset("'’`´ʼ")
_ASCII_TABLE = {
    **{c: " " for c in range(32) if chr(c) not in "\n\t\r"},
    ord("\r"): "\n",
    127: " ",
    ord("'"): None,
    ord("`"): None,
}
_US = compile_pattern(r"U\.?S\.?(?:A\.?)?", ignore_case=False, multiline=False)
_BLOCK_TAG = compile_pattern(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|td|h[1-6]|table)\b[^>]{0,200}>")
_TAG = compile_pattern(r"<[^>\n]{0,200}>")
#: a script or style element with what it holds: code, never words of the message (non-greedy,
#: bounded: RE2 keeps it linear)
_CODE = compile_pattern(r"(?s)<\s*(?:script|style)\b[^>]{0,200}>.{0,1000}?<\s*/\s*(?:script|style)\s*>")
_CIRCLED = {chr(0x2460 + i): f" ({i + 1}) " for i in range(20)}  # ① .. ⑳
_CIRCLED.update({chr(0x2776 + i): f" ({i + 1}) " for i in range(10)})  # ❶ .. ❿
_CIRCLED.update({chr(0x2474 + i): f" ({i + 1}) " for i in range(20)})  # ⑴ .. ⒇


_CIRCLED_SET = frozenset(_CIRCLED)
_CIRCLED_TABLE = {ord(k): v for k, v in _CIRCLED.items()}


class _FoldTable(dict):  # type: ignore[type-arg]
    """str.translate table applying `_fold`, filled as characters are first seen."""

    def __missing__(self, code: int) -> str:
        folded = _fold(chr(code))
        self[code] = folded
        return folded


def is_han(ch: str) -> bool:
    """Return whether `ch` is a Chinese character."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def clean(text: str, limit: int) -> str:
    """Return `text` read for matching (see the module docstring)."""
    text = text[:limit]
    if ("US" in text or "U.S" in text) and any(c.islower() for c in text):
        text = _country(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "<" in text or "&" in text:
        text = from_html(text)
    if text.isascii():
        return text.lower().translate(_ASCII_TABLE)
    if not _CIRCLED_SET.isdisjoint(text):
        text = text.translate(_CIRCLED_TABLE)
    text = unicodedata.normalize("NFKC", text)
    if max(text) >= "\u3400" and any(is_han(c) for c in text):
        text = simplified(text)
    text = text.casefold().translate(_FOLD_TABLE)
    if _CYRILLIC_SET.isdisjoint(text) or _LATIN_SET.isdisjoint(text):
        return text
    return _one_script(text)


#: Latin letters that look like Cyrillic ones: "рeгион" typed with a Latin "e" is "регион"
_LATIN_LOOKS = "aeopcxyk"
_CYRILLIC_LOOKS = "аеорсхук"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKS, _CYRILLIC_LOOKS)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKS, _LATIN_LOOKS)
_CYRILLIC_SET = frozenset(chr(c) for c in range(0x430, 0x460))
_LATIN_SET = frozenset("abcdefghijklmnopqrstuvwxyz")


def _one_script(text: str) -> str:
    """A word mixing Cyrillic and Latin letters is written in the script most of its letters
    are in: the look-alike letters of the other script (a e o p c x y k) become that script's
    ("рeгион" -> "регион", "pаssport" -> "passport"). Linear in the text."""
    out: list[str] = []
    start = None
    for i, ch in enumerate(text):
        if ch.isalpha():
            if start is None:
                start = i
            continue
        if start is not None:
            out.append(_word_script(text[start:i]))
            start = None
        out.append(ch)
    if start is not None:
        out.append(_word_script(text[start:]))
    return "".join(out)


def _word_script(word: str) -> str:
    cyrillic = sum(1 for c in word if c in _CYRILLIC_SET)
    if not cyrillic:
        return word
    latin = sum(1 for c in word if c.isascii())
    if not latin:
        return word
    return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)


def _country(text: str) -> str:
    """Replace a standalone "US", "U.S.", "USA" by "USA" (the stop word "us" stays)."""
    out: list[str] = []
    last = 0
    for m in _US.finditer(text):
        s, e = m.span()
        before = text[s - 1] if s else " "
        after = text[e] if e < len(text) else " "
        if before.isascii() and before.isalpha() or after.isascii() and after.isalpha():
            continue
        out += [text[last:s], "USA"]
        last = e
    out.append(text[last:])
    return "".join(out)


def _fold(ch: str) -> str:
    """Return one casefolded character as the matcher reads it."""
    if ch.isascii():
        return ch.translate(_ASCII_TABLE) if ch in "\r\x7f'`" or ord(ch) < 32 else ch
    if ch in _APOSTROPHES:
        return ""
    if ch == "й":
        return ch
    if ch == "ё":
        return "е"
    cat = unicodedata.category(ch)
    if cat[0] in "CZ":  # control, format (RTL marks, zero-width), separators
        return "\n" if ch in "\u2028\u2029\x85" else " "
    if cat == "Mn":
        return ""
    base = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in base if unicodedata.category(c) != "Mn") or ch


_FOLD_TABLE = _FoldTable()


#: an e-mail address (the redactor finds them with the same pattern)
EMAIL_PATTERN = r"[\p{Latin}\p{N}._%+\-]+@[\p{Latin}\p{N}\-]+(?:\.[\p{Latin}\p{N}\-]+)+"
_EMAIL = compile_pattern(EMAIL_PATTERN)


def without_emails(text: str) -> str:
    """`text` with its e-mail addresses blanked: "邮箱lisi@qq.com" holds no Latin words of the
    writer's, nor anything about what went wrong."""
    return _EMAIL.sub(" ", text) if "@" in text else text


#: a time of day ("17:45", "9:05:31"): a notice's or a chat's timestamp, no age or count
_TIME = compile_pattern(r"(?:^|[^0-9:.])([0-2]?[0-9]:[0-5][0-9](?::[0-5][0-9])?)(?:$|[^0-9:])", capture=True)


def without_times(text: str) -> str:
    """`text` with its times of day blanked: "In-app message 17:45 ..." is no 17-year-old."""
    if ":" not in text:
        return text
    return _TIME.sub(lambda m: m.group(0).replace(m.group(1), " "), text)


#: where a sentence ends: a full stop, ! or ? before a space or the end (not the dot of
#: "binance.com" or "v2.8"), their Chinese forms, a line break
SENTENCE_END = compile_pattern(r"[.!?](?:\s|$)|[。！？\n]")


def without_repeats(text: str) -> str:
    """`text` with each sentence said again word for word left out: a sentence pasted eighty
    times ("...and nothing works. ...and nothing works.") is no more evidence than once."""
    if len(text) < 80:
        return text
    seen: set[str] = set()
    kept: list[str] = []
    start = 0
    for end in [m.end() for m in SENTENCE_END.finditer(text)] + [len(text)]:
        sentence = text[start:end]
        start = end
        key = " ".join(sentence.lower().split()).rstrip(".!?。！？ ")
        if len(key) < 12 or key not in seen:  # short ones ("no.", "why?") may well come twice
            seen.add(key)
            kept.append(sentence)
    return "".join(kept)


def from_html(text: str) -> str:
    """Turn pasted HTML into text: block tags become line breaks, other tags disappear (also
    those escaped once, "&lt;br&gt;", as HTML copied out of a page's source holds them)."""
    for _ in range(2):
        if "<" in text:
            if "script" in text.lower() or "style" in text.lower():
                text = _CODE.sub(" ", text)
            text = _BLOCK_TAG.sub("\n", text)
            text = _TAG.sub(" ", text)
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


@lru_cache(maxsize=1)
def _converter() -> object | None:
    try:
        import opencc
    except ImportError:  # pragma: no cover - a declared dependency; without it zh-Hant stays
        return None
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Return `text` with Traditional Chinese characters written in Simplified ones."""
    conv = _converter()
    return conv.convert(text) if conv is not None else text  # type: ignore[attr-defined]


def scripts(text: str) -> tuple[int, int, int]:
    """Return how many Latin letters, Cyrillic letters and Chinese characters `text` has."""
    latin = cyrillic = han = 0
    for ch in text:
        if ch.isascii():
            latin += ch.isalpha()
        elif is_han(ch):
            han += 1
        elif is_cyrillic(ch):
            cyrillic += 1
        elif ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
            latin += 1
    return latin, cyrillic, han


#: a Chinese sentence ending in one of these particles asks, mark or not ("能用我的护照吗")
ASKING_ENDS = ("吗", "嗎", "么", "麼", "呢")
_SENTENCE_END = frozenset(".!。！;；\n")


def ends_asking(text: str) -> bool:
    """Does the message end in a Chinese question particle ("...我的账户会被封吗")?"""
    return text.rstrip(" 。.!！~～").endswith(ASKING_ENDS)


def one_sentence(text: str) -> bool:
    """Is the whole message one sentence ("my passport expires in 5 days, will KYC still
    work?", "im 17 can i do kyc"), not something told and then a question ("my photo was
    blurry. will my account be banned?")?"""
    body = text.strip()[:2000].rstrip("?？ \t.!。！~～")
    # (a dot between two letters or digits ends no sentence: "binance.com吗", "v2.8", "3.5")
    return not any(ch in _SENTENCE_END and not (
        ch == "." and 0 < i < len(body) - 1 and body[i - 1].isalnum() and body[i + 1].isalnum())
        for i, ch in enumerate(body))

