"""A language added the way knowledge/README.md says ("Adding a language"), with YAML only
(audit 40, H1 and H2): a copy of the bundled knowledge with the audit's small Spanish overlay
(`i18n/es/messages.yaml` and one reason), nothing else changed.

A user who picks Español, whose Telegram client says `es`, or who writes Spanish is answered in
Spanish (English per text where Spanish has none) and never told that the bot cannot write
Spanish; "I can only write in ..." names every language the knowledge base has, in each
language; the bundled three keep their texts; `validate` warns about a written language's words
listed as foreign, a language missing from `language_names`, and an overlay `privacy.yaml`
copied over from another language.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.knowledge.languages import fold
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.ops.validate import validate_dir
from bot.understanding.language import OwnWords
from tests import test_telegram
from tests.chat import Chat, FrozenClock
from tests.fake_bot_api import FakeBotApi
from tests.test_telegram import serving
from tests.test_telegram_languages import screen

REPO = Path(__file__).resolve().parent.parent
bot_settings = test_telegram.bot_settings  # a bot on the fake Bot API

#: what the audit's operator wrote (audit40.md, H1), as the manual says
SPANISH_MESSAGES = """\
version: 1
messages:
  language_name: Español
  language_aliases: spanish, in spanish, español, en español, castellano
  welcome: |-
    ¡Hola! Te ayudo cuando Binance no aprobó tu verificación de identidad (KYC).
  diagnosis: |-
    Parece que es: {title}.
    Alrededor del {share}% de los rechazos son por este motivo.

    {summary}
"""
SPANISH_EXPIRED = """\
version: 1
title: Documento vencido
summary: >-
  El documento que usaste está vencido, así que Binance no pudo aceptarlo.
examples:
  - mi pasaporte está vencido
  - mi documento está caducado
  - me rechazaron porque mi identificación está vencida
  - el documento ya venció
  - mi dni caducó el mes pasado
"""


def add_spanish(root: Path) -> None:
    """Add the audit's Spanish overlay to the knowledge folder `root` (its privacy.yaml kept)."""
    es = root / "i18n" / "es"
    (es / "reasons").mkdir(parents=True, exist_ok=True)
    (es / "messages.yaml").write_text(SPANISH_MESSAGES, encoding="utf-8")
    (es / "reasons" / "expired_document.yaml").write_text(SPANISH_EXPIRED, encoding="utf-8")


@pytest.fixture(scope="module")
def es_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("es") / "knowledge"
    shutil.copytree(REPO / "knowledge", root)
    add_spanish(root)
    return root


@pytest.fixture(scope="module")
def es_kb(es_dir: Path) -> KnowledgeBase:
    return load_knowledge(es_dir)


@pytest.fixture
async def es_chat(es_kb: KnowledgeBase, tmp_path: Path) -> AsyncIterator[Chat]:
    c = await Chat.open(es_kb, tmp_path / "bot.sqlite3", clock=FrozenClock())
    yield c
    await c.close()


def diagnosis(kb: KnowledgeBase, lang: str) -> str:
    reason = kb.reasons["expired_document"]
    return kb.message("diagnosis", lang, title=reason.title.get(lang), share=f"{reason.share:g}",
                      summary=reason.summary.get(lang))


async def reply_language(chat: Chat) -> str:
    """The language the user is answered in, as /language says it ("Now: Español")."""
    await chat.command("language")
    return chat.last[0].text.rsplit(":", 1)[1].strip().rstrip(".")


# --------------------------------------------------------------------------- the user


async def test_a_user_who_picks_spanish_is_answered_in_spanish(es_kb: KnowledgeBase, es_chat: Chat) -> None:
    await es_chat.command("language")
    assert es_chat.buttons() == ["English", "Español", "Русский", "中文"]
    await es_chat.say("2")  # as the audit typed it
    assert es_chat.ids()[0] == "language_set"

    replies = await es_chat.say("mi pasaporte está vencido")
    assert "language_unsupported" not in es_chat.ids(), es_chat.ids()
    assert es_chat.ids()[0] == "diagnosis"
    assert replies[0].text == diagnosis(es_kb, "es")
    # Spanish's question marks and greetings are no other language any more
    await es_chat.say("¿cuánto tarda la revisión manual?")
    assert "language_unsupported" not in es_chat.ids(), es_chat.ids()
    await es_chat.say("hola, gracias, ya entiendo")
    assert "language_unsupported" not in es_chat.ids(), es_chat.ids()
    assert await reply_language(es_chat) == "Español"


