"""`python -m bot run`: serve on Telegram when a token is configured, else chat in the console."""

from __future__ import annotations

import argparse
import sys

from bot.app.config import load_settings


def cmd_run(args: argparse.Namespace) -> int:
    """Start the Telegram bot if TELEGRAM_BOT_TOKEN is set (a malformed one is an error)."""
    settings = load_settings(require_token=False)
    if settings.token:
        from bot.adapters.telegram import start_telegram

        return start_telegram(args, settings)
    print(
        "No TELEGRAM_BOT_TOKEN configured, so starting the console; to run on Telegram, put "
        "TELEGRAM_BOT_TOKEN=<token from @BotFather> in .env (see .env.example).",
        file=sys.stderr,
    )
    from bot.adapters.console import cmd_console

    return cmd_console(args)
