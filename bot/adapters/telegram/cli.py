"""`python -m bot telegram`: load the settings and the knowledge, serve until stopped."""

from __future__ import annotations

import argparse
import logging
import os

from telegram.error import InvalidToken, NetworkError

from bot.adapters.telegram.bot import TelegramBot
from bot.app.config import Settings, load_settings
from bot.shared.errors import ConfigError


def start_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Load the knowledge base and serve on Telegram until stopped."""
    from bot.app.knowledge import load_knowledge

    # the CLI's --knowledge/--db already default to KNOWLEDGE_DIR/DATABASE_PATH (.env included)
    settings = settings.with_paths(
        knowledge_dir=getattr(args, "knowledge", None), database_path=getattr(args, "db", None)
    )
    # Opt in to PTB's future durations (timedelta) now; retry_after_seconds() reads both kinds.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if (
        settings.log_level
        and not getattr(args, "log_level", None)
        and "LOG_LEVEL" not in os.environ
    ):
        logging.getLogger().setLevel(settings.log_level)  # LOG_LEVEL came from .env
    kb = load_knowledge(settings.knowledge_dir)  # KnowledgeError: cli prints every problem, exit 2
    bot = TelegramBot(settings, kb, scheduler_interval=settings.followup_interval)
    try:
        bot.run()
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram refused TELEGRAM_BOT_TOKEN (unauthorized): check it with @BotFather"
        ) from exc
    except NetworkError as exc:
        where = settings.api_base_url or "api.telegram.org"
        raise ConfigError(
            f"cannot reach the Bot API at {where} ({exc.message}): check the network"
            " and TELEGRAM_API_BASE_URL"
        ) from exc
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    """`python -m bot telegram`: serve on Telegram; exit 2 on a missing or bad setting."""
    return start_telegram(args, load_settings())
