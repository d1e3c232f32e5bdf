"""Follow-up dispatch on PostgreSQL with 1,000,000 pending rows: one scheduler tick and its plan.

    python -m bot.ops.bench_postgres postgresql://user@host/db [--rows 1000000]

Works in a schema of its own (created and dropped), so it may point at any database the user
can create schemas in. Each tick is what every instance's scheduler runs: claim up to 100 due
follow-ups with FOR UPDATE SKIP LOCKED and a lease, then mark them done (as their turns would).
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

import asyncpg

from bot.storage.base import Lease
from bot.storage.postgres import CLAIM_FOLLOWUPS, PostgresStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: rows fall due at ~0.39 a second (1M over 30 days): a tick every 256 s finds ~100 due
STEP = timedelta(seconds=256)


async def run(url: str, rows: int, ticks: int) -> int:
    schema = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    scoped = f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    store = await PostgresStore.open(scoped)
    try:
        async with store._connection("fill") as conn:  # noqa: SLF001 - a benchmark's setup
            started = time.perf_counter()
            # spread over 30 days; 100 fall due each minute of the ticks below
            await conn.execute(
                "INSERT INTO followups (channel, user_id, due_at, kind, created_at)"
                " SELECT 'telegram', g::text, $1::timestamptz + (g % 2592000) * interval '1 second',"
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
                NOW + STEP,
                ["telegram"],
                "explain",
                NOW + timedelta(minutes=5),
                100,
            )
            await tr.rollback()
            server = []
            for tick in range(1, 21):  # the database's own time for one claim of 100 due rows
                tr = conn.transaction()
                await tr.start()
                (row,) = await conn.fetch(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + CLAIM_FOLLOWUPS,
                    NOW + tick * STEP,
                    ["telegram"],
                    "server",
                    NOW + timedelta(minutes=5),
                    100,
                )
                await tr.rollback()
                server.append(json.loads(row[0])[0]["Execution Time"])
        print(f"{rows:,} pending follow-ups (filled in {filled:.1f} s)")
        print(
            f"one claim of 100 due rows, inside the database: median {statistics.median(server):.2f} ms"
            f" (max {max(server):.2f} ms over {len(server)})"
        )
        print("plan of one claim:")
        for line in plan:
            print("   ", line[0])
        times, claimed = [], 0
        for tick in range(1, ticks + 1):
            now = NOW + tick * STEP
            started = time.perf_counter()
            claims = await store.claim_followups(now, Lease("bench", now + timedelta(minutes=5)), ["telegram"])
            times.append((time.perf_counter() - started) * 1000)
            claimed += len(claims)
            async with store._connection("done") as conn:  # noqa: SLF001
                await conn.execute(
                    "UPDATE followups SET status='done' WHERE id = ANY($1::bigint[])",
                    [c.id for c in claims],
                )
        times.sort()
        print(
            f"scheduler tick (claim up to 100 due, lease, return): median {statistics.median(times):.2f} ms,"
            f" p95 {times[int(len(times) * 0.95)]:.2f} ms over {ticks} ticks ({claimed / ticks:.0f} claimed a tick)"
        )
        idle = []
        for _ in range(ticks):
            started = time.perf_counter()
            await store.claim_followups(NOW, Lease("bench", NOW), ["telegram"])
            idle.append((time.perf_counter() - started) * 1000)
        print(f"tick with nothing due: median {statistics.median(idle):.2f} ms")
        return 0 if statistics.median(times) < 10 else 1
    finally:
        await store.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.bench_postgres", description=__doc__)
    parser.add_argument("url", help="postgresql:// URL of a database to create a scratch schema in")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.url, args.rows, args.ticks))


if __name__ == "__main__":
    sys.exit(main())
