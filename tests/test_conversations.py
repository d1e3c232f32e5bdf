"""Run the conversation scripts in tests/conversations/*.yaml through the real service.

A script is a list of stories; a story has a `name`, optional `lang` (the client's language, as
Telegram reports it) and `steps`. A step does one thing:

    say: TEXT           the user types TEXT (a number presses that button of the latest message)
    forward: TEXT       the user forwards TEXT (a rejection notice)
    press: LABEL        presses the button whose label contains LABEL
    press_key: KEY      presses the button whose key is KEY (see below)
    command: NAME ARG   a command, without the slash ("timezone +3")
    wait: 25h | 10bd    the clock moves (10bd: ten business days); follow-ups due on the way are
                        sent when they are due, as in the console

and then checks what the bot answered in that step (all its replies, follow-ups included):

    expect / absent: [texts]         in / not in the replies' text or button labels
    ids / no_ids: [keys]             messages.yaml keys the replies were made from (also
                                     topic:<id>, step:<reason>/<step>); wording-independent
    buttons / no_buttons: [keys]     button keys present / absent: buttons: keys of
                                     messages.yaml, topic:<id>, reason:<id>, option:<n>
    exact_buttons: [keys]            the buttons, exactly, in order
    silent: true                     the bot sends nothing

Prefer ids and button keys: a script that checks them keeps passing when knowledge/ is
reworded. Quote texts only where the wording is the point (a number, a date).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bot.core.events import Reply
from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import advance
from tests.chat import Chat

HERE = Path(__file__).resolve().parent / "conversations"
SCRIPTS = [
    pytest.param(story, id=f"{path.stem}: {story['name']}")
    for path in sorted(HERE.glob("*.yaml"))
    for story in yaml.safe_load(path.read_text())
]
CHECKS = {"expect", "absent", "ids", "no_ids", "buttons", "no_buttons", "exact_buttons", "silent"}
ACTIONS = {"say", "forward", "press", "press_key", "command", "wait"}


async def wait(chat: Chat, target: datetime) -> list[Reply]:
    """Move the clock to `target`, sending each follow-up when it comes due."""
    got: list[Reply] = []
    while (due := await chat.service.store.next_due(target)) is not None:
        chat.clock.now = max(due, chat.clock.now)
        chat.outbox.clear()
        await chat.service.run_due_followups()
        got += [r for user, replies in chat.outbox if user == chat.user for r in replies]
    chat.clock.now = target
    return got


async def run_step(chat: Chat, step: dict, lang: str | None) -> list[Reply]:
    actions = set(step) & ACTIONS
    assert len(actions) == 1 and not set(step) - ACTIONS - CHECKS, f"bad step {step}"
    if "say" in step:
        return await chat.say(str(step["say"]), lang=lang)
    if "forward" in step:
        return await chat.say(step["forward"], forwarded=True, lang=lang)
    if "press" in step:
        return await chat.press(step["press"])
    if "press_key" in step:
        return await chat.press_key(step["press_key"])
    if "command" in step:
        name, _, arg = str(step["command"]).partition(" ")
        return await chat.command(name, arg)
    chat.last = await wait(chat, advance(chat.clock.now, str(step["wait"])))
    return chat.last


def check(n: int, step: dict, replies: list[Reply], chat: Chat) -> None:
    text = "\n".join([r.text for r in replies] + chat.buttons(replies))
    ids, keys = chat.ids(replies), chat.button_keys(replies)
    where = f"step {n} {step}:\n{text}\nids: {ids}\nbuttons: {keys}"
    for wanted in step.get("expect", []):
        assert str(wanted) in text, f"{where}\n{wanted!r} missing"
    for unwanted in step.get("absent", []):
        assert str(unwanted) not in text, f"{where}\n{unwanted!r} present"
    for key in step.get("ids", []):
        assert key in ids, f"{where}\nmessage {key!r} missing"
    for key in step.get("no_ids", []):
        assert key not in ids, f"{where}\nmessage {key!r} present"
    for key in step.get("buttons", []):
        assert key in keys, f"{where}\nbutton {key!r} missing"
    for key in step.get("no_buttons", []):
        assert key not in keys, f"{where}\nbutton {key!r} present"
    if "exact_buttons" in step:
        assert keys == step["exact_buttons"], where
    if step.get("silent"):
        assert not replies, where


@pytest.mark.parametrize("story", SCRIPTS)
async def test_conversation(story: dict, kb: KnowledgeBase, tmp_path: Path) -> None:
    chat = await Chat.open(kb, tmp_path / "bot.sqlite3")
    try:
        for n, step in enumerate(story["steps"], 1):
            chat.clock.advance(seconds=kb.policy.flood_window_seconds)  # people type slowly
            replies = await run_step(chat, step, story.get("lang"))
            check(n, step, replies, chat)
    finally:
        await chat.close()
