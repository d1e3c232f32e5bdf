"""Journeys from blind audit 22 (whole cases over weeks through the console, checked against the guide)."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat


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
    assert len(attempts) == 3 and attempts[-1].endswith(kb.message("outcome_rejected_untold")), attempts


@pytest.mark.parametrize(("first", "hello", "lang"), [
    ("rejected 3 times", "hi again", "en"),
    ("提交了三次都被拒了", "嗨，又是我", "zh"),
    ("отказали уже три раза", "снова привет", "ru"),
])
async def test_hello_again_during_a_review_asks_for_news(
        chat: Chat, first: str, hello: str, lang: str) -> None:
    # audit 22 M1: a greeting is no new rejection
    await chat.say(first, lang=lang)
    chat.clock.advance(days=3)
    await chat.say(hello, lang=lang)
    assert "vague" not in chat.ids() and "review_rejected" not in chat.ids(), chat.ids()
    await chat.command("status")
    assert "stage_manual_review" in chat.ids()


@pytest.mark.parametrize("text", ["всё ещё ничего", "ответа до сих пор нет"])
async def test_still_nothing_in_russian_is_still_waiting(chat: Chat, text: str) -> None:
    # audit 22 M2
    await chat.say("фото документа размытое")
    await chat.command("resubmitted")
    chat.clock.advance(hours=1)
    await chat.say(text)
    assert chat.ids()[0] == "still_waiting", chat.ids()


@pytest.mark.parametrize(("notice", "news", "lang"), [
    ("Reason: This ID number is already in use by another account",
     "support said they froze the stolen account", "en"),
    ("原因：该证件号码已被其他账户使用", "客服说那个账户已经冻结了", "zh"),
])
async def test_support_froze_the_other_account_is_support_done(
        chat: Chat, notice: str, news: str, lang: str) -> None:
    # audit 22 M4: the guide's fix for an ID someone else used: support freezes that account,
    # then you apply again (not the permanent-rejection page)
    await chat.say(notice, lang=lang)
    await chat.say(news, lang=lang)
    assert "support_fixed_next" in chat.ids(), chat.ids()
    assert not any(k == "topic:permanent_rejection" for k in chat.ids())


@pytest.mark.parametrize(("news", "lang"), [
    ("support fixed it and I already resubmitted", "en"),
    ("поддержка исправила, отправил заново", "ru"),
])
async def test_support_fixed_and_resubmitted_counts_the_attempt(
        chat: Chat, kb: KnowledgeBase, news: str, lang: str) -> None:
    # audit 22 M5: told while "has support fixed it?" is open, the resubmission is not lost
    await chat.say("Reason: The information submitted does not match the document", lang=lang)
    await chat.command("status")
    await chat.tick(days=4)  # the check-in asks whether support fixed it
    await chat.say(news, lang=lang)
    assert "resubmitted" in chat.ids() and "support_fixed_next" not in chat.ids(), chat.ids()


async def test_support_fixed_and_resubmitting_later_is_no_attempt_yet(chat: Chat) -> None:
    await chat.say("Reason: The information submitted does not match the document")
    await chat.say("support fixed it, I will resubmit tomorrow")
    assert "resubmitted" not in chat.ids(), chat.ids()


@pytest.mark.parametrize(("first", "notice", "lang", "reason"), [
    ("rejected 3 times", "Your KYC application was not approved, Reason: The information submitted "
     "does not match the document", "en", "info_mismatch"),
    ("被拒了三次", "您的KYC申请未通过，原因：提交的信息与证件不符", "zh", "info_mismatch"),
    ("три раза отказали", "Ваша заявка отклонена. Причина: срок действия документа истёк", "ru",
     "expired_document"),
])
async def test_a_notice_after_a_manual_review_goes_on_with_its_fix(
        chat: Chat, first: str, notice: str, lang: str, reason: str) -> None:
    # audit 22 M3: the review's notice says why: no "ask support for the reason" detour
    await chat.say(first, lang=lang)
    chat.clock.advance(days=10)
    await chat.say(notice, forwarded=True, lang=lang)
    assert chat.ids()[0] == "review_rejected_reason" and "review_rejected" not in chat.ids(), chat.ids()
    assert f"step:{reason}/" in " ".join(chat.ids()) or "diagnosis" in chat.ids(), chat.ids()


async def test_after_stop_the_overdue_review_offers_no_stop(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 22 M8: check-ins already off: no "Stop check-ins" sentence or button
    await chat.say("rejected 3 times")
    await chat.command("stop")
    chat.clock.advance(days=39)
    await chat.say("still waiting for the review")
    assert chat.ids()[0] == "review_overdue", chat.ids()
    assert kb.button("stop_checkins") not in chat.buttons()
    assert kb.message("review_stop_offer") not in chat.text


async def test_the_overdue_review_offers_to_stop_check_ins(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("rejected 3 times")
    chat.clock.advance(days=39)
    await chat.say("still waiting for the review")
    assert kb.button("stop_checkins") in chat.buttons()
    assert kb.message("review_stop_offer") in chat.text


async def test_an_unsupported_language_keeps_the_check_in_question(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 22 M7: the check-in's buttons stay in reach, not only the reasons
    await chat.say("blurry photo")
    await chat.command("resubmitted")
    await chat.tick(days=1)  # "did it pass?"
    await chat.say("sí, ya pasó la verificación!")
    assert chat.ids()[0] == "language_unsupported", chat.ids()
    assert kb.button("passed") in chat.buttons() and kb.button("rejected_again") in chat.buttons()


async def test_an_unsupported_language_mid_fix_shows_the_step_again(chat: Chat) -> None:
    await chat.say("blurry photo")
    await chat.say("no entiendo nada")
    assert chat.ids()[0] == "language_unsupported" and "step" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("count", "note"), [("5", "lock_risk_checkin"), ("3", "review_checkin_note")])
async def test_what_a_count_means_comes_before_when_the_bot_checks_in(
        chat: Chat, kb: KnowledgeBase, count: str, note: str) -> None:
    # audit 22 M6 (audit 21 L2): the step explains the count (lock risk, manual review) first
    await chat.say("face verification failed")
    await chat.say(count)
    ids = chat.ids()
    assert note in ids and any(k == "step" for k in ids[:ids.index(note)]), ids
