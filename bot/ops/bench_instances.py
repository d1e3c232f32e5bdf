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
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_fakeapi import TOKEN, FakeBotApi
from bot.ops.bench_report import (
    Section,
    Target,
    load_average,
    median,
    percentile,
    spread,
    worker_env,
)
from bot.ops.bench_webhook import PATH, SECRET, Instance, Lane, Load, users_for
from bot.ops.rr_proxy import RoundRobinProxy

LANES = 40


def database_url() -> str | None:
    """The PostgreSQL server to bench on, if one is configured."""
    for name in ("DATABASE_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "").strip()
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def scoped(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


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
            load = Load(api, [Lane(port) for _ in range(LANES)], users_for(samples, 1000))
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
