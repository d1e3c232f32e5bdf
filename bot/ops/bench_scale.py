"""Knowledge bases N times larger than the bundled one, that pass `validate` (for the bench).

Each reason and topic gets N-1 new siblings, in every language the knowledge base has. A sibling
keeps its original's structure (steps, options, texts) under a new id, and gets two invented
words of its own (a made-up product or document name, such as "tavomiru"), which appear in its
title, keywords and notices. Its examples are new sentences: word-level recombinations of two of
its original's examples (the start of one, the end of another; halves of characters where a
language does not separate words) with one of its invented words inserted. negatives.yaml grows
the same way (halves of two negatives, no invented word). Every example is distinct; the point
is a base the bot's own validator accepts, with an index that grows like a real one would.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "tr",
           "pl", "br")
_VOWELS = ("a", "e", "i", "o", "u")


def _key(text: str) -> str:
    return " ".join(str(text).casefold().split())


class _Words:
    """Invented words: 3-4 open syllables, all distinct."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            n = self.rng.choice((3, 4))
            word = "".join(self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) for _ in range(n))
            if word not in self.used:
                self.used.add(word)
                return word


def _halves(text: str) -> list[str]:
    words = text.split()
    return words if len(words) > 1 else list(text)


def _join(parts: list[str], spaced: bool) -> str:
    return " ".join(parts) if spaced else "".join(parts)


def recombine(a: str, b: str, rng: random.Random, insert: str | None) -> str:
    """The start of `a` and the end of `b` (by words, or characters), with `insert` placed in."""
    spaced = len(a.split()) > 1 or len(b.split()) > 1
    pa, pb = _halves(a), _halves(b)
    cut_a = rng.randint(1, max(1, len(pa) - 1)) if len(pa) > 1 else len(pa)
    cut_b = rng.randint(1, max(1, len(pb) - 1)) if len(pb) > 1 else 0
    parts = pa[:cut_a] + pb[cut_b:]
    if insert:
        parts.insert(rng.randint(0, len(parts)), insert if spaced else f" {insert} ")
    return _join(parts, spaced).strip()


def _unique(make: Any, seen: set[str], fallback: str) -> str:
    for _ in range(12):
        text = make()
        if _key(text) not in seen:
            seen.add(_key(text))
            return text
    seen.add(_key(fallback))
    return fallback


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6),
                    encoding="utf-8")


