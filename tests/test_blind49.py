"""Blind round 49 (tests/data/blind49/README.md), tuned on its even lines: what a user notices,
through the conversation (the reasons /status lists after a first message)."""

from __future__ import annotations

import pytest

from tests.chat import Chat
from tests.test_audit36 import _reasons


@pytest.mark.parametrize(("text", "lang", "expect"), [
    # a part that says something was fine names no reason beside the one named firmly
    ("rejected even though the photo is clear and the name matches. it says my document has expired",
     "en", ["expired_document"]),
    ("Отклонили, хотя фото чёткое и имя совпадает. Мне 15 лет, может поэтому?", "ru", ["underage"]),
    ("照片很清晰，人脸也过了，可是说我的证件已经被别的账户用过了", "zh", ["id_already_registered"]),
    # ... but a fine word right after a negation says the opposite
    ("the photo is not clear and my passport is expired", "en",
     ["blurry_photo", "expired_document"]),
    ("фото не чёткое, и паспорт просрочен", "ru", ["blurry_photo", "expired_document"]),
    # ... and an instruction to upload a clear photo is no "it was fine"
    ("Верификация не пройдена. Загрузите чёткое фото документа. Проверка лица не пройдена",
     "ru", ["blurry_photo", "face_verification"]),
])
async def test_a_part_that_was_fine_gives_way(chat: Chat, text: str, lang: str,
                                              expect: list[str]) -> None:
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == expect


async def test_what_they_say_after_a_run_on_story_is_read_on_its_own(chat: Chat) -> None:
    # voice typing, no punctuation: an urgent withdrawal first, the notice's words after "they say"
    await chat.say("bro i need to withdraw my money today kyc failed they say my pic is blury")
    assert await _reasons(chat) == ["blurry_photo"]


@pytest.mark.parametrize("text", [
    "If I fail one more time will they lock my account?",
    "one more failed attempt and they lock me out?",
])
async def test_failing_once_more_and_a_lock_is_the_ban_question(chat: Chat, text: str) -> None:
    await chat.say(text)
    assert chat.ids()[:2] == ["topic_answer", "topic:ban_after_failures"], chat.ids()


async def test_a_visa_refusal_is_no_verification(chat: Chat) -> None:
    # (it was the "where do I see the reason" page, for a consulate's refusal)
    await chat.say("В шенгенской визе отказали, как узнать причину отказа?", lang="ru")
    assert not any(k.startswith(("topic:", "reason:")) for k in chat.ids()), chat.ids()


@pytest.mark.parametrize(("text", "lang", "expect"), [
    # "不对" ("wrong") alone, taking back the clause before it, is no information mismatch
    ("是证件照的问题……不对，我又看了一眼，写的是人脸验证失败", "zh", ["face_verification"]),
    ("好像是照片的问题……不对，我再看了一遍，写的是证件已过期", "zh", ["expired_document"]),
    ("the photo, I think... wait no, I looked again, it says my document expired", "en",
     ["expired_document"]),
])
async def test_a_retraction_alone_names_no_reason(chat: Chat, text: str, lang: str,
                                                  expect: list[str]) -> None:
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == expect


