"""Journey audit 33 (console, 200 sessions, checked against the guide), through the entry points
users use: the console process and the conversation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.events import Command, TextMessage
from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat

REPO = Path(__file__).resolve().parent.parent


def test_bytes_that_are_no_utf8_get_an_answer_and_the_session_goes_on(tmp_path: Path, kb: KnowledgeBase) -> None:
    # H1: random bytes on stdin became lone surrogates that OpenCC (and the store) could not
    # encode: the console died after the first reply and the next line was never answered
    script = b"face failed\n\xff\xfe abc\n\xed\xa0\x80zz\n1\n"
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "KYC_HELPER_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "bot", "console", "--now", "2026-03-02T09:00+00:00"],
                          input=script, capture_output=True, cwd=REPO, env=env, timeout=120)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr and b"store unavailable" not in proc.stderr, proc.stderr
    steps = kb.reasons["face_verification"].steps
    assert out.count(steps[0].text.get().splitlines()[0]) >= 3  # asked again after each odd line
    pressed = out.rsplit("you> 1\n", 1)[1]  # and "1" still pressed the first button: the next step
    assert pressed.startswith("bot: ") and steps[0].text.get().splitlines()[0] not in pressed, pressed


def test_events_never_carry_lone_surrogates() -> None:
    assert TextMessage("a\udcff b").text == "a\ufffd b"
    assert Command("start", "x\ud800").arg == "x\ufffd"
    assert TextMessage("日本 ok").text == "日本 ok"


@pytest.mark.parametrize(("notice", "again", "lang"), [
    ("Reason: Image quality does not meet the requirements", "rejected again, same reason", "en"),
    ("Reason: Image quality does not meet the requirements",
     "rejected again, same reason: image quality does not meet the requirements", "en"),
    ("原因：照片模糊", "又被拒了，原因一样", "zh"),
    ("Причина: фото размыто", "опять отказ, причина та же", "ru"),
])
async def test_the_same_reason_told_with_the_third_rejection_is_in_the_summary(
        chat: Chat, notice: str, again: str, lang: str) -> None:
    # H2: at the 3rd (and 5th) failure the stage spoke first and "same reason" was lost: the
    # support summary said "reason not told" for that attempt
    await chat.say(notice, lang=lang)
    for _ in range(2):
        await chat.command("resubmitted")
        await chat.tick(hours=25)
        await chat.say(again, lang=lang)
    await chat.command("summary")
    attempts = chat.attempt_lines()
    title = chat.service.kb.reasons["blurry_photo"].title.get(lang)
    assert len(attempts) == 3 and all(title in line for line in attempts), chat.text


@pytest.mark.parametrize(("first", "new", "lang"), [
    ("photo was blurry",
     "it got rejected again but this time it says the information submitted does not match the document", "en"),
    ("照片模糊", "又被拒了，这次说填写的信息和证件不一致", "zh"),
    ("фото размытое", "опять отказ, теперь пишут что данные не совпадают с документом", "ru"),
])
async def test_typing_1_after_a_new_notice_picks_the_fix_not_the_undo(
        chat: Chat, first: str, new: str, lang: str) -> None:
    # M4: the "not new: that's the old notice" button came first, so "1", typed for the new
    # step's first option, silently took the counted rejection back
    await chat.say(first, lang=lang)
    await chat.command("resubmitted")
    await chat.tick(hours=25)
    await chat.say(new, lang=lang)
    assert chat.button_keys()[-1] == "not_new_rejection", chat.button_keys()
    await chat.say("1", lang=lang)
    await chat.command("status")
    assert chat.counts_line(lang, 2, 2) in chat.text, chat.text


@pytest.mark.parametrize(("text", "lang"), [
    ("check this https://binance-kyc-verify.support-desk.xyz/login is it real?", "en"),
    ("<a href=\"http://evil.ru\">verify here</a>", "en"),
    ("客服发我的链接 http://binance-cn-kyc.top/verify 能用吗", "zh"),
    ("мне прислали binance-verify-kyc.ru/form это норм?", "ru"),
    ("support sent me t.me/binance_kyc_help", "en"),
])
async def test_a_link_that_is_not_binance_gets_a_warning(chat: Chat, text: str, lang: str) -> None:
    # M1: lookalike links got "I only help with verification" or "I didn't quite get that"
    await chat.say({"en": "blurry photo", "zh": "照片模糊", "ru": "фото размытое"}[lang], lang=lang)
    await chat.say(text, lang=lang)
    assert chat.ids()[0] == "link_unofficial", chat.ids()
    assert "topic:safety" in chat.button_keys()
    # and no "I only help with verification" or "use the buttons" after it
    assert not {"nothing_matched", "use_buttons"} & set(chat.ids()), chat.ids()


@pytest.mark.parametrize("text", [
    "I opened https://www.binance.com/en/support and the photo was blurry",
    "my photo was blurry on binance.com",
    "我在binance.com上传的照片模糊",
])
async def test_the_official_site_gets_no_warning(chat: Chat, text: str) -> None:
    await chat.say(text)
    assert "link_unofficial" not in chat.ids(), chat.ids()
    assert chat.ids()[0] == "diagnosis", chat.ids()


async def test_asking_support_to_speed_up_gets_the_speed_up_answer(chat: Chat) -> None:
    # M2: "Contacting Customer Support" did not say whether the review can go faster (the guide:
    # yes, support can prioritise it, but the review is not skipped)
    await chat.say("face check failed")
    await chat.say("can I contact support to speed it up?")
    assert "topic:speed_up_review" in chat.ids() and "topic:contact_support" not in chat.ids(), chat.ids()


async def test_a_sentence_pasted_eighty_times_reads_as_once(chat: Chat) -> None:
    # M3: the repeats added up to "paying someone to verify for you", never mentioned
    once = "I have been trying to verify my account for weeks and nothing works. "
    await chat.say(once)
    alone = chat.ids()
    await chat.command("forget")
    await chat.say("yes")
    await chat.say((once * 80)[:3990])
    assert "topic:kyc_for_hire" not in chat.ids(), chat.ids()
    assert [i for i in chat.ids() if i != "too_long"] == alone


def test_the_console_says_when_each_follow_up_of_a_long_wait_arrives(tmp_path: Path, kb: KnowledgeBase) -> None:
    # L3: a question and two reminders a day apart, passed in one /wait, looked like one burst
    from tests.test_console import console
    out = console(tmp_path / "c.db", "blurry photo\n/resubmitted\n/wait 4d\n")
    after = out.split("/wait 4d", 1)[1]
    stamps = [line for line in after.splitlines() if line.startswith("(console) ") and " UTC" in line][1:]
    assert len(stamps) == 3 and len(set(stamps)) == 3, after  # three days, three times
    assert after.count(kb.message("followup_question")) == 1


@pytest.mark.parametrize(("text", "lang"), [
    ("мне 16, можно пройти по маминому паспорту?", "ru"),
    ("我17岁，能用我妈的身份证认证吗", "zh"),
    ("I'm 16, can I verify with my mom's passport?", "en"),
])
async def test_a_minors_question_opens_no_failed_attempt(chat: Chat, text: str, lang: str) -> None:
    # L7: the Russian question ("можно ...?" without "ли") opened an under-age case with one
    # failure; the Chinese and English ones were read as the questions they are
    await chat.say(text, lang=lang)
    await chat.command("status")
    assert chat.counts_line(lang, 1, 1) not in chat.text, chat.text


@pytest.mark.parametrize(("question", "lang"), [
    ("can I just use a scan from my printer instead?", "en"),
    ("а скан можно загрузить?", "ru"),
])
async def test_a_question_the_step_on_screen_answers_is_acknowledged(chat: Chat, question: str, lang: str) -> None:
    # L1: the step came again with no word that it is the answer ("Do not upload a scan...")
    await chat.say({"en": "my photo was blurry", "ru": "фото размытое"}[lang], lang=lang)
    scan = next(s for s in chat.service.kb.reasons["blurry_photo"].steps
                if not s.is_question and "scan" in s.text.get("en"))
    while chat.ids()[-1] != f"step:blurry_photo/{scan.id}":
        keys = chat.button_keys()
        await chat.press_key("option:4" if "option:4" in keys else "next")
    await chat.say(question, lang=lang)
    assert chat.ids()[0] == "step_answers" and chat.ids()[-1] == f"step:blurry_photo/{scan.id}", chat.ids()


async def test_a_fixed_offset_zone_is_named_the_same_way_everywhere(chat: Chat) -> None:
    # L4: "I'll show dates and times in UTC+03:00. It's now ... GMT+03:00"
    await chat.say("face check failed")
    await chat.command("timezone", "+3")
    assert "GMT" not in chat.text and chat.text.count("UTC+03:00") == 2, chat.text
