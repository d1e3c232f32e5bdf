"""Bench worker: start-up (load with checks + matcher build) and first-seen match latency.

Run in a fresh process per measurement (`python -m bot.ops.bench_match MODE ...`), so caches
in memory are cold, and its peak memory is its own. Prints one JSON object.

    start KNOWLEDGE CORPUS.json   the knowledge loaded as the bot starts (every check) + Matcher.build,
                                  warm up on knowledge examples, then match every corpus
                                  message once (each is new to this process)
    build KNOWLEDGE               the files loaded without checks, then Matcher.build alone, timed
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import warmup
from bot.ops.bench_report import emit, load_as_bot, load_files_only, vm_hwm_mb

WARMUP = 200


def matcher_call(matcher: Any) -> Callable[[str, str], object]:
    """`match(text, lang)` on whatever the matcher's signature is today."""
    params = inspect.signature(matcher.match).parameters
    if "lang" in params:
        return lambda text, lang: matcher.match(text, lang=lang)
    return lambda text, lang: matcher.match(text)


def start(knowledge: str, corpus_file: str) -> dict[str, Any]:
    from bot.understanding.matcher import Matcher

    t0 = time.perf_counter()
    kb = load_as_bot(knowledge)
    matcher = Matcher.build(kb)
    t1 = time.perf_counter()
    rss_loaded = vm_hwm_mb()
    match = matcher_call(matcher)
    for text in warmup(Path(knowledge), WARMUP):
        match(text, "en")
    samples = json.loads(Path(corpus_file).read_text(encoding="utf-8")) if corpus_file else []
    times: list[list[Any]] = []
    clock = time.perf_counter
    for s in samples:
        a = clock()
        match(s["text"], s["lang"])
        times.append([s["lang"], s["kind"], (clock() - a) * 1000.0])
    return {
        "load_s": t1 - t0,
        "examples": kb.example_count,
        "entries": len(kb.reasons) + len(kb.topics),
        "rss_loaded_mb": rss_loaded,
        "rss_mb": vm_hwm_mb(),
        "times": times,
    }


def build(knowledge: str) -> dict[str, Any]:
    from bot.understanding.matcher import Matcher

    kb = load_files_only(knowledge)
    t0 = time.perf_counter()
    Matcher.build(kb)
    return {"build_s": time.perf_counter() - t0, "rss_mb": vm_hwm_mb()}


def main(argv: list[str]) -> dict[str, Any]:
    from bot.shared.errors import KnowledgeError

    try:
        if argv[0] == "start":
            return start(argv[1], argv[2] if len(argv) > 2 else "")
        return build(argv[1])
    except KnowledgeError as exc:  # the caller may make the base again
        first = exc.problems[0] if exc.problems else str(exc)
        return {"error": f"KnowledgeError: {len(exc.problems)} problems, first: {first[:300]}"}


if __name__ == "__main__":
    emit(main(sys.argv[1:]))
