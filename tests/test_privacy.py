"""Personal data is masked before anything is written: database, events, logs.

Unit cases per kind and language are in tests/data/pii/cases.yaml (written for these tests);
tests/data/pii/blind.jsonl, a corpus written by someone who never saw the code, goes through the
real console adapter with logging at DEBUG, and nothing of it may survive in the database file
or the logs.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import cli
from bot.knowledge.model import KnowledgeBase
from bot.understanding.privacy import (
    ADVICE,
    MASK_ONLY_KINDS,
    MASKS,
    WARN_KINDS,
    find_sensitive,
    log_filter,
    redact,
)
from bot.understanding.privacy.patterns import Patterns
from bot.understanding.privacy.rx import Pattern, compile_rx
from bot.understanding.privacy.vocab import PrivacyFileError, load_vocabulary
from tests.chat import Chat

REPO = Path(__file__).resolve().parent.parent
PII = REPO / "tests" / "data" / "pii"
CASES = __import__("yaml").safe_load((PII / "cases.yaml").read_text(encoding="utf-8"))
BLIND = [json.loads(line) for line in (PII / "blind.jsonl").read_text(encoding="utf-8").splitlines()]
#: a second blind corpus, written later by another outsider (9 languages, incl. Arabic)
BLIND3 = [json.loads(line) for line in (PII / "blind3.jsonl").read_text(encoding="utf-8").splitlines()]
#: a third, 11 languages incl. French and Hindi in Devanagari (tests/data/blind4/README.md)
BLIND4 = [json.loads(line) for line in (PII / "blind4.jsonl").read_text(encoding="utf-8").splitlines()]
#: a fourth, 15 languages incl. German, Japanese, Korean, Polish (tests/data/blind5/README.md)
BLIND5 = [json.loads(line) for line in (PII / "blind5.jsonl").read_text(encoding="utf-8").splitlines()]
#: a fifth, 16 languages incl. Ukrainian and Polish (tests/data/blind6/README.md)
BLIND6 = [json.loads(line) for line in (PII / "blind6.jsonl").read_text(encoding="utf-8").splitlines()]
#: a sixth, 23 languages incl. Italian, Persian, Thai, Bengali, Malay, Kazakh, Uzbek (tests/data/blind7/README.md)
BLIND7 = [json.loads(line) for line in (PII / "blind7.jsonl").read_text(encoding="utf-8").splitlines()]
#: a seventh, 30 languages incl. Tagalog, Romanian, Dutch, Swahili, Azerbaijani, Hebrew, Greek, Urdu (tests/data/blind8/README.md)
BLIND8 = [json.loads(line) for line in (PII / "blind8.jsonl").read_text(encoding="utf-8").splitlines()]
#: an eighth, 37 languages incl. Hausa, Yoruba, Amharic, Georgian, Armenian, Hungarian, Swedish,
#: Czech, Serbian (tests/data/blind9/README.md)
BLIND9 = [json.loads(line) for line in (PII / "blind9.jsonl").read_text(encoding="utf-8").splitlines()]
BLIND10 = [json.loads(line) for line in (PII / "blind10.jsonl").read_text(encoding="utf-8").splitlines()]
#: an eleventh, 54 languages incl. Pashto and Igbo (tests/data/pii/blind11.jsonl)
BLIND11 = [json.loads(line) for line in (PII / "blind11.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND12 = [json.loads(line) for line in (PII / "blind12.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND13 = [json.loads(line) for line in (PII / "blind13.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND15 = [json.loads(line) for line in (PII / "blind15.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND16 = [json.loads(line) for line in (PII / "blind16.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND19 = [json.loads(line) for line in (PII / "blind19.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND21 = [json.loads(line) for line in (PII / "blind21.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND23 = [json.loads(line) for line in (PII / "blind23.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND24 = [json.loads(line) for line in (PII / "blind24.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND25 = [json.loads(line) for line in (PII / "blind25.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND26 = [json.loads(line) for line in (PII / "blind26.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND27 = [json.loads(line) for line in (PII / "blind27.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND28 = [json.loads(line) for line in (PII / "blind28.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND29 = [json.loads(line) for line in (PII / "blind29.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND30 = [json.loads(line) for line in (PII / "blind30.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND31 = [json.loads(line) for line in (PII / "blind31.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND32 = [json.loads(line) for line in (PII / "blind32.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND33 = [json.loads(line) for line in (PII / "blind33.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND34 = [json.loads(line) for line in (PII / "blind34.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND35 = [json.loads(line) for line in (PII / "blind35.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND37 = [json.loads(line) for line in (PII / "blind37.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND39 = [json.loads(line) for line in (PII / "blind39.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND41 = [json.loads(line) for line in (PII / "blind41.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND43 = [json.loads(line) for line in (PII / "blind43.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND45 = [json.loads(line) for line in (PII / "blind45.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND47 = [json.loads(line) for line in (PII / "blind47.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND48 = [json.loads(line) for line in (PII / "blind48.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND49 = [json.loads(line) for line in (PII / "blind49.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
BLIND18 = [json.loads(line) for line in (PII / "blind18.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def _case_id(case: dict) -> str:
    return f"{case['lang']}-{'+'.join(case['kinds'])}-{case['text'][:24]}"


# -- each kind, in each language -------------------------------------------------------------


@pytest.mark.parametrize("case", CASES["cases"], ids=_case_id)
def test_each_kind_is_masked_with_its_own_mask(case: dict) -> None:
    text = case["text"]
    stored = redact(text)
    found = find_sensitive(text, mentions=True)
    for secret, kind in zip(case["secrets"], case["kinds"], strict=True):
        assert secret not in stored, stored
        start = text.index(secret)
        here = [f.kind for f in found if f.start < start + len(secret) and f.end > start]
        assert here and here[0] == kind, (secret, here)
        assert MASKS[kind] in stored


@pytest.mark.parametrize("case", CASES["clean"], ids=lambda c: f"{c['lang']}-{c['text'][:30]}")
def test_harmless_words_are_not_masked(case: dict) -> None:
    """Dates of the rejection, times, amounts, order numbers, "I forgot my password", "I'm 17",
    Binance's own addresses: the operators' log must stay readable."""
    stored = redact(case["text"])
    for keep in case["keep"]:
        assert keep in stored, stored


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("my password is Tr0ub4dor&3 can you log in", "my password is [password] can you log in"),
        ("PIN 1234", "PIN [code]"),
        ("the 2fa code is 482913", "the 2fa code is [code]"),
        ("pass: hunter22", "pass: [password]"),
        ("I can't pass KYC level2", "I can't pass KYC level2"),
        ("my password is wrong", "my password is wrong"),
        ("password\nhunter2", "password\nhunter2"),  # nothing ties the next line to the word
        ("call me on +44 7700 900123", "call me on [phone]"),
        ("my email is jane.doe+kyc@example.org", "my email is [email]"),
        ("reset mail came from do-not-reply@post.binance.com", "reset mail came from do-not-reply@post.binance.com"),
        ("I was born 14/02/2009 am I too young", "I was born [date of birth] am I too young"),
        ("my passport expired on 2025-01-01", "my passport expired on 2025-01-01"),
        ("born in Spain, my passport expired on 2025-01-01", "born in Spain, my passport expired on 2025-01-01"),
        ("the account says Jon Smith, the passport says John Smith", "the account says [name], the passport says [name]"),
        ("the account says Jon Smith. Jon Smith is me", "the account says [name]. [name] is me"),
        # a log line: the bot token is a secret, the rest stays readable
        (
            "HTTP Request: POST http://127.0.0.1:8081/bot123456789:AAH5fakeToken_0123456789abcdefgh/getMe",
            "HTTP Request: POST http://127.0.0.1:8081/bot[secret]/getMe",
        ),
    ],
)
def test_masks_keep_the_shape_of_the_message(text: str, stored: str) -> None:
    assert redact(text) == stored


def _left(line: dict, secret: str, stored: str) -> bool:
    """Is the secret (or, for a name, any word of it) still readable in what is stored?"""
    if secret in stored:
        return True
    if "name" not in line["kind"] or any(ch.isdigit() for ch in secret):
        return False
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", stored)
               for w in re.findall(r"\w+", secret) if len(w) >= 2)


def _over_masked(corpus: list[dict]) -> list[tuple[str, str]]:
    """(text, kept string) for each string a clean line must keep that redaction took away."""
    return [(d["text"], k) for d in corpus if not d["secrets"] for k in d.get("keep", [])
            if k not in redact(d["text"])]


def _missed(corpus: list[dict]) -> list[tuple[str, str]]:
    return [(d["text"], s) for d in corpus for s in d["secrets"] if _left(d, s, redact(d["text"]))]


def _holds(corpus: list[dict], *, fully_redacted: int, left: int, over_masked: int) -> None:
    """A blind corpus's floors: lines with no secret left as written, secrets (or words of a
    name) still readable, and kept strings of clean lines lost."""
    full = sum(all(s not in redact(d["text"]) for s in d["secrets"]) for d in corpus if d["secrets"])
    assert full >= fully_redacted, full
    missed = _missed(corpus)
    assert len(missed) <= left, missed
    over = _over_masked(corpus)
    assert len(over) <= over_masked, over


def test_a_name_is_masked_whole_in_scripts_with_vowel_signs() -> None:
    # Devanagari vowel signs are marks, not letters: the mask must not stop after the first one
    stored = redact("मेरा नाम सुनील कुमार है, मेरा पैन रिजेक्ट हुआ")
    assert "ुनील" not in stored and "कुमार" not in stored and "[name]" in stored


def test_a_seed_phrase_with_a_misremembered_word_is_masked_whole() -> None:
    stored = redact("助记词：apple river hollow jazz cabin mint frost north eager lemon spirit quote")
    assert "mint" not in stored and "apple" not in stored
    assert redact("my seed phrase is please help me fix my account now").endswith("account now")


def test_the_blind_corpus_is_fully_redacted_and_its_clean_lines_untouched() -> None:
    missed = _missed(BLIND)
    assert missed == []
    over = _over_masked(BLIND)
    assert over == []


def test_the_second_blind_corpus_leaves_at_most_one_secret_and_masks_no_clean_line() -> None:
    """First measured at 77 of 109 lines fully redacted; the one miss left is a lone first name
    after "this is" ("this is Carlos from Bogotá"), which a rule could not tell from a place."""
    missed = _missed(BLIND3)
    assert len(missed) <= 1, missed
    over = _over_masked(BLIND3)
    assert over == []


def test_the_third_blind_corpus_leaves_at_most_one_secret_and_masks_no_clean_line() -> None:
    """First measured at 98 of 110 lines fully redacted and 7 of 40 clean lines over-masked
    (order and case numbers read as cards and phones, no French words, Hindi cues only in Latin
    letters, Arabic-Indic digits); the one miss left is a name after "أنا" (I am) in Arabic,
    which has no capitals to tell a name from the words after it."""
    missed = _missed(BLIND4)
    assert len(missed) <= 1, missed
    over = _over_masked(BLIND4)
    assert over == []


def test_the_fourth_blind_corpus_leaves_few_secrets_and_masks_no_clean_line() -> None:
    """First measured at 76 of 90 lines fully redacted (by the whole-secret test; a Hindi name
    then lost only its first letter) and 1 of 40 clean lines over-masked. Its even lines were
    read (German cue words, bare "name" words in Vietnamese, Indonesian and Hindi, vowel signs,
    mistyped seed words); its odd lines were only measured. Later all its misses were read
    (payee and account-holder words, a Japanese name with a space), so it is no longer blind."""
    missed = _missed(BLIND5)
    assert len(missed) <= 2, missed
    over = _over_masked(BLIND5)
    assert over == []


# -- what the dialogue is told ---------------------------------------------------------------


def test_warnings_are_the_warn_kinds_and_advice_names_a_message(kb: KnowledgeBase) -> None:
    text = "I'm Jon Smith, UID 12345678, password: Hunter2024 and seed: " + " ".join(["abandon"] * 12)
    everything = {f.kind for f in find_sensitive(text, mentions=True)}
    warned = {f.kind for f in find_sensitive(text)}
    assert everything == {"name", "uid", "password", "seed_phrase"}
    assert warned == {"password", "seed_phrase"} == everything & WARN_KINDS
    assert WARN_KINDS.isdisjoint(MASK_ONLY_KINDS) and set(MASKS) == WARN_KINDS | MASK_ONLY_KINDS
    for kind, key in ADVICE.items():
        assert kind in WARN_KINDS
        assert "new wallet" in kb.message(key) or "2FA" in kb.message(key)


def test_ordinary_messages_are_not_flagged() -> None:
    for text in ("im 17", "my selfie failed 3 times", "level 2 kyc", "i forgot my password", "waited 14 days"):
        assert find_sensitive(text, mentions=True) == [], text


# -- linear time, checked without a clock ----------------------------------------------------


def test_every_pattern_runs_on_re2_and_re2_refuses_backtracking_constructs() -> None:
    compiled = Patterns(load_vocabulary()).all()
    assert len(compiled) > 30
    for pattern in compiled:  # compiled on first use: each one must compile
        pattern.compile()
    for construct in (r"(a+)+\1", r"(?<=a)b", r"a(?=b)", r"a++"):
        with pytest.raises(ValueError, match="RE2"):
            compile_rx(construct)
    source = "\n".join(p.read_text() for p in (REPO / "bot" / "understanding" / "privacy").glob("*.py"))
    assert not __import__("re").search(r"(?<![\w.])re\.(compile|search|match|finditer|sub|findall)\(", source)


def test_a_privacy_file_an_operator_breaks_is_refused(tmp_path: Path) -> None:
    (tmp_path / "privacy.yaml").write_text("version: 1\ncues:\n  names: [x]\n", encoding="utf-8")
    with pytest.raises(PrivacyFileError, match="cues.names"):
        load_vocabulary(tmp_path)
    with pytest.raises(PrivacyFileError, match="cues.names"):  # a refused file is never remembered
        load_vocabulary(tmp_path)


def test_an_operator_s_new_word_is_read_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the words read once are remembered by the files' bytes: a changed file is read again
    monkeypatch.setenv("KYC_HELPER_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "privacy.yaml").write_text('version: 1\ncues:\n  name: ["my handle is"]\n', encoding="utf-8")
    assert load_vocabulary(tmp_path).words("name") == ["my handle is"]
    assert load_vocabulary(tmp_path).words("name") == ["my handle is"]  # from the cache
    (tmp_path / "privacy.yaml").write_text('version: 1\ncues:\n  name: ["my moniker is"]\n', encoding="utf-8")
    assert load_vocabulary(tmp_path).words("name") == ["my moniker is"]


HOSTILE = [
    "a@" * 4000, "x@x." * 2000, "1" * 8000, "1 " * 4000, "1." * 4000, "+1 (" * 2000,
    "born 1.1.1990 " * 600, "password: " * 800, "my name is " * 700, "Jon " * 2000,
    "abandon " * 1000, "0x" + "a" * 8000, "12 Baker Street, " * 500, "[name] " * 1000,
    "at gmail dot " * 600, "Calle " * 1500, "密码是" * 2000, "路88号" * 2000, "(" * 8000,
    "Jon Smith, " * 800, "Hi Binance, " * 700, "серия4608" * 900, "وعنواني " * 1000,
    "A B, born " * 800, "平成8年4月12日" * 700, "code 7HQK-2MZP-9XWA " * 400,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:12]))
def test_work_is_linear_in_the_message(text: str) -> None:
    """The characters handed to RE2 (whose time is linear in them) stay within a fixed multiple
    of the message's length, however long the hostile message grows (1x, 2x, 4x): the work is
    linear, with no input that makes it quadratic."""
    for times in (1, 2, 4):
        message = text * times
        before = Pattern.scanned
        redact(message)
        assert Pattern.scanned - before <= 200 * len(message) + 10_000, times


SECRETS = st.sampled_from([
    "my name is Ana Lima", "password: Qx9!pass", "+44 7700 900123", "jane@example.org",
    "4539 8748 0988 8035", "bc1q6qn070k34vmdmqa262tktastvs8y2dsw6s8sfh", "12 Baker Street",
    "born 03/04/1990", "UID 354829107", "密码是abc12345", "меня зовут Иван Петров",
    "GQIPS4526V", "otp 482913", "cvv 123", " ".join(["zoo"] * 12), "order 2094857362910485",
])
NOISE = st.text(alphabet=st.sampled_from(list("ab1 .,:@#-\n[]Зç密")), max_size=12)


# derandomized: the same 300 cases each run, so CI does not fail at random on a case nobody saw
# (20,000 random cases outside the suite leave one kind of leak: an address glued to an ID
# number with no space, "12 Baker StreetGQIPS4526V", keeps the address readable; open)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(st.lists(st.one_of(SECRETS, NOISE), max_size=8).map("".join))
# a chain that unmasks one layer a pass (found by Hypothesis; it needed four passes)
@example("password: Qx9!passpassword: Qx9!passmy name is Ana Limamy name is Ana Limacvv 123password: Qx9!pass")
def test_redaction_is_idempotent_and_never_leaves_what_it_found(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
    for f in find_sensitive(text, mentions=True):
        secret = text[f.start : f.end]
        if len(secret) >= 4:
            assert secret not in once, (secret, once)


# -- the whole path: console adapter, database file, logs at DEBUG --------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ("", "aiosqlite", "telegram", "telegram.ext", "httpx", "httpcore")
    saved = {name: logging.getLogger(name).level for name in names}
    factory = logging.getLogRecordFactory()
    yield
    log_filter.uninstall()
    logging.setLogRecordFactory(factory)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def _console_script(corpus: list[dict]) -> str:
    lines = []
    for d in corpus:
        text = d["text"]
        lines += ['"""', text, '"""'] if "\n" in text else [text]
    return "\n".join(lines) + "\n"


def test_the_blind_corpus_through_the_console_leaves_no_secret_in_the_database_or_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, restore_logging: None
) -> None:
    db = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO(_console_script(BLIND)))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    caplog.set_level(logging.DEBUG)
    code = cli.main(["--log-level", "DEBUG", "console", "--db", str(db), "--now", "2026-03-02T09:00+00:00"])
    assert code == 0
    con = sqlite3.connect(db)
    stored = "\n".join(con.iterdump())
    unmatched = con.execute("SELECT count(*) FROM unmatched").fetchone()[0]
    con.close()
    assert unmatched > 0 and "[password]" in stored  # the operators' log is there, and masked
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG really was on
    logged = caplog.text
    # (three-digit CVVs turn up in any dump, inside timestamps: the corpus test above covers them)
    leaks = [s for d in BLIND for s in d["secrets"] if len(s) > 3 and (s in stored or s in logged)]
    assert leaks == []


def test_library_loggers_stay_at_info_and_any_record_is_redacted(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    cli.configure_logging("DEBUG")
    logging.getLogger().setLevel(logging.DEBUG)  # what LOG_LEVEL=DEBUG in .env does afterwards
    for name in ("aiosqlite", "telegram.ext.ExtBot", "telegram.Bot"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    # a library that logs user data anyway (here: aiosqlite forced back to DEBUG) is masked
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aiosqlite").debug(
        "executing %s", ("INSERT INTO unmatched VALUES (?)", ["my pass is Sunshine#88, I'm Jon Smith"])
    )
    assert "Sunshine#88" not in caplog.text and "Jon Smith" not in caplog.text
    assert "[password]" in caplog.text


async def test_state_and_events_hold_no_personal_data(kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    chat = await Chat.open(kb, db)
    for case in CASES["cases"]:
        await chat.say(case["text"])
    await chat.close()
    con = sqlite3.connect(db)
    stored = "\n".join(con.iterdump())
    con.close()
    # (a three-digit CVV is found in any dump, in a timestamp: the unit cases cover those)
    assert [s for c in CASES["cases"] for s in c["secrets"] if len(s) > 3 and s in stored] == []


def test_the_fifth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 100 of 120 lines fully redacted and 7 of 50 clean lines over-masked
    (ticket numbers in six languages read as phone numbers). Its even lines were read (name
    cues, ticket words, expiry and IBAN words in every language); its odd lines were only
    measured: 50 -> 56 of 59 (5 secrets, counting every readable word of a name, left in 3
    lines)."""
    missed = _missed(BLIND6)
    assert len(missed) <= 5, missed
    over = _over_masked(BLIND6)
    assert len(over) <= 1, over


