"""The knowledge validator: every check against a broken copy of a small valid tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.knowledge import load_knowledge as load_served
from bot.knowledge.loader import collect, load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.problems import Problem
from bot.ops.validate import ValidationReport, validate_dir
from bot.shared.errors import KnowledgeError
from tests.conftest import build_knowledge

PY = sys.executable
REPO = Path(__file__).resolve().parent.parent


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the file with `new` (the text must be there)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    """Return the 1-based line of the first line containing `needle`."""
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def check(kb_dir: Path) -> ValidationReport:
    return validate_dir(kb_dir, matcher=False)


def only_error(kb_dir: Path) -> str:
    report = check(kb_dir)
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


@pytest.fixture
def expired(kb_dir: Path) -> Path:
    return kb_dir / "reasons" / "expired_document.yaml"


# --------------------------------------------------------------------------- a valid base


def test_valid_tree_loads_with_counts_and_no_problems(kb_dir: Path) -> None:
    report = check(kb_dir)
    assert report.errors == []
    assert report.warnings == []
    assert report.summary() == "OK: 8 reasons, 16 topics, 236 examples"


def test_steps_fall_through_and_keep_their_source_lines(kb_dir: Path, expired: Path) -> None:
    kb = load_knowledge(kb_dir)
    reason = kb.reasons["expired_document"]
    assert reason.start == "check_date"
    assert reason.next_step(reason.step("check_date")) == "choose"
    assert reason.next_step(reason.step("renew")) == "resubmit"
    assert [(o.next, o.topic) for o in reason.step("choose").options] == [
        ("renew", None), ("switch", None), (None, "review_times")
    ]
    assert reason.step("resubmit").end == "resubmit"
    assert reason.step("renew").source.line == line_of(expired, "id: renew")
    assert reason.example_sources[0].line == line_of(expired, "problem number 0")
    assert kb.policy.review_standard_days == (7, 14)
    assert kb.policy.links["official_site"] == "https://www.binance.com"


def test_yes_no_and_numbers_stay_text_where_text_is_expected(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    assert "no" in kb.negatives
    assert "123" in kb.negatives
    assert kb.intents["next"] == ("next please",)


def test_text_in_several_languages_falls_back_to_english(kb_dir: Path, expired: Path) -> None:
    edit(expired, "title: Expired document",
         "title:\n  en: Expired document\n  es: Documento caducado")
    kb = load_knowledge(kb_dir)
    title = kb.reasons["expired_document"].title
    assert (title.get("es"), title.get("fr")) == ("Documento caducado", "Expired document")


# --------------------------------------------------------------------------- YAML level


def test_yaml_syntax_error_gives_its_line(kb_dir: Path, expired: Path) -> None:
    edit(expired, "  - id: renew\n", "  - id: renew\n   text: [unclosed\n")
    error = only_error(kb_dir)
    assert error.startswith(f"{expired}:")
    assert "YAML syntax error" in error
    assert int(error.split(":")[1]) in range(line_of(expired, "id: renew"),
                                             line_of(expired, "id: switch") + 1)


def test_duplicate_key_names_both_lines(kb_dir: Path, expired: Path) -> None:
    edit(expired, "share: 5\n", "share: 5\nshare: 6\n")
    first = line_of(expired, "share: 5")
    assert only_error(kb_dir) == (
        f"{expired}:{first + 1}: duplicate key 'share' (first at line {first}); "
        "remove one of them or merge them"
    )


def test_an_item_indented_under_the_one_above_is_named_not_joined(kb_dir: Path, expired: Path) -> None:
    # YAML reads "  - a\n    - b" as the one item "a - b": the bot would silently lose an example
    edit(expired, "examples:\n  - ", "examples:\n  - my id card ran out in may\n    - ")
    joined = line_of(expired, "my id card ran out in may")
    assert only_error(kb_dir) == (
        f"{expired}:{joined + 1}: this line is read as part of the item above it, not as an item "
        f"of its own (line {joined}): it is indented deeper than the list; indent it like the "
        "other items"
    )


def test_unknown_key_suggests_the_closest(kb_dir: Path, expired: Path) -> None:
    edit(expired, "severity: normal", "severity: normal\nsumary: typo")
    error = only_error(kb_dir)
    assert f"{expired}:{line_of(expired, 'sumary')}: unknown key 'sumary'" in error
    assert "did you mean 'summary'?" in error


def test_misspelt_required_key_is_reported_once(kb_dir: Path, expired: Path) -> None:
    edit(expired, "share: 5", "shar: 5")
    assert "unknown key 'shar' in reason 'expired_document'; did you mean 'share'?" in only_error(
        kb_dir
    )


def test_step_without_id_does_not_break_the_other_checks(kb_dir: Path, expired: Path) -> None:
    edit(expired, "  - id: check_date", "  - idd: check_date")
    assert "unknown key 'idd' in step 1; did you mean 'id'?" in only_error(kb_dir)


def test_unknown_step_key_suggests_the_closest(kb_dir: Path, expired: Path) -> None:
    edit(expired, "    next: resubmit", "    nxt: resubmit")
    errors = check(kb_dir).errors
    assert any("unknown key 'nxt' in step 'renew'; did you mean 'next'?" in e for e in errors)


def test_missing_required_field(kb_dir: Path, expired: Path) -> None:
    edit(expired, "summary: The document you photographed is past its expiry date.\n", "")
    assert only_error(kb_dir) == (
        f"{expired}:1: reason 'expired_document' has no `summary`; add `summary:`"
    )


@pytest.mark.parametrize("value", ["five", "150", "[5]"])
def test_share_must_be_a_percentage(kb_dir: Path, expired: Path, value: str) -> None:
    edit(expired, "share: 5", f"share: {value}")
    error = only_error(kb_dir)
    assert error.startswith(f"{expired}:{line_of(expired, 'share:')}: `share`")
    assert "must be a number from 0 to 100" in error


def test_empty_text_is_an_error(kb_dir: Path, expired: Path) -> None:
    edit(expired, "title: Expired document", 'title: ""')
    assert "is empty" in only_error(kb_dir)


def test_text_map_needs_english(kb_dir: Path, expired: Path) -> None:
    edit(expired, "title: Expired document", "title:\n  es: Documento caducado")
    assert "has no 'en' text" in only_error(kb_dir)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("version: 1\n", "", "missing `version`; add `version: 1`"),
        ("version: 1\n", "version: 2\n", "version 2 is not supported"),
    ],
)
def test_version_missing_or_unsupported(
    kb_dir: Path, expired: Path, old: str, new: str, expected: str
) -> None:
    edit(expired, old, new)
    assert expected in only_error(kb_dir)


# --------------------------------------------------------------------------- ids


def test_file_name_must_equal_id(kb_dir: Path, expired: Path) -> None:
    edit(expired, "id: expired_document", "id: expired_doc")
    errors = check(kb_dir).errors
    assert errors[0] == (
        f"{expired}:2: id 'expired_doc' does not match the file name 'expired_document.yaml'; "
        "rename the file to 'expired_doc.yaml' or set `id: expired_document`"
    )


def test_id_shared_by_a_reason_and_a_topic(kb_dir: Path) -> None:
    topic = kb_dir / "topics" / "underage.yaml"
    shutil.copy(kb_dir / "topics" / "safety.yaml", topic)
    edit(topic, "id: safety", "id: underage")
    errors = [e for e in check(kb_dir).errors if "already used" in e]
    assert errors == [
        f"{topic}:2: topic id 'underage' is already used in "
        f"{kb_dir / 'reasons' / 'underage.yaml'}:2; ids must be unique across reasons and topics"
    ]


def test_same_example_under_two_entries(kb_dir: Path) -> None:
    negatives = kb_dir / "negatives.yaml"
    edit(negatives, "  - hi\n", "  - hi\n  - My expired document problem number 3\n")
    assert only_error(kb_dir).startswith(
        f"{negatives}:4: example 'My expired document problem number 3' is also an example of "
        "reason 'expired_document'"
    )


# --------------------------------------------------------------------------- step graph


def test_next_target_not_found_lists_known_steps(kb_dir: Path, expired: Path) -> None:
    edit(expired, "    next: resubmit", "    next: resubmt")
    assert only_error(kb_dir) == (
        f"{expired}:{line_of(expired, 'next: resubmt')}: next 'resubmt' not found; "
        "did you mean 'resubmit'? known: check_date, choose, renew, switch, resubmit"
    )


def test_option_target_not_found(kb_dir: Path, expired: Path) -> None:
    edit(expired, "        next: switch", "        next: swap")
    errors = check(kb_dir).errors
    assert errors[0].startswith(f"{expired}:{line_of(expired, 'next: swap')}: next 'swap' not found")
    # switch is now unreachable too
    assert any("step 'switch' cannot be reached from start 'check_date'" in e for e in errors)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("        topic: review_times", "        topic: review_time"),
        ("    topics: [review_times]", "    topics: [review_time]"),
    ],
)
def test_topic_reference_not_found(kb_dir: Path, expired: Path, old: str, new: str) -> None:
    edit(expired, old, new)
    error = only_error(kb_dir)
    assert error.startswith(f"{expired}:{line_of(expired, 'review_time]' if 'topics' in new else 'topic: review_time')}:")
    assert "topic 'review_time' not found; did you mean 'review_times'?" in error


@pytest.mark.parametrize(("ref", "says"), [
    ("blury_photo", "`covers` names 'blury_photo', which is not another reason; did you mean 'blurry_photo'?"),
    ("expired_document", "`covers` names 'expired_document', which is not another reason"),
])
def test_an_option_covers_only_another_reason(kb_dir: Path, expired: Path, ref: str, says: str) -> None:
    # `covers:` says an answer explains another reason named beside it; a typo or the reason
    # itself is pointed at with its line
    edit(expired, "        next: switch", f"        next: switch\n        covers: [{ref}]")
    error = only_error(kb_dir)
    assert error.startswith(f"{expired}:{line_of(expired, 'covers:')}:")
    assert says in error


def test_related_topic_not_found(kb_dir: Path) -> None:
    topic = kb_dir / "topics" / "safety.yaml"
    edit(topic, "related: [find_reason]", "related: [nowhere]")
    assert only_error(kb_dir).startswith(f"{topic}:10: topic 'nowhere' not found")


def test_unreachable_step(kb_dir: Path, expired: Path) -> None:
    edit(expired, "        next: switch", "        next: renew")
    assert only_error(kb_dir) == (
        f"{expired}:{line_of(expired, 'id: switch')}: step 'switch' cannot be reached from start "
        "'check_date'; point a `next` or an option at it, or remove it"
    )


def test_loop_without_an_end(kb_dir: Path, expired: Path) -> None:
    # renew -> choose and switch -> renew: the question can only loop back to itself
    edit(expired, "    next: resubmit", "    next: choose")
    edit(expired, "    text: You may verify with another valid document type instead.\n",
         "    text: You may verify with another valid document type instead.\n    next: renew\n")
    errors = check(kb_dir).errors
    assert any(
        e.startswith(f"{expired}:{line_of(expired, 'id: check_date')}: steps check_date, choose, "
                     "renew, switch of reason 'expired_document' loop without reaching a step "
                     "with `end`")
        for e in errors
    ), errors


def test_last_step_without_end_is_a_dead_end(kb_dir: Path, expired: Path) -> None:
    edit(expired, "    end: resubmit\n", "")
    assert only_error(kb_dir).startswith(
        f"{expired}:{line_of(expired, 'id: resubmit')}: step 'resubmit' is a dead end"
    )


def test_question_with_only_topic_options_is_a_dead_end(kb_dir: Path, expired: Path) -> None:
    edit(expired, "      - label: I'll renew it\n        next: renew\n", "")
    edit(expired, "      - label: I have a passport\n        next: switch\n", "")
    errors = check(kb_dir).errors
    assert errors[0].startswith(
        f"{expired}:{line_of(expired, 'id: choose')}: step 'choose' is a question whose options "
        "only open topics"
    )


def test_end_must_be_a_known_kind(kb_dir: Path, expired: Path) -> None:
    edit(expired, "end: resubmit", "end: resubmitted")
    errors = check(kb_dir).errors
    assert errors[0] == (
        f"{expired}:{line_of(expired, 'end: resubmitted')}: `end` 'resubmitted' of step "
        "'resubmit' is not one of resubmit, support, final; did you mean 'resubmit'? pick one "
        "of them"
    )


def test_severity_must_be_minor_normal_or_severe(kb_dir: Path, expired: Path) -> None:
    edit(expired, "severity: normal", "severity: critical")
    assert "`severity` 'critical' is not one of minor, normal, severe" in only_error(kb_dir)


def test_step_id_too_long_for_a_telegram_button(kb_dir: Path, expired: Path) -> None:
    long_id = "switch_to_another_valid_document_type_right_now_please"
    edit(expired, "        next: switch", f"        next: {long_id}")
    edit(expired, "  - id: switch\n", f"  - id: {long_id}\n")
    error = only_error(kb_dir)
    assert f"step id '{long_id}' is too long" in error
    assert "Telegram allows 64; shorten the step id to at most 44 characters" in error


# --------------------------------------------------------------------------- coverage warnings


def test_missing_known_reason_is_a_warning(kb_dir: Path) -> None:
    (kb_dir / "reasons" / "underage.yaml").unlink()
    report = check(kb_dir)
    assert report.ok
    assert report.summary().startswith("OK: 7 reasons")
    assert report.warnings == [
        f"{kb_dir / 'reasons'}:0: reason 'underage' is missing; the bot cannot recognise it: "
        "add reasons/underage.yaml"
    ]


def test_extra_reason_is_allowed(kb_dir: Path) -> None:
    extra = kb_dir / "reasons" / "proof_of_address.yaml"
    shutil.copy(kb_dir / "reasons" / "underage.yaml", extra)
    text = extra.read_text().replace("underage", "proof_of_address")
    extra.write_text(text)
    assert check(kb_dir).summary().startswith("OK: 9 reasons")


# --------------------------------------------------------------------------- messages.yaml


def test_missing_message_is_an_error(kb_dir: Path) -> None:
    messages = kb_dir / "messages.yaml"
    edit(messages, "  welcome: Message welcome\n", "")
    assert only_error(kb_dir) == (
        f"{messages}:2: message 'welcome' is missing from `messages`; the bot needs it: "
        "add `welcome:`"
    )


def test_placeholder_not_allowed_for_that_message(kb_dir: Path) -> None:
    messages = kb_dir / "messages.yaml"
    edit(messages, "  too_long: Message too_long {limit}", "  too_long: Too long, max {limt}")
    assert only_error(kb_dir) == (
        f"{messages}:{line_of(messages, 'too_long:')}: message 'too_long' uses {{limt}}, which "
        "it cannot fill; did you mean 'limit'? allowed: {limit}"
    )


def test_broken_placeholder(kb_dir: Path) -> None:
    messages = kb_dir / "messages.yaml"
    edit(messages, "  welcome: Message welcome", "  welcome: Hello {")
    assert "has a broken {placeholder}" in only_error(kb_dir)


def test_unknown_message_key_is_a_warning(kb_dir: Path) -> None:
    messages = kb_dir / "messages.yaml"
    edit(messages, "  welcome: Message welcome\n", "  welcome: Message welcome\n  welcom: Hi\n")
    report = check(kb_dir)
    assert report.ok
    assert report.warnings == [
        f"{messages}:4: message 'welcom' is not used by the bot; did you mean 'welcome'? "
        "remove it or fix the name"
    ]


def test_missing_messages_file(kb_dir: Path) -> None:
    (kb_dir / "messages.yaml").unlink()
    assert only_error(kb_dir).startswith(f"{kb_dir / 'messages.yaml'}:1: file not found")


# --------------------------------------------------------------------------- policy.yaml


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("standard: [7, 14]", "standard: [14, 7]", "`review_days.standard` must be [from, to]"),
        ("https://www.binance.com", "binance.com", "link 'official_site' is not a web address"),
        ("  lock_after: 5\n", "  lock_after: 2\n", "`attempts.lock_after` (2) must be above"),
        ("retention_days: 180", "retention_days: -1", "`retention_days` of policy.yaml must be"),
        ("  flood_messages: 20\n", "", "`limits` has no `flood_messages`"),
        ("  min_score: 40", "  min_score: high", "`min_score` of `matching` must be a number"),
    ],
)
def test_policy_problems(kb_dir: Path, old: str, new: str, expected: str) -> None:
    edit(kb_dir / "policy.yaml", old, new)
    error = only_error(kb_dir)
    assert error.startswith(f"{kb_dir / 'policy.yaml'}:")
    assert expected in error


# --------------------------------------------------------------------------- ordering, one path


def test_errors_are_sorted_by_file_then_line(kb_dir: Path, expired: Path) -> None:
    edit(expired, "severity: normal", "severity: bad")
    edit(expired, "share: 5", "share: lots")
    edit(kb_dir / "policy.yaml", "retention_days: 180", "retention_days: 0")
    errors = check(kb_dir).errors
    assert [e.split(": ")[0] for e in errors] == [
        f"{kb_dir / 'policy.yaml'}:{line_of(kb_dir / 'policy.yaml', 'retention_days')}",
        f"{expired}:{line_of(expired, 'share:')}",
        f"{expired}:{line_of(expired, 'severity:')}",
    ]


def test_load_knowledge_refuses_exactly_what_validate_reports(
    kb_dir: Path, expired: Path
) -> None:
    edit(expired, "    next: resubmit", "    next: nowhere")
    edit(kb_dir / "messages.yaml", "  welcome: Message welcome\n", "")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(kb_dir)
    assert info.value.problems == check(kb_dir).errors
    assert len(info.value.problems) == 2


# --------------------------------------------------------------------------- checks of other layers


def test_checks_of_other_layers_are_merged_by_severity(kb_dir: Path, expired: Path) -> None:
    seen: list[int] = []

    def examples(kb: KnowledgeBase) -> list[Problem]:
        seen.append(len(kb.reasons))
        return [Problem(str(expired), 20, "example 'x' matches underage first"),
                Problem(str(expired), 21, "too alike", "warning")]

    kb, errors, warnings = collect(kb_dir, checks=[examples])
    assert (kb, seen) == (None, [8])
    assert errors == [f"{expired}:20: example 'x' matches underage first"]
    assert warnings == [f"{expired}:21: too alike"]
    with pytest.raises(KnowledgeError):
        load_knowledge(kb_dir, checks=[examples])


def test_other_checks_do_not_run_on_a_broken_base(kb_dir: Path, expired: Path) -> None:
    edit(expired, "share: 5", "share: x")
    _, errors, _ = collect(kb_dir, checks=[lambda kb: pytest.fail("check called")])
    assert len(errors) == 1


def test_a_crashing_check_is_reported_not_raised(kb_dir: Path) -> None:
    def examples(kb: KnowledgeBase) -> list[Problem]:
        raise RuntimeError("boom")

    _, errors, _ = collect(kb_dir, checks=[examples])
    assert len(errors) == 1
    assert "the check test_a_crashing_check_is_reported_not_raised.<locals>.examples crashed " \
           "(RuntimeError: boom)" in errors[0]


def test_the_bot_loads_with_the_validators_checks(kb_dir: Path, expired: Path) -> None:
    """A step id too long for Telegram's button data is refused by validate and by the bot."""
    long_id = "switch_to_another_valid_document_type_right_now_please"
    edit(expired, "        next: switch", f"        next: {long_id}")
    edit(expired, "  - id: switch\n", f"  - id: {long_id}\n")
    load_knowledge(kb_dir)  # the files alone are fine
    with pytest.raises(KnowledgeError) as info:
        load_served(kb_dir)
    assert info.value.problems == validate_dir(kb_dir).errors
    assert "is too long" in info.value.problems[0]


