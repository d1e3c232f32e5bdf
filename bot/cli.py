"""Command line: `python -m bot COMMAND`. Parses arguments and hands over to the library.

Each command lives in its own module, imported only when it runs, so `validate` or `match`
start fast and do not load Telegram.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app.config import (
    DEFAULT_DATABASE_PATH,
    DEFAULT_KNOWLEDGE_DIR,
    ENV_FILES_READ,
    LOG_FORMATS,
    check_postgres_url,
)
from bot.shared.errors import ConfigError, KycHelperError
from bot.shared.memory import limit_malloc_arenas

# command -> (module, help, example)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "bot.ops.validate",
        "check the knowledge base and print every problem as file:line",
        "python -m bot validate knowledge/",
    ),
    "match": (
        "bot.ops.evaluate",
        "show which reason or topic a message points to",
        'python -m bot match "my selfie keeps failing"',
    ),
    "eval": (
        "bot.ops.evaluate",
        "measure the matcher on a labelled JSONL file, or on the knowledge base's own examples",
        "python -m bot eval tests/data/heldout.jsonl",
    ),
    "console": (
        "bot.adapters.console",
        "chat with the bot in this terminal (no Telegram needed)",
        "python -m bot console --user alice",
    ),
    "telegram": (
        "bot.adapters.telegram",
        "run the bot on Telegram (needs TELEGRAM_BOT_TOKEN)",
        "TELEGRAM_BOT_TOKEN=123:abc python -m bot telegram",
    ),
    "run": (
        "bot.ops.runner",
        "run on Telegram when a token is configured, else start the console",
        "python -m bot run",
    ),
    "bench": (
        "bot.ops.bench",
        "measure latency, throughput, start-up and memory where users feel them",
        "python -m bot bench",
    ),
    "report": (
        "bot.ops.report",
        "summarise what users asked and how their cases went",
        "python -m bot report --since 7d",
    ),
    "unmatched": (
        "bot.ops.report",
        "list messages the bot could not place, grouped, with the closest candidates",
        "python -m bot unmatched --export unmatched.jsonl",
    ),
    "migrate": (
        "bot.ops.transfer",
        "apply the database migrations not yet applied (SQLite or PostgreSQL)",
        "DATABASE_URL=postgresql://kyc@db/kyc python -m bot migrate",
    ),
    "export": (
        "bot.ops.transfer",
        "write every row of the database as JSON lines (to move it to another backend)",
        "python -m bot export --db data/kyc-helper.sqlite3 kyc.jsonl",
    ),
    "import": (
        "bot.ops.transfer",
        "load an export into an empty database, all rows or none",
        "python -m bot import --db postgresql://kyc@db/kyc kyc.jsonl",
    ),
}


def _add_common(p: argparse.ArgumentParser, *, db: bool = False) -> None:
    p.add_argument(
        "--knowledge",
        default=os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR,
        help="knowledge directory (env KNOWLEDGE_DIR; default: %(default)s)",
    )
    if db:
        p.add_argument(
            "--db",
            default=None,
            help="SQLite file or postgresql:// URL "
            f"(env DATABASE_URL, else DATABASE_PATH; default: {DEFAULT_DATABASE_PATH})",
        )


UNTIL_HELP = ("end of the period: a date (up to its end), an ISO time, or e.g. 7d (7 days ago); "
              "a --since period counts back from it (default, and at the latest: now)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="kyc-helper: troubleshooting chatbot for rejected Binance KYC.",
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (env LOG_LEVEL)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str) -> argparse.ArgumentParser:
        _, help_text, example = COMMANDS[name]
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example: {example}",
        )

    p = add("validate")
    p.add_argument("dir", nargs="?", default=None, help="knowledge directory")
    p.add_argument("--missing", metavar="LANG", help="list the texts not yet translated to LANG")
    _add_common(p)

    p = add("match")
    p.add_argument("text", nargs="*", help="the message (words are joined with spaces)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--jsonl", action="store_true", help="read JSON lines with a `text` field on stdin")
    _add_common(p)

    p = add("eval")
    p.add_argument("file", nargs="?", help='JSONL lines {"text": ..., "expect": [ids]}')
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    _add_common(p)

    p = add("console")
    p.add_argument("--user", default="console", help="chat as this user (default: %(default)s)")
    p.add_argument(
        "--now",
        help="start the console's clock at this ISO time (for demos and tests), e.g. 2026-01-31T09:00+00:00",
    )
    _add_common(p, db=True)

    p = add("telegram")
    _add_common(p, db=True)

    p = add("run")
    p.add_argument("--user", default="console", help="console user when no token is set (default: %(default)s)")
    p.add_argument("--now", help="console only: start the clock at this ISO time")
    _add_common(p, db=True)

    p = add("bench")
    p.add_argument("--quick", action="store_true",
                   help="tiny runs that print every figure name (a smoke test; values mean nothing)")
    p.add_argument("--only", metavar="SECTIONS",
                   help="comma-separated: realistic, knowledge, hostile, engine, telegram, reports")
    p.add_argument("--baseline", metavar="REV",
                   help="git revision to pair the engine + store figure against (e.g. dc507a1)")
    p.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    _add_common(p)

    p = add("report")
    p.add_argument("--since", default="30d", help="period, e.g. 7d, 12h (default: %(default)s)")
    p.add_argument("--until", help=UNTIL_HELP)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--csv", metavar="DIR", help="write one CSV file per table into DIR")
    _add_common(p, db=True)

    p = add("unmatched")
    p.add_argument("--since", default="30d", help="period, e.g. 7d (default: %(default)s)")
    p.add_argument("--until", help=UNTIL_HELP)
    p.add_argument("--export", metavar="FILE", help="write JSONL for `python -m bot eval`")
    _add_common(p, db=True)

    p = add("migrate")
    _add_common(p, db=True)

    p = add("export")
    p.add_argument("file", nargs="?", default="-", help="output file (default: stdout)")
    _add_common(p, db=True)

    p = add("import")
    p.add_argument("file", help="a file written by `export` (- for stdin)")
    _add_common(p, db=True)
    return parser


#: libraries that log user data at DEBUG: aiosqlite every SQL statement with its parameters
#: (the text of unplaced messages), python-telegram-bot every update and API call in full (the
#: user's text and name). Our own logs carry what an operator needs, so these never go below
#: INFO, even when the root logger is lowered later (`LOG_LEVEL=DEBUG` from .env).
QUIET_LIBRARIES = ("aiosqlite", "telegram", "telegram.ext")


def log_formatter(kind: str) -> logging.Formatter:
    """Return the formatter for LOG_FORMAT `kind`: `text` lines, or one JSON object per line."""
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


#: the levels LOG_LEVEL and --log-level accept
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _one_line(record: logging.LogRecord) -> bool:
    """Log filter: a record's exception as one line after its message, not a traceback."""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        record.msg = f"{record.getMessage()}: {type(exc).__name__}: {' '.join(str(exc).split())}"
        record.args, record.exc_info, record.exc_text = None, None, None
    return True