def test_the_sixth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 90 of 120 lines fully redacted and 8 of 50 clean lines over-masked
    (ticket numbers in Persian, Bengali and Kazakh read as phone numbers; no words at all for
    seven of its languages). Its even lines were read (label words per language, Solar Hijri
    and Japanese era dates, a name's kana reading, glued cue words in Thai, Arabic and after
    "серия"); its odd lines were only measured: 42 -> 50 of 55 fully redacted, 5 -> 0 of 30
    clean lines over-masked."""
    _holds(BLIND7, fully_redacted=112, left=8, over_masked=1)


def test_the_seventh_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 102 of 120 lines fully redacted, 23 secrets left (counting every
    readable word of a name) and 9 of 50 clean lines over-masked (ticket numbers in Tagalog and
    Hebrew read as phone numbers; no words at all for eight of its languages). Its even lines
    were read (word lists for tl, ro, nl, sw, az, he, el, ur; name labels without a colon, a
    name between "I am" and "from", a lowercase name opening the message, a town and postcode
    after an address, PO boxes, glued street words, public people's names); its odd lines were
    measured: 45 -> 47 of 56 fully redacted, 6 -> 1 of 29 clean lines over-masked (the misses
    of its odd lines were seen once at 46 of 56, so the last step is not blind). All lines:
    102 -> 111 of 120, 23 -> 13 secrets left, 9 -> 1 of 50 over-masked."""
    _holds(BLIND8, fully_redacted=109, left=15, over_masked=2)


