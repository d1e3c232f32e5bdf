"""README's "Backups" advice, run as written on a database the bot holds open (audit 40, M12).

The database runs in WAL mode: while the bot runs, its latest writes are in the `-wal` file, so a
plain copy of the database file misses them. SQLite's online backup (`sqlite3 DB ".backup
FILE"`, or Python's `Connection.backup`) and `python -m bot export` take a consistent copy, and
under `umask 077` only their owner can read them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from tests.chat import Chat, FrozenClock
from tests.cli import run_cli as run
from tests.conftest import build_knowledge

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def backup_commands() -> list[str]:
    """The shell lines of the README's Backups paragraph, but `pg_dump` (PostgreSQL)."""
    paragraph = README.split("**Backups.**", 1)[1]
    lines: list[str] = []
    for line in paragraph.splitlines():
        if line.startswith("    "):
            lines.append(line[4:])
        elif lines:
            break
    return [ln for ln in lines if not ln.startswith("pg_dump ")]


def events(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # no such table
        return 0
    finally:
        conn.close()


def figures(db: Path, kb_dir: Path) -> dict[str, object]:
    """`python -m bot report --json` of `db`, but the period (it ends when it runs)."""
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    return {k: v for k, v in json.loads(proc.stdout).items() if k not in ("since", "until")}


def test_the_readme_names_each_way_to_back_up() -> None:
    commands = "\n".join(backup_commands())
    assert 'sqlite3 data/kyc-helper.sqlite3 ".backup ' in commands
    assert ".backup(sqlite3.connect(" in commands and "-m bot export " in commands
    assert "umask 077" in commands
    assert 'pg_dump -Fc -f backups/kyc.dump "$DATABASE_URL"' in README


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool")
def test_the_readmes_backups_copy_a_live_database_that_a_plain_copy_does_not(
    tmp_path: Path,
) -> None:
    kb_dir = build_knowledge(tmp_path / "knowledge")
    kb = load_knowledge(kb_dir)
    live = tmp_path / "data" / "kyc-helper.sqlite3"  # the default --db, from tmp_path
    live.parent.mkdir()
    loop = asyncio.new_event_loop()
    chat = loop.run_until_complete(Chat.open(kb, live, clock=FrozenClock(datetime.now(UTC))))
    try:  # the bot runs: its store holds the database open, its writes in the -wal file
        for text in ("/start", "document expired", "how do i cook rice", "/status"):
            send = chat.command(text[1:]) if text.startswith("/") else chat.say(text)
            loop.run_until_complete(send)
        written = events(live)
        assert written > 5 and Path(f"{live}-wal").stat().st_size > 0

        shutil.copy(live, tmp_path / "plain.sqlite3")  # what the README warns against
        assert events(tmp_path / "plain.sqlite3") < written  # (here: not a table)

        script = "\n".join(backup_commands()).replace(".venv/bin/python", sys.executable)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KNOWLEDGE_DIR")}
        env["DATABASE_PATH"] = "data/kyc-helper.sqlite3"  # whatever a .env above says
        done = subprocess.run(["sh", "-ec", script], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        loop.run_until_complete(chat.close())
        loop.close()

    backups = tmp_path / "backups"
    (dated,) = backups.glob("kyc-*.sqlite3")  # sqlite3 ".backup"
    copies = [dated, backups / "kyc.sqlite3"]  # and Python's backup API
    for copy in copies:
        assert events(copy) == written, copy.name
    # what an operator sees: each copy, and the export loaded into an empty database, reports
    # what the live database does
    restored = tmp_path / "restored.sqlite3"
    proc = run("import", "--db", str(restored), str(backups / "kyc.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert events(restored) == written
    live_figures = figures(live, kb_dir)
    assert live_figures["events"] and live_figures["unmatched"]
    for copy in (*copies, restored):
        assert figures(copy, kb_dir) == live_figures, copy.name
    # umask 077: only their owner can read them
    for path in (*copies, backups / "kyc.jsonl"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
