"""The start-up checks may be split over forked copies of the process (one part each): the
problems found, and their order, are those one process finds."""

from __future__ import annotations

import os
import time
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

    def counted(work):  # type: ignore[no-untyped-def]
        copy = start(work)
        started.append(copy[0])
        return copy

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "_start", counted)
    assert _problems(kb_dir) == alone
    # two copies check two thirds of the examples; one more trained the scope model
    assert len(set(started)) == 3


def test_a_copy_that_hangs_is_stopped_and_its_part_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked copy that never answers (a lock it inherited held for ever, say) must not keep
    the bot from starting: after its time it is killed and its part computed by the parent."""
    parent = os.getpid()

    def work(part: list[int]) -> list[int]:
        if os.getpid() != parent:
            time.sleep(3600)  # the copy hangs
        return [n * n for n in part]

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "PATIENCE_FLOOR", 0.2)
    monkeypatch.setattr(parallel, "PATIENCE_FACTOR", 0.0)
    forked: list[int] = []
    start = parallel._start

    def counted(work):  # type: ignore[no-untyped-def]
        copy = start(work)
        forked.append(copy[0])
        return copy

    monkeypatch.setattr(parallel, "_start", counted)
    assert parallel.split_work(work, list(range(10))) == [n * n for n in range(10)]
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # killed and reaped, not left behind
        os.waitpid(forked[0], os.WNOHANG)


def test_the_scope_model_trained_beside_is_the_one_trained_here(
        kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build trains the scope model in a forked copy while it builds the index: the model
    (and so every answer) is the one a single process trains."""
    from bot.understanding.matcher import Matcher

    kb = load_knowledge(kb_dir)
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    alone = Matcher._build(kb).scope
    forked: list[int] = []
    start = parallel._start
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "_start", lambda work: forked.append(1) or start(work))
    beside = Matcher._build(kb).scope
    assert forked == [1]
    assert alone is not None and beside is not None
    assert beside.weights == alone.weights and beside.bias == alone.bias


def test_work_beside_that_fails_in_its_copy_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()

    def work() -> dict[str, int]:
        if os.getpid() != parent:
            raise RuntimeError("the copy fails")
        return {"answer": 42}

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    assert parallel.beside(work)() == {"answer": 42}
    monkeypatch.setattr(parallel, "cores", lambda: 1)  # no copy at all: done on the call
    assert parallel.beside(work)() == {"answer": 42}