def test_the_eighth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 83 of 120 lines fully redacted (no word of a secret readable), 40
    secrets left and 9 of 50 clean lines over-masked, at the start of the day; 90 of 120, 32
    secrets left and 7 of 50 over-masked after the blind8 round. Its even lines were read (word
    lists for the nine languages no corpus had: Serbian, Czech, Swedish, Hungarian, Georgian,
    Armenian, Amharic, Yoruba, Hausa; Georgian read as a script without capitals; a house word
    as an address cue; "打成" before a name in Latin letters; a lowercase name opening the message
    closed after a comma by "писал" or by another datum's label, "é o joão pedro nascimento,
    zap ..."; dates "14. 3. 1994" and "1994. március 14."); its odd lines were only measured:
    37 -> 44 of 56 lines with no secret word left, 20 -> 12 secrets left, 4 -> 1 of 29 clean
    lines over-masked. All lines: 90 -> 108 of 120 (111 with no secret as written), 32 -> 12
    secrets left, 7 -> 1 of 50 over-masked; even lines 53 -> 64 of 64."""
    _holds(BLIND9, fully_redacted=109, left=14, over_masked=2)


def test_warming_compiles_every_pattern_before_the_first_message() -> None:
    # the Telegram bot warms up at start so that no user waits for a compile
    from bot.understanding import privacy
    from bot.understanding.privacy import _current

    privacy.warm()
    found = _current().all()
    assert found and all(p._compiled is not None for p in found)


def test_the_tenth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 79 of 120 lines fully redacted (no secret as written left), 53 secrets
    left and 10 of 50 clean lines over-masked (81 of 120 when the privacy11 round began). Its
    even lines were read (word lists for the languages no corpus had: Belarusian, Kyrgyz, Zulu,
    Finnish, Latvian, Lithuanian, Estonian, Sinhala, Lao, Tamil, Telugu, Marathi, Nepali,
    Burmese, Khmer, Mongolian, Tajik, Somali, Bulgarian; digits and street names of Indic,
    Lao, Khmer, Burmese... scripts; a birth year still to come read as Bikram Sambat; "FİN
    kodum 5ZK8R2T"; a Persian name with a zero-width non-joiner; dates in Chinese numerals, in
    Hebrew letters and English dates spelled out; a lane number in a Chinese address; a
    token's contract address kept; phone words as labels that close a name; a name between
    two data in a one-line form; a name in small letters after "i typed" or a document and
    "says", "in de app staat sanne van den berg en ..."); its odd lines were only measured: 38
    -> 47 of 57 lines, 27 -> 11 secrets left, 6 -> 4 of 28 clean lines over-masked. All lines:
    81 -> 109 of 120, 53 -> 12 secrets left, 10 -> 4 of 50 over-masked; even lines 43 -> 62 of
    63, 26 -> 1 left, 4 -> 0 of 22."""
    _holds(BLIND10, fully_redacted=107, left=14, over_masked=6)


def test_a_refused_cue_word_gives_way_to_a_shorter_word_of_the_list() -> None:
    # "live in" is found first in "live Inverness" and refused (its "in" opens a word); the
    # shorter "live" at the same place is the cue, and a refusal of every length finds nothing
    pattern = compile_rx(r"(?i:live\s+in|live)")

    def whole_word(m: object) -> bool:
        end = m.end()  # type: ignore[attr-defined]
        return end == len(text) or not text[end].isalpha()

    text = "I live Inverness Road 12"
    assert [m.span() for m in pattern.finditer(text, whole_word)] == [(2, 6)]
    text = "I lived there"
    assert list(pattern.finditer(text, whole_word)) == []
    assert redact("bydlím Velflíkova 311/7, 160 00 Praha 6") == "bydlím [address]"


def test_the_eleventh_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    """First measured at 97 of 120 lines fully redacted (no word of a secret readable), 29
    secrets left and 15 of 50 clean lines over-masked. Its even lines were read (transaction
    hashes kept; operation and P2P order words in es, pt, it, fr, tr, so; a refused cue word
    giving way to a shorter one, Czech "bydlím"; Pashto and Igbo word lists; Arabic, Urdu and
    Persian Hijri months; Chinese village addresses; Romanian and transliterated Russian name
    labels; numbers dictated in groups; a lowercase name closed by a label without a comma; a
    name's respelling); its odd lines were only measured: 41 -> 42 of 55, 19 -> 18 secrets
    left, 8 -> 6 of 30 over-masked. All lines: 97 -> 107 of 120, 29 -> 18 left, 15 -> 9 of 50
    over-masked; even lines 56 -> 65 of 65, 10 -> 0 left, 7 -> 3 of 20 (two wallet addresses,
    which this redactor masks by design, and a public figure not on the list)."""
    _holds(BLIND11, fully_redacted=108, left=18, over_masked=9)


def test_the_twelfth_blind_corpus_holds_its_floors() -> None:
    """74 languages. First measured at 81 of 120 lines fully redacted, 48 secrets left, 14 of 50
    clean lines over-masked. From its even lines: full-width "＠", "．", "－" and letters read as
    ASCII (an e-mail typed on a Japanese or Chinese keyboard), and name cues for Danish, Arabic
    "الاسم", Urdu "نام", Kurdish, Kannada and Punjabi (new word files). Odd lines only measured:
    38 -> 39 of 55, 22 -> 21 left, 9 -> 9 of 30 over-masked (this test counts one more clean line
    as over-masked than the first measurement's scorer)."""
    _holds(BLIND12, fully_redacted=89, left=38, over_masked=15)


def test_the_thirteenth_blind_corpus_holds_its_floors() -> None:
    """73 languages, with glued secrets, pasted forms, passport machine-readable lines and e-mails
    spelled with each language's word for "@". First measured at 72 of 120 lines fully redacted,
    66 secrets left, 8 of 50 clean lines over-masked. From its even lines: the machine-readable
    lines masked whole, spelled e-mails in 12 more languages, a contract address after
    "合约地址" kept, a withdrawal id kept. Odd lines only measured: 33 -> 38 of 61, 42 -> 33
    left, 2 -> 2 of 24 over-masked."""
    _holds(BLIND13, fully_redacted=86, left=49, over_masked=6)


def test_the_fifteenth_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind15.md: first 75 of 120 / 58 left / 6 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND15, fully_redacted=90, left=41, over_masked=6)


def test_the_sixteenth_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind16.md: first 89 of 120 / 35 left / 17 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND16, fully_redacted=94, left=30, over_masked=10)  # (the test counts 10 where pii_eval counts 9)


def test_the_eighteenth_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind18.md: first 88 of 120 / 38 left / 9 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND18, fully_redacted=110, left=13, over_masked=8)


@pytest.mark.parametrize(("text", "secret"), [
    # a phone said in groups with words between (pii18 even lines)
    ("my mobile is 0412, then 555, then 019, after 5pm please", "555"),
    ("Мой номер +7 912, потом 345, потом 67 89, звоните вечером", "345"),
    # a name alone on a line of a pasted form, next to data found
    ("Emily Carter\n12/03/1990\nemily.c@example.com\nthis is what I used", "Carter"),
    ("陈志强\n广东省深圳市南山区科技园路8号\n13800138000", "陈志强"),
    # an SMS code typed a digit at a time; a password in Chinese text; a label's odd separator
    ("Код из смс 5 8 2 9 1 4, а сайт пишет «неверный код»", "5 8 2"),
    ("登录密码就是我女儿小名加生日 xiaoyu0612，是不是太简单", "xiaoyu0612"),
    ("სახელი— ნინო\nგვარი— ბერიძე", "ნინო"),
    ("ስም፦ አበበ ከበደ ተሰማ", "ከበደ"),
    ("マイナンバー：１２３４\u3000５６７８\u3000９０１２", "５６７８"),
])
def test_data_in_the_eighteenth_corpus_shapes_is_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_the_nineteenth_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind19.md: first 90 of 120 / 36 left / 4 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND19, fully_redacted=108, left=18, over_masked=3)  # (the test counts 3 where pii_eval counts 2)


def test_the_twenty_first_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind21.md: first 103 of 120 / 22 left / 0 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND21, fully_redacted=111, left=14, over_masked=0)


def test_the_twenty_third_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind23.md: first 95 of 120 / 38 left / 1 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND23, fully_redacted=105, left=24, over_masked=0)


def test_the_twenty_fourth_blind_corpus_keeps_its_figures() -> None:
    # tests/data/pii/blind24.md: first 106 of 120 / 17 left / 5 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND24, fully_redacted=112, left=10, over_masked=3)  # (3 kept strings of 2 lines)


