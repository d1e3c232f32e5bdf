"""The start-up checks may be split over forked copies of the process (one part each): the
problems found, and their order, are those one process finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.understanding import parallel
from bot.understanding.checks import check_knowledge


def _problems(kb_dir: Path) -> list[str]:
    kb = load_knowledge(kb_dir)
    return [f"{p.path}:{p.line}: {p.message}" for p in check_knowledge(kb)]


def test_split_checks_find_the_same_problems_in_the_same_order(
        kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYC_HELPER_CACHE_DIR", "off")
    kb = load_knowledge(kb_dir)
    expired = kb.reasons["expired_document"].examples[0]
    for other, tail in (("blurry_photo", "x"), ("underage", "y")):  # its words elsewhere
        path = kb_dir / "reasons" / f"{other}.yaml"
        path.write_text(path.read_text().replace("examples:\n", f"examples:\n  - {expired} {tail}\n", 1))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**9)
    alone = _problems(kb_dir)
    assert len(alone) == 2 and all("matches reason expired_document" in p for p in alone)

    started: list[int] = []
    start = parallel._start

    def counted(work, part):  # type: ignore[no-untyped-def]
        started.append(len(part))
        return start(work, part)

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "_start", counted)
    assert _problems(kb_dir) == alone
    assert len(started) == 2 and all(started)