_WORD = re.compile(r"[^\W\d_]{4,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
SHARED_IN = 4  # a word in the examples of this many entries is common to the domain: kept


class _Cipher:
    """One sibling's own vocabulary: each of its original's rarer words (and Chinese or
    Japanese characters) always becomes the same new word (character); common words stay."""

    def __init__(self, words: _Words, shared: set[str], rng: random.Random) -> None:
        self.words, self.shared, self.rng = words, shared, rng
        self.map: dict[str, str] = {}

    def _word(self, m: re.Match[str]) -> str:
        w = m.group(0)
        if w.casefold() in self.shared:
            return w
        if w.casefold() not in self.map:
            self.map[w.casefold()] = self.words.new()
        return self.map[w.casefold()]

    def _char(self, m: re.Match[str]) -> str:
        c = m.group(0)
        if c in self.shared:
            return c
        if c not in self.map:
            self.map[c] = chr(self.rng.randrange(0x4E00, 0x9FA5))
        return self.map[c]

    def own(self, text: str) -> str:
        """`text`, with one of this sibling's own words added if it has none."""
        mine = set(self.map.values())
        if any(w.casefold() in mine for w in _WORD.findall(text)) or any(
                c in mine for c in _CJK.findall(text)):
            return text
        if not mine:
            self.map["\0"] = self.words.new()
        return f"{text} {self.rng.choice(sorted(set(self.map.values())))}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        return _CJK.sub(self._char, _WORD.sub(self._word, value))


def _shared_words(folder: Path) -> set[str]:
    """Words (and CJK characters) found in the examples of SHARED_IN entries or more."""
    where: dict[str, set[str]] = {}
    for sub in ("reasons", "topics"):
        for path in (folder / sub).glob("*.yaml"):
            for ex in _read(path).get("examples") or []:
                text = str(ex)
                for token in {w.casefold() for w in _WORD.findall(text)} | set(_CJK.findall(text)):
                    where.setdefault(token, set()).add(path.stem)
    return {t for t, entries in where.items() if len(entries) >= SHARED_IN}


def _examples(examples: list[Any], cipher: _Cipher, rng: random.Random,
              seen: set[str]) -> list[str]:
    texts = [str(e) for e in examples]
    out = []
    for ex in texts:
        other = texts[rng.randrange(len(texts))] if len(texts) > 1 else ex
        out.append(_unique(lambda ex=ex, other=other: cipher.own(cipher(recombine(ex, other, rng, None))),
                           seen, cipher(f"{ex} {other}") + f" {cipher.words.new()}"))
    return out


def _clone(data: dict[str, Any], new_id: str, cipher: _Cipher, rng: random.Random,
           seen: set[str], ids: dict[str, str]) -> dict[str, Any]:
    out = dict(data)
    out["id"] = new_id
    for key in ("title", "notices", "keywords", "negative_keywords"):
        if data.get(key):
            value = data[key]
            out[key] = [cipher(v) for v in value] if isinstance(value, list) else cipher(value)
    if data.get("examples"):
        out["examples"] = _examples(data["examples"], cipher, rng, seen)
    if data.get("related"):
        out["related"] = [ids.get(r, r) for r in data["related"]]
    return out


def _grow_negatives(path: Path, scale: int, rng: random.Random, seen: set[str],
                    ciphers: list[_Cipher]) -> None:
    if not path.is_file():
        return
    data = _read(path)
    base = [str(x) for x in data.get("examples") or []]
    longer = [x for x in base if len(_halves(x)) > 2] or base
    grown = list(base)
    for copy in range(1, scale):
        cipher = ciphers[copy - 1]
        for ex in base:
            other = rng.choice(longer)
            grown.append(_unique(lambda ex=ex, other=other, cipher=cipher:
                                 cipher(recombine(other, ex, rng, None)),
                                 seen, cipher(f"{ex} {other}") + f" {cipher.words.new()}"))
    data["examples"] = grown
    _write(path, data)


def write_scaled(source: Path, target: Path, scale: int, seed: int = 7) -> dict[str, int]:
    """Write `source` grown `scale` times into `target`; return counts of what was written."""
    rng = random.Random(seed)
    shutil.copytree(source, target, dirs_exist_ok=True)
    folders = [target] + sorted(p for p in (target / "i18n").glob("*") if p.is_dir())
    seen: set[str] = set()
    for folder in folders:
        for sub in ("reasons", "topics"):
            for path in (folder / sub).glob("*.yaml"):
                seen.update(_key(x) for x in _read(path).get("examples") or [])
        if (folder / "negatives.yaml").is_file():
            seen.update(_key(x) for x in _read(folder / "negatives.yaml").get("examples") or [])
    words = _Words(rng)
    base_ids = {sub: sorted(p.stem for p in (source / sub).glob("*.yaml"))
                for sub in ("reasons", "topics")}
    shared = {folder: _shared_words(folder) for folder in folders}
    entries = 0
    for copy in range(1, scale):
        ids = {t: f"{t}_v{copy}" for t in base_ids["topics"]}
        for sub, idents in base_ids.items():
            for ident in idents:
                new_id = f"{ident}_v{copy}"
                for folder in folders:
                    original = folder / sub / f"{ident}.yaml"
                    if original.is_file():
                        cipher = _Cipher(words, shared[folder], rng)
                        clone = _clone(_read(original), new_id, cipher, rng, seen, ids)
                        _write(folder / sub / f"{new_id}.yaml", clone)
                entries += 1
    for folder in folders:
        ciphers = [_Cipher(words, shared[folder], rng) for _ in range(1, scale)]
        _grow_negatives(folder / "negatives.yaml", scale, rng, seen, ciphers)
    return {"entries_added": entries, "languages": len(folders)}


# -- repair: what the validator still refuses is dropped, as an operator would ---------------

_LOCATION = re.compile(r"^(?P<path>.+?\.ya?ml):(?P<line>\d+): ")


def _drop_lines(path: Path, lines: set[int]) -> int:
    """Drop the `examples` items that start on `lines` (1-based) of `path`; return how many."""
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return 0
    data = _read(path)
    for key, value in root.value:
        if key.value == "examples" and isinstance(value, yaml.SequenceNode):
            drop = {i for i, item in enumerate(value.value) if item.start_mark.line + 1 in lines}
            if drop:
                data["examples"] = [x for i, x in enumerate(data["examples"]) if i not in drop]
                _write(path, data)
            return len(drop)
    return 0


def repair(target: Path, problems: list[str]) -> int:
    """Drop every example a problem points at; return how many were dropped."""
    where: dict[Path, set[int]] = {}
    for problem in problems:
        m = _LOCATION.match(problem)
        if m:
            where.setdefault(Path(m["path"]), set()).add(int(m["line"]))
    return sum(_drop_lines(p, lines) for p, lines in where.items() if p.is_file())


def validate(target: Path) -> list[str]:
    """The problems the bot's loader finds in `target` (what `python -m bot validate` prints)."""
    from bot.ops.bench_report import load_as_bot
    from bot.shared.errors import KnowledgeError

    try:
        load_as_bot(str(target))
    except KnowledgeError as exc:
        return exc.problems or [str(exc)]
    return []


def make(source: Path, target: Path, scale: int, rounds: int = 3) -> dict[str, Any]:
    """Write the scaled base and repair it until `validate` passes (or `rounds` run out).

    Above 10x, one round only and no confirming run (each takes as long as a start-up with
    checks): the caller's start-up with checks is the confirmation, and reports what is left.
    """
    info: dict[str, Any] = dict(write_scaled(source, target, scale))
    for folder in [target, *sorted((target / "i18n").glob("*"))]:  # one YAML style for repair
        for path in [*folder.glob("reasons/*.yaml"), *folder.glob("topics/*.yaml")]:
            _write(path, _read(path))
    if scale > 10:
        rounds = 1
    dropped = 0
    problems = validate(target)
    for r in range(rounds):
        if not problems:
            break
        n = repair(target, problems)
        if n == 0:
            break
        dropped += n
        problems = validate(target) if r + 1 < rounds or scale <= 10 else []
    info.update(dropped=dropped, problems=len(problems), first_problem=problems[0] if problems else "",
                confirmed=scale <= 10)
    return info


if __name__ == "__main__":
    import json
    import sys

    src, dst, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(make(src, dst, n)))
