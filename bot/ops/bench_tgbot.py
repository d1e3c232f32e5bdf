"""Bench: run the bot on Telegram exactly as `python -m bot telegram` does (settings from the
environment). `--no-limiter` turns the send rate limit off: with TELEGRAM_RATE_LIMIT=0 where the
bot has that setting, else (older versions) by leaving python-telegram-bot's rate limiter out."""

from __future__ import annotations

import os
import runpy
import sys

if __name__ == "__main__":
    if "--no-limiter" in sys.argv[1:]:
        from bot.app.config import VARIABLES

        if "TELEGRAM_RATE_LIMIT" in VARIABLES:
            os.environ["TELEGRAM_RATE_LIMIT"] = "0"
        else:
            from telegram.ext import ApplicationBuilder

            ApplicationBuilder.rate_limiter = lambda self, limiter: self  # type: ignore[method-assign]
    sys.argv = [sys.argv[0], "telegram"]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
