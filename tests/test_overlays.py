"""Language overlays (knowledge/i18n/<lang>/): texts merged per language, matching data kept per
language, and every overlay key the base does not have reported as `file:line` with a did-you-mean.

The overlay is tests/data/i18n/es, copied into the small test tree of tests/conftest.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app.service import Service
from bot.cli import main
from bot.core.events import Command
from bot.knowledge.loader import load_knowledge
from bot.ops.validate import ValidationReport, validate_dir
from tests.chat import FrozenClock

FIXTURE = Path(__file__).resolve().parent / "data" / "i18n" / "es"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def check(kb_dir: Path) -> ValidationReport:
    return validate_dir(kb_dir, matcher=False)


def only_error(kb_dir: Path) -> str:
    errors = check(kb_dir).errors
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture
def es(kb_dir: Path) -> Path:
    """The test tree with the Spanish overlay in i18n/es/; returns the overlay folder."""
    target = kb_dir / "i18n" / "es"
    shutil.copytree(FIXTURE, target)
    return target


# --------------------------------------------------------------------------- what it adds


def test_translated_texts_are_used_and_the_rest_falls_back_to_english(kb_dir: Path, es: Path) -> None:
    kb = load_knowledge(kb_dir)
    reason = kb.reasons["expired_document"]
    assert reason.title.get("es") == "Documento caducado"
    assert reason.title.get("es-mx") == "Documento caducado"
    assert reason.triggers[0].get("es") == "La fecha de caducidad impresa en el documento ya pasó."
    assert [o.label.get("es") for o in reason.step("choose").options] == [
        "Lo voy a renovar", "Tengo pasaporte", "¿Cuánto tarda la revisión?"]
    # not translated: English, per text
    assert reason.step("renew").text.get("es") == "Renew the document at the office that issued it."
    assert kb.reasons["underage"].title.get("es") == "underage"
    assert kb.topics["review_times"].title.get("es") == "Cuánto tarda la revisión"
    assert kb.message("too_long", "es", limit=4000) == (
        "Mensaje largo; leo solo los primeros 4.000 caracteres.")  # grouped as Spanish does
    assert kb.message("help", "es") == "Message help"
    assert kb.button("next", "es") == "Siguiente ➡️"
    assert kb.commands["start"].get("es") == "Empezar"
    assert kb.languages == ("en", "es")


def test_matching_data_is_added_per_language_with_its_lines(kb_dir: Path, es: Path) -> None:
    kb = load_knowledge(kb_dir)
    reason = kb.reasons["expired_document"]
    english = reason.phrasing("en")
    spanish = reason.phrasing("es")
    assert english.examples == reason.examples and len(english.examples) == 25
    assert spanish.examples[0] == "mi pasaporte caducó el mes pasado"
    assert spanish.notices == ("El documento que enviaste ha caducado",)
    assert spanish.keywords == ("caducado", "vencido")
    path = es / "reasons" / "expired_document.yaml"
    source = spanish.example_sources[0]
    assert (source.path, source.line, source.lang) == (
        str(path), line_of(path, "mi pasaporte caducó"), "es")
    assert reason.example_sources[0].lang == "en"
    assert [p.lang for p in reason.phrasings()] == ["en", "es"]
    assert kb.reasons["underage"].phrasing("es").examples == ()
    assert kb.topics["review_times"].phrasing("es").examples[0] == "cuánto tarda la revisión"
    assert kb.negatives_in("es").examples == ("hola", "cuál es el precio del bitcoin")
    assert kb.negatives == ("hi", "what is the bitcoin price", "no", "123")
    assert kb.matching_in("es")["stop_words"] == ["el", "la", "mi"]
    assert "synonyms" not in kb.matching_in("en")
    # typed phrases: the overlay's are added to the English ones
    assert kb.intents["passed"] == ("passed please", "ya pasó", "aprobado")
    assert kb.intent_overlays["es"]["next"] == ("siguiente", "vale")


async def test_a_spanish_user_gets_spanish_where_translated_and_english_elsewhere(
    kb_dir: Path, es: Path, tmp_path: Path
) -> None:
    kb = load_knowledge(kb_dir)
    service = await Service.open(kb, str(tmp_path / "db.sqlite3"), FrozenClock())
    try:
        replies = await service.handle("test", "u1", Command("start"), lang="es")
    finally:
        await service.close()
    texts = [r.text for r in replies]
    assert texts[0] == "Hola, te ayudo con la verificación."
    assert texts[1].startswith("Message safety")  # not translated: the English text, filled in
    assert [b.label for b in replies[0].buttons[0]] == ["Ver los motivos"]


def test_the_validator_prints_a_coverage_table(kb_dir: Path, es: Path, capsys) -> None:
    assert main(["validate", str(kb_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    # (the overlay has no language_name: /language would name Spanish "English")
    warnings = [line for line in out if line.startswith("warning: ")]
    assert len(warnings) == 1 and "'es' has no language_name" in warnings[0], warnings
    out = out[len(warnings):]
    assert out[0].split() == ["coverage", "en", "es"]
    texts = next(line for line in out if line.startswith("texts translated")).split()
    total = int(texts[2].split("/")[1])
    assert texts[2:] == [f"{total}/{total}", f"17/{total}"]
    assert next(line for line in out if "expired_document" in line).split() == [
        "expired_document", "25", "3*"]
    assert next(line for line in out if "underage" in line).split() == ["underage", "25", "0*"]
    assert next(line for line in out if line.startswith("negatives")).split()[-2:] == ["4", "2*"]
    assert out[-1] == ("OK: 8 reasons, 16 topics, 236 examples; languages en, es with 7 more "
                       "examples")


def test_the_validator_lists_what_is_not_translated(kb_dir: Path, es: Path, capsys) -> None:
    assert main(["validate", str(kb_dir), "--missing", "es"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "messages.yaml: messages.help" in out
    assert "reasons/expired_document.yaml: steps.renew.text" in out
    assert "reasons/expired_document.yaml: steps.choose.text" not in out
    assert "messages.yaml: messages.date_format" not in out


def test_a_base_without_overlays_prints_no_table(kb_dir: Path, capsys) -> None:
    assert main(["validate", str(kb_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["OK: 8 reasons, 16 topics, 236 examples"]


# --------------------------------------------------------------------------- what it may not do


def test_unknown_message_key_suggests_the_english_one(kb_dir: Path, es: Path) -> None:
    messages = es / "messages.yaml"
    edit(messages, "  welcome:", "  welcom:")
    assert only_error(kb_dir) == (
        f"{messages}:3: message 'welcom' is not in the English messages.yaml; did you mean "
        "'welcome'? an overlay translates existing keys only: fix the name or remove it")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{limit} caracteres", "{limite} caracteres",
         "message 'too_long' uses {limite} and the English text {limit}; use exactly the "
         "English placeholders: add {limit}; {limite} is not one of them (did you mean 'limit'?)"),
        ("{limit} caracteres", "muchos caracteres",
         "message 'too_long' uses no placeholders and the English text {limit}; use exactly the "
         "English placeholders: add {limit}"),
        ("{limit} caracteres", "{limit} caracteres {attempt}",
         "message 'too_long' uses {attempt}, {limit} and the English text {limit}; use exactly "
         "the English placeholders: {attempt} is not one of them"),
        ("{limit} caracteres", "{limit caracteres", "message 'too_long' has a broken {placeholder}"),
    ],
)
def test_placeholders_must_be_the_english_ones(
    kb_dir: Path, es: Path, old: str, new: str, expected: str
) -> None:
    messages = es / "messages.yaml"
    edit(messages, old, new)
    error = only_error(kb_dir)
    assert error.startswith(f"{messages}:{line_of(messages, 'too_long')}: {expected}")


def test_unknown_step_id_lists_the_steps(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "  resubmit:", "  resubmt:")
    assert only_error(kb_dir) == (
        f"{path}:{line_of(path, 'resubmt:')}: step 'resubmt' is not a step of reason "
        "'expired_document'; did you mean 'resubmit'? known: check_date, choose, renew, switch, "
        "resubmit")


def test_option_count_must_match_the_english_step(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "      - Tengo pasaporte\n", "")
    assert only_error(kb_dir) == (
        f"{path}:{line_of(path, 'options:')}: step 'choose' of reason 'expired_document' (es) "
        "has 2 option(s), the English step 3 (I'll renew it; I have a passport; How long does "
        "review take?); translate each label, in the same order")


def test_options_on_a_step_without_options(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "  resubmit:\n", "  resubmit:\n    options: [Sí]\n")
    assert "step 'resubmit' of reason 'expired_document' (es) has options, the English step has " \
           "none" in only_error(kb_dir)


def test_trigger_count_must_match(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "triggers:\n", "triggers:\n  - Otro motivo.\n")
    assert only_error(kb_dir) == (
        f"{path}:{line_of(path, 'triggers:')}: `triggers` of reason 'expired_document' (es) has "
        "2 item(s), the English file 1; translate each one, in the same order")


def test_reason_file_without_a_base_reason(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_documents.yaml"
    (es / "reasons" / "expired_document.yaml").rename(path)
    error = only_error(kb_dir)
    assert error.startswith(
        f"{path}:1: reason 'expired_documents' is not in the base knowledge; did you mean "
        "'expired_document'? an overlay translates an existing reasons/<id>.yaml: known: ")


def test_topic_file_without_a_base_topic(kb_dir: Path, es: Path) -> None:
    path = es / "topics" / "review_time.yaml"
    (es / "topics" / "review_times.yaml").rename(path)
    assert "topic 'review_time' is not in the base knowledge; did you mean 'review_times'?" \
        in only_error(kb_dir)


def test_misspelt_key_suggests_the_right_one(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "examples:", "exampels:")
    assert only_error(kb_dir) == (
        f"{path}:{line_of(path, 'exampels')}: unknown key 'exampels' in reason "
        "'expired_document' (es); did you mean 'examples'? allowed keys: version, id, title, "
        "summary, triggers, steps, support, notices, keywords, negative_keywords, examples")


@pytest.mark.parametrize(("old", "new"), [
    ("title: Documento caducado", "title: Documento caducado\nshare: 5"),
    ("  resubmit:\n", "  resubmit:\n    end: resubmit\n"),
])
def test_structure_is_never_repeated_in_an_overlay(kb_dir: Path, es: Path, old: str, new: str) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, old, new)
    assert "is structure, which lives only in the English file; an overlay holds text: remove " \
           "it" in only_error(kb_dir)


def test_id_must_be_the_file_name(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "id: expired_document", "id: expired")
    assert only_error(kb_dir) == (
        f"{path}:2: id 'expired' does not match the file name 'expired_document.yaml'; set "
        "`id: expired_document`")


def test_overlay_text_is_the_text_itself(kb_dir: Path, es: Path) -> None:
    path = es / "reasons" / "expired_document.yaml"
    edit(path, "title: Documento caducado", "title:\n  es: Documento caducado")
    assert "`title` of reason 'expired_document' (es) is a map; in an overlay write the es " \
           "text itself" in only_error(kb_dir)


def test_unknown_intent(kb_dir: Path, es: Path) -> None:
    messages = es / "messages.yaml"
    edit(messages, "  passed:", "  pased:")
    assert "intent 'pased' is not one of the English intents; did you mean 'passed'?" \
        in only_error(kb_dir)


def test_unknown_file_in_a_language_folder(kb_dir: Path, es: Path) -> None:
    (es / "messages.yaml").rename(es / "message.yaml")
    assert only_error(kb_dir) == (
        f"{es / 'message.yaml'}:1: 'message.yaml' is not part of a language overlay; did you "
        "mean 'messages.yaml'? an overlay holds matching.yaml, messages.yaml, negatives.yaml, "
        "privacy.yaml, reasons, topics")


@pytest.mark.parametrize("name", ["Spanish", "en"])
def test_folder_must_be_an_overlay_language(kb_dir: Path, es: Path, name: str) -> None:
    es.rename(es.parent / name)
    assert f"'{name}' is not an overlay language" in only_error(kb_dir)


def test_bad_pattern_in_an_overlay_matching_file(kb_dir: Path, es: Path) -> None:
    path = es / "matching.yaml"
    edit(path, "'(?i)atentamente,?'", "'(atentamente'")
    assert "`boilerplate` pattern '(atentamente' is not a valid regular expression" \
        in only_error(kb_dir)


def test_the_same_example_under_two_entries_of_one_language(kb_dir: Path, es: Path) -> None:
    negatives = es / "negatives.yaml"
    edit(negatives, "  - hola\n", "  - hola\n  - cuánto tarda la revisión\n")
    assert only_error(kb_dir).startswith(
        f"{negatives}:4: example 'cuánto tarda la revisión' is also an example of topic "
        "'review_times'")


def test_a_folder_without_texts_is_not_a_language_the_bot_speaks(kb_dir: Path, es: Path) -> None:
    """i18n/hi/ with only the redactor's words: no error, and not offered as a language."""
    hi = kb_dir / "i18n" / "hi"
    hi.mkdir()
    (hi / "privacy.yaml").write_text("version: 1\ncues:\n  name: [mera naam]\n")
    kb = load_knowledge(kb_dir)
    assert kb.languages == ("en", "es")
