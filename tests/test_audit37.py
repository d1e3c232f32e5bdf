"""Journey audit 37 (console, 150 returning-user sessions over days and weeks, checked against
the guide): what it found wrong, through the conversation."""

from __future__ import annotations

import pytest

from tests.chat import Chat
from tests.test_audit36 import _reasons


@pytest.mark.parametrize(("first", "passed", "taken_back", "lang"), [
    ("face check failed", "passed", "oops no, sorry, it's still pending", "en"),
    ("face check failed", "passed", "sorry, I pressed the wrong thing, it hasn't passed yet", "en"),
    ("人脸识别失败", "通过了", "啊不对，说错了，还在审核中", "zh"),
    ("не прошло распознавание лица", "прошёл", "ой нет, ошибся, ещё на проверке", "ru"),
])
async def test_a_pass_said_by_mistake_is_taken_back(chat: Chat, first: str, passed: str, taken_back: str,
                                                   lang: str) -> None:
    # H1: the case stayed closed as passed (and in Russian a wrong reason opened a new case)
    await chat.say(first, lang=lang)
    await chat.command("resubmitted")
    await chat.say(passed, lang=lang)
    await chat.say(taken_back, lang=lang)
    await chat.command("status")
    assert chat.service.kb.message("stage_resubmitted", lang) in chat.text, chat.text
    assert chat.counts_line(lang, 2, 1) in chat.text


async def test_russian_not_resubmitted_yet_takes_the_attempt_back(chat: Chat) -> None:
    # H2: "вообще-то я ещё не отправлял заново" showed a page; the next message counted a failure
    await chat.say("Причина: загрузите чёткое фото документа", lang="ru")
    await chat.command("resubmitted")
    await chat.say("вообще-то я ещё не отправлял заново", lang="ru")
    assert "resubmission_undone" in chat.ids(), chat.ids()
    await chat.command("status")
    assert chat.counts_line("ru", 1, 1) in chat.text


@pytest.mark.parametrize("undone", [False, True])
async def test_it_was_x_not_y_corrects_the_reason(chat: Chat, undone: bool) -> None:
    # H4: "sorry, it was the selfie not the photo" kept the photo reason beside the selfie (also
    # once a resubmission reported by mistake was taken back: the fix was over, the case fixing)
    await chat.say("Reason: Please upload a clear photo of the document")
    if undone:
        await chat.command("resubmitted")
        await chat.say("actually I haven't resubmitted yet")
    await chat.say("sorry, it was the selfie not the photo")
    assert chat.ids()[:1] == ["reason_corrected"], chat.ids()
    assert await _reasons(chat) == ["face_verification"]


async def test_a_review_started_today_opens_a_case_in_review(chat: Chat) -> None:
    # H6: "third failure, manual review started today" opened no case
    await chat.say("third failure, manual review started today")
    await chat.command("status")
    assert chat.service.kb.message("stage_manual_review", "en") in chat.text, chat.text


async def test_russian_review_refused_is_recorded(chat: Chat) -> None:
    # H7: "ручная проверка отказала" sent review pages; the case stayed in manual review
    await chat.say("третий отказ из-за несовпадения данных, сказали ручная проверка", lang="ru")
    await chat.tick(days=14)
    await chat.say("ручная проверка отказала", lang="ru")
    await chat.command("status")
    assert chat.service.kb.message("stage_manual_review", "ru") not in chat.text, chat.text


async def test_chinese_personal_data_beside_the_reason_keeps_the_diagnosis(chat: Chat) -> None:
    # H8: refused as out of scope, no case opened
    await chat.say("我叫张伟，身份证号110101199003074512，手机13812345678，邮箱zhangwei88@qq.com，KYC说姓名不符",
                   lang="zh")
    assert await _reasons(chat, "zh") == ["info_mismatch"]


async def test_chinese_review_passed_closes_the_case(chat: Chat) -> None:
    # M4: "审核通过啦！！" at the review's check-in was not understood
    await chat.say("KYC失败三次了，现在在人工审核", lang="zh")
    await chat.tick(days=10)
    await chat.say("审核通过啦！！", lang="zh")
    await chat.command("status")
    assert chat.ids()[0] == "status_passed", chat.ids()


@pytest.mark.parametrize(("first", "second", "lang"), [
    ("this is my 3rd time, blurry photo again", "sorry, actually it's only my second time", "en"),
    ("这是我第三次了，照片又模糊", "不好意思，其实才第二次", "zh"),
    ("это уже третий раз, опять размытое фото", "извините, на самом деле только второй раз", "ru"),
    ("это уже третий раз, опять размытое фото", "извините, на самом деле только второй", "ru"),
])
async def test_a_count_corrected_down_leaves_a_review_that_never_began(chat: Chat, first: str, second: str,
                                                                      lang: str) -> None:
    # H3: the count stayed 3 and the user was told to wait 7-14 business days for nothing
    await chat.say(first, lang=lang)
    await chat.say(second, lang=lang)
    assert chat.ids()[0] == "count_lowered", chat.ids()
    await chat.command("status")
    assert chat.counts_line(lang, 2, 2) in chat.text
    assert chat.service.kb.message("stage_manual_review", lang) not in chat.text