# --------------------------------------------------------------------------- command line


def run_validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "bot", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )


def test_cli_prints_every_error_with_relative_paths(kb_dir: Path, expired: Path) -> None:
    edit(expired, "    next: resubmit", "    next: resubmt")
    edit(expired, "severity: normal", "severity: mild")
    result = run_validate("knowledge", cwd=kb_dir.parent)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"knowledge/reasons/expired_document.yaml:{line_of(expired, 'severity')}: `severity` "
        "'mild' is not one of minor, normal, severe; pick one of them",
        f"knowledge/reasons/expired_document.yaml:{line_of(expired, 'next: resubmt')}: next "
        "'resubmt' not found; did you mean 'resubmit'? known: check_date, choose, renew, switch, "
        "resubmit",
    ]
    assert "2 errors" in result.stderr


def test_cli_missing_folder(tmp_path: Path) -> None:
    result = run_validate("nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("nowhere:0: not a knowledge folder")


def test_bundled_knowledge_validates() -> None:
    result = run_validate("--knowledge", "knowledge", cwd=REPO)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: 8 reasons, ")


# --------------------------------------------------------------------------- robustness

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False, width=32),
    st.text(max_size=12), st.sampled_from(["renew", "review_times", "resubmit", "", "en"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "text", "next", "label", "en", "x"]), inner,
                      max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_anywhere_gives_errors_not_a_crash(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_knowledge(Path(tmp) / "knowledge")
        path = root / "reasons" / "expired_document.yaml"
        doc = yaml.safe_load(path.read_text())
        target: dict | list = doc
        key: object = data.draw(st.sampled_from(sorted(doc)))
        if key == "steps" and data.draw(st.booleans()):
            target = doc["steps"][data.draw(st.integers(0, len(doc["steps"]) - 1))]
            key = data.draw(st.sampled_from(sorted(target)))
        target[key] = data.draw(_values)  # type: ignore[index]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True))
        report = validate_dir(root, matcher=False)
        assert report.ok == (report.errors == [])
        assert all(re.match(r"^/.+\.yaml:\d+: \S", e) for e in report.errors), report.errors


def test_bundled_knowledge_meets_the_example_quotas(kb) -> None:
    """At least 25 examples per reason, some per topic, and 40 out-of-scope ones."""
    for reason in kb.reasons.values():
        assert len(reason.examples) >= 25, reason.id
        assert reason.notices, reason.id
    for topic in kb.topics.values():
        assert len(topic.examples) >= 8, topic.id
    assert len(kb.negatives) >= 40
    shares = {r.id: r.share for r in kb.reasons.values()}
    assert shares == {
        "blurry_photo": 40, "info_mismatch": 20, "face_verification": 15,
        "id_already_registered": 10, "underage": 5, "expired_document": 5,
        "edited_document": 3, "restricted_region": 2,
    }
    assert [r.id for r in kb.reasons.values() if r.severity == "severe"] == ["edited_document"]
