"""Find and mask personal data (ID numbers, phones, emails, dates of birth, passwords).

Everything the bot writes (store, logs) goes through `redact` first. `find_sensitive` tells the
dialogue whether a message looks like it carries such data, so it can warn the user.

Each rule is either "warn" (a password given, email, date of birth, ID/passport or national
insurance number, phone, long digit run) or "mask only" (any other date, a bare mention of a
password and what follows it): `find_sensitive(text)` returns the warn kinds only, so "my passport
expired on 2025-01-01" is answered normally; `redact` masks both.

Every pattern runs in linear time (no nested unbounded quantifiers, possessive runs where a
backtrack could only fail again): the bot scans whatever a user pastes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

MASK = "[redacted]"

#: kinds `find_sensitive` returns without `mentions` (the dialogue warns about these)
WARN_KINDS = frozenset(
    {"password", "email", "date_of_birth", "ni_number", "id_number", "phone", "digits"}
)
#: kinds that are masked when written but never warned about
MASK_ONLY_KINDS = frozenset({"date", "password_mention"})

_PW = r"(?:password|passwd|passcode|pwd|pw)s?"
# "my password is wrong" describes the password, it does not give it
_NOT_A_PASSWORD = (
    r"(?:wrong|incorrect|invalid|not|correct|right|ok|okay|fine|expired|changed|reset|locked"
    r"|weak|strong|too|the|same|still|also|now|forgotten|lost|required|needed|case|saved|set)\b"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_PW_NEEDS = ("pass", "pw")  # every spelling in _PW contains one of these
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)?\d{2}"


@dataclass(frozen=True)
class _Rule:
    """One kind of personal data and the pattern that finds it."""

    kind: str
    pattern: re.Pattern[str]
    needs: tuple[str, ...] = ()  # skip the rule unless one of these is in the casefolded text
    fill: bool = False  # mask the parts of the match no earlier rule took (instead of skipping it)


# Order matters: a span taken by an earlier rule is not looked at again (so "2025-01-01" is a
# date, not a phone number, even where dates are not reported). Password rules mask
# the group `secret` and keep the keyword, so stored text still reads "PIN [redacted]".
# A password on the line after a bare keyword ("password\nfluffy") is left as it is: nothing
# ties the two lines together, and masking every line after the word "password" would wipe
# whole messages. (A next-line word with a digit, "password\nhunter2", is still caught.)
_RULES: tuple[_Rule, ...] = (
    # a password given: "password is x", "pwd: x", and everything after it on that line
    _Rule(
        "password",
        re.compile(
            rf"(?i)\b{_PW}\s*+(?:(?:is|was)(?![\w'’])|[=:])\s*+(?!{_NOT_A_PASSWORD})"
            r"(?P<secret>\S[^\n]*+)"
        ),
        _PW_NEEDS,
    ),
    # "pass: x" ("pass" alone is too common a word to count without the colon)
    _Rule("password", re.compile(r"(?i)\bpass\s*+[=:]\s*+(?P<secret>\S[^\n]*+)"), ("pass",)),
    # "pw hunter2": the keyword, then a word with a digit in it
    _Rule(
        "password", re.compile(rf"(?i)\b{_PW}\s++(?=[^\s\d]*+\d)(?P<secret>\S{{4,}}+)"), _PW_NEEDS
    ),
    _Rule(
        "password",
        re.compile(
            r"(?i)\b(?:pin|otp|2fa|code)\b\s*+(?:(?:is|was)\b|[=:])?\s*+(?P<secret>\d{4,}+)"
        ),
        ("pin", "otp", "2fa", "code"),
    ),
    _Rule("email", re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"), ("@",)),
    # any date; `_scan` tells dates of birth from the others. A day and month without a year
    # ("born on 3 March") counts only next to a birth word.
    _Rule(
        "date",
        re.compile(
            r"(?i)\b(?:(?P<numeric>\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}"
            r"|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2})"
            rf"|{_DAY}\s++(?:of\s++)?{_MONTH}(?:,?\s*+(?P<y1>{_YEAR}))?"
            rf"|{_MONTH}\s*+{_DAY}(?:,?\s*+(?P<y2>{_YEAR}))?)\b"
        ),
    ),
    # UK national insurance number: AB 12 34 56 C
    _Rule(
        "ni_number",
        re.compile(
            r"(?i)\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D]\b"
        ),
    ),
    # passport / ID-card like: a few letters then digits (AB1234567, X-12345678)
    _Rule("id_number", re.compile(r"\b[A-Za-z]{1,3}-?\d{5,}+[A-Za-z0-9]*+\b")),
    _Rule("phone", re.compile(r"(?<![\w+])\+?\d[\d\s().-]{7,40}\d(?![\w])")),
    # any long run of digits, with an optional check letter (18-digit ID cards end in X)
    _Rule("digits", re.compile(r"(?<!\d)\d{6,}+[Xx]?")),
    # any other mention of a password: the rest of its line is masked when written, but it is
    # not warned about ("I forgot my password" is a fair question). It runs last and masks what
    # the rules above left of that line, so it never hides a warn kind from `find_sensitive`.
    _Rule(
        "password_mention",
        re.compile(rf"(?i)\b{_PW}\b[^\w\n]*+(?P<secret>[^\n]+)"),
        _PW_NEEDS,
        fill=True,
    ),
)

# Words that say what a nearby date is: the nearest one decides whether it is a date of birth.
_BIRTH_NEEDS = ("born", "birth", "dob", "d.o.b", "bday", "b-day")
_DATE_WORD = re.compile(
    r"(?i)\b(?:(?P<birth>born|birth|dob\b|d\.o\.b|b-?day)|expir|issu|valid|submit|resubmit"
    r"|upload|appl|sent\b|renew|verif|reject|review|since\b|until\b|till\b|deadline)"
)
# the end of a sentence; the dot of an abbreviation ("d.o.b. 3/3/90") is not one
_BREAK = re.compile(r"[\n!?;]|(?<!\b\w)\.\s")
_BEFORE, _AFTER = 48, 32  # how far from a date a word still describes it


@dataclass(frozen=True)
class Finding:
    """A piece of personal data: its kind and where it is (text[start:end] is masked)."""

    kind: str
    start: int
    end: int


class _DateWords:
    """The date words and sentence breaks of one text, to classify each date in O(log n)."""

    def __init__(self, text: str) -> None:
        words = list(_DATE_WORD.finditer(text))
        self.word_starts = [m.start() for m in words]
        self.word_ends = [m.end() for m in words]
        self.birth = [m.group("birth") is not None for m in words]
        breaks = list(_BREAK.finditer(text))
        self.break_starts = [m.start() for m in breaks]
        self.break_ends = [m.end() for m in breaks]

    def is_birth_date(self, start: int, end: int) -> bool:
        """Is the date at [start, end) one of birth? (the nearest date word in its sentence)"""
        i = bisect_right(self.break_ends, start) - 1
        lo = max(start - _BEFORE, self.break_ends[i] if i >= 0 else 0)
        i = bisect_right(self.word_ends, start) - 1  # the last word before the date
        if i >= 0 and self.word_starts[i] >= lo:
            return self.birth[i]
        # none before it: "03.03.1990 is my birthday"
        j = bisect_left(self.break_starts, end)
        hi = min(end + _AFTER, self.break_starts[j] if j < len(self.break_starts) else end + _AFTER)
        i = bisect_left(self.word_starts, end)
        return i < len(self.word_starts) and self.word_ends[i] <= hi and self.birth[i]


def _scan(text: str, mentions: bool) -> list[Finding]:
    """Run every rule over `text`; return the findings sorted by position."""
    found: list[Finding] = []
    starts: list[int] = []  # spans taken so far, disjoint and sorted
    ends: list[int] = []
    folded = text.casefold()
    words = _DateWords(text) if any(w in folded for w in _BIRTH_NEEDS) else None

    def free(s: int, e: int) -> bool:
        i = bisect_left(starts, e) - 1
        return i < 0 or ends[i] <= s

    for rule in _RULES:
        if rule.kind == "password_mention" and not mentions:
            continue
        if rule.needs and not any(n in folded for n in rule.needs):
            continue
        taken: list[tuple[int, int]] = []
        for m in rule.pattern.finditer(text):
            s, e = m.span()
            span = m.span("secret") if "secret" in rule.pattern.groupindex else (s, e)
            if rule.fill:  # mask what earlier rules left of the span, claim those pieces
                pos, stop = span
                i = bisect_left(ends, pos + 1)  # the first taken span ending after pos
                while pos < stop:
                    if i < len(starts) and starts[i] < stop:
                        if starts[i] > pos:
                            found.append(Finding(rule.kind, pos, starts[i]))
                            taken.append((pos, starts[i]))
                        pos, i = max(pos, ends[i]), i + 1
                    else:
                        found.append(Finding(rule.kind, pos, stop))
                        taken.append((pos, stop))
                        break
                continue
            if not free(s, e):
                continue
            kind = rule.kind
            if kind == "date":
                if words is not None and words.is_birth_date(s, e):
                    kind = "date_of_birth"
                elif not (m.group("numeric") or m.group("y1") or m.group("y2")):
                    continue  # "3 may", "march 5": too common to mask without a birth word
            found.append(Finding(kind, *span))
            taken.append((s, e))
        if taken:
            merged = sorted([*zip(starts, ends, strict=True), *taken])
            starts, ends = [a for a, _ in merged], [b for _, b in merged]
    return sorted(found, key=lambda f: f.start)


def find_sensitive(text: str, *, mentions: bool = False) -> list[Finding]:
    """Return the personal data in `text` the user should be warned about (see `WARN_KINDS`).

    With `mentions`, also return what is masked without a warning: dates other than a date of
    birth, and a bare mention of a password with what follows it.
    """
    found = _scan(text, mentions)
    return found if mentions else [f for f in found if f.kind in WARN_KINDS]


def redact(text: str) -> str:
    """Return `text` with every piece of personal data replaced by a mask."""
    findings = find_sensitive(text, mentions=True)
    if not findings:
        return text
    out: list[str] = []
    pos = 0
    for f in findings:
        if f.start < pos:  # overlapping spans: mask the union
            pos = max(pos, f.end)
            continue
        if f.start > pos or not out:
            out.append(text[pos : f.start])
            out.append(MASK)
        # else: continues the previous mask ("password [date] rest" is one mask)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)
