"""Settings for the long-running bot, read from the environment and `.env` (environment wins).

Call `load_settings()` inside a command, never at import time. Every problem is a `ConfigError`
naming the variable; secret values (the token, the webhook secret) never appear in messages,
`repr`, or logs (`SecretMasker` scrubs them from every log record).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from bot.shared.errors import ConfigError

DEFAULT_DATABASE_PATH = "data/kyc-helper.sqlite3"
DEFAULT_KNOWLEDGE_DIR = "knowledge"
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8443"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
DEFAULT_RATE_LIMIT = 30.0  # Telegram's limit for one bot token: about 30 messages per second
DEFAULT_FOLLOWUP_INTERVAL = 30.0
POSTGRES_SCHEMES = ("postgresql", "postgres")
MASK = "[secret]"

# BotFather tokens: the bot's numeric id, a colon, then ~35 URL-safe characters.
TOKEN_RE = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{30,64}$")
# Telegram accepts 1-256 of these characters as a webhook secret_token.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

#: variable -> one-line description (`.env.example` documents the same list; a test compares)
VARIABLES: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "bot token from @BotFather; without it `run` starts the console",
    "TELEGRAM_API_BASE_URL": "root URL of a self-hosted Bot API server (default: Telegram's)",
    "DATABASE_PATH": f"SQLite file for conversations and follow-ups (default {DEFAULT_DATABASE_PATH})",
    "DATABASE_URL": "postgresql://user:password@host/db selects PostgreSQL instead of SQLite",
    "KNOWLEDGE_DIR": f"knowledge base folder (default {DEFAULT_KNOWLEDGE_DIR})",
    "ADMIN_USER_IDS": "comma-separated Telegram user ids allowed to use admin commands",
    "LOG_LEVEL": "DEBUG, INFO, WARNING (default), ERROR or CRITICAL",
    "LOG_FORMAT": "text (default) or json: one JSON object per log line",
    "WEBHOOK_URL": "public https URL Telegram should post updates to; unset: long polling",
    "WEBHOOK_LISTEN": f"host:port the webhook server binds to (default {DEFAULT_WEBHOOK_LISTEN})",
    "WEBHOOK_SECRET": "secret Telegram sends with every webhook request (required with WEBHOOK_URL)",
    "INSTANCE_NAME": "this instance's name in claims, stable across restarts (default: host, plus port in webhook mode)",
    "TELEGRAM_RATE_LIMIT": f"messages per second this instance sends at most (default {DEFAULT_RATE_LIMIT:g}; 0: no limit)",
    "FOLLOWUP_INTERVAL": f"seconds between follow-up and outbox passes (default {DEFAULT_FOLLOWUP_INTERVAL:g})",
    "TELEGRAM_HTTP_CLIENT": "lean (default: the bot's own HTTP/1.1 client, ~3x less CPU a turn) or httpx (python-telegram-bot's own)",
}

HTTP_CLIENTS = ("lean", "httpx")


@dataclass(frozen=True)
class Settings:
    """Everything the Telegram bot needs to start; build it with `load_settings`."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    database_path: str = DEFAULT_DATABASE_PATH
    database_url: str | None = field(default=None, repr=False)
    knowledge_dir: str = DEFAULT_KNOWLEDGE_DIR
    admin_user_ids: frozenset[int] = frozenset()
    log_level: str | None = None
    log_format: str = "text"
    webhook_url: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    instance_name: str | None = None
    rate_limit: float = DEFAULT_RATE_LIMIT
    http_client: str = "lean"
    followup_interval: float = DEFAULT_FOLLOWUP_INTERVAL

    @property
    def instance(self) -> str:
        """Return this instance's name in leases: INSTANCE_NAME, else the host (and port)."""
        if self.instance_name:
            return self.instance_name
        host = socket.gethostname()
        return f"{host}:{self.webhook_port}" if self.use_webhook else host

    @property
    def use_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def bot_base_url(self) -> str | None:
        """Return the URL for ApplicationBuilder.base_url (None: Telegram's own)."""
        return f"{self.api_base_url}/bot" if self.api_base_url else None

    @property
    def file_base_url(self) -> str | None:
        """Return the URL for ApplicationBuilder.base_file_url (None: Telegram's own)."""
        return f"{self.api_base_url}/file/bot" if self.api_base_url else None

    @property
    def webhook_path(self) -> str:
        """Return the path part of WEBHOOK_URL, which the local webhook server listens on."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def database(self) -> str:
        """Return where the store lives: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def secrets(self) -> tuple[str, ...]:
        """Return the values that must never be logged."""
        password = urlsplit(self.database_url).password if self.database_url else None
        return tuple(s for s in (self.token, self.webhook_secret, password) if s)

    def with_paths(self, *, knowledge_dir: str | None, database_path: str | None) -> Settings:
        """Return a copy with the paths given on the command line (None keeps the setting).

        `database_path` may be a postgresql:// URL (the CLI's `--db` takes either).
        """
        changed = replace(self, knowledge_dir=knowledge_dir or self.knowledge_dir)
        if not database_path:
            return changed
        if is_postgres_url(database_path):
            return replace(changed, database_url=check_postgres_url("--db", database_path))
        return replace(changed, database_path=database_path, database_url=None)


