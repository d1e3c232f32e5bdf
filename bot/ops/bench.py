"""`python -m bot bench`: knowledge load time, match latency, and engine + store throughput.

Two knowledge bases are measured: the bundled one, and a synthetic one 50 times larger (every
reason, topic and negative copied 49 more times under new ids, with perturbed examples), to show
how matching scales. Targets are printed next to the figures; the command reports, it does not
fail (exit 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.app.knowledge import load_knowledge as load_checked
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.ops.bench_privacy import bench_redaction
from bot.shared.errors import KnowledgeError
from bot.understanding.matcher import Matcher

logger = logging.getLogger(__name__)

HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "heldout.jsonl"
SCALE = 50

#: (bundled, 50x) targets in milliseconds; None = no target
TARGETS: dict[str, tuple[float | None, float | None]] = {
    "load": (300.0, None),
    "p50": (None, None),
    "p99": (2.0, 20.0),
}

_FILLER = ("please", "help", "now", "again", "today", "urgent", "hi", "so", "really", "why")


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table."""

    label: str
    value_ms: float | None
    target_ms: float | None = None
    note: str = ""


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000.0


def _median_ms(func: Callable[[], object], runs: int) -> float:
    return statistics.median(_timed(func) for _ in range(runs))


def _percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(pct / 100.0 * (len(ordered) - 1))))
    return ordered[k]


def bench_messages(kb: KnowledgeBase) -> list[str]:
    """Return the messages latency is measured on: the held-out set, else the examples."""
    if HELDOUT.is_file():
        out = []
        for line in HELDOUT.read_text(encoding="utf-8").splitlines():
            try:
                text = json.loads(line).get("text")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(text, str):
                out.append(text)
        if out:
            return out
    return [ex for r in kb.reasons.values() for ex in r.examples] + list(kb.negatives)


def match_latency(matcher: Matcher, messages: Sequence[str], passes: int) -> list[float]:
    """Return per-message match times in ms over `passes` passes (after one warm-up pass)."""
    for text in messages:
        matcher.match(text)
    times: list[float] = []
    for _ in range(passes):
        for text in messages:
            start = time.perf_counter()
            matcher.match(text)
            times.append((time.perf_counter() - start) * 1000.0)
    return times


def _perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_FILLER))
    return " ".join(words)


def _unique(text: str, copy: int, seen: set[str], rng: random.Random) -> str:
    """Return a perturbed `text` no other example has (the loader refuses duplicates)."""
    for _ in range(8):
        new = _perturb(text, rng)
        key = " ".join(new.lower().split())
        if key not in seen:
            seen.add(key)
            return new
    new = f"{text} {_FILLER[copy % len(_FILLER)]} {copy}"
    seen.add(" ".join(new.lower().split()))
    return new


