"""The webhook side of the instances bench (bench_instances.py): keep-alive connections posting
updates shaped like Telegram's, the users they speak for, the load generator (closed loop: each
lane sends as soon as it was answered; open loop: at a set rate), and one bot instance process
(`python -m bot telegram` in webhook mode) with its readiness check.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_fakeapi import FakeBotApi
from bot.ops.bench_report import cpu_seconds

PATH = "/kyc/hook"
SECRET = "bench-Secret_1"
RETRY_S = 0.2  # an update that got no 200 is posted again after this long, as Telegram does


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


def users_for(samples: list[Sample], count: int) -> list[User]:
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
