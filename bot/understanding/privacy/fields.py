"""Names in machine-written fields: a link's query ("...?name=%E5%BC%A0%E4%BC%9F&nom=Dubois"), a
log line's `key=value` ("name=赵丽娜 result=REJECT"), a form sent as JSON ('"lastName":
"Кузнецова"') and a CSV row under its header ("full_name,date_of_birth⏎Jonathan A.
Whitfield,03/22/1987"). A field holds a name when its key is a name label (`name_labels`,
`name`'s labels with a colon) written as programs write keys: "full_name", "lastName",
"first-name", "prenom". The other fields' values are left to the other rules (an e-mail address
percent-encoded, "sam.okafor%40outlook.com", is found with the e-mail addresses).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote_plus

from bot.understanding.privacy.scan import Scan
from bot.understanding.privacy.vocab import Vocabulary

#: one of these is in every field found here
_SIGNS = ("=", ":", "\n")
#: the most rows of a CSV table read under its header
_ROWS = 20
#: the longest header line read as one
_HEADER = 300


def _key(word: str) -> str:
    """A label or a field's key as one comparable word: "Full name", "full_name", "fullName",
    "first-name", "prénom" -> "fullname", "fullname", "fullname", "firstname", "prenom"."""
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in folded if ch.isalnum())


def _name_keys(v: Vocabulary) -> frozenset[str]:
    labels = [w.rstrip(":：") for w in v.words("name_labels") + v.words("name") if not w.endswith("*")]
    # a label with a colon in `name` ("given name:") names a field; a cue phrase does not
    # ("my name is"), so only labels of one or two words
    return frozenset(k for w in labels if len(w.split()) <= 2 and (k := _key(w)) and len(k) >= 3
                     and (w in v.words("name_labels") or w + ":" in v.words("name")))


def _keys(scan: Scan) -> frozenset[str]:
    return scan.vocab.derived("field name keys", _name_keys)


def fields(scan: Scan) -> None:
    text = scan.text
    if not any(sign in text for sign in _SIGNS):
        return
    keys = _keys(scan)
    not_names = scan.vocab.folded("not_names")
    pairs = [m for pattern in (scan.p.field_json, scan.p.field_query) for m in pattern.finditer(text)]
    # (a JSON key of any value counts: '{"lastName":"Kuznetsova","age":30}')
    several = len(pairs) >= 2 or text.count('":') + text.count('" :') >= 2
    for m in pairs:
        s, e = m.span("v")
        key, before = _key(m.group("k")), scan.before_char(m.start("k"))
        # a program's field: one of several, or in a link's query ("...?nom=Dubois&tel=..."),
        # or a key no word but a person's name fills ('"lastName": "Кузнецова"', or first in
        # the text; a bare "name" may be a check's: '"name": "Face Verification"')
        if (key in keys and (several or before in ("?", "&")
                             or (key != "name" and before in ('"', "'", "")))
                and _a_name(text[s:e], not_names)):
            scan.claim("name", s, e)
    for m in scan.p.field_coded.finditer(text):
        s, e = m.span("v")
        value = text[s:e].rstrip(" \t.")
        if _key(m.group("k")) in keys and len(value.split()) <= 5 and _a_name(value, not_names):
            scan.claim("name", s, s + len(value))
    if "\n" in text:
        _csv_rows(scan, keys, not_names)


def _a_name(value: str, not_names: frozenset[str]) -> bool:
    """Can a field's value be a person's name: letters (a percent-encoded value decoded first),
    spaces, initials, hyphens and apostrophes, not a program's word ("kyc_submit", "null")?"""
    if "%" in value or "+" in value:
        value = unquote_plus(value)
    value = value.strip()
    letters = sum(ch.isalpha() for ch in value)
    return (letters >= 2 and all(ch.isalpha() or ch in " .-'’" or unicodedata.category(ch)[0] == "M"
                                 for ch in value)
            and value.casefold() not in not_names and value.casefold() not in ("null", "none", "true", "false"))


def _cells(line: str) -> tuple[str, list[tuple[int, int]]]:
    """The separator of a CSV or tab-separated line and its cells' spans."""
    sep = "\t" if line.count("\t") >= 2 else ";" if line.count(";") >= 2 else ","
    spans, pos = [], 0
    for cell in line.split(sep):
        spans.append((pos, pos + len(cell)))
        pos += len(cell) + 1
    return sep, spans


def _csv_rows(scan: Scan, keys: frozenset[str], not_names: frozenset[str]) -> None:
    """A table's header line with a name column ("full_name,date_of_birth,nationality"): that
    column's cell in each row below with as many cells (and the same separator)."""
    text = scan.text
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    read = 0  # the lines read as rows are not read again as a header
    for i, (_, header) in enumerate(lines):
        if i < read or len(header) > _HEADER:
            continue
        sep, cells = _cells(header)
        if len(cells) < 2 or (len(cells) == 2 and " " in header.strip()):
            continue  # two columns only in a program's header: "name,email", not "Name, please"
        columns = [c for c, (a, b) in enumerate(cells) if _key(header[a:b].strip(" \"'")) in keys]
        if not columns:
            continue
        for n, (start, row) in enumerate(lines[i + 1 : i + 1 + _ROWS], i + 1):
            row_sep, row_cells = _cells(row)
            if row_sep != sep or len(row_cells) != len(cells):
                break
            read = n + 1
            for c in columns:
                a, b = row_cells[c]
                if _a_name(row[a:b].strip(" \"'"), not_names):
                    scan.claim("name", start + a, start + b)
