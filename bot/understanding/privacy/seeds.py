"""Seed phrases: runs of words from the BIP-39 list (12 to 24 of them), separated by spaces,
commas or new lines, numbered or not ("1. deposit\\n2. thing ..."). After a seed word ("seed
phrase:", "助记词", "сид фраза") a shorter run is masked too: part of a phrase is still a key.
"""

from __future__ import annotations

from bot.understanding.privacy.scan import Scan

#: the shortest run of list words masked anywhere, and after a seed cue
LEAST, LEAST_AFTER_CUE = 12, 4
_GAP = set(" \t\r\n,;.:-–—()0123456789")


def seed_phrases(scan: Scan) -> None:
    words = scan.vocab.bip39
    text = scan.text
    cue_ends = [e for _, e in scan.cues("seed")]
    run: list[tuple[int, int]] = []
    prev_end = -1

    def flush() -> None:
        if not run:
            return
        start = run[0][0]
        after_cue = any(0 <= start - ce <= 40 for ce in cue_ends)
        if len(run) >= LEAST or (after_cue and len(run) >= LEAST_AFTER_CUE):
            scan.claim("seed_phrase", start, run[-1][1])

    for m in scan.p.seed_token.finditer(text):
        s, e = m.span()
        token = text[s:e].lower()
        joined = prev_end >= 0 and len(text[prev_end:s]) <= 8 and set(text[prev_end:s]) <= _GAP
        if token in words and (not run or joined):
            run.append((s, e))
        else:
            flush()
            run = [(s, e)] if token in words else []
        prev_end = e
    flush()
