"""Journeys from blind audit 23: a reason the user rules out in the same message is not added back."""

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


@pytest.mark.parametrize(("text", "lang", "reason", "ruled_out"), [
    # a negation over a document word ("不是证件过期": not that the document expired)
    ("不是证件过期，是人脸识别失败", "zh", "face_verification", "expired_document"),
    ("not that my passport expired, the face scan failed", "en", "face_verification",
     "expired_document"),
    # what the user thought first, then what the notice says
    ("I said blurry before but I checked the email again, it is actually face verification failed",
     "en", "face_verification", "blurry_photo"),
    ("I thought it was the blurry picture, but the email says the ID is already registered", "en",
     "id_already_registered", "blurry_photo"),
    ("我以为是照片模糊，结果邮件说是证件已被注册", "zh", "id_already_registered", "blurry_photo"),
    ("думал что фото размытое, а в письме пишут что документ уже использован", "ru",
     "id_already_registered", "blurry_photo"),
    # what was fine ("the lighting was good") names no second problem
    ("光线也很好，我把眼镜也摘了，但是还是提示人脸识别失败", "zh", "face_verification", "blurry_photo"),
    ("the lighting was good, I removed my glasses, still face verification failed", "en",
     "face_verification", "blurry_photo"),
    ("освещение хорошее, очки снял, но лицо не прошло", "ru", "face_verification", "blurry_photo"),
])
async def test_a_reason_ruled_out_in_the_message_is_not_walked(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, reason: str, ruled_out: str) -> None:
    await chat.say(text, lang=lang)
    assert f"step:{reason}/" in " ".join(chat.ids()) or any(
        i.startswith(f"step:{reason}") for i in chat.ids()), chat.ids()
    said = chat.text
    assert kb.reasons[reason].title.get(lang) in said
    assert kb.reasons[ruled_out].title.get(lang) not in said, said


@pytest.mark.parametrize(("text", "lang", "reasons"), [
    # a clause that only says what was fine keeps a reason it names by its keyword
    ("my id card says valid until 2023 so yeah its expired. im a student abroad and cant go home",
     "en", ["expired_document"]),
    # and two problems named plainly are still both walked
    ("my photo was blurry and the selfie also failed", "en", ["blurry_photo", "face_verification"]),
    ("照片模糊，人脸也没通过", "zh", ["blurry_photo", "face_verification"]),
])
async def test_reasons_named_plainly_are_kept(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, reasons: list[str]) -> None:
    await chat.say(text, lang=lang)
    said = chat.text
    for r in reasons:
        assert kb.reasons[r].title.get(lang) in said, (r, said)
