"""The character n-gram model: pieces of words carry evidence that whole words miss."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from bot.knowledge.model import KnowledgeBase
from bot.knowledge.policy import MATCHING_DEFAULTS
from bot.ops.evaluate import evaluate_cases
from bot.understanding.charmodel import CharModel, with_chars
from bot.understanding.matcher import Matcher

DATA = Path(__file__).resolve().parent / "data"
SETTINGS = dict(MATCHING_DEFAULTS)
TEXTS = [(0, "my passport expired last year"), (0, "the document is out of date"),
         (1, "the selfie check failed"), (1, "face scan did not pass"),
         (2, "how do i buy bitcoin"), (2, "what is the weather today")]


def test_another_form_of_a_word_still_points_to_its_entry() -> None:
    model = CharModel(TEXTS, 3, SETTINGS)
    # no word of these is in any text as written
    expiry = model.probabilities("passports expiring")
    selfie = model.probabilities("selfies failing")
    assert expiry is not None and selfie is not None
    assert max(range(3), key=expiry.__getitem__) == 0
    assert max(range(3), key=selfie.__getitem__) == 1
    assert sum(expiry) == pytest.approx(1.0)


def test_a_text_with_nothing_known_gets_no_probabilities() -> None:
    assert CharModel(TEXTS, 3, SETTINGS).probabilities("zzzq xxjv") is None


def test_a_left_out_text_no_longer_counts() -> None:
    model = CharModel(TEXTS, 3, SETTINGS)
    # "weather" is in one text of entry 2 only: without that text, entry 2 loses its lead
    with_it = model.probabilities("weather")
    without = model.probabilities("weather", exclude=(2, "what is the weather today"))
    assert with_it is not None and max(range(3), key=with_it.__getitem__) == 2
    assert without is not None and max(range(3), key=without.__getitem__) != 2


def test_the_model_reads_the_same_after_the_disk_cache() -> None:
    model = CharModel(TEXTS, 3, SETTINGS)
    model.probabilities("passports expiring")  # fills the per-word memory
    again = pickle.loads(pickle.dumps(model))
    assert again.probabilities("selfies failing") == model.probabilities("selfies failing")
    assert again._rows == {} or "selfies" in again._rows


def test_only_entries_with_evidence_gain_and_nothing_gains_in_full() -> None:
    settings = {**SETTINGS, "char_weight": 20.0, "char_gate": 15.0}
    out = with_chars([40.0, 5.0, 10.0], [0.5, 0.4, 0.1], none_entry=2, settings=settings,
                     kept=0.5)
    assert out == [40.0 + 20 * 0.5 * 0.5, 5.0, 10.0 + 20 * 0.1]


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher.build(kb)


def _items(path: Path) -> list[tuple[str, list[str]]]:
    return [(d["text"], d["expect"]) for d in map(json.loads, path.read_text("utf-8").splitlines())]


# Later blind sets, per language (mean of blind3-5 top-1 in scope; with the words alone, before
# the character model: en 91.3, zh 91.4, ru 92.6; with it: en 93.7, zh 94.4, ru 95.0)
@pytest.mark.parametrize(("lang", "floor"), [("en", 93.0), ("zh", 93.5), ("ru", 93.5)])
def test_the_later_blind_sets_keep_their_figures(matcher: Matcher, lang: str,
                                                  floor: float) -> None:
    tops, wrong = [], []
    for n in (3, 4, 5):
        figures = evaluate_cases(matcher, _items(DATA / f"blind{n}" / f"{lang}.jsonl"))
        tops.append(figures["in_scope"]["top1_accuracy"])
        wrong.append(figures["out_of_scope"]["false_accept_reason"])
    assert sum(tops) / 3 >= floor, tops
    assert sum(wrong) / 3 <= 12.0, wrong


# The newest blind sets (blind6, blind7: mean of the two, top-1 in scope and multi-reason
# messages fully recognised; first measured en 90.4 / 70.0, zh 89.7 / 80.0, ru 86.2 / 75.0)
@pytest.mark.parametrize(("lang", "top1", "multi"), [("en", 96.5, 70.0), ("zh", 95.0, 85.0),
                                                      ("ru", 92.0, 80.0)])
def test_the_newest_blind_sets_keep_their_figures(matcher: Matcher, lang: str, top1: float,
                                                  multi: float) -> None:
    tops, multis = [], []
    for n in (6, 7):
        figures = evaluate_cases(matcher, _items(DATA / f"blind{n}" / f"{lang}.jsonl"))
        tops.append(figures["in_scope"]["top1_accuracy"])
        multis.append(figures["multi"]["fully_recognised"])
    assert sum(tops) / 2 >= top1, tops
    assert sum(multis) / 2 >= multi, multis


# blind24 (tests/data/blind24/README.md): first at 35249b0 en 97.0 / 16.0, zh 94.8 / 2.0,
# ru 94.8 / 14.0 (top-1 in scope / out of scope matched to a reason); now 97.8 / 6.0,
# 97.8 / 2.0, 96.3 / 6.0
# blind25 (tests/data/blind25/README.md): first at 375826f en 97.8 / 12.0, zh 94.8 / 8.0,
# ru 94.8 / 10.0; now 97.8 / 4.0, 96.3 / 6.0, 98.5 / 8.0 (zh 95.6 since the new_account topic:
# one two-topic question, resubmit_how 52.6 / repeated_failures 52.5, now flips the other way)
# blind26 (tests/data/blind26/README.md): first at fd6f9f6 en 91.1 / 24.0, zh 97.0 / 6.0,
# ru 96.3 / 8.0; tuned on the even lines only: now 93.3 / 6.0 (odd half 89.6 / 12.0, was
# 89.6 / 16.0), 97.0 / 4.0, 97.0 / 2.0
# blind27 (tests/data/blind27/README.md): first at 830d497 en 92.6 / 20.0, zh 93.3 / 8.0,
# ru 95.6 / 10.0; tuned on the even lines only: now 94.1 / 14.0 (odd half 91.0 / 28.0, as
# first), 94.8 / 4.0, 96.3 / 8.0
# blind28 (tests/data/blind28/README.md): first at 806b1dd en 97.7 / 10.0, zh 97.7 / 14.0,
# ru 95.3 / 10.0; tuned on lines 2, 4, 6... only: now 100 / 8.0, 99.2 / 6.0, 96.9 / 10.0
# blind31 (tests/data/blind31/README.md): first at 921b1a2 en 93.2 / 16.0, zh 95.5 / 16.0,
# ru 94.0 / 6.0; tuned on lines 2, 4, 6... only: now 95.5 / 12.0, 97.0 / 10.0, 94.0 / 2.0
# blind32 (tests/data/blind32/README.md): first at ab0fac8 en 90.9 / 20.0, zh 96.9 / 6.0,
# ru 96.9 / 14.0; tuned on lines 2, 4, 6... only: now 94.7 / 12.0, 99.2 / 4.0, 97.7 / 10.0
# blind33 (tests/data/blind33/README.md): first at 1252c3b en 89.3 / 10.0, zh 95.5 / 2.0,
# ru 95.5 / 6.0; tuned on lines 2, 4, 6... only: now 92.4 / 10.0, 96.2 / 0.0, 96.2 / 6.0
# blind34 (tests/data/blind34/README.md): first at b44c110 en 96.2 / 18.0, zh 95.5 / 10.0,
# ru 99.2 / 16.0; tuned on lines 2, 4, 6... only: now 97.7 / 16.0, 97.7 / 8.0, 99.2 / 14.0
# blind35 (tests/data/blind35/README.md): first at 225dcc4 en 96.7 / 16.7, zh 95.9 / 8.3,
# ru 95.9 / 16.7; kept out of the scope model's training (knowledge/scope/): now 96.7 / 5.0,
# 95.1 / 1.7, 95.9 / 10.0
@pytest.mark.parametrize(("blind", "lang", "top1", "wrong"), [
    # blind40/41 and blind35's ru since the scope floor 0.55 (tenth session): one in-scope ru line
    # of blind35 lost (95.9 -> 95.0), its out-of-scope lines matched to a reason 8.3 -> 5.0%
    # blind43/44 (eleventh session): first at 43a7df1 / 6e77abc, see their README.md
    # blind45/46 (twelfth session): first at 25ebf98 / 965558a, see their README.md
    # blind47 (thirteenth session): first at 41aeae6, see its README.md
    # blind48 (fourteenth session): first at 822486f, see its README.md
    # blind49 (fifteenth session): first at cca904c, see its README.md
    ("blind49", "en", 97.0, 1.7), ("blind49", "zh", 97.0, 1.7), ("blind49", "ru", 94.0, 1.7),
    ("blind48", "en", 95.5, 3.3), ("blind48", "zh", 95.0, 1.7), ("blind48", "ru", 96.5, 5.0),
    ("blind47", "en", 97.0, 1.7), ("blind47", "zh", 96.5, 3.3), ("blind47", "ru", 92.5, 1.7),
    ("blind46", "en", 98.0, 1.7), ("blind46", "zh", 96.5, 3.3), ("blind46", "ru", 97.0, 1.7),
    ("blind45", "en", 95.0, 1.7), ("blind45", "zh", 96.5, 3.3), ("blind45", "ru", 96.5, 1.7),
    ("blind44", "en", 95.5, 6.7), ("blind44", "zh", 95.0, 3.3), ("blind44", "ru", 95.5, 1.7),
    ("blind43", "en", 98.0, 6.7), ("blind43", "zh", 96.5, 3.3), ("blind43", "ru", 95.5, 3.3),
    ("blind42", "en", 95.5, 1.7), ("blind42", "zh", 96.5, 1.7), ("blind42", "ru", 95.5, 1.7),
    # (blind41 ru: one out-of-scope line sits on the scope floor, 0.550 / 0.553, and flips
    # with any retraining: "где рядом можно сфотографироваться на документы")
    ("blind41", "en", 95.0, 1.7), ("blind41", "zh", 95.5, 1.7), ("blind41", "ru", 93.5, 3.3),
    ("blind40", "en", 97.0, 3.3), ("blind40", "zh", 98.0, 3.3), ("blind40", "ru", 98.0, 1.7),
    ("blind35", "en", 96.5, 1.7), ("blind35", "zh", 95.0, 1.7), ("blind35", "ru", 95.0, 5.0),
    ("blind34", "en", 97.5, 16.0), ("blind34", "zh", 97.5, 8.0), ("blind34", "ru", 99.0, 14.0),
    ("blind29", "en", 100.0, 8.0), ("blind29", "zh", 100.0, 6.0), ("blind29", "ru", 100.0, 10.0),
    ("blind30", "en", 90.0, 6.0), ("blind30", "zh", 93.5, 4.0), ("blind30", "ru", 94.5, 6.0),
    ("blind33", "en", 92.0, 10.0), ("blind33", "zh", 96.0, 0.0), ("blind33", "ru", 96.0, 6.0),
    ("blind32", "en", 94.5, 12.0), ("blind32", "zh", 98.5, 4.0), ("blind32", "ru", 97.5, 10.0),
    ("blind31", "en", 95.0, 12.0), ("blind31", "zh", 96.5, 10.0), ("blind31", "ru", 93.5, 2.0),
    ("blind28", "en", 99.5, 8.0), ("blind28", "zh", 99.0, 6.0), ("blind28", "ru", 96.5, 10.0),
    ("blind27", "en", 94.0, 14.0), ("blind27", "zh", 95.5, 4.0), ("blind27", "ru", 96.0, 8.0),
    ("blind24", "en", 97.0, 8.0), ("blind24", "zh", 97.0, 4.0), ("blind24", "ru", 96.0, 8.0),
    ("blind25", "en", 97.0, 4.0), ("blind25", "zh", 95.5, 6.0), ("blind25", "ru", 98.0, 8.0),
    ("blind26", "en", 93.0, 6.0), ("blind26", "zh", 97.0, 4.0), ("blind26", "ru", 97.0, 2.0)])
def test_the_latest_blind_rounds_keep_their_figures(matcher: Matcher, blind: str, lang: str,
                                                    top1: float, wrong: float) -> None:
    figures = evaluate_cases(matcher, _items(DATA / blind / f"{lang}.jsonl"))
    assert figures["in_scope"]["top1_accuracy"] >= top1, figures["in_scope"]
    assert figures["out_of_scope"]["false_accept_reason"] <= wrong, figures["out_of_scope"]


def test_many_entries_sum_their_rows_with_numpy_to_the_same_probabilities(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # a base with hundreds of entries sums a message's rows in one numpy bincount; the bundled
    # base is made to take that path here and must read every message as the loop does
    import bot.understanding.charmodel as charmodel

    texts = [json.loads(line)["text"] for line in
             (DATA / "blind17" / "ru.jsonl").read_text(encoding="utf-8").splitlines()[:40]]
    texts += ["my selfie failed again", "照片模糊 被拒了", "Reason: Face verification failed"]
    model = matcher.chars
    assert model is not None
    for text in texts:
        monkeypatch.setattr(charmodel, "ARRAY_ENTRIES", 10**9)
        loop = model.probabilities(text)
        monkeypatch.setattr(charmodel, "ARRAY_ENTRIES", 1)
        arrays = model.probabilities(text)
        assert (loop is None) == (arrays is None)
        if loop is not None and arrays is not None:
            assert arrays == pytest.approx(loop, abs=1e-12)
    assert "numpy" in str(type(model._arrays.gains))  # the array path was taken
