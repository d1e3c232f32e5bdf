"""People's names: after a cue ("my name is", "меня зовут", "我叫"), in mismatch descriptions
("the account says Jon Smith, the passport says John Smith"), and at the start of a message
("Rahul Kumar Sharma here, ...", "Ирина Волкова, 34 года").

A name is a run of capitalised words (with small particles such as "da", "van" between them)
that stops at a word of `not_names`. After a strong cue a lowercase name counts too ("my name
is john smith"); a Chinese name is a known surname and one or two more characters.
"""

from __future__ import annotations

import unicodedata

from bot.understanding.privacy.scan import Scan
from bot.understanding.privacy.shapes import is_cjk_char

_MAX_WORDS = 5


def names(scan: Scan) -> None:
    v = scan.vocab
    for _, e in scan.cues("name"):
        if is_cjk_char(scan.text[e - 1]):
            _chinese_name(scan, e, strict=False)
        else:
            _claim(scan, _run(scan, e, least=1, lowercase=True, skip=":-–—"))
    for _, e in scan.cues("name_weak"):
        if is_cjk_char(scan.text[e - 1]):
            _chinese_name(scan, e, strict=True)
        else:
            _claim(scan, _run(scan, e, least=2, lowercase=False, skip=""))
    if _shouting(scan.text):
        return  # IN A MESSAGE IN CAPITALS every word looks like a name: cues only
    says = v.folded("says")
    for _, e in scan.cues("documents"):
        if is_cjk_char(scan.text[e - 1]):
            continue  # Chinese mismatch descriptions go through name_weak ("账户上写的是...")
        pos = _skip_words(scan, e, says)
        _claim(scan, _run(scan, pos, least=2, lowercase=False, skip=":-–—"))
    _opening_name(scan)


def _skip_words(scan: Scan, pos: int, words: frozenset[str]) -> int:
    """Skip up to three words of `words` (and the punctuation between them) after `pos`."""
    text = scan.text
    for _ in range(3):
        while pos < len(text) and text[pos] in " \t:-–—":
            pos += 1
        found = words_at(text, pos, min(len(text), pos + 40), 1)
        if not found or text[found[0][0] : found[0][1]].casefold() not in words:
            break
        pos = found[0][1]
    return pos


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or unicodedata.combining(ch) > 0


def words_at(text: str, pos: int, limit: int, most: int) -> list[tuple[int, int]]:
    """The words from `pos`, separated by spaces only, up to the first other character.

    A word is letters (with their accents), and may have ' or - inside ("O'Neil", "Jean-Luc").
    """
    out: list[tuple[int, int]] = []
    while pos < limit and len(out) < most:
        while pos < limit and text[pos] in " \t":
            pos += 1
        start = pos
        while pos < limit and (
            _is_letter(text[pos])
            or (text[pos] in "'’-" and pos > start and pos + 1 < limit and _is_letter(text[pos + 1]))
        ):
            pos += 1
        if pos == start:
            break
        out.append((start, pos))
    return out


def _claim(scan: Scan, span: tuple[int, int] | None) -> None:
    if span is not None:
        scan.claim("name", *span)


def _run(scan: Scan, pos: int, *, least: int, lowercase: bool, skip: str) -> tuple[int, int] | None:
    """The name that starts at `pos` (after spaces and `skip` characters), if any."""
    v = scan.vocab
    not_names = v.folded("not_names")
    particles = v.folded("name_particles")
    text = scan.text
    limit = min(len(text), pos + 120)
    while pos < limit and (text[pos] in " \t" or text[pos] in skip):
        pos += 1
    run = words_at(text, pos, limit, 2 * _MAX_WORDS)
    words: list[tuple[int, int, bool]] = []  # start, end, is a particle
    mode_lower = None
    for i, (s, e) in enumerate(run):
        word = text[s:e]
        folded = word.casefold()
        capital = word[0].isupper()
        if folded in particles and words:
            words.append((s, e, True))
            continue
        if any(ch.isdigit() for ch in word) or not scan.free(s, e):
            break
        if folded in not_names:
            # "Emre Can Öztürk": a common word between two name words is a name too
            following = text[run[i + 1][0] : run[i + 1][1]] if i + 1 < len(run) else ""
            inside = words and capital and following[:1].isupper() and following.casefold() not in not_names
            if not inside:
                break
        if mode_lower is None:
            mode_lower = lowercase and not capital
            if not capital and not lowercase:
                break
        elif not capital and not mode_lower:
            break
        words.append((s, e, False))
        if sum(not p for *_, p in words) >= _MAX_WORDS:
            break
    while words and words[-1][2]:
        words.pop()
    if sum(not p for *_, p in words) < least:
        return None
    return words[0][0], words[-1][1]


def _chinese_name(scan: Scan, pos: int, *, strict: bool) -> None:
    """A surname and one or two more characters: 我叫王伟，... / 身份证上是张小明，..."""
    text = scan.text
    m = scan.p.han_run.match(text[pos : pos + 12])
    if m is None:
        return
    s, e = pos + m.start("v"), pos + m.end("v")
    run = text[s:e]
    if any(run.startswith(w) for w in scan.vocab.cjk("not_names")):
        return
    surnames = scan.vocab.folded("surnames")
    surname = 2 if run[:2] in surnames else 1 if run[:1] in surnames else 0
    if not surname:
        return
    if len(run) <= surname + 2:
        scan.claim("name", s, e)
    elif not strict:
        scan.claim("name", s, s + surname + 2)


def _shouting(text: str) -> bool:
    """Is the text mostly in capital letters?"""
    upper = sum(ch.isupper() for ch in text[:400])
    lower = sum(ch.islower() for ch in text[:400])
    return upper > 2 * lower


def _opening_name(scan: Scan) -> None:
    """A name that opens the message, before a comma, a full stop or "here"."""
    text = scan.text
    m = scan.p.greeting.match(text[:80])
    pos = m.end() if m else 0
    if pos < len(text) and is_cjk_char(text[pos]):
        run = scan.p.han_run.match(text[pos : pos + 6])
        if run is not None and len(run.group("v") or "") <= 3:
            after = scan.after_char(pos + run.end("v"))
            if after in "，,。 " or not after:
                _chinese_name(scan, pos, strict=True)
        return
    span = _run(scan, pos, least=2, lowercase=False, skip="")
    if span is None:
        return
    rest = text[span[1] : span[1] + 24].lstrip(" \t")
    folded = rest.casefold()
    closes = not rest or rest[0] in ",.;!" or any(
        folded == w or folded.startswith((w + " ", w + ",", w + "."))
        for w in scan.vocab.folded("name_after")
    )
    if closes:
        scan.claim("name", *span)
