"""Blind round 33 and journey audit 26 (console, checked against the guide)."""

from __future__ import annotations

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from bot.understanding.privacy import find_sensitive, redact
from tests.chat import Chat


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


def _counts(kb: KnowledgeBase, lang: str, attempts: int, failures: int) -> str:
    """The /status line of the attempts and failures, as `lang` writes it."""
    line = next(x for x in kb.message("status_case", lang).splitlines() if "{failures}" in x)
    return line.strip().format(attempts=attempts, failures=failures)


def test_a_word_a_scan_broke_in_two_is_joined_back(matcher: Matcher) -> None:
    # blind33: OCR'd notices break words at random ("docu ment", "alt ered", "Fail ed")
    text = ("Verif ication Fail ed\nRea son: Th e docu ment ap pears to have been alt ered or "
            "tam pered with")
    assert "document" in matcher.norm.terms("th e docu ment", set())
    assert matcher.match(text).matches[0].id == "edited_document"
    # two known words stay two words, even when together they make a third
    assert matcher.norm.words("no thing") == ["no", "thing"]


@pytest.mark.parametrize(("text", "expected"), [
    ("The document must be valid for at least 3 months from the date of submission",
     "expired_document"),
    ("证件剩余有效期不足3个月", "expired_document"),
    ("请问KYC被拒要怎么提出申诉？", "appeal_how"),
])
def test_blind_33_wordings(matcher: Matcher, text: str, expected: str) -> None:
    assert matcher.match(text).matches[0].id == expected, matcher.match(text)


