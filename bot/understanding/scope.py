"""What a message is about: a Binance identity verification, or something else.

Word lists of other places (`other_contexts`) catch what they name, and break messages that
name the same places in passing ("an agent at the phone shop registered me"). This model reads
the whole message instead: a logistic regression over its terms and pairs of adjacent terms,
trained at build from real messages labelled about a verification or not (knowledge/scope/),
the reasons' and topics' examples and notices (about) and the negatives (not about). Its
probability that a message is about a verification gates the match (`decide`, policy.yaml
`scope_floor`): under it, a message that names no reason list gets no reason and no topic.

Features are hashed (CRC-32 into `BUCKETS` slots: a few collisions only blur two rare
features), weights kept in one `array` of floats; training is AdaGrad with a little L2, the
texts read in an order fixed by their own hashes, and the weights averaged over the steps of the
later half of the passes, so the same knowledge always gives the same model and one text more
changes it little. The classes count as often as they are found (most messages are about a
verification), so a message with no word the model knows, "ok" or a name, stays near that
prior, well above the floor; but a text not about a verification weighs `scope_other_weight`
(1.5) in its step, so that a word both sides use ("blurry": a passport photo, a scanned
homework) leans less to "about". The knowledge's own examples count twice.

Measured with blind32-35 held out of training (knowledge/scope/ less those sets, and the
knowledge's 5,408 texts), two orders (seeds 0-1), at the 0.4 floor: 1-2 of 1,714 rightly read
messages lost, 44 of the 83 out-of-scope and vague ones they wrongly matched left unmatched
(weight 1 and every step averaged: 1-2 lost, 35-40; weight 2: 2 lost, 47-48, but generic ones
such as "my surname is spelled wrong in my profile" fell under the floor). The floor is 0.55
since knowledge/scope/ grew by 990 messages written for it (everyday questions close to a reason,
2026-12-07): on the unread odd halves of blind40 and blind41, out-of-scope lines matched went
from 5.9-13.3% to 2.9-6.7% per language, one in-scope line of 357 lost. A message is read
both ways, quickly as in training and with its typos corrected, and the likelier of the two
counts. It is part of the matcher, so the disk cache keeps it with the rest.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from zlib import crc32

#: feature slots (a power of two); ~60,000 distinct features in the bundled knowledge
BUCKETS = 1 << 18
#: L2 weight decay per update
_L2 = 1e-4
#: AdaGrad's step size
_RATE = 0.2
#: most texts trained on: a base scaled far beyond the bundled one (~30,000) keeps its
#: start-up bounded; the texts kept are those of the lowest hashes, an even sample
MAX_TEXTS = 60_000
#: most terms of one message read (a long message's probability is settled well before)
MAX_TERMS = 400


def features(terms: Sequence[str]) -> list[int]:
    """The hashed features of a message's terms: each term and each pair of adjacent terms."""
    terms = terms[:MAX_TERMS]
    found = {crc32(t.encode("utf-8", "surrogatepass")) & (BUCKETS - 1) for t in terms}
    found.update(crc32(f"{a}|{b}".encode("utf-8", "surrogatepass")) & (BUCKETS - 1)
                 for a, b in zip(terms, terms[1:], strict=False))
    return sorted(found)


class ScopeModel:
    """P(about a verification | a message's terms)."""

    def __init__(self, weights: array[float], bias: float, trained_on: tuple[int, int]) -> None:
        self.weights = weights
        self.bias = bias
        self.trained_on = trained_on  # (about, not about) texts

    @classmethod
    def train(cls, examples: Iterable[tuple[str, Sequence[str], bool]], epochs: int,
              seed: int = 0, other_weight: float = 1.0) -> ScopeModel | None:
        """Fit on (text, terms, about) triples; None when one side has no text (nothing to tell
        apart). Each pass reads the texts in the order of a hash of each text (and the pass and
        `seed`), so adding or removing one text moves no other; the weights returned are the
        average over every step of the later half of the passes (Polyak averaging of the tail:
        the first passes only learn), which is what makes the model depend little on that order
        at all; a text not about a verification weighs `other_weight` in its step."""
        data = [(crc32(text.encode("utf-8", "surrogatepass")), features(terms), about)
                for text, terms, about in examples if terms]
        if len(data) > MAX_TEXTS:  # a huge base: the same share of every text, by hash
            data = sorted(data, key=lambda d: d[0])[:MAX_TEXTS]
        about = sum(1 for _, _, a in data if a)
        other = len(data) - about
        if not about or not other or epochs <= 0:
            return None
        # (lists, not arrays, while training: indexing a list boxes no float; same arithmetic)
        w = [0.0] * BUCKETS
        # the sum of step * update since the averaging began: the average is w - u / steps
        u = [0.0] * BUCKETS
        g2 = [1e-8] * BUCKETS
        bias, bias_u, bias_g2 = 0.0, 0.0, 1e-8
        step = 0  # steps since the averaging began (0 before: the first passes only learn)
        sqrt, rate, l2, weight_of = math.sqrt, _RATE, _L2, w.__getitem__
        for epoch in range(epochs):
            salt = f"{seed}:{epoch}:".encode()
            averaging = epoch >= epochs // 2
            for _, feats, label in sorted(data, key=lambda d: crc32(salt, d[0])):
                step += averaging
                p = _sigmoid(bias + sum(map(weight_of, feats)))
                g = p - 1.0 if label else p * other_weight
                for f in feats:
                    wf = w[f]
                    gf = g + l2 * wf
                    s2 = g2[f] + gf * gf
                    g2[f] = s2
                    delta = rate * gf / sqrt(s2)
                    w[f] = wf - delta
                    u[f] -= step * delta
                bias_g2 += g * g
                delta = rate * g / sqrt(bias_g2)
                bias -= delta
                bias_u -= step * delta
        step += 1
        average = array("f", (wi - ui / step for wi, ui in zip(w, u, strict=True)))
        return cls(average, bias - bias_u / step, (about, other))

    def probability(self, terms: Sequence[str]) -> float:
        """How sure the model is that a message with these terms is about a verification."""
        w = self.weights
        return _sigmoid(self.bias + sum(w[f] for f in features(terms)))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def train_from(texts: Iterable[tuple[str, bool]], terms_of: Callable[[str], list[str]],
               epochs: int, other_weight: float = 1.0) -> ScopeModel | None:
    """Train on (text, about) pairs, each read into terms by `terms_of` (the matcher's reading)
    once, however often it is listed; a text not about a verification weighs `other_weight`."""
    read: dict[str, list[str]] = {}

    def terms(text: str) -> list[str]:
        found = read.get(text)
        if found is None:
            found = read[text] = terms_of(text)
        return found

    return ScopeModel.train(((text, terms(text), about) for text, about in texts), epochs,
                            other_weight=other_weight)
