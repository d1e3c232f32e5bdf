"""The reply language: the user's explicit choice (/language), else the language of what they
write, else their client's (Telegram `language_code`). It is kept with the conversation and
sticks: a forwarded notice never switches it, and a clear run of messages in another language
(`dialogue.language_switch_after`) only offers to switch. The languages offered are the ones
the knowledge base has texts in (knowledge/i18n/<lang>/)."""

from __future__ import annotations

import re

from bot.core import fix, journal
from bot.core.turn import Turn
from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase
from bot.understanding.text import is_han

CHOSEN, WRITTEN, CLIENT, NOTICE = "chosen", "written", "client", "notice"
#: written, but only a few Latin words ("hi", "ok", "KYC rejected"): anyone may open so, so the
#: next message in another language takes over, as it does over the client's language
GUESSED = "guessed"
#: at most this many words make such a message
GUESS_WORDS = 3
#: a message in Latin letters read as another language (translit) of at most this many words
#: keeps a language from the client or a guess: "status" is also Russian "статус"
TRANSLIT_HOLD_WORDS = 2


def offered(kb: KnowledgeBase) -> tuple[str, ...]:
    """The languages the knowledge base speaks: English and every language with a welcome."""
    welcome = kb.messages.get("welcome")
    langs = set(welcome.by_lang) if welcome is not None else set()
    return tuple(sorted(langs | {DEFAULT_LANG}, key=lambda x: (x != DEFAULT_LANG, x)))


def base(code: str | None) -> str | None:
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None


def detect(t: Turn, text: str) -> str | None:
    """The language a message is written in (Russian in Latin letters counts as Russian: the
    matcher knows the Russian words of the knowledge base; a language the script does not tell,
    Spanish in Latin letters, is told by its overlay's words, the user's own winning a tie)."""
    return t.engine.written_language(text, t.engine.matcher.language(text), t.state.lang)


def from_client(t: Turn) -> None:
    """Before anything is known, answer in the client's language if the knowledge has it."""
    lang = base(t.hint_lang)
    if t.state.lang is None and lang in offered(t.kb):
        t.state.lang, t.state.lang_how = lang, CLIENT
        journal.record(t, journal.LANGUAGE, lang=lang, how=CLIENT)


def observe(t: Turn, text: str, forwarded: bool) -> None:
    """Follow the language the user writes in (never over a choice). A forwarded notice is
    the app's language, not the user's: it only speaks for them while nothing they wrote or
    chose does, and then English (which many read the app in) only when nothing else is known,
    while another language (the app set to Chinese) also outweighs the client's."""
    state = t.state
    if state.lang_how == CHOSEN:
        return
    lang = detect(t, text)
    if lang is None or lang not in offered(t.kb):
        return
    if forwarded:
        weak = (None, CLIENT, NOTICE, GUESSED) if lang != DEFAULT_LANG else (None,)
        if state.lang != lang and (state.lang is None or state.lang_how in weak):
            journal.record(t, journal.LANGUAGE, lang=lang, how=NOTICE)
            state.lang, state.lang_how = lang, NOTICE
        return
    if state.lang is None or state.lang_how in (None, CLIENT, NOTICE, GUESSED):
        how = WRITTEN
        latin_words = len(text.split()) if text.isascii() else GUESS_WORDS + 1
        if lang != DEFAULT_LANG and latin_words <= TRANSLIT_HOLD_WORDS \
                and state.lang_how in (CLIENT, GUESSED):
            return  # "status", "my status" (translit "статус"): too few words to switch for
        if lang == DEFAULT_LANG and latin_words <= GUESS_WORDS:
            if state.lang not in (None, DEFAULT_LANG):
                return  # "ok" after Russian is no reason to answer in English
            how = GUESSED
        if state.lang != lang:
            journal.record(t, journal.LANGUAGE, lang=lang, how=how)
        state.lang, state.lang_how, state.lang_streak = lang, how, []
        return
    if lang == state.lang or lang in state.lang_declined:
        state.lang_streak = []
        return
    count = int(state.lang_streak[1]) + 1 if state.lang_streak[:1] == [lang] else 1
    state.lang_streak = [lang, str(count)]
    # a whole sentence in another script (not a word or two of translit) is clear at once
    # (a Chinese character is a word's worth: it counts twice)
    letters = sum(2 if is_han(ch) else 1 for ch in text if ch.isalpha() and not ch.isascii())
    strong = 0 < t.policy.language_switch_chars <= letters
    if (count >= t.policy.language_switch_after or strong) and not asks_language(t, text):
        state.lang_streak = []
        offer(t, lang)


#: letters of Cyrillic alphabets that Russian does not use (Ukrainian і ї є ґ, Belarusian ў)
_NOT_RUSSIAN = frozenset("іїєґўІЇЄҐЎ")