@pytest.mark.parametrize(("text", "stored"), [
    ("我的手机号是幺三九 零二七一 五八四六，有结果通知我", "我的手机号是[number]，有结果通知我"),
    ("一九九五年一月三十日出生，第三次被拒了，等了十四天", "[date of birth]出生，第三次被拒了，等了十四天"),
    ("否認されました。氏名：佐々木 遥香、生年月日：1995年4月2日", "否認されました。氏名：[name]、生年月日：[date of birth]"),
    ("В паспорте: Кузнецова-Бельская Алина Игоревна, всё верно", "В паспорте: [name], всё верно"),
    ("Перезвоните, спросить Тамару Викторовну.", "Перезвоните, спросить [name]."),
    ("Appeal ID: KYC-APL-553210, still waiting", "Appeal ID: KYC-APL-553210, still waiting"),
])
def test_data_in_the_twenty_fourth_corpus_shapes_is_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a notice's salutation quoted anywhere, in any language
    ("got this: 'Dear John Smith, your application was not approved'",
     "got this: 'Dear [name], your application was not approved'"),
    ("пришло: «Уважаемый Иван Петров, ваша заявка отклонена»", "пришло: «Уважаемый [name], ваша заявка отклонена»"),
    ("收到邮件：尊敬的王小明，您的认证未通过", "收到邮件：尊敬的[name]，您的认证未通过"),
    ("Dear valued customer, your KYC failed", "Dear valued customer, your KYC failed"),
    ("Уважаемый пользователь, ваша заявка", "Уважаемый пользователь, ваша заявка"),
    # a greeting at the start of a later line
    ("Fwd: Binance Verification\n\nDear Callum Fitzgerald-Hay,\nYour KYC", "Fwd: Binance Verification\n\nDear [name],\nYour KYC"),
    # a passport's "SURNAME, Given names"; a Luo name's apostrophe; "dela"
    ("英文姓名：CHAN, Tsz Ching", "英文姓名：[name]"),
    ("Jina langu ni Achieng' Atieno Odhiambo, namba", "Jina langu ni [name], namba"),
    ("Ako po si Maria Cristina dela Cruz-Bautista, PhilSys", "Ako po si [name], PhilSys"),
    # an e-mail spelt out without spaces in Chinese, in Malay words
    ("发到 chenxiaoyu0612艾特qq点com 就行", "发到 [email] 就行"),
    ("e-mel aisyah.kamarudin95 di gmail titik com", "e-mel [email]"),
    # a document's file number, whose label holds an order word ("编号")
    ("驾驶证档案编号 3201 0048 2736，准驾车型C1", "驾驶证档案编号 [id number]，准驾车型C1"),
    ("工单编号 20240611553821", "工单编号 20240611553821"),
    # "姓名和地址": a form's other field, no name
    ("姓名和地址这两栏必须和身份证上一模一样吗？", "姓名和地址这两栏必须和身份证上一模一样吗？"),
    # an authenticator key with a slip (a 9), security answers in quotes
    ("the Authenticator setup key I saved was KQ7M 4XRT 2LPA 9WZE", "the Authenticator setup key I saved was [code]"),
])
def test_data_in_the_twenty_third_corpus_shapes_is_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a security question told in a sentence, its answer after a verb of answering
    ("for the mother's maiden name question I put Kowalczyk, maybe I spelled it wrong?",
     "for the mother's maiden name question I put [secret], maybe I spelled it wrong?"),
    ('Security question was "name of your first school" and I answered St. Brigid\'s Primary. Why?',
     'Security question was "name of your first school" and I answered [secret]. Why?'),
    ("контрольный вопрос — кличка первого питомца, ответ Тузик. Поддержка говорит неверно",
     "контрольный вопрос — кличка первого питомца, ответ [secret]. Поддержка говорит неверно"),
    ("odpowiedź na pytanie bezpieczeństwa: Reksio", "odpowiedź na pytanie bezpieczeństwa: [secret]"),
    # ... but not a question talked about
    ("the security question is confusing and I answered nothing",
     "the security question is confusing and I answered nothing"),
    # the rest of a number typed on the next line
    ("身份证号码是 61011319950523\n020X 刚才发的时候断成两行了",
     "身份证号码是 [id number]\n[id number] 刚才发的时候断成两行了"),
    # a forwarded mail's greeting
    ("Fwd: Dear Marcus T. Whitfield,\nYour KYC application was not approved",
     "Fwd: Dear [name],\nYour KYC application was not approved"),
])
def test_data_in_the_twenty_first_corpus_shapes_is_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "secret"), [
    # the user's own line in a pasted support chat, after a question for personal data
    ("Agent: please confirm your home address\nMe: 14 Carrington Rd, Leeds\nAgent: thanks", "Carrington"),
    ("客服：請回答您設定的安全問題：您就讀的第一所學校？\n我：新竹市東門國小\n客服：已收到", "東門國小"),
    # a security answer told in a sentence, a password in quotes with spaces
    ('my security question "what was your first school?" and I answered St. Bridget\'s School.', "Bridget"),
    ("Пароль у меня «зимний лес 2021», с пробелами", "зимний лес"),
    ("Numri im personal është J12345678A, quhem Ardit Hoxha dhe celulari", "Hoxha"),
])
def test_data_in_the_nineteenth_corpus_shapes_is_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize("text", [
    "Agent: how can I help?\nMe: my kyc failed twice",
    "what is a security question? I never set one",
    'the password field says "incorrect" every time',
    'I typed my password, it said "wrong password"',
])
def test_chat_lines_and_quotes_that_hold_no_data_are_kept(text: str) -> None:
    assert redact(text) == text


def test_a_number_before_a_button_label_on_the_next_line_is_no_amount() -> None:
    # review of this session's change: "123456789\nTry Again" read as 123,456,789 Turkish lira
    assert "123456789" not in redact("Submitted 12/03/2024\nID: 123456789\nTry Again")
    assert redact("I paid 5000 TRY for it") == "I paid 5000 TRY for it"


def test_amounts_said_in_parts_after_a_phone_word_are_not_a_phone() -> None:
    # fewer than seven digits in all: not a phone
    assert redact("my number is 2, then 3, then 4") == "my number is 2, then 3, then 4"


def test_passport_machine_readable_lines_are_masked_whole() -> None:
    text = "is this the problem?\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    stored = redact(text)
    assert "ERIKSSON" not in stored and "L898902C3" not in stored and "7408122" not in stored
    assert stored.startswith("is this the problem?")
    assert redact("a << b, x<<y") == "a << b, x<<y"  # a shift or a quote mark is no passport


def test_a_long_run_of_spoken_digits_is_masked_to_its_end_and_a_short_one_kept() -> None:
    # however long the run (the pattern once stopped at 31 words and left the rest readable)
    spoken = " ".join(["zero", "eight", "five", "one", "nine"] * 8)
    stored = redact(f"my card number is {spoken} thanks")
    assert not any(w in stored for w in ("zero", "eight", "five", "nine")), stored
    # fewer than seven words said one by one are an age or an amount, not a number to hide
    assert redact("I am twenty two and paid five hundred") == "I am twenty two and paid five hundred"


@pytest.mark.parametrize(("text", "secret"), [
    # voice typing writes some groups as digits between the spoken ones (pii15 even lines)
    ("my number is plus four four seven nine one one 48 two seven three six", "48 two seven"),
    ("мой номер плюс семь девятьсот шестнадцать 482 тридцать семь 15", "482 тридцать"),
    # a name in a one-line form, before an address or the same name in Latin letters
    ("asmens kodas 39001010017, Mantas Kazlauskas, Gedimino pr. 9-14, Vilnius", "Kazlauskas"),
    ("ЈМБГ 0101990715012, Јована Петровић (Jovana Petrović), tel. 064 123 4567", "Петровић"),
])
def test_spoken_numbers_with_digit_groups_and_form_names_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_digits_alone_or_an_amount_in_words_are_not_a_spoken_number() -> None:
    assert redact("I sent 100 usdt two times, 50 and 30") == "I sent 100 usdt two times, 50 and 30"


@pytest.mark.parametrize(("text", "name"), [
    ("security question mothers maiden name = Fairweather", "Fairweather"),
    ("y el apellido de soltera de mi vieja es Ferreyra", "Ferreyra"),
    ("anne kızlık soyadı Yılmaz, doğum tarihi 12.03.1990", "Yılmaz"),
    ("my naam is Pieter van der Merwe, ID-nommer 8001015009087", "Merwe"),  # Afrikaans cues
])
def test_a_maiden_name_and_an_afrikaans_name_are_masked(text: str, name: str) -> None:
    assert name not in redact(text)



def test_the_twenty_fifth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    # tests/data/pii/blind25.md: first 104 of 120 / 18 left / 1 over-masked line; tuned on the
    # even lines only
    _holds(BLIND25, fully_redacted=110, left=11, over_masked=1)


def test_the_twenty_sixth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    # tests/data/pii/blind26.md: first 74 of 120 / 61 left / 3 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND26, fully_redacted=84, left=47, over_masked=3)


def test_the_twenty_seventh_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    # tests/data/pii/blind27.md: first 99 of 120 / 22 left / 0 over-masked lines; tuned on the
    # even lines only
    _holds(BLIND27, fully_redacted=105, left=16, over_masked=0)  # (blind33's round: 105 / 16)


def test_the_twenty_eighth_blind_corpus_leaves_few_secrets_and_masks_no_clean_line() -> None:
    # tests/data/pii/blind28.md: first 108 of 120 / 16 left / 1 over-masked line; tuned on
    # lines 2, 4, 6... only
    _holds(BLIND28, fully_redacted=110, left=14, over_masked=0)


def test_the_twenty_ninth_blind_corpus_leaves_few_secrets_and_masks_few_clean_lines() -> None:
    # tests/data/pii/blind29.md: first 91 of 120 / 34 left / 3 over-masked; tuned on lines
    # 2, 4, 6... only
    _holds(BLIND29, fully_redacted=100, left=24, over_masked=2)


@pytest.mark.parametrize(("text", "stored"), [
    # a name after a family or relationship word, and in scripts without capitals the word
    # that closes it; not a place after "I am from"
    ("I think my ex Callum Fitzgerald-Reeve opened an account", "I think my ex [name] opened an account"),
    ("میرے بھائی عمران علی نے اسی سے اکاؤنٹ بنایا", "میرے بھائی [name] نے اسی سے اکاؤنٹ بنایا"),
    ("أنا من مصر في الإمارات منذ 2020", "أنا من مصر في الإمارات منذ 2020"),
    # an Italian birth date in words
    ("nato il dieci dicembre millenovecentoottantacinque, eppure",
     "nato il [date of birth] millenovecentoottantacinque, eppure"),
])
def test_blind29_even_line_shapes_are_masked_and_near_misses_are_not(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a security answer in Turkish, told in a sentence; not when it is forgotten
    ("Güvenlik sorusunun cevabı Karabaş idi", "Güvenlik sorusunun cevabı [secret]"),
    ("güvenlik sorusunun cevabını hatırlamıyorum", "güvenlik sorusunun cevabını hatırlamıyorum"),
    # a date in Chinese numerals with no 日 after the day (a lunar birthday)
    ("我生日是农历一九八八年八月十五，公历是", "我生日是农历[date of birth]，公历是"),
    # an error's number after its name is no secret code; a code after "sms code" is
    ("failed with FACE_NOT_MATCH (code 4003). Lighting was fine",
     "failed with FACE_NOT_MATCH (code 4003). Lighting was fine"),
    ("my sms code 4003", "my sms code [code]"),
])
def test_blind28_even_line_shapes_are_masked_and_near_misses_are_not(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a security answer after a Chinese verb of answering glued to it; not a question word
    ("客服问我密保问题“你的小学叫什么”，我答的是育才实验小学，结果说不对",
     "客服问我密保问题“你的小学叫什么”，我答的是[secret]，结果说不对"),
    ("密保问题我答的是什么我也忘了", "密保问题我答的是什么我也忘了"),
    # pii32: the answer after "I remember it is" ("答案我记得是X"), not a question ("...来着")
    ("安全问题答案我记得是青松中学，但是系统说不对", "安全问题答案我记得是[secret]，但是系统说不对"),
    ("密保答案我记得是什么来着", "密保答案我记得是什么来着"),
    # a date in the Republic of China's calendar; dates said in Russian and French words
    ("我是民國八十五年三月十二日出生的", "我是[date of birth]出生的"),
    ("дата рождения у меня двенадцатое апреля девяносто восьмого года, а система",
     "дата рождения у меня [date of birth], а система"),
    ("je suis née le douze juin mille neuf cent quatre-vingt-quinze, numéro",
     "je suis née le [date of birth], numéro"),
    # Hebrew "I am" and a name closed by a comma; not where one lives or a mood
    ("שלום, אני יוסי כהן, תעודת זהות", "שלום, אני [name], תעודת זהות"),
    ("אני גר בתל אביב, מה לעשות", "אני גר בתל אביב, מה לעשות"),
    ("אני עייף, נדחיתי שוב", "אני עייף, נדחיתי שוב"),
])
def test_blind27_even_line_shapes_are_masked_and_near_misses_are_not(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a sign-off after a dash, the name with a hyphen of its own; after a doubled dash
    ("thanks in advance — Mathieu Tremblay-Roy", "thanks in advance — [name]"),
    ("身份证号码我就不发了\n——赵立军", "身份证号码我就不发了\n——[name]"),
    # a sign-off in small letters
    ("thanks for the help. Cheers, harriet", "thanks for the help. Cheers, [name]"),
    # a security answer after a dash right after its question, unless an answer is told later
    ("кодовое слово для поддержки — Мурзик. Помогите", "кодовое слово для поддержки — [secret]. Помогите"),
    ("контрольный вопрос — кличка первого питомца, ответ Тузик. Помогите",
     "контрольный вопрос — кличка первого питомца, ответ [secret]. Помогите"),
    # "I am" and a name closed by a comma, in scripts without capitals; not a mood
    ("أنا فاطمة علي، رقم الهوية", "أنا [name]، رقم الهوية"),
    ("მე ვარ ნინო ბერიძე, პირადი ნომერი", "მე ვარ [name], პირადი ნომერი"),
    ("أنا متضايق جدا، ساعدوني", "أنا متضايق جدا، ساعدوني"),
    ("მე ვარ ძალიან ნერვიული, დამეხმარეთ", "მე ვარ ძალიან ნერვიული, დამეხმარეთ"),
])
def test_sign_offs_dash_answers_and_comma_closed_introductions(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a Chinese-wordlist seed phrase: single characters, each apart from the next
    ("客服让我发助记词：牵 您 沙 闷 规 营 忆 块 敌 维 腿 埋，可以吗", "客服让我发助记词：[seed phrase]，可以吗"),
    ("我的是 牵 您 沙 闷 规 营 忆 块 敌 维 腿 埋 对吗", "我的是 [seed phrase] 对吗"),
    # ... but a plea typed with spaces is no phrase
    ("请 帮 帮 我 吧 好 吗 我 真 的 很 急 啊 求 求 了", "请 帮 帮 我 吧 好 吗 我 真 的 很 急 啊 求 求 了"),
    # a surname and a given name one space apart before と申します
    ("お世話になります。高橋 直樹と申します。", "お世話になります。[name]と申します。"),
    # a Russian salutation in translit
    ("Uvazhaemaya Olga Smirnova, vasha zayavka otklonena", "Uvazhaemaya [name], vasha zayavka otklonena"),
    # a security answer in quotes right after the verb of answering, with a particle after it
    ("보안 질문 답은 '파란바다'로 해놨어요.", "보안 질문 답은 '[secret]'로 해놨어요."),
])
def test_data_in_the_twenty_fifth_corpus_shapes_is_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


