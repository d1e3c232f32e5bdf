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
    # "password" and everything after it on that line
    ("password", re.compile(r"(?i)\b(password|passwd|pwd|passcode)\b[^\n]*")),
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
    # passport / ID-card like: a few letters then digits (AB1234567, X-12345678)
    ("id_number", re.compile(r"\b[A-Za-z]{1,3}-?\d{5,}[A-Za-z0-9]*\b")),
    ("phone", re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,40}\d(?![\w])")),
    # any long run of digits, with an optional check letter (18-digit ID cards end in X)
    ("digits", re.compile(r"(?<!\d)\d{6,}+[Xx]?")),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def find_sensitive(text: str) -> list[Finding]:
    """Return the personal data found in `text` (kinds: password, email, date, id_number, phone, digits)."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            found.append(Finding(kind, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """Return `text` with every piece of personal data replaced by a mask."""
    findings = find_sensitive(text)
    if not findings:
        return text
    out: list[str] = []
    pos = 0
    for f in findings:
        out.append(text[pos : f.start])
        if f.kind == "password":
            # keep the keyword so reports still read naturally: "password [redacted]"
            out.append(text[f.start : f.end].split()[0].rstrip(":=") + " " + MASK)
        else:
            out.append(MASK)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
