"""Bench section: the bot as webhook instances on one PostgreSQL (#14), engine side.

    load generator --keep-alive POSTs shaped like Telegram's--> round-robin proxy
        --> instance 0, 1 (`python -m bot telegram`, webhook mode, TELEGRAM_RATE_LIMIT=0)
        --> one PostgreSQL;      instances --sendMessage--> fake Bot API (in this process)

Everything shares this machine's cores: PostgreSQL, the two instances, and this process (load
generator, proxy and fake Bot API). It runs when PostgreSQL is reachable: DATABASE_URL (a
postgresql:// URL) or TEST_DATABASE_URL (`.ci/with-postgres`, which `make bench` uses when
DATABASE_URL is unset); in a schema of its own, created and dropped.

One deployment of two instances serves every measurement, so one instance and two are compared
on the same warm processes: the proxy sends new connections to the first instance only, or to
both, in alternating windows (A B B A ...):

- saturation: LANES keep-alive connections (Telegram keeps up to 40 open to a webhook), each
  sending its next update as soon as the previous one was answered (200: the turn committed);
- latency: an open loop at half of one instance's saturation rate, on both instances: the
  webhook answer's p50/p99 (POST sent to 200 received, through the proxy);
- failover: the same open loop, one instance killed with SIGKILL midway; the generator posts an
  unanswered update again, as Telegram does.

Afterwards every answered update must be in the database's `updates` table (lost = 0). Users
send texts (realistic messages in their language) and commands; the flood limit never applies
(each user sends well under 2 messages a second).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_fakeapi import TOKEN, FakeBotApi
from bot.ops.bench_report import (
    Section,
    Target,
    cpu_seconds,
    load_average,
    median,
    percentile,
    spread,
    worker_env,
)
from bot.ops.rr_proxy import RoundRobinProxy

LANES = 40
PATH = "/kyc/hook"
SECRET = "bench-Secret_1"
RETRY_S = 0.2  # an update that got no 200 is posted again after this long, as Telegram does


def database_url() -> str | None:
    """The PostgreSQL server to bench on, if one is configured."""
    for name in ("DATABASE_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "").strip()
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def scoped(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Lane:
    """One keep-alive connection to the proxy, posting one update at a time (HTTP/1.1)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None

    async def post(self, body: bytes) -> int:
        """POST once; return the status (0: no answer, the connection is dropped)."""
        try:
            if self._conn is None:
                self._conn = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self._conn
            writer.write(
                f"POST {PATH} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
                .encode() + body
            )
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            await reader.readexactly(length)
            if close:
                self.close()
            return status
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
            self.close()
            return 0


@dataclass
class User:
    chat_id: int
    lang: str
    texts: list[str]
    i: int = 0

    def next_text(self) -> str:
        self.i += 1
        step = self.i % 4
        if step == 1:
            return "/start"
        if step == 0:
            return "/status"
        return self.texts[self.i % len(self.texts)]


@dataclass
class Load:
    """The generator: users spread over lanes; each answered update is recorded."""

    api: FakeBotApi
    lanes: list[Lane]
    users: list[User]
    answered: list[tuple[float, float, int]] = field(default_factory=list)  # sent, answered, id
    retries: int = 0
    unoffered: int = 0
    pending: set[int] = field(default_factory=set)

    async def deliver(self, lane: Lane, user: User) -> None:
        update = self.api.text_update(user.chat_id, user.next_text(), user.lang)
        body = json.dumps(update).encode()
        uid = update["update_id"]
        self.pending.add(uid)
        sent = time.monotonic()
        while await lane.post(body) != 200:
            self.retries += 1
            await asyncio.sleep(RETRY_S)
        self.answered.append((sent, time.monotonic(), uid))
        self.pending.discard(uid)

    async def closed(self, until: float) -> None:
        """Every lane sends its users' next update as soon as the previous one was answered."""
        async def lane_loop(n: int) -> None:
            mine = self.users[n :: len(self.lanes)]
            k = 0
            while time.monotonic() < until:
                await self.deliver(self.lanes[n], mine[k % len(mine)])
                k += 1

        await asyncio.gather(*(lane_loop(n) for n in range(len(self.lanes))))

    async def open(self, rate: float, until: float, at: Any = None) -> None:
        """One update every 1/rate s from an idle lane; `at` = (seconds in, callback)."""
        idle = list(range(len(self.lanes)))
        turn = [0] * len(self.lanes)
        tasks: set[asyncio.Task[None]] = set()
        start = next_at = time.monotonic()

        async def one(n: int) -> None:
            mine = self.users[n :: len(self.lanes)]
            await self.deliver(self.lanes[n], mine[turn[n] % len(mine)])
            turn[n] += 1
            idle.append(n)

        while (now := time.monotonic()) < until:
            if at is not None and now - start >= at[0]:
                at[1]()
                at = None
            while next_at <= now:
                next_at += 1.0 / rate
                if idle:
                    task = asyncio.create_task(one(idle.pop(0)))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                else:
                    self.unoffered += 1
            await asyncio.sleep(min(0.002, max(0.0, next_at - time.monotonic())))
        if tasks:
            await asyncio.wait(tasks, timeout=60)

    def reconnect(self) -> None:
        for lane in self.lanes:
            lane.close()

    def window(self, since: float, until: float) -> list[tuple[float, float, int]]:
        return [a for a in self.answered if since <= a[1] < until]


