"""Property-based tests: arbitrary input never crashes the matcher, the engine or the console."""

from __future__ import annotations

import argparse
import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.console import run_console
from bot.core.engine import Engine
from bot.core.events import Attachment, ButtonPress, Command, TextMessage
from bot.core.payload import encode
from bot.core.state import State
from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from tests.chat import START

REPO = Path(__file__).resolve().parent.parent

HOSTILE = [
    "<b>bold</b><a href='http://evil.example'>click</a>",
    "*bold* _it_ [link](http://evil.example) `code`",
    "'; DROP TABLE conversations; --",
    "key: value\n- item\n{a: b}\n!!python/object:os.system",
    "\u202eevil\u202c \u200b\u200c\u200d\ufeff",
    "مرحبا لم يتم قبول التحقق",
    "%s %d {0} {title} ${HOME}",
    "\x00\x01\x02\x1b[31m",
]

texts = st.one_of(
    st.text(max_size=400),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE + ["blurry", "selfie", "expired", "Reason:"]), max_size=12).map(" ".join),
)


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb, Matcher.build(kb))


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_matcher_never_raises_and_scores_are_bounded(engine: Engine, text: str) -> None:
    result = engine.matcher.match(text)
    assert all(0 <= m.score <= 100 for m in result.matches)
    assert len({(m.kind, m.id) for m in result.matches}) == len(result.matches)


@pytest.mark.parametrize("size", [1_000_000, 4_000_000])
def test_matcher_on_megabytes_of_text(engine: Engine, size: int) -> None:
    repeated = engine.matcher.match(("my document photo is blurry. " * (size // 29))[:size])
    assert repeated.matches and repeated.matches[0].id == "blurry_photo"
    assert engine.matcher.match("x" * size).matches == ()


def events_strategy(kb: KnowledgeBase) -> st.SearchStrategy:
    ids = list(kb.reasons) + list(kb.topics) + ["", "0", "99", "../../etc"]
    buttons = st.one_of(
        st.text(max_size=80),
        st.builds(encode, st.sampled_from(["", "ab12"]), st.integers(0, 50), st.sampled_from(list("nborRtLSysRpjwfFcxq")), st.sampled_from(ids)),
    )
    return st.one_of(
        st.builds(TextMessage, texts, st.booleans()),
        st.builds(ButtonPress, buttons),
        st.builds(Command, st.sampled_from(["start", "help", "reasons", "status", "resubmitted", "stop", "forget", "restart", "bogus"]), st.text(max_size=20)),
        st.builds(Attachment, st.sampled_from(["photo", "document", "sticker", "voice", "video", "other"])),
    )


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_event_gets_a_reply_and_state_round_trips(engine: Engine, kb: KnowledgeBase, data: st.DataObject) -> None:
    events = data.draw(st.lists(events_strategy(kb), min_size=1, max_size=25))
    state, now = State(), START
    for event in events:
        now += timedelta(seconds=kb.policy.flood_window_seconds)  # stay under the flood limit
        outcome = engine.handle(state, event, now)
        assert outcome.replies, f"no reply to {event!r}"
        for reply in outcome.replies:
            assert reply.text.strip()
            for row in reply.buttons:
                for button in row:
                    assert len(button.data.encode()) <= 64 and button.label
        if isinstance(event, TextMessage) and "<" in event.text:
            assert all(event.text not in r.text for r in outcome.replies), "user text echoed"
        state = State.from_json(outcome.state.to_json()) if not outcome.forget else State()
        assert state == (outcome.state if not outcome.forget else State())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(texts.filter(lambda t: "\n" not in t and "\r" not in t), st.sampled_from(["1", "2", "/wait 25h", '"""', "/fwd x"])), max_size=8))
def test_console_survives_any_script(
    kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    db = tmp_path_factory.mktemp("console") / "c.db"
    out = io.StringIO()
    args = argparse.Namespace(knowledge=str(REPO / "knowledge"), db=str(db), user="prop", now="2026-03-02T09:00+00:00")
    code = asyncio.run(run_console(args, stdin=io.StringIO("\n".join(lines) + "\n"), out=out, kb=kb))
    assert code == 0
    transcript = out.getvalue()
    for line in lines:
        if line.strip() and line.strip() != '"""' and not line.startswith("/wait"):
            assert f"you> {line}" in transcript


@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(texts, st.text(min_size=4000, max_size=9000)))
def test_telegram_rendering_is_escaped_html_within_limits(text: str) -> None:
    import html
    import re

    from bot.adapters.telegram import TEXT_LIMIT, render, utf16_len
    from bot.core.events import Reply

    messages = render(Reply(text))
    for rendered, _ in messages:
        assert "<" not in rendered and ">" not in rendered
        assert not re.search(r"&(?!(amp|lt|gt);)", rendered), "a bare & would break Telegram's HTML parser"
        assert 0 < utf16_len(html.unescape(rendered)) <= TEXT_LIMIT
    plain = "".join(html.unescape(m) for m, _ in messages)
    assert re.sub(r"\s", "", plain) == re.sub(r"\s", "", text)


def test_realistic_conversations_pressing_the_latest_buttons_never_fail(
        engine: Engine, kb: KnowledgeBase) -> None:
    """120 seeded conversations of 25 events reach deep states: messages from the blind sets,
    typed answers, commands, presses of the buttons just sent, due check-ins, photos. Every event
    gets a reply and the state survives its JSON round trip."""
    import json
    import random

    from bot.core.events import FollowupDue
    from bot.core.state import parse_iso

    texts = [json.loads(line)["text"] for lang in ("en", "zh", "ru")
             for line in (REPO / "tests" / "data" / "blind14" / f"{lang}.jsonl").read_text(
                 encoding="utf-8").splitlines() if line.strip()]
    texts += ["1", "2", "3", "yes", "no", "да", "нет", "是", "不", "ok", "next", "back", "👍",
              "I resubmitted", "rejected again", "it passed", "still waiting", "support fixed it",
              "I turned 18", "birthday", "不清楚", "cancel", "what if I fail 3 times"]
    commands = ["start", "status", "help", "forget", "language", "stop", "restart", "resubmitted"]
    rng = random.Random(13)
    for _ in range(120):
        state, now, last = State(tag="t1"), START, None
        for _ in range(25):
            now += timedelta(seconds=kb.policy.flood_window_seconds)
            r = rng.random()
            data = [b.data for rp in last.replies for row in rp.buttons for b in row] if last else []
            if r < 0.55 or (r < 0.9 and not data):
                event: object = TextMessage(rng.choice(texts), rng.random() < 0.1)
            elif r < 0.65:
                event = Command(rng.choice(commands), "")
            elif r < 0.9:
                event = ButtonPress(rng.choice(data))
            elif state.followup is not None:
                now = max(now, parse_iso(state.followup.due))
                event = FollowupDue(state.followup.kind, parse_iso(state.followup.due))
            else:
                event = Attachment("photo")
            last = engine.handle(state, event, now)  # type: ignore[arg-type]
            assert last.replies or isinstance(event, FollowupDue), event
            state = State.from_json(last.state.to_json()) if not last.forget else State(tag="t1")
