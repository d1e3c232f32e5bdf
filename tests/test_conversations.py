"""Run the conversation scripts in tests/conversations/*.yaml through the real service."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import parse_duration
from tests.chat import Chat

HERE = Path(__file__).resolve().parent / "conversations"
SCRIPTS = [
    pytest.param(story, id=f"{path.stem}: {story['name']}")
    for path in sorted(HERE.glob("*.yaml"))
    for story in yaml.safe_load(path.read_text())
]


async def run_step(chat: Chat, step: dict) -> str:
    if "say" in step:
        await chat.say(step["say"])
    elif "forward" in step:
        await chat.say(step["forward"], forwarded=True)
    elif "press" in step:
        await chat.press(step["press"])
    elif "command" in step:
        await chat.command(step["command"])
    elif "wait" in step:
        chat.last = []
        await chat.tick(seconds=parse_duration(step["wait"]).total_seconds())
    else:
        raise AssertionError(f"unknown step {step}")
    return "\n".join([chat.text, *chat.buttons()])


@pytest.mark.parametrize("story", SCRIPTS)
async def test_conversation(story: dict, kb: KnowledgeBase, tmp_path: Path) -> None:
    chat = await Chat.open(kb, tmp_path / "bot.sqlite3")
    try:
        for n, step in enumerate(story["steps"], 1):
            chat.clock.advance(seconds=kb.policy.flood_window_seconds)  # people type slowly
            text = await run_step(chat, step)
            for wanted in step.get("expect", []):
                assert wanted in text, f"step {n} {step}: {wanted!r} not in:\n{text}"
            for unwanted in step.get("absent", []):
                assert unwanted not in text, f"step {n} {step}: {unwanted!r} in:\n{text}"
    finally:
        await chat.close()