class Instance:
    """One `python -m bot telegram` process in webhook mode."""

    def __init__(self, index: int, env: dict[str, str], logs: Path) -> None:
        self.index = index
        self.port = _free_port()
        self.env = {**env, "WEBHOOK_LISTEN": f"127.0.0.1:{self.port}",
                    "INSTANCE_NAME": f"bench-{index}"}
        log = (logs / f"instance-{index}.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], env=self.env,
                                        cwd=logs, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.logs = logs

    async def ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"instance {self.index} exited {self.process.returncode}: "
                                   f"{self.tail()}")
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"GET /readyz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
                line = await reader.readline()
                writer.close()
                if b" 200 " in line:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"instance {self.index} not ready after {timeout:.0f} s: {self.tail()}")

    def cpu(self) -> float:
        try:
            return cpu_seconds(self.process.pid)
        except OSError:
            return 0.0

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()

    def tail(self) -> str:
        path = self.logs / f"instance-{self.index}.log"
        return path.read_text(errors="replace")[-500:] if path.exists() else ""


def _users(samples: list[Sample], count: int) -> list[User]:
    by_lang: dict[str, list[str]] = {}
    for s in samples:
        by_lang.setdefault(s.lang, []).append(s.text)
    langs = sorted(by_lang)
    out = []
    for u in range(count):
        pool = by_lang[langs[u % len(langs)]]
        k = u % len(pool)
        out.append(User(800_000 + u, langs[u % len(langs)], pool[k:] + pool[:k]))
    return out


async def _settle(conn: Any, limit: float = 60.0) -> None:
    """Wait until the instances sent every reply (a saturated window leaves a queue behind)."""
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up and await conn.fetchval("SELECT count(*) FROM outbox"):
        await asyncio.sleep(0.1)


async def _stored(url: str) -> set[int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return {r[0] for r in await conn.fetch("SELECT update_id FROM updates")}
    finally:
        await conn.close()


async def run(url: str, samples: list[Sample], knowledge: Path, *, quick: bool) -> dict[str, Any]:
    """Start the deployment, run every measurement, check nothing was lost; return figures."""
    import asyncpg

    from bot.adapters.telegram.inbound import EVENTS_PER_UPDATE

    warm, window, pairs = (1.0, 1.0, 1) if quick else (5.0, 10.0, 3)
    schema = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    api = FakeBotApi().start()
    out: dict[str, Any] = {"one": [], "two": [], "ratios": [], "cpu_per_update": []}
    instances: list[Instance] = []
    proxy: RoundRobinProxy | None = None
    with tempfile.TemporaryDirectory(prefix="kyc-bench-instances-") as tmp:
        env = worker_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url,
                          "DATABASE_URL": scoped(url, schema), "KNOWLEDGE_DIR": str(knowledge),
                          "WEBHOOK_URL": f"https://bot.example.com{PATH}",
                          "WEBHOOK_SECRET": SECRET, "TELEGRAM_RATE_LIMIT": "0",
                          "FOLLOWUP_INTERVAL": "30", "LOG_LEVEL": "WARNING"})
        try:
            instances = [Instance(i, env, Path(tmp)) for i in range(2)]
            await asyncio.gather(*(i.ready() for i in instances))
            proxy = RoundRobinProxy([("127.0.0.1", i.port) for i in instances])
            port = await proxy.start()
            load = Load(api, [Lane(port) for _ in range(LANES)], _users(samples, 1000))
            await load.closed(time.monotonic() + warm)
            db = await asyncpg.connect(scoped(url, schema))

            async def saturate(n: int) -> float:
                assert proxy is not None
                await _settle(db)
                proxy.active = n
                load.reconnect()
                cpu0 = sum(i.cpu() for i in instances)
                t0 = time.monotonic()
                await load.closed(t0 + window)
                t1 = time.monotonic()
                done = len(load.window(t0, t1))
                if n == 2:
                    out["cpu_per_update"].append(
                        (sum(i.cpu() for i in instances) - cpu0) * 1000 / max(1, done))
                return done / (t1 - t0)

            for p in range(pairs):  # A B, then B A: drift falls on both sides alike
                order = (1, 2) if p % 2 == 0 else (2, 1)
                rates = {n: await saturate(n) for n in order}
                out["one"].append(rates[1])
                out["two"].append(rates[2])
                out["ratios"].append(rates[2] / rates[1])
            half = median(out["one"]) / 2
            out["half_rate"] = half
            proxy.active = 2
            load.reconnect()
            await _settle(db)
            t0 = time.monotonic()
            await load.open(half, t0 + window)
            out["half_ms"] = [(a - s) * 1000 for s, a, _ in load.window(t0, time.monotonic())]
            await _settle(db)
            t0 = time.monotonic()
            before = len(load.answered)
            retries = load.retries
            await load.open(half, t0 + window, at=(window / 2, instances[1].kill))
            failover = load.answered[before:]
            out["failover_ms"] = [(a - s) * 1000 for s, a, _ in failover]
            out["failover_retries"] = load.retries - retries
            out["failover_answered"] = len(failover)
            out["unoffered"] = load.unoffered
            out["unanswered"] = len(load.pending)
            # restarted as a supervisor would: it takes back the replies it had leased (its
            # name is stable), instead of everyone waiting for the leases to run out
            instances[1] = Instance(1, env, Path(tmp))
            await instances[1].ready()
            await _settle(db)
            out["unsent"] = await db.fetchval("SELECT count(*) FROM outbox")
            await db.close()
            stored = await _stored(scoped(url, schema))
            lost = [u for _, _, u in load.answered if u * EVENTS_PER_UPDATE not in stored]
            out["answered"] = len(load.answered)
            out["lost"] = len(lost)
            out["lost_failover"] = sum(1 for _, _, u in failover
                                       if u * EVENTS_PER_UPDATE not in stored)
            out["spread"] = list(proxy.connections)
        except (RuntimeError, OSError) as exc:
            out["error"] = str(exc)[:300]
        finally:
            for i in instances:
                i.stop()
            if proxy is not None:
                await proxy.stop()
            api.stop()
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
            await admin.close()
    return out


