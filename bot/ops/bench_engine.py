"""Bench worker: engine + store with many users chatting at once, through `Service.handle`.

    python -P bot/ops/bench_engine.py PLAN.json KNOWLEDGE DB [RATE]

It imports only the standard library and the bot's public entry points (the knowledge loader,
`bot.app.service.Service`, the events), so the same file can run against an older checkout of
the bot (PYTHONPATH chooses which) for paired comparisons. The plan (written by
`bench_users.py`) gives each user a language and a list of actions: a text (a realistic message
the bot has not seen), a press of one of the buttons of the last reply, or a command. All users
run concurrently on a fresh database; every `handle` call is timed. It starts the way the bot
does (knowledge loaded with its checks), and prints one JSON object: timings, messages/s and the
process's peak memory (VmHWM).

With RATE (messages a second), the run is open-loop: the plan's messages arrive at that rate
(Poisson arrivals with a fixed seed, taken in turn from the users, so every user's messages keep
their order), whether or not the bot has answered the earlier ones; a user's message that
arrives while their previous one is still being answered waits for it (as the bot's per-user
lock would make it wait). Each latency is counted from the message's arrival time, not from
when it could be sent, so a bot falling behind shows it in full (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

#: open loop: the seconds after which a message counts as arriving at a warm bot
WARM_S = 2.0


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _user(service: Any, user: dict[str, Any], lat: list[float], errors: list[str],
                arrivals: list[float] | None = None, arrived: list[float] | None = None) -> None:
    from bot.core.events import ButtonPress, Command, TextMessage

    buttons: list[str] = []
    for i, action in enumerate(user["actions"]):
        if arrivals is not None:  # open loop: wait for the message's arrival time, if still ahead
            ahead = arrivals[i] - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
        kind = action[0]
        if kind == "press" and buttons:
            event: Any = ButtonPress(buttons[i % len(buttons)])
        elif kind == "press":
            event = TextMessage("ok")
        elif kind == "command":
            event = Command(action[1])
        else:
            event = TextMessage(action[1], forwarded=bool(action[2]))
        start = time.perf_counter() if arrivals is None else arrivals[i]
        try:
            replies = await service.handle("bench", user["id"], event, lang=user["lang"])
        except Exception as exc:  # counted, not fatal: the figure says how many failed
            errors.append(repr(exc)[:200])
            replies = []
        lat.append(time.perf_counter() - start)
        if arrivals is not None and arrived is not None:
            arrived.append(start)
        buttons = [b.data for r in replies[-1:] for row in r.buttons for b in row]


def arrival_times(plan: dict[str, Any], rate: float, start: float, seed: int = 7
                  ) -> list[list[float]]:
    """Per user, the arrival time of each of their messages: Poisson arrivals at `rate` a second
    from `start`, the k-th going to user k mod users (each user's k // users-th message)."""
    import random

    rng = random.Random(seed)
    users = plan["users"]
    out: list[list[float]] = [[] for _ in users]
    pending = [len(u["actions"]) for u in users]
    at, k = start, 0
    while any(pending):
        u = k % len(users)
        k += 1
        if not pending[u]:
            continue
        at += rng.expovariate(rate)
        out[u].append(at)
        pending[u] -= 1
    return out


async def run(plan: dict[str, Any], knowledge: str, db: str, rate: float | None = None
              ) -> dict[str, Any]:
    from bot.app.service import Service

    try:  # the knowledge as the bot loads it, every check on, in this version or an older one
        from bot.app.knowledge import load_knowledge
    except ImportError:
        from bot.knowledge.loader import load_knowledge

    t0 = time.perf_counter()
    kb = load_knowledge(knowledge)
    service = await Service.open(kb, db)
    if hasattr(service, "warm"):  # as the Telegram bot does before its first user
        service.warm()
    ready = time.perf_counter() - t0
    lat: list[float] = []
    arrived: list[float] = []  # open loop: each message's arrival time, as `lat`
    errors: list[str] = []
    start = time.perf_counter()
    cpu0, loop0 = time.process_time(), time.thread_time()
    arrivals = arrival_times(plan, rate, start + 0.05) if rate else [None] * len(plan["users"])
    await asyncio.gather(*(_user(service, u, lat, errors, a, arrived)
                           for u, a in zip(plan["users"], arrivals, strict=True)))
    elapsed = time.perf_counter() - start
    cpu, loop_cpu = time.process_time() - cpu0, time.thread_time() - loop0
    await service.close()
    return {
        "users": len(plan["users"]),
        "offered_rate": rate or 0.0,
        "messages": len(lat),
        "seconds": elapsed,
        "rate": len(lat) / elapsed if elapsed else 0.0,
        "cpu_ms_per_message": cpu * 1000.0 / max(1, len(lat)),
        # the event loop's thread alone: the engine runs there, so it bounds the rate
        "loop_cpu_ms_per_message": loop_cpu * 1000.0 / max(1, len(lat)),
        "latencies_ms": [x * 1000.0 for x in lat],
        # open loop: the latencies of the messages that arrived after the first WARM_S seconds
        # (the first ones find every cache cold and the rjieba and redactor imports undone)
        "warm_latencies_ms": [x * 1000.0 for x, a in zip(lat, arrived, strict=True)
                              if a - start >= WARM_S] if rate else [],
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "ready_s": ready,
        "rss_mb": vm_hwm_mb(),
    }


if __name__ == "__main__":
    plan_file, knowledge_dir, db_path = sys.argv[1:4]
    offered = float(sys.argv[4]) if len(sys.argv) > 4 else None
    result = asyncio.run(run(json.loads(Path(plan_file).read_text(encoding="utf-8")),
                             knowledge_dir, db_path, offered))
    print(json.dumps(result), flush=True)
