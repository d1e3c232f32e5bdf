"""Find and mask personal data before anything is written (database, events, logs).

`redact(text)` returns the text with each piece of personal data replaced by a mask that says
what it was (`[name]`, `[address]`, `[seed phrase]`, `[password]`, `[card]`, `[wallet]`...), so
the operators' log of unplaced messages stays readable. `find_sensitive(text)` returns what was
found, by kind, so the dialogue can warn the user (and give urgent advice for a seed phrase or a
password: `ADVICE`).

The words it looks for (cues such as "my name is", "пароль", "密码", street words, month names)
live in `knowledge/privacy.yaml` and `knowledge/i18n/<lang>/privacy.yaml`; every pattern runs on
RE2, in time linear in the text (see rx.py).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from pathlib import Path

from bot.understanding import cache
from bot.understanding.privacy import addresses, dates, detectors, fields, names, seeds
from bot.understanding.privacy.masks import MASKS
from bot.understanding.privacy.patterns import Patterns
from bot.understanding.privacy.scan import Detector, Finding, Scan, all_occurrences
from bot.understanding.privacy.vocab import PrivacyFileError, load_vocabulary
from bot.understanding.tokens import WORDS_FILE

__all__ = [
    "ADVICE", "MASKS", "MASK_ONLY_KINDS", "WARN_KINDS", "Finding", "PrivacyFileError",
    "configure", "find_sensitive", "fingerprint", "greeting_words", "redact",
]

#: kinds the user is warned about (`find_sensitive` without `mentions`)
WARN_KINDS = frozenset({
    "address", "seed_phrase", "password", "code", "cvv", "card", "iban", "email", "phone",
    "id_number", "date_of_birth", "number",
})
#: kinds that are masked but not warned about: people introduce themselves, give their Binance
#: UID or a wallet to receive funds, an old date may be any date, a birth year alone is what an
#: underage or mismatched date is told with ("born in 2008 and rejected"), and a bot token in a
#: log line is the bot's, not the user's
MASK_ONLY_KINDS = frozenset(MASKS) - WARN_KINDS
#: kinds that need urgent advice, and the message (knowledge/messages.yaml) that gives it
ADVICE: dict[str, str] = {
    "seed_phrase": "sensitive_seed_phrase",
    "password": "password_shared",
    "code": "code_shared",
}

#: the order detectors claim text in (see scan.py): the most specific first
DETECTORS: tuple[Detector, ...] = (
    detectors.existing_masks,
    detectors.secrets,
    detectors.mrz_lines,
    detectors.emails,
    fields.fields,
    detectors.hashes,
    seeds.seed_phrases,
    detectors.wallets,
    detectors.ibans,
    detectors.long_secrets,
    detectors.order_numbers,
    detectors.cards,
    detectors.cvvs,
    detectors.passwords,
    detectors.codes,
    detectors.usernames,
    detectors.ni_numbers,
    dates.dates,
    detectors.spelled_digits,
    detectors.cjk_digits,
    detectors.keeps,
    detectors.uids,
    detectors.id_after_cue,
    detectors.id_shapes,
    addresses.addresses,
    detectors.security_answers,
    detectors.transcript_answers,
    names.names,
    detectors.phones_in_parts,
    detectors.phones,
    detectors.digit_runs,
    detectors.number_continuations,
)

_lock = threading.Lock()
_patterns: Patterns | None = None
#: set in the thread building the patterns: a log record made meanwhile (the disk cache says it
#: could not be written) is redacted by `redact`, which must not wait for the build it is in
_building = threading.local()
#: what such a record says instead of its text (no pattern exists yet to mask it with)
WITHHELD = "[withheld: logged while the redactor was loading]"


class _Loading(Exception):
    """The patterns are asked for by the thread that is building them."""


def configure(knowledge_dir: Path | str | None) -> None:
    """Use the privacy words of `knowledge_dir` from now on (None: the bundled knowledge/).

    Raises PrivacyFileError if its privacy files are not valid; the old words stay in use.
    The same words as those in use (a reload that changed other files) keep their patterns.
    """
    global _patterns
    built = _build_marked(knowledge_dir, _patterns)
    with _lock:
        _patterns = built


def _build(knowledge_dir: Path | str | None, current: Patterns | None = None) -> Patterns:
    """The patterns of a knowledge folder's privacy words: `current` when it was made of the
    same words, else read back from the disk cache when the words and this package's code are
    unchanged (building them is ~0.05 s of a start-up, more with every language's word lists)."""
    vocab = load_vocabulary(knowledge_dir)
    if current is not None and vocab.cache_key and current.vocab.cache_key == vocab.cache_key:
        return current
    if not vocab.cache_key:  # read without the cache (a file could not be read)
        return Patterns(vocab)
    key = cache.fingerprint("privacy patterns", _code(), vocab.cache_key)
    return cache.cached(key, lambda: Patterns(vocab), kind="privacy")


@functools.cache
def _code() -> tuple[tuple[str, bytes], ...]:
    """This package's code and data files (and the text cleaning it relies on, and the Chinese
    segmenter's words it reads common words from), read once: what the patterns' cache key and
    the redaction's `fingerprint` are made of."""
    here = Path(__file__).parent
    paths = sorted([*here.glob("*.py"), *here.glob("*.txt"), here.parent / "text.py"])
    try:  # (a digest: the words are a megabyte)
        words = hashlib.sha256(WORDS_FILE.read_bytes()).digest()
    except OSError:  # pragma: no cover - a tree without the segmenter's words
        words = b""
    return (*((path.name, path.read_bytes()) for path in paths), (WORDS_FILE.name, words))


def _build_marked(knowledge_dir: Path | str | None, current: Patterns | None = None) -> Patterns:
    """`_build`, with this thread marked as building (see `_building`)."""
    _building.active = True
    try:
        return _build(knowledge_dir, current)
    finally:
        _building.active = False


def _current() -> Patterns:
    """The patterns in use: `configure`d, else those of $KNOWLEDGE_DIR or the bundled folder.

    Raises `_Loading` in the thread building them (a log record made by the build itself)."""
    global _patterns
    if _patterns is None:
        if getattr(_building, "active", False):
            raise _Loading
        with _lock:
            if _patterns is None:
                _patterns = _build_marked(os.environ.get("KNOWLEDGE_DIR") or None)
    return _patterns


#: digits of other scripts (Arabic-Indic, Persian, Devanagari, Bengali, Gurmukhi, Gujarati, Odia,
#: Tamil, Telugu, Kannada, Malayalam, Sinhala, Thai, Lao, Tibetan, Burmese, Khmer, Mongolian,
#: full-width) read as 0-9, and full-width letters and the signs of e-mails and phone numbers
#: ("＠", "．", "－", "＋", "＿" of a Japanese or Chinese keyboard) as ASCII (not "，" or "："
#: and the like: Chinese punctuation): one character for one, so the spans found in the read
#: text are those of the original
_DIGITS = str.maketrans({
    **{chr(c): chr(c - 0xFEE0) for c in (*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B),
                                          0xFF20, 0xFF0E, 0xFF0D, 0xFF0B, 0xFF3F)},
    **{chr(zero + d): str(d)
       for zero in (0x660, 0x6F0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
                    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x17E0, 0x1810, 0xFF10)
       for d in range(10)},
    # an ideographic space between digit groups ("１２３４　５６７８"), the Ethiopic colon of
    # a form's label ("ስም፦")
    "\u3000": " ", "\u1366": ":",
})


