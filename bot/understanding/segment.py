"""Cut boilerplate out of a cleaned message and find the reason list(s) of forwarded notices.

A forwarded notice's reason part ("Reason: ...", "Reasons:" and a list, "原因：", "Причина:") is
split into items: lines, bullets, numbers ("1." "2)" "(3)" "a)" "(i)" "1/" "1、" "一、" "①",
and "1." glued to a Chinese item), ";", "。" and sentences; "," "and" "、" "и" (matching.yaml
`soft_separators`) only when every piece names a different reason. A list with no marker before it (two or more bullet lines, or
an inline numbering that starts at 1, a or i and goes on with 2, b or ii) is read the same way,
but must still beat "nothing". The rest of the message is free text, read clause by clause.

Every pattern here and in knowledge/ runs under RE2 (see `patterns`): linear in the text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import re2

from bot.understanding.budget import Budget
from bot.understanding.normalise import CACHE_SIZE, text_words
from bot.understanding.patterns import PatternError, compile_any, compile_pattern
from bot.understanding.text import is_cyrillic, is_han

logger = logging.getLogger(__name__)

_ROMAN = r"(?:i{1,3}|iv|vi{0,3})"
_HAN_NUMBER = "一二三四五六七八九十"
#: a numbered or lettered list marker: "1." "2)" "(3)" "4/" "a)" "(b)" "(i)" "ii)"
_NUMBERED = rf"(?:\(?[1-9][.)/]|\([1-9]\)|\(?[a-h]\)|\(?{_ROMAN}\))"
#: markers that need no space around them: "1、" "一、" "(1)" (Chinese lists have no spaces)
_GLUED = rf"(?:[1-9]、|[{_HAN_NUMBER}]、|\([1-9]\))"
#: symbols people and notices put before list items
_SYMBOL_BULLETS = "-*•·▪●◦‣–—>❌✖✗✘❎⛔🚫✔✅☑➤►▶→⚠"
#: ... and "1." or "1)" glued to the Chinese item it numbers ("原因：1.照片不清晰 2.信息不一致",
#: "原因：1）证件图片模糊 2）证件已过期")
_HAN_DOT = r"(^|[^0-9.])[1-9][.．)）](\p{Han})"
_BULLET = compile_pattern(rf"(^|\s)(?:{_NUMBERED}|[{_SYMBOL_BULLETS}])\s|(^|[^0-9]){_GLUED}"
                          rf"|{_HAN_DOT}", capture=True)
_LIST_LINE = compile_pattern(rf"\s*(?:(?:{_NUMBERED}|[{_SYMBOL_BULLETS}])\s|{_GLUED})")
#: markers of an inline list ("(1) ... (2) ...", "a) ... b) ...", "1/ ... 2/", "1、... 2、")
_INLINE_ITEM = compile_pattern(
    rf"(?:^|\s)(?:\(?([1-9]|[a-h]|{_ROMAN})[.)/]|\(([1-9]|[a-h]|{_ROMAN})\))\s"
    rf"|([1-9])、|([{_HAN_NUMBER}])、|\(([1-9])\)|(?:^|[^0-9.])([1-9])[.．)）](\p{{Han}})",
    capture=True
)
#: the group of `_INLINE_ITEM` holding the Chinese character after a glued "1.": part of the item
_INLINE_HAN = 7
_FIRST_SECOND = {("1", "2"), ("a", "b"), ("i", "ii")}
#: at most this many matches of one pattern are acted on in one piece of text: a message has
#: far fewer real list items or clauses, and each match costs (see `MATCH_STEPS`)
MAX_PIECES = 64
#: ... and of what is left after them, the last this many characters are split too
TAIL_CHARS = 400
#: budget steps one regex match costs, on top of the characters scanned
MATCH_STEPS = 100
#: lines of a message searched for notices and lists; the rest is read as free text
MAX_LINES = 100
_HARD_SPLIT = compile_pattern(r"\n|;|\s/\s|\s\|\s|\.(?:\s+|$)|。")
#: an emoji ends a clause as a full stop does, and a slash or bar between spaces ("Document
#: expired / Image unclear") as it ends a list item
_CLAUSE_PUNCT = r"[.!?;:\n。]+|,|\s/\s|\s\|\s|\p{So}+"
#: the parts of a sentence a question is looked for in (cleaned text: "？" is "?" already)
_SENTENCE_PARTS = compile_pattern(r"[.!?;:\n。，,]+")


def _list_line(line: str, budget: Budget | None) -> bool:
    _spend(budget, line[:64], 1)
    return _LIST_LINE.match(line) is not None


#: a space between two Chinese characters separates phrases (Chinese words have none)
_HAN_SPACE = compile_pattern(r"(\p{Han})[ \t]+(\p{Han})", capture=True)


def _han_breaks(text: str, budget: Budget | None) -> str:
    """Return `text` with a space between Chinese characters turned into a line break."""
    if text.isascii():
        return text
    _spend(budget, text, MAX_PIECES)
    for _ in range(2):  # "模糊 过 期": the middle character ends one match and starts the next
        text = _HAN_SPACE.sub(r"\1" + "\n" + r"\2", text, MAX_PIECES)
    return text


def _letters(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _blankish(text: str) -> bool:
    return not _letters(text)


@dataclass
class Segments:
    """A message split into reason-list items (from notices), unmarked list items, free text."""

    items: list[str] = field(default_factory=list)
    free: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # a list with no "Reason:" before it

    @property
    def text(self) -> str:
        return "\n".join([*self.items, *self.loose, *self.free])


def _label(m: Any) -> str:
    label = next(g for g in m.groups() if g)
    return str(_HAN_NUMBER.index(label) + 1) if label in _HAN_NUMBER else label


def _spend(budget: Budget | None, text: str, matches: int = 0) -> None:
    if budget is not None:
        budget.spend(len(text) + MATCH_STEPS * matches)


def _split(pattern: Any, text: str, budget: Budget | None) -> list[str]:
    parts = pattern.split(text, MAX_PIECES)
    if len(parts) > MAX_PIECES and len(parts[-1]) > TAIL_CHARS:
        # split no further, the rest would be one piece: its end is split too, as a long
        # story gets to what the notice said at its end ("...今天收到邮件了，说是证件过期了")
        rest = parts.pop()
        parts += [rest[:-TAIL_CHARS], *pattern.split(rest[-TAIL_CHARS:], MAX_PIECES)]
    _spend(budget, text, len(parts))
    return parts


def _sub_bullets(text: str, budget: Budget | None) -> str:
    out, found = _BULLET.subn(r"\1\2\3" + "\n" + r"\4", text, MAX_PIECES)
    _spend(budget, text, found)  # the bullets found, not the most there could be
    return str(out)


#: a bare number before an item of a reason list ("原因：1 证件号已被使用 2 人脸不符")
_BARE_NUMBER = compile_pattern(r"(^|\s)([1-9])\s+", capture=True)


def _bare_numbers(body: str, budget: Budget | None) -> str:
    """Cut a reason list numbered with bare numbers ("1 photo unclear 2 name wrong") at them:
    only a body that starts with "1" and goes on with "2", "3"... in order, so a count ("I
    tried 3 times") stays in its item."""
    found = _finditer(_BARE_NUMBER, body, budget)
    if len(found) < 2 or found[0].start() != 0 or found[0].group(2) != "1":
        return body
    cuts, want = [], 1
    for m in found:
        if m.group(2) == str(want):
            cuts.append(m)
            want += 1
    if len(cuts) < 2:
        return body
    out, at = [], 0
    for m in cuts:
        out.append(body[at:m.start()])
        at = m.end()
    out.append(body[at:])
    return "\n".join(out)


def _finditer(pattern: Any, text: str, budget: Budget | None) -> list[Any]:
    found = list(islice(pattern.finditer(text), MAX_PIECES))
    _spend(budget, text, len(found))
    return found


def inline_list(line: str, budget: Budget | None = None) -> tuple[str, list[str]]:
    """Split "rejected: (1) photo unclear (2) name wrong" into its head and numbered items.

    Only a numbering that starts at 1, a or i and goes on with 2, b or ii counts as a list.
    """
    found = _finditer(_INLINE_ITEM, line, budget)
    if len(found) < 2:
        return line, []
    labels = [_label(m) for m in found]
    if (labels[0], labels[1]) not in _FIRST_SECOND:
        return line, []
    # a glued "1." may begin its match with the character before the number: cut at the number
    starts = [m.start(_INLINE_HAN) if m.group(_INLINE_HAN) else m.end() for m in found]
    ends = [m.start(_INLINE_HAN - 1) if m.group(_INLINE_HAN) else m.start() for m in found]
    parts = [line[starts[k]: (ends[k + 1] if k + 1 < len(found) else len(line))]
             for k in range(len(found))]
    return line[: ends[0]], [p for p in parts if _letters(p)]


def _compile_each(patterns: Sequence[str], what: str) -> list[Any]:
    out = []
    for p in patterns:
        try:
            out.append(compile_pattern(p))
        except PatternError as exc:  # `check_matching` reports it with its file:line
            logger.warning("matching.yaml %s pattern %r skipped: %s", what, p, exc)
    return out


def _separators(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Return soft separators as (words needing spaces around, symbols or Chinese words)."""
    words, symbols = [], []
    for s in items:
        core = s.strip()
        if not core:
            continue
        glued = not core.isalnum() or any(is_han(c) for c in core)
        (symbols if glued else words).append(re2.escape(core))
    return words, symbols


#: an escape (\s, \b, \p{Han}...): no letters of the pattern's words
_ESCAPE = re2.compile(r"\\(?:p\{\w+\}|.)")
#: three Latin letters in a row: a word that may match a text of no other script
_LATIN_WORD = re2.compile(r"[A-Za-z]{3}")


def _script(pattern: str) -> str:
    """The script a boilerplate pattern is written in: "han" or "cyrillic" when its words are
    Chinese or Russian only (it cannot match a text without that script), else "" (any text:
    "【 (币安|binance) 】" matches "【Binance】")."""
    if _LATIN_WORD.search(_ESCAPE.sub("", pattern)):
        return ""
    if any(is_han(c) for c in pattern):
        return "han"
    if any(is_cyrillic(c) for c in pattern):
        return "cyrillic"
    return ""


def _has_script(text: str, script: str) -> bool:
    test = is_han if script == "han" else is_cyrillic
    return not script or any(test(c) for c in text)


def _ON_NEW_LINE(match: Any) -> str:
    return "\n" + match.group(0)


class Segmenter:
    """Cut boilerplate and find the reason list(s) of forwarded notices."""

    def __init__(
        self,
        boilerplate: Sequence[str],
        markers: Sequence[str],
        soft_separators: Sequence[str],
        clause_leads: Sequence[str] = (),
    ) -> None:
        good = [p for p in boilerplate if _compile_each([p], "boilerplate")]
        # one alternation per script, each run only on a text that has the script: three
        # small DFAs instead of one of every language's patterns (which RE2 needs ~15 MB of
        # cache for, and searches 3-5x slower)
        scripts: dict[str, list[str]] = {}
        for p in good:
            scripts.setdefault(_script(p), []).append(p)
        self.boilerplate = [(script, compile_any(ps)) for script, ps in scripts.items()]
        # one pass per line for every language's markers: an alternation of those RE2 accepts
        good_markers = [p for p in markers if _compile_each([p], "reason_markers")]
        self.markers = [compile_any(good_markers)] if good_markers else []
        words, symbols = _separators(soft_separators)
        soft = [rf"\s(?:{'|'.join(words)})\s"] if words else []
        soft += [rf"\s*(?:{'|'.join(symbols)})\s*"] if symbols else []
        self.soft = compile_pattern("|".join(soft)) if soft else None
        self.clause = compile_pattern("|".join([_CLAUSE_PUNCT, *soft]))
        # words that open a clause and stay in it ("the second time ...", 第二次...): a story
        # told attempt by attempt, with no punctuation, is cut before each
        words, symbols = _separators(clause_leads)
        leads = [rf"\s(?:{'|'.join(words)})\s"] if words else []
        leads += [rf"(?:{'|'.join(symbols)})"] if symbols else []
        self.leads = compile_pattern("|".join(leads)) if leads else None
        self._stripped: dict[str, str] = {}
        self.remember = False  # keep what is stripped (on while the matcher is built)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_stripped"] = {}  # texts read while building: not worth keeping on disk
        return state

    def strip_boilerplate(self, text: str, budget: Budget | None = None) -> str:
        """Return `text` with every boilerplate pattern replaced by a space."""
        if not self.boilerplate:
            return text
        stripped = self._stripped.get(text)
        if stripped is None:
            _spend(budget, text, MAX_PIECES)
            # a reason marker starts a line of its own, so that a pattern cutting to the end of
            # a line (a mail header: "Subject: Verification result Reason: ...") stops before it
            marked = self.markers[0].sub(_ON_NEW_LINE, text, MAX_PIECES) if self.markers else text
            stripped = marked
            for script, pattern in self.boilerplate:
                if _has_script(stripped, script):
                    stripped = pattern.sub(" ", stripped, 4 * MAX_PIECES)
            if self.remember and len(self._stripped) < CACHE_SIZE:
                self._stripped[text] = stripped
        return stripped

    def _marker_spans(self, line: str, budget: Budget | None) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for pattern in self.markers:
            spans.extend(m.span() for m in _finditer(pattern, line, budget) if m.end() > m.start())
        spans.sort()
        kept: list[tuple[int, int]] = []
        for s, e in spans:
            if not kept or s >= kept[-1][1]:
                kept.append((s, e))
        return kept

    def marked(self, text: str, budget: Budget | None = None) -> list[str]:
        """The text after each reason marker ("Reason: ...") of cleaned `text`, line by line."""
        out: list[str] = []
        for line in text.split("\n")[:MAX_LINES]:
            spans = self._marker_spans(line, budget)
            if spans:
                out.append(line[spans[0][1]:])
        return out

    def has_marker(self, text: str, budget: Budget | None = None) -> bool:
        """Return whether `text` has a reason marker ("Reason:", "原因：") on any line."""
        return any(self._marker_spans(line, budget) for line in text.split("\n")[:MAX_LINES])

    def split(self, text: str, budget: Budget | None = None) -> Segments:
        """Split cleaned `text` into reason-list items and free text."""
        lines = self.strip_boilerplate(text, budget).split("\n")
        if len(lines) > MAX_LINES:
            lines[MAX_LINES - 1:] = [" ".join(lines[MAX_LINES - 1:])]
        seg = Segments()
        spans = [self._marker_spans(line, budget) for line in lines]
        i = 0
        while i < len(lines):
            line = lines[i]
            if not spans[i]:
                run = i
                while run < len(lines) and _list_line(lines[run], budget) and not spans[run]:
                    run += 1
                if run - i >= 2:  # two or more list lines in a row: an unmarked list
                    for item in lines[i:run]:
                        seg.loose.extend(self.items(item, budget))
                    i = run
                    continue
                head, inline = inline_list(line, budget)
                if inline:
                    if not _blankish(head):
                        seg.free.append(head)
                    seg.loose.extend(p for part in inline for p in self.items(part, budget))
                elif not _blankish(line):
                    seg.free.append(line)
                i += 1
                continue
            here = spans[i]
            if here[0][0] > 0 and not _blankish(line[: here[0][0]]):
                seg.free.append(line[: here[0][0]])
            bodies = []
            for k, (s, e) in enumerate(here):
                body = line[e : (here[k + 1][0] if k + 1 < len(here) else len(line))]
                # a notice quoted inside a story («...причина: X». Я тогда...): its list ends
                # with the quote, and the story after it is the user's own words
                # (the marker may start a line of its own: the quote opened on the one before)
                before = line[max(0, s - _QUOTE_BACK):s]
                if i > 0 and k == 0 and s < _QUOTE_BACK:
                    before = lines[i - 1][-_QUOTE_BACK:] + "\n" + before
                closer = _closing_quote(before[-_QUOTE_BACK:])
                at = body.find(closer) if closer else -1
                if at >= 0:
                    if not _blankish(body[at + 1:]):
                        seg.free.append(body[at + 1:])
                    body = body[:at]
                bodies.append(body)
            i += 1
            if _blankish(bodies[-1]):
                # "Reasons:" alone on its line: the list is the following lines up to a blank one
                while i < len(lines) and _blankish(lines[i]):
                    i += 1
                while i < len(lines) and not _blankish(lines[i]) and not spans[i]:
                    bodies.append(lines[i])
                    i += 1
            else:
                while i < len(lines) and _list_line(lines[i], budget):
                    bodies.append(lines[i])
                    i += 1
            for body in bodies:
                seg.items.extend(self.items(body, budget))
        return seg

    @staticmethod
    def items(body: str, budget: Budget | None = None) -> list[str]:
        """Split a reason list into items at lines, bullets, numbers, ";", " / " and sentences."""
        body = _sub_bullets(_bare_numbers(body.lstrip(), budget), budget)
        return [p.strip() for p in _split(_HARD_SPLIT, body, budget) if _letters(p)]

    def soft_split(self, item: str, budget: Budget | None = None) -> list[str]:
        """Split an item at soft separators ("," "and"); the caller decides whether to keep it."""
        pieces = _han_breaks(item, budget).split("\n")
        if self.soft is not None:
            pieces = [p for piece in pieces for p in _split(self.soft, piece, budget)]
        return [p.strip() for p in pieces if _letters(p)]

    def clauses(self, text: str, budget: Budget | None = None, *,
                leads: bool = True) -> list[str]:
        """Split free text into clauses at punctuation and soft separators ("and", "、"), and
        before a clause's lead ("the second time", 第二次): kept in its clause (a count reads
        it), or dropped with `leads=False` (what went wrong is read without it)."""
        text = _han_breaks(_sub_bullets(text, budget), budget)
        if self.leads is not None:
            _spend(budget, text, MAX_PIECES)
            text = self.leads.sub(_ON_NEW_LINE if leads else "\n", text, MAX_PIECES)
        return [p.strip() for p in _split(self.clause, text, budget) if _letters(p)]

    def questions(self, text: str, leads: tuple[str, ...],
                  budget: Budget | None = None) -> set[str]:
        """The clauses (as `clauses` gives them, leads dropped) of the yes/no questions in free text: a part
        between punctuation that starts with one of `leads` (padded: " is it because ") and ends
        in a question mark ("region not supported, is it because my photo was blurry?")."""
        if "?" not in text or not leads:
            return set()
        asked: set[str] = set()
        at = 0
        for piece in _split(_SENTENCE_PARTS, text, budget):
            found = text.find(piece, at)
            if found < 0:
                continue
            at = found + len(piece)
            if text[at:at + 8].lstrip(" ")[:1] == "?" and \
                    f" {' '.join(text_words(piece))} ".startswith(leads):
                asked.update(self.clauses(piece, budget, leads=False))
        return asked


#: how far before a reason marker an opening quote makes the notice a quotation
_QUOTE_BACK = 200
_QUOTES = {"«": "»", "“": "”", "「": "」", "『": "』", "„": "“", "‘": "’"}


def _closing_quote(before: str) -> str | None:
    """The closing quote of a quotation still open at the end of `before` («, “, 「...), or
    None: the reason list that follows ends where the quotation does."""
    for i in range(len(before) - 1, -1, -1):
        ch = before[i]
        if ch in _QUOTES.values() and ch not in _QUOTES:
            return None  # the last quotation before the marker is closed
        if ch in _QUOTES:
            return _QUOTES[ch]
    return None
