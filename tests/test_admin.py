"""Admin commands on Telegram, through the real adapter, service and SQLite against the fake Bot API.

`/reload`, `/report` and `/unmatched` answer only ADMIN_USER_IDS; for anyone else they are an
unknown command, indistinguishable from a typo. Texts are compared with what `knowledge/`
(here the small test tree from conftest) says, so the tests do not depend on its wording.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.admin import ADMIN_COMMANDS
from bot.app.config import Settings
from bot.app.report import Candidate, matcher_candidates
from bot.knowledge.contract import COMMANDS
from bot.knowledge.loader import collect, load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from bot.understanding.redact import redact
from tests.fake_bot_api import FakeBotApi
from tests.test_telegram import CHAT, FrozenClock, serving

ADMIN = 777
NOT_ADMIN = CHAT
EXPIRED = "my expired document problem number 1"  # an example of expired_document in conftest
STEP_2 = "Can you renew it, or do you have another valid document?"
RENEW_OPTION = "      - label: I'll renew it\n        next: renew\n"
RENEW_STEP = (
    "  - id: renew\n    text: Renew the document at the office that issued it.\n"
    "    next: resubmit\n"
)


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path, kb_dir: Path) -> Settings:
    return Settings(
        token=api.token,
        api_base_url=api.url,
        database_path=str(tmp_path / "data" / "kyc.sqlite3"),
        knowledge_dir=str(kb_dir),
        admin_user_ids=frozenset({ADMIN}),
    )


@pytest.fixture
def kb(kb_dir: Path) -> KnowledgeBase:
    return load_knowledge(kb_dir)


def messages_to(api: FakeBotApi, chat: int) -> list[tuple[str, Any]]:
    """Return what a chat saw: each message's visible text and its keyboard."""
    return [(c.params["_visible"], c.params.get("reply_markup")) for c in api.sent(chat)]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def since(kb: KnowledgeBase, clock: FrozenClock) -> datetime:
    """Return the start of the admin commands' 7-day period (kb.message writes it)."""
    return clock.now - timedelta(days=7)


def step_text(kb: KnowledgeBase, position: int, text: str) -> str:
    """Return a fix step as the user sees it (the `step` message: progress header and text)."""
    title = kb.reasons["expired_document"].title.get()
    header = kb.message("step_progress", "en", title=title, position=position)
    return kb.message("step", "en", header=header, text=text)


# -- who may use them ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/reload", "/report", "/unmatched", "/reload now"])
async def test_for_anyone_else_an_admin_command_is_just_an_unknown_command(
    api, settings, kb, kb_dir, command
):
    edit(kb_dir / "messages.yaml", "Message help", "Fresh help")
    async with serving(api, settings, kb) as h:
        await h.say("/frobnicate", chat=NOT_ADMIN + 1)
        await h.say(command, chat=NOT_ADMIN)
        assert await h.say("/help", chat=NOT_ADMIN) == [kb.message("help", "en")]  # not reloaded
    unknown = messages_to(api, NOT_ADMIN + 1)
    assert unknown[0][0] == kb.message("unknown_command", "en")
    # same text, same buttons, same data but for each conversation's own tag
    untag = lambda seen: re.sub(r"v1\|[0-9a-f]*\.", "v1|.", json.dumps(seen))  # noqa: E731
    assert untag(messages_to(api, NOT_ADMIN)[:1]) == untag(unknown)


async def test_only_admins_see_admin_commands_in_their_menu(api, settings, kb):
    async with serving(api, settings, kb):
        pass
    everyone = [c for c in api.calls_to("setMyCommands") if "scope" not in c.params]
    admin = [c for c in api.calls_to("setMyCommands") if "scope" in c.params]
    assert [c["command"] for c in everyone[-1].params["commands"]] == list(COMMANDS)
    assert admin and all(c.params["scope"] == {"type": "chat", "chat_id": ADMIN} for c in admin)
    assert [c["command"] for c in admin[0].params["commands"]] == [*COMMANDS, *ADMIN_COMMANDS]
    assert admin[0].params["commands"][-1]["description"] == kb.message(
        "admin_command_unmatched", "en", days=7
    )


