"""What the blind round of 2026-12-07 (blind34) taught the matcher, through `Matcher.match`:
a reason list numbered with bare numbers, digits typed for letters, and everyday contexts
that are not Binance's; and leftovers of journey audit 27, through the conversation."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.understanding.matcher import Matcher
from tests.chat import Chat
from tests.test_audit26 import _counts


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(load_knowledge("knowledge"))


def ids(matcher: Matcher, text: str) -> list[str]:
    return [m.id for m in matcher.match(text).matches]


@pytest.mark.parametrize("text, expected", [
    ("被拒原因：1 证件号已被使用 2 人脸与证件不符", ["id_already_registered", "face_verification"]),
    ("Reasons: 1 ID number already used 2 face does not match the document",
     ["id_already_registered", "face_verification"]),
])
def test_a_reason_list_numbered_with_bare_numbers_gives_each_item(
        matcher: Matcher, text: str, expected: list[str]) -> None:
    assert ids(matcher, text)[:2] == expected
    assert matcher.match(text).multi


def test_a_count_after_a_reason_is_no_list_number(matcher: Matcher) -> None:
    assert ids(matcher, "Reason: photo unclear, I tried 3 times")[0] == "blurry_photo"


@pytest.mark.parametrize("text", [
    "Ваша заявка KYC не одобрена, Пр1чина: Пожалуйста, загрузите чёткое фото д0кумента",
    "my d0cument was r3jected, ph0to blurry",
])
def test_digits_typed_for_letters_are_read_as_the_letters(matcher: Matcher, text: str) -> None:
    assert ids(matcher, text)[0] == "blurry_photo"


@pytest.mark.parametrize("text", [
    "IRCTC ticket checker said my ID proof name doesn't match the ticket",
    "My Wise transfer has been under review for 3 days",
    "公司HR说我提交的学历证书有PS痕迹 冤枉啊",
    "prosrochennyi polis osago mozhno ezdit paru dnei?",
])
def test_everyday_contexts_that_are_not_binance_match_no_reason(
        matcher: Matcher, text: str) -> None:
    assert [m for m in matcher.match(text).matches if m.kind == "reason"] == []


@pytest.mark.parametrize("text, reason", [
    # the same places named in passing by someone whose Binance verification failed
    ("An agent at a phone shop in Lomé did the registration for me, and I think he used my ID "
     "card for somebody else's account too", "id_already_registered"),
    ("I uploaded a screenshot of my e-Devlet digital ID because I lost the physical card. not "
     "accepted, why? it is official from government", "blurry_photo"),
    ("Знакомый сделал мне документ через нейросеть, сказал, прокатит. Не прокатило — написали, "
     "что документ поддельный.", "edited_document"),
    ("Я камера смотрю, он говорит поверни голова, я поворачиваю, потом опять сначала. Пять раз "
     "так. Строитель я, даже каска снял", "face_verification"),
    # the review of this round: phrases of other contexts are read as neighbouring terms
    ("The app doesn't work, age check says I'm under 18 but I'm 19", "underage"),
    ("A recruiter on Telegram offered me 50 dollars to do a face scan for his account",
     "kyc_for_hire"),
    ("I live near the railway station, my Aadhaar photo is blurry and got rejected",
     "blurry_photo"),
    ("Паспорт отклонили как просроченный, полис при этом действующий", "expired_document"),
    ("我用工作证拍的照片被拒了，说证件模糊", "blurry_photo"),
    ("hr说有人冒用我的身份证注册了账户", "id_already_registered"),
    ("My Cashapp name is different from my passport, rejected for name mismatch",
     "info_mismatch"),
])

def test_a_place_named_in_passing_keeps_the_reason(
        matcher: Matcher, text: str, reason: str) -> None:
    assert ids(matcher, text)[0] == reason


def test_two_known_words_around_a_count_stay_apart(matcher: Matcher) -> None:
    # "уже 1 или 2" once read as "ужеиили" (a digit for a letter between two Russian words)
    assert ids(matcher, "отклонили уже 1 или 2 раза")[0] == "repeated_failures"
    assert "ужеиили" not in matcher.norm.words("отклонили уже 1 или 2 раза")


# -- audit 27 leftovers, through the conversation ------------------------------------------


@pytest.mark.parametrize("text", [
    "мне исполнится 18 через месяц, отказали по возрасту",
    "我未满18，认证被拒",
    "还差半年满18，被拒了",
    "I'm 17, kyc rejected",
])
def test_an_age_under_18_or_still_to_come_stays_underage(matcher: Matcher, text: str) -> None:
    assert ids(matcher, text)[0] == "underage"


@pytest.mark.parametrize(("text", "lang", "not_yet"), [
    ("my friend said KYC fails if you wear glasses, true?", "en", "i havent tried yet"),
    ("听说戴眼镜人脸识别会失败，是真的吗？", "zh", "还没试过"),
    ("мне сказали что с очками селфи не пройдёт, это правда?", "ru", "ещё не пробовал"),
])
async def test_what_someone_else_said_is_a_question_not_a_failure(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, not_yet: str) -> None:
    # audit 27: hearsay with a question was counted as the user's own failed attempt, and the
    # face steps then only asked how many times it had failed
    await chat.say(text, lang=lang)
    assert kb.message("diagnosis_asked", lang).split("{")[0] in chat.text, chat.text[:300]
    assert "step:face_verification/how_many" in chat.ids(), chat.ids()
    await chat.say(not_yet, lang=lang)
    assert "step:face_verification/uncover_face" in chat.ids(), chat.ids()
    await chat.command("status")
    assert _counts(kb, lang, 0, 0) in chat.text, chat.text


async def test_a_failure_told_with_hearsay_is_still_a_failure(chat: Chat) -> None:
    await chat.say("my kyc failed, face verification, my friend said its because of glasses")
    assert "diagnosis" in chat.ids() and "diagnosis_asked" not in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "topic"), [
    ("can I use my passport?", "switch_document"),
    ("can i use my driving licence?", "switch_document"),
    ("can I use my mom's passport?", "someone_elses_id"),
    ("my wife said I can use her passport", "someone_elses_id"),
])
def test_my_own_other_document_is_a_switch_not_someone_elses(
        matcher: Matcher, text: str, topic: str) -> None:
    assert ids(matcher, text)[0] == topic
