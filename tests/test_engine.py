"""The whole journey through the real engine and SQLite store, on a frozen clock."""

from __future__ import annotations

import ast
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.events import ButtonPress
from bot.knowledge.loader import KNOWN_REASONS
from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Match, MatchResult, Phrases
from tests.chat import START, Chat

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path):
    c = await Chat.open(kb, tmp_path / "bot.sqlite3")
    yield c
    await c.close()


@dataclass
class StubMatcher:
    """Returns a fixed result, to test how the dialogue reacts to each kind of match."""

    result: MatchResult

    def match(self, text: str, *, scoped: bool = True) -> MatchResult:
        return self.result

    def language(self, text: object) -> None:
        return None  # the scenarios are in English: the client's language stands

    own_names = Phrases(())  # the names of this context ("Binance", "USDT"): none here

    def clauses(self, text: str) -> list[str]:
        return [text]

    def has_marker(self, text: str) -> bool:
        return "Reason:" in text

    def as_cyrillic(self, text: str) -> str:
        return text  # the scenarios are in English

    def asks_yes_no(self, text: str) -> bool:
        return False  # no message of these scenarios is only a question

    def yes_no_question(self, text: str) -> bool:
        return False

    def reads_elsewhere(self, text: str) -> bool:
        return False

    def reads_words(self, text: str) -> bool:
        return True  # every word counts: an unmatched message is off topic, not keyboard mash