def section(samples: list[Sample], knowledge: Path, *, quick: bool) -> Section:
    from bot.ops import bench_postgres

    sec = Section("Webhook instances on one PostgreSQL (engine side, the send limiter off)")
    url = database_url()
    result: dict[str, Any] = {}
    tick: dict[str, Any] = {}
    if url is None:
        sec.notes.append("skipped: no PostgreSQL (set DATABASE_URL=postgresql://..., or run "
                         "through .ci/with-postgres, as `make bench` does when it is unset)")
    else:
        sec.notes.append(
            f"setup: 2 instances (`python -m bot telegram`, webhook mode, TELEGRAM_RATE_LIMIT=0), "
            f"PostgreSQL, and this process (load generator on {LANES} keep-alive connections, "
            "round-robin proxy, fake Bot API) all share the machine's cores; 1,000 users send "
            "texts and commands")
        result = asyncio.run(run(url, samples, knowledge, quick=quick))
        if "error" in result:
            sec.fail(f"instances: {result['error']}")
        tick = asyncio.run(bench_postgres.measure(url, rows=10_000 if quick else 1_000_000,
                                                  ticks=20 if quick else 200))
    ok = bool(result) and "error" not in result

    def val(key: str) -> Any:
        return result.get(key) if ok else None

    pairs = len(result.get("ratios", [])) if ok else 0
    sec.add("instances.one.updates_per_s", median(result["one"]) if ok else None, "updates/s",
            f"one instance saturated: updates answered (turn committed) per second, median of "
            f"{pairs} windows", spread=spread(result["one"]) if ok else None)
    sec.add("instances.two.updates_per_s", median(result["two"]) if ok else None, "updates/s",
            "two instances, the same", spread=spread(result["two"]) if ok else None)
    sec.add("instances.two_vs_one", median(result["ratios"]) if ok else None, "x",
            f"two instances' rate / one's, {pairs} pairs of windows in alternating order",
            Target(">=", 1.0, "#14"), spread=spread(result["ratios"]) if ok else None)
    sec.add("instances.cpu_per_update", median(result["cpu_per_update"]) if ok else None, "ms",
            "both instances' CPU (all threads) per answered update, two-instance windows")
    half = val("half_rate")
    sec.add("instances.half_rate.p50", percentile(result["half_ms"], 50) if ok else None, "ms",
            f"webhook answered (POST to 200 through the proxy) at {half or 0:.0f} updates/s "
            "offered = half of one instance's saturation, on two instances")
    sec.add("instances.half_rate.p99", percentile(result["half_ms"], 99) if ok else None, "ms",
            "the same, 99th percentile", Target("<", 100, "#14"))
    sec.add("instances.failover.lost_updates", val("lost_failover"), "",
            "the same load, one instance killed with SIGKILL midway: answered updates missing "
            "from the database", Target("<=", 0, "#14"))
    sec.add("instances.failover.max_answer", max(result["failover_ms"]) if ok and
            result["failover_ms"] else None, "ms",
            f"slowest answer in that window, posts again included ({val('failover_retries')} "
            "posted again)")
    sec.add("instances.lost_updates", val("lost"), "",
            f"of all {val('answered')} answered updates, those missing from the database",
            Target("<=", 0, "#14"))
    if ok and (result["unanswered"] or result["unoffered"]):
        sec.notes.append(f"{result['unanswered']} updates unanswered at the end; "
                         f"{result['unoffered']} offers found every lane busy")
    if ok:
        sec.notes.append(f"connections per instance (proxy): {result['spread']}; the killed "
                         f"instance restarted afterwards: {result['unsent']} replies still unsent "
                         "once both settled")
    bench_postgres.add_figures(sec, tick)
    sec.notes.append(f"load average after: {load_average()}")
    return sec
