"""Journey audit 36 (console, 243 first-contact sessions checked against the guide): what it
found wrong, through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat


async def _reasons(chat: Chat, lang: str = "en") -> list[str]:
    """The reasons /status lists, by id, in the order it lists them."""
    await chat.command("status")
    line = next((x for x in chat.text.splitlines() if any(
        r.title.get(lang) in x for r in chat.service.kb.reasons.values())), "")
    found = [(line.find(r.title.get(lang)), rid) for rid, r in chat.service.kb.reasons.items()
             if r.title.get(lang) in line]
    return [rid for _, rid in sorted(found)]


@pytest.mark.parametrize(("text", "lang"), [
    ("my face check failed. wait no, sorry, it actually says my document has expired", "en"),
    ("人脸识别失败了。哦不对，我看错了，是证件过期", "zh"),
    ("не прошла проверка лица. ой нет, извините, там написано что паспорт просрочен", "ru"),
])
async def test_a_reason_taken_back_in_the_same_message_is_dropped(chat: Chat, text: str, lang: str) -> None:
    # H1: the withdrawn reason stayed (and in Chinese a third one nobody named was added)
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == ["expired_document"]


@pytest.mark.parametrize("text", [
    "Below: Document information cannot be recognized",
    "Screenshot: Binance app, Identity Verification page. Below: \"Document information cannot be recognized\"",
])
async def test_where_a_line_stands_names_no_reason(chat: Chat, text: str) -> None:
    # H2: "Below:" was read as under the age limit, and that flow came first
    await chat.say(text)
    assert await _reasons(chat) == ["blurry_photo"]


async def test_a_screenshot_described_invents_no_reason(chat: Chat) -> None:
    # H7: "Screenshot:" opened a blurry-photo case with no reason given
    await chat.say("Screenshot: Binance app, Identity Verification page.")
    assert not [k for k in chat.button_keys() if k.startswith("reason:")] or "vague" in chat.ids()
    assert await _reasons(chat) == []


@pytest.mark.parametrize("notice", [
    "Hello Anna,\nYour KYC application was not approved, Reason: Facial recognition failed\nName: Anna Lee",
    "Dear Maria Gonzalez Lopez,\nYour KYC application was not approved, Reason: Facial recognition failed",
])
async def test_a_greeting_and_a_name_line_add_no_mismatch(chat: Chat, notice: str) -> None:
    # H3: the name in the greeting or on its own line added "details don't match", first
    await chat.say(notice, forwarded=True)
    assert await _reasons(chat) == ["face_verification"]


async def test_a_described_blurry_photo_is_no_file_sent(chat: Chat) -> None:
    # H4: "blurry photo of my passport" got "I don't need photos" and the reason was lost
    await chat.say("blurry photo of my passport")
    assert "attachment" not in chat.ids()
    assert await _reasons(chat) == ["blurry_photo"]
    await chat.say("photo of my passport")  # words standing for a photo still get that answer
    assert "attachment" in chat.ids()


@pytest.mark.parametrize("said", ["отправил ещё раз", "загрузил новое фото"])
async def test_russian_resubmission_wordings_count_the_attempt(chat: Chat, said: str) -> None:
    # H5, M7: "отправил ещё раз" showed a general page and no attempt was recorded
    await chat.say("фото паспорта размытое", lang="ru")
    await chat.say(said, lang="ru")
    assert "resubmitted" in chat.ids(), chat.ids()
    await chat.command("status")
    assert chat.counts_line("ru", 2, 1) in chat.text


async def test_a_red_banner_is_no_ban(chat: Chat) -> None:
    # M5: "Red banner: Verification failed" opened "Will failing get me banned?"
    await chat.say("Red banner: Verification failed")
    assert "vague" in chat.ids(), chat.ids()
    assert await _reasons(chat) == []


async def test_a_negative_number_is_no_count(chat: Chat) -> None:
    # M6: "-3" at "how many times has it failed" sent the case to manual review
    await chat.say("Your KYC application was not approved, Reason: Facial recognition failed", forwarded=True)
    await chat.say("-3")
    await chat.command("status")
    assert chat.counts_line("en", 1, 1) in chat.text
    assert chat.service.kb.message("stage_manual_review", "en") not in chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("how does this work", "en"), ("can you verify me?", "en"),
    ("is this the official Binance support?", "en"), ("你能帮我认证吗？", "zh"),
    ("как это работает", "ru"), ("ты можешь меня верифицировать?", "ru"),
])
async def test_a_new_users_question_about_the_bot_gets_what_it_is(chat: Chat, text: str, lang: str) -> None:
    # M1, M3, L8: off-topic refusals, or the page about paying someone to verify for you
    await chat.say(text, lang=lang)
    assert chat.ids()[:2] == ["safety", "help"], chat.ids()


async def test_status_and_summary_list_the_reasons_in_one_order(chat: Chat) -> None:
    # L1: /status listed them as found, the summary the latest rejection's first
    await chat.say("my selfie check failed")
    await chat.command("resubmitted")
    await chat.tick(days=1)
    await chat.say("rejected again, now it says the document has expired")
    assert await _reasons(chat) == ["expired_document", "face_verification"]
    await chat.command("summary")
    line = next(x for x in chat.text.splitlines() if chat.service.kb.reasons["expired_document"].title.get() in x)
    assert line.index("Expired") < line.index(chat.service.kb.reasons["face_verification"].title.get())


async def test_a_one_time_code_gets_code_advice_not_change_your_password(chat: Chat) -> None:
    # L5: "код из смс 482913" was told to change "that password"
    await chat.say("код из смс 482913, это поможет? лицо не прошло", lang="ru")
    assert "code_shared" in chat.ids() and "password_shared" not in chat.ids(), chat.ids()
    assert "face_verification" in await _reasons(chat, "ru")
    await chat.say("my password is Qwerty!2024 and the code is 482913")
    assert "password_shared" in chat.ids() and "code_shared" not in chat.ids(), chat.ids()


async def test_status_shows_the_question_its_buttons_answer(chat: Chat) -> None:
    # L6: "Has Customer Support fixed it?" was not on screen, only its buttons
    await chat.say("name mismatch")
    for label in ("1", "1", "1", "3"):
        await chat.say(label)
    await chat.tick(days=3)
    await chat.command("status")
    assert chat.service.kb.message("support_question_again", "en") in chat.text
    assert "support_done" in chat.button_keys() or any(k.startswith("k") for k in chat.button_keys())


@pytest.mark.parametrize("text", ["[Sticker: crying cat]", "[Стикер: плачущий котик]"])
async def test_a_sticker_placeholder_is_a_file_not_a_question(chat: Chat, text: str) -> None:
    # L7: "[Sticker: crying cat]" got "I only help with verification"
    await chat.say(text)
    assert chat.ids()[:1] == ["attachment"], chat.ids()


async def test_a_seed_phrase_beside_a_reason_keeps_the_diagnosis(chat: Chat) -> None:
    # L10: after the seed-phrase warning the Chinese reason was dropped
    await chat.say("助记词 abandon ability able about above absent absorb abstract absurd abuse access "
                   "accident 这个能帮我通过认证吗？证件照片被拒了", lang="zh")
    assert chat.ids()[0] == "sensitive_seed_phrase", chat.ids()
    assert "describe_problem" not in chat.ids(), chat.ids()


# -- a fresh-eyes review of this change: what its first versions broke ----------------------------

@pytest.mark.parametrize(("text", "reason", "lang"), [
    ("Face verification failed again. Oops, what should I do now?", "face_verification", "en"),
    ("My selfie was rejected. My bad lighting probably caused it?", "face_verification", "en"),
    ("人脸识别失败了。不对劲，为什么？", "face_verification", "zh"),
    ("身份证过期了，更正信息怎么弄", "expired_document", "zh"),
])
async def test_a_retraction_word_that_takes_nothing_back_keeps_the_reason(chat: Chat, text: str, reason: str,
                                                                          lang: str) -> None:
    await chat.say(text, lang=lang)
    assert await _reasons(chat, lang) == [reason]


@pytest.mark.parametrize("text", [
    "Passport: Anna Kowalska\nBinance: Ana Kowalska",
    "ID: John Smith, Binance: Jon Smith",
])
async def test_two_names_compared_are_still_a_mismatch(chat: Chat, text: str) -> None:
    await chat.say(text)
    assert await _reasons(chat) == ["info_mismatch"]


async def test_a_reason_written_in_capitals_is_no_greeting(chat: Chat) -> None:
    await chat.say("Blurry Photo, again")
    assert await _reasons(chat) == ["blurry_photo"]


async def test_a_photo_of_both_sides_is_still_a_file(chat: Chat) -> None:
    await chat.say("photo of my passport both sides")
    assert chat.ids()[:1] == ["attachment"], chat.ids()


def test_an_address_after_a_comma_and_a_postbox_stay_masked() -> None:
    from bot.understanding.redact import redact
    assert "NW1" not in redact("My address, 221B Baker Street, London NW1 6XE, is what is on the bill.")
    assert "3456" not in redact("j'habite Rue du Rhône 12, Case postale 3456, 1211 Genève")
    assert "2024-55813" in redact("Ich wohne in Hauptstraße 5, 10115 Berlin, Ticket 2024-55813")


def test_a_name_again_far_into_a_long_message_is_masked() -> None:
    from bot.understanding.redact import redact
    masked = redact("My name is Jonathan Whitfield. " + "blah " * 450 + "Support wrote to Jon Whitfield")
    assert "Whitfield" not in masked
    # a common word that is also a name's word stays a word elsewhere
    assert "Grace period" in redact("Hi, I'm Grace Park. Grace period ended at the Park Avenue office")


@pytest.mark.parametrize("said", ["－3", "—3", "- 3", "just -3"])
async def test_no_minus_sign_makes_a_count(chat: Chat, said: str) -> None:
    await chat.say("Your KYC application was not approved, Reason: Facial recognition failed", forwarded=True)
    await chat.say(said)
    await chat.command("status")
    assert chat.counts_line("en", 1, 1) in chat.text
