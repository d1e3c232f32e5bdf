"""Parsed knowledge files kept on disk, keyed by a hash of the file's text and the parser's code.

Parsing YAML with line numbers is most of a knowledge load; a bot restarting (or a test run
loading the same files again) on unchanged files reads the parsed result instead. Any edit to a
file, or to `yamlfile.py` or `ytypes.py`, changes the key. The folder is `KYC_HELPER_CACHE_DIR` (default
`~/.cache/kyc-helper`, shared with the matcher's cache); `off` disables it. A cache that cannot be
read or written only makes the load slower, never fails it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    # the parser's files, read without importing the parser (a cached load needs no YAML code)
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes()
                                   for name in ("yamlfile.py", "ytypes.py"))).digest()


def _folder() -> Path | None:
    value = os.environ.get("KYC_HELPER_CACHE_DIR", "")
    if value.lower() == "off":
        return None
    return (Path(value) if value else Path.home() / ".cache" / "kyc-helper") / "knowledge-yaml"


def parse(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Return `yamlfile.parse_yaml(text)`, from the cache when this exact text was parsed before.

    Raises `yaml.YAMLError` on a syntax error (never cached).
    """
    from bot.knowledge import yamlfile  # the YAML parser is imported only when a file is parsed

    folder = _folder()
    if folder is None:
        return yamlfile.parse_yaml(text)
    key = hashlib.sha256(_code_version() + text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)  # noqa: S301 - our own cache folder, written below
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged entry: parse again and overwrite it
        logger.debug("knowledge parse cache %s unreadable: %s", path, exc)
    result = yamlfile.parse_yaml(text)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
    except OSError as exc:
        logger.debug("knowledge parse cache not written (%s)", exc)
    return result
