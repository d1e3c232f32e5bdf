"""The languages of a knowledge base: the words and letters each writes with, the foreign words
(matching.yaml `foreign_words`) of those it does not write in, and the checks that keep the two
apart.

A language is "written" (the bot answers in it) when `knowledge/i18n/<lang>/` has texts
(`KnowledgeBase.languages`). `foreign_words` may be one list, or lists by language code
(`foreign_words: {es: [fue, está], pt: [não, foi]}`): the lists of a written language do not
count, nor does a word any written language uses in its own texts (examples, notices, keywords,
messages), so adding a language's folder is enough for its users' words to stop being foreign.
An entry without a letter or digit (Spanish's "¿") is a mark, found anywhere in a message.

`problems` reports, as warnings with `file:line`, a foreign word that is a written language's own,
and a language with no `language_name` or missing from another's `language_names`;
`privacy_copies` an overlay `privacy.yaml` byte-identical to another language's (copied over it:
the redactor then reads the wrong language's words).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase, Text
from bot.knowledge.problems import Problem, display_path
from bot.knowledge.ytypes import YList

#: a word: a run of letters (accents and marks included)
_WORD = re.compile(r"[^\W\d_]+")
#: a letter is one of a language's own when at least this share of its words holds it (Russian
#: examples quoting Ukrainian, "і" in 0.5% of them, do not make "і" Russian)
OWN_LETTER_SHARE = 0.01


def base(code: str) -> str:
    """A language code's language: "pt-br" -> "pt"."""
    return code.strip().lower().replace("_", "-").split("-")[0]


def fold(word: str) -> str:
    """`word` in lower case without its accents ("Está" -> "esta")."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.casefold())
                   if not unicodedata.combining(ch))


def words_in(text: str) -> list[str]:
    """The words of `text`, in lower case."""
    return _WORD.findall(text.casefold())


def written(kb: KnowledgeBase) -> tuple[str, ...]:
    """The languages the bot writes in: English and every overlay with texts."""
    return tuple(kb.languages)


def is_written(code: str, languages: Iterable[str]) -> bool:
    """Is `code` (a `foreign_words` key) one of `languages`, or its language ("es" for "es-mx")?"""
    return base(code) in {base(lang) for lang in languages}


# --------------------------------------------------------------------------- own texts


def _text(text: Text | None, lang: str) -> Iterator[str]:
    if text is None:
        return
    if lang in text.by_lang:
        yield text.by_lang[lang]
    yield from (text.plurals.get(lang) or {}).values()


def texts_in(kb: KnowledgeBase, lang: str) -> Iterator[str]:
    """Every text the knowledge base has written in `lang` itself (no English fallback): its
    messages, buttons and commands, reasons' and topics' texts, examples, notices and keywords,
    negatives, typed intents and matching.yaml word lists (`foreign_words` aside)."""
    for table in (kb.messages, kb.buttons, kb.commands):
        for text in table.values():
            yield from _text(text, lang)
    for reason in kb.reasons.values():
        for text in (reason.title, reason.summary, reason.support, *reason.triggers):
            yield from _text(text, lang)
        for step in reason.steps:
            yield from _text(step.text, lang)
            yield from _text(step.title, lang)
            for option in step.options:
                yield from _text(option.label, lang)
                yield from option.said.get(lang, ())
    for topic in kb.topics.values():
        yield from _text(topic.title, lang)
        yield from _text(topic.answer, lang)
    for entry in (*kb.reasons.values(), *kb.topics.values()):
        p = entry.phrasing(lang)
        yield from (*p.examples, *p.notices, *p.keywords, *p.negative_keywords)
    yield from kb.negatives_in(lang).examples
    if lang == DEFAULT_LANG:
        others = {p for intents in kb.intent_overlays.values() for ps in intents.values() for p in ps}
        yield from (p for ps in kb.intents.values() for p in ps if p not in others)
    else:
        yield from (p for ps in kb.intent_overlays.get(lang, {}).values() for p in ps)
    matching = kb.matching_in(lang)
    for name, value in matching.items():
        if name == "foreign_words":
            continue
        if isinstance(value, Mapping):  # synonyms, symbols
            for key, variants in value.items():
                yield str(key)
                yield from (str(v) for v in (variants if isinstance(variants, list) else [variants]))
        elif isinstance(value, list):
            yield from (str(v) for v in value)


def _profile(kb: KnowledgeBase, lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """(`own_words`, `own_letters`) of `lang`, read once per knowledge base."""
    cache = kb.__dict__.setdefault("_language_profiles", {})  # (derived from kb alone)
    found = cache.get(lang)
    if found is None:
        words: set[str] = set()
        seen: Counter[str] = Counter()
        total = 0
        for text in texts_in(kb, lang):
            for word in words_in(text):
                total += 1
                if word not in words:
                    words.add(word)
                    words.add(fold(word))
                seen.update(set(word))
        least = max(1.0, total * OWN_LETTER_SHARE)
        found = cache[lang] = (frozenset(words), frozenset(ch for ch, n in seen.items() if n >= least))
    return found


def own_words(kb: KnowledgeBase, lang: str) -> frozenset[str]:
    """The words `lang` writes with in the knowledge base, in lower case, each also without its
    accents ("está", "esta")."""
    return _profile(kb, lang)[0]


def own_letters(kb: KnowledgeBase, lang: str) -> frozenset[str]:
    """The letters `lang` writes with: those in at least `OWN_LETTER_SHARE` of its words."""
    return _profile(kb, lang)[1]


# --------------------------------------------------------------------------- foreign words


def foreign_lists(matching: Mapping[str, object]) -> list[tuple[str | None, str, int]]:
    """One matching.yaml's `foreign_words` as (language code or None for the one plain list,
    entry, line)."""
    value = matching.get("foreign_words")
    out: list[tuple[str | None, str, int]] = []

    def add(code: str | None, items: object) -> None:
        if not isinstance(items, list):
            return
        lines = items.lines if isinstance(items, YList) else [0] * len(items)
        for item, line in zip(items, lines, strict=False):
            if isinstance(item, str | int | float) and not isinstance(item, bool) and str(item).strip():
                out.append((code, str(item).strip(), line))

    if isinstance(value, Mapping):
        for code, items in value.items():
            add(str(code), items)
    else:
        add(None, value)
    return out


def _all_foreign(kb: KnowledgeBase) -> Iterator[tuple[str, str | None, str, int]]:
    """(file, language code, entry, line) of every language's `foreign_words`."""
    yield from (("matching.yaml", c, w, n) for c, w, n in foreign_lists(kb.matching))
    for lang, data in sorted(kb.matching_overlays.items()):
        yield from ((f"i18n/{lang}/matching.yaml", c, w, n) for c, w, n in foreign_lists(data))


