"""PostgreSQL migrations: versioned, applied once, safe when instances start together."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.storage.postgres_schema import MIGRATIONS, migrate


async def test_instances_starting_together_apply_each_migration_once(pg_url: str) -> None:
    conns = [await asyncpg.connect(pg_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        assert sorted(results, key=len) == [[], [], [], [name for name, _ in MIGRATIONS]]
        rows = await conns[0].fetch("SELECT name FROM migrations ORDER BY name")
        assert [r["name"] for r in rows] == [name for name, _ in MIGRATIONS]
        assert await migrate(conns[0]) == []
    finally:
        for conn in conns:
            await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(pg_url: str, monkeypatch) -> None:
    import bot.storage.postgres_schema as schema

    broken = (*MIGRATIONS, ("9999_broken", "CREATE TABLE half (x int); SELECT no_such_function()"))
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    conn = await asyncpg.connect(pg_url)
    try:
        try:
            await migrate(conn)
        except asyncpg.UndefinedFunctionError:
            pass
        else:
            raise AssertionError("the broken migration was applied")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        assert tables == 0
    finally:
        await conn.close()
