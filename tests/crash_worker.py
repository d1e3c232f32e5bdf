"""Run many simulated users against the real Service until killed (for the kill -9 tests).

Each user follows the same deterministic script on a frozen clock, so a test can replay the
first N turns of any user and know exactly which state the store must hold and which replies
the user must have received. One JSON line is printed per answered turn,
{"user": name, "turn": n}, and one per reply the sender delivered, {"user": name, "text": ...}.

    python -m tests.crash_worker DB USERS
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.app.service import Service
from bot.core.events import ButtonPress, Command, Event, Reply, TextMessage
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from tests.chat import FrozenClock

REPO = Path(__file__).resolve().parent.parent
CHANNEL = "crash"
SCRIPT = ["my document photo was blurry", "press", "press", "/resubmitted", "/status", "/restart"]


async def run_user(
    service: Service, name: str, max_turns: int | None = None, on_turn: Callable[[int], None] | None = None
) -> None:
    """Play the script in a loop; button presses take the first button of the last reply."""
    turn = 0
    last_data = ""
    while max_turns is None or turn < max_turns:
        line = SCRIPT[turn % len(SCRIPT)]
        event: Event
        if line == "press":
            event = ButtonPress(last_data)
        elif line.startswith("/"):
            event = Command(line[1:])
        else:
            event = TextMessage(line)
        replies = await service.handle(CHANNEL, name, event)
        buttons = [b.data for r in replies for row in r.buttons for b in row]
        last_data = buttons[0] if buttons else last_data
        turn += 1
        if on_turn:
            on_turn(turn)


def knowledge() -> KnowledgeBase:
    """The bundled knowledge base with the flood limit lifted (the clock is frozen)."""
    kb = load_knowledge(REPO / "knowledge")
    return dataclasses.replace(kb, policy=dataclasses.replace(kb.policy, flood_messages=10**9))


async def main(db: str, users: int) -> None:
    kb = knowledge()
    service = await Service.open(kb, db, FrozenClock())

    async def send(user_id: str, replies: list[Reply]) -> None:
        for reply in replies:
            print(json.dumps({"user": user_id, "text": reply.text}), flush=True)

    service.register_sender(CHANNEL, send)
    print(json.dumps({"ready": True}), flush=True)

    def printer(name: str) -> Callable[[int], None]:
        return lambda n: print(json.dumps({"user": name, "turn": n}), flush=True)

    await asyncio.gather(*(run_user(service, f"user{i}", on_turn=printer(f"user{i}")) for i in range(users)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
