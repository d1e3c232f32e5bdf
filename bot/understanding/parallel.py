"""Spread a slow, pure computation over the machine's cores (a cold build and its checks).

Matching every knowledge example, as the checks do when the knowledge changed, is seconds of one
core for the bundled base. `split_work` cuts the list in parts and computes all but the first
in forked copies of this process, which already hold the built matcher (nothing is sent to
them but their results back); the parts come back in order, so the result is the one a single
process computes. `beside` runs one piece of work in a copy while this process does another
(the matcher's scope model trains beside its index). It forks only where that is safe and worth
it: a platform with `fork`, more than one core, no other thread running (a copy gets only the
forking thread, and a lock another thread held stays locked in it: so no forking for a reload,
which runs beside the bot), and enough items. A copy that fails in any way, or is still not
done long after this process finished its own part (`patience`), has its part computed here
instead: the checks end.
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
from typing import Any, TypeVar

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


def _may_fork() -> bool:
    return cores() > 1 and hasattr(os, "fork") and threading.active_count() == 1


def split_work(work: Callable[[list[T]], list[R]], items: list[T]) -> list[R]:
    """Return `work(items)`: the same list, computed in parts on several cores where possible."""
    n = min(MAX_PROCESSES, cores(), len(items) // MIN_ITEMS)
    if n <= 1 or not _may_fork():
        return work(items)
    size = -(-len(items) // n)
    parts = [items[i:i + size] for i in range(0, len(items), size)]
    copies = [_start(lambda part=part: work(part)) for part in parts[1:]]
    began = time.monotonic()
    out = work(parts[0])
    deadline = time.monotonic() + max(PATIENCE_FLOOR, PATIENCE_FACTOR * (time.monotonic() - began))
    for part, copy in zip(parts[1:], copies, strict=True):
        found = _result(copy, deadline) if copy is not None else None
        out += work(part) if found is None else found
    return out


def beside(work: Callable[[], R]) -> Callable[[], R]:
    """Start `work()` on another core where possible; return what gives its result.

    Call the returned function once this process has done its own share: it waits for the copy
    (as patiently as `split_work`, counting from the call to `beside`) and computes `work()` here
    when no copy could be forked or the copy failed. `work` must depend only on what this
    process holds when `beside` is called, and return something that pickles.
    """
    copy = _start(lambda: (work(),)) if _may_fork() else None
    began = time.monotonic()

    def result() -> R:
        if copy is not None:
            deadline = time.monotonic() + max(PATIENCE_FLOOR,
                                              PATIENCE_FACTOR * (time.monotonic() - began))
            found = _result(copy, deadline)
            if found is not None:
                return found[0]
        return work()

    return result


def _start(work: Callable[[], R]) -> tuple[int, int] | None:
    """Fork a copy computing `work()` into a pipe; return (its pid, the pipe's end)."""
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError as exc:
        logger.info("no copy forked (%s); this process does all the work", exc)
        return None
    if pid == 0:  # the copy: compute, send, leave without running anything of the parent's
        status = 1
        try:
            os.close(read)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _result(copy: tuple[int, int], deadline: float) -> Any:
    """What a copy computed, or None if it failed or was not done by `deadline`."""
    pid, read = copy
    chunks: list[bytes] = []
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([pipe], [], [], left)[0] if left > 0 else []
            if not ready:
                logger.warning("a forked copy is not done in time; its work done here instead")
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        logger.info("a forked copy failed (status %d); its work done here instead", status)
        return None
    return pickle.loads(b"".join(chunks))  # noqa: S301 - our own fork's output
