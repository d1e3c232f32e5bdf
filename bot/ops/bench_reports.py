"""Bench section: the operators' `unmatched` command on a database holding N distinct texts the
bot could not place (#13: 8,000 in under 2 s).

The database is filled through the real service (`Service.handle`, many users at once) with
generated off-topic messages, every one different (cooking, weather, sport, travel, with an
invented word in each); then `python -m bot unmatched` runs on it as a whole process, timed from
start to exit, its peak memory from the kernel's accounting of the finished process.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.ops.bench_report import (
    Section,
    Target,
    emit,
    load_as_bot,
    load_average,
    run_worker,
    worker_env,
)
from bot.ops.bench_scale import _Words

_OPENERS = ("how do i", "what is the best way to", "can someone tell me how to", "is it ok to",
            "why does my friend", "where can i", "should i", "when is it good to")
_VERBS = ("cook", "bake", "fold", "paint", "grow", "clean", "repair", "water", "train", "pack",
          "book", "plan", "carry", "store", "wash", "tune", "heat", "cut", "sell", "borrow")
_THINGS = ("rice", "a tomato plant", "my bicycle chain", "the garden fence", "a violin",
           "winter boots", "a fishing rod", "pasta dough", "the kitchen tiles", "a tent",
           "my football", "the aquarium", "a wool sweater", "sourdough bread", "a kite",
           "the balcony door", "a chess set", "my running shoes", "a birthday cake", "ski wax")
_TAILS = ("before the weekend", "in the rain", "without a machine", "for a picnic",
          "at the seaside", "in a small flat", "for my grandmother", "after midnight",
          "on a budget", "with my kids")


def texts(count: int, seed: int = 8) -> list[str]:
    """`count` distinct off-topic messages."""
    rng = random.Random(seed)
    words = _Words(rng)
    out: set[str] = set()
    while len(out) < count:
        out.add(f"{rng.choice(_OPENERS)} {rng.choice(_VERBS)} {rng.choice(_THINGS)} "
                f"{words.new()} {rng.choice(_TAILS)}")
    return sorted(out)


async def fill(knowledge: str, db: str, count: int, users: int = 400) -> dict[str, Any]:
    from bot.app.service import Service
    from bot.core.events import TextMessage

    service = await Service.open(load_as_bot(knowledge), db)
    pending = texts(count)
    start = time.perf_counter()

    async def user(u: int) -> None:
        for text in pending[u::users]:
            await service.handle("bench", f"r{u}", TextMessage(text))

    await asyncio.gather(*(user(u) for u in range(users)))
    await service.close()
    return {"messages": count, "fill_s": time.perf_counter() - start}


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one whole process, from the kernel."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {err.strip()[-200:]}"}
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024}


def section(knowledge: Path, *, quick: bool) -> Section:
    count = 40 if quick else 8000
    sec = Section(f"Operators' reports: `unmatched` on {count:,} distinct unplaced messages")
    sec.notes.append("the database filled through Service.handle by 400 users with off-topic "
                     "messages, each different (nearly all end up unplaced: 192 of 200 in a "
                     "check); the command timed as a whole process")
    with tempfile.TemporaryDirectory(prefix="kyc-bench-reports-") as tmp:
        db = Path(tmp) / "reports.sqlite3"
        filled = run_worker(["-m", "bot.ops.bench_reports", str(knowledge), str(db), str(count)],
                            cwd=tmp, timeout=3600)
        result: dict[str, Any] = filled
        if "error" not in filled:
            cmd = [sys.executable, "-m", "bot", "unmatched", "--db", str(db),
                   "--knowledge", str(knowledge), "--since", "30d"]
            result = timed(cmd, worker_env(), Path(tmp))
    if "error" in result:
        sec.fail(f"unmatched: {result['error']}")
    ok = "error" not in result
    sec.add("unmatched.wall", result.get("wall_s") if ok else None, "s",
            f"`python -m bot unmatched` on {count:,} texts, start to exit (start-up included)",
            Target("<", 2, "#13") if not quick else None)
    sec.add("unmatched.cpu", result.get("cpu_s") if ok else None, "s", "its CPU, all threads")
    sec.add("unmatched.rss", result.get("rss_mb") if ok else None, "MB", "its peak RSS")
    sec.notes.append(f"load average after: {load_average()}")
    return sec


if __name__ == "__main__":
    emit(asyncio.run(fill(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
