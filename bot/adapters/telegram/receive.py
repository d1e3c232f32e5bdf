"""Receiving updates from Telegram, acknowledged only after their turn is committed.

python-telegram-bot's `Updater` confirms a batch (moves the getUpdates offset) as soon as it has
queued it, and its webhook answers 200 before any handler ran: an update fetched but not yet
handled when the process dies is never delivered again. So the adapter receives updates itself:

- `Poller` calls `Bot.get_updates(offset=...)`, hands every update of a batch to
  `process` (`Application.process_update`, whose handlers return once the turn is committed;
  replies go out from the outbox afterwards) and moves the offset past the batch only when all
  of them returned. A batch fetched again after a crash is recognised by update id
  (`Service.commit(update_id=...)`), so each update is handled once.
- `WebhookServer` (tornado, like PTB's own) answers Telegram's POST only after `process`
  returned; if the process dies first, Telegram posts the update again. While stopping it
  answers 503, so Telegram delivers the update again, to another instance behind the proxy.
  On the same port it serves the operator endpoints: /healthz (alive), /readyz (database and
  knowledge; 503 when not ready or stopping) and /metrics (Prometheus). Only the update path
  should be reachable from outside; the reverse proxy keeps the others internal.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, TelegramError
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

Process = Callable[[Update], Awaitable[None]]
#: pauses after failed getUpdates calls (the last one repeats)
POLL_RETRY_DELAYS = (1.0, 2.0, 5.0, 15.0, 30.0)


async def with_retries(action: Callable[[], Awaitable[Any]], retries: int, what: str) -> Any:
    """Run a start-up call, retrying network errors `retries` times (a bad token fails at once)."""
    for attempt in range(retries + 1):
        try:
            return await action()
        except (InvalidToken, BadRequest):
            raise
        except NetworkError as exc:
            if attempt == retries:
                raise
            log.warning("%s failed (%s); retrying", what, exc)
            await asyncio.sleep(1.0)
    return None


class UpdatesRequest(BaseRequest):
    """The getUpdates request (wrapping another `BaseRequest`), without the updates the poller
    holds already.

    The poller's offset stays at the oldest update still being handled, so under load every
    getUpdates answer repeats the updates in hand (up to 100), and python-telegram-bot would
    parse each into an `Update` again (~0.15-0.3 ms each) only for the poller to skip it. This
    request drops the held ones from the answer first: cut out of the bytes as Telegram's servers
    lay them out (`_without_held`), else through `json` (a few microseconds an update); then
    python-telegram-bot parses the rest.
    """

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        #: says whether an update id is in hand (set by the poller while it runs)
        self.held: Callable[[int], bool] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

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
        status, body = await self.inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        held = self.held
        if held is None or status != HTTPStatus.OK or not url.endswith("/getUpdates"):
            return status, body
        cut = _without_held(body, held)
        if cut is not None:
            return status, cut
        try:  # laid out otherwise than Telegram's servers do: parse it
            answer = json.loads(body)
            updates = answer["result"]
            kept = [u for u in updates if not held(u["update_id"])]
        except (ValueError, TypeError, KeyError):
            return status, body  # not what we expect: python-telegram-bot says what is wrong
        if len(kept) == len(updates):
            return status, body
        answer["result"] = kept
        return status, json.dumps(answer).encode()


_HEAD, _TAIL = b'{"ok":true,"result":[', b"]}"
_UPDATE_START = re.compile(rb'\{"update_id":(\d+),')


def _without_held(body: bytes, held: Callable[[int], bool]) -> bytes | None:
    """Cut the held updates out of a getUpdates answer as Telegram's servers lay it out (compact
    JSON, each update's id first), without parsing it; None if it is laid out otherwise.

    `{"update_id":` found outside a string starts an update (no other Bot API object has that
    field; inside a JSON string its quotes would be escaped)."""
    if not body.startswith(_HEAD) or not body.endswith(_TAIL):
        return None
    starts = list(_UPDATE_START.finditer(body, len(_HEAD)))
    if not starts or starts[0].start() != len(_HEAD):
        return None if body != _HEAD + _TAIL else body
    ends = [m.start() - 1 for m in starts[1:]] + [len(body) - len(_TAIL)]
    kept: list[bytes] = []
    for match, end in zip(starts, ends, strict=True):
        if body[end - 1 : end] != b"}" or (end < len(body) - len(_TAIL) and body[end] != 44):
            return None  # not one update after another, separated by commas
        if not held(int(match[1])):
            kept.append(body[match.start() : end])
    if len(kept) == len(starts):
        return body
    return _HEAD + b",".join(kept) + _TAIL


class Poller:
    """Long polling that acknowledges an update only once its turn was committed.

    The getUpdates offset both confirms every update below it and asks for the ones from it on,
    so it stays at the oldest update still being handled: a slow turn does not hold up anyone
    else's (Telegram hands the unfinished ones back with the new ones; those are skipped here).
    """

    def __init__(
        self,
        bot: Bot,
        process: Process,
        *,
        timeout: float,
        allowed_updates: Sequence[str],
        bootstrap_retries: int,
        retry_delays: Sequence[float] = POLL_RETRY_DELAYS,
        request: UpdatesRequest | None = None,
    ) -> None:
        self.bot = bot
        self.request = request  # the bot's getUpdates request, told which updates are in hand
        self.process = process
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.bootstrap_retries = bootstrap_retries
        self.retry_delays = tuple(retry_delays)
        self._next = 0  # past the newest update seen; 0: from the oldest Telegram holds
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._done: set[int] = set()  # handled, but an older one is still in flight
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int:
        """The offset to ask for: every update below it was handled (and is confirmed by it)."""
        return min(self._in_flight) if self._in_flight else self._next

    async def start(self) -> None:
        await with_retries(self.bot.delete_webhook, self.bootstrap_retries, "deleteWebhook")
        self._stop.clear()
        if self.request is not None:
            self.request.held = self._held
        self._task = asyncio.create_task(self._run(), name="kyc-helper:polling")

    def _held(self, update_id: int) -> bool:
        return update_id in self._in_flight or update_id in self._done

    async def stop(self) -> None:
        """Stop fetching; let the updates in hand finish; confirm them to Telegram."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self.request is not None:
            self.request.held = None
        if self.offset:
            with contextlib.suppress(TelegramError):
                await self.bot.get_updates(
                    offset=self.offset, timeout=timedelta(0), allowed_updates=self.allowed_updates
                )

    async def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                updates = await self._fetch()
            except asyncio.CancelledError:
                break  # stopped during a long poll: what it would have brought comes next time
            except TelegramError as exc:
                await self._pause_after(exc, failures)
                failures += 1
                continue
            failures = 0
            floor = self.offset  # everything below it was handled already
            seen = self._in_flight.keys() | self._done
            fresh = [u for u in updates if u.update_id >= floor and u.update_id not in seen]
            for update in fresh:
                self._start(update)
            if not fresh and self._in_flight:
                # only what is being handled came back: wait for some of it before asking again
                await asyncio.wait(
                    [*self._in_flight.values(), asyncio.ensure_future(self._stop.wait())],
                    timeout=0.25,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    def _start(self, update: Update) -> None:
        update_id = update.update_id
        self._next = max(self._next, update_id + 1)
        task = asyncio.create_task(self._handle(update), name=f"kyc-helper:update:{update_id}")
        self._in_flight[update_id] = task

        def finished(_: asyncio.Task[None]) -> None:
            del self._in_flight[update_id]
            self._done.add(update_id)
            floor = self.offset
            self._done = {i for i in self._done if i >= floor}

        task.add_done_callback(finished)

    async def _pause_after(self, exc: TelegramError, failures: int) -> None:
        if isinstance(exc, Conflict):
            log.warning("Telegram answered 409 Conflict (%s): is another instance polling?", exc)
        elif isinstance(exc, InvalidToken):
            log.error("Telegram refused the token while polling: %s", exc)
        else:
            log.warning("getUpdates failed: %s", exc)
        delay = self.retry_delays[min(failures, len(self.retry_delays) - 1)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), delay)

    async def _fetch(self) -> tuple[Update, ...]:
        """Return the next batch; raise CancelledError if stopped while waiting for it."""
        fetch = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset or None,
                timeout=timedelta(seconds=self.timeout),
                allowed_updates=self.allowed_updates,
            )
        )
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            raise asyncio.CancelledError
        return fetch.result()

    async def _handle(self, update: Update) -> None:
        try:
            await self.process(update)
        except Exception:  # one update's failure must not hold up the others
            log.exception("update %s could not be processed", update.update_id)


