"""The Telegram bot's assembly and lifecycle: the Application, receiving updates, start-up
checks, the follow-up scheduler, reloads (SIGHUP, /reload) and a clean stop.

    running(): build the Application (AIORateLimiter, our handlers) --> getMe --> no other
      poller? --> open the service, register the sender, publish menus, start the scheduler
      --> receive (Poller or WebhookServer) ... stop receiving --> idle (turns in flight
      commit, their replies go out) --> stop the scheduler --> close the service
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry
from telegram import Update
from telegram.error import Conflict
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.adapters.telegram.handlers import CHANNEL, Handlers
from bot.adapters.telegram.http import LeanRequest, proxy_configured
from bot.adapters.telegram.menus import publish_commands
from bot.adapters.telegram.outbound import NETWORK_RETRY_DELAYS, Outbound
from bot.adapters.telegram.receive import Poller, UpdatesRequest, WebhookServer, with_retries
from bot.adapters.telegram.replies import Replies
from bot.adapters.telegram.service import Clock, ServiceFactory, ServiceLike, open_service
from bot.app.admin import ADMIN_COMMANDS, Admin, ReloadResult
from bot.app.config import SecretMasker, Settings, is_postgres_url
from bot.core.events import Reply
from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import ConfigError
from bot.shared.logtext import Ours

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30.0  # seconds a getUpdates long poll may wait
#: seconds of the long poll that checks, before polling starts, that no other instance polls:
#: a running instance whose poll our request ends polls again within ~1 s, which ends ours
#: with 409 Conflict (python-telegram-bot retries a failed poll after 1 s)
PROBE_TIMEOUT = 3.0
SCHEDULER_INTERVAL = 30.0  # seconds between follow-up passes
#: share of the send limit a draining backlog of follow-ups may use; the rest is live replies'
FOLLOWUP_SHARE = 0.9
BOOTSTRAP_RETRIES = 5  # startup attempts on network errors (a bad token fails at once)
ALLOWED_UPDATES = ("message", "callback_query")
#: connections to the Bot API for calls other than getUpdates. httpcore checks every pooled
#: connection on each request (a getpeername and a poll per connection), so PTB's default of
#: 256 costs more CPU per call the more connections a burst opened; the send limit (30/s) at
#: a real round trip of 100-300 ms keeps fewer than 10 busy
CONNECTION_POOL = 16
#: seconds a call may wait for a free connection before it fails (and is retried as a network
#: error); PTB's default of 1 s is short for a burst queued behind a full pool
POOL_TIMEOUT = 10.0


class TelegramBot(Handlers):
    """Run the service on Telegram: build the Application, serve updates, send follow-ups."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        *,
        open_service: ServiceFactory = open_service,
        clock: Clock | None = None,
        poll_timeout: float = POLL_TIMEOUT,
        probe_timeout: float = PROBE_TIMEOUT,
        scheduler_interval: float = SCHEDULER_INTERVAL,
        retry_delays: Sequence[float] = NETWORK_RETRY_DELAYS,
    ) -> None:
        if not settings.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.kb = kb
        self._open_service = open_service
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.probe_timeout = probe_timeout
        self._polling = False
        self.scheduler_interval = scheduler_interval
        self.retry_delays = tuple(retry_delays)
        self.masker = SecretMasker(settings.secrets)
        self.service: ServiceLike | None = None
        self.admin: Admin | None = None  # the operators' commands, once the service is open
        self.application: Application | None = None
        self.outbound: Outbound | None = None
        self.replies: Replies | None = None
        self._stop_scheduler = asyncio.Event()
        self._scheduler: asyncio.Task[None] | None = None
        self._handle_signals = False
        self._reload_task: asyncio.Task[ReloadResult] | None = None
        self._receiver: Poller | WebhookServer | None = None
        self._updates_request: UpdatesRequest | None = None
        self._processing = 0  # updates being processed
        self._init_handlers()

    # -- assembly -----------------------------------------------------------------------------

    def build_application(self) -> Application:
        """Build the PTB Application with our two handlers and error handler (no Updater: the
        adapter fetches updates itself, see `bot.adapters.telegram.receive`)."""
        self.masker.install()  # before PTB logs its URLs, which contain the token
        builder = ApplicationBuilder().token(self.settings.token or "").updater(None)
        # httpx honours the environment's proxy, LeanRequest does not; an operator may also ask
        # for httpx (TELEGRAM_HTTP_CLIENT=httpx)
        if proxy_configured() or self.settings.http_client == "httpx":
            request: BaseRequest = HTTPXRequest(CONNECTION_POOL, pool_timeout=POOL_TIMEOUT)
            updates: BaseRequest = HTTPXRequest(1)
        else:
            request = LeanRequest(CONNECTION_POOL, pool_timeout=POOL_TIMEOUT)
            updates = LeanRequest(1)
        self._updates_request = UpdatesRequest(updates)
        builder = builder.request(request).get_updates_request(self._updates_request)
        if self.settings.rate_limit > 0:
            limiter = AIORateLimiter(overall_max_rate=self.settings.rate_limit, max_retries=2)
            builder = builder.rate_limiter(limiter)
        if self.settings.bot_base_url and self.settings.file_base_url:
            builder = builder.base_url(self.settings.bot_base_url).base_file_url(
                self.settings.file_base_url
            )
        app = builder.build()
        app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.on_message)
        )
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_error_handler(self.on_error)
        self.application = app
        self.outbound = Outbound(app.bot, self.retry_delays)
        self.replies = Replies(self.outbound)
        return app

    def _receiver_for(self, app: Application, webhook: bool) -> Poller | WebhookServer:
        if not webhook:
            return Poller(
                app.bot,
                self.process_update,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                request=self._updates_request,
            )
        s = self.settings
        return WebhookServer(
            app.bot,
            self.process_update,
            listen=s.webhook_host,
            port=s.webhook_port,
            path=s.webhook_path,
            secret=s.webhook_secret,
            ready=self.readiness,
            registry=self.metrics_registry,
        )

    def run(self) -> None:
        """Serve until SIGINT/SIGTERM (blocking): webhook if configured, else long polling."""
        self._handle_signals = True
        mode = "webhook" if self.settings.use_webhook else "long polling"
        self._polling = not self.settings.use_webhook
        log.info("starting on Telegram (%s)", mode)
        asyncio.run(self._serve_until_stopped())

    async def _serve_until_stopped(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        async with self.running():
            await stop.wait()
        log.info("stop signal received; stopped after the updates in flight")

    @contextlib.asynccontextmanager
    async def running(self, *, webhook: bool | None = None) -> AsyncIterator[Application]:
        """Serve inside the current event loop until the block ends; then stop receiving, let
        the updates in flight commit and their replies go out, and close the store."""
        app = self.build_application()
        use_webhook = self.settings.use_webhook if webhook is None else webhook
        self._polling = not use_webhook
        try:
            await with_retries(app.initialize, BOOTSTRAP_RETRIES, "getMe")
            await self._post_init(app)
            await app.start()
            receiver = self._receiver_for(app, use_webhook)
            try:
                if isinstance(receiver, WebhookServer):
                    await receiver.start(
                        self.settings.webhook_url or "", ALLOWED_UPDATES, BOOTSTRAP_RETRIES
                    )
                else:
                    await receiver.start()
                self._receiver = receiver
                yield app
            finally:
                await receiver.stop()
                self._receiver = None
                await self.idle()
                if app.running:
                    await app.stop()
                await self._stop_followups()
        finally:
            await app.shutdown()
            await self._post_shutdown()

    async def readiness(self) -> dict[str, bool]:
        """Return the readiness checks: the database answers, a knowledge base is loaded."""
        database = False
        ping = getattr(self.service, "ping", None)
        if ping is not None:
            try:
                database = bool(await ping())
            except Exception as exc:  # any failure means not ready; say why in the log
                log.warning("not ready: the database does not answer: %s", exc)
        return {"database": database, "knowledge": bool(self.kb.reasons)}

    def metrics_registry(self) -> CollectorRegistry:
        """Return the registry /metrics exposes: the service's."""
        metrics = getattr(self.service, "metrics", None)
        return metrics.registry if metrics is not None else CollectorRegistry()

    async def process_update(self, update: Update) -> None:
        """Handle one update; return once its turn is committed (replies may still be going out)."""
        assert self.application is not None
        self._processing += 1
        try:
            await self.application.process_update(update)
        finally:
            self._processing -= 1

    async def idle(self) -> None:
        """Wait until no update is being processed and every reply started has gone out."""
        while self._processing or self._deliveries:
            if self._deliveries:
                await asyncio.gather(*list(self._deliveries), return_exceptions=True)
            else:
                await asyncio.sleep(0.01)

    # -- start and stop ------------------------------------------------------------------------

    async def _post_init(self, app: Application) -> None:
        """Open the service, register the follow-up sender, publish commands, start the scheduler."""
        if self._polling:
            await self.check_no_other_poller(app)
        database = self.settings.database
        if not is_postgres_url(database):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        self.service = await self._open_service(self.kb, database, self.clock)
        self.service.owner = self.settings.instance  # its name in claims, stable across restarts
        self.service.followup_rate = FOLLOWUP_SHARE * max(0.0, self.settings.rate_limit)
        self.service.register_sender(CHANNEL, self.send_replies, joins=True)
        self.admin = Admin(
            self.service,  # type: ignore[arg-type]
            self.settings.knowledge_dir,
            apply=self._apply,
            after_reload=lambda _: self.publish_commands(),
        )
        await self.publish_commands()
        warm = getattr(self.service, "warm", None)
        if warm is not None:  # before the first user: the segmenter, the redactor's patterns
            await asyncio.to_thread(warm)
        # what start-up made (~10^6 objects: the knowledge base, its matcher) lives on: out of
        # the cycle collector's sight, its full passes stop walking it (-5% CPU a turn in 5
        # alternating pairs of `bench --only telegram`). A reload or a stop gives it back.
        gc.freeze()
        self._stop_scheduler.clear()
        self._scheduler = asyncio.create_task(
            self.service.run_scheduler(self._stop_scheduler, self.scheduler_interval),
            name="kyc-helper:followups",
        )
        if self._handle_signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._reload_on_signal)
        log.info(
            Ours("bot @%s ready; %d admin(s) may use /%s"),
            app.bot.username, len(self.settings.admin_user_ids), ", /".join(ADMIN_COMMANDS),
        )  # fmt: skip

    async def check_no_other_poller(self, app: Application) -> None:
        """Refuse to poll (ConfigError) when another instance polls, or a webhook is set.

        One long poll of `probe_timeout`, confirming nothing: if another instance is polling
        with this token, our request ends its poll, its next poll ends ours, and Telegram
        answers 409 Conflict. Polling would otherwise delete another deployment's webhook.
        """
        try:
            await app.bot.get_updates(
                timeout=self.probe_timeout, limit=1, allowed_updates=list(ALLOWED_UPDATES)
            )
        except Conflict as exc:
            if "webhook" in exc.message.lower():
                raise ConfigError(
                    "a webhook is set for this bot token (Telegram answered 409 Conflict): "
                    "another deployment receives its updates; set WEBHOOK_URL to join it, "
                    "or delete that webhook first"
                ) from None
            raise ConfigError(
                "another instance is already polling Telegram with this bot token (Telegram "
                "answered 409 Conflict): stop it, or run several instances with WEBHOOK_URL"
            ) from None

    async def _post_shutdown(self) -> None:
        """Close the service (and its database)."""
        gc.unfreeze()
        await self._stop_followups()  # in case start-up failed half-way
        if self.service is not None:
            await self.service.close()
            self.service = None
        log.info("stopped")
        self.masker.uninstall()

    async def _stop_followups(self) -> None:
        self._stop_scheduler.set()
        if self._scheduler is not None:
            try:
                await self._scheduler
            except Exception:
                log.exception("the follow-up scheduler failed")
            self._scheduler = None

    # -- menus, reloads, the sender -------------------------------------------------------------

    async def publish_commands(self) -> None:
        """Set the command menus (`bot.adapters.telegram.menus`)."""
        assert self.application is not None and self.admin is not None
        await publish_commands(
            self.application.bot, self.kb, self.admin, self.settings.admin_user_ids
        )

    def _reload_on_signal(self) -> None:
        """Reload the knowledge base in the background (SIGHUP)."""
        self._reload_task = asyncio.create_task(self.reload_knowledge(), name="kyc-helper:reload")

    async def reload_knowledge(self) -> ReloadResult:
        """Reload the knowledge base; keep the running one if the new one has errors."""
        assert self.admin is not None
        return await self.admin.reload()

    def _apply(self, kb: KnowledgeBase) -> None:
        if self.service is not None:
            self.service.reload(kb)
        self.kb = kb
        gc.unfreeze()  # so the replaced knowledge base's cycles can be collected

    async def send_replies(self, user_id: str, replies: list[Reply]) -> int:
        """The service's sender (`bot.adapters.telegram.replies`): send the first of `replies`
        and the following ones that fit in the same message; return how many went."""
        assert self.replies is not None
        return await self.replies.send(user_id, replies)