async def test_a_user_who_writes_spanish_is_answered_in_spanish(es_kb: KnowledgeBase, es_chat: Chat) -> None:
    replies = await es_chat.say("hola, mi pasaporte está vencido")
    assert es_chat.ids()[0] == "diagnosis", es_chat.ids()
    assert replies[0].text == diagnosis(es_kb, "es")
    assert await reply_language(es_chat) == "Español"


async def test_a_spanish_client_writing_spanish_stays_in_spanish(es_kb: KnowledgeBase, es_chat: Chat) -> None:
    from bot.core.events import Command

    replies = await es_chat.send(Command("start", ""), lang="es")
    assert replies[0].text == es_kb.message("welcome", "es")
    # (the audit: the first typed message had switched them to English, "how": "written")
    replies = await es_chat.say("mi pasaporte está vencido", lang="es")
    assert replies[0].text == diagnosis(es_kb, "es")
    await es_chat.say("me rechazaron otra vez, qué hago", lang="es")
    assert "language_unsupported" not in es_chat.ids(), es_chat.ids()
    assert await reply_language(es_chat) == "Español"


async def test_english_stays_english_beside_spanish(es_kb: KnowledgeBase, es_chat: Chat) -> None:
    replies = await es_chat.say("my passport is expired, that's why my kyc was rejected")
    assert replies[0].text == diagnosis(es_kb, "en")
    assert await reply_language(es_chat) == "English"


async def test_i_can_only_write_in_names_the_added_language(es_chat: Chat) -> None:
    await es_chat.say("Mein Konto wurde nicht verifiziert, warum?")
    assert es_chat.ids()[0] == "language_unsupported", es_chat.ids()
    text = es_chat.last[0].text
    # (English's language_names has no "es: Spanish": Spanish is named in its own words)
    assert "English, Español, Russian (Русский), and Chinese (中文)" in text, text


async def test_a_spanish_client_on_telegram_is_answered_in_spanish(
    api: FakeBotApi, bot_settings, es_kb: KnowledgeBase, es_dir: Path
) -> None:
    settings = dataclasses.replace(bot_settings, knowledge_dir=str(es_dir))
    async with serving(api, settings, es_kb, clock=FrozenClock()) as h:
        await h.say("/start", language_code="es")
        assert es_kb.message("welcome", "es") in screen(api)
        await h.say("mi pasaporte está vencido", language_code="es")
        assert diagnosis(es_kb, "es") in screen(api)
        assert diagnosis(es_kb, "en") not in screen(api)
        assert "I can only write" not in screen(api)


# --------------------------------------------------------------------------- the bundled three


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "Sorry, I can only write in English, Russian (Русский), and Chinese (中文) for now."),
    ("ru", "Извините, пока я пишу только на этих языках: русский, английский (English) и "
           "китайский (中文)."),
    ("zh", "抱歉，我目前只能用中文、英文（English）和俄文（Русский）交流。"),
])
async def test_i_can_only_write_in_names_the_bundled_three(chat: Chat, lang: str, said: str) -> None:
    await chat.command("language", lang)
    await chat.say("Mein Konto wurde nicht verifiziert, warum?")
    assert chat.ids()[0] == "language_unsupported", chat.ids()
    assert said in chat.last[0].text, chat.last[0].text


async def test_spanish_is_still_foreign_without_its_folder(chat: Chat) -> None:
    await chat.say("mi verificación fue rechazada")
    assert chat.ids()[0] == "language_unsupported", chat.ids()
    await chat.say("¿cuánto tarda?")
    assert chat.ids()[0] == "language_unsupported", chat.ids()


def test_own_words_tell_a_language_the_script_does_not() -> None:
    reader = OwnWords({"es": {"pasaporte", "está", fold("está"), "vencido", "gracias"}},
                      {"en": {"my", "passport", "is", "expired", "ok"}})
    assert reader.language("mi pasaporte esta vencido", "en") == "es"  # (typed without accents)
    assert reader.language("my passport is expired", "en") == "en"
    assert reader.language("ok gracias", "en") == "en"  # a tie: the script's...
    assert reader.language("ok gracias", "en", current="es") == "es"  # ... or the user's
    # no word of either: a Spanish user is not switched to English by Latin letters alone
    assert reader.language("licencia expirada ayer", "en", current="es") == "es"
    assert reader.language("licencia expirada ayer", "en") == "en"
    assert reader.language("my passport", "en", current="es") == "en"
    assert reader.language("密码", "zh") == "zh"
    assert not OwnWords({}, {}) and OwnWords({}, {}).language("hola", "en") == "en"


