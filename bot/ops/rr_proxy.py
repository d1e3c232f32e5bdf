"""A loopback round-robin TCP proxy: the load balancer in front of N bot instances (the
end-to-end test and the bench's instances section).

Each new connection goes to the next upstream in turn; an upstream that refuses the connection
(its instance is down) is skipped, as a health-checking load balancer would. Bytes are piped
both ways unchanged, so it proxies HTTP without parsing it. `active` limits the rotation to the
first few upstreams (the bench compares one instance with two on the same processes).
"""

from __future__ import annotations

import asyncio
import contextlib


class RoundRobinProxy:
    def __init__(self, upstreams: list[tuple[str, int]]) -> None:
        self.upstreams = upstreams
        self.active = len(upstreams)
        self._turn = 0
        self._server: asyncio.Server | None = None
        self.connections = [0] * len(upstreams)

    async def start(self) -> int:
        """Listen on 127.0.0.1 and a free port; return the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in range(self.active):
            index = self._turn % self.active
            self._turn += 1
            try:
                upstream = await asyncio.open_connection(*self.upstreams[index])
            except OSError:
                continue
            self.connections[index] += 1
            break
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
