"""A real PostgreSQL server for the tests: `pg_url` gives each test its own empty schema.

The server comes from TEST_DATABASE_URL, which `.ci/with-postgres` sets (`make test-pg` locally,
`.ci/run` in CI). Without it the PostgreSQL tests are skipped with the reason shown in pytest's
summary; with KYC_REQUIRE_POSTGRES=1 (CI) they fail instead, so CI never passes without them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

HOW = "run `make test-pg`, or set TEST_DATABASE_URL=postgresql://... for a server you own"


def _unavailable(reason: str) -> None:
    if os.environ.get("KYC_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL required (KYC_REQUIRE_POSTGRES=1) but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests: {reason}; {HOW}")


def with_params(url: str, **params: str) -> str:
    """Return `url` with query parameters added (asyncpg sends unknown ones as settings)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


async def _execute(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _run(url: str, *statements: str) -> None:
    """Run statements on a connection of their own, from sync or async fixtures alike."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _execute(url, *statements)).result()


@pytest.fixture(scope="session")
def pg_server() -> str:
    """Return the URL of the test server (skip, or fail in CI, when there is none)."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        _unavailable("TEST_DATABASE_URL is not set")
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        _unavailable("asyncpg is not installed")
    try:
        _run(url, "SELECT 1")
    except Exception as exc:  # any failure to connect means there is no server for us
        _unavailable(f"cannot connect to TEST_DATABASE_URL ({type(exc).__name__}: {exc})")
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """Return a database URL whose tables live in a fresh schema, dropped after the test."""
    schema = f"test_{secrets.token_hex(6)}"
    _run(pg_server, f"CREATE SCHEMA {schema}")
    try:
        yield with_params(pg_server, search_path=schema)
    finally:
        _run(pg_server, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """Return the URL of a fresh database (for tests that start several processes on it)."""
    name = f"test_{secrets.token_hex(6)}"
    _run(pg_server, f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(pg_server)._replace(path=f"/{name}"))
    finally:
        _run(pg_server, f"DROP DATABASE {name} WITH (FORCE)")
