"""The precomputed index a message is scored against (built once per knowledge base).

Every text of the knowledge base (examples, notices, keywords and titles of reasons and topics,
in every language, and the negatives as the entry "nothing") is read exactly as a message would
be, into canonical terms. From them: TF-IDF vectors over words and word pairs with an inverted
index, each entry's profile (all its texts together), how typical each feature is of each entry
(votes), keywords as phrases, and the words seen mostly in negatives ("elsewhere").
"""

from __future__ import annotations

import math
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

NONE_ID = "__none__"

#: one (text or entry number, weight) pair of a packed list: 4 + 8 bytes, the weight exact
_PAIR = struct.Struct("<id")
PAIR_SIZE = _PAIR.size


def pack(pairs: Iterable[tuple[int, float]]) -> bytes:
    """Pack (number, weight) pairs into one bytes object (a list of tuples costs ~8x more)."""
    return b"".join([_PAIR.pack(n, w) for n, w in pairs])


def unpack(data: bytes) -> Iterator[tuple[int, float]]:
    """The (number, weight) pairs of `pack(...)`, in their order, weights bit for bit."""
    return _PAIR.iter_unpack(data)


@dataclass(frozen=True)
class Entry:
    """Something a message can be about: a reason, a topic, or "nothing" (negatives)."""

    kind: str  # "reason" | "topic" | "none"
    id: str


@dataclass(frozen=True, slots=True)
class Doc:
    """One indexed text: an example, a notice, a keyword or a title of an entry."""

    entry: int
    text: str
    role: str  # "example" | "notice" | "keyword" | "title"
    index: int  # position among the entry's texts of that role and language
    lang: str = "en"
    script: str = "latin"  # the script most of its words are in (see `script_of`)


@dataclass(frozen=True)
class Text:
    """A knowledge text to index: whose it is, its role, position and language."""

    kind: str
    id: str
    role: str
    index: int
    text: str
    lang: str = "en"


def script_of(term: str) -> str:
    """Return "han", "cyrillic" or "latin" (Latin letters, digits) for a term or feature."""
    first = term[0] if term else "a"
    if "\u0400" <= first <= "\u04ff":
        return "cyrillic"
    if first >= "\u2e80":
        return "han"
    return "latin"


def main_script(terms: Sequence[str]) -> str:
    """Return the script most of `terms` are in (Latin on a tie)."""
    counts: dict[str, int] = defaultdict(int)
    for t in terms:
        counts[script_of(t)] += 1
    return max(("latin", "cyrillic", "han"), key=lambda k: counts[k])


def features(terms: Sequence[str]) -> list[str]:
    """Return the unigrams and adjacent bigrams of `terms`, each once."""
    feats = dict.fromkeys(terms)
    for a, b in zip(terms, terms[1:], strict=False):
        feats[a + " " + b] = None
    return list(feats)


