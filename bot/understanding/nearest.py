"""The nearest-text part of scoring: each candidate text's cosine with a message, and per entry
the best of them (see `scoring`).

The sums are added in a fixed order (for each text: the rarer features in the message's order,
then the common ones), so a message scores the same in every process. A numpy version of the
same sums (postings as arrays, `bincount` and `maximum.reduceat`) was measured on the bundled
knowledge: no faster, neither on first-seen messages (~100 us a call either way) nor on the
knowledge examples the start-up checks match; numpy's per-call cost eats what the arrays save
at this size, and importing it costs 0.1-0.15 s of every start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.understanding.budget import Budget
from bot.understanding.index import PAIR_SIZE, unpack

if TYPE_CHECKING:
    from bot.understanding.index import Index


def nearest_texts(ix: Index, q: dict[str, float], rare: Sequence[str], common: Sequence[str],
                  exclude: int | None, budget: Budget | None
                  ) -> tuple[dict[int, float], set[int], dict[int, float]]:
    """Return (best cosine per entry, candidate entries, dot product per candidate text).

    `q`: the message's feature weights; `rare` features are walked through their postings,
    `common` ones looked up for the texts the rare ones found; `exclude` (a text) is left out
    of the best cosines but still makes its entry a candidate. The dot products are returned
    for `exclude` only (leave-one-out), as {exclude: value} or {}.
    """
    dots: dict[int, float] = {}
    postings = ix.postings
    for f in rare:
        w = q[f]
        found = postings[f]
        if budget is not None:
            budget.spend(len(found) // PAIR_SIZE)
        if not dots:  # the first feature: nothing to add to yet (x + 0.0 is x)
            dots = {d: w * dw for d, dw in unpack(found)}
            continue
        get = dots.get
        for d, dw in unpack(found):
            dots[d] = get(d, 0.0) + w * dw
    if budget is not None:
        budget.spend(len(common) * len(dots))
    if common:
        weights = [(ix.common[f], q[f]) for f in common]
        for d, dot in dots.items():  # per text, the common features in the message's order
            for in_texts, w in weights:
                dw = in_texts.get(d)
                if dw:
                    dot += w * dw
            dots[d] = dot
    nearest: dict[int, float] = {}
    closest = nearest.get
    doc_entry = ix.doc_entry
    candidates: set[int] = set()
    for d, dot in dots.items():
        e = doc_entry[d]
        candidates.add(e)
        if dot > closest(e, 0.0) and d != exclude:
            nearest[e] = dot
    own = {exclude: dots[exclude]} if exclude is not None and exclude in dots else {}
    return nearest, candidates, own
