"""Flood control: at most `limits.flood_messages` messages per `flood_window_seconds` a user."""

from __future__ import annotations

from datetime import timedelta

from bot.core import journal
from bot.core.state import iso, parse_iso
from bot.core.turn import Turn


def flooded(t: Turn) -> bool:
    """Count this message; True when it is over the limit (the first one over gets a reply)."""
    policy, state = t.policy, t.state
    window = timedelta(seconds=policy.flood_window_seconds)
    if state.flood_window is None or t.now - parse_iso(state.flood_window) >= window:
        state.flood_window = iso(t.now)
        state.flood_count = 0
    state.flood_count += 1
    if state.flood_count <= policy.flood_messages:
        return False
    if state.flood_count == policy.flood_messages + 1:
        t.reply("flood")
        journal.record(t, journal.FLOOD)
    return True