def configure_logging(level: str | None, kind: str | None = None) -> None:
    """Log to stderr at `level` (else env LOG_LEVEL, else WARNING), keeping user data out.

    `kind` (else env LOG_FORMAT) is `text` or `json`.
    """
    level = (level or os.environ.get("LOG_LEVEL") or "WARNING").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL is {level!r}: use one of {', '.join(LOG_LEVELS)}")
    numeric = getattr(logging, level)
    kind = (kind or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    if kind not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT is {kind!r}: use one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(kind))
    logging.basicConfig(level=numeric, handlers=[handler])
    # httpx logs every request URL, and Telegram's URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot logs every update and API call in full, and aiosqlite names
    # each function it runs with its arguments: user data. They never go below INFO.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # asyncpg's pool logs a traceback each time it cannot reconnect (every scheduler pass of an
    # outage): one line with the error is what an operator needs
    logging.getLogger("asyncpg.pool").addFilter(_one_line)
    # defence in depth: every record of every logger is redacted when it is created
    from bot.understanding.privacy import log_filter

    log_filter.install()


def _load_dotenv() -> None:
    """Load the nearest `.env` above this package (python-dotenv's own search), if there is one.

    python-dotenv is imported only then: it costs ~15 ms of every start-up otherwise.
    """
    here = Path(__file__).resolve().parent
    found = next((d / ".env" for d in (here, *here.parents) if (d / ".env").is_file()), None)
    if found is not None:
        from dotenv import load_dotenv

        load_dotenv(found, override=False)
        ENV_FILES_READ.add(found.resolve())


def database_setting() -> str:
    """The database the environment names: DATABASE_URL (a postgresql:// URL, checked: a typo
    is an error, never a SQLite file named after the URL and its password), else
    DATABASE_PATH, else the default SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return check_postgres_url("DATABASE_URL", url)
    return os.environ.get("DATABASE_PATH") or DEFAULT_DATABASE_PATH


def main(argv: Sequence[str] | None = None) -> int:
    limit_malloc_arenas()  # before any thread starts (bot.shared.memory says why)
    # settings in .env count as environment variables (real ones win), so that the defaults of
    # --db and --knowledge below, and every command, see the same configuration
    _load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure_logging(args.log_level)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    func = getattr(module, "cmd_" + args.command.replace("-", "_"))
    try:
        if "db" in args and args.db is None:
            args.db = database_setting()
        return int(func(args) or 0)
    except KycHelperError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