# -- /reload -------------------------------------------------------------------------------------


async def test_reload_applies_an_edited_step_and_a_user_mid_fix_sees_it_next(
    api, settings, kb, kb_dir
):
    async with serving(api, settings, kb) as h:
        await h.say(EXPIRED)
        edit(kb_dir / "reasons" / "expired_document.yaml", STEP_2, "Renew it or switch documents?")
        edit(kb_dir / "messages.yaml", "Message help", "Fresh help")
        new = load_knowledge(kb_dir)

        assert await h.say("/reload", chat=ADMIN) == [
            new.message("admin_reloaded", "en", reasons=8, topics=16, examples=new.example_count)
        ]
        assert await h.press(kb.button("next", "en")) == [
            step_text(new, 2, "Renew it or switch documents?")
        ]
        assert await h.say("/help") == ["Fresh help"]


async def test_reload_with_errors_keeps_the_old_knowledge_and_lists_every_problem(
    api, settings, kb, kb_dir, caplog
):
    caplog.set_level(logging.INFO, logger="bot")
    async with serving(api, settings, kb) as h:
        await h.say(EXPIRED)
        edit(kb_dir / "reasons" / "expired_document.yaml", STEP_2, "Never shown")
        (kb_dir / "reasons" / "underage.yaml").write_text('version: 1\nid: "<b>&x"\n')
        _, problems, _ = collect(kb_dir)

        texts = await h.say("/reload", chat=ADMIN)
        # shown literally: the fake server, like Telegram, refuses unescaped HTML
        assert texts == [
            kb.message(
                "admin_reload_failed", "en", count=len(problems), problems="\n".join(problems)
            )
        ]
        assert any("underage.yaml:2: `id` '<b>&x'" in p for p in problems)
        assert await h.press(kb.button("next", "en")) == [step_text(kb, 2, STEP_2)]

    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert all(problem in logged for problem in problems)  # one log line per problem


async def test_a_long_list_of_problems_is_cut_with_a_count_of_the_rest(api, settings, kb, kb_dir):
    for path in (kb_dir / "reasons").glob("*.yaml"):
        path.write_text("version: 1\n")
    _, problems, _ = collect(kb_dir)
    assert len(problems) > 20
    async with serving(api, settings, kb) as h:
        (text,) = await h.say("/reload", chat=ADMIN)
    assert text.startswith(
        kb.message("admin_reload_failed", "en", count=len(problems), problems="")
    )
    assert problems[19] in text and problems[20] not in text
    assert text.endswith(kb.message("admin_reload_more", "en", count=len(problems) - 20))


@pytest.mark.parametrize("user_action", ["press Next", "type a message"])
async def test_a_user_on_a_removed_step_is_told_and_taken_to_the_start_of_the_fix(
    api, settings, kb, kb_dir, user_action
):
    async with serving(api, settings, kb) as h:
        await h.say(EXPIRED)
        await h.press(kb.button("next", "en"))
        await h.press("I'll renew it")
        reason = kb_dir / "reasons" / "expired_document.yaml"
        edit(reason, RENEW_OPTION, "")
        edit(reason, RENEW_STEP, "")
        new = load_knowledge(kb_dir)
        assert await h.say("/reload", chat=ADMIN) == [
            new.message("admin_reloaded", "en", reasons=8, topics=16, examples=new.example_count)
        ]

        if user_action == "press Next":
            texts = await h.press(kb.button("next", "en"))
        else:
            texts = await h.say("so what do I do now")
    # the notice and the step it leads to come as one message
    assert texts[0].startswith(kb.message("knowledge_changed", "en"))
    assert texts[-1].endswith(step_text(kb, 1, "Look at the expiry date on the document you used."))


# -- /report and /unmatched ----------------------------------------------------------------------


async def test_report_on_a_quiet_week_says_nothing_happened(api, settings, kb):
    clock = FrozenClock()
    async with serving(api, settings, kb, clock=clock) as h:
        texts = await h.say("/report", chat=ADMIN)
    assert texts == [kb.message("admin_report_empty", "en", days=7, since=since(kb, clock))]


