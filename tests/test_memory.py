"""The process asks glibc for one malloc arena (bot.shared.memory): what the bench measured
(peak RSS 155 -> 147 MB on the Telegram bench) only holds if the call is made and accepted."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from bot.shared.memory import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_glibc_accepts_one_arena() -> None:
    assert limit_malloc_arenas() is True


@pytest.mark.parametrize(("name", "value"), [("MALLOC_ARENA_MAX", "4"),
                                             ("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")])
def test_the_operators_own_setting_wins(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    assert limit_malloc_arenas() is False


def test_every_command_starts_with_it() -> None:
    # `python -m bot` calls it before parsing anything: a command that starts threads later
    # (telegram, console) has them share the one arena
    code = ("import bot.cli as c\ncalls = []\nc.limit_malloc_arenas = lambda: calls.append(1)\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\nprint('calls', len(calls))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "usage" in done.stdout and "calls 1" in done.stdout, done.stdout + done.stderr
