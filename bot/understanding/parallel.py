"""Spread a slow, pure computation over the machine's cores (the start-up checks).

Matching every knowledge example, as the checks do when the knowledge changed, is ~1.3 s of one
core for the bundled base. `split_work` cuts the list in parts and computes all but the first
in forked copies of this process, which already hold the built matcher (nothing is sent to
them but their results back); the parts come back in order, so the result is the one a single
process computes. It forks only where that is safe and worth it: a platform with `fork`, more
than one core, no other thread running (a copy gets only the forking thread, and a lock another
thread held stays locked in it: so no forking for a reload, which runs beside the bot), and
enough items. A copy that fails in any way, or is still not done long after this process
finished its own part (`patience`), has its part computed here instead: the checks end.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: at most this many processes share the work; fewer items than MIN_ITEMS are not split
MAX_PROCESSES = 4
MIN_ITEMS = 400
#: a copy may take this many times as long as this process took for its own part (at least
#: PATIENCE_FLOOR seconds) before it is stopped and its part computed here
PATIENCE_FACTOR = 10.0
PATIENCE_FLOOR = 30.0


def cores() -> int:
    """Return how many processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def split_work(work: Callable[[list[T]], list[R]], items: list[T]) -> list[R]:
    """Return `work(items)`: the same list, computed in parts on several cores where possible."""
    n = min(MAX_PROCESSES, cores(), len(items) // MIN_ITEMS)
    if n <= 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return work(items)
    size = -(-len(items) // n)
    parts = [items[i:i + size] for i in range(0, len(items), size)]
    copies = [_start(work, part) for part in parts[1:]]
    began = time.monotonic()
    out = work(parts[0])
    deadline = time.monotonic() + max(PATIENCE_FLOOR, PATIENCE_FACTOR * (time.monotonic() - began))
    for part, copy in zip(parts[1:], copies, strict=True):
        found = _result(copy, deadline) if copy is not None else None
        out += work(part) if found is None else found
    return out


def _start(work: Callable[[list[T]], list[R]], part: list[T]) -> tuple[int, int] | None:
    """Fork a copy computing `work(part)` into a pipe; return (its pid, the pipe's end)."""
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError as exc:
        logger.info("no copy forked for the checks (%s); one process does it all", exc)
        return None
    if pid == 0:  # the copy: compute, send, leave without running anything of the parent's
        status = 1
        try:
            os.close(read)
            data = pickle.dumps(work(part), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _result(copy: tuple[int, int], deadline: float) -> list[R] | None:
    """The list a copy computed, or None if it failed or was not done by `deadline`."""
    pid, read = copy
    chunks: list[bytes] = []
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([pipe], [], [], left)[0] if left > 0 else []
            if not ready:
                logger.warning("a copy doing the checks is not done in time; done here instead")
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        logger.info("a copy doing the checks failed (status %d); done here instead", status)
        return None
    return pickle.loads(b"".join(chunks))  # noqa: S301 - our own fork's output