class Index:
    """TF-IDF docs, entry profiles, votes and keyword phrases; see the module docstring.

    Statistics that compare entries are kept per script, so that languages do not dilute each
    other: an entry's profile is built per script from its texts in that script, and how
    typical a word is of an entry is counted over the texts written in the word's script
    ("KYC" inside a Chinese example still counts for the nearest text, not for the votes).
    """

    def __init__(self, entries: list[Entry], settings: Mapping[str, float]) -> None:
        self.entries = entries
        self.settings = settings
        self.by_key: dict[tuple[str, str], int] = {(e.kind, e.id): i for i, e in enumerate(entries)}
        self.none_entry = self.by_key.get(("none", NONE_ID), -1)
        self.docs: list[Doc] = []
        self.doc_entry: list[int] = []  # each doc's entry, by doc number
        self._example_docs: dict[tuple[int, str, int], int] | None = None  # see `example_doc`
        self.idf: dict[str, float] = {}
        self.max_idf = 1.0
        self.df: dict[str, int] = {}
        self.common_df = 0.0
        #: feature -> the texts using it and its weight in each (packed: `pack`), text order
        self.postings: dict[str, bytes] = {}
        #: for features in more than `common_df` texts: text -> weight (looked up, not walked)
        self.common: dict[str, dict[int, float]] = {}
        #: per script: feature -> the entries whose profile has it, with its weight (packed)
        self.profile_postings: dict[str, dict[str, bytes]] = {}
        #: per script, for the common features only: feature -> entry -> profile weight
        self.profile_common: dict[str, dict[str, dict[int, float]]] = {}
        self.profile_norm: dict[str, list[float]] = {}
        self.profile_dot_doc: list[float] = []
        self.entry_docs: dict[str, list[int]] = {}
        #: feature -> P(entry | feature) as packed (entry, probability) pairs; see `vote`
        self.vote_map: dict[str, bytes] = {}
        self.vote_weight: dict[str, float] = {}
        self._counts: dict[str, dict[int, int]] = {}  # `vote_counts` computed lately
        self.off_domain: dict[str, float] = {}  # word -> how much of it is elsewhere (0.5..1)
        self.keywords: dict[str, list[tuple[tuple[str, ...], int, float]]] = {}
        self.negative_keywords: dict[str, list[tuple[tuple[str, ...], int]]] = {}

    def build(
        self,
        texts: Sequence[Text],
        keywords: Sequence[tuple[int, str]],
        negative_keywords: Sequence[tuple[int, str]],
        terms_of: Callable[[str], list[str]],
    ) -> None:
        """Index `texts` (read by `terms_of`), `keywords` and `negative_keywords` per entry."""
        bigram_weight = self.settings["bigram_weight"]
        doc_feats: list[list[str]] = []
        df: dict[str, int] = defaultdict(int)
        for t in texts:
            terms = terms_of(t.text)
            feats = features(terms)
            if not feats:
                continue
            e = self.by_key[(t.kind, t.id)]
            self.docs.append(Doc(e, t.text, t.role, t.index, t.lang, main_script(terms)))
            doc_feats.append(feats)
            for f in feats:
                df[f] += 1
        n = len(self.docs) or 1
        self.idf = {
            f: math.log(1 + n / c) * (bigram_weight if " " in f else 1.0) for f, c in df.items()
        }
        self.max_idf = max((v for f, v in self.idf.items() if " " not in f), default=1.0)
        self.df = dict(df)
        self.common_df = max(self.settings["common_min_df"],
                             self.settings["common_fraction"] * len(self.docs))
        self.doc_entry = [doc.entry for doc in self.docs]
        self._vectors(doc_feats)
        self._votes(doc_feats)
        self._keywords(keywords, negative_keywords, terms_of)

    def _vectors(self, doc_feats: list[list[str]]) -> None:
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        scripts = sorted({d.script for d in self.docs} | {"latin"})
        profile = {k: [defaultdict(float) for _ in self.entries] for k in scripts}
        doc_vectors: list[dict[str, float]] = []
        for d, feats in enumerate(doc_feats):
            vec = {f: self.idf[f] for f in feats}
            norm = math.sqrt(sum(w * w for w in vec.values()))
            vec = {f: w / norm for f, w in vec.items()}
            doc_vectors.append(vec)
            doc = self.docs[d]
            for f, w in vec.items():
                postings[f].append((d, w))
                profile[doc.script][doc.entry][f] += w
        self.postings = {f: pack(p) for f, p in postings.items()}
        for k in scripts:
            self.profile_norm[k] = [math.sqrt(sum(w * w for w in vec.values())) or 1.0
                                    for vec in profile[k]]
            by_feature: dict[str, list[tuple[int, float]]] = defaultdict(list)
            for e, vec in enumerate(profile[k]):
                for f, w in vec.items():
                    by_feature[f].append((e, w))
            self.profile_postings[k] = {f: pack(p) for f, p in by_feature.items()}
        # For leave-one-out: the dot product of each doc with its own entry's profile.
        self.profile_dot_doc = [
            sum(w * profile[self.docs[d].script][self.docs[d].entry][f] for f, w in vec.items())
            for d, vec in enumerate(doc_vectors)
        ]
        self._lookups()

    def __getstate__(self) -> dict[str, object]:
        """What the disk cache keeps: the packed lists; the lookups are rebuilt from them."""
        state = dict(self.__dict__)
        state.update(df=None, doc_entry=None, common=None, profile_common=None, _counts={},
                     _example_docs=None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lookups()

    def _lookups(self) -> None:
        """df, each doc's entry, and the common features' weights as dicts (from the packed
        lists): a common feature is looked up for the candidates, not walked."""
        self.df = {f: len(p) // PAIR_SIZE for f, p in self.postings.items()}
        self.doc_entry = [doc.entry for doc in self.docs]
        common = [f for f, n in self.df.items() if n > self.common_df]
        self.common = {f: dict(unpack(self.postings[f])) for f in common}
        self.profile_common = {
            k: {f: dict(unpack(by_feature[f])) for f in common if f in by_feature}
            for k, by_feature in self.profile_postings.items()}

    def forget(self) -> None:
        """Drop the lookups made for leave-one-out (made again on use)."""
        self._counts.clear()
        self._example_docs = None

    def example_doc(self, entry: int, lang: str, index: int) -> int | None:
        """The doc number of example `index` of `entry` in `lang` (leave-one-out only: the
        lookup is made on first use)."""
        if self._example_docs is None:
            self._example_docs = {(doc.entry, doc.lang, doc.index): d
                                  for d, doc in enumerate(self.docs) if doc.role == "example"}
        return self._example_docs.get((entry, lang, index))

    def vote_counts(self, feature: str) -> dict[int, int]:
        """How many texts of each entry, written in `feature`'s script, use it (entries in
        the order of their first such text); {} when none."""
        found = self._counts.get(feature)
        if found is None:
            found = {}
            script = script_of(feature)
            docs = self.docs
            for d, _ in unpack(self.postings.get(feature, b"")):
                doc = docs[d]
                if doc.script == script:
                    found[doc.entry] = found.get(doc.entry, 0) + 1
            if len(self._counts) >= 4096:  # leave-one-out only: a bounded cache
                self._counts.clear()
            self._counts[feature] = found
        return found

    def vote_probs(self, feature: str) -> dict[int, float]:
        """P(entry | feature) for the entries `feature` votes for ({} when none)."""
        return dict(unpack(self.vote_map[feature]))

    def _votes(self, doc_feats: list[list[str]]) -> None:
        """How typical each feature is of each entry (share of the entry's texts using it)."""
        counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.entry_docs = {k: [0] * len(self.entries) for k in ("latin", "cyrillic", "han")}
        for d, feats in enumerate(doc_feats):
            doc = self.docs[d]
            self.entry_docs[doc.script][doc.entry] += 1
            for f in feats:
                if self.counts_for(doc, f):
                    counts[f][doc.entry] += 1
        vote_counts = {f: dict(c) for f, c in counts.items()}
        for f in self.df:
            vote_counts.setdefault(f, {})  # seen only in other scripts' texts: no vote
        # Words mostly seen in negatives.yaml: a message made of them is about something else.
        self.off_domain = {f: share for f, c in vote_counts.items()
                           if " " not in f and (share := self.elsewhere(c))}
        for f, c in vote_counts.items():
            post, weight = self.vote(f, c)
            self.vote_map[f] = pack(post)
            self.vote_weight[f] = weight

    def _keywords(
        self,
        keywords: Sequence[tuple[int, str]],
        negative_keywords: Sequence[tuple[int, str]],
        terms_of: Callable[[str], list[str]],
    ) -> None:
        """A phrase listed by k entries gives each 1/k of a full unit of evidence."""
        owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
        parsed: list[tuple[int, tuple[str, ...]]] = []
        for e, kw in keywords:
            terms = tuple(terms_of(kw))
            if terms:
                owners[terms].add(e)
                parsed.append((e, terms))
        kw_index: dict[str, list[tuple[tuple[str, ...], int, float]]] = defaultdict(list)
        for e, terms in parsed:
            spec = sum(self.idf.get(t, self.max_idf) for t in terms) / len(terms) / self.max_idf
            weight = min(1.0, spec) / len(owners[terms])
            if (terms, e, weight) not in kw_index[terms[0]]:
                kw_index[terms[0]].append((terms, e, weight))
        self.keywords = dict(kw_index)
        neg_index: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for e, kw in negative_keywords:
            terms = tuple(terms_of(kw))
            if terms and (terms, e) not in neg_index[terms[0]]:
                neg_index[terms[0]].append((terms, e))
        self.negative_keywords = dict(neg_index)

    def counts_for(self, doc: Doc, feature: str) -> bool:
        """Return whether `doc` counts towards `feature`'s votes (written in its script)."""
        return doc.script == script_of(feature)

    def vote(self, feature: str, counts: Mapping[int, int]) -> tuple[list[tuple[int, float]], float]:
        """Return (entry, P(entry | feature)) pairs and the feature's vote weight."""
        docs = self.entry_docs[script_of(feature)]
        rates = {e: c / docs[e] for e, c in counts.items() if c > 0 and docs[e] > 0}
        total = sum(rates.values())
        if total <= 0:
            return [], 0.0
        post = [(e, r / total) for e, r in rates.items()]
        concentration = sum(p * p for _, p in post)
        df = sum(counts.values())
        weight = concentration ** self.settings["vote_power"] * (
            1.0 - math.exp(-df / self.settings["vote_df_scale"])
        )
        if " " in feature:
            weight *= self.settings["bigram_weight"]
        return post, weight

    def elsewhere(self, counts: Mapping[int, int]) -> float:
        """Return how much a word with these per-entry text counts is off the subject (0: not)."""
        outside = counts.get(self.none_entry, 0)
        total = sum(counts.values())
        if outside < 1 or outside < self.settings["off_domain_share"] * total:
            return 0.0
        return outside / total