def nearest(t: Turn, text: str, lang: str | None) -> None:
    """A message in a language the bot does not write in but reads as one it does (Ukrainian
    as Russian: "Мою верифікацію відхилено"): say once which languages it writes in, and that
    it answers in the nearest one (message `language_nearest`)."""
    if lang != "ru" or sum(ch in _NOT_RUSSIAN for ch in text) < 2 or "uk" in t.state.lang_noted:
        return
    t.state.lang_noted.append("uk")
    t.reply("language_nearest", languages=listed(t, "language_nearest"))


def listed(t: Turn, key: str) -> list[str]:
    """The languages the bot writes in, for message `key` ("I can only write in {languages}"):
    the one in use first, each named as that message's language names it, with its own name
    after it where that differs (message `language_in_list`: "Chinese (中文)")."""
    text = t.kb.messages.get(key)
    written_in = text.resolve(t.lang) if text is not None else DEFAULT_LANG
    langs = offered(t.kb)
    first = t.lang if t.lang in langs else written_in if written_in in langs else DEFAULT_LANG
    out = []
    for lang in (first, *(x for x in langs if x != first)):
        own = t.kb.message("language_name", lang)
        local = _names_entry(t, lang, written_in) or own  # ("русский" within a Russian sentence)
        out.append(local if local.casefold() == own.casefold() else
                   t.kb.message("language_in_list", written_in, name=local, own=own))
    return out


def asks_language(t: Turn, text: str) -> bool:
    """Does the message ask for a language ("а можно по-русски?", "可以说中文吗")? Its request
    decides (`understand`), so no offer to switch is made beside it."""
    return ("this_language" in t.engine.intents(text) or t.engine.says(text, "this_language")) and \
        not t.engine.names_app_language(text)  # "my binance app is in chinese": no request


def name(t: Turn, lang: str, written_in: str | None = None) -> str:
    """A language's name, written in that language, or as `written_in` writes it (its
    `language_names` message) when that has it."""
    if written_in and written_in != lang:
        local = _names_entry(t, lang, written_in)
        if local:
            return local
    return t.kb.message("language_name", lang)


def _names_entry(t: Turn, lang: str, written_in: str) -> str | None:
    """`lang` as `written_in`'s own `language_names` names it, or None (a language without
    its own list names the others in their own words, not in English)."""
    names = t.kb.messages.get("language_names")
    if names is None or (names.resolve(written_in) == DEFAULT_LANG and base(written_in) != DEFAULT_LANG):
        return None
    for pair in names.get(written_in).split(","):
        code, _, local = pair.partition(":")
        if code.strip() == lang and local.strip():
            return local.strip()
    return None


def named(t: Turn, text: str) -> set[str]:
    """The offered languages `text` names ("answer in Russian", "по-русски", "用中文"): each
    language's `language_aliases` message, as written for that language (no fallback)."""
    found = t.kb.messages.get("language_aliases")
    if found is None:
        return set()
    low = f" {' '.join(text.lower().split())} "
    out: set[str] = set()
    for lang, aliases in found.by_lang.items():
        for alias in (a.strip().lower() for a in str(aliases).split(",")):
            if alias and (alias in low if any(is_han(c) for c in alias)
                          else re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", low)):
                out.add(lang)
                break
    return out & set(offered(t.kb))


def offer(t: Turn, lang: str) -> None:
    current = t.state.lang
    t.state.lang = lang  # ask in the language they write in
    t.reply(
        "language_offer",
        [t.btn("language_switch", "g", lang, language=name(t, lang))],
        [t.btn("language_keep", "G", lang, language=name(t, current or DEFAULT_LANG, lang))],
        language=name(t, lang),
    )
    t.state.lang = current


def cmd_language(t: Turn, arg: str) -> None:
    wanted = base(arg)
    if wanted in offered(t.kb):
        choose(t, wanted or DEFAULT_LANG)
        return
    rows = [[t.btn("language_pick", "g", lang, language=name(t, lang))] for lang in offered(t.kb)]
    t.reply("language_choose", *rows, language=name(t, t.state.lang or DEFAULT_LANG))


def choose(t: Turn, lang: str) -> None:
    if lang not in offered(t.kb):
        cmd_language(t, "")
        return
    state = t.state
    state.lang, state.lang_how, state.lang_streak = lang, CHOSEN, []
    journal.record(t, journal.LANGUAGE, lang=lang, how=CHOSEN)
    t.reply("language_set", *fix.continue_row(t), language=name(t, lang))


def keep(t: Turn, lang: str) -> None:
    if lang and lang not in t.state.lang_declined:
        t.state.lang_declined.append(lang)
    t.state.lang_streak = []
    t.reply("language_kept", *fix.continue_row(t), language=name(t, t.state.lang or DEFAULT_LANG))
