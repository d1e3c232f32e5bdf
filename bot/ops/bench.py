"""`python -m bot bench`: what the bot costs where users feel it, measured on the real thing.

Sections (each in fresh processes; `--only` picks some):

    realistic, knowledge  first-seen realistic messages in every language (p50/p99/max), and
                          start-up, build, match and memory at 1x, 10x and 50x the knowledge,
                          cold and warm (bench_startup.py, bench_match.py, bench_scale.py);
                          `realistic` alone is one bundled start-up (about a minute); the
                          scaled bases are made once and kept (the first 50x takes ~30 min)
    hostile               100,000 generated hostile messages through the matcher and the
                          redactor: the slowest one (bench_hostile.py)
    engine                engine + store at 1, 10 and 200 concurrent users, and paired against
                          `--baseline REV` (bench_users.py, bench_engine.py)
    telegram              the Telegram adapter against a fake Bot API, limiter on and off in
                          paired runs, and at an offered 20 actions/s (bench_telegram.py)
    reports               `python -m bot unmatched` on 8,000 distinct unplaced messages
                          (bench_reports.py)
    drain                 a backlog of 7,500 overdue follow-ups drained by the real Telegram
                          adapter (limiter on) while live users chat (bench_drain.py)
    instances             two webhook instances on one PostgreSQL behind a round-robin proxy:
                          one vs two, latency at half load, SIGKILL of one; the scheduler tick
                          with 1,000,000 pending follow-ups and its plan (bench_instances.py,
                          bench_postgres.py); only with DATABASE_URL or TEST_DATABASE_URL
    operators             the operator report on ~1M events, grouping 8,000 distinct unplaced
                          texts, and an admin's /report beside users' turns (bench_operators.py)

Progress goes to stderr as each worker starts and ends. It prints one table: each figure's stable name, the median measured, the target an issue set
for it (with the issue), ok or MISSED, and what the figure includes; the machine and the load
average first. It reports and never fails on a missed target (exit 0). `--quick` is a smoke
test: every figure name is printed, on tiny runs whose values mean nothing (no scaled
knowledge base is made; a few users, messages and follow-ups; windows under a second).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bot.ops import (
    bench_drain,
    bench_hostile,
    bench_instances,
    bench_operators,
    bench_reports,
    bench_startup,
    bench_telegram,
    bench_users,
)
from bot.ops.bench_corpus import generate, languages
from bot.ops.bench_report import Section, as_json, format_table, load_average, machine

SECTIONS = ("realistic", "knowledge", "hostile", "engine", "telegram", "reports", "drain",
            "instances", "operators")


def cmd_bench(args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    only = set((getattr(args, "only", None) or ",".join(SECTIONS)).split(","))
    unknown = only - set(SECTIONS)
    if unknown:
        raise SystemExit(f"bench: unknown section(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(SECTIONS)}")
    knowledge = Path(args.knowledge).resolve()
    info = machine()
    langs = languages(knowledge)
    samples = generate(knowledge, 30 if quick else 1200)
    sections: list[Section] = []
    started = time.perf_counter()

    def took(section: Section) -> Section:
        nonlocal started
        section.notes.append(f"this section took {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        return section

    if "knowledge" in only:  # its bundled start-up gives the realistic figures too
        realistic, scaled = bench_startup.sections(knowledge, samples, langs, quick=quick)
        took(scaled)
        sections += [s for s, name in ((realistic, "realistic"), (scaled, "knowledge"))
                     if name in only]
    elif "realistic" in only:
        sections.append(took(bench_startup.realistic_only(knowledge, samples, langs)))
    if "hostile" in only:
        sections.append(took(bench_hostile.section(str(knowledge), quick=quick)))
    if "engine" in only:
        sections.append(took(bench_users.section(samples, knowledge, quick=quick,
                                                 baseline=getattr(args, "baseline", None))))
    if "telegram" in only:
        sections.append(took(bench_telegram.section(samples, knowledge, quick=quick)))
    if "reports" in only:
        sections.append(took(bench_reports.section(knowledge, quick=quick)))
    if "drain" in only:
        sections.append(took(bench_drain.section(samples, knowledge, quick=quick)))
    if "instances" in only:
        sections.append(took(bench_instances.section(samples, knowledge, quick=quick)))
    if "operators" in only:
        sections.append(took(bench_operators.section(str(knowledge), quick=quick)))
    info["load_average_end"] = load_average()
    print(format_table(info, sections))
    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps(as_json(info, sections), indent=1), encoding="utf-8")
    return 0