# -- audit 26 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang", "step"), [
    ("my passport expires in 5 days, will KYC still work?", "en", "expired_document/expires_soon"),
    ("мой паспорт истекает через неделю, можно ли его использовать?", "ru",
     "expired_document/expires_soon"),
    ("我的身份证下周就过期了，还能认证吗？", "zh", "expired_document/expires_soon"),
    ("do I need to be 18?", "en", "underage/ask_age"),
])
async def test_a_question_about_a_reason_counts_no_failed_attempt(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, step: str) -> None:
    # audit 26 H6/M9: a question opened a rejection case, recorded "Attempts: 1 (failed: 1)"
    # and, for the expiry, took "expires in 5 days" for "still valid, so the date was misread"
    await chat.say(text, lang=lang)
    assert kb.message("diagnosis_asked", lang).split("{")[0] in chat.text, chat.text[:300]
    assert f"step:{step}" in chat.ids(), chat.ids()
    await chat.command("status")
    assert _counts(kb, lang, 0, 0) in chat.text, chat.text
    # ... and a submission after it is the first, not one after an untold refusal
    await chat.command("resubmitted")
    await chat.command("status")
    assert _counts(kb, lang, 1, 0) in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("Your age does not meet the service requirements, what now?", "en"),
    ("паспорт просрочен, что делать?", "ru"),
    ("我的护照过期了，怎么办？", "zh"),
    ("face verification not working, help?", "en"),
])
async def test_what_happened_then_what_now_is_a_rejection(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    # review of audit 26: a statement with "what now?" after it is no question before a rejection
    await chat.say(text, lang=lang)
    assert "diagnosis" in chat.ids() and "diagnosis_asked" not in chat.ids(), chat.ids()


async def test_a_severe_reason_asked_about_keeps_its_plain_words(chat: Chat) -> None:
    await chat.say("I photoshopped my ID, will it pass?")
    assert "diagnosis_severe" in chat.ids(), chat.ids()


async def test_a_rejection_told_is_still_a_diagnosis_and_a_failed_attempt(
        chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my passport expired and they rejected it, what now?")
    assert chat.ids()[0] == "diagnosis", chat.ids()
    await chat.command("status")
    assert "Attempts: 1 (failed: 1)" in chat.text, chat.text


@pytest.mark.parametrize(("text", "topic"), [
    ("can I use my driving licence?", "switch_document"),
    ("can I use my passport?", "switch_document"),  # (was someone_elses_id: "use his passport" read as "use passport")
    ("Можно использовать водительские права?", "switch_document"),
    ("can my wife verify my account with her ID?", "someone_elses_id"),
    ("KYC失败会影响提现吗？", "what_failed_kyc_blocks"),
    ("Does KYC failure affect withdrawals?", "what_failed_kyc_blocks"),
])
async def test_questions_of_audit_26_get_their_topic_and_open_no_case(
        chat: Chat, text: str, topic: str) -> None:
    await chat.say(text)
    assert chat.ids()[:2] == ["topic_answer", f"topic:{topic}"], chat.ids()
    assert "diagnosis" not in chat.ids() and "diagnosis_asked" not in chat.ids()
    await chat.command("status")
    assert chat.ids()[0] == "status_none", chat.ids()


async def test_an_uploaded_scan_is_the_blurry_photo(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 26 H3: the guide puts scans under the unclear photo, not the edited document
    await chat.say("I uploaded a scan of my passport and it got rejected")
    assert kb.reasons["blurry_photo"].title.get() in chat.text, chat.text[:300]
    assert kb.reasons["edited_document"].title.get() not in chat.text


async def test_a_stolen_id_used_by_someone_else_is_the_id_already_used(
        chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my ID was stolen and someone opened binance with it, what documents should I send?")
    assert kb.reasons["id_already_registered"].title.get() in chat.text, chat.text[:300]


@pytest.mark.parametrize(("first", "asked", "lang", "wanted"), [
    ("Не проходит проверка лица", "ok continue in english please", "ru", "en"),
    ("人脸识别失败", "ok continue in english please", "zh", "en"),
    # asked in Chinese to keep English: English stays (it offered Chinese)
    ("my photo is blurry", "好的，请用英文回复", "en", "en"),
    ("人脸识别失败", "看不懂，请用英文", "zh", "en"),  # another language named, beside a "not"
    ("my photo is blurry", "我看不懂英文", "en", "zh"),  # the one in use denied
])
async def test_a_request_for_a_language_is_followed(
        chat: Chat, kb: KnowledgeBase, first: str, asked: str, lang: str, wanted: str) -> None:
    await chat.say(first, lang=lang)
    await chat.say(asked, lang=lang)
    assert kb.message("language_set", wanted).split("{")[0] in chat.text, chat.text[:300]


@pytest.mark.parametrize(("text", "lang"), [("thanks, bye", "en"), ("goodbye", "en"),
                                            ("до свидания", "ru"), ("谢谢再见", "zh")])
async def test_a_farewell_is_answered_as_one(chat: Chat, kb: KnowledgeBase, text: str,
                                             lang: str) -> None:
    # audit 26 M11: "thanks, bye" was offered "Your details don't match your document"
    await chat.say(text, lang=lang)
    assert "diagnosis" not in chat.ids() and "ask_choice" not in chat.ids(), chat.ids()
    assert "thanks_reply" in chat.ids() or kb.message("thanks_reply", lang)[:12] in chat.text, \
        chat.ids()


async def test_status_keeps_the_support_check_in_answerable(chat: Chat) -> None:
    # audit 26 M1: /status during "has support fixed it?" dropped its buttons, "not yet" was
    # no longer understood and no check-in followed
    await chat.say("Information mismatch")
    for label in ("4", "1", "1", "1", "3"):
        await chat.say(label)
    due = await chat.tick(days=4)
    assert any("support_question" in chat.ids(r) for _, r in due), due
    await chat.command("status")
    assert "support_not_yet" in chat.button_keys(), chat.button_keys()
    await chat.say("Not yet")
    assert "use_buttons" not in chat.ids(), chat.ids()


@pytest.mark.parametrize(("first", "answer"), [
    ("The image contains editing traces", "I used an edited or fake ID"),
    ("I am 17 and turn 18 next month, what should I do?", None),
])
async def test_resubmitting_on_the_way_to_a_dead_end_counts_no_attempt(
        chat: Chat, first: str, answer: str | None) -> None:
    # audit 26 M2: "Fingers crossed!" after an admitted fake ID or a minor's wait
    await chat.say(first)
    if answer:
        await chat.press(answer)
    await chat.command("resubmitted")
    assert chat.ids()[0] == "resubmitted_dead_end", chat.ids()
    await chat.command("status")
    assert "Attempts: 2" not in chat.text, chat.text


async def test_resubmitting_a_fixable_reason_is_still_counted(chat: Chat) -> None:
    await chat.say("my photo was blurry")
    await chat.command("resubmitted")
    assert chat.ids()[0] == "resubmitted", chat.ids()


async def test_a_reason_picked_after_a_dead_end_says_a_new_case_starts(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 26 H8: the edited-document case closed, a reason picked from "Show the reasons"
    # opened a new case silently and the summary forgot the earlier one
    await chat.say("The image contains editing traces")
    await chat.press("I used an edited or fake ID")
    await chat.press("Next ➡️")
    await chat.press("Next ➡️")
    await chat.press("Show the reasons")
    await chat.press(kb.reasons["blurry_photo"].title.get())
    assert chat.ids()[0] == "new_case_after_dead_end", chat.ids()
    await chat.command("summary")
    earlier = kb.message("summary_earlier_line").format(stage=kb.message("closed_severe_violation"))
    assert earlier in chat.text, chat.text


async def test_the_reason_being_fixed_said_again_is_acknowledged(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 26 M4: "my photo was blurry" again was "I didn't quite get that"
    await chat.say("my photo was blurry")
    await chat.say("my photo was blurry")
    assert chat.ids()[0] == "same_reason", chat.ids()
    assert "use_buttons" not in chat.ids()


async def test_a_bare_ssn_is_only_warned_about(chat: Chat) -> None:
    # audit 26 M12: "SSN 123-45-6789" opened a "details don't match" case
    await chat.say("SSN 123-45-6789")
    assert "sensitive_data" in chat.ids() and "diagnosis" not in chat.ids(), chat.ids()
    assert "ask_choice" not in chat.ids()


@pytest.mark.parametrize("text", [
    "Mijn WW is nog niet binnen",  # WW, the unemployment benefit, is no password
    "고등학생이에요",  # "I'm a high school student": four syllables, no name
    "- 白天拍（光线好）\n- 金卡，不行",  # a list in Chinese, no signature
    "número 1, número 2 não funcionam",  # numbering, no address
    "кодовое слово сменить.",  # what is to be done to it, no answer
])
def test_ordinary_words_near_the_new_privacy_shapes_stay(text: str) -> None:
    # the review of round 33: rules written for the corpus's even lines masked these
    assert redact(text) == text
    assert not find_sensitive(text)


# -- audit 27 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang"), [
    ("做人脸识别要摘眼镜吗？我还没提交", "zh"),
    ("Нужно ли снимать очки при селфи? Еще не проходил верификацию", "ru"),
    ("I havent submitted yet, will glasses make the selfie fail?", "en"),
])
async def test_not_submitted_yet_is_a_question_before_any_rejection(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    # audit 27 H1: "haven't submitted yet" did not stop a failed attempt being counted
    await chat.say(text, lang=lang)
    assert "diagnosis_asked" in chat.ids(), chat.ids()
    await chat.command("status")
    assert _counts(kb, lang, 0, 0) in chat.text, chat.text


async def test_the_first_rejection_after_a_question_is_a_case_of_its_own(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 27 H2/H3: the question's reason became a "rejection reason", and the rejection told
    # later was swallowed
    await chat.say("can I use a photocopy of my ID for verification?")
    chat.clock.advance(days=3)
    await chat.say("ok I did the KYC and it got rejected. Reason: The information submitted "
                   "does not match the document")
    await chat.command("summary")
    assert kb.reasons["info_mismatch"].title.get() in chat.text, chat.text
    assert kb.reasons["blurry_photo"].title.get() not in chat.text, chat.text
    assert "Failed attempts: 1" in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [("passed finally", "en"), ("终于通过了", "zh"),
                                            ("наконец-то прошла", "ru")])
async def test_finally_passed_is_a_pass(chat: Chat, text: str, lang: str) -> None:
    # audit 27 H4: "passed finally" was the permanent-rejection page ("final")
    await chat.say("Reason: Please upload a clear photo of the document", lang=lang)
    await chat.command("resubmitted")
    await chat.say(text, lang=lang)
    assert "passed" in chat.ids(), chat.ids()


@pytest.mark.parametrize("text", ["otpravil zanovo", "我重新拍照上传了", "我重新上傳證件了"])
async def test_a_resubmission_told_in_translit_or_chinese_is_counted(chat: Chat, text: str) -> None:
    # audit 27 H7
    await chat.say("Reason: Image quality does not meet the requirements")
    await chat.say(text)
    assert "resubmitted" in chat.ids(), chat.ids()


async def test_a_first_submission_told_counts_no_refusal_before_it(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 27 H11: "I submitted for the first time" was recorded as attempt 2
    await chat.say("Впервые отправил заявку на верификацию, сколько ждать?", lang="ru")
    assert "resubmitted_no_case" in chat.ids(), chat.ids()
    await chat.command("status")
    assert _counts(kb, "ru", 1, 0) in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [("Can I do KYC with a cracked ID card?", "en"),
                                            ("身份证有裂痕还能用吗", "zh")])
async def test_a_damaged_document_is_the_photo_fix(chat: Chat, kb: KnowledgeBase, text: str,
                                                  lang: str) -> None:
    # audit 27 H9: a cracked ID got "paying someone to verify" (en), "edited document" (zh)
    await chat.say(text, lang=lang)
    assert kb.reasons["blurry_photo"].title.get(lang) in chat.text, chat.ids()


async def test_the_front_camera_at_the_photo_question_is_no_face_check(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 27 H10: "I used the front camera" while fixing a blurry photo added the face check
    await chat.say("Reason: Image quality does not meet the requirements")
    await chat.say("I used the front camera")
    assert "step:blurry_photo/fix_blur" in chat.ids(), chat.ids()
    assert kb.reasons["face_verification"].title.get() not in chat.text


@pytest.mark.parametrize(("text", "key"), [("privet", "greeting_reply"), ("spasibo", "thanks_reply")])
async def test_a_greeting_or_thanks_in_translit_is_one(chat: Chat, text: str, key: str) -> None:
    # audit 27 M12: "privet", "spasibo" were read as "my KYC failed"
    await chat.say(text)
    assert chat.ids()[0] == key, chat.ids()


async def test_a_question_before_starting_gets_the_checklist(chat: Chat) -> None:
    # audit 27 M1: "Before I start KYC: do I need to take off my glasses?" was off topic
    await chat.say("Before I start KYC: do I need to take off my glasses?")
    assert "topic:prevention_checklist" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("I filed a police report, what next?", "en"),
    ("我已经报警了，拿到回执了，下一步呢？", "zh"),
    ("я написал заявление в полицию, что дальше?", "ru"),
])
async def test_a_step_told_done_moves_on(chat: Chat, text: str, lang: str) -> None:
    # audit 27 H6: on "report it to the police", the report told done got the P2P scam page
    await chat.say("Your KYC application was not approved, Reason: This ID number is already "
                   "in use by another account", lang=lang)
    await chat.say("2", lang=lang)
    assert "step:id_already_registered/report_police" in chat.ids(), chat.ids()
    await chat.say(text, lang=lang)
    assert "step:id_already_registered/report_to_binance" in chat.ids(), chat.ids()
    assert "topic:p2p_scam" not in chat.ids()
