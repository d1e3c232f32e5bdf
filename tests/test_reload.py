"""Reloading the knowledge base in a running bot: `/reload` and SIGHUP, console and Telegram.

The console runs as `python -m bot console --knowledge <copy>` with its input fed line by line,
so the files can be edited while a user is in the middle of a fix. The knowledge tree is the
small one from conftest; expected texts come from it, not from literal wording.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.loader import collect, load_knowledge
from bot.knowledge.model import KnowledgeBase
from tests.fake_bot_api import TOKEN, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
EXPIRED = "my expired document problem number 1"  # an example of expired_document in conftest
STEP_1 = "Look at the expiry date on the document you used."
STEP_2 = "Can you renew it, or do you have another valid document?"
RENEW_OPTION = "      - label: I'll renew it\n        next: renew\n"
RENEW_STEP = (
    "  - id: renew\n    text: Renew the document at the office that issued it.\n"
    "    next: resubmit\n"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def note(text: str) -> str:
    """Return `text` as the console prints its own messages."""
    first, *rest = text.splitlines()
    return "\n".join(
        [f"(console) {first}", *(f"          {line}" if line else "" for line in rest)]
    )


def reloaded(kb: KnowledgeBase) -> str:
    return kb.message(
        "admin_reloaded", reasons=len(kb.reasons), topics=len(kb.topics), examples=kb.example_count
    )


class ConsoleSession:
    """`python -m bot console` with a pipe on stdin: type lines, wait for output, edit files."""

    def __init__(self, knowledge: Path, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.log_path = tmp_path / "console.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--log-level", "INFO", "console",
             "--knowledge", str(knowledge), "--db", str(tmp_path / "console.db")],
            cwd=REPO, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )  # fmt: skip
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self._lines)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def type(self, *lines: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(f"{line}\n" for line in lines))
        self.proc.stdin.flush()

    def wait_for(self, text: str, timeout: float = 15.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: text in "".join(self._lines), timeout):
                raise AssertionError(f"timed out waiting for {text!r}; got:\n{self.output}")

    def finish(self) -> str:
        """Close the input (the console exits at its end) and return the whole transcript."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=15) == 0, self.log
        self._log.close()
        self._reader.join(timeout=5)  # the rest of the transcript
        return self.output

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def console(kb_dir: Path, tmp_path: Path) -> Iterator[ConsoleSession]:
    session = ConsoleSession(kb_dir, tmp_path)
    try:
        yield session
    finally:
        session.kill()


@pytest.fixture
def kb(kb_dir: Path) -> KnowledgeBase:
    return load_knowledge(kb_dir)


def after(transcript: str, marker: str) -> str:
    """Return what the console printed after `marker` (which must be there)."""
    assert marker in transcript, transcript
    return transcript.split(marker, 1)[1]


# -- the console -------------------------------------------------------------------------------


def test_console_reload_applies_an_edited_step_and_reports_warnings(console, kb, kb_dir):
    console.type(EXPIRED)
    console.wait_for(STEP_1)
    edit(kb_dir / "reasons" / "expired_document.yaml", STEP_2, "Renew it or switch documents?")
    edit(kb_dir / "messages.yaml", "messages:\n", "messages:\n  farewell: Bye!\n")
    new = load_knowledge(kb_dir)
    assert len(new.warnings) == 1 and "farewell" in new.warnings[0]

    console.type("/reload", "1")  # 1: the Next button under the first step
    transcript = console.finish()

    expected = (
        reloaded(new)
        + "\n\n"
        + new.message("admin_reload_warnings", count=1, warnings=new.warnings[0])
    )
    rest = after(transcript, "you> /reload\n" + note(expected) + "\n")
    assert "Renew it or switch documents?" in rest
    assert STEP_2 not in rest and kb.message("knowledge_changed") not in transcript
    assert "knowledge reloaded from" in console.log


