"""The Bot API's HTTP client: python-telegram-bot's `BaseRequest` on plain asyncio, HTTP/1.1 with
keep-alive, one request per connection at a time.

python-telegram-bot (PTB) makes its Bot API calls through a `BaseRequest`; its own,
`HTTPXRequest`, spends most of the bot's CPU per answered turn in httpx and httpcore (a profile
of `bench --only telegram`: ~40% of the process, ~4 ms a turn; httpcore alone checks every
pooled connection with a getpeername and a poll on each request and each response). This one
does what those calls need and no more:

    Bot._post --RequestData (form fields)--> LeanRequest.do_request
        --> an idle keep-alive connection (else a new one, up to `pool_size`; else wait
            `pool_timeout` for one) --> one write: request line, headers, form body
        --> the response parsed in `data_received` (Content-Length, chunked, or until close)
        --> (status, body) to PTB, which maps status codes to its errors as before

- A connection the server closed is dropped as soon as the event loop learns of it (asyncio
  calls `connection_lost`), so it is never picked; a request whose connection fails before the
  whole response arrived raises `NetworkError` (PTB's and our retries handle it, as before).
- Timeouts as PTB gives them: connect (opening a connection), read (from the request written
  to the whole response), pool (waiting for a free connection); a timed-out or cancelled
  request's connection is closed, never reused. Writes go to the transport's buffer at once.
- Requests that upload files, and deployments with a proxy configured in the environment
  (which httpx honours), go through PTB's `HTTPXRequest` unchanged.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

DEFAULT_TIMEOUT = 5.0  # seconds, as HTTPXRequest: connect, read, write
DEFAULT_POOL_TIMEOUT = 1.0  # as HTTPXRequest
#: seconds a connection may stay idle and still be used (httpx's default): a NAT or firewall may
#: drop an idle connection silently, and a request sent on it would only time out
KEEPALIVE_EXPIRY = 5.0
MAX_HEADER_BYTES = 64 * 1024
_FORM = b"application/x-www-form-urlencoded"


def proxy_configured() -> bool:
    """Say whether the environment names a proxy (httpx would use it; this client does not)."""
    return any(k in ("http", "https", "all") for k in urllib.request.getproxies())


class _ResponseError(Exception):
    """The server sent something that is not an HTTP/1.1 response."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection: write a request, collect its response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._head: tuple[int, bool, int | None, bool] | None = None  # status, chunked, length, keep
        self.reusable = False
        self.idle_since = 0.0

    # -- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # nothing was asked: the connection is out of step
            self.abort()
            return
        self._buffer += data
        self._parse(eof=False)

    def eof_received(self) -> bool | None:
        self.closed = True
        if self._waiter is not None:
            self._parse(eof=True)
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None:
            self._parse(eof=True)
            if not waiter.done():
                self._waiter = None
                why = f"{type(exc).__name__}: {exc}" if exc else "the server closed the connection"
                waiter.set_exception(NetworkError(f"Bot API connection lost ({why})"))

    # -- requests ----------------------------------------------------------------------------------

    def send(self, payload: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Write one request; return the future of its (status, body)."""
        assert self.transport is not None
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        self._head = None
        self.reusable = False
        self.transport.write(payload)
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _parse(self, *, eof: bool) -> None:
        waiter = self._waiter
        if waiter is None:
            return
        try:
            done = self._parse_response(eof)
        except (_ResponseError, ValueError, IndexError) as exc:
            self._waiter = None
            self.abort()
            if not waiter.done():
                waiter.set_exception(NetworkError(f"Bot API: bad response ({exc})"))
            return
        if done is not None:
            self._waiter = None
            if not waiter.done():  # else it timed out meanwhile
                waiter.set_result(done)

    def _parse_response(self, eof: bool) -> tuple[int, bytes] | None:
        buf = self._buffer
        while self._head is None:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEADER_BYTES or (eof and buf):
                    raise _ResponseError("incomplete response head")
                return None
            lines = bytes(buf[:end]).split(b"\r\n")
            version, _, rest = lines[0].partition(b" ")
            if not version.startswith(b"HTTP/1."):
                raise _ResponseError("not HTTP/1.x")
            status = int(rest[:3])
            length: int | None = None
            chunked = False
            keep = version == b"HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                elif name == b"connection":
                    tokens = value.lower()
                    if b"close" in tokens:
                        keep = False
                    elif b"keep-alive" in tokens:
                        keep = True
            del buf[: end + 4]
            if 100 <= status < 200:  # an interim response (100 Continue): the real one follows
                continue
            if status in (204, 304):
                length, chunked = 0, False
            self._head = (status, chunked, length, keep)
        status, chunked, length, keep = self._head
        if chunked:
            body = self._dechunk()
            if body is None:
                if eof:
                    raise _ResponseError("incomplete chunked body")
                return None
        elif length is not None:
            if len(buf) < length:
                if eof:
                    raise _ResponseError("incomplete body")
                return None
            body = bytes(buf[:length])
            del buf[:length]
        else:  # the body runs until the server closes the connection
            if not eof:
                return None
            body, keep = bytes(buf), False
            buf.clear()
        self.reusable = keep and not buf and not self.closed
        self._head = None
        return status, body

    def _dechunk(self) -> bytes | None:
        """Return the whole chunked body once it arrived (and take it from the buffer)."""
        buf = self._buffer
        parts: list[bytes] = []
        pos = 0
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(buf[pos:eol]).split(b";")[0].strip() or b"x", 16)
            pos = eol + 2
            if size == 0:
                while True:  # trailers, up to the blank line
                    eol = buf.find(b"\r\n", pos)
                    if eol < 0:
                        return None
                    blank = eol == pos
                    pos = eol + 2
                    if blank:
                        del buf[:pos]
                        return b"".join(parts)
            if len(buf) < pos + size + 2:
                return None
            parts.append(bytes(buf[pos : pos + size]))
            if buf[pos + size : pos + size + 2] != b"\r\n":
                raise _ResponseError("bad chunk")
            pos += size + 2


class _Pool:
    """Keep-alive connections to one origin: at most `size` open, idle ones reused newest first."""

    def __init__(self, scheme: str, host: str, port: int, size: int) -> None:
        self.scheme, self.host, self.port, self.size = scheme, host, port, size
        self.idle: list[_Connection] = []
        self.open = 0
        self.closed = False
        self.waiters: collections.deque[asyncio.Future[_Connection | None]] = collections.deque()
        # the certificates httpx trusts (certifi's, or SSL_CERT_FILE / SSL_CERT_DIR), as before
        self._ssl: ssl.SSLContext | None = httpx.create_ssl_context() if scheme == "https" else None

    async def acquire(self, connect_timeout: float | None, pool_timeout: float | None) -> _Connection:
        while True:
            if self.idle:
                expired = asyncio.get_running_loop().time() - KEEPALIVE_EXPIRY
                while self.idle:
                    conn = self.idle.pop()
                    if not conn.closed and conn.idle_since >= expired:
                        return conn
                    conn.abort()
                    self.open -= 1
            if self.open < self.size:
                self.open += 1
                try:
                    return await self._connect(connect_timeout)
                except BaseException:
                    self._freed()
                    raise
            waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                handed = await asyncio.wait_for(waiter, pool_timeout)
            except TimeoutError:
                raise TimedOut(
                    "Pool timeout: All connections in the connection pool are occupied. Request "
                    "was *not* sent to Telegram. Consider adjusting the connection pool size or "
                    "the pool timeout."
                ) from None
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # handed to us as we were cancelled
                    handed = waiter.result()
                    if handed is None:
                        self._wake_one()
                    else:
                        self.release(handed)
                raise
            if handed is not None:
                return handed
            # a connection was closed: look again (open one in its place, or wait again)

    async def _connect(self, timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl else None,
                ),
                timeout,
            )
        except TimeoutError:
            raise TimedOut("Timed out connecting to the Bot API") from None
        except (OSError, ssl.SSLError) as exc:
            raise NetworkError(f"cannot connect to the Bot API: {type(exc).__name__}: {exc}") from exc
        return conn

    def release(self, conn: _Connection) -> None:
        """Give back a connection after its request: kept if reusable, else closed."""
        if conn.closed or not conn.reusable or self.closed:
            conn.abort()
            self._freed()
            return
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        conn.idle_since = now = asyncio.get_running_loop().time()
        while self.idle and self.idle[0].idle_since < now - KEEPALIVE_EXPIRY:
            self.idle.pop(0).abort()  # the oldest, unused for too long
            self.open -= 1
        self.idle.append(conn)

    def _freed(self) -> None:
        """One connection fewer: let a waiter open one."""
        self.open -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def close(self) -> None:
        self.closed = True
        for conn in self.idle:
            conn.close()
        self.open -= len(self.idle)
        self.idle.clear()


class LeanRequest(BaseRequest):
    """PTB's `BaseRequest` on asyncio directly (see the module docstring)."""

    __slots__ = ("_connect_timeout", "_fallback", "_pool_size", "_pool_timeout", "_pools",
                 "_read_timeout", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._fallback: HTTPXRequest | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to do: connections open on first use."""

    async def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self._fallback is not None:
            await self._fallback.shutdown()
            self._fallback = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            return await self._httpx().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        default = BaseRequest.DEFAULT_NONE.__class__
        if isinstance(read_timeout, default):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, default):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, default):
            pool_timeout = self._pool_timeout
        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        origin = host if parts.port is None else f"{host}:{parts.port}"
        head = f"{method} {path} HTTP/1.1\r\nHost: {origin}\r\nUser-Agent: {self.USER_AGENT}\r\n"
        if method == "GET":
            payload = (head + "\r\n").encode()
        else:
            body = urlencode(request_data.json_parameters).encode() if request_data else b""
            payload = (
                head.encode()
                + b"Content-Type: " + _FORM + b"\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body
            )  # fmt: skip
        pool = self._pools.get((scheme, host, port))
        if pool is None:
            pool = self._pools[(scheme, host, port)] = _Pool(scheme, host, port, self._pool_size)
        conn = await pool.acquire(connect_timeout, pool_timeout)
        try:
            waiter = conn.send(payload)
            if read_timeout is None:
                return await waiter
            timer = asyncio.get_running_loop().call_later(read_timeout, _time_out, waiter)
            try:
                return await waiter
            finally:
                timer.cancel()
        except BaseException:
            conn.reusable = False
            raise
        finally:
            pool.release(conn)

    def _httpx(self) -> HTTPXRequest:
        if self._fallback is None:
            self._fallback = HTTPXRequest(
                connection_pool_size=self._pool_size,
                read_timeout=self._read_timeout,
                write_timeout=self._write_timeout,
                connect_timeout=self._connect_timeout,
                pool_timeout=self._pool_timeout,
            )
        return self._fallback


def _time_out(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimedOut("Timed out waiting for the Bot API's answer"))
