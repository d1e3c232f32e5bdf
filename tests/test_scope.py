"""The scope model: is a message about a Binance verification at all (knowledge/scope/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.ops.validate import validate_dir
from bot.understanding.matcher import Matcher
from bot.understanding.scope import ScopeModel
from tests.chat import Chat


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)

# written for this test, none of them in knowledge/: everyday questions that share words with
# a reason (an expired licence, a blurry camera, a selfie check of another app, an edited photo)
ELSEWHERE = [
    "My driving licence ran out while I was working in Dubai, can the embassy renew it by post?",
    "the camera on my new phone takes blurry pictures indoors, is it a hardware fault or settings",
    "Tinder keeps asking me to do the photo verification again, why does it fail every time",
    "how do I remove the background of a picture in photoshop without losing the hair",
    "водительское удостоверение просрочено на месяц, какой штраф если остановят гаишники",
    "на госуслугах не получается подтвердить учетную запись через банк, что делать",
    "驾驶证过期三个月了，还能直接去车管所换证吗，需要体检吗",
    "医保卡上的名字打错了一个字，要去哪里改",
    "банк не принимает мой паспорт, говорят срок действия истёк, где его поменять",
    "打印店说我的证件照太模糊了，不能用来办签证",
]
#: ... of those, ones the words alone would have sent to a reason
GATED = ["how do I remove the background of a picture in photoshop without losing the hair"]
# about a verification, as long as those, naming no notice
OURS = [
    ("My passport expired last month and now the verification keeps getting rejected", "expired_document"),
    ("i took the photo of my ID card at night and it came out blurry so they refused it", "blurry_photo"),
    ("the liveness check fails every time, it says my face does not match the document photo",
     "face_verification"),
    ("паспорт просрочен, поэтому верификацию отклонили, что теперь делать", "expired_document"),
    ("身份证照片拍得太模糊了，认证被拒绝了，怎么办", "blurry_photo"),
]


@pytest.mark.parametrize("text", ELSEWHERE)
def test_an_everyday_question_sharing_a_word_with_a_reason_gets_nothing(
        matcher: Matcher, text: str) -> None:
    assert matcher.match(text).matches == (), text


@pytest.mark.parametrize(("text", "reason"), OURS)
def test_a_rejection_told_at_length_still_names_its_reason(
        matcher: Matcher, text: str, reason: str) -> None:
    top = matcher.match(text).top
    assert top is not None and top.id == reason, (text, matcher.match(text))


def test_a_notice_s_listed_reasons_stand_whatever_the_model_says(matcher: Matcher) -> None:
    text = ("My driving licence ran out while I was working in Dubai. Your KYC application was "
            "not approved, Reason: The document you submitted has expired")
    assert [m.id for m in matcher.match(text).matches][:1] == ["expired_document"]


@pytest.mark.parametrize("text", ["do I need to be 18?", "会影响征信吗？", "можно ли пройти с загранпаспортом?"])
def test_a_short_question_is_read_in_the_bot_s_own_context(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).matches, text


@pytest.mark.parametrize("text", GATED)
def test_scope_floor_zero_turns_the_gate_off(matcher: Matcher, text: str) -> None:
    settings = dict(matcher.settings)
    try:
        matcher.settings["scope_floor"] = 0.0
        assert matcher.match(text).names_reason  # what the words alone say
    finally:
        matcher.settings.clear()
        matcher.settings.update(settings)
    assert matcher.match(text).matches == ()


def test_the_model_is_trained_from_the_bundled_scope_files(kb: KnowledgeBase, matcher: Matcher) -> None:
    about = sum(1 for _, _, a in kb.scope if a)
    assert about > 10000 and len(kb.scope) - about > 2000
    assert {lang for lang, _, _ in kb.scope} == {"en", "ru", "zh"}
    assert matcher.scope is not None and matcher.scope.trained_on[1] >= len(kb.scope) - about


def test_training_is_deterministic() -> None:
    data = [("a", ["passport", "expir", "reject"], True), ("b", ["yogurt", "expir", "eat"], False),
            ("c", ["selfi", "fail"], True), ("d", ["camera", "blur", "phone"], False)] * 5
    a, b = ScopeModel.train(data, 3), ScopeModel.train(list(reversed(data)), 3)
    assert a is not None and b is not None
    # the order texts are read in is their own hashes', not the order they were listed in
    assert a.weights.tobytes() == b.weights.tobytes() and a.bias == b.bias
    assert a.probability(["passport", "reject"]) > 0.5 > a.probability(["yogurt", "eat"])
    assert ScopeModel.train([("a", ["a"], True)], 3) is None  # one side only: nothing to tell apart


def test_texts_not_about_a_verification_can_weigh_more() -> None:
    # policy.yaml scope_other_weight: a word both sides use leans to "not about" as it grows
    data = [("a", ["passport", "blur", "reject"], True), ("b", ["homework", "blur", "scan"], False),
            ("c", ["selfi", "blur"], True), ("d", ["camera", "blur", "phone"], False)] * 5
    even, more = ScopeModel.train(data, 3), ScopeModel.train(data, 3, other_weight=3.0)
    assert even is not None and more is not None
    assert more.probability(["blur"]) < even.probability(["blur"])
    assert more.probability(["passport", "reject"]) > 0.5


def test_one_text_more_changes_the_model_little(kb: KnowledgeBase, matcher: Matcher) -> None:
    # texts are read in the order of their own hashes and the weights averaged over every step:
    # an operator's one new line does not reshuffle what every other message is read as
    probe = [matcher.scope_terms(t) for t in ELSEWHERE + [t for t, _ in OURS]]
    base = [(text, about) for _, text, about in kb.scope[::7]]
    one = ScopeModel.train(((t, matcher.scope_terms(t), a) for t, a in base), 2)
    more = ScopeModel.train(((t, matcher.scope_terms(t), a) for t, a in
                             [*base, ("my selfie failed twice today", True)]), 2)
    assert one is not None and more is not None
    assert max(abs(one.probability(p) - more.probability(p)) for p in probe) < 0.05


async def test_through_the_console_an_everyday_question_is_not_diagnosed(chat: Chat) -> None:
    await chat.say(ELSEWHERE[1])
    assert not any(k.startswith("diagnosis") for k in chat.ids()), chat.ids()
    assert "nothing_matched" in chat.ids() or "elsewhere" in chat.ids(), chat.ids()


def _scope_file(kb_dir: Path, text: str) -> Path:
    folder = kb_dir / "scope"
    folder.mkdir(exist_ok=True)
    path = folder / "en.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_message_in_both_lists_is_an_error_at_its_line(kb_dir: Path) -> None:
    _scope_file(kb_dir, 'version: 1\nabout:\n  - "my selfie failed"\nnot_about:\n'
                        '  - "my bank app is slow"\n  - "My  selfie failed"\n')
    report = validate_dir(kb_dir, matcher=False)
    assert any("scope/en.yaml:6:" in e and "also in `about` (line 3)" in e
               for e in report.errors), report.errors


def test_a_repeated_message_is_a_warning_and_a_bad_name_an_error(kb_dir: Path) -> None:
    _scope_file(kb_dir, 'version: 1\nabout:\n  - "my selfie failed"\n  - "my selfie failed"\n')
    (kb_dir / "scope" / "English.yaml").write_text('version: 1\nabout: ["x"]\n', encoding="utf-8")
    report = validate_dir(kb_dir, matcher=False)
    assert any("scope/en.yaml:4:" in w and "repeats line 3" in w for w in report.warnings), \
        report.warnings
    assert any("English.yaml" in e and "language code" in e for e in report.errors), report.errors


def test_an_unknown_key_in_a_scope_file_is_named(kb_dir: Path) -> None:
    _scope_file(kb_dir, 'version: 1\nabout: ["my selfie failed"]\nnot_abut: ["x"]\n')
    report = validate_dir(kb_dir, matcher=False)
    assert any("not_abut" in e for e in report.errors), report.errors
