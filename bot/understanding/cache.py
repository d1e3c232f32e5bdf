"""Keep built matchers on disk, keyed by a hash of everything they are built from.

Building reads every knowledge text in every language (a few seconds cold); a bot restarting
on unchanged knowledge and code loads the result instead (well under a second). The key covers
the matcher's source code, its settings, word lists and every text, so an edit to any of them
builds afresh: operators never run a training or build step by hand. The example checks the bot
runs at start (`checks`) are kept the same way, under the matcher's key and every example's
place in its file.

The folder is `KYC_HELPER_CACHE_DIR` (default `~/.cache/kyc-helper`); `off` disables it. A cache
that cannot be read or written is only a slower start, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from bot.shared.logtext import Ours

logger = logging.getLogger(__name__)
#: cache folders a file could not be written to (warned about once)
_unwritable: set[Path] = set()

T = TypeVar("T")
_CODE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _code_version() -> str:
    digest = hashlib.sha256()
    for path in sorted([*_CODE.glob("*.py"), *_CODE.glob("*.txt")]):  # (the segmenter's words)
        if path.name != "redact.py":
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """Return the cache folder, or None when caching is off."""
    value = os.environ.get("KYC_HELPER_CACHE_DIR", "")
    if value.lower() == "off":
        return None
    return Path(value) if value else Path.home() / ".cache" / "kyc-helper"


def fingerprint(*inputs: object) -> str:
    """Return a hash of the matcher's code and of `inputs` (plain data: str, numbers, lists)."""
    digest = hashlib.sha256(_code_version().encode())
    digest.update(repr(inputs).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def cached(key: str, build: Callable[[], T], kind: str = "matcher") -> T:
    """Return the object of `kind` stored under `key`, or `build()` it and store it."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{kind}-{key}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # our own file, written below  # noqa: S301
    except FileNotFoundError:
        pass
    except Exception as exc:  # a stale or broken file: build again
        logger.info(Ours("%s cache %s not usable (%s); building"), kind, path, _why(exc))
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
        _prune(folder, kind, keep=path)
    except Exception as exc:
        # (once per folder: without it every start builds everything again, ~20 s)
        level = logging.INFO if folder in _unwritable else logging.WARNING
        _unwritable.add(folder)
        logger.log(level, Ours("%s cache not written to %s (%s): every start builds it again; "
                               "make the folder writable or set KYC_HELPER_CACHE_DIR"),
                   kind, folder, _why(exc))
    return value


def _why(exc: Exception) -> str:
    """What went wrong, in the operating system's words or as the error's type: never the
    error's own text, which a log line marked `Ours` would not redact."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _prune(folder: Path, kind: str, keep: Path, max_files: int = 8) -> None:
    """Delete all but the newest `max_files` cached objects of `kind` (another process may be
    pruning the same folder: a file gone meanwhile is simply gone)."""
    files = sorted(folder.glob(f"{kind}-*.pickle"), key=_mtime, reverse=True)
    for old in files[max_files:]:
        if old != keep:
            old.unlink(missing_ok=True)
