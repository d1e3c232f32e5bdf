"""Follow-up dispatch on PostgreSQL with 1,000,000 pending rows: one scheduler tick and its plan.

    python -m bot.ops.bench_postgres postgresql://user@host/db [--rows 1000000]

`make bench` runs the same in its instances section (`measure`, `add_figures`). Works in a
schema of its own (created and dropped), so it may point at any database the user can create
schemas in. Each tick is what every instance's scheduler runs: claim up to 100 due follow-ups
with FOR UPDATE SKIP LOCKED and a lease (`PostgresStore.claim_followups`, timed from the
client: pool, round trip, decoding), then mark them done (as their turns would, untimed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bot.ops.bench_report import Section, Target, percentile
from bot.storage.base import Lease
from bot.storage.postgres import CLAIM_FOLLOWUPS, PostgresStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: rows fall due at ~0.39 a second (1M over 30 days): a tick every 256 s finds ~100 due
STEP = timedelta(seconds=256)


async def measure(url: str, rows: int, ticks: int) -> dict[str, Any]:
    """Fill `rows` pending follow-ups, then time `ticks` claims; return times and the plan."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    scoped = f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    store = await PostgresStore.open(scoped)
    step = STEP * max(1, 1_000_000 // max(1, rows))  # ~100 due a tick at any size
    try:
        async with store._connection("fill") as conn:  # noqa: SLF001 - a benchmark's setup
            started = time.perf_counter()
            # spread over 30 days
            await conn.execute(
                "INSERT INTO followups (channel, user_id, due_at, kind, created_at)"
                " SELECT 'telegram', g::text,"
                " $1::timestamptz + (g::bigint * 2592000 / $2) * interval '1 second',"
                " 'result', $1 FROM generate_series(1, $2) g",
                NOW,
                rows,
            )
            await conn.execute("VACUUM ANALYZE followups")
            filled = time.perf_counter() - started
            tr = conn.transaction()
            await tr.start()  # EXPLAIN ANALYZE runs the claim: roll it back
            plan = await conn.fetch(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + CLAIM_FOLLOWUPS,
                NOW + step, ["telegram"], "explain", NOW + timedelta(minutes=5), 100,
            )  # fmt: skip
            await tr.rollback()
            server = []
            for tick in range(1, 21):  # the database's own time for one claim of 100 due rows
                tr = conn.transaction()
                await tr.start()
                (row,) = await conn.fetch(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + CLAIM_FOLLOWUPS,
                    NOW + tick * step, ["telegram"], "server", NOW + timedelta(minutes=5), 100,
                )  # fmt: skip
                await tr.rollback()
                server.append(json.loads(row[0])[0]["Execution Time"])
        times, claimed = [], 0
        for tick in range(1, ticks + 1):
            now = NOW + tick * step
            started = time.perf_counter()
            claims = await store.claim_followups(now, Lease("bench", now + timedelta(minutes=5)), ["telegram"])
            times.append((time.perf_counter() - started) * 1000)
            claimed += len(claims)
            async with store._connection("done") as conn:  # noqa: SLF001
                await conn.execute(
                    "UPDATE followups SET status='done' WHERE id = ANY($1::bigint[])",
                    [c.id for c in claims],
                )
        idle = []
        for _ in range(ticks):
            started = time.perf_counter()
            await store.claim_followups(NOW, Lease("bench", NOW), ["telegram"])
            idle.append((time.perf_counter() - started) * 1000)
        return {"rows": rows, "fill_s": filled, "server_ms": server, "plan": [r[0] for r in plan],
                "tick_ms": times, "claimed_per_tick": claimed / max(1, ticks), "idle_ms": idle}
    finally:
        await store.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


def add_figures(sec: Section, tick: dict[str, Any]) -> None:
    """The tick's figures and its plan (as notes) in a bench section."""
    ok = bool(tick)
    rows = tick.get("rows", 1_000_000)
    sec.add("scheduler.tick.client_median", statistics.median(tick["tick_ms"]) if ok else None,
            "ms", f"one scheduler claim of up to 100 due follow-ups among {rows:,} pending, "
            f"timed at the client (pool, round trip, rows decoded), median of "
            f"{len(tick.get('tick_ms', []))}", Target("<", 10, "#14"))
    sec.add("scheduler.tick.client_p95", percentile(tick["tick_ms"], 95) if ok else None, "ms",
            f"the same, 95th percentile ({tick.get('claimed_per_tick', 0):.0f} claimed a tick)")
    sec.add("scheduler.tick.server_median", statistics.median(tick["server_ms"]) if ok else None,
            "ms", "the claim's execution time inside the database (EXPLAIN ANALYZE), median of 20")
    sec.add("scheduler.tick.idle_median", statistics.median(tick["idle_ms"]) if ok else None,
            "ms", "a tick with nothing due, at the client")
    if ok:
        sec.notes.append(f"{rows:,} pending follow-ups filled in {tick['fill_s']:.1f} s; "
                         "plan of one claim (EXPLAIN ANALYZE):")
        sec.notes.extend("    " + line for line in tick["plan"])


async def run(url: str, rows: int, ticks: int) -> int:
    tick = await measure(url, rows, ticks)
    sec = Section("scheduler tick")
    add_figures(sec, tick)
    for note in sec.notes:
        print(note)
    for fig in sec.figures:
        print(f"{fig.key}: {fig.value:.2f} {fig.unit}  ({fig.includes})")
    return 0 if statistics.median(tick["tick_ms"]) < 10 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.bench_postgres", description=__doc__)
    parser.add_argument("url", help="postgresql:// URL of a database to create a scratch schema in")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.url, args.rows, args.ticks))


if __name__ == "__main__":
    sys.exit(main())