def test_the_thirtieth_blind_corpus_leaves_few_secrets_and_masks_no_clean_line() -> None:
    # tests/data/pii/blind30.md: first 89 of 120 / 34 left / 0 over-masked; tuned on lines
    # 2, 4, 6... only
    _holds(BLIND30, fully_redacted=99, left=24, over_masked=0)


def test_the_thirty_first_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind31.md: first 108 of 120 / 14 left / 2 over-masked; tuned on lines
    # 2, 4, 6... only
    _holds(BLIND31, fully_redacted=115, left=7, over_masked=2)  # (blind33's round: 115 / 7)


def test_the_thirty_second_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind32.md: first 116 of 120 / 4 left / 0 over-masked; tuned on lines
    # 2, 4, 6... only
    _holds(BLIND32, fully_redacted=117, left=3, over_masked=0)


def test_the_thirty_third_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind33.md: first 98 of 120 / 28 left / 1 over-masked; tuned on lines
    # 2, 4, 6... only
    _holds(BLIND33, fully_redacted=108, left=17, over_masked=1)


def test_the_thirty_fourth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind34.md: first 113 of 120 / 9 left / 1 over-masked, as now (not tuned)
    _holds(BLIND34, fully_redacted=113, left=9, over_masked=1)


def test_the_thirty_fifth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind35.md: first 102 of 120 / 19 left / 2 clean lines over-masked (3 kept
    # words); tuned on lines
    # 2, 4, 6... only (a greeting on a quoted line, spelled digits after a code's word, form
    # labels without a colon in 48 more languages)
    _holds(BLIND35, fully_redacted=107, left=15, over_masked=3)


def test_the_thirty_seventh_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind37.md: first 107 of 120 / 15 left / 4 clean lines over-masked (8 kept words); tuned
    # on lines 2, 4, 6... only (one given name after a relative or "his name is": `name_given`)
    _holds(BLIND37, fully_redacted=113, left=8, over_masked=8)


def test_the_thirty_ninth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind39.md: first 105 of 120 / 19 left / 1 clean line over-masked; tuned on
    # lines 2, 4, 6... only (a name under its label on the next line or in a table's column,
    # "Surname, Given" after a label, a code read out in pairs, "it's me Bobby", security
    # answers in Japanese and Swahili)
    _holds(BLIND39, fully_redacted=114, left=9, over_masked=1)


def test_the_forty_first_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind41.md: first 103 of 120 / 25 left / 7 kept strings of clean lines lost;
    # tuned on lines 2, 4, 6... only (an API key, a mistyped IBAN in a message that says IBAN, a
    # name after a title, order-number words in five languages, Hebrew and Armenian name cues)
    _holds(BLIND41, fully_redacted=108, left=18, over_masked=2)


def test_the_forty_third_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind43.md: first 103 of 120 / 24 left / 1 clean line over-masked; tuned
    # on lines 2, 4, 6... only (a name again in any case, a name in brackets after its label,
    # a name's reading and Latin spelling in brackets, German account-holder labels)
    _holds(BLIND43, fully_redacted=110, left=16, over_masked=1)


def test_the_forty_fifth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind45.md: first 89 of 120 / 45 left / 4 clean lines over-masked; tuned
    # on lines 2, 4, 6... only (a name's words again, shorter, longer or without accents; a
    # code said in words a few words after its name; a city alone is no address; account
    # holder and passport-name labels in five languages)
    _holds(BLIND45, fully_redacted=104, left=23, over_masked=0)


def test_the_forty_seventh_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind47.md: first 97 of 120 / 27 left / 2 clean lines over-masked; tuned
    # on lines 2, 4, 6... only (a signature block's name, a place of birth's field, a seed
    # phrase of any language's list after its cue, a "92.11.23" date of birth, reference codes)
    _holds(BLIND47, fully_redacted=103, left=21, over_masked=0)


def test_the_forty_eighth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind48.md: first 97 of 120 / 32 left / 4 clean lines over-masked; tuned
    # on lines 2, 4, 6... only (names in a program's fields: JSON, a link's query, key=value,
    # a CSV row under its header; an e-mail address percent-encoded; nicknames after "call
    # me" in nine languages; Arabic titles and "bin"; patronymic words in Azerbaijani and
    # Kyrgyz; a build's number in brackets and Japanese "error" and "version" words)
    _holds(BLIND48, fully_redacted=111, left=13, over_masked=2)


def test_the_forty_ninth_blind_corpus_leaves_few_secrets() -> None:
    # tests/data/pii/blind49.md: first 108 of 120 / 15 left / 3 clean lines over-masked; tuned
    # on lines 2, 4, 6... only (a Chinese name before "的" and a document or after a label's
    # "是"; a name in Latin letters or its kana reading in brackets; Ukrainian patronymics in
    # other cases; Polish "założone na"; "account is under"; a card's code after its word; a
    # birth year alone; the French social security number; an order's "nr." and "报错代码")
    _holds(BLIND49, fully_redacted=117, left=6, over_masked=1)


@pytest.mark.parametrize(("text", "secret"), [
    # a Chinese name that owns a document, and one after a label's link word
    ("昨天用了陈思远的银行卡转账，现在被冻结了", "陈思远"),
    ("麻烦查一下，這是黃美玲的護照", "黃美玲"),
    ("欧阳娜娜的护照过期了", "欧阳娜娜"),
    ("收款人为孙丽，卡号在下面", "孙丽"),
    # a name in Latin letters in brackets after words of another script ("in Latin letters")
    ("Меня зовут Ольга Сидоренко (латиницей Olha Sydorenko), не проходит", "Sydorenko"),
    ("اسمي خالد المنصوري (بالإنكليزية Khalid Al-Mansouri)", "Khalid"),
    ("我叫张伟（英文 Zhang Wei）", "Zhang Wei"),
    # a Japanese name's reading in hiragana in brackets
    ("私は高橋 健（たかはし けん）です", "たかはし"),
    # Ukrainian patronymics in other cases, a Polish account set up in someone's name
    ("Документи на ім'я Шевченка Андрія Івановича", "Андрія"),
    ("Потрібна допомога Мельник Ірині Василівні", "Ірині"),
    ("Rachunek jest zarejestrowany na Piotra Zielińskiego, nie wiem czemu", "Zielińskiego"),
    # whose name an account is under, in small letters or capitalised
    ("the account is under john paul okafor.", "okafor"),
    ("the account is under Tomás Herrera Ruiz.", "Herrera"),
    # a card's code after its bare word, the expiry between
    ("visa 4539 1488 0343 6467, exp 11/27, code 482", "482"),
    ("carta 4539 1488 0343 6467 scadenza 11/27 codice 331", "331"),
    # the French social security number by the words people say it with
    ("mon NIR est le 2 84 05 13 055 147 82", "2 84 05 13 055 147 82"),
    # a birth year alone right after a birth word, with its ending in words
    ("I was born in 1999 so I'm old enough", "1999"),
    ("народився у 2001-му, паспорт є", "2001"),
    ("nasci em 1996 e o app diz menor", "1996"),
])
def test_what_the_forty_ninth_round_masks(text: str, secret: str) -> None:
    assert secret not in redact(text), redact(text)


@pytest.mark.parametrize("text", [
    # a place or a common word before "的" and a document, a relative's nationality
    "韩国的护照能认证吗",
    "我朋友的身份证可以用吗",
    "江苏的身份证可以吗",
    "我老公是韩国人，能用他的护照吗",
    # no name in brackets: a service in Latin letters, a word after a Japanese name
    "Меня зовут [name] (через Binance Pay)",
    "田中さん（たぶん）に聞いた",
    # what an account is under besides a name
    "my account is under manual review",
    "my account is under temporary restriction.",
    "account is under Risk Control, why",
    "Konto założone na firmę, czy to problem?",
    # a code after a card in another sentence is not the card's
    "card [card] got declined. The support code is wrong",
    # a year that is no birth year: after a sign, too recent, a decade, a certificate's
    "born in Spain, my passport expired in 2015",
    "born in 2024? no, my son was",
    "i was born in the 1990s",
    "birth certificate 2010",
    # an order's number after its number sign with a full stop, an error's after 报错代码
    "Zgłoszenie nr. 55120938 nadal otwarte",
    "tichetul nr. 55120938 e deschis",
    "pedido núm. 55120938 no llegó",
    "报错代码 100013，怎么办",
    "報錯碼 300021 是什么意思",
])
def test_what_the_forty_ninth_round_keeps(text: str) -> None:
    assert redact(text) == text


def test_the_forty_ninth_rounds_masks_say_what_was_there() -> None:
    # the card's code is a CVV, a code named for what it is stays a code; the social security
    # number is an ID number, no phone; a birth year takes its ending in words
    assert redact("cartão 5162 9034 7718 2046 validade 04/28 código 913") == "cartão [card] validade [card] código [cvv]"
    assert redact("card 4111 1111 1111 1111 and 2fa code 4821") == "card [card] and 2fa code [code]"
    assert redact("numéro de sécu 1 87 01 75 114 023 45") == "numéro de sécu [id number]"
    assert redact("дочка родилась в 2008-м, можно?") == "дочка родилась в [date of birth], можно?"


# -- review 49 of the forty-ninth round's rules ----------------------------------------------


@pytest.mark.parametrize(("text", "stored"), [
    # H6: after a name label (我叫, 姓名, a label's link word) a name is a name whatever its last
    # character, and a place is not looked for there
    ("我叫张国，认证被拒了", "我叫[name]，认证被拒了"),
    ("姓名：陈国", "姓名：[name]"),
    ("我是王国，身份证过期了", "我是[name]，身份证过期了"),
    ("我叫林州，名字对不上", "我叫[name]，名字对不上"),
    ("名字是李州，护照上一样", "名字是[name]，护照上一样"),
    ("持卡人为赵国，卡被冻结了", "持卡人为[name]，卡被冻结了"),
    ("我叫陳國，認證失敗", "我叫[name]，認證失敗"),
    ("姓名：金华", "姓名：[name]"),
    # ... but after a weak link ("我是") a place or a person of one is none (`places`)
    ("我是韩国人", "我是韩国人"),
    ("我是高雄人，护照能用吗", "我是高雄人，护照能用吗"),
    ("我是温州的，身份证被拒", "我是温州的，身份证被拒"),
    ("我是林州人", "我是林州人"),
    ("我老公是台湾人", "我老公是台湾人"),
])
def test_a_chinese_name_after_its_label_whatever_it_ends_in(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize("text", [
    # M1: a family word, an adjective, a card's tier, a place before "的" and a document (the
    # review's sentences, then others: at the start, after a verb, 这是)
    "用了孙子的身份证", "用了孙女的身份证", "是常见的银行卡", "是白金的银行卡", "是黄金的银行卡",
    "是明星的护照", "是高龄的身份证", "是何时的身份证", "是高雄的身份证", "是黄冈的身份证",
    "是古巴的护照", "是马里的护照", "是蒙古的护照", "是黎巴嫩的护照", "是金门的身份证",
    "孙子的身份证能用吗", "这是白金的信用卡吗", "高雄的身份证", "用了外孙女的身份证",
    "是万事达的信用卡", "付款用的银行卡被冻结了", "马来西亚的护照可以吗", "蒙古的护照",
])
def test_no_chinese_name_owns_a_document_without_a_sign_of_a_person(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(("text", "stored"), [
    # ... a name still does: at the start, after a verb that takes a person, after 这是
    ("张伟的身份证是我帮他拍的", "[name]的身份证是我帮他拍的"),
    ("用了李小龙的护照", "用了[name]的护照"),
    ("借了王国强的身份证", "借了[name]的身份证"),
    ("这是刘洋的银行卡", "这是[name]的银行卡"),
    ("我拿了陈静的护照去认证", "我拿了[name]的护照去认证"),
])
def test_a_chinese_name_owns_a_document_after_a_sign_of_a_person(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "warned"), [
    # M2: a birth year alone is masked but not warned about (it is how an age is told); a full
    # date of birth still is
    ("I was born in 2008 and my KYC was rejected, why?", set()),
    ("Год рождения 1995, а в аккаунте стоит 1996", set()),
    ("born in 1999 but binance says 2009", set()),
    ("我出生于2009年，认证被拒了", set()),
    ("urodziłam się w 2009 r. i odrzucili weryfikację", set()),
    ("I was born 14/02/2009 am I too young", {"date_of_birth"}),
])
def test_a_birth_year_alone_is_masked_without_a_warning(text: str, warned: set[str]) -> None:
    assert "[date of birth]" in redact(text)
    assert {f.kind for f in find_sensitive(text)} == warned
    assert "birth_year" in MASK_ONLY_KINDS


async def test_the_chat_gives_no_personal_data_warning_for_a_birth_year(kb: KnowledgeBase,
                                                                         tmp_path: Path) -> None:
    chat = await Chat.open(kb, tmp_path / "bot.sqlite3")
    await chat.say("I was born in 2009 and my KYC was rejected")
    assert "sensitive_data" not in chat.ids() and "step:underage/ask_age" in chat.ids(), chat.ids()
    await chat.close()
    other = await Chat.open(kb, tmp_path / "other.sqlite3", user="u2")
    await other.say("Год рождения 2009, верификацию отклонили")
    assert "sensitive_data" not in other.ids(), other.ids()
    await other.say("I was born 14/02/2009, is that why?")  # a whole date of birth still warns
    assert "sensitive_data" in other.ids(), other.ids()
    await other.close()


@pytest.mark.parametrize(("text", "stored"), [
    # M3: a code that a word says the kind of is not the card's security code
    ("card 4111 1111 1111 1111 declined code 051", "card [card] declined code 051"),
    ("my card 4111 1111 1111 1111 exp 04/28, postal code 1010", "my card [card] exp [card], postal code [code]"),
    ("card 4111 1111 1111 1111 promo code 2024", "card [card] promo code 2024"),
    ("card 4111 1111 1111 1111 zip code 9021", "card [card] zip code [code]"),
    ("card 4111 1111 1111 1111 error code 4003", "card [card] error code 4003"),
    ("cartão 4111 1111 1111 1111 código postal 1010", "cartão [card] código postal [code]"),
    ("carte 4111 1111 1111 1111, code postal 1000", "carte [card], code postal [code]"),
    ("карта 4111 1111 1111 1111, почтовый код 1010", "карта [card], почтовый код [code]"),
    ("karta 4111 1111 1111 1111 kod błędu 051", "karta [card] kod błędu 051"),
    ("kart 4111 1111 1111 1111 hata kodu 051", "kart [card] hata kodu 051"),
    # ... a bare code's word after the card still tells its code
    ("card 4111 1111 1111 1111 exp 04/28 code 913", "card [card] exp [card] code [cvv]"),
    ("carta 4539 1488 0343 6467 scadenza 11/27 codice 331", "carta [card] scadenza [card] codice [cvv]"),
])
def test_a_qualified_code_after_a_card_is_no_cvv(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # M4: ordinary words in brackets after a name are no reading and no Latin name
    ("名前は山田太郎（まだ審査中です）", "名前は[name]（まだ審査中です）"),
    ("名前は鈴木一郎（ちがいます）", "名前は[name]（ちがいます）"),
    ("名前は山田太郎（たぶん）", "名前は[name]（たぶん）"),
    ("Меня зовут Иван Петров (уровень Verified Plus)", "Меня зовут [name] (уровень Verified Plus)"),
    ("Мене звати Олена Коваль (рівень Verified Plus)", "Мене звати [name] (рівень Verified Plus)"),
    ("Меня зовут Иван Петров (статус Under Review)", "Меня зовут [name] (статус Under Review)"),
    # ... a reading in kana and a name in Latin letters still are
    ("名前は山田太郎（やまだ たろう）", "名前は[name]（[name]）"),
    ("私は高橋 健（たかはし けん）です", "私は[name]（[name]）です"),
    ("Меня зовут Ольга Сидоренко (латиницей Olha Sydorenko), не проходит",
     "Меня зовут [name] (латиницей [name]), не проходит"),
    ("اسمي خالد المنصوري (بالإنكليزية Khalid Al-Mansouri)", "اسمي [name] (بالإنكليزية [name])"),
])
def test_brackets_after_a_name_hold_a_name_only_when_they_look_like_one(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # L1: a birth year with its word ("г.", "年", "r.", "р.") and after a Chinese link
    ("родилась в 1990г., паспорт отклонили", "родилась в [date of birth], паспорт отклонили"),
    ("我出生于1990年，认证被拒了", "我出生于[date of birth]，认证被拒了"),
    ("я родился в 1985 г. и мне отказали", "я родился в [date of birth] и мне отказали"),
    ("urodziłam się w 1990 r. i nie działa", "urodziłam się w [date of birth] i nie działa"),
    ("народилася у 1992 р., а в паспорті інша дата", "народилася у [date of birth], а в паспорті інша дата"),
    ("생일 1990년", "생일 [date of birth]"),
    # ... not a certificate's year, nor a decade
    ("出生证2010年办的", "出生证2010年办的"),
    ("i was born in the 1990s", "i was born in the 1990s"),
    # L2: a Polish name in the accusative, a Czech woman's surname; institutions are no names
    ("konto założone na Jana Kowalskiego", "konto założone na [name]"),
    ("konto założone na Anna Nowak", "konto założone na [name]"),
    ("konto zarejestrowane na Annę Zielińską", "konto zarejestrowane na [name]"),
    ("Jmenuji se Jana Nováková", "Jmenuji se [name]"),
    ("wniosek wystawiony na Urząd Skarbowy", "wniosek wystawiony na Urząd Skarbowy"),
    ("przelew na Bank Pekao", "przelew na Bank Pekao"),
    ("Jana nilijaribu mara tatu", "Jana nilijaribu mara tatu"),
])
def test_birth_years_with_their_word_and_declined_names(text: str, stored: str) -> None:
    assert redact(text) == stored


