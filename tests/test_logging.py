"""Operators' logs: LOG_FORMAT=json gives one JSON object per line, with no user text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.cli import main

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
