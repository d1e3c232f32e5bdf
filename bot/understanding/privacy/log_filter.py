"""Personal data never reaches a log: every record's message is redacted, whatever its logger.

`install()` wraps the log record factory, so the redaction happens when a record is created, for
every logger (aiosqlite, python-telegram-bot, httpx, ours) and before any handler or filter sees
it. It is defence in depth: the bot redacts text before logging it, and noisy libraries are kept
at INFO (bot/cli.py); this catches what slips through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.shared.logtext import Ours, Plain, plain_args
from bot.understanding.privacy import redact

_installed: Callable[..., logging.LogRecord] | None = None


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message (with its arguments merged in) by its redacted text."""
    if (type(record.msg) is Plain and plain_args(record.args) and not record.exc_info
            and not record.stack_info):
        return  # counts, timings and names only (bot.shared.logtext)
    if type(record.msg) is Ours and not record.exc_info and not record.stack_info:
        return  # the bot's own setup: its username, folders, files
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to the handler to report
        return
    masked = redact(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """A filter for a handler or logger that redacts each record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install() -> None:
    """Redact every log record created from now on, in every logger (idempotent)."""
    global _installed
    if _installed is not None:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacts_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    _installed = previous


def uninstall() -> None:
    """Put back the record factory that was in place before `install` (for tests)."""
    global _installed
    if _installed is not None:
        logging.setLogRecordFactory(_installed)
        _installed = None