def test_a_name_label_at_the_end_links_past_nothing() -> None:
    # L3: a label that ends the text has no link word after it (`"" in "是為为"` was True)
    from bot.understanding.privacy import _current
    from bot.understanding.privacy.names import _past_link
    from bot.understanding.privacy.scan import Scan

    patterns = _current()
    assert _past_link(Scan("开户名", patterns), 0, 3) == 3
    assert _past_link(Scan("开户名是刘芳", patterns), 0, 3) == 4
    assert redact("开户名") == "开户名" and redact("收款人") == "收款人"


def test_one_test_says_whether_a_chinese_run_may_be_a_name() -> None:
    # L4: `_chinese_name` and `_chinese_owner` share `_chinese_surname`: a surname's length, 0
    # for a common word, and for a place only where places are looked for
    from bot.understanding.privacy import _current
    from bot.understanding.privacy.names import _chinese_surname
    from bot.understanding.privacy.scan import Scan

    scan = Scan("", _current())
    assert _chinese_surname(scan, "欧阳娜娜", places=True) == 2
    assert _chinese_surname(scan, "张国", places=True) == 1
    assert _chinese_surname(scan, "高雄", places=False) == 1
    assert _chinese_surname(scan, "高雄", places=True) == 0
    assert _chinese_surname(scan, "韩国人", places=True) == 0
    assert _chinese_surname(scan, "孙子", places=False) == 0
    assert _chinese_surname(scan, "证件", places=False) == 0


