"""Short typed answers: intents ("it passed", "я отправил заново", "通过了") and button labels.

The engine calls these instead of matching text itself, so every reading of user text goes
through `text.clean` (Traditional Chinese, Unicode, case) and `tokens.words` (Chinese has no
spaces, so words are counted after segmentation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from bot.understanding.text import clean, is_han
from bot.understanding.tokens import words

#: characters of a typed answer that are read
_LIMIT = 500


def simple(text: str) -> str:
    """Return `text` as short answers are compared: cleaned, words joined by single spaces."""
    return " ".join(words(clean(text, _LIMIT)))


class IntentMatcher:
    """Recognise a short message as one of the intents phrased in messages.yaml."""

    def __init__(self, intents: Mapping[str, Sequence[str]], negations: Iterable[str],
                 cutoff: float, max_words: int) -> None:
        self.cutoff = cutoff
        self.max_words = max_words
        self.negation_words = frozenset(w for n in negations for w in simple(str(n)).split())
        self._phrases: list[tuple[str, str]] = [
            (p, name) for name, phrases in intents.items()
            for p in dict.fromkeys(simple(str(phrase)) for phrase in phrases) if p
        ]
        self._choices = [p for p, _ in self._phrases]

    def intent(self, text: str) -> str | None:
        """Return the intent a short message expresses ("resubmitted", "next"...), if any."""
        said = simple(text)
        if not said or len(said.split()) > self.max_words or not self._phrases:
            return None
        found = process.extractOne(said, self._choices, scorer=fuzz.ratio, processor=None,
                                   score_cutoff=self.cutoff)
        if found is None:
            return None
        phrase, name = self._phrases[found[2]]
        # "I haven't resubmitted" is close to "I resubmitted" but means the opposite
        if self.negations(said) - self.negations(phrase):
            return None
        return name

    def negations(self, said: str) -> set[str]:
        """Return the negation words (matching.yaml `negations`, every language) in `said`."""
        return set(said.split()) & self.negation_words


def pick_option(text: str, labels: Sequence[str], cutoff: float, max_words: int = 8) -> int | None:
    """Return the index of the button label a typed answer names ("2", "name", "my old account").

    A number presses that button; otherwise the closest label (rapidfuzz ratio >= `cutoff`), or
    the one label containing every word (of three letters or more) of a short answer.
    """
    stripped = text.strip().rstrip(".)")
    if stripped.isascii() and stripped.isdigit():
        number = int(stripped)
        return number - 1 if 1 <= number <= len(labels) else None
    said = simple(text)
    if not said or len(said.split()) > max_words:
        return None
    simple_labels = [simple(label) for label in labels]
    found = process.extractOne(said, simple_labels, scorer=fuzz.ratio, processor=None,
                               score_cutoff=cutoff)
    if found is not None:
        return int(found[2])
    wanted = {w for w in said.split() if len(w) >= 3 or is_han(w[0])}
    if not wanted:
        return None
    hits = [i for i, label in enumerate(simple_labels) if wanted <= set(label.split())]
    return hits[0] if len(hits) == 1 else None
