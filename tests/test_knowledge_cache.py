"""Parsed knowledge files are cached by content: an unchanged file is not parsed again, an edited
one always is, and a damaged cache only costs time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.ops.validate import validate_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KYC_HELPER_CACHE_DIR", str(folder))
    return folder / "knowledge-yaml"


def test_an_edited_file_is_read_afresh(kb_dir: Path, cache: Path) -> None:
    expired = kb_dir / "reasons" / "expired_document.yaml"
    assert load_knowledge(kb_dir).reasons["expired_document"].title.get() == "Expired document"
    assert len(list(cache.glob("*.pickle"))) > 20
    expired.write_text(expired.read_text().replace("title: Expired document", "title: Too old"))
    assert load_knowledge(kb_dir).reasons["expired_document"].title.get() == "Too old"


def test_lines_and_errors_are_the_same_from_the_cache(kb_dir: Path, cache: Path) -> None:
    expired = kb_dir / "reasons" / "expired_document.yaml"
    expired.write_text(expired.read_text().replace("share: 5", "share: 5\nshare: 6"))
    first = validate_dir(kb_dir, matcher=False).errors
    assert validate_dir(kb_dir, matcher=False).errors == first
    assert len(first) == 1 and "duplicate key 'share'" in first[0]


def test_a_damaged_cache_is_only_slower(kb_dir: Path, cache: Path) -> None:
    load_knowledge(kb_dir)
    for entry in cache.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert load_knowledge(kb_dir).reasons["expired_document"].title.get() == "Expired document"


# -- the whole base, checked and built, kept by content (bot.app.snapshot) ---------------------


def _bot_load(kb_dir: Path):  # type: ignore[no-untyped-def]
    from bot.app.knowledge import load_knowledge as load_as_bot

    return load_as_bot(kb_dir)


def test_a_restart_reads_the_checked_base_back_and_sees_every_edit(kb_dir: Path, cache: Path) -> None:
    from bot.understanding.matcher import Matcher

    first = _bot_load(kb_dir)
    kept = list(cache.parent.glob("knowledge-*.pickle"))
    assert len(kept) == 1
    again = _bot_load(kb_dir)
    assert again is not first and again == first
    message = first.reasons["expired_document"].examples[0]
    assert Matcher.build(again).match(message) == Matcher.build(first).match(message)
    assert Matcher.build(again).match(message).top.id == "expired_document"
    expired = kb_dir / "reasons" / "expired_document.yaml"
    expired.write_text(expired.read_text().replace("title: Expired document", "title: Too old"))
    assert _bot_load(kb_dir).reasons["expired_document"].title.get() == "Too old"


def test_a_base_with_errors_is_never_kept(kb_dir: Path, cache: Path) -> None:
    from bot.shared.errors import KnowledgeError

    expired = kb_dir / "reasons" / "expired_document.yaml"
    expired.write_text(expired.read_text().replace("share: 5", "share: 5\nshare: 6"))
    for _ in range(2):
        with pytest.raises(KnowledgeError, match="duplicate key 'share'"):
            _bot_load(kb_dir)
    assert not list(cache.parent.glob("knowledge-*.pickle"))


def test_a_damaged_checked_base_is_only_slower(kb_dir: Path, cache: Path) -> None:
    _bot_load(kb_dir)
    for entry in cache.parent.glob("knowledge-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert _bot_load(kb_dir).reasons["expired_document"].title.get() == "Expired document"


def test_a_cached_file_pruned_by_another_process_meanwhile_is_no_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # three instances starting at once prune one folder: a file another one deleted between
    # listing and reading its time made the write "fail" (and log while the redactor loaded)
    from bot.understanding import cache as disk

    folder = tmp_path / "cache"
    folder.mkdir()
    for i in range(10):
        (folder / f"thing-{i}.pickle").write_bytes(b"x")
    listed = list(folder.glob("thing-*.pickle"))
    (folder / "thing-3.pickle").unlink()  # gone after it was listed
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(listed))
    disk._prune(folder, "thing", keep=folder / "thing-9.pickle")
    assert len(list(folder.iterdir())) <= 8
