"""Seed phrases: runs of words from the BIP-39 list (12 to 24 of them), separated by spaces,
commas or new lines, numbered or not ("1. deposit\\n2. thing ..."). After a seed word ("seed
phrase:", "助记词", "сид фраза") a shorter run is masked too: part of a phrase is still a key.
"""

from __future__ import annotations

from bot.understanding.privacy.scan import Scan

#: the shortest run of list words masked anywhere, and after a seed cue
LEAST, LEAST_AFTER_CUE = 12, 4


def seed_phrases(scan: Scan) -> None:
    text = scan.text
    cues = list(scan.cues("seed"))
    for m in scan.p.seed_run.finditer(text):
        start, end = m.span()
        words = _words(text, start, end)
        after_cue = False
        for cs, ce in cues:  # "seed" and "phrase" are list words too: start after the cue
            if cs <= start <= ce + 40:
                words = [w for w in words if w[0] >= ce]
                after_cue = True
        if words and (len(words) >= LEAST or (after_cue and len(words) >= LEAST_AFTER_CUE)):
            scan.claim("seed_phrase", words[0][0], words[-1][1])


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the letter runs in text[start:end] (each one a list word)."""
    out = []
    pos = start
    while pos < end:
        while pos < end and not text[pos].isalpha():
            pos += 1
        s = pos
        while pos < end and text[pos].isalpha():
            pos += 1
        if pos > s:
            out.append((s, pos))
    return out
