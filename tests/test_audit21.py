"""Journeys from blind audit 21 (console journeys in en/zh/ru checked against the guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.understanding.privacy import redact
from tests.chat import Chat


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path):
    c = await Chat.open(kb, tmp_path / "bot.sqlite3")
    yield c
    await c.close()


@pytest.mark.parametrize(("text", "lang", "first", "stage"), [
    ("提交了3次都没通过", "zh", "manual_review", "stage_manual_review"),
    ("已经提交了五次了都失败，账户是不是被锁了", "zh", "lock_risk", "stage_lock_risk"),
    ("отправил заявку 4 раза и все отказ", "ru", "one_before_lock", "stage_fixing"),
])
async def test_submitted_n_times_all_failed_counts_failures_not_one_more_attempt(
        chat: Chat, text: str, lang: str, first: str, stage: str) -> None:
    # audit 21 H1: "提交了" is also "I resubmitted"; with a count and a failure it is how many
    # attempts failed (manual review at 3, the lock risk at 5), as in English
    await chat.say(text, lang=lang)
    assert "resubmitted" not in chat.ids()
    assert chat.ids()[0] == first, chat.ids()
    await chat.command("status")
    assert stage in chat.ids(), chat.ids()


async def test_a_scammer_who_added_me_on_wechat_gets_the_safety_page(chat: Chat) -> None:
    # audit 21 H3: "加我微信" inside a report about someone else is no offer to chat elsewhere
    await chat.say("有个自称币安客服的人加我微信，说帮我通过KYC，要我发身份证照片和验证码", lang="zh")
    assert "topic:safety" in chat.ids() and "contact_offer_answer" not in chat.ids()
    await chat.say("加我微信聊", lang="zh")  # an offer made to the bot still gets its answer
    assert "contact_offer_answer" in chat.ids()


@pytest.mark.parametrize("text", ["hi im from calle mayor 5 madrid, pls help",
                                  "I live at avenida paulista 1000 sao paulo"])
def test_a_street_typed_in_lower_case_is_masked(kb: KnowledgeBase, text: str) -> None:
    # audit 21 H4: a phone keyboard's lower case ("calle mayor 5") is still an address
    masked = redact(text)
    assert "mayor 5" not in masked and "paulista 1000" not in masked and "[address]" in masked


@pytest.mark.parametrize(("first", "more", "lang"), [
    ("document photo blurry", "failed 2 more times", "en"),
    ("document photo blurry", "tried 2 more times today, both rejected", "en"),
    ("照片模糊", "又被拒了两次", "zh"),
    ("фото размытое", "отказали ещё два раза", "ru"),
])
async def test_n_more_failures_count_from_the_failures_known(
        chat: Chat, first: str, more: str, lang: str) -> None:
    # audit 21 H2: one failure known, "2 more" makes three: the manual review, not the fix again
    await chat.say(first, lang=lang)
    await chat.say(more, lang=lang)
    assert chat.ids()[0] == "manual_review", chat.ids()
    await chat.command("status")
    assert "stage_manual_review" in chat.ids()


async def test_a_total_said_with_again_is_no_count_of_more(chat: Chat) -> None:
    # "again, that's the third time" is three in all, not three more
    await chat.say("照片模糊", lang="zh")
    await chat.say("又被拒了，这是第三次", lang="zh")
    await chat.command("status")
    assert "stage_manual_review" in chat.ids(), chat.ids()


async def test_asking_for_a_language_switches_without_also_offering(chat: Chat) -> None:
    # audit 21 M1: the request decides; an offer beside it ("keep Chinese?") contradicted it
    await chat.say("自拍没通过", lang="zh")
    await chat.say("а можно по-русски?")
    assert "language_offer" not in chat.ids() and "language_set" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang_word"), [
    ("<div>人脸识别失败</div><script>x</script>", "人脸"),
    ('<script>alert("x")</script> селфи не проходит &amp; <b>жирный</b>', "лица"),
])
async def test_markup_around_words_is_answered_in_their_language(
        chat: Chat, text: str, lang_word: str) -> None:
    # audit 21 M2: tag names are no English words of the writer's
    await chat.say(text)
    assert lang_word in chat.text, chat.text


@pytest.mark.parametrize("text", ["比特币现在多少钱？", "USDT多少钱一个", "сколько стоит биткоин?"])
async def test_a_coin_price_is_no_question_about_the_bots_cost(chat: Chat, text: str) -> None:
    # audit 21 M3
    await chat.say(text)
    assert "cost_answer" not in chat.ids(), chat.ids()


async def test_a_side_answer_to_a_new_user_is_no_dead_end(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("is this bot free")
    assert chat.ids()[0] == "cost_answer" and kb.button("reasons") in chat.buttons()


@pytest.mark.parametrize("text", ["what is the weather", "no", "back"])
async def test_a_message_about_nothing_mid_fix_shows_the_step_not_the_notice_explained(
        chat: Chat, text: str) -> None:
    # audit 21 M4, M10: only a message about the notice ("what does this mean?") explains it;
    # "back" on a first step has nothing before it
    await chat.say("my id expired")
    await chat.say(text)
    assert "explain_reason" not in chat.ids() and "step" in chat.ids(), chat.ids()
    assert not any(k.startswith("topic:") for k in chat.ids())


async def test_what_does_this_mean_mid_fix_still_explains(chat: Chat) -> None:
    await chat.say("my id expired")
    await chat.say("i got this email what should i do")
    assert chat.ids()[0] == "explain_reason"


@pytest.mark.parametrize(("text", "lang"), [
    ("what are the most common reasons kyc gets rejected", "en"),
    ("KYC被拒的常见原因有哪些", "zh"),
    ("какие самые частые причины отказа в kyc?", "ru"),
])
async def test_the_common_reasons_are_listed_most_common_first(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str) -> None:
    # audit 21 L3
    await chat.say(text, lang=lang)
    assert chat.ids()[0] == "common_reasons_list", chat.ids()
    first = max(kb.reasons.values(), key=lambda r: r.share)
    assert chat.buttons()[0] == first.title.get(lang)


async def test_nobody_given_my_passport_names_no_mismatch(chat: Chat) -> None:
    # audit 21 M7: "никому" is no nickname ("ник")
    await chat.say("кто-то зарегистрировал аккаунт на мой паспорт, я никому его не давал")
    assert "diagnosis_multi" not in chat.ids() and "described_multi" not in chat.ids(), chat.ids()


async def test_two_swapped_letters_are_still_the_word(chat: Chat) -> None:
    # audit 21 M9: "сефли" is "селфи"
    await chat.say("сефли не прохдит уже 4 раза")
    await chat.command("status")
    assert "summary_reasons_unknown" not in chat.ids()
    assert any(k.startswith("reason") or "face" in k for k in chat.ids()) or "лица" in chat.text, chat.ids()


async def test_an_english_word_is_not_read_as_a_stop_word_it_resembles(chat: Chat) -> None:
    # audit 21 M4: "weather" was read as "whether" (a stop word, dropped): "what is the weather"
    # became a message of no words, answered as a failed verification
    await chat.say("what is the weather")
    assert chat.ids()[0] == "not_understood", chat.ids()
    await chat.say("hi, please help me")  # a message of help words only is still the opener
    assert chat.ids()[0] == "vague", chat.ids()


@pytest.mark.parametrize(("arg", "word"), [("Москва", "Готово"), ("北京", "好了")])
async def test_a_first_command_is_answered_in_the_language_of_its_argument(
        chat: Chat, arg: str, word: str) -> None:
    # audit 21 M11: with no language known yet, "/timezone Москва" is written in Russian
    await chat.command("timezone", arg)
    assert word in chat.text, chat.text


async def test_a_known_language_is_not_changed_by_a_command_argument(chat: Chat) -> None:
    await chat.say("селфи не проходит")
    await chat.command("timezone", "Europe/Berlin")
    assert "Europe/Berlin" in chat.text and "Done" not in chat.text


async def test_a_plea_for_help_with_a_place_gets_the_opener(chat: Chat) -> None:
    # audit 21 M5: a greeting, a city and "pls help" ask for help, not an off-topic question
    await chat.say("hi im from madrid, pls help")
    assert chat.ids()[0] == "vague", chat.ids()
    await chat.say("how do I withdraw to my bank, help")  # an off-topic question stays one
    assert chat.ids()[0] == "nothing_matched", chat.ids()
