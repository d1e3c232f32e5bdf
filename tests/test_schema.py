"""One schema per knowledge file kind: a key the schema does not declare is a `file:line` error
with a did-you-mean, in every kind of file, and each policy number has one default.

Each case misspells one key in a broken copy of the small test tree (tests/conftest.py), with
the Spanish overlay of tests/data/i18n/es added so that overlay files are covered too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.knowledge.policy import MATCHING_DEFAULTS, MatchingSettings
from bot.ops.validate import validate_dir

FIXTURE = Path(__file__).resolve().parent / "data" / "i18n" / "es"


@pytest.fixture
def tree(kb_dir: Path) -> Path:
    shutil.copytree(FIXTURE, kb_dir / "i18n" / "es")
    (kb_dir / "matching.yaml").write_text("version: 1\nstop_words: [the]\n")
    return kb_dir


def misspell(path: Path, old: str, new: str) -> int:
    """Replace `old` (which must be there) by `new`; return the line it is on."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    before = text[: text.index(old)]
    path.write_text(text.replace(old, new, 1))
    return before.count("\n") + 1 + new[: len(new) - len(new.lstrip("\n"))].count("\n")


CASES = [
    # file, old, new, misspelt key, the key it should be
    ("reasons/expired_document.yaml", "summary:", "sumary:", "sumary", "summary"),
    ("reasons/expired_document.yaml", "    next: resubmit", "    nxt: resubmit", "nxt", "next"),
    ("reasons/expired_document.yaml", "      - label: I'll renew it", "      - lable: I'll renew it",
     "lable", "label"),
    ("topics/safety.yaml", "answer:", "answr:", "answr", "answer"),
    ("messages.yaml", "\nbuttons:", "\nbuttns:", "buttns", "buttons"),
    ("negatives.yaml", "examples:", "exampels:", "exampels", "examples"),
    ("matching.yaml", "stop_words:", "stop_word:", "stop_word", "stop_words"),
    ("policy.yaml", "retention_days:", "retention_day:", "retention_day", "retention_days"),
    ("policy.yaml", "  lock_after:", "  lock_aftr:", "lock_aftr", "lock_after"),
    ("policy.yaml", "  intent_cutoff:", "  intent_cutof:", "intent_cutof", "intent_cutoff"),
    ("policy.yaml", "  min_score:", "  min_scor:", "min_scor", "min_score"),
    ("i18n/es/reasons/expired_document.yaml", "examples:", "exampels:", "exampels", "examples"),
    ("i18n/es/reasons/expired_document.yaml", "    text: ¿Puedes", "    txt: ¿Puedes", "txt", "text"),
    ("i18n/es/topics/review_times.yaml", "answer:", "answr:", "answr", "answer"),
    ("i18n/es/messages.yaml", "intents:", "intens:", "intens", "intents"),
    ("i18n/es/negatives.yaml", "examples:", "exampls:", "exampls", "examples"),
    ("i18n/es/matching.yaml", "synonyms:", "synonym:", "synonym", "synonyms"),
]


@pytest.mark.parametrize(("file", "old", "new", "wrong", "right"), CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_a_misspelt_key_in_any_file_is_an_error_with_a_suggestion(
    tree: Path, file: str, old: str, new: str, wrong: str, right: str
) -> None:
    path = tree / file
    line = misspell(path, old, new)
    report = validate_dir(tree, matcher=False)
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith(f"{path}:{line}: unknown key '{wrong}' in ")
    assert f"did you mean '{right}'?" in report.errors[0]


def test_the_policy_matching_section_names_its_numbers(tree: Path) -> None:
    policy = tree / "policy.yaml"
    misspell(policy, "  min_score:", "  min_scor:")
    error = validate_dir(tree, matcher=False).errors[0]
    assert error.startswith(f"{policy}:{error.split(':')[1]}: unknown key 'min_scor' in "
                            "`matching`; did you mean 'min_score'? allowed keys: max_chars, ")


def test_matching_numbers_left_out_take_their_one_default(tree: Path) -> None:
    kb = load_knowledge(tree)
    assert kb.policy.matching.min_score == 40  # written in the test tree's policy.yaml
    assert kb.policy.matching.topic_min_score == MATCHING_DEFAULTS["topic_min_score"] == 26
    assert dict(kb.policy.matching)["max_terms"] == MatchingSettings().max_terms == 400
    assert set(kb.policy.matching) == set(MATCHING_DEFAULTS)


def test_the_bundled_policy_writes_only_known_numbers() -> None:
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    assert kb.policy.matching.min_score == 29
    assert kb.policy.step_label_chars == 70


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  min_score: 40", "  min_score: 400", "`min_score` of `matching` must be a number from 0 to 100"),
    ("  min_score: 40", "  max_items: 0", "`max_items` of `matching` must be a whole number of at least 1"),
    ("  min_score: 40", "  max_terms: 2.5", "`max_terms` of `matching` must be a whole number"),
    ("  flood_window_seconds: 10", "  flood_window_seconds: 10\n  step_label_chars: 3",
     "`step_label_chars` of `limits` must be a whole number of at least 10"),
])
def test_policy_numbers_are_checked_against_their_bounds(
    tree: Path, old: str, new: str, expected: str
) -> None:
    misspell(tree / "policy.yaml", old, new)
    errors = validate_dir(tree, matcher=False).errors
    assert len(errors) == 1 and expected in errors[0], errors


def test_label_lengths_come_from_the_policy(tree: Path) -> None:
    misspell(tree / "policy.yaml", "  flood_window_seconds: 10",
             "  flood_window_seconds: 10\n  step_label_chars: 40\n  admin_quote_chars: 30")
    kb = load_knowledge(tree)
    assert (kb.policy.step_label_chars, kb.policy.admin_quote_chars) == (40, 30)


def test_an_overlay_never_repeats_structure(tree: Path) -> None:
    path = tree / "i18n" / "es" / "topics" / "review_times.yaml"
    misspell(path, "answer:", "related: [safety]\nanswer:")
    assert validate_dir(tree, matcher=False).errors == [
        f"{path}:4: `related` in topic 'review_times' (es) is structure, which lives only in the "
        "English file; an overlay holds text: remove it"]