def test_a_street_address_after_its_name_and_the_house_number_is_masked() -> None:
    # the journey audit's message: the Kazakh street word between the street's name and the
    # house number ("Абай көшесі 10" was kept)
    out = redact("Менің атым Айгерим Нурланова, туған күнім 12.05.2008, Алматы, Абай көшесі 10")
    assert "Абай көшесі 10" not in out and "[address]" in out and "Айгерим" not in out, out
    for text, secret in [
        ("Алматы, Абай даңғылы 150, 34 пәтер", "Абай даңғылы 150, 34 пәтер"),
        ("Мен Алматыда тұрамын, Абай көшесі 10 үй, 5 пәтер", "10 үй, 5 пәтер"),
        ("Toshkent, Amir Temur shoh ko'chasi 15, 27-xonadon", "Temur shoh ko'chasi 15, 27-xonadon"),
        ("Ташкент, Амир Темур кўчаси 15", "Темур кўчаси 15"),
        ("Бишкек шаары, Токтогул көчөсү 45, 12-батир", "Токтогул көчөсү 45, 12-батир"),
        ("Bakı, Nizami küçəsi 25, mənzil 7", "Nizami küçəsi 25, mənzil 7"),
        ("İstanbul, Atatürk Caddesi 12", "Atatürk Caddesi 12"),
        ("Kadıköy, Moda Sokak 5 Daire 3", "Moda Sokak 5 Daire 3"),
        ("თბილისი, რუსთაველის გამზირი 12, ბინა 5", "რუსთაველის გამზირი 12"),
        ("Երևան, Աբովյան փողոց 10, բն. 5", "Աբովյան փողոց 10"),
        ("м. Київ, вулиця Шевченка, будинок 5, квартира 12", "Шевченка, будинок 5"),
        ("Москва, ул. Ленина, д. 5, кв. 12", "Ленина, д. 5, кв. 12"),
    ]:
        out = redact(text)
        assert secret not in out and "[address]" in out, out
    # a product's name and a number, a street word with no number after it, stay
    for kept in ("Google Drive 15 GB is full", "Binance Square 2 posts today",
                 "Абай көшесінде тұрамын 10 жыл", "Atatürk Caddesi çok kalabalık 2024"):
        assert redact(kept) == kept, redact(kept)


def test_names_in_a_programs_fields_and_nicknames_are_masked() -> None:
    for text, secret in [
        ('{"lastName":"Кузнецова","firstName":"Ирина","inn":"772815304918"}', "Ирина"),
        ("https://example.com/verify?name=%E5%BC%A0%E4%BC%9F&idcard=110101199003074573", "%E5%BC%A0"),
        ("https://x.fr/confirm?tel=0612487395&nom=Dubois", "Dubois"),
        ("kyc.verify uid=298374651 name=赵丽娜 result=REJECT", "赵丽娜"),
        ("full_name,date_of_birth,passport_no\nJonathan A. Whitfield,03/22/1987,533817402", "Whitfield"),
        ("first_name: Maria, last_name: Lopez", "Lopez"),
        ("https://kyc.example.com/resume?email=sam.okafor%40outlook.com&step=3", "okafor"),
        ("Díganme Mafer, así me conoce todo mundo", "Mafer"),
        ("pode me chamar de Chico. A chave Pix é meu celular", "Chico"),
        ("我叫李建军，叫我老李就行。", "老李"),
        ("ชื่อ นางสาวพิมพ์ชนก ศรีสวัสดิ์ เรียกว่ามิวก็ได้ค่ะ", "มิว"),
        ("اسمي الحاج عبد الرحمن بن سالم القحطاني، ورقم الهوية", "القحطاني"),
        ("adım Əliyev Rəşad Vüqar oğlu. Şəxsiyyət vəsiqəsi", "oğlu"),
        ("השם המלא בתעודה הוא יוסף אברמוביץ, ת\"ז 038475927", "אברמוביץ"),
    ]:
        out = redact(text)
        assert secret not in out, out
    # a program's words, a file's name and a build's number are no name
    for kept in ("error_name: FACE_NOT_MATCH", "file_name: passport front.jpg", "name=test",
                 "region=EU build=2.90.0(2900012)", "エラー100001003が出ます", "我是小白，请问怎么认证",
                 "叫我老公帮忙看看"):
        assert redact(kept) == kept, redact(kept)


def test_a_signature_block_name_and_a_place_of_birth_are_masked() -> None:
    out = redact("Thanks in advance.\n\n--\nSamantha J. Ortiz\nSenior Accountant | Delmar Logistics\n"
                 "M: (312) 555-0147")
    assert "Samantha" not in out and "Ortiz" not in out and "Senior Accountant" in out, out
    out = redact("Best regards\nAnna Lee\nAccountant")
    assert "Anna Lee" not in out and "Accountant" in out, out  # the job title is no name
    assert "Jonas" not in redact("Danke\n\nMit freundlichen Grüßen\nSchneider, Jonas")
    assert "ТУЛА" not in redact("Место рождения: ГОР. ТУЛА\nСерия и номер: 45 12 367890")
    assert "长沙" not in redact("出生地：湖南省长沙市")
    assert "Lagos" in redact("I live in Lagos and my KYC failed")  # a city alone stays


def test_a_seed_phrase_of_any_list_and_a_short_year_first_date_of_birth() -> None:
    out = redact("on m'a demandé ma phrase de récupération, je l'ai donnée : bateau cerise domaine "
                 "écureuil fougère gazelle horizon jaune lézard marmite neige orage. C'est grave ?")
    assert "écureuil" not in out and "[seed phrase]" in out, out
    # a sentence after the cue is no phrase: it repeats words and has short ones
    told = "my seed phrase is lost and i wrote it on a paper that i cannot find anywhere now please help me"
    assert redact(told) == told
    assert "92.11.23" not in redact("出生日期我填的是92.11.23，对吗？")
    kept = redact("Rejected again, reference code KYC-REJ-40217. Is @BinanceHelpDesk real?")
    assert "KYC-REJ-40217" in kept and "@BinanceHelpDesk" in kept, kept
    assert "@ivan_petrov88" not in redact("my telegram is @ivan_petrov88")


def test_what_the_review_of_the_forty_seventh_round_found() -> None:
    # a phrase after a cue glued to Chinese, or capitalised, is masked whole, and the words
    # after it stay ("lamp" was left, "还能找回吗" eaten)
    out = redact("让我发助记词，我发了：lamp frozen gadget rival patrol ozone ribbon whale scatter "
                 "dinner impulse broccoli 还能找回吗")
    assert "lamp" not in out and "还能找回吗" in out, out
    # a sentence after the cue is no phrase of any list
    told = "my seed phrase: never shared with anyone, support keeps asking about that through random chats"
    assert redact(told) == told
    # someone's handle with the service's name in it is theirs
    assert "ivan92" not in redact("my tg is @binanceivan92")
    assert "olga" not in redact("contact me at @olga_binance_trader please")
    # names that sign off after an Arabic comma, a word, or initials
    assert "فاطمة" not in redact("مع الشكر، فاطمة الزهراء بن علي")
    assert "خالد" not in redact("شكراً لكم\nأخوكم خالد المنصوري")
    assert "Adeyemi" not in redact("thanks for nothing i guess\n\n-- R. K. Adeyemi")
    # an IP address is no year-first date
    assert redact("my ip is 92.40.178.213") == "my ip is 92.40.178.213"


def test_a_name_written_again_shorter_longer_or_without_accents_is_masked() -> None:
    for text, secret in [
        ("on my licence I'm Jonathan R. Whitfield but I signed up as Jon Whitfield years ago", "Jon Whitfield"),
        ("En el pasaporte pone María José Gutiérrez Ruiz pero quedó Maria Jose Gutierrez, ¿por eso?", "Maria Jose Gutierrez"),
        ("Στο διαβατήριο γράφει ΠΑΠΑΔΟΠΟΥΛΟΥ ΑΙΚΑΤΕΡΙΝΗ, αλλά έβαλα Κατερίνα Παπαδοπούλου", "Παπαδοπούλου"),
    ]:
        masked = redact(text)
        assert secret not in masked and "Κατερίνα" not in masked, masked
        assert "[name]" in masked
    # a word of the same spelling that is no name stays: "Grace" the name, "grace period" the words
    assert "grace period" in redact("my name is Grace Okafor and the grace period ended")


def test_a_code_said_in_words_and_a_city_alone() -> None:
    assert "seven one nine" not in redact("the code it sent me is four seven one nine zero two but it fails")
    assert "drei null acht" not in redact("der Code aus der App lautet drei null acht sechs eins vier")
    # counting is not a code: no code word before it
    assert "one two three four" in redact("step one two three four of the guide")
    kept = redact("Refusé le 12 avril avec « Photo floue », j'habite à Lyon, ticket n° 58120447")
    assert "Lyon" in kept and "58120447" in kept, kept
    assert "عمر" in redact("میں لاہور میں رہتا ہوں، عمر ۱۷ سال ہے، کیا پاسپورٹ سے ویریفکیشن ہو جائے گی؟")


def test_a_name_is_masked_again_in_any_case_and_in_brackets() -> None:
    out = redact("This is Zaw from Yangon, my Myanmar passport only says ZAW, no surname")
    assert "ZAW" not in out and "Zaw" not in out and "Yangon" in out
    assert "Nguyen" not in redact("Full name [Nguyen Thi Mai Anh], date of birth (07-09-1997)")
    out = redact("私の名前は佐藤健太（サトウ ケンタ / SATO KENTA）です。")
    assert "SATO" not in out and "サトウ" not in out
    assert "Weber" not in redact("Kontoinhaberin: Katharina Weber")
    # no name before the brackets: an ordinary pair stays
    assert redact("the fee (USDT / BTC) is low") == "the fee (USDT / BTC) is low"


def test_an_api_key_is_masked_but_public_ids_stay() -> None:
    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    assert key not in redact(f"my bot stopped, here is my API key: {key}")
    assert key not in redact(f"{key} is the secret, help")
    kept = ["E18236120202406141015s0123456789",  # a Pix transaction's id: digits, a letter or two
            "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
            "2670bbe4b1c4e3a8d5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192"]  # tx hash
    for value in kept:
        assert value in redact(f"transaction {value} is still pending")


def test_a_mistyped_iban_of_its_countrys_length_is_masked_when_the_message_says_iban() -> None:
    text = "pourquoi mon IBAN est refusé ? FR76 3000 4028 3700 0105 6892 143, merci"
    assert "3700" not in redact(text) and "[iban]" in redact(text)
    # a company's account as a payment reference, with no word of an IBAN: left as written
    assert "NL12 ACME 0000 8812 34" in redact("betalingskenmerk NL12 ACME 0000 8812 34 (bedrijfsrekening)")


