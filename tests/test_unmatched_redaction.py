"""Unplaced messages as the report reads them: stored redacted, with the redaction that wrote
them, and redacted again when an older redaction wrote them."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import grouping
from bot.app.report import unmatched_groups
from bot.app.service import Service
from bot.core.events import TextMessage
from bot.knowledge.model import KnowledgeBase
from bot.storage.sqlite import SqliteStore
from bot.understanding.redact import fingerprint, redact

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EMAIL = "is the weather nice today, write me at gina.rossi@example.com"


async def test_the_bot_stores_unplaced_text_redacted_with_its_redaction(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    service = await Service.open(kb, str(tmp_path / "kyc.sqlite3"), lambda: NOW)
    try:
        await service.handle("console", "u1", TextMessage(EMAIL))
        rows = await service.store.unmatched_between(NOW - timedelta(days=1), NOW)
    finally:
        await service.close()
    assert [(r.text, r.redaction) for r in rows] == [(redact(EMAIL), fingerprint())]
    assert "example.com" not in rows[0].text


async def _groups_of_an_old_row(tmp_path: Path, apart: bool) -> list[Any]:
    """Group one unplaced message stored as an older version stored it (unredacted)."""
    store = await SqliteStore.open(tmp_path / "old.sqlite3")
    try:
        await store.run_sync(
            lambda c: c.execute(
                "INSERT INTO unmatched (channel, user_id, at, text, candidates, redaction)"
                " VALUES ('console', 'u1', ?, ?, '[]', NULL)",
                (NOW.isoformat(), EMAIL),
            )
        )
        groups = await unmatched_groups(store, NOW - timedelta(days=1), NOW, apart=apart)
    finally:
        await store.close()
    return groups


@pytest.mark.parametrize("apart", [False, True], ids=["thread", "child process"])
async def test_text_an_older_version_stored_is_redacted_again(
    tmp_path: Path, apart: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grouping, "APART_FROM", 0)
    groups = await _groups_of_an_old_row(tmp_path, apart)
    assert [g.text for g in groups] == [redact(EMAIL)]
    assert "example.com" not in groups[0].text


async def test_a_failing_grouping_child_leaves_the_grouping_to_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(grouping, "APART_FROM", 0)
    spawn = asyncio.create_subprocess_exec

    async def failing(*args: Any, **kwargs: Any) -> Any:
        return await spawn(sys.executable, "-c", "import sys; sys.exit('no room')", **kwargs)

    monkeypatch.setattr(grouping.asyncio, "create_subprocess_exec", failing)
    groups = await _groups_of_an_old_row(tmp_path, True)
    assert [g.text for g in groups] == [redact(EMAIL)]
    assert "no room" in caplog.text
