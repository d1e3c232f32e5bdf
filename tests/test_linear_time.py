"""No message can stall the bot: every pattern runs in linear time, and work is budgeted.

Nothing here measures seconds. Patterns are checked by what RE2 accepts (RE2 runs in time
linear in the text for every pattern it compiles), and the matcher's work is counted in steps
(`bot.understanding.budget`), which do not depend on the machine.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.knowledge.model import KnowledgeBase
from bot.understanding.budget import Budget
from bot.understanding.checks import check_matching
from bot.understanding.matcher import Matcher
from bot.understanding.patterns import check_pattern
from bot.understanding.settings import PATTERN_LISTS, matching_files

ROOT = Path(__file__).resolve().parent.parent
UNDERSTANDING = ROOT / "bot" / "understanding"

#: pieces hostile messages are made of: near-matches of every kind of pattern we run
HOSTILE_UNITS = [
    "aa@", "x@x@", "a@a.", "http://a.b/", "www.", "1234567890", ".,;:!?", "((((", "))))",
    "[[{{", "- ", "1. ", "a) ", "(1)", "1、", "一、", "①", "reason: ", "Reason 1: ", "\n",
    "a\n", "- blurry photo\n", "dear user ", "from: ", "---------- forwarded message ",
    "原因：", "причина: ", "您的身份认证未通过", "https://", "<p>", "&amp;", "   ", "\t",
    "blurry expired selfie ", "pasport prosrochen ", "证件模糊", "Паспорт просрочен ", "ñ",
]


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


def steps(matcher: Matcher, text: str) -> int:
    budget = Budget()
    matcher.analyse(text, budget=budget)
    return budget.used


def test_no_module_reading_user_text_uses_the_backtracking_regex_engine() -> None:
    """Python's `re` can take exponential time; user text is only ever matched by RE2."""
    for path in UNDERSTANDING.glob("*.py"):
        if path.name == "redact.py":  # the privacy layer's own module (issue #12, separately)
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert "re" not in imported and "regex" not in imported, path.name


def test_every_pattern_in_the_bundled_knowledge_runs_under_re2(kb: KnowledgeBase) -> None:
    for lang, data in matching_files(kb):
        for name in PATTERN_LISTS:
            for pattern in data.get(name) or ():
                assert check_pattern(str(pattern)) is None, (lang, name, pattern)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(\w+)\s+\1", "backreferences"),
        (r"(?<=dear )user", "lookbehind"),
        (r"user(?= team)", "lookahead"),
        (r"(unclosed", "missing )"),
        (r"(a|)", "matches empty text"),
    ],
)
def test_a_pattern_re2_cannot_run_is_a_problem_with_its_file_and_line(
    kb: KnowledgeBase, pattern: str, why: str
) -> None:
    broken = dataclasses.replace(kb, matching={"version": 1, "boilerplate": [pattern]}, root="kb")
    problems = check_matching(broken)
    assert [(p.path, p.severity) for p in problems] == [("kb/matching.yaml", "error")]
    assert pattern in problems[0].message and why in problems[0].message


@settings(max_examples=60, deadline=None)
@given(unit=st.lists(st.sampled_from(HOSTILE_UNITS), min_size=1, max_size=4).map("".join))
@example(unit="<p>1. ")  # an unclosed tag at the end charged every bullet line the most it could
def test_work_grows_linearly_with_hostile_input(matcher: Matcher, unit: str) -> None:
    """Doubling a hostile message at most doubles its work (plus a constant)."""
    def of_length(n: int) -> str:
        return (unit * (n // len(unit) + 1))[:n]

    small, large = steps(matcher, of_length(1000)), steps(matcher, of_length(2000))
    assert large <= 2 * small + 200_000, (unit, small, large)


@settings(max_examples=30, deadline=None)
@given(unit=st.sampled_from(HOSTILE_UNITS))
def test_a_hostile_message_of_any_length_fits_the_budget_or_is_not_understood(
    matcher: Matcher, unit: str
) -> None:
    text = unit * (8000 // len(unit))
    result = matcher.match(text)
    assert result.understood or result.matches == ()
    assert steps(matcher, text) == steps(matcher, text[: int(matcher.settings["max_chars"])])


def test_a_message_over_its_budget_is_not_understood(kb: KnowledgeBase) -> None:
    policy = dataclasses.replace(kb.policy, matching={**kb.policy.matching, "max_steps": 50_000})
    tight = Matcher.build(dataclasses.replace(kb, policy=policy))
    assert tight.match("my passport expired").matches[0].id == "expired_document"
    long_notice = "Reason: my passport expired\n" + "".join(f"- the photo of page {i} is blurry\n" for i in range(100))
    result = tight.match(long_notice)
    assert not result.understood and result.matches == ()


def test_a_giant_word_is_read_no_further_than_any_real_word() -> None:
    # "ﬁ" x 4000 becomes one 8,000-letter word: translit, typo correction and the character
    # model read no more of it than of a real word (it cost ~75 ms a message before)
    from bot.understanding.charmodel import MAX_WORD_LETTERS, CharModel
    from bot.understanding.language import MAX_TRANSLIT, to_cyrillic

    assert to_cyrillic("fi" * 4000) is None and to_cyrillic("privet") == "привет"
    assert MAX_TRANSLIT < 100
    settings = {"char_min_gram": 3, "char_max_gram": 5, "char_smoothing": 0.1, "char_temperature": 2.0}
    model = CharModel([(0, "hello")], 1, settings)
    assert model.grams("fi" * 4000) == model.grams(("fi" * 4000)[:MAX_WORD_LETTERS])
