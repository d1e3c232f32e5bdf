"""Find and mask personal data (ID numbers, phones, emails, dates of birth, passwords).

Everything the bot writes (store, logs) goes through `redact` first. `find_sensitive` tells the
dialogue whether a message looks like it carries such data, so it can warn the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[redacted]"

# Order matters: the more specific patterns run first.
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a password given: "password is x", "pwd: x", and everything after it on that line
    ("password", re.compile(r"(?i)\b(password|passwd|pwd|passcode|pw)\s*(?:is|was|=|:)\s*\S[^\n]*")),
    ("password", re.compile(r"(?i)\b(pin|otp|2fa|code)\b\s*(?:is|was|=|:)?\s*\d{4,}")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")),
    (
        "date",
        re.compile(
            r"(?i)\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}"
            rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+(?:19|20)\d{{2}}"
            rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})\b"
        ),
    ),
    # any other mention of a password: what follows it is masked when written, but it is not
    # warned about ("I forgot my password" is a fair question)
    ("password_mention", re.compile(r"(?i)\b(password|passwd|pwd|passcode)\b[^\n]*")),
    # passport / ID-card like: a few letters then digits (AB1234567, X-12345678)
    ("id_number", re.compile(r"\b[A-Za-z]{1,3}-?\d{5,}[A-Za-z0-9]*\b")),
    ("phone", re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,40}\d(?![\w])")),
    # any long run of digits, with an optional check letter (18-digit ID cards end in X)
    ("digits", re.compile(r"(?<!\d)\d{6,}+[Xx]?")),
)


_KEYWORD = re.compile(r"(?i)password|passwd|passcode|pwd|pw")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def find_sensitive(text: str, *, mentions: bool = False) -> list[Finding]:
    """Return the personal data in `text` (password, email, date, id_number, phone, digits).

    With `mentions`, a bare mention of a password (and what follows it) counts too.
    """
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        if kind == "password_mention" and not mentions:
            continue
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            found.append(Finding(kind, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """Return `text` with every piece of personal data replaced by a mask."""
    findings = find_sensitive(text, mentions=True)
    if not findings:
        return text
    out: list[str] = []
    pos = 0
    for f in findings:
        out.append(text[pos : f.start])
        if f.kind in ("password", "password_mention"):
            # keep the keyword so reports still read naturally: "password [redacted]"
            segment = text[f.start : f.end]
            keyword = _KEYWORD.match(segment)
            word = keyword.group(0) if keyword else ""
            out.append(f"{word} {MASK}" if segment[len(word) :].strip() else word)
        else:
            out.append(MASK)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
