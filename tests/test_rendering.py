"""Dates, numbers and plural forms are written the way each language writes them (Babel, CLDR).

`kb.message(key, lang, **values)` formats datetime and number values for the language of the
text it picks, and a message written as a plural map picks the form its count needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.ops.validate import validate_dir

WHEN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday
NNBSP = "\u202f"  # CLDR puts a narrow no-break space before AM/PM


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


# --------------------------------------------------------------------------- the bundled base


@pytest.mark.parametrize(("lang", "shown"), [
    ("en", f"Tue, Mar 3, 9:00{NNBSP}AM UTC"),
    ("zh", "3月3日周二 09:00 UTC"),
    ("ru", "вт, 3 мар., 09:00 UTC"),
    ("pt-br", f"Tue, Mar 3, 9:00{NNBSP}AM UTC"),  # no Portuguese texts: English text, English date
])
def test_a_check_in_date_is_written_as_the_language_writes_dates(
    kb: KnowledgeBase, lang: str, shown: str
) -> None:
    assert shown in kb.message("checkin_on", lang, when=WHEN)


def test_dates_are_in_utc_unless_the_user_set_a_zone(kb: KnowledgeBase) -> None:
    assert kb.message("checkin_on", "en", when=WHEN, tz="Asia/Shanghai") == (
        f"I'll check in on Tue, Mar 3, 5:00{NNBSP}PM China Standard Time.")
    assert "12:00 Москва, стандартное время" in kb.message(
        "checkin_on", "ru", when=WHEN, tz="Europe/Moscow")
    assert kb.message("checkin_on", "en", when=WHEN, tz="Nowhere/Atlantis").endswith("AM UTC.")


def test_english_counts_pick_singular_or_plural(kb: KnowledgeBase) -> None:
    one = kb.message("status_passed", "en", attempts=1)
    three = kb.message("status_passed", "en", attempts=3)
    assert "passed after 1 attempt. " in one
    assert "passed after 3 attempts. " in three
    assert "(s)" not in kb.message("admin_report_reason", "en", title="X", cases=1, passed=0)
    assert kb.message("admin_report_reason", "en", title="X", cases=2, passed=1) == (
        "- X: 2 cases, 1 passed")


def test_no_english_message_writes_a_plural_as_s_in_brackets(kb: KnowledgeBase) -> None:
    assert [key for key, text in kb.messages.items() if any("(s)" in f for f in text.forms())] == []


def test_numbers_are_grouped_per_language(kb: KnowledgeBase) -> None:
    assert "first 4,000 characters" in kb.message("too_long", "en", limit=4000)
    assert "4\xa0000" in kb.message("too_long", "ru", limit=4000)


# --------------------------------------------------------------------------- plural maps in files


@pytest.fixture
def messages(kb_dir: Path) -> Path:
    return kb_dir / "messages.yaml"


@pytest.fixture
def ru(kb_dir: Path) -> Path:
    """An overlay with only messages.yaml, for Russian's four plural categories."""
    folder = kb_dir / "i18n" / "ru"
    folder.mkdir(parents=True)
    path = folder / "messages.yaml"
    path.write_text(
        "version: 1\n"
        "messages:\n"
        "  status_passed:\n"
        "    one: '{attempts} попытка'\n"
        "    few: '{attempts} попытки'\n"
        "    many: '{attempts} попыток'\n"
        "    other: '{attempts} попытки (дробь)'\n"
    )
    return path


def test_russian_picks_one_few_many(kb_dir: Path, ru: Path) -> None:
    kb = load_knowledge(kb_dir)
    assert [kb.message("status_passed", "ru", attempts=n) for n in (1, 2, 5, 21, 1.5)] == [
        "1 попытка", "2 попытки", "5 попыток", "21 попытка", "1,5 попытки (дробь)"]
    assert kb.message("status_passed", "en", attempts=2) == "Message status_passed 2"


def test_a_language_without_the_text_falls_back_to_english_rules(kb_dir: Path, messages: Path) -> None:
    edit(messages, "  status_passed: Message status_passed {attempts}",
         "  status_passed:\n    one: '{attempts} attempt'\n    other: '{attempts} attempts'")
    kb = load_knowledge(kb_dir)
    assert kb.message("status_passed", "ru", attempts=1) == "1 attempt"
    assert kb.message("status_passed", "ru", attempts=3) == "3 attempts"


def test_chinese_has_only_other(kb_dir: Path, ru: Path) -> None:
    zh = kb_dir / "i18n" / "zh"
    zh.mkdir()
    path = zh / "messages.yaml"
    path.write_text("version: 1\nmessages:\n  status_passed:\n    one: '{attempts} 次'\n"
                    "    other: '{attempts} 次'\n")
    errors = validate_dir(kb_dir, matcher=False).errors
    assert errors == [f"{path}:4: plural form 'one' of message 'status_passed' is not used in "
                      "'zh'; 'zh' has other: remove it"]


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("  status_passed:\n    one: '{attempts} attempt'\n",
     "message 'status_passed' has no `other` plural form; add `other:`"),
    ("  status_passed:\n    few: '{attempts} attempts'\n    other: '{attempts} attempts'\n",
     "plural form 'few' of message 'status_passed' is not used in 'en'; 'en' has one, other"),
    ("  status_passed:\n    one: ''\n    other: '{attempts} attempts'\n",
     "plural form 'one' of message 'status_passed' must be a non-empty text"),
    ("  status_passed:\n    one: '{attempt} attempt'\n    other: '{attempts} attempts'\n",
     "message 'status_passed' uses {attempt}, which it cannot fill"),
])
def test_broken_plural_maps(kb_dir: Path, messages: Path, yaml_text: str, expected: str) -> None:
    edit(messages, "  status_passed: Message status_passed {attempts}\n", yaml_text)
    errors = validate_dir(kb_dir, matcher=False).errors
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{messages}:")
    assert expected in errors[0]


def test_plural_forms_only_where_a_count_decides(kb_dir: Path, messages: Path) -> None:
    edit(messages, "  welcome: Message welcome\n",
         "  welcome:\n    one: Hello\n    other: Hello all\n")
    errors = validate_dir(kb_dir, matcher=False).errors
    assert errors == [f"{messages}:3: message 'welcome' has plural forms (one, other), but no "
                      "number decides them here; write one text"]


def test_a_missing_category_is_a_warning_and_uses_other(kb_dir: Path, ru: Path) -> None:
    edit(ru, "    few: '{attempts} попытки'\n", "")
    report = validate_dir(kb_dir, matcher=False)
    assert report.ok
    assert report.warnings == [f"{ru}:3: message 'status_passed' (ru) has no plural form few; "
                               "counts that need it get `other`: add it"]
    assert report.kb is not None
    assert report.kb.message("status_passed", "ru", attempts=3) == "3 попытки (дробь)"


def test_overlay_plural_placeholders_must_be_the_english_ones(kb_dir: Path, ru: Path) -> None:
    edit(ru, "    many: '{attempts} попыток'", "    many: '{attempt} попыток'")
    errors = validate_dir(kb_dir, matcher=False).errors
    assert len(errors) == 1 and "uses {attempt}, {attempts} and the English text {attempts}" \
        in errors[0], errors
