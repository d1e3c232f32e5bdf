"""`python -m bot bench --quick` (in-process, through `bot.cli.main`): a smoke test. It runs every section on tiny inputs and must print every
figure by name beside the machine; the values are not checked (no wall-clock assertions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import run_cli

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

SCALES = ("bundled", "10x", "50x")
FIGURES = [
    *(f"match.realistic.{q}" for q in ("p50", "p99", "max")),
    *(f"hostile.{step}.max" for step in ("match", "redact")),
    *(f"knowledge.{s}.{f}" for s in SCALES for f in (
        "validate_problems", "start_cold", "start_warm", "build_cold", "build_warm",
        "match_p50", "match_p99", "rss")),
    *(f"console.{s}.first_reply_{t}" for s in SCALES for t in ("cold", "warm")),
    "console.bundled.warm_vs_cold",
    *(f"engine.users{n}.{f}" for n in (1, 10, 200) for f in ("messages_per_s", "p50", "p99",
                                                              "rss")),
    "engine.users200.vs_baseline",
    *(f"engine.open{r}.{f}" for r in (300, 600) for f in ("p50", "p99", "max", "warm_p99",
                                                          "messages_per_s")),
    *(f"telegram.limiter_{m}.{f}" for m in ("on", "off") for f in (
        "turns_per_s", "first_reply_p50", "first_reply_p99", "chat_calls_per_action",
        "bot_cpu_per_turn", "bot_rss")),
    "telegram.limiter_on_vs_off",
    "telegram.offered_20_per_s.first_reply_p50",
    "unmatched.wall",
    *(f"drain.{f}" for f in ("followups_per_s", "max_displacement", "not_marked_late",
                             "live_first_reply_p50", "live_first_reply_p99")),
    # printed as n/a without PostgreSQL (TEST_DATABASE_URL: CI runs this with a server)
    *(f"instances.{f}" for f in ("one.updates_per_s", "two.updates_per_s", "two_vs_one",
                                 "half_rate.p99", "failover.lost_updates", "lost_updates")),
    *(f"scheduler.tick.{f}" for f in ("client_median", "server_median")),
    "report.seconds", "report.peak_rss", "unmatched.grouping", "unmatched.command",
    "admin_report.added_delay",
]


def languages() -> list[str]:
    i18n = KNOWLEDGE / "i18n"
    return ["en", *sorted(p.name for p in i18n.iterdir() if (p / "reasons").is_dir())]


def test_bench_quick_prints_every_figure_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the scaled base is made afresh
    proc = run_cli("bench", "--quick", "--baseline", "HEAD", "--knowledge", str(KNOWLEDGE),
                   "--json", str(tmp_path / "bench.json"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert out.startswith("machine: ") and "load average" in out
    printed = {line.split()[0] for line in out.splitlines() if line and not line[0].isspace()}
    expected = FIGURES + [f"match.realistic.{lang}.{q}" for lang in languages()
                          for q in ("p50", "p99", "max")]
    assert [f for f in expected if f not in printed] == []
    assert "FAILED" not in out, out
    assert (tmp_path / "bench.json").is_file()
