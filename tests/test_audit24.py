"""Journeys from blind audit 24 and the review of its change (console, checked against the guide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat, FrozenClock


@pytest.mark.parametrize(("text", "lang", "topic"), [
    # a long review and the word "scam" is about the review, not a P2P trade
    ("my review has been 35 days, is binance scamming me?", "en", "review_times"),
    ("审核一个月了还没结果，是不是被骗了", "zh", "review_times"),
    ("уже месяц на проверке, это нормально или меня кинули?", "ru", "review_times"),
    # someone else's ID, what comes after repeated failures, the review's extra documents
    ("can i verify with my girlfriends passport", "en", "someone_elses_id"),
    ("что будет если провалить 5 раз", "ru", "repeated_failures"),
    ("客服要视频验证，视频要多长", "zh", "manual_review"),
    ("поддержка просит видео с паспортом, что говорить на видео", "ru", "manual_review"),
])
async def test_questions_misread_in_audit_24_get_their_topic(
        chat: Chat, text: str, lang: str, topic: str) -> None:
    await chat.say(text, lang=lang)
    assert f"topic:{topic}" in chat.ids()[:2], chat.ids()


@pytest.mark.parametrize(("text", "lang", "reason", "not_reason"), [
    ("its not the face, its the photo of my id", "en", "blurry_photo", "face_verification"),
    ("不是人脸，是证件照片不清楚", "zh", "blurry_photo", "face_verification"),
])
async def test_not_x_it_is_y_walks_y(chat: Chat, kb: KnowledgeBase, text: str, lang: str,
                                      reason: str, not_reason: str) -> None:
    await chat.say(text, lang=lang)
    assert kb.reasons[reason].title.get(lang) in chat.text, chat.text
    assert kb.reasons[not_reason].title.get(lang) not in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang", "reasons"), [
    # the review: an addition rules nothing out, nor does a failure beside what was fine
    ("Not only my photo was blurry, but my document also expired", "en",
     ["blurry_photo", "expired_document"]),
    ("not clear photo, its also saying face verification failed", "en",
     ["blurry_photo", "face_verification"]),
    ("I said to support that my selfie keeps failing, and they said my ID is expired", "en",
     ["face_verification", "expired_document"]),
    ("I had good lighting but the selfie failed, and my id is expired", "en",
     ["face_verification", "expired_document"]),
    ("不是说照片模糊，就是说人脸不匹配", "zh", ["blurry_photo", "face_verification"]),
])
async def test_two_problems_with_a_negation_between_are_both_walked(
        chat: Chat, kb: KnowledgeBase, text: str, lang: str, reasons: list[str]) -> None:
    await chat.say(text, lang=lang)
    for r in reasons:
        assert kb.reasons[r].title.get(lang) in chat.text, (r, chat.text)


@pytest.mark.parametrize(("text", "lang"), [
    ("паспорта нет, документ просрочен", "ru"),  # "нет" reaches over nothing
    ("мне 18 лет будет через месяц, а верификацию не пропустили", "ru"),  # a future age
])
async def test_the_review_cases_keep_their_reason(chat: Chat, kb: KnowledgeBase, text: str,
                                                  lang: str) -> None:
    await chat.say(text, lang=lang)
    assert chat.ids()[0] == "diagnosis", chat.ids()


async def test_a_status_word_beside_a_reason_is_the_reason(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my status says rejected, blurry photo")
    assert chat.ids()[0] == "diagnosis", chat.ids()


async def test_translit_with_a_negation_is_no_pass(chat: Chat) -> None:
    # "ne proshla" (did not pass) was read as "it passed"
    await chat.say("Причина: фото размытое", lang="ru")
    await chat.command("resubmitted")
    await chat.say("privet, verifikaciya ne proshla", lang="ru")
    assert "passed" not in chat.ids(), chat.ids()


async def test_html_escaped_once_is_read_as_text(chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("<i>人脸识别</i>失败了 &lt;br&gt;", lang="zh")
    assert kb.reasons["face_verification"].title.get("zh") in chat.text, chat.ids()
    assert "<br>" not in chat.text and "&lt;" not in chat.text


async def test_a_review_with_no_attempts_told_says_so_when_restarting(
        chat: Chat, kb: KnowledgeBase) -> None:
    await chat.say("my verification is in manual review now")
    await chat.command("restart")
    assert kb.message("count_not_told") in chat.text, chat.text


@pytest.mark.parametrize(("first", "later", "lang"), [
    ("im 17, turning 18 on march 20", "i'm 18 now! can i verify?", "en"),
    ("мне 17, отказали по возрасту", "мне уже исполнилось 18", "ru"),
    ("我17岁，认证被拒", "我现在已经满18了", "zh"),
])
async def test_turning_18_on_the_wait_branch_takes_the_turned_18_branch(
        chat: Chat, first: str, later: str, lang: str) -> None:
    # audit 24 H6: "i'm 18 now" where the bot had said to wait until 18 kept saying wait
    await chat.say(first, lang=lang)
    assert "step:underage/minor" in chat.ids(), chat.ids()
    chat.clock.advance(days=30)
    await chat.say(later, lang=lang)
    assert "step:underage/now_adult" in chat.ids(), chat.ids()


async def test_a_long_story_ending_with_the_notice_is_read_to_its_end(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 24: 2,000 characters of story in Chinese, then what the e-mail said: the clause
    # splitter stopped after 64 pieces and the rest, the reason included, was one clause
    parts = ["我上个月开始在币安做认证", "先是上传了身份证正反面", "等了好几天都没有消息", "我又去问了客服",
             "客服说让我耐心等待", "我也不知道哪里出了问题", "这几天一直很焦虑", "晚上都睡不好觉"]
    story = "，".join(parts[i % len(parts)] for i in range(150))
    await chat.say(story + "。今天终于收到邮件了，说是证件过期了", lang="zh")
    assert chat.ids()[0] == "diagnosis", chat.ids()
    assert kb.reasons["expired_document"].title.get("zh") in chat.text, chat.text[:300]


async def test_a_notice_quoted_in_the_middle_of_a_long_story_is_read(
        chat: Chat, kb: KnowledgeBase) -> None:
    # audit 24: the "Reason:" line sat past the first 16 clauses, so only the story was read
    before = ("I signed up last month and started the verification. I uploaded my passport and "
              "then did the selfie step which took a few tries because the light was bad. ") * 8
    notice = ("\n\nThen I got this email:\nYour KYC application was not approved.\n"
              "Reason: Please upload a clear photo of the document.\n\n")
    after = ("I am not sure what to do now, I need this account for my salary, and my friend "
             "said that the face scan is usually the problem. ") * 8
    await chat.say(before + notice + after)
    assert chat.ids()[0] == "diagnosis", chat.ids()
    blurry = chat.text.index(kb.reasons["blurry_photo"].title.get())
    face = chat.text.find(kb.reasons["face_verification"].title.get())
    assert face == -1 or blurry < face, chat.text[:300]  # the notice's reason first, if both


# -- audit 25 ------------------------------------------------------------------------------


@pytest.mark.parametrize("said", ["done, submitted 3rd time", "ok just did my 3rd try"])
async def test_an_ordinal_said_with_a_submission_counts_the_attempt_not_failures(
        chat: Chat, kb: KnowledgeBase, said: str) -> None:
    # audit 25 H1: two failures, then "submitted 3rd time" opened a manual review (3 failures)
    await chat.say("my selfie failed")
    await chat.press(chat.buttons()[1])  # "Twice"
    await chat.say(said)
    assert chat.ids()[0] == "resubmitted", chat.ids()
    await chat.command("status")
    assert "stage_manual_review" not in chat.ids(), chat.text


async def test_forget_that_is_no_forged_document(chat: Chat, kb: KnowledgeBase) -> None:
    # audit 25 H3: "forget" was corrected to "forged" and added the edited-document reason
    await chat.say("blurry photo")
    await chat.say("its not the photo actually, forget that. it was the face scan")
    assert kb.reasons["edited_document"].title.get() not in chat.text, chat.text
    assert "step:face_verification/how_many" in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang"), [
    ("我叫李四，邮箱lisi@qq.com，被拒原因是生日不匹配", "zh"),
    ("меня зовут Анна, почта anna@mail.ru, отказ: не совпадает дата рождения", "ru"),
])
async def test_an_email_address_changes_neither_language_nor_diagnosis(
        kb: KnowledgeBase, tmp_path: Path, text: str, lang: str) -> None:
    # audit 25 H5: with no client language, the address's Latin letters made the reply English
    # and, in Chinese, lost the diagnosis
    c = await Chat.open(kb, tmp_path / "mail.sqlite3", clock=FrozenClock())
    try:
        await c.say(text)
        assert c.ids()[:2] == ["sensitive_data", "diagnosis"], c.ids()
        assert kb.reasons["info_mismatch"].title.get(lang) in c.text, c.text
        assert "@" not in c.text
    finally:
        await c.close()


async def test_did_it_again_while_a_result_is_awaited_is_no_rejection(chat: Chat) -> None:
    await chat.say("my selfie failed")
    await chat.command("resubmitted")
    await chat.say("ok i did it again")
    assert "vague" not in chat.ids() and "rejection_noted" not in chat.ids(), chat.ids()


@pytest.mark.parametrize(("text", "lang", "step"), [
    ("я из США, верификацию отклонили, регион не поддерживается", "ru", "us"),
    ("我是日本的，认证说地区不支持", "zh", "japan"),
])
async def test_a_country_said_with_the_region_notice_is_not_asked_again(
        chat: Chat, text: str, lang: str, step: str) -> None:
    # audit 25: "я из США", "我是日本的" got "Where do you live?"
    await chat.say(text, lang=lang)
    assert f"step:restricted_region/{step}" in chat.ids(), chat.ids()


async def test_a_chinese_sticker_placeholder_gets_the_attachment_answer(chat: Chat) -> None:
    await chat.say("[贴纸]", lang="zh")
    assert chat.ids()[0] == "attachment", chat.ids()
