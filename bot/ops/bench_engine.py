"""Engine + SQLite throughput: many simulated users chatting at once through the real Service.

Part of `python -m bot bench`. Each user sends a realistic mix (a notice, button presses, a topic
question, /status, "I've resubmitted"), all users concurrently, on a fresh database file. Also
measured: what one user flooding the bot costs everyone else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.app.service import Service
from bot.core.events import ButtonPress, Command, Event, TextMessage
from bot.knowledge.model import KnowledgeBase

SCRIPT: tuple[str, ...] = (
    "Your KYC application was not approved, Reason: Image quality does not meet the requirements",
    "press",
    "press",
    "how long does manual review take?",
    "press",
    "/status",
    "/resubmitted",
    "my selfie does not match my id photo",
    "press",
    "/restart",
)
TARGET_RATE = 1000.0
TARGET_RSS_MB = 150.0


async def _user(service: Service, name: str, turns: int, latencies: list[float]) -> None:
    data = ""
    for i in range(turns):
        line = SCRIPT[i % len(SCRIPT)]
        event: Event
        if line == "press":
            event = ButtonPress(data) if data else TextMessage("next")
        elif line.startswith("/"):
            event = Command(line[1:])
        else:
            event = TextMessage(line, forwarded=line.startswith("Your KYC"))
        start = time.perf_counter()
        replies = await service.handle("bench", name, event)
        latencies.append(time.perf_counter() - start)
        buttons = [b.data for r in replies for row in r.buttons for b in row]
        data = buttons[0] if buttons else ""


async def _run(kb: KnowledgeBase, db: Path, users: int, turns: int, flooders: int = 0) -> dict[str, float]:
    service = await Service.open(kb, str(db))
    latencies: list[float] = []
    flood_latencies: list[float] = []
    start = time.perf_counter()
    normal = [_user(service, f"user{i}", turns, latencies) for i in range(users)]
    floods = [_user(service, f"flood{i}", turns * 20, flood_latencies) for i in range(flooders)]
    await asyncio.gather(*normal, *floods)
    elapsed = time.perf_counter() - start
    await service.close()
    return {
        "messages": users * turns,
        "seconds": elapsed,
        "rate": users * turns / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
        "flood_messages": len(flood_latencies),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM: unlike ru_maxrss, reset by exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_subprocess(knowledge: str, quick: bool = False) -> list[str]:
    """Run the engine benchmark in a fresh process, so its memory figure is its own."""
    cmd = [sys.executable, "-m", "bot.ops.bench_engine", knowledge] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return [f"engine benchmark failed: {proc.stderr.strip().splitlines()[-1:]}"]
    return proc.stdout.splitlines()


def run_engine_bench(kb: KnowledgeBase, quick: bool = False) -> list[str]:
    """Return printable lines: throughput, latency, memory, and the flood's cost to others."""
    users, turns = (50, 10) if quick else (200, 30)
    with tempfile.TemporaryDirectory(prefix="kyc-bench-engine-") as tmp:
        runs = [asyncio.run(_run(kb, Path(tmp) / f"run{i}.sqlite3", users, turns)) for i in range(1 if quick else 3)]
        # one flooding user next to the others, with the real flood limit
        flooded = asyncio.run(_run(kb, Path(tmp) / "flood.sqlite3", users, turns, flooders=1))
        # and the same load with the flood limit lifted, to show what the limit saves
        open_kb = dataclasses.replace(kb, policy=dataclasses.replace(kb.policy, flood_messages=10**9))
        unlimited = asyncio.run(_run(open_kb, Path(tmp) / "noflood.sqlite3", users, turns, flooders=1))
    rate = statistics.median(r["rate"] for r in runs)
    p50 = statistics.median(r["p50_ms"] for r in runs)
    p99 = statistics.median(r["p99_ms"] for r in runs)
    rss_mb = peak_rss_mb()
    ok = "ok" if rate >= TARGET_RATE else "MISSED"
    mem_ok = "ok" if rss_mb < TARGET_RSS_MB else "MISSED"
    return [
        f"engine + SQLite store, {users} users x {turns} messages, concurrently (median of {len(runs)} runs)",
        f"  throughput                   {rate:10,.0f} messages/s   target >= {TARGET_RATE:,.0f}  {ok}",
        f"  per-message latency p50/p99  {p50:6.2f} / {p99:.2f} ms",
        f"  peak memory (whole process)  {rss_mb:10.1f} MB           target < {TARGET_RSS_MB:.0f} MB  {mem_ok}",
        f"one user flooding ({turns * 20} messages) next to the {users} others",
        f"  others' throughput, flood limit on    {flooded['rate']:10,.0f} messages/s   (p99 {flooded['p99_ms']:.2f} ms)",
        f"  others' throughput, flood limit off   {unlimited['rate']:10,.0f} messages/s   (p99 {unlimited['p99_ms']:.2f} ms)",
    ]


if __name__ == "__main__":
    from bot.knowledge.loader import load_knowledge

    print("\n".join(run_engine_bench(load_knowledge(sys.argv[1]), "--quick" in sys.argv)))