def is_mark(entry: str) -> bool:
    """Is a `foreign_words` entry a mark ("¿", "¡") rather than a word?"""
    return not any(ch.isalnum() for ch in entry)


def foreign_words(kb: KnowledgeBase) -> frozenset[str]:
    """The `foreign_words` entries that count: not listed for a language the bot writes in, and
    no word a written language (other than English) uses in its own texts."""
    langs = written(kb)
    found = list(_all_foreign(kb))
    # (a word listed for several languages, "porque" for es and pt, is no foreign word as soon
    # as one of them is written)
    theirs = {entry.casefold() for _, code, entry, _ in found if code is not None and is_written(code, langs)}
    own = set().union(*(own_words(kb, lang) for lang in langs if lang != DEFAULT_LANG))
    return frozenset(entry for _, _, entry, _ in found
                     if entry.casefold() not in theirs and (is_mark(entry) or not _owned(entry, own)))


def foreign_words_of(kb: KnowledgeBase, lang: str) -> frozenset[str]:
    """The words `foreign_words` lists for `lang` (under its code or its language's: "es" for
    "es-mx"), in lower case, also without accents: they tell a text in `lang` too."""
    found: set[str] = set()
    for _, code, entry, _ in _all_foreign(kb):
        if code is not None and base(code) == base(lang):
            for word in words_in(entry):
                found.update((word, fold(word)))
    return frozenset(found)


def _owned(entry: str, own: set[str] | frozenset[str]) -> bool:
    """Is every word of a `foreign_words` entry, as written, a word of `own` ("vérification" is
    no "verification")?"""
    found = words_in(entry)
    return bool(found) and all(w in own for w in found)


def overlay_letters(kb: KnowledgeBase) -> frozenset[str]:
    """The letters the overlay languages write with (see `own_letters`)."""
    return frozenset().union(*(own_letters(kb, lang) for lang in written(kb) if lang != DEFAULT_LANG))


# --------------------------------------------------------------------------- checks


