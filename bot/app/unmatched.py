"""Messages the bot could not place, grouped so an operator reads each question once.

Identical texts (after case and punctuation folding) are counted first; then each distinct text,
most frequent first, joins the group whose first text is most similar if that reaches
`GROUP_THRESHOLD` (`similarity`), else starts a group. Groups with the most messages come first.

Comparing every text with every group is quadratic (8,000 distinct texts: 42 s). So a text is
compared only with a block of likely groups: each group is indexed under the rarest of its
first text's character trigrams (rarest over all the texts), a text looks up its own rarest
trigrams, and the `NEAREST` groups sharing the most of them are scored in full. Trigrams that
no other text has (typos) are left out: they cannot be shared. Texts similar enough to group
share most of their trigrams, the rare ones included, so a block rarely misses the group a full
comparison would find (tests/test_unmatched.py compares the two), and each text meets a few
dozen groups instead of all of them.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import nlargest
from itertools import chain
from operator import itemgetter
from typing import Any

from rapidfuzz import fuzz, process, utils

#: two messages belong to the same group when `similarity` reaches this
GROUP_THRESHOLD = 80.0
#: candidates shown per group
CANDIDATE_LIMIT = 3
#: variants of a group's text kept as examples
VARIANTS = 5
#: a group is indexed under this share of its first text's trigrams, rarest first ...
INDEX_SHARE = 0.3
#: ... and a text looks up this share of its own
PROBE_SHARE = 0.5
#: groups compared with each text: those sharing the most of its rarest trigrams
NEAREST = 32


@dataclass(frozen=True)
class Candidate:
    """An entry of the knowledge base a group's messages came close to."""

    kind: str  # reason | topic
    id: str
    score: float


@dataclass(frozen=True)
class UnmatchedGroup:
    """Messages the bot could not place, similar enough to be read as one."""

    text: str  # the most frequent variant (redacted)
    count: int
    unmatched: int  # nothing matched
    ambiguous: int  # several candidates, none clearly ahead
    variants: tuple[str, ...] = ()  # other wordings in the group, most frequent first
    candidates: tuple[Candidate, ...] = ()
    first_at: str = ""
    last_at: str = ""


@dataclass(frozen=True)
class UnmatchedMessage:
    """One stored message (already redacted) with the candidates it had when it came."""

    text: str
    at: str  # ISO time
    candidates: Sequence[Mapping[str, Any]] = ()


def similarity(a: str, b: str) -> float:
    """Score how alike two messages are (0-100), forgiving typos and word order.

    The mean of token_set_ratio (extra words do not hurt) and token_sort_ratio (they do), so a
    one-word message does not swallow every longer message that contains the word.
    """
    pa, pb = utils.default_process(a), utils.default_process(b)
    if not pa or not pb:
        return 100.0 if pa == pb else 0.0
    return (fuzz.token_set_ratio(pa, pb) + fuzz.token_sort_ratio(pa, pb)) / 2


def trigrams(processed: str) -> set[str]:
    """Return the character trigrams of a text, its words padded (`" ab"`, `"abc"`, `"bc "`)."""
    padded = f" {' '.join(processed.split())} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def cluster(texts: Sequence[str], threshold: float = GROUP_THRESHOLD) -> list[int]:
    """Return the group of each processed text, in order: a text joins the most similar earlier
    group (by its first text; the earliest on a tie) if that reaches `threshold`, else starts
    the next group. Only the groups sharing most of the text's rarest trigrams are compared.
    """
    rank, alone = _ranks(texts)
    # trigram -> the groups with it among their rarest
    index: defaultdict[int, list[int]] = defaultdict(list)
    firsts: list[str] = []
    sorted_firsts: list[str] = []  # their words in order: token_sort_ratio is ratio on these
    out: list[int] = []
    for text in texts:
        ranked = sorted(map(rank.__getitem__, trigrams(text)))
        shared = ranked[bisect_left(ranked, alone) :]
        probes = shared[: math.ceil(len(shared) * PROBE_SHARE) + 1]
        hits = Counter(chain.from_iterable(index[g] for g in probes if g in index))
        # the NEAREST groups sharing the most probes (the first met on a tie), in group order
        near = sorted(hits if len(hits) <= NEAREST else nlargest(NEAREST, hits, hits.__getitem__))
        ordered = " ".join(sorted(text.split()))
        best = _closest(text, ordered, near, firsts, sorted_firsts, threshold)
        if best is None:
            best = len(firsts)
            firsts.append(text)
            sorted_firsts.append(ordered)
            for g in shared[: math.ceil(len(shared) * INDEX_SHARE) + 1]:
                index[g].append(best)
        out.append(best)
    return out


