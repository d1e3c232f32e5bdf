"""The console adapter through `python -m bot console` (in-process, `bot.cli.main`), with piped
input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import parse_duration
from tests.cli import Ran, run_cli

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the bundled knowledge/ is the default --knowledge


def run_console(*args: str, script: str = "") -> Ran:
    """Run `python -m bot console ARGS` with `script` piped in."""
    return run_cli("console", *args, stdin=script)


def console(db: Path, script: str, *, user: str = "alice", now: str = "2026-03-02T09:00+00:00") -> str:
    proc = run_console("--db", str(db), "--user", user, "--now", now, script=script)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def assert_one_line_error(proc: Ran, start: str) -> None:
    assert proc.returncode == 2
    assert proc.stderr.startswith(start) and proc.stderr.count("\n") == 1, proc.stderr


def test_piped_script_gives_a_readable_transcript(tmp_path: Path, kb: KnowledgeBase) -> None:
    out = console(tmp_path / "c.db", "/start\nmy selfie keeps failing the face check\n")
    assert "you> /start" in out
    assert "bot: " + kb.message("welcome").splitlines()[0] in out
    assert "you> my selfie keeps failing the face check" in out
    assert kb.reasons["face_verification"].title.get() in out
    assert "[1] " in out


def test_numbers_press_buttons(tmp_path: Path, kb: KnowledgeBase) -> None:
    out = console(tmp_path / "c.db", "/reasons\n1\n")
    top = max(kb.reasons.values(), key=lambda r: r.share)
    assert f"[1] {top.title.get()}" in out
    assert f"This looks like: {top.title.get()}" in out


def test_wait_brings_the_follow_up(tmp_path: Path, kb: KnowledgeBase) -> None:
    out = console(tmp_path / "c.db", "document expired\n/resubmitted\n/wait 23h\n/wait 2h\n")
    question = kb.message("followup_question")
    before, _, after = out.partition("/wait 2h")
    assert question not in before
    assert question in after
    assert out.count(question) == 1


def test_follow_up_after_restart_is_shown_once(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "c.db"
    first = console(db, "my id photo is blurry\n/resubmitted\n")
    assert "attempt 2" in first
    later = console(db, "", now="2026-03-05T09:00+00:00")
    assert later.count(kb.message("followup_question")) == 1
    assert kb.message("followup_late") in later
    again = console(db, "", now="2026-03-05T10:00+00:00")
    assert kb.message("followup_question") not in again


def test_follow_up_for_another_user_is_labelled(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "c.db"
    console(db, "document expired\n/resubmitted\n", user="bob")
    out = console(db, "", user="alice", now="2026-03-04T09:00+00:00")
    assert "follow-up for console user 'bob'" in out


def test_pasted_multi_line_notice_is_one_forwarded_message(tmp_path: Path, kb: KnowledgeBase) -> None:
    script = '"""\nDear user,\nYour KYC application was not approved, Reason: The document you submitted has expired\nBest regards\n"""\n'
    out = console(tmp_path / "c.db", script)
    assert kb.reasons["expired_document"].title.get() in out


def test_bad_now_is_a_one_line_error(tmp_path: Path) -> None:
    proc = run_console("--db", str(tmp_path / "c.db"), "--now", "yesterday")
    assert_one_line_error(proc, "error: --now")


@pytest.mark.parametrize(("text", "hours"), [("25h", 25), ("2d", 48), ("1d12h", 36), ("90m", 1.5)])
def test_parse_duration(text: str, hours: float) -> None:
    assert parse_duration(text).total_seconds() == hours * 3600


@pytest.mark.parametrize("text", ["", "soon", "25x", "h", "99999999999d"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_a_file_that_is_not_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("this is not sqlite " * 100)
    assert_one_line_error(run_console("--db", str(bad), script="hi\n"), "error: cannot open database")


def test_a_manual_review_journey_with_waits_in_business_days(tmp_path: Path, kb: KnowledgeBase) -> None:
    script = "\n".join([
        "my selfie keeps failing",
        "3",  # 3 times: manual review
        "/wait 13bd",
        "/wait 1bd",  # the end of the standard window: Fri 20 Mar
        "4",  # still waiting: the complex-case range
        "/wait 12d",  # 30 days after the review began
        "2",  # they asked for more documents
        "/wait 7bd",
        "3",  # rejected after the review
        "/status",
    ]) + "\n"
    out = console(tmp_path / "c.db", script)
    ask = kb.message("review_question")
    parts = out.split("you> ")
    by_input = {p.split("\n", 1)[0]: p for p in parts}
    assert "to Thu 19 Mar" in by_input["/wait 13bd"] and ask not in by_input["/wait 13bd"]
    assert "to Fri 20 Mar" in by_input["/wait 1bd"] and ask in by_input["/wait 1bd"]
    assert "21-30 days" in by_input["4"]
    assert ask in by_input["/wait 12d"]
    assert "My Tickets" in by_input["2"] and "selfie holding your ID" in by_input["2"]
    assert ask in by_input["/wait 7bd"]
    # the review looked again at the 3rd submission: a failed review is not a 4th attempt
    assert "manual review didn't pass" in by_input["3"] and "failed attempts so far: 3" in by_input["3"]
    assert "(failed: 3)" in by_input["/status"]
    assert out.count(ask) == 3


def test_a_number_presses_a_button_only_of_the_latest_message(tmp_path: Path, kb: KnowledgeBase) -> None:
    out = console(tmp_path / "c.db", "my passport expired\n9\n1\n/stop\n2\n")
    parts = {p.split("\n", 1)[0]: p for p in out.split("you> ")}
    assert "no button 9" in parts["9"]
    assert kb.reasons["expired_document"].step("choose").text.get() in parts["1"]  # type: ignore[union-attr]
    # the latest message (/stop) had no buttons: nothing is pressed, and the bot says why
    assert "no button 2" not in parts["2"]
    assert kb.message("no_buttons") in parts["2"]


def test_odd_digits_and_huge_waits_get_an_answer_not_a_crash(tmp_path: Path, kb: KnowledgeBase) -> None:
    script = "/reasons\n\u00b9\n\u00b2\n\u2462\n/wait 3000000d\n/wait 9999bd\n/wait 2bd\n/status\n"
    out = console(tmp_path / "c.db", script, now="9999-12-01T09:00+00:00")
    parts = {p.split("\n", 1)[0]: p for p in out.split("you> ")}
    for digit in ("\u00b9", "\u00b2", "\u2462"):  # read as text, not as button numbers
        assert "bot: " in parts[digit]
    assert "(console) duration too large" in parts["/wait 3000000d"]
    assert "(console) duration too large" in parts["/wait 9999bd"]
    assert "moving the clock forward 2bd" in parts["/wait 2bd"]
    assert "bot: " in parts["/status"]


def test_the_operators_commands_answer_in_the_console(tmp_path: Path, kb: KnowledgeBase) -> None:
    script = "/report\n/unmatched\nhow do i cook rice\nhow do i cook rice?\n/unmatched\n/report\n"
    parts = {}
    for part in console(tmp_path / "c.db", script).split("you> "):
        parts.setdefault(part.split("\n", 1)[0], []).append(part)
    first_report, later_report = parts["/report"]
    empty, listed = parts["/unmatched"]
    assert first_report.startswith("/report\n(console) ")
    assert f"(console) {kb.message('admin_unmatched_empty', days=7)}" in empty
    line = kb.message("admin_unmatched_line", rank=1, count=2, text="how do i cook rice", closest="")
    assert line.splitlines()[0] in listed  # one group of the two messages
    assert later_report != first_report and "(console) " in later_report


def test_the_console_answers_without_loading_the_metrics_client(tmp_path: Path) -> None:
    # it has no /metrics to serve: it counts nothing and starts without prometheus_client
    code = ("import sys; from bot.cli import main; rc = main(sys.argv[1:]); "
            "print('metrics client loaded:', 'prometheus_client' in sys.modules); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "console", "--db", str(tmp_path / "c.db")],
                          input="my selfie keeps failing the face check\n", capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "bot: " in proc.stdout
    assert "metrics client loaded: False" in proc.stdout


def test_a_warm_console_start_reads_no_yaml(tmp_path: Path) -> None:
    # the second start reads the checked knowledge and the privacy words back from the cache:
    # the YAML parser (and python-dotenv, with no .env to read) is not even imported
    code = ("import sys; from bot.cli import main; rc = main(sys.argv[1:]); "
            "print('loaded:', sorted(m for m in ('yaml', 'dotenv') if m in sys.modules)); "
            "sys.exit(rc)")
    env = {**os.environ, "KYC_HELPER_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code, "console", "--db", str(tmp_path / "c.db")],
                           input="my selfie keeps failing the face check\n", capture_output=True,
                           text=True, cwd=REPO, timeout=120, env=env) for _ in range(2)]
    assert all(r.returncode == 0 and "bot: " in r.stdout for r in runs), runs[-1].stderr
    assert "'yaml'" in runs[0].stdout  # the cold start parsed the files
    has_env = any((d / ".env").is_file() for d in (REPO / "bot", *(REPO / "bot").parents))
    assert "loaded: " + ("['dotenv']" if has_env else "[]") in runs[1].stdout