def test_capitalised_words_after_a_title_are_a_name() -> None:
    assert "Reid" not in redact("Account holder is Mr James O'Connor-Reid, reference WD-88231")
    assert "Lefèvre" not in redact("titulaire Mme Claire Dubois-Lefèvre")
    assert "Müller" not in redact("Herr Jürgen Müller hat angerufen")
    assert redact("Miss you guys, the app works now") == "Miss you guys, the app works now"


def test_order_numbers_after_their_words_stay_in_more_languages() -> None:
    for text, number in (("מספר הזמנה 72018463, והכסף עדיין לא הגיע", "72018463"),
                         ("เลขคำสั่ง 5583920147 ยังไม่เข้าบัญชี", "5583920147"),
                         ("ID ordin 884120375, și nu apar în cont", "884120375"),
                         ("შეკვეთის ნომერი 55830129, ჯერ არ ჩამირიცხა", "55830129"),
                         ("UTR नंबर 412345678901, अभी तक बैलेंस में नहीं आया", "412345678901")):
        assert number in redact(text), text


@pytest.mark.parametrize(("text", "stored"), [
    # a form's name under its label, or in a table's column under its header
    ("SURNAME\nMBEKI-JONES\nGIVEN NAMES\nTHANDIWE GRACE", "SURNAME\n[name]\nGIVEN NAMES\n[name]"),
    ("Фамилия\nИванова\nИмя\nАнна", "Фамилия\n[name]\nИмя\n[name]"),
    ("姓名\t城市\n欧阳 娜娜\t上海", "姓名\t城市\n[name]\t上海"),
    ("name\nwhat should I do", "name\nwhat should I do"),
    ("姓名\n不一致", "姓名\n不一致"),
    # a bare label's name closed by the next datum's label
    ("name John Smith dob 03.04.1990", "name [name] dob [date of birth]"),
    ("name Kemal phone +90 532 123 45 67", "name [name] phone [phone]"),
    ("name change request please", "name change request please"),
    ("Name\nID Card", "Name\nID Card"),
    ("NAME\nSelfie Failed Twice", "NAME\nSelfie Failed Twice"),
    # "Surname, Given" after a firm label, where the name ends
    ("naam: de Vries, Sanne", "naam: [name]"),
    ("ausgestellt auf Müller, Jürgen", "ausgestellt auf [name]"),
    ("saya di Johor Bahru, pasport", "saya di Johor Bahru, pasport"),
    # a code read out in pairs; answers to security questions
    ("the code is 48 19 27 does that help?", "the code is [code] does that help?"),
    ("秘密の質問の答えは「ポチ」です。", "秘密の質問の答えは「[secret]」です。"),
    ("its me Bobby again", "its me [name] again"),
    # what someone did is no name in small letters (audit 31 M2, audit 30 L7)
    ("я неправильно ввёл дату рождения: 12.05.1990", "я неправильно ввёл дату рождения: [date of birth]"),
    ("я сделал скриншот паспорта из госуслуг", "я сделал скриншот паспорта из госуслуг"),
])
def test_form_names_codes_and_answers_of_pii39_are_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # one capitalised word after a relative is a given name, in many languages
    ("my sister Grace tried too", "my sister [name] tried too"),
    ("mi número es 1 y el de mi esposo Jesús es 2", "mi número es 1 y el de mi esposo [name] es 2"),
    ("M-Pesa ya mume wangu Baraka ni mpya", "M-Pesa ya mume wangu [name] ni mpya"),
    ("NPWP suami saya sudah ada, namanya Bayu Saputra", "NPWP suami saya sudah ada, namanya [name]"),
    ("мой муж Андрей не может пройти", "мой муж [name] не может пройти"),
    ("ma fille Léa a 16 ans", "ma fille [name] a 16 ans"),
    # ... but not a short word in capitals, a common word, or a word in small letters
    ("my son ID card was rejected", "my son ID card was rejected"),
    ("my wife KYC failed twice", "my wife KYC failed twice"),
    ("I used my husband Binance account", "I used my husband Binance account"),
    ("namanya juga usaha", "namanya juga usaha"),
])
def test_a_given_name_after_a_relative_is_masked(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "stored"), [
    # a name in the passport's order after a label
    ("Surname first: BELLO Aisha Kemi, as on the slip", "Surname first: [name], as on the slip"),
    # Dutch "ww" (wachtwoord) after "m'n"; "WW" the benefit is no password
    ("dit is m'n ww is Fiets!2023 hoor", "dit is m'n ww is [password] hoor"),
    ("ik krijg WW is dat een probleem", "ik krijg WW is dat een probleem"),
    # Thai "รหัสคือ" ("the code is")
    ("ลืมไปแล้ว รหัสคือ Nan_7788 ครับ", "ลืมไปแล้ว รหัสคือ [password] ครับ"),
    # a Portuguese sign-off "ass." before a name in small letters
    ("tudo certo agora\nass. carla mendes rocha", "tudo certo agora\nass. [name]"),
    # a Chinese signature line after "——", the label after the slash kept
    ("发票抬头改一下\n—— 陈志强 / 电话 13812345678", "发票抬头改一下\n—— [name] / 电话 [phone]"),
    ("Docs sent:\n— Utility Bill / Bank Statement", "Docs sent:\n— Utility Bill / Bank Statement"),
    # a Korean name glued to the copula, opening the message or after other data; common
    # words before it stay
    ("안녕하세요, 박서준입니다. 여권 인증이 안 돼요", "안녕하세요, [name]입니다. 여권 인증이 안 돼요"),
    ("여권번호 M12345678 이수진입니다", "여권번호 [id number] [name]입니다"),
    ("안녕하세요 고객입니다. 인증이 안 돼요", "안녕하세요 고객입니다. 인증이 안 돼요"),
    ("저는 한국인입니다", "저는 한국인입니다"),
    ("이번이 세 번째 신청입니다", "이번이 세 번째 신청입니다"),
    # a Bengali house and road with their numbers, and the area and town after them
    ("বাসা ৯, রোড ১৪, উত্তরা, ঢাকা ১২৩০", "[address]"),
    # a transliterated name with a patronymic in small letters, with no cue
    ("v banke zapisano kak nikolai petrovich orlov, a tut inache", "v banke zapisano kak [name], a tut inache"),
    ("he said ivanovich was the boss", "he said ivanovich was the boss"),
    # a Russian security answer right after "кодовое слово"; forgetting it is no answer
    ("а кодовое слово зефирка", "а кодовое слово [secret]"),
    ("кодовое слово забыл", "кодовое слово забыл"),
    # a name in title case between an ID number and a sentence going on; a country is not one
    ("DNI 12345678Z, Lopez Maria, me rechazaron otra vez", "DNI [id number], [name], me rechazaron otra vez"),
    ("passport 12345678, United Kingdom, is it supported?", "passport [id number], United Kingdom, is it supported?"),
    # "загран", the colloquial word for the passport
    ("а в загране OLGA SMIRNOVA", "а в загране [name]"),
])
def test_shapes_of_the_thirty_third_corpus_round(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize(("text", "secret"), [
    ("hi, name's jordan mcallister and the app says name mismatch", "mcallister"),
    ("我是刘洋的妈妈，她用了我的身份证注册的", "刘洋"),
    ("名字係梁家豪，出世日期唔啱", "梁家豪"),
    ("わたしは 佐藤 花子 です。", "花子"),
    ("адреса: м. львів, вул. городоцька 112/4", "городоцька"),
    ("адрес: г. москва, ул. ленина 5-12, кв 3", "ленина"),
])
def test_names_and_streets_found_in_the_thirty_first_corpus_round(text: str, secret: str) -> None:
    stored = redact(text)
    assert secret not in stored, stored
    assert "[" in stored


def test_a_plain_log_line_skips_the_redactor_only_with_counts_and_names(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.shared.logtext import Plain

    log_filter.install()
    caplog.set_level(logging.INFO)
    log = logging.getLogger("bot.test")
    log.info(Plain("update %d %s replies=%d %.0fms"), 123456789, "text(23 chars)", 2, 98.2)
    log.info(Plain("update %d %s replies=%d"), 5, "my pass is Sunshine#88", 1)
    log.info(Plain("turn %s step=%s"), "telegram", "+2348012345678")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "update 123456789 text(23 chars) replies=2 98ms"  # as written
    assert "Sunshine#88" not in lines[1] and "2348012345678" not in lines[2]  # redacted


def test_a_name_again_in_chinese_and_japanese_and_no_common_word_for_a_name() -> None:
    # a fresh-eyes review: the any-case repeat made Han names whole words (never masked again
    # between other characters) and masked "mark" after "Name: Mark"
    out = redact("我叫欧阳娜娜，护照上写的是欧阳娜娜，可是系统说欧阳娜娜不对")
    assert "欧阳娜娜" not in out
    assert "田中太郎" not in redact("名前：田中太郎です。田中太郎の免許証")
    assert redact("Name: Mark. I will mark the box").endswith("I will mark the box")
    assert "CHEN" not in redact("name: Chen Wei, on the passport CHEN WEI")


@pytest.mark.parametrize(("text", "secret"), [
    ("order 5551234(4111111111111111)", "4111111111111111"),
    ("ticket 123456(79161234567)", "79161234567"),
])
def test_a_number_in_brackets_after_an_order_is_read_on_its_own(text: str, secret: str) -> None:
    # review: only a short build number after a dotted version stays with it
    assert secret not in redact(text)


def test_a_build_number_in_brackets_after_its_version_stays() -> None:
    assert redact("build=2.90.0(2900012)") == "build=2.90.0(2900012)"


@pytest.mark.parametrize("text", ["เรียกว่าอะไร", "เอกสารที่เรียกว่าใบขับขี่ ใช้ได้ไหม",
                                  "ขั้นตอนที่เรียกว่าเซลฟี่ ล้มเหลว"])
def test_what_a_thing_is_called_in_thai_is_no_nickname(text: str) -> None:
    # review: "เรียกว่า" ("called") masked the word after it as a name
    assert redact(text) == text


@pytest.mark.parametrize(("text", "secret"), [
    ('"lastName": "Кузнецова"', "Кузнецова"),
    ('{"full_name":"Jonathan Whitfield"}', "Jonathan Whitfield"),
    ('{"lastName":"Kuznetsova","age":30}', "Kuznetsova"),
    ('first_name: "John", last_name: "Smith"', "Smith"),
    ('full_name = "Jonathan Whitfield"', "Jonathan Whitfield"),
])
def test_a_lone_name_field_of_a_program_is_masked(text: str, secret: str) -> None:
    # review: a single JSON pair, a pair beside numbers, a quoted value after a coded key
    assert secret not in redact(text)


def test_a_checks_name_field_alone_stays() -> None:
    assert redact('{"name": "Face Verification"}') == '{"name": "Face Verification"}'