def write_scaled_knowledge(source: Path, target: Path, scale: int, seed: int = 7) -> None:
    """Write a copy of the knowledge base at `source` into `target`, `scale` times larger."""
    rng = random.Random(seed)
    shutil.copytree(source, target, dirs_exist_ok=True)
    seen: set[str] = set()
    for folder in ("reasons", "topics"):
        for path in sorted((source / folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            seen.update(" ".join(str(ex).lower().split()) for ex in data.get("examples", []))
    negatives = source / "negatives.yaml"
    neg_data = yaml.safe_load(negatives.read_text(encoding="utf-8")) if negatives.is_file() else {}
    seen.update(" ".join(str(ex).lower().split()) for ex in neg_data.get("examples", []))
    for folder in ("reasons", "topics"):
        for path in sorted((source / folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for copy in range(1, scale):
                clone = dict(data)
                clone["id"] = f"{data['id']}_x{copy}"
                clone["examples"] = [_unique(str(ex), copy, seen, rng)
                                     for ex in data.get("examples", [])]
                if folder == "topics" and "related" in clone:
                    clone["related"] = [f"{r}_x{copy}" for r in clone["related"]]
                out = target / folder / f"{clone['id']}.yaml"
                out.write_text(yaml.safe_dump(clone, allow_unicode=True, sort_keys=False),
                               encoding="utf-8")
    if neg_data:
        base = [str(x) for x in neg_data.get("examples", [])]
        grown = list(base)
        for copy in range(1, scale):
            grown.extend(_unique(ex, copy, seen, rng) for ex in base)
        neg_data["examples"] = grown
        (target / "negatives.yaml").write_text(
            yaml.safe_dump(neg_data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def bench_knowledge(
    path: str, label: str, runs: int, passes: int, scale_index: int, *, checks: bool
) -> tuple[list[Row], KnowledgeBase, Matcher]:
    """Measure load+build time and match latency for the knowledge base at `path`."""
    holder: dict[str, object] = {}

    def load() -> None:
        kb = load_checked(path) if checks else load_knowledge(path)
        holder["kb"] = kb
        holder["matcher"] = Matcher.build(kb)

    load_ms = _median_ms(load, runs)
    kb: KnowledgeBase = holder["kb"]  # type: ignore[assignment]
    matcher: Matcher = holder["matcher"]  # type: ignore[assignment]
    build_ms = _median_ms(lambda: Matcher._build(kb), runs)
    messages = bench_messages(kb)
    times = match_latency(matcher, messages, passes)
    size = (f"{len(kb.reasons)} reasons, {len(kb.topics)} topics, "
            f"{kb.example_count} examples")
    how = "with example checks, as the bot starts" if checks else "without example checks"
    rows = [
        Row(f"{label}: {size}", None),
        Row(f"  load_knowledge ({how})", None),
        Row(f"    + Matcher.build, median of {runs}", load_ms, TARGETS["load"][scale_index]),
        Row("  Matcher.build alone", build_ms),
        Row(f"  match p50 ({len(times)} matches)", _percentile(times, 50),
            TARGETS["p50"][scale_index]),
        Row("  match p99", _percentile(times, 99), TARGETS["p99"][scale_index]),
        Row("  match max", max(times) if times else 0.0),
    ]
    return rows, kb, matcher


def bench_engine(args: argparse.Namespace, kb: KnowledgeBase, matcher: Matcher) -> list[Row]:
    """Engine + store throughput, memory, and the cost of one flooding user to the others."""
    from bot.ops.bench_engine import run_in_subprocess

    quick = bool(getattr(args, "quick", False))
    return [Row(line, None) for line in run_in_subprocess(args.knowledge, quick)]


def format_rows(rows: Sequence[Row]) -> str:
    """Return the benchmark table: label, measured value, target and whether it is met."""
    out = [f"{'':<58} {'measured':>10}  {'target':>10}"]
    for row in rows:
        if row.value_ms is None:
            out.append(row.label)
            continue
        value = f"{row.value_ms:8.2f} ms"
        target = f"< {row.target_ms:g} ms" if row.target_ms is not None else ""
        verdict = ""
        if row.target_ms is not None:
            verdict = "ok" if row.value_ms < row.target_ms else "MISSED"
        line = f"{row.label:<58} {value:>10}  {target:>10}  {verdict}"
        out.append(line.rstrip() + (f"  {row.note}" if row.note else ""))
    return "\n".join(out)


def cmd_bench(args: argparse.Namespace) -> int:
    """Print load time and match latency for the bundled and a 50x knowledge base."""
    quick = bool(getattr(args, "quick", False))
    runs, passes = (2, 1) if quick else (7, 5)
    rows, kb, matcher = bench_knowledge(args.knowledge, "bundled knowledge", runs, passes, 0,
                                        checks=True)
    with tempfile.TemporaryDirectory(prefix="kyc-bench-") as tmp:
        scaled = Path(tmp) / "knowledge"
        write_scaled_knowledge(Path(args.knowledge), scaled, SCALE)
        try:
            scaled_rows, _, _ = bench_knowledge(
                str(scaled), f"{SCALE}x synthetic knowledge", 1 if quick else 3,
                1 if quick else 2, 1, checks=False)
            rows += scaled_rows
        except KnowledgeError as exc:
            first = exc.problems[0] if exc.problems else str(exc)
            rows.append(Row(f"{SCALE}x synthetic knowledge: not loadable ({len(exc.problems)} "
                            f"problems, first: {first})", None))
    rows += bench_redaction(quick, Row)
    rows += bench_engine(args, kb, matcher)
    print(format_rows(rows))
    return 0