class WebhookServer:
    """Receive updates by webhook; answer each POST once its turn is committed."""

    def __init__(
        self,
        bot: Bot,
        process: Process,
        *,
        listen: str,
        port: int,
        path: str,
        secret: str | None,
        ready: Callable[[], Awaitable[dict[str, bool]]] | None = None,
        registry: Callable[[], CollectorRegistry] | None = None,
    ) -> None:
        self.bot = bot
        self.ready = ready
        self.registry = registry
        self.stopping = False
        self.process = process
        self.listen = listen
        self.port = port
        self.path = path if path.startswith("/") else f"/{path}"
        self.secret = secret
        self._http: tornado.httpserver.HTTPServer | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, url: str, allowed_updates: Sequence[str], bootstrap_retries: int) -> None:
        app = tornado.web.Application(
            [
                (rf"{re.escape(self.path)}/?", _WebhookHandler, {"server": self}),
                (r"/healthz", _HealthHandler, {"server": self}),
                (r"/readyz", _ReadyHandler, {"server": self}),
                (r"/metrics", _MetricsHandler, {"server": self}),
            ],
            log_function=lambda handler: None,  # requests carry nothing an operator needs
        )
        self._http = tornado.httpserver.HTTPServer(app)
        self._http.listen(self.port, address=self.listen)

        async def set_webhook() -> bool:
            return await self.bot.set_webhook(
                url=url, allowed_updates=list(allowed_updates), secret_token=self.secret
            )

        await with_retries(set_webhook, bootstrap_retries, "setWebhook")

    async def stop(self) -> None:
        """Stop accepting; let the requests in hand finish (Telegram retries the rest)."""
        self.stopping = True
        if self._http is None:
            return
        self._http.stop()
        await self._idle.wait()
        await self._http.close_all_connections()
        self._http = None

    async def receive(self, body: bytes) -> None:
        update = Update.de_json(json.loads(body), self.bot)
        self._in_flight += 1
        self._idle.clear()
        try:
            await self.process(update)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()


class _WebhookHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def post(self) -> None:
        if self.server.stopping:
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        if self.request.headers.get("Content-Type", "").split(";")[0] != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        secret = self.server.secret
        if secret is not None:
            given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            await self.server.receive(self.request.body)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: not an update (%s)", type(exc).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Never log a request (it may carry what a user wrote); errors are logged above."""


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    def get(self) -> None:
        self.finish({"status": "ok"})


class _ReadyHandler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    async def get(self) -> None:
        checks = await self.server.ready() if self.server.ready is not None else {}
        checks["serving"] = not self.server.stopping
        ready = all(checks.values())
        self.set_status(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE)
        self.finish({"ready": ready, "checks": checks})


class _MetricsHandler(tornado.web.RequestHandler):
    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    def get(self) -> None:
        registry = self.server.registry() if self.server.registry else CollectorRegistry()
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(registry))
