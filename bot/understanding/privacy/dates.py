"""Dates: a date of birth is masked, any other date (of the rejection, of expiry) is kept.

A date is one of birth when a birth word ("born", "DOB", "出生", "рождения", "nací") stands near
it in the same sentence, or when its year is long past (more than `OLD_YEARS` years ago): nobody
asks about a rejection from then, but people often give their date of birth without a word.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right

from bot.understanding.privacy.patterns import ERAS
from bot.understanding.privacy.rx import is_cjk
from bot.understanding.privacy.scan import KEEP, Scan

#: a full date this many years old or more is masked even without a birth word
OLD_YEARS = 12
#: a date next to a birth word counts as one of birth only if at least this many years old
#: ("born in Spain, my passport expired on 2025-01-01" is about the passport)
YOUNG_YEARS = 5
_BEFORE, _AFTER = 48, 32  # how far from a date a birth word still describes it


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def dates(scan: Scan) -> None:
    text = scan.text
    found: list[tuple[int, int, str | None]] = []
    p = scan.p
    if "年" in text:  # a date in Chinese numerals: 一九九五年一月三十日 (no digit at all)
        for m in p.date_cjk_numerals.finditer(text):
            found.append((*m.span("v"), m.group("y").translate(_CN_DIGITS)))
        for m in p.date_roc.finditer(text):
            found.append((*m.span("v"), None))
    if p.date_spelled is not None:  # "born on the seventeenth of november two thousand and five"
        for m in p.date_spelled.finditer(text):
            found.append((*m.span("v"), None))
    if p.date_hebrew_letters is not None:  # "נולדתי בט״ו באדר תשנ״ב"
        for m in p.date_hebrew_letters.finditer(text):
            found.append((*m.span("v"), None))
    if not scan.has_digit and not found:
        return  # every other date pattern has a digit
    this_year = datetime.date.today().year
    birth = [(s, e) for s, e in scan.cues("birth")]
    starts = [s for s, _ in birth]
    ends = [e for _, e in birth]
    for pattern, groups in (
        (p.date_cjk, ("y4", "y5")),
        (p.date_month_word, ("y3",)),
        (p.date_numeric, ()),
        (p.date_words, ("y1", "y2", "y6")),
    ):
        for m in pattern.finditer(text):
            s, e = m.span("v")
            year = next((m.group(g) for g in groups if m.has(g)), None)
            if pattern is p.date_numeric:
                value = text[s:e]
                tail = [t.strip() for t in value.replace("/", ".").replace("-", ".").split(".")]
                # (a first number no day can be is the year, when a month and a day follow:
                # "92.11.23" is 1992-11-23; "92.40.178.213" is an address, no date)
                first = tail[0]
                year = first if len(first) == 4 or _year_first(tail) else tail[-1]
            found.append((s, e, year))
    for s, e, year in sorted(found, key=lambda f: (f[0], -f[1])):  # the longest date first
        near = _birth_word_near(scan, s, e, starts, ends)
        earliest, latest = _full_years(year)
        if near and earliest is not None and earliest > this_year and year and year.isdigit() and year[:2] == "20":
            earliest = latest = int(year) - 57  # a birth year to come is a Bikram Sambat one (Nepal: 2052 is 1995)
        if near and (earliest is None or earliest <= this_year - YOUNG_YEARS):
            scan.claim("date_of_birth", s, e)
        elif latest is not None and latest <= this_year - OLD_YEARS:
            scan.claim("date", s, e)
        elif year is not None:
            scan.claim(KEEP, s, e)  # a recent date: of the rejection, of expiry
    for _, end in birth:
        _birth_year(scan, end, this_year)


#: the most characters between a birth word and a year said alone after it ("born in ",
#: "urodziłam się w ", "родилась в ")
_YEAR_GAP = 16
#: the longest small word between the birth word and the year ("in", "się", "Lagos")
_YEAR_WORD = 5
#: the longest ending a year takes in words ("2008-м", "1990-го", "2001-ben")
_YEAR_ENDING = 4
#: the one Chinese character that may link a birth word to its year ("出生在1990年",
#: "生日是2008年"; not "出生证2010年", the certificate's year)
_YEAR_LINKS_HAN = "于於在是为為"


def _birth_year(scan: Scan, end: int, this_year: int) -> None:
    """A year alone right after a birth word, a few small words between ("born in 2008",
    "дочка родилась в 2008-м", "nací en 1990", "我出生于1990年"): the date of birth as far as it
    is told, when it is long enough ago to be one (`YOUNG_YEARS`). Its ending in words goes
    with it ("-м", and `year_endings`: "1990г.", "1985 г.", "1990年", "1990 roku").

    Its kind is `birth_year`: masked as a date of birth, but the user is not warned about it
    (the year is how an underage or mismatched birth date is told)."""
    text = scan.text
    pos = end
    while pos < len(text) and pos - end <= _YEAR_GAP and not text[pos].isdigit():
        if not (text[pos].isalpha() or text[pos] in " '’"):
            return  # a sign between: "born in Spain, my passport expired in 2025"
        pos += 1
    gap = text[end:pos]
    words = gap.split()
    han = [ch for ch in gap if is_cjk(ch)]
    if (pos + 4 > len(text) or len(words) > 3 or any(len(w) > _YEAR_WORD for w in words)
            or len(han) > 1 or any(ch not in _YEAR_LINKS_HAN for ch in han)
            or (text[pos - 1 : pos].isalpha() and not is_cjk(text[pos - 1]))):
        return  # (small words only: a "birth certificate 2010" is the certificate's year)
    year = text[pos : pos + 4]
    after = text[pos + 4 : pos + 5]
    if not year.isdigit() or year[:2] not in ("19", "20") or after.isdigit() or (
            after and after in "./-" and text[pos + 5 : pos + 6].isdigit()):
        return  # a full date is the other patterns' ("born 1990-05-12"), a number is no year
    if int(year) > this_year - YOUNG_YEARS:
        return
    stop = pos + 4
    if after == "-":  # "2008-м", "1990-го"
        tail = stop + 1
        while tail < len(text) and tail - stop <= _YEAR_ENDING and text[tail].isalpha():
            tail += 1
        if stop + 1 < tail <= stop + _YEAR_ENDING + 1:
            stop = tail
    else:
        ending = _year_ending(scan, stop)
        if ending:
            stop = ending
        elif after.isalpha():
            return  # "1990s"
    scan.claim("birth_year", pos, stop)


def _year_ending(scan: Scan, pos: int) -> int:
    """Where a year's word (`year_endings`) right after `pos` ends, glued or after one space
    ("1990г.", "1985 г.", "1990年", "1990 roku"), or 0. A word of letters must end there
    ("1990 годах" is no "года")."""
    text = scan.text
    endings = sorted(scan.vocab.folded("year_endings"), key=len, reverse=True)  # (a few words)
    for start in (pos, pos + 1) if text[pos : pos + 1] == " " else (pos,):
        head = text[start : start + _YEAR_ENDING + 2].casefold()
        for word in endings:
            stop = start + len(word)
            if head.startswith(word) and (word[-1] == "." or is_cjk(word[-1])
                                          or not text[stop : stop + 1].isalpha()):
                return stop
    return 0


def _year_first(parts: list[str]) -> bool:
    """Is a numeric date of three parts written year first with a two-digit year ("92.11.23")?"""
    return (len(parts) == 3 and all(p.isdigit() for p in parts) and int(parts[0]) > 31
            and 1 <= int(parts[1]) <= 12 and 1 <= int(parts[2]) <= 31)


def _full_years(year: str | None) -> tuple[int | None, int | None]:
    """The Gregorian year a date's year may be, earliest and latest: "1370" is 1991 as a Solar
    Hijri year (Iran) and 1950 as a lunar one, so it is old either way; "1445" is recent as a
    lunar year (2023) and to come as a Solar one. A Buddhist year (2535) is 543 years ahead,
    a Japanese era year (平成8) counts from the era."""
    if not year:
        return None, None
    era = ERAS.get(year[:2])
    if era is not None:
        number = year[2:].strip()
        value = era + (1 if number == "元" else int(number) if number.isdigit() else 0)
        return value, value
    if not year.isdigit():
        return None, None
    value = int(year)
    if len(year) == 2:
        value += 2000 if value <= datetime.date.today().year % 100 else 1900
    elif len(year) == 3:  # a Taiwanese (Minguo) year: 113年 is 2024
        value += 1911
    elif year[:2] in ("13", "14"):
        lunar, solar = round(value * 0.970229 + 621.5643), value + 621
        return min(lunar, solar), max(lunar, solar)
    elif year[:2] == "25":
        value -= 543
    return value, value


def _birth_word_near(scan: Scan, start: int, end: int, starts: list[int], ends: list[int]) -> bool:
    """Is there a birth word in the date's sentence, shortly before or after it?"""
    if not starts:
        return False
    lo = scan.sentence_start(start, max(0, start - _BEFORE))
    i = bisect_right(ends, start) - 1
    if i >= 0 and starts[i] >= lo:
        return True
    hi = scan.sentence_end(end, end + _AFTER)
    j = bisect_left(starts, end)
    return j < len(starts) and ends[j] <= hi
