"""Keep the process's memory close to what it holds: one malloc arena.

glibc gives each thread that contends for the heap an arena of its own (up to 8 per core).
The bot's threads (the event loop, SQLite's worker, the thread that builds a reloaded
knowledge base) each leave freed blocks in theirs, so the process's peak RSS grows by what no
one uses: on this project's Telegram bench one arena took the bot from 155-156 to 147 MB
(`MALLOC_ARENA_MAX=1`), with no change in CPU per turn (4.4-4.6 ms). A Python process takes
the GIL for almost every allocation anyway, so the threads rarely contend for the arena.

An operator's own `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES` wins (set in the process's
environment: glibc reads them when the process starts, so not from `.env`); other C libraries
(musl, macOS) are left alone.
"""

from __future__ import annotations

import ctypes
import os

#: mallopt's parameter number for the arena limit (glibc malloc.h: M_ARENA_MAX)
_M_ARENA_MAX = -8
ARENAS = 1


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas; True when it agreed. Call before the
    process starts threads."""
    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False  # the operator's setting, which glibc read at start
    try:
        libc = ctypes.CDLL(None)  # the process's own C library (no `ldconfig` run to find it)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
