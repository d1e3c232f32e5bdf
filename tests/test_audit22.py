"""Journeys from blind audit 22 (whole cases over weeks through the console, checked against the guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat, FrozenClock


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path):
    c = await Chat.open(kb, tmp_path / "bot.sqlite3", clock=FrozenClock())
    yield c
    await c.close()


@pytest.mark.parametrize(("first", "asked", "lang"), [
    ("rejected 3 times", "support asked me for a selfie holding my passport and a video", "en"),
    ("被拒了三次", "客服让我补充手持身份证自拍和视频", "zh"),
    ("три раза отказали, теперь ручная проверка", "поддержка попросила селфи с паспортом и видео", "ru"),
])
async def test_documents_asked_for_in_a_manual_review_are_no_rejection(
        chat: Chat, first: str, asked: str, lang: str) -> None:
    # audit 22 H1: a selfie with the ID and a short video are the review's usual extra documents
    await chat.say(first, lang=lang)
    chat.clock.advance(days=7)
    await chat.say(asked, lang=lang)
    assert "review_documents" in chat.ids(), chat.ids()
    assert "review_rejected" not in chat.ids()
    await chat.command("status")
    assert "stage_manual_review" in chat.ids(), chat.ids()


async def test_the_summary_names_no_reason_for_a_rejection_nobody_explained(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 22 H2: "rejected again" pressed with no notice: that attempt's reason is unknown,
    # and the reasons line still names every reason of the case
    await chat.say("Reason: Image quality does not meet the requirements")
    await chat.command("resubmitted")
    chat.clock.advance(days=1)
    await chat.say("rejected again, my face didn't match")
    await chat.command("resubmitted")
    chat.clock.advance(days=1)
    await chat.command("status")
    await chat.press(kb.button("rejected_again"))
    await chat.command("summary")
    summary = next(r.text for r in chat.last if kb.reasons["blurry_photo"].title.get() in r.text)
    reasons_line = next(line for line in summary.splitlines()
                        if kb.reasons["face_verification"].title.get() in line)
    assert kb.reasons["blurry_photo"].title.get() in reasons_line
    assert kb.reasons["face_verification"].title.get() in reasons_line
    attempts = [line for line in summary.splitlines() if line[:1].isdigit()]
    assert len(attempts) == 3 and attempts[-1].endswith(kb.message("outcome_rejected")), attempts