def greeting_words() -> frozenset[str]:
    """The greetings and salutations a name may follow ("hello", "dear", "尊敬的", "уважаемый"),
    casefolded, in every language of the privacy vocabulary."""
    return _current().vocab.folded_union("greetings", "salutations")


def fingerprint() -> str:
    """Name the redaction in use: a digest of this package's code and of its words.

    Text redacted under the fingerprint in use needs no second pass (`redact` is idempotent):
    stores keep it beside redacted text, so reports redact again only what an older redaction
    wrote. Any change to the code or the words changes it.
    """
    patterns = _current()
    known = getattr(patterns, "fingerprint", None)
    if known is None:
        digest = hashlib.sha256()
        for name, data in _code():
            digest.update(name.encode() + b"\0" + data + b"\0")
        v = patterns.vocab
        words = [sorted(v.cues.items()), sorted(v.public_email_domains), sorted(v.bip39),
                 sorted(v.bip39_other)]
        digest.update(repr(words).encode())
        known = digest.hexdigest()[:16]
        setattr(patterns, "fingerprint", known)  # noqa: B010 (computed once per vocabulary)
    return str(known)


#: texts scanned last, with what was found: a turn scans the same text several times (warning
#: about it, redacting it, redacting the redacted text once more as it is logged); only a few,
#: so it serves one turn's repeats, not other users' messages
RECENT = 4
_recent: dict[str, tuple[Patterns, tuple[Finding, ...]]] = {}
_recent_lock = threading.Lock()


def warm() -> None:
    """Read the words and compile every pattern now (~0.1-0.2 s, once) instead of at the first
    messages: a long-running bot calls this at start-up (the console does not: it answers
    sooner without)."""
    patterns = _current()
    for pattern in patterns.all():
        pattern.compile()
    patterns.cues.build()


def scan(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, sorted by position."""
    if not text:
        return []
    patterns = _current()
    with _recent_lock:
        hit = _recent.get(text)
    if hit is not None and hit[0] is patterns:
        return list(hit[1])
    state = Scan(text.translate(_DIGITS), patterns)
    for detect in DETECTORS:
        detect(state)
    found = all_occurrences(state)
    with _recent_lock:
        _recent.pop(text, None)
        _recent[text] = (patterns, tuple(found))
        while len(_recent) > RECENT:
            del _recent[next(iter(_recent))]
    return found


def find_sensitive(text: str, *, mentions: bool = False) -> list[Finding]:
    """The personal data in `text` the user should be warned about (`WARN_KINDS`); with
    `mentions`, everything that is masked when written."""
    found = scan(text)
    return found if mentions else [f for f in found if f.kind in WARN_KINDS]


#: masking passes at most: a pass only ever masks more, and each mask can make one more neighbour
#: recognisable ("...cvv 123password: x" unmasks in layers), so a few are needed for chains
MAX_PASSES = 6


def redact(text: str) -> str:
    """`text` with every piece of personal data replaced by its mask (see `MASKS`).

    A mask can make its neighbour recognisable ("Ana Lima12 Baker Street": once the name is a
    mask, "12 Baker Street" starts a word), so masking repeats until nothing changes (at most
    MAX_PASSES passes): redacting redacted text changes nothing.
    """
    try:
        for _ in range(MAX_PASSES):
            masked = _mask(text, scan(text))
            if masked == text:
                break
            text = masked
    except _Loading:
        return WITHHELD if text else text
    return text


def _mask(text: str, findings: list[Finding]) -> str:
    if not findings:
        return text
    out: list[str] = []
    pos = 0
    for f in findings:
        if f.end <= pos:
            continue  # inside the previous mask
        if f.start >= pos:
            out.append(text[pos : f.start])
            out.append(MASKS[f.kind])
        pos = max(pos, f.end)
    out.append(text[pos:])
    return "".join(out)
