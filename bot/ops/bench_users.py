"""Bench section: engine + store at 1, 10 and 200 concurrent users, and the paired comparison
with an older version of the bot (`--baseline REV`), both running the same plan.

Every run is a fresh `bench_engine.py` process on a fresh database, so its peak memory (VmHWM)
is the whole process's: Python, the loaded knowledge in every language, the matcher, the engine,
the store and the 200 conversations.
"""

from __future__ import annotations

import json
import random
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_report import (
    ROOT,
    Section,
    Target,
    load_average,
    median,
    percentile,
    run_worker,
    spread,
    worker_env,
)

WORKER = Path(__file__).with_name("bench_engine.py")
#: open-loop runs: messages offered at these rates (a second) to the 200 users of the plan
OPEN_RATES = (300, 600)
#: what a user does, in turn, after their first message (a realistic one)
ROUTINE: tuple[tuple[str, ...], ...] = (
    ("press",), ("press",), ("question",), ("press",), ("command", "status"), ("press",),
    ("text",), ("press",), ("press",), ("command", "restart"), ("text",), ("press",),
)


def plan(samples: list[Sample], users: int, turns: int, seed: int = 5) -> dict[str, Any]:
    """Each user: a language, then `turns` actions starting with a realistic first message."""
    rng = random.Random(seed)
    by_lang: dict[str, list[Sample]] = {}
    for s in samples:
        by_lang.setdefault(s.lang, []).append(s)
    langs = sorted(by_lang)
    out = []
    for u in range(users):
        lang = langs[u % len(langs)]
        pool = by_lang[lang]
        questions = [s for s in pool if s.kind in ("description", "typo")] or pool
        actions: list[list[Any]] = []
        first = rng.choice([s for s in pool if s.kind in ("notice", "multi")] or pool)
        actions.append(["text", first.text, first.kind == "notice"])
        for i in range(turns - 1):
            step = ROUTINE[i % len(ROUTINE)]
            if step[0] == "press":
                actions.append(["press"])
            elif step[0] == "command":
                actions.append(["command", step[1]])
            else:
                s = rng.choice(questions if step[0] == "question" else pool)
                actions.append(["text", s.text, s.kind == "notice"])
        out.append({"id": f"u{u}", "lang": lang, "actions": actions})
    return {"users": out}


def checkout(rev: str, into: Path) -> Path | None:
    """Extract `rev` of this repository into `into` (git archive); None if it cannot."""
    try:
        data = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                              check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(tree: Path, plan_file: Path, db: Path, knowledge: Path | None = None,
         rate: float | None = None) -> dict[str, Any]:
    env = worker_env(pythonpath=str(tree))
    knowledge = knowledge or tree / "knowledge"
    offered = [str(rate)] if rate else []
    return run_worker(["-P", str(WORKER), str(plan_file), str(knowledge), str(db), *offered],
                      env=env, cwd=db.parent, timeout=1800)