def stub(chat: Chat, *matches: tuple[str, str, float], ambiguous: bool = False, multi: bool = False) -> None:
    chat.service.engine.matcher = StubMatcher(
        MatchResult(tuple(Match(k, i, s) for k, i, s in matches), ambiguous, multi)
    )


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def dump(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


# -- start, help, lists ----------------------------------------------------------------------
async def test_start_says_what_the_bot_does_and_the_safety_note(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("start")
    assert chat.last[0].text == kb.message("welcome")
    assert "official" in chat.last[1].text.lower()
    assert kb.policy.links["official_site"] in chat.last[1].text
    assert kb.button("reasons") in chat.buttons()


async def test_reasons_lists_every_reason_most_common_first(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    titles = [r.title.get() for r in sorted(kb.reasons.values(), key=lambda r: -r.share)]
    assert chat.buttons()[: len(titles)] == titles
    assert chat.buttons()[-1] == kb.button("not_sure")


async def test_unknown_command_points_to_help(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("frobnicate")
    assert chat.text == kb.message("unknown_command")


# -- diagnosis -------------------------------------------------------------------------------
async def test_forwarded_notice_is_diagnosed_and_fix_starts(chat: Chat, kb: KnowledgeBase) -> None:
    notice = (
        "Dear user,\nYour KYC application was not approved, Reason: "
        "Image quality does not meet the requirements\nBinance Team"
    )
    await chat.say(notice, forwarded=True)
    reason = kb.reasons["blurry_photo"]
    assert chat.last[0].text.startswith(
        kb.message("diagnosis", title=reason.title.get(), share="40", summary="").split("\n")[0]
    )
    first = reason.step(reason.start)
    assert first is not None and first.text.get() in chat.last[1].text


async def test_ambiguous_match_asks_which_fits_with_none_of_these(chat: Chat, kb: KnowledgeBase) -> None:
    stub(chat, ("reason", "blurry_photo", 60), ("reason", "edited_document", 58), ambiguous=True)
    await chat.say("my photo got flagged")
    assert chat.text == kb.message("ambiguous")
    assert chat.buttons() == [
        kb.reasons["blurry_photo"].title.get(),
        kb.reasons["edited_document"].title.get(),
        kb.button("none_of_these"),
    ]
    await chat.press(kb.button("none_of_these"))
    assert kb.message("pick_reason") in chat.text
    await chat.press(kb.reasons["edited_document"].title.get())
    assert kb.reasons["edited_document"].title.get() in chat.last[0].text


async def test_several_reasons_are_worked_through_severe_first(chat: Chat, kb: KnowledgeBase) -> None:
    stub(chat, ("reason", "blurry_photo", 90), ("reason", "edited_document", 85), multi=True)
    await chat.say("Reasons: 1. blurry photo 2. editing traces", forwarded=True)
    edited, blurry = kb.reasons["edited_document"].title.get(), kb.reasons["blurry_photo"].title.get()
    assert chat.last[0].text.index(edited) < chat.last[0].text.index(blurry)
    assert edited in chat.last[1].text  # the severe one's diagnosis comes first
    # walk edited_document to an end: always take the first option
    for _ in range(30):
        if kb.button("next_reason") in chat.buttons():
            break
        labels = chat.buttons()
        await chat.press(kb.button("next") if kb.button("next") in labels else labels[0])
    else:
        pytest.fail("never reached the end of the first reason")
    await chat.press(kb.button("next_reason"))
    assert blurry in chat.last[0].text


async def test_vague_information_mismatch_asks_which_detail(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("Your KYC application was not approved, Reason: Information mismatch", forwarded=True)
    reason = kb.reasons["info_mismatch"]
    first = reason.step(reason.start)
    assert first is not None and first.is_question
    assert first.text.get() in chat.text
    not_sure = [o for o in first.options if "sure" in o.label.get().lower()]
    assert not_sure, "info_mismatch's first question must offer 'not sure'"
    await chat.press(not_sure[0].label.get())
    assert "support" in chat.text.lower()


async def test_nothing_matched_offers_the_list_and_logs_redacted(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("what is the price of bitcoin today, call me on +44 7700 900123")
    assert chat.ids() == ["sensitive_data", "nothing_matched"]  # what the bot covers: no dead end
    assert chat.button_keys() == ["reasons", "topic:contact_support"]
    logged = rows(tmp_path / "bot.sqlite3", "SELECT text FROM unmatched")
    assert len(logged) == 1
    assert "7700" not in logged[0][0] and "[phone]" in logged[0][0]


async def test_topic_question_mid_fix_is_answered_then_resumes(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["expired_document"].title.get())
    step_text = chat.last[-1].text
    await chat.say("how long does manual review take?")
    topic = kb.topics["review_times"]
    assert topic.answer.get() in chat.text
    await chat.press(kb.button("continue"))
    assert chat.last[-1].text == step_text


# -- every reason, every branch --------------------------------------------------------------
def _paths(kb: KnowledgeBase, reason_id: str) -> list[list[tuple[str, str]]]:
    """Every path from start to an end step, as (step id, choice) pairs; choice = option index or 'next'."""
    reason = kb.reasons[reason_id]
    out: list[list[tuple[str, str]]] = []

    def walk(step_id: str, path: list[tuple[str, str]], seen: frozenset[str]) -> None:
        step = reason.step(step_id)
        assert step is not None
        if step.end:
            out.append(path + [(step_id, "end")])
            return
        if step_id in seen:
            return
        if step.is_question:
            for i, option in enumerate(step.options):
                if option.next:
                    walk(option.next, path + [(step_id, str(i))], seen | {step_id})
        else:
            nxt = reason.next_step(step)
            assert nxt is not None
            walk(nxt, path + [(step_id, "next")], seen | {step_id})

    walk(reason.start, [], frozenset())
    return out


@pytest.mark.parametrize("reason_id", KNOWN_REASONS)
async def test_every_branch_of_every_reason_reaches_its_end(
    kb: KnowledgeBase, tmp_path: Path, reason_id: str
) -> None:
    reason = kb.reasons[reason_id]
    paths = _paths(kb, reason_id)
    assert paths, f"{reason_id} has no path to an end"
    chat = await Chat.open(kb, tmp_path / "bot.sqlite3")
    visited: set[str] = set()
    try:
        for n, path in enumerate(paths):
            chat.user = f"{reason_id}-{n}"
            await chat.command("reasons")
            await chat.press(reason.title.get())
            for step_id, choice in path:
                step = reason.step(step_id)
                assert step is not None
                visited.add(step_id)
                # (a check-in note may follow the step: "I'll check in on Fri, Mar 20")
                assert any(step.text.get() in r.text for r in chat.last), f"expected step {step_id}"
                if choice == "next":
                    await chat.press(kb.button("next"))
                elif choice.isdigit():
                    await chat.press(step.options[int(choice)].label.get())
            end = reason.step(path[-1][0])
            assert end is not None and end.end
            keys = chat.button_keys()
            if end.end == "resubmit":  # in manual review or at lock risk: not yet
                assert "resubmitted" in keys or "case_summary" in keys, (reason_id, end.id, keys)
            else:
                expected = {"support": "topic:contact_support", "final": "reasons"}[end.end]
                assert expected in keys, f"{reason_id}: end {end.id} lacks {expected!r}"
    finally:
        await chat.close()
    reachable = {s.id for s in reason.steps}
    assert visited == reachable, f"steps never shown: {reachable - visited}"


async def test_back_returns_to_the_previous_step(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["blurry_photo"].title.get())
    first = chat.last[-1].text
    labels = chat.buttons()
    await chat.press(kb.button("next") if kb.button("next") in labels else labels[0])
    await chat.press(kb.button("back"))
    assert chat.last[-1].text == first


async def test_topic_option_and_why_button(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["face_verification"].title.get())
    await chat.press(kb.button("why"))
    trigger = kb.reasons["face_verification"].triggers[0].get()
    assert trigger in chat.text


async def test_severe_reason_offers_no_workaround(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    reason = kb.reasons["edited_document"]
    await chat.press(reason.title.get())
    assert chat.last[0].text.startswith(
        kb.message("diagnosis_severe", title=reason.title.get(), share="3", summary="").split("\n")[0]
    )


# -- resubmission, follow-ups, attempt thresholds --------------------------------------------
async def resubmit_blurry(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my document photo was too blurry")
    await chat.press(kb.button("start_over"))
    await chat.command("resubmitted")


async def test_resubmission_schedules_a_follow_up_and_passed_closes(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await chat.say("my document photo was too blurry")
    await chat.command("resubmitted")
    assert "attempt 2" in chat.text  # the rejection they came with was attempt 1
    assert "Tue, Mar 3, 9:00\u202fAM UTC" in chat.text  # 24 h after START, as CLDR writes it
    assert rows(db, "SELECT kind, status FROM followups") == [("result", "pending")]
    assert await chat.tick(hours=23) == []
    sent = await chat.tick(minutes=65)
    assert [u for u, _ in sent] == [chat.user]
    assert kb.message("followup_question") in chat.text
    assert kb.message("followup_late") not in chat.text  # 5 minutes late: within the grace period
    await chat.press(kb.button("passed"))
    assert chat.text == kb.message("passed")
    assert rows(db, "SELECT status FROM cases") == [("passed",)]
    assert rows(db, "SELECT count(*) FROM followups WHERE status='pending'") == [(0,)]


async def test_still_waiting_reschedules(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("selfie does not match")
    await chat.say("I've resubmitted")
    await chat.tick(hours=24)
    await chat.press(kb.button("still_waiting"))
    assert rows(tmp_path / "bot.sqlite3", "SELECT due_at FROM followups WHERE status='pending'") == [
        ("2026-03-04T09:00:00+00:00",)
    ]
    sent = await chat.tick(hours=24)
    assert len(sent) == 1


async def test_attempt_thresholds_retry_manual_review_lock(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await chat.say("my document photo was too blurry")  # failure 1: the one they came with
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.press(kb.button("rejected_again"))
    assert chat.ids()[0] == "rejected_again" and "2" in chat.text
    await chat.say("Reason: the image is blurry", forwarded=True)
    await chat.command("resubmitted")
    await chat.tick(hours=24)  # Wed 04 Mar
    await chat.press(kb.button("rejected_again"))  # 3: manual review
    assert chat.ids()[0] == "manual_review" and "7-14 business days" in chat.text
    assert rows(db, "SELECT kind, due_at FROM followups WHERE status='pending'") == [
        ("review", "2026-03-24T09:00:00+00:00")  # 14 business days after Wed 04 Mar
    ]
    sent = await chat.tick(days=20)
    assert len(sent) == 1 and chat.ids() == ["review_question"]
    await chat.press_key("review_rejected")  # the review looked again at the 3rd: still 3
    assert chat.ids()[0] == "review_rejected" and "failed attempts so far: 3" in chat.text
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.press(kb.button("rejected_again"))  # 4
    assert chat.ids()[0] == "rejected_again" and "4" in chat.text
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.press(kb.button("rejected_again"))  # 5
    assert kb.message("lock_risk", failures=5) in chat.text
    assert "lock_risk_checkin" in chat.ids()  # then it checks back on support
    summary = next(r.text for r in chat.last if r.keys and r.keys[0] == "case_summary")
    assert kb.reasons["blurry_photo"].title.get() in summary
    attempts = [line for line in summary.splitlines() if line[:1].isdigit()]
    assert len(attempts) == 5 and all(kb.message("outcome_rejected") in a for a in attempts)
    # the review, on a line of its own: when it began and when it refused
    assert kb.message("summary_review_refused_untold", date="Tue, Mar 24, 9:00\u202fAM UTC") in summary
    assert "Mon, Mar 2" in summary  # attempt dates are listed
    assert "topic:contact_support" in chat.button_keys()


async def test_typed_intents_work_like_buttons(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("someone used my id to open an account")
    await chat.say("i resubmitted")
    assert "attempt 2" in chat.text
    await chat.tick(hours=24)
    await chat.say("it passed")
    assert chat.text == kb.message("passed")


async def test_typed_answer_picks_an_option(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("Your KYC application was not approved, Reason: Information mismatch", forwarded=True)
    step = kb.reasons["info_mismatch"].step(kb.reasons["info_mismatch"].start)
    assert step is not None
    await chat.say("2")
    target = step.options[1].next
    assert target is not None
    assert kb.reasons["info_mismatch"].step(target).text.get() in chat.text  # type: ignore[union-attr]


# -- commands ---------------------------------------------------------------------------------
async def test_status_shows_reason_attempts_and_next_follow_up(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("status")
    assert chat.text == kb.message("status_none")
    await chat.say("my selfie does not match my id photo")
    await chat.command("resubmitted")
    await chat.command("status")
    assert kb.reasons["face_verification"].title.get() in chat.text
    assert "Attempts: 2 (failed: 1)" in chat.text and "Tue, Mar 3, 9:00\u202fAM UTC" in chat.text


async def test_stop_cancels_follow_ups(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.command("stop")
    assert chat.text == kb.message("stopped")
    assert rows(tmp_path / "bot.sqlite3", "SELECT status FROM followups") == [("cancelled",)]
    assert await chat.tick(days=3) == []


async def test_forget_deletes_every_row_after_confirmation(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await chat.say("blah blah nothing useful here zzz")
    await chat.say("my document photo was too blurry")
    await chat.command("resubmitted")
    await chat.command("forget")
    assert chat.text == kb.message("forget_confirm")
    await chat.press(kb.button("forget_no"))
    assert rows(db, "SELECT count(*) FROM conversations") == [(1,)]
    await chat.command("forget")
    await chat.press(kb.button("forget_yes"))
    assert chat.text == kb.message("forgotten")
    for table in ("conversations", "cases", "followups", "unmatched"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE user_id=?", chat.user) == [(0,)], table
    assert rows(db, "SELECT count(*) FROM events WHERE user_id=?", chat.user) == [(0,)]
    assert await chat.tick(days=2) == []


async def test_restart_opens_a_new_case(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("document expired")
    await chat.command("restart")
    await chat.say("selfie does not match")
    assert rows(tmp_path / "bot.sqlite3", "SELECT number, status FROM cases ORDER BY number") == [
        (1, "closed"),
        (2, "open"),
    ]


# -- the unexpected ---------------------------------------------------------------------------
async def test_stale_button_explains_and_shows_the_current_step(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["blurry_photo"].title.get())
    old = list(chat.last)
    labels = chat.buttons()
    await chat.press(kb.button("next") if kb.button("next") in labels else labels[0])
    current = chat.last[-1].text
    await chat.press(kb.button("start_over"), replies=old)
    assert chat.last[0].text == kb.message("stale_button")
    assert chat.last[-1].text == current


async def test_a_stale_press_while_a_check_in_is_open_shows_that_question(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 20 M15: an older fix button pressed while "did it pass?" is open gets the open
    # question again (not the fix behind it); a result button of that question still answers it
    await chat.say("my document photo was blurry")
    old = list(chat.last)
    await chat.command("resubmitted")
    await chat.tick(hours=25)
    asked = list(chat.last)
    await chat.say("how long does manual review take?")  # messages after the check-in
    await chat.press(old[-1].buttons[0][0].label, replies=old)
    assert chat.last[0].text == kb.message("stale_button")
    assert kb.message("followup_question") in chat.text
    await chat.press(kb.button("passed"), replies=asked)
    assert kb.message("stale_button") not in chat.text
    await chat.command("status")
    assert kb.message("stage_passed") in chat.text or "passed" in chat.text


async def test_an_option_of_the_step_still_current_works_after_a_side_question(
        chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my document photo was blurry")
    old = list(chat.last)
    step = kb.reasons["blurry_photo"].step(kb.reasons["blurry_photo"].start)
    assert step is not None and step.options
    await chat.say("how long does manual review take?")  # a topic: messages in between
    label = step.options[0].label.get()
    await chat.press(label, replies=old)
    assert kb.message("stale_button") not in chat.text
    target = kb.reasons["blurry_photo"].step(step.options[0].next or "")
    assert target is not None and target.text.get() in chat.text


@pytest.mark.parametrize("data", ["", "v1", "v9|1|n|", "v1|x|n|", "v1|x.\u00b2|n|", "v1|1|n|" + "x" * 80, "v1|1|zz|", "\x00\xff"])
async def test_forged_button_data_changes_nothing(chat: Chat, kb: KnowledgeBase, data: str) -> None:
    await chat.say("document expired")
    before = await chat.service.state(chat.channel, chat.user)
    await chat.send(ButtonPress(data))
    assert chat.last[0].text == kb.message("invalid_button")
    after = await chat.service.state(chat.channel, chat.user)
    assert before is not None and after is not None
    assert (after.phase, after.reason, after.step, after.case) == (before.phase, before.reason, before.step, before.case)


@pytest.mark.parametrize("kind", ["photo", "document", "sticker", "voice"])
async def test_attachments_get_a_helpful_answer(chat: Chat, kb: KnowledgeBase, kind: str) -> None:
    await chat.attach(kind)
    assert chat.text == kb.message("attachment")
    assert chat.buttons()


async def test_a_password_and_a_code_get_one_warning_and_the_safety_answer(chat: Chat, kb: KnowledgeBase) -> None:
    # journey audit 10: two warnings, then "I can't answer that", for "support asked me for my
    # password ... is that ok?"
    await chat.say("binance support asked me for my password, it's Qwerty!2024 and my 2fa code 483920, is that ok?")
    assert chat.ids()[0] == "password_shared"
    assert "sensitive_data" not in chat.ids() and "nothing_matched" not in chat.ids()
    assert "topic:safety" in chat.ids(), chat.ids()


async def test_personal_data_is_warned_about_and_never_stored(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("my passport AB1234567 photo is blurry, email me at jo@example.com, password: hunter2")
    assert chat.ids()[:2] == ["password_shared", "sensitive_data"]
    stored = dump(tmp_path / "bot.sqlite3")
    for secret in ("AB1234567", "jo@example.com", "hunter2"):
        assert secret not in stored


@pytest.mark.parametrize(
    "text", ["", "   ", "🙂🙂🙂", "<b>hi</b><script>alert(1)</script>", "\x00\x01\x02", "א" * 50, "x" * 100_000]
)
async def test_odd_messages_get_a_reply_and_no_crash(chat: Chat, text: str) -> None:
    replies = await chat.say(text)
    assert replies and all(r.text for r in replies)
    assert all("<script>" not in r.text for r in replies)


async def test_flooding_is_throttled_politely(chat: Chat, kb: KnowledgeBase) -> None:
    limit = kb.policy.flood_messages
    for _ in range(limit):
        assert await chat.say("hello")
    assert (await chat.say("hello"))[0].text == kb.message("flood")
    assert await chat.say("hello") == []
    chat.clock.advance(seconds=kb.policy.flood_window_seconds)
    assert await chat.say("hello")


# -- restarts ---------------------------------------------------------------------------------
async def test_follow_up_survives_a_restart_and_is_sent_once_marked_late(kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    chat = await Chat.open(kb, db)
    await chat.say("my document photo was too blurry")
    await chat.command("resubmitted")
    await chat.close()  # the bot goes down for three days

    chat = await Chat.open(kb, db)
    sent = await chat.tick(days=3)
    assert len(sent) == 1
    (late,) = chat.last  # the apology and the question in one message
    assert late.text.startswith(kb.message("followup_late"))
    assert late.text.endswith(kb.message("followup_question"))
    assert await chat.tick(minutes=1) == []
    await chat.close()
    chat = await Chat.open(kb, db)
    # (the same day, after another restart: not sent again; an unanswered one is asked again
    # only a day later)
    chat.clock.now = START.replace(day=5, hour=20)
    assert await chat.tick(minutes=1) == []
    await chat.close()


def test_engine_imports_no_transport_or_io() -> None:
    tree = ast.parse((REPO / "bot" / "core" / "engine.py").read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    forbidden = {"telegram", "aiosqlite", "sqlite3", "asyncio", "time", "bot.storage.sqlite", "bot.adapters.console", "bot.app.service"}
    assert not {m.split(".")[0] for m in imported} & forbidden
    assert not imported & forbidden


async def test_option_button_from_before_a_reorder_is_stale_not_misrouted(chat: Chat, kb: KnowledgeBase) -> None:
    import dataclasses

    reason = kb.reasons["expired_document"]
    question = next(s for s in reason.steps if s.is_question and len(s.options) > 1)
    await chat.command("reasons")
    await chat.press(reason.title.get())
    while question.text.get() not in chat.last[-1].text:
        await chat.press(kb.button("next"))
    old_replies = list(chat.last)
    flipped = dataclasses.replace(question, options=tuple(reversed(question.options)))
    steps = tuple(flipped if s.id == question.id else s for s in reason.steps)
    reasons = dict(kb.reasons, expired_document=dataclasses.replace(reason, steps=steps))
    chat.service.reload(dataclasses.replace(kb, reasons=reasons))
    await chat.press(question.options[0].label.get(), replies=old_replies)
    assert chat.last[0].text == kb.message("stale_button")
    assert question.text.get() in chat.last[-1].text


async def test_button_data_from_another_users_conversation_is_rejected(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.press(kb.reasons["blurry_photo"].title.get())
    theirs = chat.data_for(kb.button("start_over"))
    chat.user = "someone-else"
    await chat.command("reasons")
    await chat.press(kb.reasons["underage"].title.get())
    before = await chat.service.state(chat.channel, chat.user)
    await chat.send(ButtonPress(theirs))
    assert chat.last[0].text == kb.message("invalid_button")
    after = await chat.service.state(chat.channel, chat.user)
    assert before is not None and after is not None
    assert (after.phase, after.reason, after.step) == (before.phase, before.reason, before.step)


async def test_untouched_conversations_are_purged_after_the_retention_period(
    chat: Chat, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    await chat.say("document expired")
    await chat.command("resubmitted")
    chat.user = "recent"
    chat.clock.advance(days=kb.policy.retention_days - 10)
    await chat.say("selfie does not match")
    chat.clock.advance(days=11)
    assert await chat.service.purge_expired() == 1
    assert rows(db, "SELECT user_id FROM conversations") == [("recent",)]
    for table in ("cases", "followups", "events", "unmatched"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE user_id='u1'") == [(0,)], table


async def test_binance_addresses_in_a_forwarded_email_are_not_personal_data(chat: Chat, kb: KnowledgeBase) -> None:
    email = (
        "From: Binance <do-not-reply@post.binance.com>\nDear user,\n"
        "Your KYC application was not approved, Reason: The document you submitted has expired\n"
    )
    await chat.say(email, forwarded=True)
    assert "seems to contain personal data" not in chat.text
    await chat.say("you can reach me at jo@example.com, my passport expired")
    assert chat.last[0].text == kb.message("sensitive_data", kinds=["an email address"])


async def test_one_user_flooding_does_not_throttle_the_others(chat: Chat, kb: KnowledgeBase) -> None:
    import asyncio

    from bot.core.events import TextMessage

    service = chat.service

    async def flood() -> list[list]:
        return [await service.handle("test", "flooder", TextMessage("hello")) for _ in range(300)]

    async def user(n: int) -> list[list]:
        return [await service.handle("test", f"user{n}", TextMessage(t)) for t in ("hi", "document expired", "/status")]

    flooded, *others = await asyncio.gather(flood(), *(user(n) for n in range(20)))
    assert sum(1 for replies in flooded if replies) == kb.policy.flood_messages + 1
    assert flooded[kb.policy.flood_messages][0].text == kb.message("flood")
    for replies_per_turn in others:
        assert all(replies for replies in replies_per_turn)
        assert all(r.text != kb.message("flood") for replies in replies_per_turn for r in replies)


# -- found in review -------------------------------------------------------------------------
async def test_a_new_notice_while_waiting_counts_as_a_failed_attempt(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my selfie keeps failing")
    await chat.command("resubmitted")
    notice = "Your KYC application was not approved, Reason: Image quality does not meet the requirements"
    await chat.say(notice, forwarded=True)
    assert kb.reasons["blurry_photo"].title.get() in chat.text
    await chat.command("resubmitted")
    assert "attempt 3" in chat.text
    await chat.command("status")
    assert "Attempts: 3 (failed: 2)" in chat.text


async def test_third_failure_by_notice_explains_manual_review_instead_of_a_retry(chat: Chat, kb: KnowledgeBase) -> None:
    notice = "Your KYC application was not approved, Reason: Image quality does not meet the requirements"
    await chat.say(notice, forwarded=True)  # 1: the rejection they came with
    for _ in range(2):
        await chat.command("resubmitted")
        await chat.say(notice, forwarded=True)
    assert "3 failed attempts" in chat.text
    await chat.command("status")
    assert "Attempts: 3 (failed: 3)" in chat.text  # the review is not an attempt


@pytest.mark.parametrize("text", ["I haven't resubmitted yet", "i didnt resubmit"])
async def test_a_denied_resubmission_is_taken_back_not_read_as_one(chat: Chat, kb: KnowledgeBase,
                                                                    text: str) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.say(text)
    assert kb.message("passed") not in chat.text
    assert "resubmission_undone" in chat.ids()
    await chat.command("status")
    assert "Attempts: 1 (failed: 1)" in chat.text


@pytest.mark.parametrize("text", ["not rejected again"])
async def test_negated_phrases_are_not_taken_as_intents(chat: Chat, kb: KnowledgeBase, text: str) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.say(text)
    assert kb.message("passed") not in chat.text
    await chat.command("status")
    assert "Attempts: 2 (failed: 1)" in chat.text


async def test_not_yet_still_means_still_waiting(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.tick(hours=24)
    await chat.say("not yet")
    assert chat.ids()[0] == "still_waiting"


async def test_after_stop_replies_say_check_ins_are_off_and_start_turns_them_on(
    chat: Chat, kb: KnowledgeBase, tmp_path: Path
) -> None:
    await chat.say("document expired")
    await chat.command("stop")
    await chat.command("resubmitted")
    assert kb.message("followup_off") in chat.text
    assert rows(tmp_path / "bot.sqlite3", "SELECT count(*) FROM followups WHERE status='pending'") == [(0,)]
    await chat.command("start")
    await chat.command("resubmitted")
    assert "Tue, Mar 3" in chat.text
    assert rows(tmp_path / "bot.sqlite3", "SELECT count(*) FROM followups WHERE status='pending'") == [(1,)]


async def test_next_up_counts_the_reasons_of_this_notice(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my selfie keeps failing")  # an earlier reason in the same case
    stub(chat, ("reason", "info_mismatch", 90), ("reason", "expired_document", 85), multi=True)
    await chat.say("Reasons: 1. name mismatch 2. document expired", forwarded=True)
    for _ in range(30):
        if kb.button("next_reason") in chat.buttons():
            break
        labels = chat.buttons()
        await chat.press(kb.button("next") if kb.button("next") in labels else labels[0])
    title = kb.reasons["expired_document"].title.get()
    assert kb.message("next_reason", title=title, position=2, count=2) in chat.last[-1].text


async def test_not_sure_on_the_reason_list_shows_where_to_find_the_reason(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.command("reasons")
    await chat.say("not sure")
    assert kb.topics["find_reason"].answer.get() in chat.text


async def test_a_check_in_mid_fix_keeps_the_users_place(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.command("reasons")
    await chat.press(kb.reasons["blurry_photo"].title.get())  # browsing a fix while waiting
    step_text = chat.last[-1].text
    await chat.tick(hours=24)
    assert kb.message("followup_question") in chat.text
    await chat.command("status")
    await chat.press(kb.button("continue"))
    assert chat.last[-1].text == step_text
    await chat.say("it passed")
    assert chat.text == kb.message("passed")


async def test_a_follow_up_is_not_lost_when_the_store_fails(chat: Chat, kb: KnowledgeBase, tmp_path: Path) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    store = chat.service.store
    await store.run_sync(lambda db: db.execute("PRAGMA query_only=ON"))
    assert await chat.tick(hours=25) == []  # nothing sent, no apology to someone who asked nothing
    await store.run_sync(lambda db: db.execute("PRAGMA query_only=OFF"))
    sent = await chat.tick(minutes=1)
    assert len(sent) == 1 and kb.message("followup_question") in chat.text


async def test_status_of_a_passed_case(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("document expired")
    await chat.command("resubmitted")
    await chat.say("it passed")
    await chat.command("status")
    assert chat.text == kb.message("status_passed", attempts=2)
