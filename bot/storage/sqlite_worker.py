"""The SQLite store's database thread: one connection, calls queued from the event loop, run in
batches, and turns' writes committed together (group commit).

The event loop hands the calls made during one of its turns over together (one wake-up of the
thread for all of them). Each time the thread wakes it takes every call queued meanwhile (up to
about `MAX_BATCH`), runs them in order, and hands all their results back to the event loop at
once (one wake-up of the loop per batch, not per call). Calls queued with `grouped=True` are a turn's writes, written to run
inside a transaction: consecutive ones share one `BEGIN IMMEDIATE ... COMMIT`, each in a
savepoint of its own, so one turn's rollback (its state changed meanwhile, a duplicate update)
or error leaves the others' writes in place. A result is handed back only after the COMMIT
returned, so a turn reported written survives a kill -9 of the process, as before; if the
COMMIT fails, every turn of the group fails with that error and nothing of the group is written.

It offers the few members of `aiosqlite.Connection` the store and its reader use (`_execute`,
`_conn`, `_connection`, `_thread`, `close`), so a store in memory reads on it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

#: calls run in one batch at most, give or take one turn of the event loop's calls (a batch's
#: results reach the event loop together)
MAX_BATCH = 256

_STOP = object()
#: (future or None, function, arguments, grouped)
_Job = tuple["asyncio.Future[Any] | None", Callable[..., Any], tuple[Any, ...], bool]


class RolledBack(Exception):  # noqa: N818 - not an error: the turn's savepoint is undone
    """Raised by a grouped call to undo its own writes; the call's result is `value`."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Worker:
    """`await Worker(connector)` opens the connection on a new thread; `await close()` ends it."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        self._connector = connector
        self._connection: sqlite3.Connection | None = None
        self._running = True
        self._queue: queue.SimpleQueue[list[_Job]] = queue.SimpleQueue()
        #: calls made during this turn of the event loop, handed to the thread together at its
        #: next turn (one wake-up of the thread, not one per call)
        self._pending: list[_Job] = []
        self._thread = threading.Thread(target=self._work, name="sqlite-store", daemon=True)

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> Worker:
        self._thread.start()
        try:
            self._connection = await self._submit(lambda: self._connector(), (), False)
        except BaseException:
            self._stop()
            raise
        return self

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    async def _execute(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` on the database thread; its exception is raised here."""
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return await self._submit(fn, args, False)

    async def grouped(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(connection, *args)` inside a write transaction it may share with others'
        calls; `fn` raises `RolledBack(result)` to undo its own writes."""
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return await self._submit(fn, (self._connection, *args), True)

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...], grouped: bool) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if self._pending and self._pending[0][0] is not None \
                and self._pending[0][0].get_loop() is not loop:
            self._flush()  # another event loop's calls: they need not wait for this one's turn
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((future, fn, args, grouped))
        return future

    def _flush(self) -> None:
        if self._pending:
            jobs, self._pending = self._pending, []
            self._queue.put(jobs)

    async def close(self) -> None:
        if not self._running:
            return
        future = self._stop()
        if future is not None:
            await future

    def _stop(self) -> asyncio.Future[Any] | None:
        self._running = False

        def close_and_stop() -> object:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            return _STOP

        try:
            future: asyncio.Future[Any] | None = asyncio.get_running_loop().create_future()
        except RuntimeError:
            future = None
        if self._thread.is_alive() or not self._thread.ident:
            self._flush()  # the calls made before it run first
            self._queue.put([(future, close_and_stop, (), False)])
        elif future is not None:
            future.set_result(None)
        return future

    # -- on the database thread ------------------------------------------------------------

    def _work(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        while True:
            batch = get()
            with contextlib.suppress(queue.Empty):
                while len(batch) < MAX_BATCH:
                    batch += get_nowait()
            done: list[tuple[asyncio.Future[Any] | None, bool, Any]] = []
            stop = False
            i = 0
            while i < len(batch):
                j = i
                while j < len(batch) and batch[j][3]:
                    j += 1
                if j > i:
                    done += self._group(batch[i:j])
                    i = j
                    continue
                future, fn, args, _ = batch[i]
                i += 1
                try:
                    result = fn(*args)
                except BaseException as exc:  # handed to the caller
                    done.append((future, False, exc))
                    continue
                stop = stop or result is _STOP
                done.append((future, True, None if result is _STOP else result))
            self._hand_back(done)
            if stop:
                return

    def _group(self, jobs: list[_Job]) -> list[tuple[asyncio.Future[Any] | None, bool, Any]]:
        """Run grouped calls in one transaction, each in a savepoint; commit once."""
        conn = self._connection
        if conn is None:
            return [(f, False, ValueError("Connection closed")) for f, *_ in jobs]
        out: list[tuple[asyncio.Future[Any] | None, bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            return [(f, False, exc) for f, *_ in jobs]
        try:
            for future, fn, args, _ in jobs:
                conn.execute("SAVEPOINT turn")
                try:
                    out.append((future, True, fn(*args)))
                except RolledBack as back:
                    conn.execute("ROLLBACK TO turn")
                    out.append((future, True, back.value))
                except Exception as exc:  # this turn's error: the others' writes stay
                    conn.execute("ROLLBACK TO turn")
                    out.append((future, False, exc))
                conn.execute("RELEASE turn")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            return [(f, False, exc) for f, *_ in jobs]
        return out

    def _hand_back(self, done: list[tuple[asyncio.Future[Any] | None, bool, Any]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for d in done:
            if d[0] is not None:
                by_loop.setdefault(d[0].get_loop(), []).append(d)
        for loop, results in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_resolve, results)


def _resolve(done: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in done:
        if future.done():  # its caller was cancelled
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
