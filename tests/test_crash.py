"""kill -9 the bot mid-conversation: every answered turn survives, follow-ups are sent once."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.app.service import Service
from tests.chat import FrozenClock
from tests.crash_worker import knowledge, run_user

REPO = Path(__file__).resolve().parent.parent
USERS = 40


async def test_kill_9_loses_no_answered_turn_and_no_follow_up(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(db), str(USERS)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    answered: dict[str, int] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    lines = 0
    for line in proc.stdout:
        record = json.loads(line)
        if "user" in record:
            answered[record["user"]] = record["turn"]
            lines += 1
        if lines >= USERS * 15 or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    for line in rest.splitlines():  # turns answered before the kill but not read yet
        record = json.loads(line)
        answered[record["user"]] = record["turn"]
    assert len(answered) == USERS

    kb = knowledge()
    clock = FrozenClock()
    service = await Service.open(kb, str(db), clock)
    stored = {u: await service.state("crash", u) for u in answered}
    expecting_followup = 0
    for user, turns in answered.items():
        # replay this user's first `turns` turns, and one more (answered but not yet printed)
        candidates = []
        for n in (turns, turns + 1):
            replay = await Service.open(kb, str(tmp_path / f"replay-{user}-{n}.sqlite3"), FrozenClock())
            await run_user(replay, user, max_turns=n)
            replayed = await replay.state("crash", user)
            assert replayed is not None
            candidates.append(dataclasses.replace(replayed, tag=""))
            await replay.close()
        state = stored[user]
        assert state is not None, f"{user}: answered {turns} turns, nothing stored"
        assert dataclasses.replace(state, tag="") in candidates, f"{user}: stored state is not the one after turn {turns} or {turns + 1}"
        pending = await service.scheduled("crash", user)
        assert len(pending) == (1 if state.followup else 0), f"{user}: follow-up rows {pending}"
        expecting_followup += bool(state.followup)

    sent: list[str] = []

    question = kb.message("followup_question")

    async def send(user_id: str, replies: list) -> None:
        # replies answered but never sent before the kill go out too (the worker had no sender)
        sent.extend(user_id for r in replies if question in r.text)

    service.register_sender("crash", send)
    clock.advance(days=2)
    assert await service.run_due_followups() == expecting_followup
    assert await service.run_due_followups() == 0
    assert len(sent) == len(set(sent)) == expecting_followup
    await service.close()
