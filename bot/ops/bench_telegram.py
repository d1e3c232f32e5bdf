"""Bench section: the real Telegram adapter end to end, against a fake Bot API on loopback.

The bot runs as its own process (`bench_tgbot.py`: `python -m bot telegram`, optionally without
python-telegram-bot's rate limiter) and long-polls the fake server in this process. Simulated
users (a realistic first message in their language, then presses, questions and commands) act
in one of two ways:

- closed loop: each user acts again as soon as they have been answered (a message with buttons
  arrived, or nothing more came for QUIET_S after a reply), 100 users at once;
- open loop: one action every 1/rate seconds from a user who is not waiting (offered load).

An action's first reply is the first sendMessage or editMessageText to that chat after it.
Chat calls are all calls that carry a chat_id, except answerCallbackQuery. The bot's CPU is
read from /proc for the measured window only (after a warm-up), its memory is its VmHWM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_fakeapi import TOKEN, ChatCall, FakeBotApi
from bot.ops.bench_report import (
    Section,
    Target,
    cpu_seconds,
    load_average,
    median,
    percentile,
    spread,
    vm_hwm_mb,
    worker_env,
)
from bot.ops.bench_users import plan

QUIET_S = 1.0  # answered, if no message with buttons came: this long without another call
LOST_S = 30.0  # no reply at all after this long: the action is counted as lost
REPLY_METHODS = ("sendMessage", "editMessageText")
PROBE_CHAT = 99999


@dataclass
class _User:
    chat_id: int
    lang: str
    actions: list[list[Any]]
    i: int = 0
    waiting: bool = False
    pushed: float = 0.0
    first: float | None = None
    last_call: float = 0.0
    keyboard: tuple[int, list[str]] | None = None
    ready_at: float | None = 0.0


@dataclass
class _Result:
    done: list[tuple[float, float, float]] = field(default_factory=list)  # pushed, first, done
    calls: list[float] = field(default_factory=list)
    lost: int = 0
    unoffered: int = 0


class Load:
    """Simulated users driving the fake Bot API."""

    def __init__(self, api: FakeBotApi, users: list[_User], rate: float | None) -> None:
        self.api, self.rate = api, rate
        self.users = {u.chat_id: u for u in users}
        self.order = list(self.users.values())
        self.result = _Result()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        api.on_chat_call = self.on_call

    def on_call(self, call: ChatCall) -> None:
        with self.lock:
            self.result.calls.append(call.at)
            user = self.users.get(call.chat_id)
            if user is None:
                return
            user.last_call = call.at
            if call.buttons and call.message_id is not None:
                user.keyboard = (call.message_id, call.buttons)
            elif user.keyboard is not None and call.message_id == user.keyboard[0]:
                user.keyboard = None  # that message was edited into one without buttons
            if not user.waiting:
                return
            if call.method in REPLY_METHODS and user.first is None:
                user.first = call.at
            if call.buttons and user.first is not None:
                self._finish(user, call.at)

    def _finish(self, user: _User, at: float) -> None:
        self.result.done.append((user.pushed, user.first or at, at))
        user.waiting = False
        user.ready_at = at

    def _act(self, user: _User, now: float) -> None:
        action = user.actions[user.i % len(user.actions)]
        user.i += 1
        user.waiting, user.pushed, user.first, user.ready_at = True, now, None, None
        if action[0] == "press" and user.keyboard is not None:
            mid, data = user.keyboard
            if self.api.press(user.chat_id, mid, data[user.i % len(data)], user.lang):
                return
        if action[0] == "command":
            self.api.send_text(user.chat_id, "/" + action[1], user.lang)
        elif action[0] == "text":
            self.api.send_text(user.chat_id, action[1], user.lang, forwarded=bool(action[2]))
        else:
            self.api.send_text(user.chat_id, "ok", user.lang)

    def run(self) -> None:
        next_offer = time.monotonic()
        turn = 0
        while not self.stop.is_set():
            now = time.monotonic()
            with self.lock:
                for user in self.order:
                    if user.waiting:
                        if user.first is not None and now - user.last_call > QUIET_S:
                            self._finish(user, user.last_call)
                        elif now - user.pushed > LOST_S:
                            self.result.lost += 1
                            self._finish(user, now)
                if self.rate is None:
                    for user in self.order:
                        if not user.waiting and user.ready_at is not None:
                            self._act(user, now)
                else:
                    while next_offer <= now:
                        next_offer += 1.0 / self.rate
                        idle = [u for u in self.order[turn:] + self.order[:turn] if not u.waiting]
                        if idle:
                            turn = (self.order.index(idle[0]) + 1) % len(self.order)
                            self._act(idle[0], now)
                        else:
                            self.result.unoffered += 1
            time.sleep(0.005)


def _users(samples: list[Sample], count: int) -> list[_User]:
    p = plan(samples, count, 60, seed=9)
    return [_User(100000 + i, u["lang"], u["actions"]) for i, u in enumerate(p["users"])]


def run_once(samples: list[Sample], knowledge: Path, *, users: int, limiter: bool, rate: float | None,
             warm_s: float, window_s: float, work: Path) -> dict[str, Any]:
    """Start the bot, drive it, and return the window's figures."""
    api = FakeBotApi().start()
    db = work / f"tg-{time.monotonic_ns()}.sqlite3"
    env = worker_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url,
                      "DATABASE_PATH": str(db), "KNOWLEDGE_DIR": str(knowledge),
                      "LOG_LEVEL": "WARNING"})
    cmd = [sys.executable, "-m", "bot.ops.bench_tgbot"] + ([] if limiter else ["--no-limiter"])
    log = (work / "bot.log").open("ab")
    proc = subprocess.Popen(cmd, env=env, cwd=work, stdout=log, stderr=log)
    try:
        # ready: it answered a first message (a poll alone can be a start-up probe)
        first = threading.Event()
        api.on_chat_call = lambda call: first.set() if call.chat_id == PROBE_CHAT else None
        api.send_text(PROBE_CHAT, "/start", "en")
        deadline = time.monotonic() + 300
        while not first.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                return {"error": f"the bot did not answer (exit {proc.poll()}); see bot.log"}
        load = Load(api, _users(samples, users), rate)
        driver = threading.Thread(target=load.run, daemon=True)
        driver.start()
        time.sleep(warm_s)
        w0, cpu0, own0 = time.monotonic(), cpu_seconds(proc.pid), time.process_time()
        time.sleep(window_s)
        w1, cpu1, own1 = time.monotonic(), cpu_seconds(proc.pid), time.process_time()
        rss = vm_hwm_mb(proc.pid)
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
    with load.lock:
        done = [d for d in load.result.done if w0 <= d[2] < w1]
        calls = sum(1 for c in load.result.calls if w0 <= c < w1)
        lost, unoffered = load.result.lost, load.result.unoffered
    n = max(1, len(done))
    return {
        "turns_per_s": len(done) / (w1 - w0),
        "first_ms": [(f - p) * 1000 for p, f, _ in done],
        "answered_ms": [(d - p) * 1000 for p, _, d in done],
        "calls_per_action": calls / n,
        "cpu_ms_per_turn": (cpu1 - cpu0) * 1000 / n,
        "bot_cpu_share": (cpu1 - cpu0) / (w1 - w0),
        "generator_cpu_share": (own1 - own0) / (w1 - w0),
        "rss_mb": rss,
        "lost": lost,
        "unoffered": unoffered,
        "answered": len(done),
        "load": load_average(),
    }


