"""Operators' logs: LOG_FORMAT=json gives one JSON object per line, with no user text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent

REPO = Path(__file__).resolve().parent.parent


def test_json_logs_are_one_object_per_line_without_user_text(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(LOG_FORMAT="json", LOG_LEVEL="INFO")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--user", "alice", "--db", str(tmp_path / "c.db")],
        input="my selfie keeps failing, my email is alice@example.com\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert records, "nothing was logged at INFO"
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    turns = [r for r in records if r["message"].startswith("turn console event=")]
    assert len(turns) == 1 and turns[0]["level"] == "INFO"
    assert "alice" not in turns[0]["message"]  # the line for every turn names no user
    assert "alice@example.com" not in proc.stderr and "selfie" not in proc.stderr


def test_an_unknown_log_format_is_a_one_line_error(monkeypatch, capsys) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    assert main(["validate"]) == 2
    assert capsys.readouterr().err == "error: LOG_FORMAT is 'xml': use one of text, json\n"


def test_a_log_record_made_while_the_redactor_loads_neither_hangs_nor_leaks(tmp_path: Path) -> None:
    # CI: three instances starting at once, a cache file that could not be written, and the
    # build's own log line went through the redactor being built: the lock it held was taken
    # again and the process hung until killed
    script = tmp_path / "load.py"
    script.write_text(
        "import logging, sys\n"
        "import bot.understanding.privacy as privacy\n"
        "from bot.understanding import cache\n"
        "from bot.understanding.privacy import log_filter\n"
        "log_filter.install()\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "def full(*args, **kwargs):\n"
        "    raise OSError('disk full, +44 7700 900123')\n"
        "cache.tempfile.NamedTemporaryFile = full\n"
        "privacy._patterns = None\n"
        "print(privacy.redact('call me at +44 7700 900123'))\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KYC_HELPER_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "7700 900123" not in done.stdout + done.stderr
    assert "call me at [phone]" in done.stdout