def _line_of(path: Path, key: str) -> int:
    """The line of `key:` in a YAML file (1 when it is not there)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)


def _messages_file(root: Path, lang: str) -> Path:
    return root / "messages.yaml" if lang == DEFAULT_LANG else root / "i18n" / lang / "messages.yaml"


def problems(kb: KnowledgeBase, root: Path) -> list[Problem]:
    """Warnings about the languages of `kb` (read from `root`): foreign words and names."""
    return [*_foreign_problems(kb, root), *_name_problems(kb, root)]


def _foreign_problems(kb: KnowledgeBase, root: Path) -> list[Problem]:
    langs = [lang for lang in written(kb) if lang != DEFAULT_LANG]
    own = {lang: own_words(kb, lang) for lang in langs}
    out: list[Problem] = []
    found = list(_all_foreign(kb))
    theirs = {entry.casefold() for _, code, entry, _ in found if code is not None and is_written(code, written(kb))}
    for file, code, entry, line in found:
        if is_mark(entry) or entry.casefold() in theirs:
            continue
        users = [lang for lang in langs if _owned(entry, own[lang])]
        if not users:
            continue
        listed = f"listed for '{code}'" if code else "listed"
        out.append(Problem(
            display_path(root / file), line,
            f"foreign_words: '{entry}' ({listed}) is a word of {', '.join(users)}, a language the "
            f"bot writes in (its texts in i18n/{users[0]}/ use it), so it is not read as foreign; "
            f"list it under `{users[0]}:` in foreign_words, or remove it", "warning"))
    return out


def _name_problems(kb: KnowledgeBase, root: Path) -> list[Problem]:
    """Every language that answers (has a welcome) needs its own `language_name`, and each
    `language_names` should name every such language."""
    welcome = kb.messages.get("welcome")
    langs = sorted(set(welcome.by_lang) | {DEFAULT_LANG} if welcome is not None else {DEFAULT_LANG})
    if len(langs) < 2:
        return []
    out: list[Problem] = []
    name = kb.messages.get("language_name")
    names = kb.messages.get("language_names")
    for lang in langs:
        path = _messages_file(root, lang)
        if name is None or lang not in name.by_lang:
            out.append(Problem(
                display_path(path), _line_of(path, "messages"),
                f"'{lang}' has no language_name: /language and \"I can only write in ...\" name "
                f"it '{name.get(lang) if name else lang}'; add `language_name:` (the language's "
                f"name in itself, e.g. Español) under messages", "warning"))
        if names is None or lang not in names.by_lang:
            continue
        listed = {code.strip() for code, _, local in
                  (pair.partition(":") for pair in names.by_lang[lang].split(",")) if local.strip()}
        missing = [other for other in langs if other != lang and other not in listed]
        if listed and missing:  # (a text that is no list at all names nothing to add to)
            out.append(Problem(
                display_path(path), _line_of(path, "language_names"),
                f"language_names in '{lang}' does not name {', '.join(missing)}: texts in '{lang}' "
                f"name {'it' if len(missing) == 1 else 'them'} in {'its' if len(missing) == 1 else 'their'} "
                f"own language instead; add e.g. `{missing[0]}: <its name in this language>`",
                "warning"))
    return out


def _names_its_language(path: Path, content: bytes) -> bool:
    """Does a privacy.yaml's opening comment name the language of its folder ("Russian" in
    i18n/ru/)?"""
    try:
        name = Locale.parse(path.parent.name.replace("-", "_")).get_display_name("en") or ""
    except (UnknownLocaleError, ValueError):
        return False
    head = " ".join(content.decode("utf-8", "replace").splitlines()[:3]).casefold()
    return bool(name) and name.split(" (")[0].casefold() in head


def privacy_copies(root: Path) -> list[Problem]:
    """An overlay `privacy.yaml` byte for byte the same as another language's: copied over it
    (a `cp -r` of another language's folder), so the redactor reads that language's words for
    this one and masks this language's names and addresses no more."""
    files = [root / "privacy.yaml", *sorted((root / "i18n").glob("*/privacy.yaml"))]
    by_content: dict[bytes, list[Path]] = {}
    for path in files:
        try:
            by_content.setdefault(path.read_bytes(), []).append(path)
        except OSError:
            continue
    out: list[Problem] = []
    for content, same in by_content.items():
        if len(same) < 2:
            continue
        # the file whose header names its folder's language ("# Russian words for the
        # redactor") is the original: only the others are copies
        originals = [p for p in same if p.parent == root or _names_its_language(p, content)]
        for path in same:
            if path in originals and len(originals) == 1:
                continue
            if path.parent == root:
                continue  # English's own: the overlay copied over is the one to fix
            others = ", ".join(display_path(p) for p in same if p != path)
            lang = path.parent.name
            out.append(Problem(
                display_path(path), 1,
                f"this file is byte for byte the same as {others}: '{lang}' then masks personal "
                f"data with another language's words, not its own; restore i18n/{lang}/privacy.yaml "
                f"(e.g. `git checkout -- knowledge/i18n/{lang}/privacy.yaml`) and copy only the "
                "other files of a language folder", "warning"))
    return out
