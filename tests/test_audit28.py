"""Journey audit 28 (console, checked against the guide), through the conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat

EDITED = "Your KYC application was not approved, Reason: Detected that the document may have been modified"


async def test_a_resubmission_after_a_second_edited_flag_repeats_the_risk(chat: Chat) -> None:
    # H1: after "Flagged again... stop resubmitting" a resubmission got "Fingers crossed!" and
    # manual review as the worst outcome; the guide: a severe violation may be banned for good
    await chat.say(EDITED)
    await chat.command("resubmitted")
    await chat.say("rejected again")
    await chat.press_key("same_reason")
    assert "same_reason_severe" in chat.ids(), chat.ids()
    await chat.command("resubmitted")
    assert "resubmitted_severe" in chat.ids(), chat.ids()
    assert "resubmitted" not in chat.ids() and not any(k.startswith("next_failure") for k in chat.ids())
    assert "permanent" in chat.text


async def test_a_first_resubmission_after_an_edited_flag_is_still_counted_plainly(
        chat: Chat) -> None:
    await chat.say(EDITED)
    await chat.command("resubmitted")
    assert "resubmitted_severe" not in chat.ids(), chat.ids()


@pytest.mark.parametrize("answer", ["ещё нет", "еще нет"])
async def test_russian_not_yet_at_the_check_in_is_still_waiting(chat: Chat, answer: str) -> None:
    # M1: "ещё нет" got "Я не совсем понял" where "нет ещё" worked
    await chat.say("Верификация отклонена: документ нечитаемый, фото размытое", lang="ru")
    await chat.command("resubmitted")
    await chat.tick(hours=25)
    await chat.say(answer, lang="ru")
    assert "still_waiting" in chat.ids(), chat.ids()


async def test_a_permanent_rejection_asked_what_now_gets_its_topic(chat: Chat) -> None:
    # M7: "что делать" read as "what does this mean?" asked for the notice instead
    await chat.say("мне навсегда отказали, что делать?", lang="ru")
    assert "topic:permanent_rejection" in chat.ids(), chat.ids()


@pytest.mark.parametrize("text", ["evil", "evil text"])
async def test_an_ordinary_word_is_no_typo_of_a_reason_word(chat: Chat, text: str) -> None:
    # M9: "evil" was read as "veil" and opened a face check case
    await chat.say(text)
    assert not any(k.startswith("diagnosis") for k in chat.ids()), chat.ids()


def test_a_failure_count_clause_names_no_reason(kb: KnowledgeBase) -> None:
    # M3: "failed 3 times" read as its own face-check clause beside "my photo was blurry"
    from bot.understanding.matcher import Matcher

    matcher = Matcher.build(kb)
    for text in ("failed 3 times, my photo was blurry", "отказали 3 раза, фото размытое",
                 "失败了3次，照片模糊"):
        assert matcher.match(text).matches[0].id == "blurry_photo", text
    assert matcher.match("my face verification failed 3 times").matches[0].id == "face_verification"


@pytest.mark.parametrize(("text", "lang", "added"), [
    ("expired document", "en", "expired_document"),
    ("имя не совпадает", "ru", "info_mismatch"),
])
async def test_another_reason_typed_mid_fix_joins_the_notice(
        chat: Chat, text: str, lang: str, added: str) -> None:
    # M2: a plainly typed reason in the middle of the blurry fix was ignored
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet "
                   "the requirements")
    await chat.say(text, lang=lang)
    await chat.command("status")
    assert chat.service.kb.reasons[added].title.get(lang) in chat.text, chat.text


@pytest.mark.parametrize("text", ["name", "I'm 25 so not the age"])
async def test_a_bare_word_or_a_denial_mid_fix_adds_no_reason(chat: Chat, text: str) -> None:
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet "
                   "the requirements")
    await chat.say(text)
    await chat.command("status")
    assert "Reasons: Blurry or unreadable document photo\n" in chat.text + "\n", chat.text


async def test_a_resubmission_with_a_parents_id_gets_the_rule(chat: Chat) -> None:
    # M11: a minor who resubmitted with a parent's ID got no word of the violation
    await chat.say("Your KYC application was not approved, Reason: Your age does not meet the "
                   "service requirements")
    await chat.say("I resubmitted with my dad ID")
    assert "topic:someone_elses_id" in chat.ids(), chat.ids()


async def test_a_plain_resubmission_gets_no_such_page(chat: Chat) -> None:
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet "
                   "the requirements")
    await chat.say("I resubmitted with a new photo")
    assert "topic:someone_elses_id" not in chat.ids(), chat.ids()


def test_a_command_addressed_to_the_bot_by_name_is_that_command(tmp_path: Path) -> None:
    # L5: "/start@kychelper_bot" (as Telegram sends it in a group) was an unknown command
    from tests.test_console import console

    out = console(tmp_path / "c.db", "/start@kychelper_bot\n/help@kychelper_bot\n")
    assert "I don't know that command" not in out, out
    assert out.count("bot: ") >= 2


@pytest.mark.parametrize(("answer", "lang"), [("yes I did that", "en"), ("сделал", "ru"),
                                              ("做好了", "zh")])
async def test_saying_the_step_is_done_moves_on(chat: Chat, answer: str, lang: str) -> None:
    # L1: "yes I did that" at a step with a Next button was not understood ("done" was)
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet "
                   "the requirements")
    await chat.press_key("option:2")
    before = [k for k in chat.ids() if k.startswith("step:")]
    await chat.say(answer, lang=lang)
    after = [k for k in chat.ids() if k.startswith("step:")]
    assert after and after != before, (before, after, chat.ids())


async def test_a_second_edited_flag_offers_to_record_contacting_support(chat: Chat) -> None:
    # M13: after "Flagged again" nothing recorded contacting support, and "I contacted
    # support" got the wording of other reasons (details corrected, an account frozen)
    await chat.say(EDITED)
    await chat.command("resubmitted")
    await chat.say("rejected again")
    await chat.press_key("same_reason")
    await chat.press_key("support_contacted")
    assert "support_waiting" in chat.ids(), chat.ids()
    assert "frozen" not in chat.text and "corrected your details" not in chat.text


async def test_ukrainian_is_answered_in_russian_with_a_note_once(chat: Chat) -> None:
    # M6: Ukrainian was answered in Russian without the note other languages get
    await chat.say("Мою верифікацію KYC відхилено, причина: фото документа розмите")
    assert chat.ids()[0] == "language_nearest", chat.ids()
    assert "diagnosis" in chat.ids() and "по-русски" in chat.text, chat.ids()
    await chat.say("ще раз відхилили, знову фото")
    assert "language_nearest" not in chat.ids(), chat.ids()


async def test_russian_gets_no_such_note(chat: Chat) -> None:
    await chat.say("Мою верификацию отклонили, фото размытое")
    assert "language_nearest" not in chat.ids(), chat.ids()


async def test_a_count_with_two_close_reasons_asks_which_for_the_summary(chat: Chat) -> None:
    # M3: "failed 3 times, my photo was blurry" entered the review with "Reasons: -"
    await chat.say("failed 3 times, my photo was blurry")
    assert "manual_review" in chat.ids() and "ambiguous" in chat.ids(), chat.ids()
    await chat.press_key("reason:blurry_photo")
    await chat.command("status")
    assert "Reasons: Blurry or unreadable document photo" in chat.text, chat.text
    assert "In manual review" in chat.text, chat.text


async def test_a_resubmission_after_support_cleared_a_lock_waits_for_its_result(
        chat: Chat) -> None:
    # M10: /status said "Working on the fix" with no result buttons after this resubmission
    await chat.say("my face verification keeps failing, the liveness check says failed")
    await chat.press("5 times or more")
    await chat.press("Next")
    await chat.press("Support has cleared it")
    await chat.press("I've resubmitted")
    await chat.command("status")
    assert "stage_resubmitted" in chat.ids(), chat.ids()
    assert "passed" in chat.button_keys(), chat.button_keys()


TWO = ("Your KYC application was not approved, Reason: Image quality does not meet the "
       "requirements. Name/birthday/gender mismatch")


async def test_start_over_at_the_top_of_a_two_reason_case_shows_the_reasons(chat: Chat) -> None:
    # M5: "Start over" on a two-reason notice ran "From what you describe, 2 problems" again,
    # every press, and never showed the list of reasons
    await chat.say(TWO)
    await chat.press_key("start_over")
    assert "reasons_list" in chat.ids() or "reasons" in " ".join(chat.ids()), chat.ids()
    assert not any(k.startswith("described_multi") for k in chat.ids()), chat.ids()
    assert "Blurry or unreadable document photo" in chat.buttons()


async def test_start_over_in_the_middle_of_a_two_reason_case_starts_it_again(chat: Chat) -> None:
    await chat.say(TWO)
    await chat.press_key("option:1")
    await chat.press_key("start_over")
    assert "restarted_multi" in chat.ids(), chat.ids()
    assert "From what you describe" not in chat.text
    assert "My name" in chat.buttons()  # step 1 of the first reason again
    await chat.press_key("start_over")  # pressed again right there: the list
    assert "Blurry or unreadable document photo" in chat.buttons()


async def test_a_document_that_expires_soon_has_a_way_forward(chat: Chat) -> None:
    # M4: "Not yet, it expires soon" ended the fix with no next step, and claimed that some
    # checks refuse documents expiring within months (not in the guide)
    await chat.say("Your KYC application was not approved, Reason: The document you submitted has expired")
    await chat.press("Not yet, it expires soon")
    assert {"Renew it first", "Use another valid document"} <= set(chat.buttons()), chat.buttons()
    assert "few months" not in chat.text
    await chat.press("Use another valid document")
    assert "Next ➡️" in chat.buttons() or "✅ I've resubmitted" in chat.buttons(), chat.buttons()


async def test_a_russian_option_is_understood_in_another_case_of_its_word(chat: Chat) -> None:
    # L3: "я загружал ксерокопию" (accusative) did not pick "скан или копию" ("ксерокопия")
    await chat.say("Верификация отклонена: документ нечитаемый, фото размытое", lang="ru")
    await chat.say("я загружал ксерокопию", lang="ru")
    assert "Сканы, ксерокопии" in chat.text, chat.text


async def test_a_second_check_in_says_it_is_a_reminder(chat: Chat) -> None:
    # L2: the same "Hi again! Did your identity verification pass?" three days in a row
    await chat.say("Your KYC application was not approved, Reason: Image quality does not meet the requirements")
    await chat.command("resubmitted")
    keys = [k for _ in range(3) for _, replies in await chat.tick(hours=25)
            for r in replies for k in r.keys]
    assert keys.count("followup_question") == 1, keys
    assert "followup_question_again" in keys, keys