#: `.env` files read already (by the CLI at start): their parse warnings were shown once
ENV_FILES_READ: set[Path] = set()


def read_environment(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = ".env"
) -> dict[str, str]:
    """Return the variables from `env_file` overlaid with `environ` (the environment wins)."""
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values  # ~15 ms to import: only when there is a file to read

        quiet = Path(env_file).resolve() in ENV_FILES_READ  # (a broken line is warned about once)
        dotenv_log = logging.getLogger("dotenv.main")
        was = dotenv_log.disabled
        dotenv_log.disabled = was or quiet
        try:
            merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        finally:
            dotenv_log.disabled = was
    merged.update(os.environ if environ is None else environ)
    return merged


def load_settings(
    environ: Mapping[str, str] | None = None,
    env_file: str | os.PathLike[str] | None = ".env",
    *,
    require_token: bool = True,
) -> Settings:
    """Read and check every setting; raise ConfigError naming the first bad variable."""
    env = read_environment(environ, env_file)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        if require_token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
                "in the environment or .env (see .env.example)"
            )
    elif not TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: expected the bot id, a colon and about 35 "
            "letters, digits, '_' or '-' (as @BotFather gives it), e.g. 123456:ABC-DEF..."
        )

    api_base_url = get("TELEGRAM_API_BASE_URL")
    if api_base_url is not None:
        api_base_url = _check_http_url("TELEGRAM_API_BASE_URL", api_base_url).rstrip("/")
        api_base_url = api_base_url.removesuffix("/bot")

    log_level = get("LOG_LEVEL")
    if log_level is not None:
        log_level = log_level.upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL is {log_level!r}: use one of {', '.join(LOG_LEVELS)}")

    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT is {log_format!r}: use one of {', '.join(LOG_FORMATS)}")

    database_url = get("DATABASE_URL")
    if database_url is not None:
        database_url = check_postgres_url("DATABASE_URL", database_url)

    webhook_url = get("WEBHOOK_URL")
    webhook_secret = get("WEBHOOK_SECRET")
    host, port = _parse_listen(get("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN)
    if webhook_url is not None:
        webhook_url = _check_http_url("WEBHOOK_URL", webhook_url)
        if not webhook_url.startswith("https://"):
            raise ConfigError("WEBHOOK_URL must start with https:// (Telegram only posts to https)")
        if webhook_secret is None:
            raise ConfigError(
                "WEBHOOK_SECRET is not set: webhook mode needs a secret (1-256 letters, digits, "
                "'_' or '-') so that only Telegram can post updates"
            )
    if webhook_secret is not None and not WEBHOOK_SECRET_RE.match(webhook_secret):
        raise ConfigError("WEBHOOK_SECRET is malformed: use 1-256 letters, digits, '_' or '-'")

    instance_name = get("INSTANCE_NAME")
    http_client = (get("TELEGRAM_HTTP_CLIENT") or "lean").strip().lower()
    if http_client not in HTTP_CLIENTS:
        raise ConfigError(f"TELEGRAM_HTTP_CLIENT is {http_client!r}: expected lean or httpx")
    rate_limit = _parse_number("TELEGRAM_RATE_LIMIT", get("TELEGRAM_RATE_LIMIT"), DEFAULT_RATE_LIMIT)
    followup_interval = _parse_number(
        "FOLLOWUP_INTERVAL", get("FOLLOWUP_INTERVAL"), DEFAULT_FOLLOWUP_INTERVAL, positive=True
    )

    return Settings(
        token=token,
        api_base_url=api_base_url,
        database_path=get("DATABASE_PATH") or DEFAULT_DATABASE_PATH,
        database_url=database_url,
        knowledge_dir=get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR,
        admin_user_ids=_parse_admins(get("ADMIN_USER_IDS")),
        log_level=log_level,
        log_format=log_format,
        webhook_url=webhook_url,
        webhook_host=host,
        webhook_port=port,
        webhook_secret=webhook_secret,
        instance_name=instance_name,
        rate_limit=rate_limit,
        followup_interval=followup_interval,
        http_client=http_client,
    )


def _parse_number(name: str, value: str | None, default: float, *, positive: bool = False) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0 or (positive and number == 0) or number != number or number == float("inf"):
        need = "a number above 0" if positive else "a number, 0 or more"
        raise ConfigError(f"{name} is {value!r}: expected {need}")
    return number


def is_postgres_url(value: str) -> bool:
    """Say whether a database setting names a PostgreSQL server rather than a SQLite file."""
    return urlsplit(value).scheme in POSTGRES_SCHEMES


def check_postgres_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in POSTGRES_SCHEMES:
        # the value may hold a password: name the scheme only
        raise ConfigError(
            f"{name} must start with postgresql:// (got {parts.scheme or 'no'} scheme); "
            "for SQLite set DATABASE_PATH instead"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ConfigError(f"{name} has a malformed port: expected postgresql://user:password@host:5432/db") from None
    return value


def _check_http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} is not an http(s) URL: {value!r}")
    return value


def _parse_listen(value: str) -> tuple[str, int]:
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdecimal() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"WEBHOOK_LISTEN is {value!r}: expected host:port, e.g. 0.0.0.0:8443")
    return host.strip("[]"), int(port_text)


def _parse_admins(value: str | None) -> frozenset[int]:
    ids: set[int] = set()
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"ADMIN_USER_IDS has {part!r}: expected comma-separated numeric user ids"
            ) from None
    return frozenset(ids)


class SecretMasker(logging.Filter):
    """Replace secret values in log records (message, arguments, traceback) with a mask.

    `install()` applies it to every record created from then on, whichever logger or handler
    it goes through (httpx, for one, logs request URLs, which contain the bot token).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # The part after the colon is the secret half of a token; mask it on its own too.
        parts = {s for s in secrets if s} | {s.partition(":")[2] for s in secrets if ":" in s}
        self.secrets = tuple(sorted((p for p in parts if len(p) >= 8), key=len, reverse=True))
        self._previous: Callable[..., logging.LogRecord] | None = None

    def mask(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub `record` in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to complain
            return True
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True

    def install(self) -> None:
        """Mask every log record created from now on (until `uninstall`)."""
        if self._previous is not None or not self.secrets:
            return
        previous = logging.getLogRecordFactory()
        self._previous = previous

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            self.filter(record)
            return record

        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        """Restore the record factory that was in place before `install`."""
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
            self._previous = None