def _ranks(texts: Sequence[str]) -> tuple[dict[str, int], int]:
    """Rank the trigrams of `texts`, rarest first; return the ranks and how many trigrams are in
    one text only (the first ranks: typos, left out since they cannot be shared). Each text's
    trigrams are made again where needed rather than kept: 8,000 texts' sets of short strings
    took ~60 MB."""
    frequency: Counter[str] = Counter(chain.from_iterable(map(trigrams, texts)))
    rank = {g: r for r, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
    return rank, sum(1 for n in frequency.values() if n == 1)


def _closest(
    text: str,
    ordered: str,
    near: list[int],
    firsts: list[str],
    sorted_firsts: list[str],
    threshold: float,
) -> int | None:
    """Return the group in `near` whose first text is most similar to `text`, if any reaches
    `threshold` (the earliest group on a tie)."""
    if not near:
        return None
    # the mean of two scores of at most 100 reaches `threshold` only where each reaches
    # 2 * threshold - 100: filter on the cheap one (a plain ratio on words put in order),
    # then score the survivors in full
    floor = max(0.0, 2 * threshold - 100)
    choices = itemgetter(*near)(sorted_firsts) if len(near) > 1 else (sorted_firsts[near[0]],)
    survivors = process.extract(
        ordered, choices, scorer=fuzz.ratio, processor=None,
        limit=None, score_cutoff=floor,
    )  # fmt: skip
    best, best_score = None, threshold
    for _, sort_score, i in survivors:
        group = near[i]
        set_score = fuzz.token_set_ratio(
            text, firsts[group], score_cutoff=2 * threshold - sort_score
        )
        score = (set_score + sort_score) / 2
        if score > best_score or (score == best_score and (best is None or group < best)):
            best, best_score = group, score
    return best


@dataclass
class _Group:
    text: str
    messages: list[UnmatchedMessage] = field(default_factory=list)
    variants: Counter[str] = field(default_factory=Counter)


def group_messages(
    messages: Iterable[UnmatchedMessage],
    threshold: float = GROUP_THRESHOLD,
    candidates_for: Callable[[str], Sequence[Candidate]] | None = None,
) -> list[UnmatchedGroup]:
    """Group messages by similarity; biggest groups first.

    `candidates_for(text)` supplies candidates for groups whose messages stored none (nothing
    matched when they were sent).
    """
    by_key: dict[str, list[UnmatchedMessage]] = defaultdict(list)
    for message in messages:
        text = (message.text or "").strip()
        by_key[utils.default_process(text) or text].append(
            UnmatchedMessage(text, message.at, message.candidates)
        )
    ordered = sorted(by_key.items(), key=lambda kv: (-len(kv[1]), min(m.at for m in kv[1]), kv[0]))
    groups: list[_Group] = []
    for group, (_, members) in zip(
        cluster([k for k, _ in ordered], threshold), ordered, strict=True
    ):
        if group == len(groups):
            groups.append(_Group(Counter(m.text for m in members).most_common(1)[0][0]))
        groups[group].messages.extend(members)
        groups[group].variants.update(m.text for m in members)
    out = [_finish(g, candidates_for) for g in groups]
    out.sort(key=lambda g: (-g.count, g.first_at, g.text))
    return out


def _finish(
    group: _Group, candidates_for: Callable[[str], Sequence[Candidate]] | None
) -> UnmatchedGroup:
    ambiguous = sum(1 for m in group.messages if m.candidates)
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for m in group.messages:
        for c in m.candidates:
            if isinstance(c, Mapping) and "id" in c:
                scores[(str(c.get("kind", "")), str(c["id"]))].append(_number(c.get("score")))
    candidates = [
        Candidate(kind, cid, round(statistics.fmean(s), 1)) for (kind, cid), s in scores.items()
    ]
    if not candidates and candidates_for is not None:
        candidates = list(candidates_for(group.text))
    candidates.sort(key=lambda c: (-c.score, c.kind, c.id))
    ats = [m.at for m in group.messages]
    variants = [t for t, _ in group.variants.most_common(VARIANTS + 1) if t != group.text]
    return UnmatchedGroup(
        text=group.text,
        count=len(group.messages),
        unmatched=len(group.messages) - ambiguous,
        ambiguous=ambiguous,
        variants=tuple(variants[:VARIANTS]),
        candidates=tuple(candidates[:CANDIDATE_LIMIT]),
        first_at=min(ats),
        last_at=max(ats),
    )


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