async def test_report_gives_the_weeks_figures(api, settings, kb):
    clock = FrozenClock()
    async with serving(api, settings, kb, clock=clock) as h:
        await h.say(EXPIRED)
        await h.say("/resubmitted")
        clock.advance(hours=30)
        await h.say("passed please")  # the `passed` intent of the test knowledge base
        await h.say("how do i cook rice", chat=CHAT + 1)
        await h.say("how do I cook rice?", chat=CHAT + 1)
        texts = await h.say("/report", chat=ADMIN)
    reasons = kb.message("admin_report_reason", "en", title="Expired document", cases=1, passed=1)
    assert texts == [
        kb.message(
            "admin_report",
            "en",
            days=7,
            since=since(kb, clock),
            conversations=2,
            users=2,
            cases=1,
            passed=1,
            resolution="100",
            rejected_again=0,
            manual_review=0,
            lock_risk=0,
            waiting=0,
            silent=0,
            unmatched=2,
            reasons=reasons,
        )
    ]


async def test_unmatched_lists_the_ten_largest_groups_redacted_and_escaped(api, settings, kb):
    unplaced = {
        "how do i cook rice": 3,
        "is <b>pizza</b> & pasta ok": 2,
        "write me at john.doe@example.com about pizza": 2,
        "what is the weather on mars": 1,
        "my cat ate my homework": 1,
        "which train goes to berlin": 1,
        "can penguins fly": 1,
        "the quick brown fox jumps": 1,
        "how tall is mount everest": 1,
        "best guitar for beginners": 1,
        "recipe for banana bread": 1,
        "favourite colour of the sky": 1,
    }
    clock = FrozenClock()
    async with serving(api, settings, kb, clock=clock) as h:
        assert await h.say("/unmatched", chat=ADMIN) == [
            kb.message("admin_unmatched_empty", "en", days=7)
        ]
        for user, (text, times) in enumerate(unplaced.items(), start=1000):
            for _ in range(times):
                await h.say(text, chat=user)
        (text,) = await h.say("/unmatched", chat=ADMIN)

    # biggest groups first; equally big ones (all sent at the same frozen instant) by text
    groups = sorted(((redact(t), n) for t, n in unplaced.items()), key=lambda g: (-g[1], g[0]))
    candidates = matcher_candidates(Matcher.build(kb))

    def closest(text: str) -> list[Candidate]:
        return sorted(candidates(text), key=lambda c: (-c.score, c.kind, c.id))

    titles = {e.id: e.title.get() for e in [*kb.reasons.values(), *kb.topics.values()]}
    lines = [
        kb.message(
            "admin_unmatched_line",
            "en",
            rank=rank,
            count=count,
            text=group,
            closest=", ".join(f"{titles[c.id]} ({c.score:g})" for c in closest(group)) or "-",
        )
        for rank, (group, count) in enumerate(groups[:10], 1)
    ]
    assert text == kb.message(
        "admin_unmatched", "en", days=7, count=16, groups=12, shown=10, lines="\n".join(lines)
    )
    assert "is <b>pizza</b> & pasta ok" in text  # escaped on the way, shown literally
    assert "john.doe@example.com" not in text and "about pizza" in text


async def test_admins_still_chat_like_everyone_else(api, settings, kb):
    async with serving(api, settings, kb) as h:
        assert await h.say("/frobnicate", chat=ADMIN) == [kb.message("unknown_command", "en")]
        assert (await h.say(EXPIRED, chat=ADMIN))[-1].endswith(
            step_text(kb, 1, "Look at the expiry date on the document you used.")
        )


async def test_a_failing_report_still_gets_an_answer(api, settings, kb, monkeypatch):
    async def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database disk image is malformed")

    monkeypatch.setattr("bot.app.report.build_report", broken)
    async with serving(api, settings, kb) as h:
        assert await h.say("/report", chat=ADMIN) == [
            kb.message("admin_failed", "en", error="OperationalError")
        ]
        assert await h.say("/help", chat=ADMIN) == [kb.message("help", "en")]
