"""Score a piece of text (its canonical terms) against every entry of the index, 0-100.

Four kinds of evidence: the words' votes (how typical each word is of the entry compared with
the others), the nearest of its texts (TF-IDF cosine over words and word pairs, through the
inverted index), its whole profile (all its texts together), and its keywords found as phrases
("nothing" has no keywords, so its mix leaves them out). The mix is scaled by trust, which
grows with the informative weight the text shares with the entry, so one rare word in common
is not a confident match. A negative keyword scales an entry down. A message naming none of
matching.yaml's `domain_words`, made largely of words seen mostly in negatives or of unknown
words, is about something else: every entry but "nothing" shrinks (`domain_factor`).

Postings are walked only for the text's rarer features; the contributions of very common
features are looked up for the candidates those found, so the cost grows with what the text
shares with the knowledge base, not with the knowledge base's size.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from bot.understanding.budget import Budget
from bot.understanding.index import Index, features, main_script, unpack
from bot.understanding.nearest import nearest_texts


class Scorer:
    """Per-entry scores for canonical terms; `exclude` leaves one indexed text out."""

    def __init__(self, index: Index, anchors: set[str], terms_of: Callable[[str], list[str]]):
        self.index = index
        self.anchors = anchors
        self.terms_of = terms_of  # reads a knowledge text (for leave-one-out)

    def anchored(self, terms: Iterable[str]) -> bool:
        """Return whether `terms` include one of matching.yaml's `domain_words`."""
        return any(t in self.anchors for t in terms)

    def scores(
        self,
        terms: Sequence[str],
        exclude: int | None = None,
        uncertain: Iterable[str] = (),
        domain: float = 1.0,
        budget: Budget | None = None,
    ) -> list[float]:
        """Return a 0-100 score per entry; `domain` scales every entry but "nothing"."""
        ix = self.index
        s = ix.settings
        scores = [0.0] * len(ix.entries)
        if not terms:
            return scores
        feats = features(terms)
        unknown = s["unknown_weight"] * ix.max_idf
        q: dict[str, float] = {}
        norm_sq = 0.0
        for f in feats:
            w = ix.idf.get(f)
            if w is None:
                if " " not in f:
                    norm_sq += unknown * unknown
                continue
            if uncertain and any(t in uncertain for t in f.split(" ")):
                w *= s["typo_weight"]
            q[f] = w
            norm_sq += w * w
        if not q:
            return scores
        qn = math.sqrt(norm_sq)
        df, common_df = ix.df, ix.common_df
        rare = [f for f in q if df[f] <= common_df]
        common = [f for f in q if df[f] > common_df]  # in the message's order, as `rare`
        if not rare:  # only common words: candidates are the texts sharing the rarest one
            rarest = min(q, key=lambda f: df[f])
            rare = [rarest]
            common.remove(rarest)

        script = main_script(terms)
        profile_common = ix.profile_common[script]
        profile_postings = ix.profile_postings[script]
        profile_norm = ix.profile_norm[script]
        excluded: set[str] = set()
        ex_entry = -1
        if exclude is not None:
            doc = ix.docs[exclude]
            excluded = {f for f in features(self.terms_of(doc.text)) if ix.counts_for(doc, f)}
            ex_entry = doc.entry

        # Nearest text: cosine with each candidate doc.
        nearest, candidates, own = nearest_texts(ix, q, rare, common, exclude, budget)

        # Keywords found as phrases, and negative keywords.
        keyword: dict[int, float] = defaultdict(float)
        negative: set[int] = set()
        for i, t in enumerate(terms):
            for phrase, e, weight in ix.keywords.get(t, ()):
                if tuple(terms[i : i + len(phrase)]) == phrase:
                    keyword[e] += weight
                    candidates.add(e)
            for phrase, e in ix.negative_keywords.get(t, ()):
                if tuple(terms[i : i + len(phrase)]) == phrase:
                    negative.add(e)

        # Profile cosine, shared informative mass and votes, per candidate entry.
        profile: dict[int, float] = defaultdict(float)
        mass: dict[int, float] = defaultdict(float)
        vote: dict[int, float] = defaultdict(float)
        vote_total = 0.0
        if budget is not None:
            budget.spend(len(q) * len(ix.entries))
        for f, w in q.items():
            unigram = " " not in f
            alone = f in excluded and ix.vote_counts(f).get(ex_entry) == 1
            if f in excluded:
                counts = dict(ix.vote_counts(f))
                counts[ex_entry] -= 1
                post, weight = ix.vote(f, counts)
                probs = dict(post)
            else:
                probs, weight = ix.vote_probs(f), ix.vote_weight[f]
            if not probs:  # seen only in texts of another script: no vote, still a shared word
                vote_total += s["vote_unknown"] if unigram else 0.0
            else:
                if uncertain and w < ix.idf[f]:
                    weight *= s["typo_weight"]
                vote_total += weight
            if f in common:
                in_profile = profile_common.get(f, {})
                for e in candidates:
                    pw = in_profile.get(e)
                    p = probs.get(e, 0.0)
                    if pw:
                        profile[e] += w * pw
                        if unigram and not (alone and e == ex_entry):
                            mass[e] += w
                    if p:
                        vote[e] += weight * p
            else:
                for e, pw in unpack(profile_postings.get(f, b"")):
                    profile[e] += w * pw
                    if unigram and not (alone and e == ex_entry):
                        mass[e] += w
                for e, p in probs.items():
                    vote[e] += weight * p
        if exclude is not None and ix.docs[exclude].script == script:
            e = ex_entry
            profile[e] -= own.get(exclude, 0.0)
            pn_sq = profile_norm[e] ** 2 - 2 * ix.profile_dot_doc[exclude] + 1.0
            profile[e] = profile[e] / math.sqrt(max(pn_sq, 1e-9)) * profile_norm[e]

        wv, wn, wp, wk = (s["vote_weight"], s["nearest_weight"], s["profile_weight"],
                          s["keyword_weight"])
        per_total = 100.0 * domain / ((wv + wn + wp + wk) or 1.0)
        # "nothing" has no keywords: its mean is over the kinds of evidence it can have
        per_none = 100.0 / ((wv + wn + wp) or 1.0)
        vote_norm = vote_total + s["vote_prior"]
        unit, evidence = s["keyword_unit"], s["evidence_mass"]
        for e in candidates:
            shared = mass.get(e, 0.0)
            if shared <= 0.0:
                continue  # no trust at all: the score stays 0
            kw = keyword.get(e, 0.0)
            mean = (
                wv * vote.get(e, 0.0) / vote_norm
                + wn * nearest.get(e, 0.0) / qn
                + wp * profile.get(e, 0.0) / (qn * profile_norm[e])
                + (wk * (1.0 - math.exp(-unit * kw)) if kw else 0.0)
            )
            # Trust grows with the informative weight the message shares with the entry, so a
            # single rare word in common does not make a confident match.
            score = mean * (per_none if e == ix.none_entry else per_total) * (
                1.0 - math.exp(-shared / evidence))
            if e in negative:
                score *= s["negative_keyword_factor"]
            scores[e] = score
        return scores

    def keyword_entries(self, terms: Sequence[str]) -> set[int]:
        """Return the entries one of whose keywords `terms` contain (as a phrase)."""
        found: set[int] = set()
        keywords = self.index.keywords
        for i, t in enumerate(terms):
            for phrase, e, _ in keywords.get(t, ()):
                if tuple(terms[i : i + len(phrase)]) == phrase:
                    found.add(e)
        return found

    def keyword_positions(self, terms: Sequence[str]) -> dict[int, int]:
        """Return, per entry one of whose keywords `terms` contain, the position of the first."""
        found: dict[int, int] = {}
        keywords = self.index.keywords
        for i, t in enumerate(terms):
            for phrase, e, _ in keywords.get(t, ()):
                if e not in found and tuple(terms[i : i + len(phrase)]) == phrase:
                    found[e] = i
        return found

    def domain_factor(
        self, terms: Sequence[str], uncertain: Iterable[str] = (), exclude: int | None = None
    ) -> float:
        """Return how much a message that names no domain word keeps of its scores (1: all).

        Its words seen mostly in negatives, and (partly) its unknown words, are about something
        else; past `off_domain_free` of the message, scores shrink with that share. Without
        `domain_words` in matching.yaml every message keeps all.
        """
        if not self.anchors or self.anchored(terms):
            return 1.0
        ix = self.index
        s = ix.settings
        unknown = s["unknown_weight"] * ix.max_idf * s["off_domain_unknown"]
        excluded: set[str] = set()
        ex_entry = -1
        if exclude is not None:  # leave-one-out: the left-out text says nothing about its words
            doc = ix.docs[exclude]
            excluded = {t for t in self.terms_of(doc.text) if ix.counts_for(doc, t)}
            ex_entry = doc.entry
        total = elsewhere = 0.0
        for t in dict.fromkeys(terms):
            w = ix.idf.get(t)
            if w is None:
                total += unknown
                elsewhere += unknown
                continue
            if t in uncertain:
                w *= s["typo_weight"]
            total += w
            if t in excluded:
                counts = dict(ix.vote_counts(t))
                counts[ex_entry] -= 1
                if not any(counts.values()):  # known only from the left-out text
                    total += unknown - w
                    elsewhere += unknown
                else:
                    elsewhere += w * ix.elsewhere(counts)
            else:
                elsewhere += w * ix.off_domain.get(t, 0.0)
        if total <= 0:
            return 1.0
        free = min(s["off_domain_free"], 0.99)
        return min(1.0, (1.0 - elsewhere / total) / (1.0 - free)) ** s["off_domain_power"]
