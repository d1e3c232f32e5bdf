"""Bench section: a backlog of due follow-ups drains while live users chat (#13).

The database is filled through the real service as if the bot had been down for two days: N
users each described a problem and resubmitted, one after another (so their follow-ups fall due
in that order), and every follow-up is now overdue. Then the real Telegram adapter starts on it
(`python -m bot telegram` as its own process, the send limiter on, fake Bot API on loopback) and
its scheduler drains the backlog while LIVE_RATE live users a second act (open loop, users not
waiting for a reply). Measured: follow-ups sent per second from the first to the last (and per
10-second window), whether any went out before one due earlier, whether each says it is late,
and the live users' first-reply latency meanwhile.

    python -m bot.ops.bench_drain KNOWLEDGE DB COUNT    (the fill, run as a worker)
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app.service import FOLLOWUP_CONCURRENCY
from bot.ops.bench_corpus import Sample
from bot.ops.bench_fakeapi import TOKEN, ChatCall, FakeBotApi
from bot.ops.bench_report import (
    Section,
    Target,
    emit,
    load_as_bot,
    load_average,
    percentile,
    run_worker,
    spread,
    worker_env,
)
from bot.ops.bench_telegram import PROBE_CHAT, Load, _users

FIRST_CHAT = 500_000
LIVE_RATE = 2.0  # live actions offered a second during the drain
WINDOW_S = 10.0


async def fill(knowledge: str, db: str, count: int) -> dict[str, Any]:
    """`count` users who resubmitted two days and a bit ago, one a second, in chat id order."""
    from bot.app.service import Service
    from bot.core.events import Command, TextMessage

    start = datetime.now(UTC) - timedelta(days=2, seconds=count + 60)
    at = [start]
    service = await Service.open(load_as_bot(knowledge), db, lambda: at[0])

    async def delivered(user: str, replies: Any) -> None:  # the replies went out back then
        pass

    service.register_sender("telegram", delivered)
    t0 = time.perf_counter()
    for n in range(count):
        at[0] = start + timedelta(seconds=n)
        user = str(FIRST_CHAT + n)
        await service.handle("telegram", user, TextMessage("my document photo was too blurry"),
                             lang="en")
        await service.handle("telegram", user, Command("resubmitted"), lang="en")
    await service.close()
    return {"users": count, "fill_s": time.perf_counter() - t0}


def drain(samples: list[Sample], knowledge: Path, db: Path, count: int, work: Path,
          timeout: float) -> dict[str, Any]:
    """Start the bot on the filled database; drive live users until the backlog is sent."""
    api = FakeBotApi().start()
    env = worker_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url,
                      "DATABASE_PATH": str(db), "KNOWLEDGE_DIR": str(knowledge),
                      "LOG_LEVEL": "WARNING"})
    backlog: dict[int, float] = {}  # chat -> when its follow-up arrived
    calls: list[float] = []
    lock = threading.Lock()
    ready = threading.Event()
    log = (work / "bot.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "bot.ops.bench_tgbot"], env=env, cwd=work,
                            stdout=log, stderr=log)
    load = Load(api, _users(samples, 20), LIVE_RATE)
    live_call = load.on_call

    def on_call(call: ChatCall) -> None:
        if FIRST_CHAT <= call.chat_id < FIRST_CHAT + count:
            with lock:
                calls.append(call.at)
                backlog.setdefault(call.chat_id, call.at)
        elif call.chat_id == PROBE_CHAT:
            ready.set()
        else:
            live_call(call)

    api.on_chat_call = on_call
    driver = threading.Thread(target=load.run, daemon=True)
    try:
        api.send_text(PROBE_CHAT, "/start", "en")
        deadline = time.monotonic() + 300
        while not ready.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                return {"error": f"the bot did not answer (exit {proc.poll()}); see bot.log"}
        driver.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            with lock:
                if len(backlog) >= count:
                    break
            time.sleep(0.05)
        load.stop.set()
        driver.join(5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        api.stop()
        log.close()
    from bot.knowledge.loader import load_knowledge

    late = load_knowledge(str(knowledge)).message("followup_late")
    texts = {chat: [m["text"] for (c, _), m in api._messages.items() if c == chat]  # noqa: SLF001
             for chat in backlog}
    arrived = sorted(backlog.items(), key=lambda kv: kv[1])
    first, last = (arrived[0][1], arrived[-1][1]) if arrived else (0.0, 0.0)
    windows = []
    t = first
    while t + WINDOW_S <= last:
        windows.append(sum(1 for _, at in arrived if t <= at < t + WINDOW_S) / WINDOW_S)
        t += WINDOW_S
    order = [c for c, _ in arrived]  # chat ids fall due in their own order
    displaced = max((abs(i - rank) for i, rank in enumerate(sorted(range(len(order)),
                                                                    key=order.__getitem__))),
                    default=0)
    with load.lock:
        live = [(f - p) * 1000 for p, f, _ in load.result.done]
        lost = load.result.lost
    return {
        "sent": len(backlog),
        "seconds": last - first,
        "rate": (len(backlog) - 1) / (last - first) if last > first else None,
        "windows": windows,
        "displaced": displaced,
        "not_late": sum(1 for chat in backlog if not any(late in t for t in texts[chat])),
        "calls_per_followup": len(calls) / max(1, len(backlog)),
        "live_ms": live,
        "live_lost": lost,
    }


def section(samples: list[Sample], knowledge: Path, *, quick: bool) -> Section:
    count = 80 if quick else 7500
    sec = Section(f"A backlog of {count:,} overdue follow-ups drains while live users chat "
                  "(the real adapter, send limiter on, fake Bot API)")
    sec.notes.append(f"{count:,} users resubmitted one a second two days ago (filled through "
                     f"the service); live: {LIVE_RATE:g} actions a second offered by 20 users "
                     "who are not waiting for a reply")
    with tempfile.TemporaryDirectory(prefix="kyc-bench-drain-") as tmp:
        work = Path(tmp)
        db = work / "drain.sqlite3"
        filled = run_worker(["-m", "bot.ops.bench_drain", str(knowledge), str(db), str(count)],
                            cwd=tmp, timeout=3600)
        result = filled if "error" in filled else drain(
            samples, knowledge, db, count, work, timeout=120 + count / 10)
    ok = "error" not in result
    if not ok:
        sec.fail(f"drain: {result['error']}")
    else:
        sec.notes.append(f"filled in {filled['fill_s']:.0f} s; {result['sent']:,} of {count:,} "
                         f"follow-ups arrived in {result['seconds']:.0f} s")

    def val(key: str) -> Any:
        return result.get(key) if ok else None

    sec.add("drain.followups_per_s", val("rate"), "/s",
            "follow-ups arrived per second, first to last (spread: 10-second windows)",
            Target(">=", 25, "#13"), spread=spread(result["windows"]) if ok and
            result["windows"] else None)
    sec.add("drain.max_displacement", val("displaced"), "places",
            "how far any follow-up arrived from its place in due order (oldest first, give or "
            f"take the {FOLLOWUP_CONCURRENCY} in hand at once)",
            Target("<", FOLLOWUP_CONCURRENCY, "#13"))
    sec.add("drain.not_marked_late", val("not_late"), "",
            "follow-ups whose message does not say it is late", Target("<=", 0, "#13"))
    sec.add("drain.chat_calls_per_followup", val("calls_per_followup"), "calls",
            "chat API calls to the backlog's users per follow-up")
    live = result.get("live_ms") if ok else None
    sec.add("drain.live_first_reply_p50", percentile(live, 50) if live else None, "ms",
            "live users meanwhile: action to first reply")
    sec.add("drain.live_first_reply_p99", percentile(live, 99) if live else None, "ms",
            "the same, 99th percentile", Target("<", 1000, "#13"))
    sec.add("drain.live_first_reply_max", max(live) if live else None, "ms",
            f"the same, slowest ({len(live or [])} actions, {val('live_lost')} unanswered)")
    sec.notes.append(f"load average after: {load_average()}")
    return sec


if __name__ == "__main__":
    emit(asyncio.run(fill(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
