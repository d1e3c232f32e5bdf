"""The nearest-text part of scoring: each candidate text's cosine with a message, and per entry
the best of them (see `scoring`).

Two ways to the same sums, added in the same order (for each text: the rarer features in the
message's order, then the common ones): plain dictionaries when the message shares few texts
with the knowledge base (most messages; numpy's per-call cost would dominate), numpy arrays
when it shares many (knowledge examples checked at start-up, a base many times the bundled
one), where walking the postings one by one in Python is what costs. numpy is imported on the
first such message only, so a warm start that matches short messages never loads it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.understanding.budget import Budget

if TYPE_CHECKING:
    from bot.understanding.index import Index

#: postings walked for a message from which numpy is used (measured crossover: ~2x at 1,000)
NUMPY_FROM = 10**12  # off: numpy is not a dependency yet (see the bench before turning it on)


def nearest_texts(ix: Index, q: dict[str, float], rare: Sequence[str], common: Sequence[str],
                  exclude: int | None, budget: Budget | None
                  ) -> tuple[dict[int, float], set[int], dict[int, float]]:
    """Return (best cosine per entry, candidate entries, dot product per candidate text).

    `q`: the message's feature weights; `rare` features are walked through their postings,
    `common` ones looked up for the texts the rare ones found; `exclude` (a text) is left out
    of the best cosines but still makes its entry a candidate. The dot products are returned
    for `exclude` only (leave-one-out), as {exclude: value} or {}.
    """
    walked = sum(ix.df[f] for f in rare)
    if walked >= NUMPY_FROM and _numpy() is not None:
        return _with_numpy(ix, q, rare, common, exclude, budget)
    dots: dict[int, float] = defaultdict(float)
    postings = ix.postings
    for f in rare:
        w = q[f]
        found = postings[f]
        if budget is not None:
            budget.spend(len(found))
        for d, dw in found:
            dots[d] += w * dw
    if budget is not None:
        budget.spend(len(common) * len(dots))
    vectors = ix.doc_vectors
    for f in common:
        w = q[f]
        for d in dots:
            dw = vectors[d].get(f)
            if dw:
                dots[d] += w * dw
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


def _with_numpy(ix: Index, q: dict[str, float], rare: Sequence[str], common: Sequence[str],
                exclude: int | None, budget: Budget | None
                ) -> tuple[dict[int, float], set[int], dict[int, float]]:
    np = _numpy()
    arrays = _arrays(ix)
    ids_parts = []
    weight_parts = []
    for f in rare:
        ids, weights = arrays.postings(f)
        if budget is not None:
            budget.spend(len(ids))
        ids_parts.append(ids)
        weight_parts.append(weights * q[f])
    if len(ids_parts) == 1:
        docs, dots = ids_parts[0], weight_parts[0]
    else:
        docs, where = np.unique(np.concatenate(ids_parts), return_inverse=True)
        # bincount adds in input order: per text, the features in the message's order
        dots = np.bincount(where, weights=np.concatenate(weight_parts), minlength=len(docs))
    if budget is not None:
        budget.spend(len(common) * len(docs))
    for f in common:
        ids, weights = arrays.postings(f)
        at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
        hit = ids[at] == docs
        dots[hit] += q[f] * weights[at[hit]]
    entries = arrays.doc_entry[docs]
    candidates = set(entries.tolist())
    keep_docs, keep_dots, keep_entries = docs, dots, entries
    own: dict[int, float] = {}
    if exclude is not None:
        mine = docs == exclude
        if mine.any():
            own = {exclude: float(dots[mine][0])}
            rest = ~mine
            keep_dots, keep_entries = dots[rest], entries[rest]
    del keep_docs
    nearest: dict[int, float] = {}
    if len(keep_entries):
        if arrays.grouped:  # texts are numbered entry by entry: one maximum per run
            starts = np.flatnonzero(np.r_[True, keep_entries[1:] != keep_entries[:-1]])
            best = np.maximum.reduceat(keep_dots, starts)
            for e, v in zip(keep_entries[starts].tolist(), best.tolist(), strict=True):
                if v > 0.0:
                    nearest[e] = v
        else:  # pragma: no cover - an index built in another order
            for e, v in zip(keep_entries.tolist(), keep_dots.tolist(), strict=True):
                if v > nearest.get(e, 0.0):
                    nearest[e] = v
    return nearest, candidates, own


class _Arrays:
    """An index's postings as numpy arrays, made per feature on first use."""

    def __init__(self, ix: Index) -> None:
        np = _numpy()
        self.ix = ix
        self.doc_entry = np.asarray(ix.doc_entry, dtype=np.int64)
        self.grouped = bool((self.doc_entry[1:] >= self.doc_entry[:-1]).all())
        self._postings: dict[str, tuple[Any, Any]] = {}

    def postings(self, feature: str) -> tuple[Any, Any]:
        found = self._postings.get(feature)
        if found is None:
            np = _numpy()
            pairs = self.ix.postings[feature]
            ids = np.fromiter((d for d, _ in pairs), dtype=np.int64, count=len(pairs))
            weights = np.fromiter((w for _, w in pairs), dtype=np.float64, count=len(pairs))
            found = self._postings[feature] = (ids, weights)
        return found


_lock = threading.Lock()
_NUMPY: list[Any] = []


def _numpy() -> Any:
    """numpy, imported on first use (None without it: the dictionaries then do all)."""
    if not _NUMPY:
        with _lock:
            if not _NUMPY:
                try:
                    import numpy
                except ImportError:  # pragma: no cover - a declared dependency
                    numpy = None  # type: ignore[assignment]
                _NUMPY.append(numpy)
    return _NUMPY[0]


def _arrays(ix: Index) -> _Arrays:
    arrays = ix.__dict__.get("_arrays")
    if arrays is None:
        with _lock:
            arrays = ix.__dict__.get("_arrays")
            if arrays is None:
                arrays = ix.__dict__["_arrays"] = _Arrays(ix)
    return arrays