@pytest.mark.parametrize(("text", "lang"), [
    # a tax question had the "paying someone to verify for you" page ("платить" is to pay)
    ("надо ли платить налоги, если заработал на крипте?", "ru"),
    ("Сколько налога платить с прибыли от биткоина?", "ru"),
    ("do I need to pay tax when I sell bitcoin at a profit?", "en"),
    ("卖币赚的钱需要交税吗？", "zh"),
])
async def test_a_tax_question_is_off_topic(chat: Chat, text: str, lang: str) -> None:
    await chat.say(text, lang=lang)
    assert not any(k.startswith(("topic:", "reason:")) for k in chat.ids()), chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    # another place asking for proof of address is that place's check, not this verification's
    ("my landlord is asking for proof of address, what counts?", "en"),
    ("The bank requested proof of address for my savings account, is a phone bill ok?", "en"),
    ("Сбербанк просит подтверждение адреса для вклада, что подойдёт?", "ru"),
    ("银行让我补一份地址证明，手机账单行不行？", "zh"),
])
async def test_another_place_asking_for_proof_of_address_is_elsewhere(chat: Chat, text: str,
                                                                      lang: str) -> None:
    await chat.say(text, lang=lang)
    assert "topic:proof_of_address" not in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    # ... while the user's own document from a bank, or "they" asking, is still this one's
    ("they want proof of address, will my bank statement work?", "en"),
    ("can I use my bank statement as proof of address?", "en"),
    ("просят подтверждение адреса, подойдёт ли выписка из банка?", "ru"),
    ("要我提供地址证明，银行流水可以吗", "zh"),
])
async def test_a_bank_document_as_proof_of_address_is_still_answered(chat: Chat, text: str,
                                                                     lang: str) -> None:
    await chat.say(text, lang=lang)
    assert "topic:proof_of_address" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang", "expect"), [
    # parts saying what it was NOT, one after another before what it was, all give way
    ("Не имя и не возраст, не лицо — просто пишут, что паспорт просрочен", "ru", ["expired_document"]),
    ("不是照片的问题，也不是年龄的问题，就是说人脸验证没通过", "zh", ["face_verification"]),
    ("not the photo, not the name, it's the selfie that fails", "en", ["face_verification"]),
    # ... while a failure said with "не" is what went wrong
    ("не совпало имя, а потом написали что паспорт уже на другом аккаунте", "ru",
     ["info_mismatch", "id_already_registered"]),
])
async def test_what_it_was_not_gives_way_to_what_it_was(chat: Chat, text: str, lang: str,
                                                        expect: list[str]) -> None:
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == expect


async def test_a_parking_ticket_appeal_is_elsewhere(chat: Chat) -> None:
    await chat.say("how do I appeal a parking ticket from the city?")
    assert not any(k.startswith(("topic:", "reason:")) for k in chat.ids()), chat.ids()


@pytest.mark.parametrize(("text", "lang", "expect"), [
    # the review of the fine-word rule: a negation or doubt anywhere in the part keeps its reason
    ("the photo is blurry and the name only partly matches", "en", ["blurry_photo", "info_mismatch"]),
    ("照片很模糊，有效期也过了", "zh", ["expired_document"]),  # (was nothing at all)
    ("名字不太一致的，护照过期了", "zh", ["info_mismatch", "expired_document"]),
    ("не всё в порядке с данными, паспорт просрочен", "ru", ["info_mismatch", "expired_document"]),
    ("данные совпали не все, фото размытое", "ru", ["info_mismatch", "blurry_photo"]),
])
async def test_a_fine_word_beside_a_negation_says_nothing_was_fine(chat: Chat, text: str, lang: str,
                                                                   expect: list[str]) -> None:
    await chat.say(text, lang=lang)
    assert sorted(await _reasons(chat, lang)) == sorted(expect)


@pytest.mark.parametrize(("text", "lang"), [
    # the user's own bank document, or support asking, is this verification's proof of address
    ("Отправил банковскую выписку, теперь просит подтверждение адреса", "ru"),
    ("上传了银行流水，要我提供地址证明", "zh"),
    ("After I linked my bank account, it asked for proof of address", "en"),
    ("my bank statement needs to be less than 3 months old for proof of address?", "en"),
])
async def test_a_bank_named_as_a_document_is_no_asker(chat: Chat, text: str, lang: str) -> None:
    await chat.say(text, lang=lang)
    assert "topic:proof_of_address" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang", "expect"), [
    # a part that only wonders whether something was fine, or goes on to what was wrong after
    # "but", keeps its reason
    ("the face check keeps failing and the photo is fine but the name is spelled wrong", "en",
     ["face_verification", "info_mismatch"]),
    ("I need to check if the name matches, the selfie failed", "en",
     ["face_verification", "info_mismatch"]),
    ("照片挺清楚的但是名字错了，护照过期了", "zh", ["info_mismatch", "expired_document"]),
])
async def test_a_hedged_or_contrasted_fine_word_keeps_the_reason(chat: Chat, text: str, lang: str,
                                                                 expect: list[str]) -> None:
    from bot.understanding.matcher import Matcher

    matcher = Matcher.build(chat.service.kb)
    got = [m.id for m in matcher.match(text).matches if m.kind == "reason"]
    assert sorted(got) == sorted(expect), got
