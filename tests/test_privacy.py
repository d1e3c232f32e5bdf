"""Personal data is masked before anything is written: store and logs."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.model import KnowledgeBase
from bot.redact import find_sensitive, redact
from tests.chat import Chat

REPO = Path(__file__).resolve().parent.parent

# (message, the personal data in it)
SAMPLES = [
    ("my passport number is X12345678 and it got rejected", "X12345678"),
    ("id card 110101199003077777X shows wrong name", "110101199003077777X"),
    ("call me on +44 7700 900123 please", "7700 900123"),
    ("my email is jane.doe+kyc@example.org", "jane.doe+kyc@example.org"),
    ("I was born 14/02/2009 am I too young", "14/02/2009"),
    ("born on March 3, 2008 is that ok", "March 3, 2008"),
    ("account number 4929123456781234", "4929123456781234"),
    ("my password is Tr0ub4dor&3 can you log in", "Tr0ub4dor&3"),
    ("pwd: hunter2 help", "hunter2"),
    ("the 2fa code is 482913", "482913"),
]


@pytest.mark.parametrize(("text", "secret"), SAMPLES)
def test_redact_masks_each_kind(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "[redacted]" in redact(text)
    assert find_sensitive(text), "the user must be warned"


@pytest.mark.parametrize(
    "text",
    ["im 17", "my selfie failed 3 times", "level 2 kyc", "i forgot my password", "face fail", "waited 14 days"],
)
def test_ordinary_messages_are_not_flagged(text: str) -> None:
    assert find_sensitive(text) == []
    assert redact(text) == text


async def test_nothing_personal_reaches_the_store_or_the_logs(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "bot.sqlite3"
    chat = await Chat.open(kb, db)
    with caplog.at_level(logging.DEBUG):
        for text, _ in SAMPLES:
            replies = await chat.say(text)
            assert replies[0].text == kb.message("sensitive_data")
        await chat.say("zzz qqq " + SAMPLES[0][0])  # unmatched: goes to the operators' log
    await chat.close()
    con = sqlite3.connect(db)
    stored = "\n".join(con.iterdump())
    con.close()
    for _, secret in SAMPLES:
        assert secret not in stored
        assert secret not in caplog.text
    assert "[redacted]" in stored