# --------------------------------------------------------------------------- validate


def test_validate_is_quiet_about_the_added_language_and_names_the_missing_names(es_dir: Path) -> None:
    report = validate_dir(es_dir, matcher=False)
    assert report.ok, report.errors
    assert report.kb is not None and "es" in report.kb.languages
    assert not [w for w in report.warnings if "foreign_words" in w or "privacy.yaml" in w], report.warnings
    names = [w for w in report.warnings if "language_names" in w]
    assert len(names) == 3 and all("does not name es" in w for w in names), names
    assert any(w.startswith(f"{es_dir / 'messages.yaml'}:") for w in names), names


def test_validate_warns_about_a_written_languages_words_listed_as_foreign(kb_dir: Path) -> None:
    add_spanish(kb_dir)
    (kb_dir / "matching.yaml").write_text(
        "version: 1\nforeign_words: [wurde, nicht,\n"
        "                está, vencido]\n", encoding="utf-8")
    warnings = [w for w in validate_dir(kb_dir, matcher=False).warnings if "foreign_words" in w]
    assert len(warnings) == 2, warnings
    assert all(w.startswith(f"{kb_dir / 'matching.yaml'}:3: foreign_words: '") for w in warnings), warnings
    assert "'está'" in warnings[0] + warnings[1] and "is a word of es" in warnings[0]
    # listed for their language, they are no foreign words once it is written: nothing to say
    (kb_dir / "matching.yaml").write_text(
        "version: 1\nforeign_words:\n  de: [wurde, nicht]\n  es: [está, vencido]\n", encoding="utf-8")
    report = validate_dir(kb_dir, matcher=False)
    assert report.ok and not [w for w in report.warnings if "foreign_words" in w], report.warnings


def test_validate_rejects_a_foreign_words_key_that_is_no_language(kb_dir: Path) -> None:
    (kb_dir / "matching.yaml").write_text(
        "version: 1\nforeign_words:\n  Spanish: [fue]\n  de: wurde\n", encoding="utf-8")
    errors = validate_dir(kb_dir, matcher=False).errors
    assert any(":3: foreign_words key 'Spanish' is not a language code" in e for e in errors), errors
    assert any(":4: foreign_words of 'de' must be a list" in e for e in errors), errors


def test_validate_warns_about_a_privacy_file_copied_from_another_language(kb_dir: Path) -> None:
    ru, es = kb_dir / "i18n" / "ru", kb_dir / "i18n" / "es"
    ru.mkdir(parents=True)
    es.mkdir(parents=True)
    shutil.copy(REPO / "knowledge" / "i18n" / "ru" / "privacy.yaml", ru / "privacy.yaml")
    shutil.copy(REPO / "knowledge" / "i18n" / "es" / "privacy.yaml", es / "privacy.yaml")
    assert not [w for w in validate_dir(kb_dir, matcher=False).warnings if "privacy.yaml" in w]
    # the manual's old first step, merged: `cp -r knowledge/i18n/ru/. knowledge/i18n/es/`
    shutil.copy(ru / "privacy.yaml", es / "privacy.yaml")
    add_spanish(kb_dir)
    warnings = [w for w in validate_dir(kb_dir, matcher=False).warnings if "privacy.yaml" in w]
    assert f"{es / 'privacy.yaml'}:1: this file is byte for byte the same as {ru / 'privacy.yaml'}" in \
        "\n".join(warnings), warnings
    # (Russian's own file, its header naming Russian, is the original: nothing to fix there)
    assert len(warnings) == 1, warnings


def test_the_manual_copies_a_language_into_an_existing_folder_and_keeps_its_privacy_file() -> None:
    manual = (REPO / "knowledge" / "README.md").read_text(encoding="utf-8")
    section = manual.split("### Adding a language", 1)[1].split("\n### ", 1)[0]
    assert "cp -r knowledge/i18n/ru knowledge/i18n/es" not in section
    assert "privacy.yaml" in section
    for name in ("foreign_words", "language_name", "language_names", "language_aliases",
                 "language_in_list", "language_unsupported", "language_nearest"):
        assert name in section, name
