"""The Bot API's HTTP client (`bot.adapters.telegram.http.LeanRequest`) against a scripted server:
answers as Telegram's servers and proxies may give them, connections they close, slow answers;
and the poller's getUpdates request, which leaves out the updates in hand."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.adapters.telegram import http as lean_http
from bot.adapters.telegram.http import LeanRequest
from bot.adapters.telegram.receive import UpdatesRequest

OK = b'{"ok":true,"result":true}'


class Server:
    """Reads each request; `answer(request_number, body)` returns the bytes to write (None:
    close the connection without answering), or a coroutine function that writes itself."""

    def __init__(self, answer: Callable[[int, bytes], bytes | None]) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                reply = self.answer(len(self.requests), body)
                if reply is None:
                    break
                if callable(reply):
                    await reply(writer)
                else:
                    writer.write(reply)
                if writer.is_closing():
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


TLS = Path(__file__).parent / "data" / "tls"  # a self-signed certificate for 127.0.0.1


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., asyncio.Future]]:
    servers: list[asyncio.Server] = []

    async def start(
        answer: Callable[[int, bytes], bytes | None], *, tls: bool = False
    ) -> tuple[Server, str]:
        server = Server(answer)
        context = None
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
        srv = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=context)
        servers.append(srv)
        port = srv.sockets[0].getsockname()[1]
        return server, f"{'https' if tls else 'http'}://127.0.0.1:{port}/botTOKEN"

    yield start  # type: ignore[misc]
    for srv in servers:
        srv.close()


def response(body: bytes = OK, *, headers: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def test_answers_come_back_and_the_connection_is_kept(serve):
    server, url = await serve(lambda n, body: response(b'{"ok":true,"result":%d}' % n))
    request = LeanRequest(4)
    for n in (1, 2, 3):
        data = RequestData()
        assert await request.post(f"{url}/sendMessage", data) == n
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /botTOKEN/sendMessage HTTP/1.1\r\n")
    assert b"Content-Type: application/x-www-form-urlencoded" in first
    await request.shutdown()


async def test_https_with_the_certificates_httpx_would_trust(serve, monkeypatch):
    server, url = await serve(lambda n, body: response(), tls=True)
    request = LeanRequest(1)
    with pytest.raises(NetworkError):  # a certificate nobody vouches for
        await request.post(f"{url}/getMe", RequestData())
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))  # as httpx, this one is trusted
    request = LeanRequest(1)
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert server.connections == 1  # kept alive (the refused handshake never got this far)
    await request.shutdown()


async def test_form_fields_are_sent_as_python_telegram_bot_encodes_them(serve):
    server, url = await serve(
        lambda n, body: response(
            b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"}}}'
        )
    )
    bot = Bot("1:T", base_url=url.removesuffix("TOKEN"), request=LeanRequest(2))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("é & b", callback_data="x=1&y")]])
    message = await bot.send_message(5, "héllo <b>&</b> +", reply_markup=keyboard)
    assert message.message_id == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /bot1:T/sendMessage HTTP/1.1\r\n")
    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert fields["text"] == "héllo <b>&</b> +"
    assert json.loads(fields["reply_markup"])["inline_keyboard"][0][0]["callback_data"] == "x=1&y"
    await bot.request.shutdown()


async def test_chunked_answers_and_connection_close_are_understood(serve):
    def answer(n: int, body: bytes) -> bytes:
        if n == 1:
            return (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\n{\"ok\"\r\n14;ext=1\r\n:true,\"result\":\"ab\"}\r\n0\r\n\r\n"
            )
        return response(headers="Connection: close\r\n")

    server, url = await serve(answer)
    request = LeanRequest(1)
    assert await request.post(f"{url}/getMe", RequestData()) == "ab"
    assert await request.post(f"{url}/getMe", RequestData()) is True  # then closed by us
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert server.connections == 2
    await request.shutdown()


async def test_a_connection_the_server_closed_while_idle_is_not_used(serve):
    server, url = await serve(lambda n, body: response())
    request = LeanRequest(1)
    assert await request.post(f"{url}/getMe", RequestData()) is True
    for writer in server.writers:  # the server drops its idle keep-alive connection
        writer.close()
    await asyncio.sleep(0.05)
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert server.connections == 2
    await request.shutdown()


async def test_a_connection_idle_for_too_long_is_not_used(serve, monkeypatch):
    monkeypatch.setattr(lean_http, "KEEPALIVE_EXPIRY", 0.05)  # a NAT may have dropped it silently
    server, url = await serve(lambda n, body: response())
    request = LeanRequest(1)
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert await request.post(f"{url}/getMe", RequestData()) is True
    await asyncio.sleep(0.1)
    assert await request.post(f"{url}/getMe", RequestData()) is True
    assert server.connections == 2
    await request.shutdown()


async def test_an_answer_cut_off_is_a_network_error_and_the_next_call_works(serve):
    async def cut(writer: asyncio.StreamWriter) -> None:
        writer.write(response()[:-5])
        writer.close()

    def answer(n: int, body: bytes) -> object:
        return {1: None, 2: cut}.get(n, response())  # closes without answering, or midway

    server, url = await serve(answer)
    request = LeanRequest(1)
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await request.post(f"{url}/sendMessage", RequestData())
        assert not isinstance(caught.value, TimedOut)
    assert await request.post(f"{url}/sendMessage", RequestData()) is True
    assert server.connections == 3
    await request.shutdown()


async def test_a_slow_answer_times_out_and_its_connection_is_not_reused(serve):
    async def late(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.5)
        writer.write(response(b'{"ok":true,"result":"late"}'))

    server, url = await serve(lambda n, body: late if n == 1 else response())
    request = LeanRequest(1, read_timeout=0.1)
    with pytest.raises(TimedOut):
        await request.post(f"{url}/sendMessage", RequestData())
    assert await request.post(f"{url}/sendMessage", RequestData()) is True
    assert server.connections == 2
    await request.shutdown()


async def test_calls_beyond_the_pool_wait_for_a_connection(serve):
    async def slow(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        writer.write(response())

    server, url = await serve(lambda n, body: slow)
    request = LeanRequest(2, pool_timeout=5)
    results = await asyncio.gather(
        *(request.post(f"{url}/sendMessage", RequestData()) for _ in range(6))
    )
    assert results == [True] * 6
    assert server.connections == 2
    request_short = LeanRequest(1, pool_timeout=0.01)
    outcome = await asyncio.gather(
        *(request_short.post(f"{url}/sendMessage", RequestData()) for _ in range(2)),
        return_exceptions=True,
    )
    assert any(isinstance(o, TimedOut) for o in outcome)
    await request.shutdown()
    await request_short.shutdown()


async def test_a_call_cancelled_while_waiting_for_a_connection_keeps_none(serve):
    async def slow(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.1)
        writer.write(response(headers="Connection: close\r\n"))  # each call: a new connection

    server, url = await serve(lambda n, body: slow)
    request = LeanRequest(1, pool_timeout=5)
    first = asyncio.create_task(request.post(f"{url}/sendMessage", RequestData()))
    await asyncio.sleep(0.02)
    waiting = asyncio.create_task(request.post(f"{url}/sendMessage", RequestData()))
    await asyncio.sleep(0.02)
    waiting.cancel()
    assert await first is True
    results = await asyncio.gather(
        *(request.post(f"{url}/sendMessage", RequestData()) for _ in range(3))
    )
    assert results == [True] * 3
    assert server.connections == 4  # one a call that ran; the cancelled call took no slot
    await request.shutdown()


async def test_the_poller_request_leaves_out_the_updates_in_hand(serve):
    updates = [{"update_id": i, "message": {"text": f'"update_id": {i - 1}'}} for i in (7, 8, 9)]
    server, url = await serve(
        lambda n, body: response(json.dumps({"ok": True, "result": updates}).encode())
    )
    request = UpdatesRequest(LeanRequest(1))
    assert len(await request.post(f"{url}/getUpdates", RequestData())) == 3
    request.held = {7, 9}.__contains__
    assert await request.post(f"{url}/getUpdates", RequestData()) == [updates[1]]
    request.held = {7, 8, 9}.__contains__
    assert await request.post(f"{url}/getUpdates", RequestData()) == []
    request.held = {6, 10}.__contains__
    assert await request.post(f"{url}/getUpdates", RequestData()) == updates
    assert len(await request.post(f"{url}/sendMessage", RequestData())) == 3  # only getUpdates
    await request.shutdown()


@pytest.mark.parametrize("compact", [True, False], ids=["as-telegram-lays-it-out", "other-layout"])
async def test_held_updates_are_left_out_however_the_answer_is_laid_out(serve, compact):
    texts = ['{"update_id":6,', "x" * 3, "\\", "é"]  # a text may look like the layout
    updates = [{"update_id": 5 + i, "message": {"text": t}} for i, t in enumerate(texts)]
    if compact:  # as telegram-bot-api writes it: compact, each update's id first, then ",\n"
        body = b'{"ok":true,"result":[' + b",".join(
            b'{"update_id":%d,\n' % u["update_id"]
            + json.dumps({"message": u["message"]}, separators=(",", ":")).encode()[1:]
            for u in updates
        ) + b"]}"
    else:
        body = json.dumps({"ok": True, "result": updates}, indent=1).encode()
    server, url = await serve(lambda n, _: response(body))
    request = UpdatesRequest(LeanRequest(1))
    for held, left in (({5, 7}, [6, 8]), ({5, 6, 7, 8}, []), ({4}, [5, 6, 7, 8]), ({8}, [5, 6, 7])):
        request.held = held.__contains__
        answer = await request.post(f"{url}/getUpdates", RequestData())
        assert answer == [u for u in updates if u["update_id"] in left]
    await request.shutdown()
