"""What a message is about: a Binance identity verification, or something else.

Word lists of other places (`other_contexts`) catch what they name, and break messages that
name the same places in passing ("an agent at the phone shop registered me"). This model reads
the whole message instead: a logistic regression over its terms and pairs of adjacent terms,
trained at build from real messages labelled about a verification or not (knowledge/scope/),
the reasons' and topics' examples and notices (about) and the negatives (not about). Its
probability that a message is about a verification gates the match (`decide`, policy.yaml
`scope_floor`): under it, a message that names no reason list gets no reason and no topic.

Features are hashed (CRC-32 into `BUCKETS` slots: a few collisions only blur two rare
features), weights kept in one `array` of floats; training is AdaGrad with a little L2, in a
fixed order (a seeded shuffle), so the same knowledge always gives the same model. The classes
count as often as they are found (most messages are about a verification): a message with no
word the model knows, "ok" or a name, stays near that prior, well above the floor. Measured
with blind32-35 held out of training (17,254 messages and the knowledge's 5,403 texts): at
0.4, 2 of 1,714 rightly read messages lost, 47 of 83 wrongly matched ones left unmatched. It is part of the matcher, so the disk cache keeps it with the rest.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Callable, Iterable, Sequence
from zlib import crc32

#: feature slots (a power of two); ~60,000 distinct features in the bundled knowledge
BUCKETS = 1 << 18
#: L2 weight decay per update
_L2 = 1e-4
#: AdaGrad's step size
_RATE = 0.5
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
    def train(cls, examples: Iterable[tuple[Sequence[str], bool]], epochs: int,
              seed: int = 0) -> ScopeModel | None:
        """Fit on (terms, about) pairs; None when one side has no text (nothing to tell apart)."""
        data = [(features(terms), about) for terms, about in examples if terms]
        about = sum(1 for _, a in data if a)
        other = len(data) - about
        if not about or not other or epochs <= 0:
            return None
        w = array("d", bytes(8 * BUCKETS))
        g2 = array("d", [1e-8]) * BUCKETS
        bias, bias_g2 = 0.0, 1e-8
        order = list(range(len(data)))
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(order)
            for i in order:
                feats, label = data[i]
                z = bias + sum(w[f] for f in feats)
                p = _sigmoid(z)
                g = p - (1.0 if label else 0.0)
                for f in feats:
                    gf = g + _L2 * w[f]
                    g2[f] += gf * gf
                    w[f] -= _RATE * gf / math.sqrt(g2[f])
                bias_g2 += g * g
                bias -= _RATE * g / math.sqrt(bias_g2)
        return cls(array("f", w), bias, (about, other))

    def probability(self, terms: Sequence[str]) -> float:
        """How sure the model is that a message with these terms is about a verification."""
        w = self.weights
        return _sigmoid(self.bias + sum(w[f] for f in features(terms)))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def train_from(texts: Iterable[tuple[str, bool]], terms_of: Callable[[str], list[str]],
               epochs: int) -> ScopeModel | None:
    """Train on (text, about) pairs, each read into terms by `terms_of` (the matcher's reading)."""
    return ScopeModel.train(((terms_of(text), about) for text, about in texts), epochs)
