"""`python -m bot match` and `eval`, run the way an operator runs them (in-process, through
`bot.cli.main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run_cli as run

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = str(ROOT / "knowledge")


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # relative paths (tests/data/...) as an operator types them


def test_match_jsonl_answers_every_line_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps({"text": "my passport expired", "user": "ignored"}),
        "this is not json",
        json.dumps({"text": "how long does manual review take?"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": 42}),
        json.dumps({"text": "hello"}),
    ]
    proc = run("match", "--jsonl", "--knowledge", KNOWLEDGE, stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 6
    assert out[0]["matches"][0] == {"kind": "reason", "id": "expired_document",
                                    "score": out[0]["matches"][0]["score"]}
    assert 0 <= out[0]["matches"][0]["score"] <= 100
    assert out[0]["ambiguous"] is False
    assert out[1]["matches"] == [] and "not JSON" in out[1]["error"]
    assert out[2]["matches"][0]["id"] == "review_times"
    assert out[3]["matches"] == [] and "text" in out[3]["error"]
    assert out[4]["matches"] == [] and "error" in out[4]
    assert out[5] == {"matches": [], "ambiguous": False, "multi": False}


def test_match_jsonl_survives_a_line_nested_too_deeply_for_the_parser() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = [deep, json.dumps({"text": "my passport expired"}), '{"a":' * 50_000 + "1" + "}" * 50_000]
    proc = run("match", "--jsonl", "--knowledge", KNOWLEDGE, stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("error") for o in out] == [
        "line 1: not JSON (nested too deeply)", None, "line 3: not JSON (nested too deeply)"]
    assert out[1]["matches"][0]["id"] == "expired_document"


def test_match_json_for_one_message() -> None:
    proc = run("match", "--json", "--knowledge", KNOWLEDGE, "my", "selfie", "keeps", "failing")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["matches"][0]["id"] == "face_verification"
    assert set(data) == {"matches", "ambiguous", "multi"}


def test_match_table_shows_ranking_and_flags() -> None:
    notice = "Reason: The document you submitted has expired; Facial verification failed"
    proc = run("match", "--knowledge", KNOWLEDGE, notice)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["kind", "id", "score"]
    assert lines[1].split()[:2] == ["reason", "expired_document"]
    assert lines[2].split()[:2] == ["reason", "face_verification"]
    assert lines[-1] == "multi"


def test_match_says_no_match() -> None:
    proc = run("match", "--knowledge", KNOWLEDGE, "what is the weather like")
    assert proc.returncode == 0
    assert proc.stdout.strip() == "no match"


def test_eval_file_reports_the_figures(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    rows = [
        {"text": "my passport expired", "expect": ["expired_document"]},
        {"text": "my selfie keeps failing", "expect": ["blurry_photo"]},  # deliberately wrong
        {"text": "Reason: The document you submitted has expired; Facial verification failed",
         "expect": ["expired_document", "face_verification"]},
        {"text": "how do I reset 2FA", "expect": []},
        # the same two reasons told the other way round: found, but not in the listed order
        {"text": "Reason: Facial verification failed; The document you submitted has expired",
         "expect": ["expired_document", "face_verification"]},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    proc = run("eval", str(data), "--json", "--knowledge", KNOWLEDGE)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["in_scope"] == {"count": 2, "top1_accuracy": 50.0, "ambiguous": 0.0}
    assert figures["multi"] == {"count": 2, "fully_recognised": 50.0, "any_order": 100.0}
    assert figures["out_of_scope"]["false_accept_reason"] == 0.0
    assert [m["text"] for m in figures["misclassified"]][0] == "my selfie keeps failing"
    assert figures["misclassified"][0]["where"].endswith("set.jsonl:2")

    text = run("eval", str(data), "--knowledge", KNOWLEDGE)
    assert text.returncode == 0
    accuracy = next(ln for ln in text.stdout.splitlines() if ln.startswith("in scope, top-1"))
    assert "50.0%" in accuracy
    assert "set.jsonl:2: expected blurry_photo, got face_verification" in text.stdout


def test_eval_heldout_file_runs() -> None:
    proc = run("eval", "tests/data/heldout.jsonl", "--json", "--knowledge", KNOWLEDGE)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["cases"] >= 200


def test_eval_without_file_is_leave_one_out_with_confusions() -> None:
    proc = run("eval", "--knowledge", KNOWLEDGE)
    assert proc.returncode == 0, proc.stderr
    assert "leave-one-out" in proc.stdout.splitlines()[0]
    assert "per id (top-1):" in proc.stdout
    assert "negatives" in proc.stdout
    data = json.loads(run("eval", "--json", "--knowledge", KNOWLEDGE).stdout)
    assert "confusion" in data and "expired_document" in data["confusion"]


def test_eval_bad_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    proc = run("eval", str(bad), "--knowledge", KNOWLEDGE)
    assert proc.returncode == 2
    assert "bad.jsonl:1" in proc.stderr and "Traceback" not in proc.stderr
