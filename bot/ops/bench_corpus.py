"""Realistic, first-seen messages for the bench, in every language the knowledge base offers.

Made from the seeds in `bench_corpus.yaml` (own-words descriptions and off-topic messages written
for the bench) and from the platforms' notices in `knowledge/` (framed as a forwarded email or
app message), combined into several-reason messages and perturbed with typos and casing. No text
is a knowledge example (those are what the bot has seen: it matches them all at start-up) and
none is read from tests/. Deterministic for a given seed and knowledge base.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SEEDS = Path(__file__).with_name("bench_corpus.yaml")
KINDS = ("notice", "description", "typo", "multi", "out_of_scope")
_WEIGHTS = (25, 25, 20, 15, 15)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x", "а": "вп", "е": "кн", "и": "мт", "о": "рл", "р": "оп", "с": "чм",
    "т": "иь", "н": "ег", "в": "ыа", "л": "од", "к": "уе", "м": "си", "п": "ар", "у": "кц",
}


@dataclass(frozen=True)
class Sample:
    lang: str
    kind: str
    text: str


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def languages(knowledge: Path) -> list[str]:
    """English plus every knowledge/i18n/<lang>/ overlay that has reasons."""
    i18n = knowledge / "i18n"
    found = sorted(p.name for p in i18n.iterdir() if (p / "reasons").is_dir()) if i18n.is_dir() else []
    return ["en", *[lang for lang in found if lang != "en"]]


def _folder(knowledge: Path, lang: str) -> Path:
    return knowledge if lang == "en" else knowledge / "i18n" / lang


def notices(knowledge: Path, lang: str) -> list[str]:
    out: list[str] = []
    for path in sorted((_folder(knowledge, lang) / "reasons").glob("*.yaml")):
        out += [str(n) for n in _read(path).get("notices") or [] if isinstance(n, str)]
    return out


def knowledge_examples(knowledge: Path) -> list[str]:
    """Every example and negative in the knowledge base, every language (what the bot has seen)."""
    out: list[str] = []
    for lang in languages(knowledge):
        folder = _folder(knowledge, lang)
        for sub in ("reasons", "topics"):
            for path in sorted((folder / sub).glob("*.yaml")):
                out += [str(x) for x in _read(path).get("examples") or []]
        out += [str(x) for x in _read(folder / "negatives.yaml").get("examples") or []]
    return out


def typo(text: str, rng: random.Random, count: int = 0) -> str:
    """Return `text` with 1-2 slips of the finger (or of the input method, for Chinese)."""
    chars = list(text)
    for _ in range(count or rng.choice((1, 1, 2))):
        spots = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(spots) < 4:
            break
        i = rng.choice(spots[1:-1])
        c = chars[i]
        op = rng.randrange(4)
        if op == 0 and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], c
        elif op == 1:
            del chars[i]
        elif op == 2:
            chars.insert(i, c)
        elif not _CJK.match(c) and c.lower() in _NEIGHBOURS:
            chars[i] = rng.choice(_NEIGHBOURS[c.lower()])
        else:
            del chars[i]
    return "".join(chars)


def _casing(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return text.upper()
    if roll < 0.45:
        return text.lower()
    if roll < 0.7:
        return text[:1].upper() + text[1:]
    return text


class _Maker:
    def __init__(self, knowledge: Path, lang: str, seeds: dict, rng: random.Random) -> None:
        self.lang = lang
        self.rng = rng
        self.notices = notices(knowledge, lang)
        self.descriptions = [str(x) for x in seeds.get("descriptions") or []]
        self.oos = [str(x) for x in seeds.get("out_of_scope") or []]
        self.framing = [str(x) for x in seeds.get("framing") or ["{notice}"]]
        self.joiners = [str(x) for x in seeds.get("joiners") or ["; "]]
        self.prefixes = [str(x) for x in seeds.get("prefixes") or [""]]
        self.suffixes = [str(x) for x in seeds.get("suffixes") or [""]]
        if not self.descriptions:  # a language without seeds: its own notices, perturbed
            self.descriptions = list(self.notices)

    def _dress(self, text: str) -> str:
        r = self.rng
        if r.random() < 0.3:
            text = r.choice(self.prefixes) + text
        if r.random() < 0.3:
            text = text + r.choice(self.suffixes)
        return text

    def _frame(self, notice: str) -> str:
        return self.rng.choice(self.framing).replace("{notice}", notice)

    def make(self, kind: str) -> str | None:
        r = self.rng
        if kind == "notice":
            return self._frame(r.choice(self.notices)) if self.notices else None
        if kind == "description":
            return self._dress(r.choice(self.descriptions))
        if kind == "typo":
            base = r.choice(self.descriptions + self.notices)
            return _casing(typo(self._dress(base), r), r)
        if kind == "multi":
            roll = r.random()
            if roll < 0.4 and len(self.notices) > 1:
                picked = r.sample(self.notices, r.choice((2, 2, 3)))
                sep = r.choice(("; ", "\n- ", "\n"))
                return self._frame(sep.join(picked))
            a, b = r.sample(self.descriptions, 2)
            if roll < 0.7 and self.notices:
                a = self._frame(r.choice(self.notices))
            return self._dress(a + r.choice(self.joiners) + b)
        if kind == "out_of_scope":
            text = self._dress(r.choice(self.oos)) if self.oos else None
            return _casing(typo(text, r), r) if text and r.random() < 0.3 else text
        raise ValueError(kind)


def generate(knowledge: Path, per_language: int, seed: int = 11) -> list[Sample]:
    """Return `per_language` distinct messages for each language, none a knowledge example."""
    seeds = _read(SEEDS)
    seen = {_key(t) for t in knowledge_examples(knowledge)}
    out: list[Sample] = []
    for lang in languages(knowledge):
        rng = random.Random(f"{seed}-{lang}")
        maker = _Maker(knowledge, lang, seeds.get(lang) or {}, rng)
        made = 0
        for _ in range(per_language * 50):
            if made >= per_language:
                break
            kind = rng.choices(KINDS, _WEIGHTS)[0]
            text = maker.make(kind)
            if not text or _key(text) in seen:
                continue
            seen.add(_key(text))
            out.append(Sample(lang, kind, text))
            made += 1
    return out


def warmup(knowledge: Path, count: int) -> list[str]:
    """Texts to warm up on: knowledge examples (never measured)."""
    texts = knowledge_examples(knowledge)
    return texts[:: max(1, len(texts) // max(1, count))][:count]
