"""Grouping the messages the bot could not place: blocks of likely groups instead of every pair.

The reference is the quadratic grouping it replaces (each text compared with every group); on
realistic messages with typos the blocks must give the same groups, and every text must really
be similar to the group it joined.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from bot.app.unmatched import GROUP_THRESHOLD, UnmatchedMessage, cluster, group_messages, similarity

DATA = Path(__file__).resolve().parent / "data"
FILLERS = ["pls", "help", "hi", "why", "bro", "sir", "please", "again"]


def messages(n: int, seed: int = 7) -> list[str]:
    """The held-out and blind test messages, then variants of them with typos, extra and
    missing words, until there are `n` distinct ones."""
    base = []
    for name in ("heldout.jsonl", "blind.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            base.append(" ".join(json.loads(line)["text"].split())[:200])
    rng = random.Random(seed)
    out = list(dict.fromkeys(base))
    seen = set(out)
    while len(out) < n:
        words = rng.choice(base).split()
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(words))
            word, op = words[i], rng.random()
            if op < 0.4 and len(word) > 3:
                j = rng.randrange(len(word) - 1)
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # swapped letters
            elif op < 0.7:
                words.insert(i, rng.choice(FILLERS))
            elif len(words) > 3:
                del words[i]
        text = " ".join(words)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def every_pair(texts: list[str], threshold: float = GROUP_THRESHOLD) -> list[int]:
    """The grouping it replaces: each text scored against every group's first text."""
    firsts: list[str] = []
    out = []
    for text in texts:
        best, best_score = None, threshold
        near = process.extract(
            text, firsts, scorer=fuzz.token_set_ratio, processor=None, limit=None,
            score_cutoff=2 * threshold - 100,
        )  # fmt: skip
        for _, set_score, i in near:
            score = (set_score + fuzz.token_sort_ratio(text, firsts[i])) / 2
            if score > best_score or (score == best_score and (best is None or i < best)):
                best, best_score = i, score
        if best is None:
            best = len(firsts)
            firsts.append(text)
        out.append(best)
    return out


def members(groups: list[int]) -> list[frozenset[int]]:
    """For each text, the texts in its group."""
    by_group: dict[int, set[int]] = defaultdict(set)
    for i, g in enumerate(groups):
        by_group[g].add(i)
    return [frozenset(by_group[g]) for g in groups]


def test_blocks_find_the_groups_every_pair_finds() -> None:
    texts = list(dict.fromkeys(filter(None, map(utils.default_process, messages(1500)))))
    blocked, reference = cluster(texts), every_pair(texts)
    same = sum(a == b for a, b in zip(members(blocked), members(reference), strict=True))
    assert same / len(texts) >= 0.98, f"{same} of {len(texts)} texts in the same group"
    assert abs(max(blocked) - max(reference)) <= len(texts) // 100


def test_every_text_is_similar_to_the_first_of_its_group() -> None:
    texts = list(dict.fromkeys(filter(None, map(utils.default_process, messages(600)))))
    firsts: dict[int, str] = {}
    for text, group in zip(texts, cluster(texts), strict=True):
        first = firsts.setdefault(group, text)
        assert similarity(text, first) >= GROUP_THRESHOLD


def test_identical_texts_count_once_and_the_biggest_group_comes_first() -> None:
    at = "2026-03-02T09:00:00+00:00"
    rows = [UnmatchedMessage(t, at) for t in (
        "How do I cook rice?", "how do i cook rice", "how do i cok rice", "can penguins fly",
    )]  # fmt: skip
    groups = group_messages(rows)
    assert [(g.count, g.unmatched, g.ambiguous) for g in groups] == [(3, 3, 0), (1, 1, 0)]
    assert groups[0].text in ("How do I cook rice?", "how do i cook rice")
    assert len(groups[0].variants) == 2