def test_console_reload_with_errors_keeps_the_old_knowledge_and_lists_them(console, kb, kb_dir):
    console.type(EXPIRED)
    console.wait_for(STEP_1)
    edit(kb_dir / "reasons" / "expired_document.yaml", STEP_2, "Never shown")
    edit(kb_dir / "reasons" / "underage.yaml", "id: underage", "id: under_age")
    _, problems, _ = collect(kb_dir)
    assert problems and all(p.startswith(str(kb_dir)) for p in problems)

    console.type("/reload", "1")
    transcript = console.finish()

    failed = kb.message("admin_reload_failed", count=len(problems), problems="\n".join(problems))
    rest = after(transcript, "you> /reload\n" + note(failed) + "\n")
    assert STEP_2 in rest and "Never shown" not in transcript
    log_lines = console.log.splitlines()
    for problem in problems:  # one log line each, file:line: message
        assert sum(line.endswith(problem) for line in log_lines) == 1


def test_console_user_on_a_removed_step_restarts_the_fix_with_a_notice(console, kb, kb_dir):
    console.type(EXPIRED, "1", "1")  # Next, then "I'll renew it"
    console.wait_for("Renew the document at the office")
    reason = kb_dir / "reasons" / "expired_document.yaml"
    edit(reason, RENEW_OPTION, "")
    edit(reason, RENEW_STEP, "")

    console.type("/reload", "where was I")
    transcript = console.finish()

    rest = after(transcript, "you> where was I\n")
    assert rest.startswith("bot: " + kb.message("knowledge_changed") + "\n")
    title = kb.reasons["expired_document"].title.get()
    header = kb.message("step_progress", title=title, position=1)
    first, *more = kb.message("step", header=header, text=STEP_1).split("\n")
    buttons = [kb.button(key) for key in ("next", "why", "start_over")]
    shown = [f"bot: {first}", *(f"     {line}" if line else "" for line in more)]
    shown += [f"     [{i}] {label}" for i, label in enumerate(buttons, 1)]
    assert rest.rstrip().endswith("\n".join(shown))


def test_sighup_reloads_the_console(console, kb_dir):
    console.type(EXPIRED)
    console.wait_for(STEP_1)
    edit(kb_dir / "reasons" / "expired_document.yaml", STEP_2, "Renew it or switch documents?")
    console.proc.send_signal(signal.SIGHUP)
    console.wait_for(note(reloaded(load_knowledge(kb_dir))))
    console.type("1")
    assert "Renew it or switch documents?" in after(console.finish(), "you> 1\n")


# -- the Telegram process ----------------------------------------------------------------------


def test_sighup_with_broken_files_keeps_the_telegram_bot_serving(tmp_path, kb_dir, kb, monkeypatch):
    monkeypatch.chdir(tmp_path)  # problems name files relative to the bot's directory
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    with FakeBotApi() as api:
        env.update(
            PYTHONPATH=str(REPO),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.url,
            KNOWLEDGE_DIR=str(kb_dir),
            DATABASE_PATH=str(tmp_path / "kyc.sqlite3"),
            LOG_LEVEL="INFO",
        )
        log_path = tmp_path / "bot.log"
        with log_path.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram"],
                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=log_file,
            )  # fmt: skip

            def wait(predicate: object, what: str) -> None:
                deadline = time.monotonic() + 20
                while not predicate():  # type: ignore[operator]
                    assert process.poll() is None, log_path.read_text()[-2000:]
                    assert time.monotonic() < deadline, f"timed out waiting for {what}"
                    time.sleep(0.05)

            try:
                api.send_text(424242, "/help")
                wait(lambda: len(api.sent(424242)) >= 1, "the help")
                edit(kb_dir / "messages.yaml", "Message help", "Fresh help")
                (kb_dir / "reasons" / "underage.yaml").write_text("version: 1\nid: wrong_id\n")
                _, problems, _ = collect(kb_dir)
                process.send_signal(signal.SIGHUP)
                wait(lambda: "NOT reloaded" in log_path.read_text(), "the refused reload")
                api.send_text(424242, "/help")
                wait(lambda: len(api.sent(424242)) >= 2, "the second help")
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=15) == 0
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    assert api.sent_texts(424242) == [kb.message("help", "en")] * 2  # the old text, still served
    log_lines = log_path.read_text().splitlines()
    for problem in problems:
        assert sum(line.endswith(problem) for line in log_lines) == 1