def _good(sec: Section, runs: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    """The runs that finished; each failed one is reported under `what`."""
    for r in runs:
        if "error" in r:
            sec.fail(f"{what}: {r['error']}")
    return [r for r in runs if "error" not in r]


def section(samples: list[Sample], knowledge: Path, *, quick: bool,
            baseline: str | None) -> Section:
    sec = Section("Engine + store (Service.handle, SQLite on a fresh file, all users at once)")
    sec.notes.append(
        "each user: a realistic first message in their language, then presses, questions, "
        "/status, /restart; a fresh process per run; closed loop (each user sends as soon as "
        "answered: the most the bot can do) and open loop (messages offered at a fixed rate "
        "whatever the bot does: the latency users see when it is not saturated)")
    levels = ((1, 8), (10, 2), (200, 1)) if quick else ((1, 400), (10, 100), (200, 25))
    repeats = 1 if quick else 3
    pairs = 1 if quick else 5
    with tempfile.TemporaryDirectory(prefix="kyc-bench-users-") as tmp:
        work = Path(tmp)
        results: dict[int, list[dict[str, Any]]] = {}
        for users, turns in levels:
            plan_file = work / f"plan{users}.json"
            plan_file.write_text(json.dumps(plan(samples, users, turns)), encoding="utf-8")
            results[users] = [_run(ROOT, plan_file, work / f"u{users}-{r}.sqlite3", knowledge)
                              for r in range(repeats)]
        opened: dict[int, list[dict[str, Any]]] = {}
        for rate in OPEN_RATES:  # the 200 users' plan, offered at a fixed rate
            opened[rate] = [_run(ROOT, work / "plan200.json", work / f"open{rate}-{r}.sqlite3",
                                 knowledge, rate) for r in range(repeats)]
        base_tree = checkout(baseline, work / "baseline") if baseline else None
        ratios: list[float] = []
        if base_tree is not None:
            plan_file = work / "plan200.json"
            for p in range(pairs):
                a = _run(ROOT, plan_file, work / f"pair{p}a.sqlite3", knowledge)
                b = _run(base_tree, plan_file, work / f"pair{p}b.sqlite3")
                if "error" in a or "error" in b:
                    sec.fail(f"paired run {p}: {a.get('error') or b.get('error')}")
                    continue
                results[200].append(a)
                ratios.append(a["rate"] / b["rate"])
        elif baseline:
            sec.fail(f"baseline {baseline}: not found in git; no paired comparison")
    for users, _ in levels:
        good = _good(sec, results[users], f"{users} users")
        if not good:
            continue
        lat = [median([percentile(r["latencies_ms"], p) for r in good]) for p in (50, 99)]
        key = f"engine.users{users}"
        what = f"{users} concurrent user{'s' * (users > 1)}, median of {len(good)} runs"
        sec.add(f"{key}.messages_per_s", median([r["rate"] for r in good]), "msg/s",
                f"{what}: handled messages / wall time")
        sec.add(f"{key}.p50", lat[0], "ms", "one Service.handle call (load, engine, save)")
        sec.add(f"{key}.p99", lat[1], "ms", "the same, 99th percentile (saturated at 10 and "
                "200 users: the open-loop figures below carry #13's p99 target)")
        sec.add(f"{key}.cpu_per_message", median([r["cpu_ms_per_message"] for r in good]), "ms",
                "CPU of the whole process (all threads) per message")
        sec.add(f"{key}.rss", max(r["rss_mb"] for r in good), "MB",
                "peak RSS (VmHWM) of the process: knowledge in every language, matcher, store",
                Target("<", 150, "#13") if users == 200 else None)
        errors = sum(r["errors"] for r in good)
        if errors:
            sec.fail(f"{users} users: {errors} handle() calls raised "
                             f"({good[0]['first_error'] or 'see the runs'})")
    for rate in OPEN_RATES:
        good = _good(sec, opened[rate], f"open loop at {rate}/s")
        if not good:
            continue
        key = f"engine.open{rate}"
        lat = [median([percentile(r["latencies_ms"], p) for r in good]) for p in (50, 99)]
        sec.add(f"{key}.p50", lat[0], "ms",
                f"200 users, {rate} messages/s offered (Poisson arrivals), median of {len(good)} "
                "runs: from a message's arrival to its answer, waiting included")
        sec.add(f"{key}.p99", lat[1], "ms", "the same, 99th percentile",
                Target("<", 50, "#13") if rate == OPEN_RATES[0] else None)
        sec.add(f"{key}.max", median([max(r["latencies_ms"]) for r in good]), "ms",
                "the same, the slowest message")
        warm = [r["warm_latencies_ms"] for r in good if r.get("warm_latencies_ms")]
        sec.add(f"{key}.warm_p99", median([percentile(w, 99) for w in warm]) if warm else None,
                "ms", "the same, 99th percentile of the messages arriving after the first 2 s "
                "(the first ones meet cold caches and the first imports; n/a: none)")
        sec.add(f"{key}.messages_per_s", median([r["rate"] for r in good]), "msg/s",
                "handled messages / wall time (below the offered rate: the bot fell behind)")
        errors = sum(r["errors"] for r in good)
        if errors:
            sec.fail(f"open loop at {rate}/s: {errors} handle() calls raised")
    sec.add("engine.users200.vs_baseline", median(ratios) if ratios else None, "x",
            f"200 users' messages/s now / at {baseline or '(no --baseline given)'}, "
            f"{len(ratios)} pairs run alternately (A B A B), each on a fresh file",
            Target(">=", 2.0, "#13"), spread=spread(ratios) if ratios else None)
    sec.notes.append(f"load average after: {load_average()}")
    return sec