async def test_saying_which_language_the_app_is_in_asks_for_no_language(chat: Chat) -> None:
    # M5: "my binance app is in chinese" switched an English writer to Chinese
    await chat.say("selfie failed")
    await chat.say("my binance app is in chinese")
    await chat.command("status")
    assert chat.service.kb.message("stage_fixing", "en") in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("привет, пришло на английском:", "ru"), ("你好，币安给我发的是英文邮件：", "zh"),
])
async def test_a_preface_before_a_forward_asks_for_the_notice(chat: Chat, text: str, lang: str) -> None:
    # L2: the preface got the out-of-scope refusal
    await chat.say(text, lang=lang)
    assert chat.ids()[:1] == ["send_notice"], chat.ids()


@pytest.mark.parametrize(("first", "fixed", "lang"), [
    ("我资料里生日填错了，KYC没过", "客服已经改成1990年7月19日了，名字没问题", "zh"),
    ("в профиле неправильная дата рождения, KYC не прошёл", "поддержка поменяла на 19.07.1990, имя правильное", "ru"),
])
async def test_support_changed_the_date_is_support_fixed(chat: Chat, first: str, fixed: str, lang: str) -> None:
    # M6: the bot jumped to the name check instead of "now resubmit"
    await chat.say(first, lang=lang)
    await chat.say(fixed, lang=lang)
    assert chat.ids()[:1] == ["support_fixed_next"] and "resubmitted" in chat.button_keys(), chat.ids()


@pytest.mark.parametrize(("first", "undo", "lang"), [
    ("Reason: Please upload a clear photo of the document", "undo", "en"),
    ("人脸识别失败", "撤销", "zh"),
])
async def test_undo_takes_the_resubmission_back(chat: Chat, first: str, undo: str, lang: str) -> None:
    # M9: "undo" was not understood, and "撤销" opened the permanent-rejection page
    await chat.say(first, lang=lang)
    await chat.command("resubmitted")
    await chat.say(undo, lang=lang)
    assert chat.ids()[:1] == ["resubmission_undone"], chat.ids()
    assert "topic:permanent_rejection" not in chat.ids()


@pytest.mark.parametrize(("parent", "child", "lang"), [
    ("Hi, this is the dad. my KYC failed, the face check didn't work with my glasses on",
     "hi it's his daughter now, mine said Your age does not meet the service requirements, I'm 17", "en"),
    ("我是妈妈，我的人脸识别戴着眼镜没通过", "现在换我女儿说：我的提示“您的年龄不符合服务要求”，我17岁", "zh"),
    ("Здравствуйте, это папа. у меня не прошло распознавание лица, я был в очках",
     "а теперь пишет сын: у меня «Ваш возраст не соответствует требованиям», мне 17", "ru"),
])
async def test_another_person_on_the_same_phone_is_not_one_more_reason(chat: Chat, parent: str, child: str,
                                                                       lang: str) -> None:
    # H5: the child's rejection was merged into the parent's case as a second reason
    await chat.say(parent, lang=lang)
    await chat.say(child, lang=lang)
    assert chat.ids()[:1] == ["another_person"], chat.ids()
    assert await _reasons(chat, lang) == ["face_verification"]
    await chat.say(child, lang=lang)
    await chat.press_key("new_case")  # a separate case for the child, the parent's closed
    await chat.say(child, lang=lang)
    assert "underage" in await _reasons(chat, lang)


@pytest.mark.parametrize(("said", "lang"), [("то же самое", "ru"), ("та же причина", "ru"), ("same as before", "en")])
async def test_same_reason_typed_when_the_review_begins_is_the_third_refusals(chat: Chat, said: str,
                                                                            lang: str) -> None:
    # M7: asked for the 3rd refusal's reason as the review began, "то же самое" was off the topic
    await chat.say({"ru": "Причина: качество изображения не соответствует требованиям",
                    "en": "Reason: Image quality does not meet the requirements"}[lang], lang=lang)
    for _ in range(2):
        await chat.command("resubmitted")
        await chat.tick(hours=25)
        await chat.press_key("rejected_again")
    await chat.say(said, lang=lang)
    assert chat.ids()[:1] == ["review_reason_noted"], chat.ids()
    await chat.command("status")
    assert chat.service.kb.message("stage_manual_review", lang) in chat.text
