"""`make bench` figures for the redactor: time per message on the blind personal-data corpus,
and the slowest of many hostile 4 KB messages (runs of the shapes every rule looks for)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from bot.understanding.privacy import redact

BLIND = Path(__file__).resolve().parents[2] / "tests" / "data" / "pii" / "blind.jsonl"
FRAGMENTS = (
    "a@", "x@x.", "1", "1 ", "1.", "+1 (", "born 1.1.1990 ", "password: ", "my name is ",
    "Jon ", "abandon ", "0x", "12 Baker Street, ", "[name] ", "at gmail dot ", "Calle ", "密码是",
    "路88号", "(", "Ab1", "UID ", "order ", "cvv ", "TRC20 ", "\n",
)
TARGET_MS = 50.0  # no message may delay another user's reply by more than this (issue #12)


def _hostile(rng: random.Random, size: int = 4096) -> str:
    parts: list[str] = []
    total = 0
    while total < size:
        piece = rng.choice(FRAGMENTS) * rng.randint(1, 200)
        parts.append(piece)
        total += len(piece)
    return "".join(parts)[:size]


def _times(texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        start = time.perf_counter()
        redact(text)
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def bench_redaction(quick: bool, row: Any) -> list[Any]:
    """Rows for the bench table (`row` is bench.Row)."""
    corpus = [json.loads(line)["text"] for line in BLIND.read_text(encoding="utf-8").splitlines()]
    redact("warm up: my name is Jon Smith")
    times = sorted(_times(corpus))
    rng = random.Random(12)
    count = 200 if quick else 2000
    hostile = _times([_hostile(rng) for _ in range(count)])
    return [
        row(f"redact, blind personal-data corpus ({len(corpus)} messages)", None),
        row("  redact p50", times[len(times) // 2]),
        row("  redact max", times[-1]),
        row(f"  redact max over {count} hostile 4 KB messages", max(hostile), TARGET_MS),
    ]
