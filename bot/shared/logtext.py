"""Log formats that hold no personal data by construction, so the log redactor may skip them.

Every log record is redacted when it is created (`bot.understanding.privacy.log_filter`): about
a millisecond for a short line. The two lines the bot writes for every turn at INFO ("update
... replies=1 98ms", "turn telegram event=... step=...") carry only counts, timings and the
names of events, phases and steps, never a chat id or a user's words; redacting them was a third
of a turn's CPU at `LOG_LEVEL=INFO`. Such a format is wrapped in `Plain`; the redactor still reads
a record whose arguments are anything but numbers or short names (`plain_args`).
"""

from __future__ import annotations

import re
from typing import Any

#: names joined by "+": an event, phase, step or reason id, "text(23 chars)", "command:start"
_WORD = r"[A-Za-z_:]+(?:\(\d{1,6} chars\))?"
_NAME = re.compile(rf"(?:admin )?(?:{_WORD}(?:\+{_WORD})*)?")


class Plain(str):
    """A format string whose arguments are counts, timings and names only."""

    __slots__ = ()


class Ours(str):
    """A format string whose arguments come from the bot's own setup (its Telegram username,
    its folders and files, an error of the operating system about them), never from a user:
    the log redactor leaves such a line alone ("bot @kyc_helper_2_bot ready", a cache file's
    name full of hex digits)."""

    __slots__ = ()


def plain_args(args: Any) -> bool:
    """Are these arguments numbers, None, or names (no spaces, no digits but a length)?"""
    if not isinstance(args, tuple):
        return False
    return all(arg is None or isinstance(arg, (int, float))  # bool is an int
               or isinstance(arg, str) and len(arg) <= 60 and _NAME.fullmatch(arg) is not None
               for arg in args)
