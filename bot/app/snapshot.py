"""Knowledge bases kept on disk as loaded, checked and built, keyed by what they came from.

Loading the bundled knowledge parses ~100 YAML files, merges the languages, runs every check
(the matcher's match every example) and builds the matcher: seconds cold, ~0.4 s even with the
parse and matcher caches warm. A base that passed is stored, with the key of its matcher's own
cache file (so the matcher is written once), in the cache folder (`bot.understanding.cache`: `KYC_HELPER_CACHE_DIR`, `off` disables it), under a
hash of every file in its folder (names and bytes), of the code that reads and checks it
(`bot/knowledge`, `bot/understanding`, the button check, this module) and of where it was read
from (the folder as given and the working directory, which its problem lines are relative to).
Any edit builds afresh; a base with errors is never stored; an unusable file is only slower.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.understanding import cache
from bot.understanding.matcher import Matcher

_BOT = Path(__file__).resolve().parent.parent
_CODE = ("knowledge", "understanding", "core/payload.py", "app/knowledge.py", "app/snapshot.py")


def read_only(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only mapping again (how a stored one is read back)."""
    return MappingProxyType(items)


def _proxy(value: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return read_only, (dict(value),)


copyreg.pickle(MappingProxyType, _proxy)  # the model's read-only mappings


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    digest = hashlib.sha256()
    for name in _CODE:
        place = _BOT / name
        for path in sorted(place.rglob("*.py")) if place.is_dir() else [place]:
            digest.update(str(path.relative_to(_BOT)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def key(path: str | os.PathLike[str]) -> str:
    """Return the cache key of the knowledge folder at `path` as it is now."""
    digest = hashlib.sha256(_code_version())
    root = Path(path)
    digest.update(f"{os.fspath(path)}\0{os.getcwd()}\0".encode("utf-8", "surrogatepass"))
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        data = file.read_bytes()
        digest.update(f"{file.relative_to(root)}\0{len(data)}\0".encode("utf-8", "surrogatepass"))
        digest.update(data)
    return digest.hexdigest()[:32]


def load(path: str | os.PathLike[str], build: Callable[[], tuple[Any, Matcher]]
         ) -> tuple[Any, bool]:
    """Return (the knowledge base at `path`, whether it was built now rather than read back).

    `build` loads it with every check and returns it with its matcher; it raises on errors.
    """
    with _collector_paused():
        if cache.cache_dir() is None or not Path(path).is_dir():
            return build()[0], True
        built = False

        def make() -> tuple[Any, str | None, list[str]]:
            nonlocal built
            built = True
            kb, matcher = build()
            return kb, matcher.build_key, matcher.segmenter_words

        kb, matcher_key, words = cache.cached(key(path), make, kind="knowledge")
        if not built:  # the matcher's own cache file holds it (built if that file is gone)
            matcher = (cache.cached(matcher_key, lambda: Matcher.build(kb)) if matcher_key
                       else Matcher.build(kb))
            Matcher.adopt(kb, matcher, matcher_key, words)
        return kb, built


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a load makes ~10^6 objects that live on, and walking
    them again and again as they are made doubled the time of reading them back."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def matcher_of(kb: Any) -> Matcher:
    """Return the matcher serving `kb` (built by its checks already)."""
    return Matcher.build(kb)
