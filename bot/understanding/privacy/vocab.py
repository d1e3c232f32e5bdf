"""The redactor's words: `knowledge/privacy.yaml` plus every `knowledge/i18n/<lang>/privacy.yaml`.

All languages are used together (people mix them), so each key's lists are merged. The BIP-39
English word list ships beside this file (it is a standard, not something to edit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.understanding import cache
from bot.understanding.privacy import rx
from bot.understanding.privacy.rx import compile_rx, is_cjk, words_rx

#: the knowledge folder this package ships with (operators may point at another)
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge"
BIP39_ENGLISH = Path(__file__).with_name("bip39_english.txt")
#: the French, Spanish, Italian, Portuguese, Czech, Russian and Turkish seed-phrase word lists
#: (the `mnemonic` package's, MIT), casefolded: a phrase after a seed cue in those languages
BIP39_OTHER = Path(__file__).with_name("bip39_other.txt")

#: every key a privacy.yaml may have under `cues` (all lists of words)
CUE_KEYS = frozenset({
    "name", "name_weak", "name_opening", "name_after", "name_before", "greetings", "documents",
    "says", "not_names", "name_particles", "surnames", "password", "password_fillers",
    "not_passwords", "code", "cvv", "card", "seed", "uid", "id_numbers", "id_series", "birth",
    "password_links", "password_ambiguous", "address", "street_after", "street_before",
    "house", "units", "address_words", "months", "date_joiners", "month_word", "year_word",
    "order", "currency", "email_at", "email_dot", "signoffs", "name_endings", "username",
    "card_expiry", "iban", "area_glued", "street_glued", "unit_glued", "glued_prefixes",
    "contract", "name_lowercase", "phone_labels", "digit_words", "email_joiners", "day_words",
    "year_words", "name_titles", "name_suffixes", "name_labels", "public_names", "po_box",
    "self_intro", "self_intro_close", "street_endings", "number_words", "self_labels",
    "security", "security_links", "security_verbs", "not_answers", "forwarded", "salutations",
    "name_glued", "address_ends", "name_given", "name_titled", "birthplace", "street_numbered",
    "places", "code_qualifiers", "year_endings", "surname_endings",
})
TOP_KEYS = frozenset({"version", "cues", "public_email_domains"})


@lru_cache(maxsize=1)
def _word_loader() -> type:
    """A safe loader that reads every plain scalar as text: `no`, `on`, `yes` are words here.

    Made on first use: the bot reads these files back from its cache, without the YAML parser.
    """
    import yaml

    class WordLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    WordLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return WordLoader


class PrivacyFileError(ValueError):
    """A privacy.yaml that cannot be used; the message names the file and the key."""


@dataclass
class Vocabulary:
    """Word lists by key, merged over every language."""

    cues: dict[str, list[str]] = field(default_factory=dict)
    public_email_domains: list[str] = field(default_factory=list)
    bip39: frozenset[str] = frozenset()
    bip39_other: frozenset[str] = frozenset()
    sources: list[str] = field(default_factory=list)
    #: the disk cache's name for these words ("": read without the cache)
    cache_key: str = ""
    _folded: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _by_script: dict[tuple[str, bool], list[str]] = field(default_factory=dict, repr=False)

    def words(self, key: str) -> list[str]:
        return self.cues.get(key, [])

    def spaced(self, key: str) -> list[str]:
        """The words of `key` in scripts written with spaces (computed once: do not change it)."""
        return self._script(key, cjk=False)

    def cjk(self, key: str) -> list[str]:
        """The words of `key` in scripts written without spaces (Chinese; computed once)."""
        return self._script(key, cjk=True)

    def _script(self, key: str, *, cjk: bool) -> list[str]:
        cached = self._by_script.get((key, cjk))
        if cached is None:
            cached = self._by_script[(key, cjk)] = [w for w in self.words(key) if is_cjk(w) == cjk]
        return cached

    def glued_prefixes(self) -> frozenset[str]:
        """Prefixes glued to a cue word (`glued_prefixes`: Arabic "و"), as written."""
        return self.folded("glued_prefixes")

    def star_stems(self, key: str) -> frozenset[str]:
        """The stems of the `*` words of `key` ("şifre*" -> "şifre"), casefolded."""
        return self.folded("*" + key)

    def folded_union(self, *keys: str) -> frozenset[str]:
        """The casefolded words of all `keys` together (computed once per set of keys: a
        message asks for the same union many times)."""
        name = "|".join(keys)
        cached = self._folded.get(name)
        if cached is None:
            cached = self._folded[name] = frozenset().union(*(self.folded(k) for k in keys))
        return cached

    def derived(self, name: str, build: Callable[[Vocabulary], frozenset[str]]) -> frozenset[str]:
        """A set made from these words by `build`, made once and kept under `name`."""
        cached = self._folded.get(" " + name)
        if cached is None:
            cached = self._folded[" " + name] = build(self)
        return cached

    def folded(self, key: str) -> frozenset[str]:
        """The words of `key`, casefolded, as a set (computed once)."""
        cached = self._folded.get(key)
        if cached is None:
            if key.startswith("*"):
                words = [" ".join(w[:-1].casefold().split()) for w in self.words(key[1:]) if w.endswith("*")]
            else:
                words = [w.casefold() for w in self.words(key)]
            cached = self._folded[key] = frozenset(words)
        return cached


def _read(path: Path, vocab: Vocabulary) -> None:
    import yaml

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_word_loader())  # noqa: S506
    except UnicodeDecodeError as exc:
        raise PrivacyFileError(f"{path}:1: file is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except OSError as exc:
        raise PrivacyFileError(f"{path}:1: cannot read the file ({exc.strerror}): the redactor's "
                               "words; restore it (git checkout) or fix its permissions") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if exc.context_mark and mark and exc.context_mark.line != mark.line:
            detail += f" (it began on line {exc.context_mark.line + 1})"
        raise PrivacyFileError(
            f"{path}:{mark.line + 1 if mark else 1}: YAML syntax error: {detail}; check the "
            "brackets and commas of each list, and quote words that contain ': ' or start with a "
            "symbol") from exc
    except yaml.YAMLError as exc:
        raise PrivacyFileError(f"{path}:1: YAML error: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or data.get("version") != 1:
        raise PrivacyFileError(f"{path}: must be a mapping starting with `version: 1`")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise PrivacyFileError(f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(TOP_KEYS))}")
    cues = data.get("cues") or {}
    if not isinstance(cues, dict):
        raise PrivacyFileError(f"{path}: `cues` must be a mapping of word lists")
    for key, words in cues.items():
        if key not in CUE_KEYS:
            raise PrivacyFileError(f"{path}: cues.{key} is not a known list; known: {', '.join(sorted(CUE_KEYS))}")
        if not isinstance(words, list) or not all(isinstance(w, str | int) and not isinstance(w, bool) for w in words):
            raise PrivacyFileError(f"{path}: cues.{key} must be a list of words")
        vocab.cues.setdefault(key, []).extend(str(w) for w in words if str(w).strip())
    domains = data.get("public_email_domains") or []
    if not isinstance(domains, list):
        raise PrivacyFileError(f"{path}: public_email_domains must be a list")
    vocab.public_email_domains.extend(str(d).lower() for d in domains)
    vocab.sources.append(str(path))


def load_vocabulary(knowledge_dir: Path | str | None = None) -> Vocabulary:
    """Read privacy.yaml and every i18n/<lang>/privacy.yaml under `knowledge_dir`.

    Raises PrivacyFileError for a file that is not as described in knowledge/privacy.yaml.
    """
    root = Path(knowledge_dir) if knowledge_dir is not None else BUNDLED_KNOWLEDGE
    if not (root / "privacy.yaml").is_file():
        root = BUNDLED_KNOWLEDGE  # a knowledge folder without its own words uses ours
    files = [root / "privacy.yaml"]
    i18n = root / "i18n"
    if i18n.is_dir():
        files += sorted(i18n.glob("*/privacy.yaml"))

    def read() -> Vocabulary:
        vocab = Vocabulary()
        for path in files:
            _read(path, vocab)
        vocab.bip39 = frozenset(BIP39_ENGLISH.read_text(encoding="utf-8").split())
        vocab.bip39_other = frozenset(BIP39_OTHER.read_text(encoding="utf-8").split())
        _check_lists(vocab)
        return vocab

    # files read and checked once are remembered by their bytes (reading them is ~0.08 s of
    # a start-up); a file that fails its checks is never remembered
    try:
        # (named within the folder: the same words wherever the folder is, or however named)
        contents = [(p.relative_to(root).as_posix(), p.read_bytes()) for p in files]
    except OSError:
        return read()  # reports the file that cannot be read
    key = cache.fingerprint("privacy vocabulary", Path(__file__).read_bytes(),
                            BIP39_ENGLISH.read_bytes(), BIP39_OTHER.read_bytes(), contents)
    vocab = cache.cached(key, read, kind="privacy")
    vocab.cache_key = key  # names these words for caches built from them (the patterns)
    return vocab


def _check_lists(vocab: Vocabulary) -> None:
    """Every list must compile under RE2. Compiling them costs ~0.1 s, so lists that compiled
    once are remembered in the matcher's cache folder (`bot.understanding.cache`) by their
    patterns; a list that fails is never remembered."""
    patterns = {key: "(?i:" + words_rx(words) + ")" for key, words in vocab.cues.items()}

    def check() -> bool:
        for key, pattern in patterns.items():
            try:
                compile_rx(pattern)
            except ValueError as exc:
                raise PrivacyFileError(f"cues.{key}: {exc}") from exc
        return True

    key = cache.fingerprint("privacy lists", Path(rx.__file__).read_bytes(), sorted(patterns.items()))
    cache.cached(key, check, kind="privacy")
