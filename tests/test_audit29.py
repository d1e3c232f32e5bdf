"""Journey audit 29 (console, checked against the guide), through the conversation."""

from __future__ import annotations

from bot.understanding.redact import redact
from tests.chat import Chat


async def test_a_birth_date_added_to_a_pasted_notice_is_no_second_reason(chat: Chat) -> None:
    # M5: "... Reason: This ID number is already in use by another account. DOB 1990-03-12"
    # said "Your notice lists 2 reasons" and sent the user to support about their details
    await chat.say("Your KYC application was not approved, Reason: This ID number is already in "
                   "use by another account. DOB 1990-03-12")
    assert not any(k.startswith("diagnosis_multi") for k in chat.ids()), chat.ids()
    assert "step:id_already_registered/who_registered" in chat.ids() or any(
        k.startswith("step:id_already_registered") for k in chat.ids()), chat.ids()


async def test_a_birth_date_inside_a_sentence_still_counts(chat: Chat) -> None:
    await chat.say("I was born on 15.03.2010, why rejected?")
    assert any(k.startswith("step:underage") for k in chat.ids()), chat.ids()


def test_an_address_ends_where_the_next_part_of_the_sentence_starts() -> None:
    # M8: the address ran on over "and it says region not supported", so the reason was lost
    assert redact("I live at 221B Baker Street, London NW1 6XE and it says region not supported") \
        == "I live at [address] and it says region not supported"
    assert redact("я живу по адресу ул. Ленина, д. 5, кв. 12 и мне пишут что регион не "
                  "поддерживается").endswith("[address] и мне пишут что регион не поддерживается")


async def test_an_address_then_the_reason_gets_the_reason(chat: Chat) -> None:
    await chat.say("I live at 221B Baker Street, London NW1 6XE and it says region not supported")
    assert any(k.startswith("step:restricted_region") for k in chat.ids()), chat.ids()


async def test_a_fourth_rejection_told_is_no_question_before_submitting(chat: Chat) -> None:
    # M6: "this is my 4th time, my photo was blurry again" got "If you haven't been rejected
    # yet, the steps below help you get it right the first time"
    await chat.say("this is my 4th time, my photo was blurry again")
    assert "diagnosis_asked" not in chat.ids(), chat.ids()
    assert "first time" not in chat.text


async def test_after_a_refused_review_the_check_in_asks_what_support_said(chat: Chat) -> None:
    # M9: the check-in after "Rejected after the review" asked "Has Customer Support fixed it?"
    await chat.say("my photo was blurry")
    await chat.say("failed 3 times")
    assert "manual_review" in " ".join(chat.ids()), chat.ids()
    await chat.say("the review was rejected")
    sent = await chat.tick(days=4)
    keys = [k for _, replies in sent for r in replies for k in r.keys]
    assert "support_reason_question" in keys and "support_question" not in keys, keys


async def test_the_personal_data_warning_names_what_it_found(chat: Chat) -> None:
    # L11: it always said "(an ID number, phone, email, date of birth or password)"
    await chat.say("card 4111 1111 1111 1111 exp 12/29 cvv 123, my photo was blurry")
    assert "a card number and a card's security code" in chat.text, chat.text
    assert "date of birth or password" not in chat.text
    # M8: ... and the problem told after the data is still read
    assert any(k.startswith("step:blurry_photo") for k in chat.ids()), chat.ids()


async def test_the_warning_joins_its_list_the_way_the_language_does(chat: Chat) -> None:
    await chat.say("мой номер телефона +7 916 123 45 67 и паспорт 4510 123456", lang="ru")
    assert "номер документа и номер телефона" in chat.text, chat.text


async def test_ok_at_a_step_the_fix_ends_at_gets_a_closing_line(chat: Chat) -> None:
    # L14: "ok" at the Binance.US step got "I didn't quite get that" and the step again
    await chat.say("the region is not supported")
    await chat.say("I live in the US")
    await chat.say("ok")
    assert "final_ack" in chat.ids() and "use_buttons" not in chat.ids(), chat.ids()


async def test_html_around_a_rejection_is_read_as_its_text(chat: Chat) -> None:
    # L10: a script element's code ("alert(1)") made the message read as off topic
    await chat.say("<b>my photo</b> was <i>blurry</i> <script>alert(1)</script>")
    assert any(k.startswith("step:blurry_photo") for k in chat.ids()), chat.ids()
    assert "<script>" not in chat.text and "alert(1)" not in chat.text
