"""Bench: run the bot on Telegram exactly as `python -m bot telegram` does (settings from the
environment); with `--no-limiter`, python-telegram-bot's rate limiter is left out
(ApplicationBuilder.rate_limiter does nothing), to measure what the bot itself costs per turn."""

from __future__ import annotations

import runpy
import sys

if __name__ == "__main__":
    if "--no-limiter" in sys.argv[1:]:
        from telegram.ext import ApplicationBuilder

        ApplicationBuilder.rate_limiter = lambda self, limiter: self  # type: ignore[method-assign]
    sys.argv = [sys.argv[0], "telegram"]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