def section(samples: list[Sample], knowledge: Path, *, quick: bool) -> Section:
    sec = Section("Telegram end to end (the real adapter as its own process, fake Bot API on "
                  "loopback; the load generator and the fake API share the machine with it)")
    users = 5 if quick else 100
    warm, window = (0.2, 0.6) if quick else (5.0, 20.0)
    pairs = 1 if quick else 3
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kyc-bench-tg-") as tmp:
        work = Path(tmp)
        for p in range(pairs):
            a = run_once(samples, knowledge, users=users, limiter=True, rate=None, warm_s=warm,
                         window_s=window, work=work)
            b = run_once(samples, knowledge, users=users, limiter=False, rate=None, warm_s=warm,
                         window_s=window, work=work)
            for r, on in ((a, True), (b, False)):
                if "error" in r:
                    sec.fail(f"run {p} limiter {'on' if on else 'off'}: {r['error']}")
                else:
                    runs[on].append(r)
            if "error" not in a and "error" not in b and b["turns_per_s"]:
                ratios.append(a["turns_per_s"] / b["turns_per_s"])
        offered = run_once(samples, knowledge, users=users, limiter=True, rate=20.0, warm_s=warm,
                           window_s=window, work=work)
        if "error" in offered:
            sec.fail(f"open loop: {offered['error']}")
        if os.environ.get("KYC_BENCH_KEEP"):
            (Path(os.environ["KYC_BENCH_KEEP"]) / "telegram.json").write_text(
                json.dumps({"on": runs[True], "off": runs[False], "offered": offered}))
    what = f"{users} users sending as fast as answered, median of {pairs} runs"
    for on, name in ((True, "limiter_on"), (False, "limiter_off")):
        rs = runs[on]

        def get(key: str, rs: list[dict[str, Any]] = rs) -> float | None:
            return median([r[key] for r in rs]) if rs else None

        def pct(key: str, q: float, rs: list[dict[str, Any]] = rs) -> float | None:
            return median([percentile(r[key], q) for r in rs]) if rs else None

        key = f"telegram.{name}"
        sec.add(f"{key}.turns_per_s", get("turns_per_s"), "turns/s",
                f"{what}: answered actions per second of the window",
                Target(">=", 25, "#13") if on else None)
        sec.add(f"{key}.first_reply_p50", pct("first_ms", 50), "ms",
                "from the update being offered to the first reply to that chat")
        sec.add(f"{key}.first_reply_p99", pct("first_ms", 99), "ms", "the same, 99th percentile")
        sec.add(f"{key}.answered_p99", pct("answered_ms", 99), "ms",
                "until the message with buttons (or the last message) arrived, 99th percentile")
        sec.add(f"{key}.chat_calls_per_action", get("calls_per_action"), "calls",
                "chat API calls (send, edit, delete; not callback answers) per answered action",
                Target("<=", 1.1, "#13") if on else None)
        sec.add(f"{key}.bot_cpu_per_turn", get("cpu_ms_per_turn"), "ms",
                "the bot process's CPU (all threads) in the window / answered actions",
                None if on else Target("<=", 3, "#13"))
        sec.add(f"{key}.bot_rss", max((r["rss_mb"] for r in rs), default=None), "MB",
                "peak RSS (VmHWM) of the bot process", Target("<", 150, "#13") if on else None)
        lost = sum(r["lost"] for r in rs)
        if lost:
            sec.notes.append(f"{name}: {lost} actions got no reply within {LOST_S:.0f} s")
    sec.add("telegram.limiter_on_vs_off", median(ratios) if ratios else None, "x",
            f"turns/s with the limiter / without, {len(ratios)} pairs run alternately",
            spread=spread(ratios) if ratios else None)
    ok = "error" not in offered
    sec.add("telegram.offered_20_per_s.first_reply_p50",
            percentile(offered["first_ms"], 50) if ok else None, "ms",
            f"limiter on, {users} users, one action every 50 ms from a user not waiting",
            Target("<", 1000, "#13"))
    sec.add("telegram.offered_20_per_s.first_reply_p99",
            percentile(offered["first_ms"], 99) if ok else None, "ms", "the same, 99th percentile")
    if ok and offered["unoffered"]:
        sec.notes.append(f"open loop: {offered['unoffered']} offers found every user waiting")
    sec.notes.append(f"load average after: {load_average()}")
    return sec
