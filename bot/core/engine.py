"""The dialogue engine: `Engine.handle(state, event, now) -> Outcome(state, replies, events)`.

Pure: no I/O, no clock, no transport types. Every sentence comes from the knowledge base. The
service around it loads and saves state, writes the events, and schedules the follow-up the new
state asks for. The work of a turn is split by concern:

    flood        flood control                  commands   /start, /status, /language ...
    buttons      the button protocol            understand what a typed message means
    fix          the fix walk, topics, lists    case       attempts, thresholds, stages
    followups    check-ins, review lifecycle    language   the reply language
    render       dates, lists, status, summary  journal    the event log
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process, utils

from bot.core import buttons, commands, fix, flood, followups, journal, language, understand
from bot.core.events import Attachment, ButtonPress, Command, Event, FollowupDue, Reply, TextMessage
from bot.core.state import FIX, State
from bot.core.turn import Turn
from bot.knowledge import languages
from bot.knowledge.contract import (
    AT_LEAST_INTENTS,
    COUNT_INTENTS,
    DURATION_INTENTS,
    LEXICON_INTENTS,
)
from bot.knowledge.model import KnowledgeBase, Option
from bot.understanding.language import BY_SCRIPT, OwnWords
from bot.understanding.matcher import Matcher
from bot.understanding.privacy import find_sensitive
from bot.understanding.redact import MASKS
from bot.understanding.settings import matching_files
from bot.understanding.text import clean, is_cyrillic, is_han, simplified
from bot.understanding.tokens import stem


@dataclass(frozen=True)
class Outcome:
    state: State
    replies: tuple[Reply, ...]
    events: tuple[dict, ...] = ()
    forget: bool = False


#: texts whose intents `Engine.intents` keeps (a turn reads one text several times)
_INTENTS_KEPT = 256


#: the characters of a bare address ("binance-kyc.top", "x@binance.com")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_@/")
#: the characters of a host name
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
#: where a link's host ends: its path, query, a quote, a bracket or markup
_LINK_END = frozenset("/?#\\\"'<>()[]{}，。！？、«»“”")


def _host(rest: str) -> str:
    """The host an address (without its scheme) names, or "" for none: up to its path, after
    any "user@" ("binance.com@evil.xyz" is evil.xyz), letters, digits, dots and dashes only
    ("www.binance.com," is binance.com), and at least two labels, none empty."""
    rest = rest[:next((i for i, ch in enumerate(rest) if ch in _LINK_END), len(rest))]
    rest = rest.rpartition("@")[2]
    host = rest[:next((i for i, ch in enumerate(rest) if ch not in _DOMAIN_CHARS), len(rest))]
    host = host.strip(".-")
    labels = host.split(".")
    return host if len(labels) >= 2 and all(labels) and labels[-1].isalpha() else ""


class Engine:
    """Holds the knowledge base and matcher; `handle` is a pure function of its arguments."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher | None = None) -> None:
        self.kb = kb
        self.matcher = matcher or Matcher.build(kb)
        hosts = (urlsplit(url).hostname or "" for url in kb.policy.links.values())
        #: e-mail domains of the official sites: "@binance.com" in a forwarded notice is not personal
        self.official_domains = frozenset(h.removeprefix("www.") for h in hosts if h)
        words = kb.matching
        #: a count is negated by the English words only ("I haven't failed 3 times"): Russian
        #: "не" describes the failure itself ("лицо не распознаётся уже 3 раза")
        self._count_negations = frozenset(str(w) for w in words.get("negations", ()) or ())
        # every language's: "верификация не прошла" is no "прошла"
        self._negation_words = frozenset(
            str(w) for _, data in matching_files(kb) for w in data.get("negations", ()) or ())
        self.stop_words = frozenset(str(w) for w in words.get("stop_words", ()) or ())
        #: every language's words that make "verified" someone else's account, not a result
        #: ("someone sold me a verified account"): matching.yaml `not_results`
        self._not_results = frozenset(
            _process(str(w)) for _, data in matching_files(kb) for w in data.get("not_results", ()) or ())
        #: common words of languages the bot does not write in (matching.yaml `foreign_words`;
        #: not those of a language it writes in: knowledge/i18n/es/ makes Spanish's no longer
        #: foreign), and marks of theirs found anywhere in a message ("¿")
        listed = languages.foreign_words(kb)
        self.foreign_words = frozenset(_process(w) for w in listed if not languages.is_mark(w))
        self._foreign_marks = tuple(sorted(w for w in listed if languages.is_mark(w)))
        #: letters the overlay languages write with: an Arabic or a Kazakh overlay's letters
        #: are no sign of a language the bot does not write in
        self._own_letters = languages.overlay_letters(kb)
        # (its letters in both cases: "ӨТІНІМ", "Қабылданбады" are as written as "өтінім")
        self._not_written = frozenset(c for c in _NOT_WRITTEN if c.lower() not in self._own_letters)
        #: the languages it writes in that the script does not tell (Spanish), by their words
        told = [lang for lang in languages.written(kb) if lang not in BY_SCRIPT]
        self._written = OwnWords(
            {lang: languages.own_words(kb, lang) | languages.foreign_words_of(kb, lang) for lang in told},
            {lang: languages.own_words(kb, lang) for lang in BY_SCRIPT} if told else {})
        #: words that say a message is about verification (matching.yaml `domain_words`)
        #: (every language's: "…证件照片被拒了" after a seed phrase is about verification)
        self.domain_words = tuple(dict.fromkeys(
            d for _, data in matching_files(kb) for w in data.get("domain_words", ()) or ()
            if len(d := _process(str(w))) >= 3 or (len(d) == 2 and is_han(d[0]))  # "认证"
        ))
        self.reason_markers = tuple(
            re.compile(str(p), re.I) for p in words.get("reason_markers", ()) or ()
        )
        phrases = [(_process(p), name) for name, ps in kb.intents.items() for p in ps]
        self._intents = [(p, n) for p, n in phrases if p and n not in LEXICON_INTENTS]
        #: the same, found through what a phrase needs in a message (`_Phrases`)
        self._intent_index = _Phrases(self._intents)
        self._counts = [(p, COUNT_INTENTS[n]) for p, n in phrases if p and n in COUNT_INTENTS]
        self._count_index = _Phrases(self._counts)
        #: every language's words before a typed button number, longest first ("i pick", "#")
        self._button_words = sorted({str(w).casefold() for w in kb.intents.get("button_words", ()) if w},
                                    key=len, reverse=True)
        #: a bare count's filler words and the count phrases it is read as (`count_fillers`,
        #: `count_forms`: "{n} times", "{n} раза", "{n}次")
        self._count_fillers = frozenset(str(w).casefold() for w in kb.intents.get("count_fillers", ()))
        self._count_forms = tuple(dict.fromkeys(str(f) for f in kb.intents.get("count_forms", ())
                                                if "{n}" in str(f)))
        self._at_least = [(p, AT_LEAST_INTENTS[n]) for p, n in phrases if p and n in AT_LEAST_INTENTS]
        self._at_least_index = _Phrases(self._at_least)
        #: duration units, longest first ("business days" before "days")
        self._units = sorted(((p, DURATION_INTENTS[n]) for p, n in phrases if p and n in DURATION_INTENTS),
                             key=lambda pu: -len(pu[0]))
        self._hypothetical = tuple(p for p, n in phrases if p and n == "hypothetical")
        self._other_attempt = tuple(p for p, n in phrases if p and n == "other_attempt")
        self._help_words = tuple(p for p, n in phrases if p and n == "help_words")
        #: words that make a count one of more failures since ("failed 2 more times", "又被拒了两次")
        self._count_more = tuple(p for p, n in phrases if p and n == "count_more")
        self._within_attempt = tuple(p for p, n in phrases if p and n == "within_attempt")
        self._reason_words: dict[str, frozenset[str]] = {}
        self._fault_words: frozenset[str] | None = None
        self._correction = tuple(p for p, n in phrases if p and n == "correction")
        #: which language the app or a notice is in ("my binance app is in chinese"): no request
        self._app_language = tuple(p for p, n in phrases if p and n == "app_language")
        #: a bare "no" that opens an answer ("нет, ещё действует", "no, it's still valid")
        self._bare_no = frozenset(p for p, n in phrases if p and n == "no" and " " not in p)
        self._also = tuple(p for p, n in phrases if p and n == "also")
        self._distress = tuple(p for p, n in phrases if p and n == "distress")
        self._intent_phrases = [p for p, _ in self._intents]
        #: the intents of the last texts read: a turn asks for the same text's three or four
        #: times (what it says, its clauses, its news), each a fuzzy search over every phrase
        self._intents_read: dict[str, tuple[str, ...]] = {}
        self._says_read: dict[str, frozenset[str]] = {}  # `says`, per text
        #: phrases that only introduce personal data ("my name is"), longest first
        self.data_labels = tuple(sorted(
            {p for p, n in phrases if p and n in ("personal_data", "self_introduction")},
            key=lambda p: -len(p)))
        #: a data label and the mask of what it handed over ("дата рождения [date of birth]")
        self._handed_over = re.compile(
            rf"(?:{'|'.join(map(re.escape, self.data_labels))})\s*[:：=\-]?\s*"
            rf"(?:{'|'.join(map(re.escape, _MASK_TEXTS))})") if self.data_labels else None
        #: phrases that introduce the writer by name ("my name is", "меня зовут", "我叫")
        self.introductions = tuple(sorted(
            {p for p, n in phrases if p and n == "self_introduction"}, key=lambda p: -len(p)))

    def handle(self, state: State, event: Event, now: datetime, lang: str | None = None, *,
               copy: bool = True) -> Outcome:
        """Run one turn on a copy of `state`; with `copy` False, the caller gives `state` up
        (it becomes the outcome's state, changed in place: no copy is taken)."""
        turn = Turn(self, state.clone() if copy else state, now, lang)
        dispatch(turn, event)
        return Outcome(turn.outcome_state(), tuple(turn.replies), tuple(turn.events), turn.forget)

    # -- reading short answers (the understanding layer's job; kept in one place here) ----
    def intents(self, text: str) -> list[str]:
        """The intents a short message expresses: the whole message ("it passed") or a phrase
        of two words or more inside it ("i resubmitted it yesterday")."""
        found = self._intents_read.get(text)
        if found is None:
            if len(self._intents_read) >= _INTENTS_KEPT:
                self._intents_read.clear()
            found = self._intents_read[text] = tuple(self._read_intents(text))
        return list(found)

    def _read_intents(self, text: str) -> list[str]:
        clean = _process(text)
        words = clean.split()
        policy = self.kb.policy
        if not clean or len(words) > policy.intent_max_words or not self._intents:
            return []
        found: dict[str, None] = {}
        best = process.extractOne(clean, self._intent_phrases, scorer=fuzz.ratio,
                                  score_cutoff=policy.intent_cutoff)
        # (nor a close phrase with a "not" the message lacks: "проверку прошла" is not
        # "проверку не прошла")
        if best is not None and not self._negated(clean, best[0]) and not (
                self._negations(best[0]) - self._negations(clean)) and not (
                clean[-1] in _ASKED and best[0][-1] not in _ASKED):  # "转人工审核了吗" asks
            found[self._intents[best[2]][1]] = None
        padded = f" {clean} "
        # a short Chinese message, as short as `intent_max_words` words of a spaced language
        short_han = sum(map(is_han, clean)) <= 3 * policy.intent_max_words
        said = set(words)
        for phrase, name in self._intent_index.candidates(padded):
            # ("no" is itself a negation: "no, keep it" says it); in a message this short the
            # words in any order ("approved finally", "одобрили окончательно", "прошло наконец")
            if " " in phrase and (f" {phrase} " in padded or (
                    name in _ANY_ORDER and said.issuperset(phrase.split()))) and (
                    name in _SAYS_NO or not self._negated(clean, phrase)):
                found[name] = None
            elif (name in _HAN_INSIDE and len(phrase) >= 3 and short_han and all(map(is_han, phrase))
                    and self._han_said(padded, phrase)):
                found[name] = None  # "通过啦，终于认证好了" holds "认证好了": Chinese has no spaces
        if "passed" in found and (_ends_in_question_mark(text) or self._not_result(clean)):
            del found["passed"]  # "approved?" asks for the result; "bought a verified account" is none
        return list(found)

    def button_number(self, text: str) -> str | None:
        """The number of a typed "option 2", "вариант 2", "选项2", "#2" (`button_words`), or None."""
        clean = " ".join(text.casefold().split()).rstrip(".)")
        for word in self._button_words:
            if clean.startswith(word):
                rest = clean[len(word):].strip(" :#.")
                if rest.isascii() and rest.isdigit() and len(rest) <= 3:
                    return rest
        return None

    def asks_passed(self, text: str, *, awaited: bool = False) -> bool:
        """Does the message ask whether it passed ("approved?", "прошло?", "通过了吗")? With
        `awaited` (a result is awaited), a longer question of the result counts too."""
        clean = _process(text)
        words = set(clean.split())
        if "asks_result" in self.intents(text):  # "did it pass", "有结果了吗"
            return True
        if awaited and _ends_in_question_mark(text) and self.says(text, "asks_result"):
            return True  # "how would I know if it passed?": a longer question of the result
        if not _ends_in_question_mark(text) or not words or len(words) > self.kb.policy.intent_max_words \
                or self._not_result(clean):
            return False
        if any(is_han(c) for c in clean):  # "通过了吗？", "認證好了沒？"
            return "passed" in self.intents(clean.rstrip("".join(_ASKED)) or clean)
        # a phrase's words in any order among a few others: "is it approved?", "ну что, одобрили?"
        return any(n == "passed" and words.issuperset(p.split()) for p, n in self._intents)

    def _not_result(self, clean: str) -> bool:
        if any(w in self._not_results for w in clean.split()):
            return True
        return any(w in clean for w in self._not_results if w and is_han(w[0]))

    def without_introduction(self, text: str) -> str:
        """The message without the writer's name and the phrase that introduces it: "My name is
        John Smith. Why was my KYC rejected?" is about a rejection, not about a name."""
        padded = f" {_process(text[:2000])} "
        if not any(_said(padded, p) for p in self.introductions):
            return text  # (most messages: no privacy scan for names)
        names = sorted((f for f in find_sensitive(text, mentions=True) if f.kind == "name"),
                       key=lambda f: f.start)
        out, pos = [], 0
        for f in names:
            before = text[pos:f.start]
            cut = _introduced(before, self.introductions)
            if cut is not None:
                out.append(before[:cut])
                pos = f.end
        return "".join(out) + text[pos:] if out else text

    def said_option(self, text: str, options: Sequence[Option]) -> int | None:
        """The one option whose `said:` phrases (any language) the message says, not negated
        ("I turned 18 last week"; not "I haven't turned 18"); None if none or several."""
        # the redactor's masks say what was there, not what the user answers ("born [date of
        # birth]" is no answer "date of birth"), nor does the label the data was handed over
        # with ("дата рождения [date of birth]": data given, not the detail that differs)
        if "[" in text and self._handed_over is not None:
            text = self._handed_over.sub(" ", text.casefold())
        for mask in _MASK_TEXTS:
            text = text.replace(mask, " ")
        hits: dict[int, list[str]] = {}
        # clause by clause: a "not" reaches no further than its clause ("я ничего не
        # редактировал, просто обрезал фото" crops in a clause of its own)
        # (and the whole message, for a phrase with a comma of its own: "да, просрочен")
        said = [(i, q) for i, o in enumerate(options)
                for phrases in o.said.values() for p in phrases if (q := _process(p))]
        # a Russian one-word phrase in any of its forms ("ксерокопия": "загружал ксерокопию"),
        # through the stemmer the matcher uses (not a longer phrase: its tense is its meaning,
        # "не проходил" is no "не проходит")
        inflected = [(i, q, stemmed) for i, q in said if " " not in q and _has_cyrillic(q)
                     and len(stemmed := _stemmed(q)) >= _INFLECTED_LETTERS]
        for clause in [text, *_clauses(text)]:
            padded = f" {_process(clause)} "
            for i, q in said:
                if _said(padded, q) and not self._negated_before(padded, q):
                    hits.setdefault(i, []).append(q)
            if inflected and _has_cyrillic(padded):
                stems = f" {_stemmed(padded)} "
                for i, q, stem in inflected:
                    if (i not in hits and f" {stem} " in stems
                            and not self._negated_before(stems, stem)):
                        hits.setdefault(i, []).append(q)
        first, _, rest = _process(text).partition(" ")
        if not hits and first in self._bare_no:
            # "нет, паспорт ещё действует": the answer "no", then what is true; it counts for
            # the option that answers "no" only ("no, it expired last month" contradicts itself)
            no = self.yes_or_no_option(first, [o.label.get() for o in options])
            found = self.said_option(rest, options) if rest else None
            return found if found is not None and found == no else None
        if len(hits) > 1:
            # a denial beside an admission ("I didn't edit anything! I just cropped it",
            # "没改过，就是裁剪了一下"): the admission is the answer, the denial only its frame
            hits = {i: said for i, said in hits.items() if not all(map(self.denies, said))}
        return next(iter(hits)) if len(hits) == 1 else None

    def _negated_before(self, padded: str, phrase: str) -> bool:
        """A negation just before the phrase: up to 3 words ("I have not turned 18"), or the
        character(s) before a Chinese one ("没满18")."""
        at = padded.find(phrase)
        if at < 0 or self._negations(phrase) or (is_han(phrase[0]) and any(
                w in phrase for w in self._negation_words if w and is_han(w[0]))):
            return False  # the phrase says "not" itself ("не истёк", "没过期"): a "нет" before agrees
        before = padded[:at]
        if is_han(phrase[0]):
            return self._han_negated(before)
        return bool(set(_CONTRACTION.sub("nt", before).split()[-3:]) & self._negation_words)

    def other_attempt(self, text: str) -> bool:
        """Does the message put what it says on another attempt or person, or on a fear ("last
        time", "my friend's", "scared it failed": intents.yaml `other_attempt`)?"""
        return _said_any(text, self._other_attempt)

    def denies_failure(self, text: str) -> bool:
        """Does a negation stand right before a word of failure ("not rejected again", "не
        отклонили")? Phrases that fail by a negation ("not approved", "не прошла") do not, nor
        an answer's leading "no" ("no, they rejected it")."""
        words = _CONTRACTION.sub("nt", _process(text[:2000])).split()
        return any(i > 0 and words[i - 1] in self._negation_words and not is_han(w[0])
                   and set(self._terms(w)) & self.matcher.failure_terms
                   for i, w in enumerate(words))

    def denies(self, text: str) -> bool:
        """Does the message hold a negation of any language ("not", "не", "不清楚", "没")?"""
        clean = _process(text)
        return bool(self._negations(clean)) or any(
            w in clean for w in self._negation_words if w and is_han(w[0]))

    def says(self, text: str, name: str) -> bool:
        """Does a message of any length say intent `name` in one of its phrases of two words or
        more ("im back, still no result from the manual review, its been almost a month")?"""
        said = self._says_read.get(text)  # a turn asks this of the same text for many intents
        if said is None:
            if len(self._says_read) >= _INTENTS_KEPT:
                self._says_read.clear()
            said = self._says_read[text] = self._said_names(text)
        return name in said

    def _said_names(self, text: str) -> frozenset[str]:
        """Every intent `says` finds in `text`, looked up through `_intent_index`."""
        padded = f" {_process(text)} "
        names: set[str] = set()
        for p, name in self._intent_index.candidates(padded):
            if name in names:
                continue
            if is_han(p[0]):  # "已经转人工审核16个工作日了"
                if len(p) >= 3 and self._han_said(padded, p):
                    names.add(name)
            elif " " in p and f" {p} " in padded and not self._negated_before(padded, p):
                names.add(name)  # (a "not" elsewhere is another clause's: "...still nothing")
        return frozenset(names)

    def _han_said(self, padded: str, phrase: str) -> bool:
        """A Chinese phrase inside the message, not negated before it ("没通过了") and not asked
        after it ("通过了吗")."""
        at = padded.find(phrase)
        while at >= 0:
            after = padded[at + len(phrase):at + len(phrase) + 2].lstrip("了")[:1]  # ("转人工审核了吗")
            if not (self._han_negated(padded[:at]) or after in _ASKED):
                return True
            at = padded.find(phrase, at + 1)
        return False

    def _han_negated(self, before: str) -> bool:
        """Do the one or two characters before a Chinese phrase negate it ("没满18", "没有通过")?"""
        return before[-1:] in self._negation_words or before[-2:] in self._negation_words

    def clause_intents(self, text: str) -> list[str]:
        """The intents a longer message says in a clause of its own ("support fixed my name,
        and I resubmitted", "客服改好了名字，我重新提交了"); [] for a message of one clause."""
        clauses = self.matcher.clauses(text)
        if len(clauses) < 2:
            return []
        # as many clauses as the matcher reads one by one: a report of progress is short, and a
        # 4,000-character run of clauses must not cost a fuzzy search per clause
        clauses = clauses[: int(self.kb.policy.matching["max_clauses"])]
        said = [self.intents(c) for c in clauses]
        if _ends_in_question_mark(text):  # "so it went through?": the last clause asks, it reports no result
            said[-1] = [n for n in said[-1] if n != "passed"]
        return list(dict.fromkeys(name for names in said for name in names))

    def names_app_language(self, text: str) -> bool:
        """Does the message say which language the app or a notice is in (`app_language`: "my
        binance app is in chinese", "пришло на английском")? That asks for no language."""
        return _said_any(text, self._app_language)

    def asks_help(self, text: str) -> bool:
        """Does the message ask for help ("pls help", "помогите", "帮帮我": `help_words`)?"""
        return _said_any(text, self._help_words)

    def hypothetical(self, text: str) -> bool:
        """Does the message ask "what if" rather than tell ("what if it fails again?")?"""
        return _said_any(text, self._hypothetical)

    def corrects(self, text: str) -> bool:
        """Does the message say it puts right what was said before ("sorry I meant", "точнее",
        "我是说"), and not that it adds to it ("also", "тоже", "还有")?"""
        return _said_any(text, self._correction) and not self.adds(text)

    def without_cues(self, clause: str) -> str:
        """A clause without its correction phrases ("ой нет, перепутал" -> "ой нет", "我搞错了"
        -> "我"): what is left names the reason, if anything does."""
        padded = f" {_process(clause)} "
        for phrase in self._correction:
            if all(map(is_han, phrase)):
                padded = padded.replace(phrase, " ")
            else:
                padded = padded.replace(f" {phrase} ", " ")
        return padded.strip()

    def unofficial_links(self, text: str) -> list[tuple[int, int]]:
        """Where the message holds a link to somewhere other than the official sites
        (policy.yaml `links`): an address with a scheme or "www.", or a bare one in small
        letters that names Binance ("binance-kyc.top", "binance.com.verify.xyz"; not "I use
        Binance.It says..."). Word by word: linear."""
        return [(s, e) for s, e, official in self.links(text) if not official]

    def official_links(self, text: str) -> list[tuple[int, int]]:
        """Where the message holds a link to one of the official sites (the digits of a help
        article's address are no phone number)."""
        return [(s, e) for s, e, official in self.links(text) if official]

    def links(self, text: str) -> list[tuple[int, int, bool]]:
        """The links of a message (see `unofficial_links`), each with whether it is official."""
        found = []
        at = 0
        for token in text.split():
            start = text.find(token, at)
            at = start + len(token)
            low = token.lower()
            if "://" in low:
                rest = low.split("://", 1)[1]
            elif (www := low.find("www.")) >= 0:
                rest = low[www:]
            elif (name := low.find("binance")) >= 0:  # the address inside "我在binance.com上"
                s, e = name, name
                while s > 0 and low[s - 1] in _HOST_CHARS:
                    s -= 1
                while e < len(low) and low[e] in _HOST_CHARS:
                    e += 1
                if token[s:e] != low[s:e]:
                    continue  # a capital: a sentence run together ("Binance.It says"), no address
                rest = low[s:e]
            else:
                continue
            host = _host(rest)
            if host:
                found.append((start, at, any(host == d or host.endswith("." + d)
                                             for d in self.official_domains)))
        return found

    def distressed(self, text: str) -> bool:
        """Does the message hold words of someone in crisis ("I want to kill myself",
        "не хочу жить", "不想活了")? Read anywhere in a message of any length."""
        return _said_any(text, self._distress)

    def adds(self, text: str) -> bool:
        """Does the message say it adds something ("also", "тоже", "还有")?"""
        return _said_any(text, self._also)

    def mentions(self, text: str, reason_id: str) -> bool:
        """Does `text` use a word of the reason's title or keywords in any language ("not the
        photo": "Blurry or unreadable document photo"; "не фото", "不是照片的问题")?"""
        if not self._reason_words:
            # a word of several reasons' titles, or of several reasons' keywords ("document"),
            # names none of them
            titles = {r: self.content_terms(" . ".join(reason.title.by_lang.values()))
                      for r, reason in self.kb.reasons.items()}
            keywords = {r: self.content_terms(" . ".join(
                [*reason.keywords, *(k for p in reason.overlays.values() for k in p.keywords)]))
                for r, reason in self.kb.reasons.items()}
            for words_of in (titles, keywords):
                seen = Counter(w for words in words_of.values() for w in words)
                for words in words_of.values():
                    words.difference_update([w for w in words if seen[w] > 1])
            self._reason_words = {r: frozenset(titles[r] | keywords[r]) for r in titles}
        words = self._reason_words.get(reason_id, frozenset())
        return not words.isdisjoint(self.content_terms(text))

    def names_a_fault(self, text: str) -> bool:
        """Does `text` say what was wrong with a document (a word of matching.yaml `negatable`
        in any language: "blurry", "expired", "模糊", "просрочен")? "blurry photo of my passport"
        describes; "photo of my passport" only stands for a photo."""
        if self._fault_words is None:
            self._fault_words = frozenset(
                term for _, data in matching_files(self.kb) for w in data.get("negatable", ()) or ()
                for term in self.content_terms(str(w)))
        return not self._fault_words.isdisjoint(self.content_terms(text))

    def content_terms(self, text: str) -> set[str]:
        """The words of `text` that say something, read with any negation left out (the
        matcher drops a negated "expired": here it still names its reason)."""
        plain = " ".join(w for w in _CONTRACTION.sub("nt", _process(text)).split()
                         if w not in self._negation_words)
        for w in sorted((w for w in self._negation_words if w and is_han(w[0])), key=len, reverse=True):
            plain = plain.replace(w, " ")
        return {w for w in self.matcher.norm.terms(clean(plain, 4000), set())
                if w not in self.stop_words and w not in self._negation_words}

    def leads_with_negation(self, clause: str) -> bool:
        """Does a clause open with a negation ("no", "it's not the photo", "не фото", "不是照片")?"""
        clean = _process(clause)
        if clean[:1] and is_han(clean[0]):
            return any(clean.startswith(w) for w in self._negation_words if w and is_han(w[0]))
        return bool(set(_CONTRACTION.sub("nt", clean).split()[:2]) & self._negation_words)

    def bare_negation(self, clause: str) -> bool:
        """Is a clause only a negation ("no", "nope, not that", "нет", "不是", "不对")?"""
        words = _CONTRACTION.sub("nt", _process(clause)).split()
        return 0 < len(words) <= 3 and all(
            w in self._negation_words or w in self.stop_words or w in self._correction
            for w in words)

    def asks_about(self, text: str, names: set[str]) -> bool:
        """Is every clause that says one of intents `names` a "what if" ("what if I get
        rejected again?", "万一又失败了怎么办？"), so the message asks rather than tells?"""
        clauses = self.matcher.clauses(text)[: int(self.kb.policy.matching["max_clauses"])]
        telling = [c for c in clauses or [text] if names & set(self.intents(c))]
        return bool(telling) and all(self.hypothetical(c) for c in telling)

    def _count_negated(self, padded: str, phrase: str) -> bool:
        """A negation in the three words before a count ("I haven't failed 3 times"; not "4
        times rejected for no reason"), unless the phrase says "not" itself."""
        at = padded.find(f" {phrase} ")
        if at < 0 or self._negations(phrase, self._count_negations):
            return False
        before = _CONTRACTION.sub("nt", padded[:at]).split()[-3:]
        # the negation must be of the failing or trying ("I haven't failed 3 times"), not of
        # something else ("No, it failed 3 times", "it didn't work 3 times")
        return any(w in self._count_negations and i + 1 < len(before)
                   and before[i + 1].startswith(_FAILING) for i, w in enumerate(before))

    def elapsed_days(self, text: str) -> int | None:
        """How long the user says something has taken, in days ("it's been 16 business days",
        "уже 3 недели", "等了两周" with digits): a number and a unit (`unit_*` intents); None if
        none is said."""
        padded = f" {_process(text[:2000])} "
        for m in _NUMBER.finditer(padded):
            after = padded[m.end():].lstrip()
            for unit, days in self._units:
                if after.startswith(unit + " ") or (is_han(unit[0]) and after.startswith(unit)):
                    n = int(m.group(1)) * days
                    return int(n) if 0 < n <= 400 else None
        return None

    def _terms(self, text: str) -> list[str]:
        return self.matcher.norm.terms(clean(text, 2000), set())

    def says_failure(self, text: str) -> bool:
        """Does `text` hold one of matching.yaml's `failure_words` ("failed", "отказ", "没通过")?"""
        return bool(set(self._terms(text)) & self.matcher.failure_terms)

    def about_verification(self, text: str) -> bool:
        """Does `text` name a verification or its failure ("KYC", "审核", "отказ", "rejected")?"""
        return self.says_failure(text) or self.matcher.scorer.anchored(self._terms(text))

    def foreign(self, text: str) -> bool:
        """Is `text` written in a language the bot does not write in? Mostly letters of another
        script than Latin, Cyrillic and Chinese (Arabic, Devanagari, Thai, Hangul, kana...), two
        words with letters no Russian word has ("өтінімім қабылданбады", `_NOT_WRITTEN`; one
        is a place's name: "погода в Өскемене"), a mark of `foreign_words` (Spanish's opening
        marks: "¿cuánto tarda?"), or two of its words ("mi verificación fue rechazada"). The
        letters, marks and words of a language the bot writes in (its overlay) are none of these."""
        return (self._other_script(text) or len(self._foreign_found(text)) >= 2
                or any(mark in text for mark in self._foreign_marks)
                or sum(any(ch in self._not_written for ch in w) for w in text[:2000].split()) >= 2)

    def written_language(self, text: str, read: str | None, current: str | None = None) -> str | None:
        """The language `text` is written in, `read` being the one its script tells: another
        language the bot writes in when its own words say so ("mi pasaporte está vencido" is
        Spanish once knowledge/i18n/es/ exists); `current`, the user's, wins a tie."""
        return self._written.language(text, read, current)

    def _other_script(self, text: str) -> bool:
        """Is `text` mostly in another script than Latin, Cyrillic, Chinese and the overlay
        languages' letters, or Japanese?"""
        own = self._own_letters
        letters = [ch for ch in text[:2000] if ch.isalpha()]
        other = sum(1 for ch in letters if not (ch < "\u0250" or "\u0400" <= ch <= "\u04ff"
                                                or is_han(ch) or (own and ch.lower() in own)))
        # (kana: Japanese, however many Chinese characters it also uses)
        return bool(letters) and (other * 2 > len(letters)
                                  or sum("\u3040" <= ch <= "\u30ff" and not (own and ch in own)
                                         for ch in letters) >= 2)

    def _foreign_found(self, text: str) -> set[str]:
        """The `foreign_words` in `text`."""
        processed = _process(text[:2000])
        said = {w.strip(".,!?;:()\"«»") for w in text[:2000].lower().split()} | set(processed.split())
        padded = f" {processed} "
        return {w for w in self.foreign_words if (" " in w and f" {w} " in padded) or w in said}

    def written_foreign(self, text: str) -> bool:
        """Is `text` mostly in a language the bot does not write in, with no more words it
        knows than words it does not ("KYC của tôi bị từ chối", "KYC reddedildi")? Such a text
        is not matched at all: a foreign word read as a typo of a known one ("cua" as "cuba")
        would give a wrong answer; "mi verificación fue rechazada, Reason: blurry photo" is."""
        if not self._foreign_found(text) and not self._other_script(text):
            return False
        words = [w for w in _process(text[:2000]).split() if w.isalpha()]
        if not words or any(is_han(w[0]) or "\u0400" <= w[0] <= "\u04ff" for w in words):
            return False  # Chinese or Russian beside them: a language it writes in
        known = sum(w in self.matcher.norm.vocabulary for w in words)
        return known * 2 <= len(words)

    def bare_count(self, text: str) -> int | None:
        """A count typed alone ("three", "just once", "три", "两"): read as each `count_forms`
        phrase it stands for, its `count_fillers` aside; None if none reads as a count."""
        if _NEGATIVE.search(text):
            return None  # "-3", "－3", "just - 3" is no count of anything
        bare = " ".join(w for w in text.casefold().split() if w not in self._count_fillers)
        return next((c for form in self._count_forms
                     if (c := self.count(form.replace("{n}", bare))) is not None), None)

    def count(self, text: str) -> int | None:
        """How many times the user says verification failed ("failed twice", "my 4th time"), or
        at least ("failed again": 2; see `count_is_least`)."""
        exact, least = self._count(text)
        return max(exact or 0, least or 0) or None

    def count_is_more(self, text: str) -> bool:
        """Is the count `count` finds one of failures since those already known ("failed 2 more
        times", "又被拒了两次", "ещё 2 отказа")?"""
        return _said_any(text, self._count_more)

    def count_is_least(self, text: str) -> bool:
        """Is the count `count` finds only a lower bound ("it failed again": 2 or more)?"""
        exact, least = self._count(text)
        return least is not None and (exact is None or exact < least)

    def _count(self, text: str) -> tuple[int | None, int | None]:
        """(the count said, the least count said) in `text`."""
        # clause by clause: "this is my second time ... will they block me if I keep trying?"
        # counts 2; only the clause that asks "what if" counts nothing
        # (a count is often said late in a long story: more clauses than the matcher scores)
        # (Russian in Latin letters counts as written in Cyrillic: "ne prinyali uzhe 2 raza")
        text = self.matcher.as_cyrillic(text)
        clauses = self.matcher.clauses(text)[: 4 * int(self.kb.policy.matching["max_clauses"])]
        counts: list[int] = []
        least: list[int] = []
        for clause in clauses or [text]:
            padded = f" {_process(clause)} "
            if any(_said(padded, p) for p in self._hypothetical + self._within_attempt):
                continue  # "what if I fail 3 times", "took the selfie three times"
            for found, table in ((counts, self._count_index), (least, self._at_least_index)):
                found += [n for phrase, n in table.candidates(padded) if _said(padded, phrase)
                          and not self._count_negated(padded, phrase)]
        return (max(counts) if counts else None), (max(least) if least else None)

    def pick_option(self, text: str, labels: list[str]) -> int | None:
        """The option a typed answer names: close to a label, or words found in one label only."""
        clean = _process(text)
        if not clean or len(clean.split()) > 8:
            return None
        processed = [_process(label) for label in labels]
        found = process.extractOne(clean, processed, scorer=fuzz.ratio,
                                   score_cutoff=self.kb.policy.option_cutoff)
        if found is not None:
            return found[2]
        words = {w for w in clean.split() if len(w) >= 3}
        if not words:
            return None
        hits = [i for i, label in enumerate(processed) if words <= set(label.split())]
        return hits[0] if len(hits) == 1 else None

    def close_option(self, text: str, labels: list[str]) -> int | None:
        """The one label a typed text is close to (`option_cutoff`), or None."""
        clean = _process(text)
        if not clean:
            return None
        processed = [_process(label) for label in labels]
        cutoff = self.kb.policy.option_cutoff
        # ("not rejected again" is close to "Rejected again" but says the opposite)
        hits = [i for i, label in enumerate(processed) if label and fuzz.ratio(clean, label) >= cutoff
                and not self._negated(clean, label)]
        return hits[0] if len(hits) == 1 else None

    def yes_or_no_option(self, text: str, labels: list[str], *, leading: bool = False) -> int | None:
        """The option a typed "yes" or "no" ("да", "没有", "nope") answers: the one label that
        starts with a word of that intent ("Да, срок истёк", "没有，还在有效期内"). With `leading`,
        also a message that opens with it ("yes it expired last month", "是的，上个月就过期了")."""
        said = self.intents(text)
        if leading and not {"yes", "no"} & set(said):
            # only a yes agrees with a message that restates the reason ("no, it expired last
            # month" is no clear answer)
            first = (_process(text).split() or [""])[0]
            said = [n for p, n in self._intents if p == first and n == "yes"]
        want = "yes" if "yes" in said else "no" if "no" in said else None
        if want is None:
            return None
        words = {p for p, n in self._intents if n == want and " " not in p}
        firsts = [(_process(label).split() or [""])[0] for label in labels]
        hits = [i for i, first in enumerate(firsts) if first in words]
        return hits[0] if len(hits) == 1 else None

    def _negated(self, clean: str, phrase: str) -> bool:
        """"I haven't resubmitted" is close to "I resubmitted" but means the opposite."""
        return bool(self._negations(clean) - self._negations(phrase))

    def _negations(self, clean: str, words: frozenset[str] | None = None) -> set[str]:
        return set(_CONTRACTION.sub("nt", clean).split()) & (
            self._negation_words if words is None else words)

    # kept for callers of the earlier API
    def intent(self, text: str) -> str | None:
        found = self.intents(text)
        return found[0] if found else None


#: news whose words count in any order in a short message: a result and a resubmission (not
#: "next", "back" or a yes/no, where order makes the sense)
_ANY_ORDER = frozenset({"passed", "rejected_again", "resubmitted"})

#: intents that say "no" themselves: another negation agrees ("no, they still haven't replied")
_SAYS_NO = frozenset({"no", "still_waiting"})

#: the masks the redactor writes ("[name]", "[date of birth]")
_MASK_TEXTS = tuple(MASKS.values())
_NUMBER = re.compile(r"(?<![\d.a-z])(\d{1,3})(?![\d.])")
#: words of failing or trying that a negation before a count negates ("haven't failed 3 times")
_FAILING = ("fail", "reject", "declin", "been", "tried", "try", "had", "got")
_CONTRACTION = re.compile(r"n t\b")  # "haven't" after processing is "haven t"


#: a number with a minus sign (any dash, a Chinese keyboard's full-width one too) before it
_NEGATIVE = re.compile(r"(?:^|\s)[-\u2010-\u2015\u2212\uff0d]+\s*\d")


#: letters of Cyrillic alphabets that Russian does not use: Kazakh, Kyrgyz, Tajik, Tatar,
#: Bashkir, Ukrainian, Belarusian
_NOT_WRITTEN = frozenset("әғқңөұүһҳҷӣӯҗҙҫіїєґўӘҒҚҢӨҰҮҺҲҶӢӮҖҘҪІЇЄҐЎ")


@lru_cache(maxsize=256)  # a turn reads the same message several times (intents, says, foreign)
def _process(text: str) -> str:
    """A short answer or a phrase as compared: rapidfuzz's lower case and spaces, Russian
    "ё" read as "е" (most people type "четвертый", the knowledge may say "четвёртый"), and
    Traditional Chinese in Simplified characters ("還在等" is "还在等")."""
    # (one space between words: "доп. документы" is "доп документы")
    processed = " ".join(utils.default_process(text).replace("ё", "е").split())
    if processed and max(processed) >= "\u3400" and any(is_han(c) for c in processed):
        processed = simplified(processed)
    return processed


def _introduced(before: str, phrases: Sequence[str]) -> int | None:
    """Where the introducing phrase that `before` ends with starts ("... my name is "), or None."""
    said = _process(before[-80:])
    for phrase in phrases:
        if said == phrase or said.endswith(" " + phrase) or (is_han(phrase[0]) and said.endswith(phrase)):
            for i in range(len(before) - 1, max(-1, len(before) - 81), -1):
                if _process(before[i:]) == phrase:
                    return i
    return None


#: clauses of an answer read one by one (an answer is short; a long paste is read whole)
_CLAUSES = 12
#: where a clause ends, for a negation's reach
_CLAUSE_BREAK = re.compile(r"[,;.!?:\n\u3001\u3002\uff0c\uff01\uff1f\uff1b]+")


def _clauses(text: str) -> list[str]:
    """The clauses of a short answer, a lone word kept with what follows it ("no, it expired
    last month" is one clause: its "no" speaks of the rest)."""
    out: list[str] = []
    carry = ""
    for part in _CLAUSE_BREAK.split(text)[:_CLAUSES]:
        if len(_process(part).split()) <= 1 and not any(map(is_han, part)):
            carry += part + " "
            continue
        out.append(carry + part)
        carry = ""
    return out + [carry] if carry else out


@lru_cache(maxsize=8192)  # the knowledge's phrases: a bounded set
def _has_han(phrase: str) -> bool:
    return any(map(is_han, phrase))


T = TypeVar("T")


class _Phrases(Generic[T]):
    """(phrase, value) pairs, looked up by what a phrase needs to be in a message: its first
    word (a phrase of spaced words is found as whole words), or, with Chinese characters in it
    (found anywhere), its first character. Checking only these candidates gives what checking
    every phrase gives, in the same order, without walking thousands of phrases a message."""

    def __init__(self, pairs: Sequence[tuple[str, T]]) -> None:
        self.pairs = list(pairs)
        self._by_key: dict[str, list[int]] = {}
        for i, (phrase, _) in enumerate(self.pairs):
            key = phrase[0] if _has_han(phrase) else phrase.split()[0]
            self._by_key.setdefault(key, []).append(i)

    def candidates(self, padded: str) -> list[tuple[str, T]]:
        """The pairs whose phrase may be in `padded` (the processed message between spaces)."""
        found: set[int] = set()
        for key in {*padded.split(), *padded}:
            found.update(self._by_key.get(key, ()))
        return [self.pairs[i] for i in sorted(found)]


def _said_any(text: str, phrases: Sequence[str]) -> bool:
    """Is one of `phrases` (an intent's word list) anywhere in `text`?"""
    padded = f" {_process(text)} "  # (one space between words: "sorry, it was")
    return any(_said(padded, p) for p in phrases)


def _said(padded: str, phrase: str) -> bool:
    """Is `phrase` in the message (`padded` with spaces)? As a whole word or words, or anywhere
    for a Chinese phrase: Chinese has no spaces ("这是第四次被拒了" holds "第四次")."""
    if f" {phrase} " in padded:
        return True
    if not _has_han(phrase):
        return False
    # anywhere in Chinese, but not as the end of a larger number ("失败了13次" is no "3次")
    at = padded.find(phrase)
    while at >= 0:
        if padded[at - 1] not in _NUMERALS:
            return True
        at = padded.find(phrase, at + 1)
    return False


#: the shortest stem of a one-word phrase matched in any of its forms ("права" is no "правы",
#: "закрою" no "закрыли")
_INFLECTED_LETTERS = 6


def _has_cyrillic(text: str) -> bool:
    return any(map(is_cyrillic, text))


def _stemmed(text: str) -> str:
    """Each word of a processed text as its stem ("загружал ксерокопию": "загружа ксерокоп")."""
    return " ".join(stem(w) for w in text.split())


_NUMERALS = frozenset("0123456789零〇一二两三四五六七八九十百")
#: news of an attempt, found inside a short Chinese message as well as said alone
_NEWS = frozenset({"passed", "rejected_again", "still_waiting", "resubmitted", "same_reason", "yes"})
#: intents a short Chinese message may say anywhere inside it (no spaces to find a phrase by)
_HAN_INSIDE = _NEWS | {"about_bot", "more_documents", "own_data", "stored_data", "this_language"}
#: what makes a Chinese statement a question right after it ("通过了吗", "通过了没")
_ASKED = frozenset("吗嗎么麼没沒否呢")
#: ... and any message ending in a question mark ("approved?", "прошло?", "通过了？")
_QUESTION_MARKS = frozenset("?？")


def _ends_in_question_mark(text: str) -> bool:
    """Does the message end in a question mark (emoji and spaces after it aside)?"""
    end = text.rstrip()
    while end and not end[-1].isalnum() and end[-1] not in _QUESTION_MARKS:
        end = end[:-1].rstrip()
    return bool(end) and end[-1] in _QUESTION_MARKS


def dispatch(t: Turn, event: Event) -> None:
    language.from_client(t)
    if isinstance(event, FollowupDue):
        followups.on_followup(t, event)
        return
    if flood.flooded(t):
        return
    if not t.state.started:
        t.state.started = True
        journal.record(t, journal.CONVERSATION_STARTED)
    if repair_state(t) and isinstance(event, ButtonPress):
        fix.render_current(t)  # the pressed button belonged to the old step
        return
    if isinstance(event, Command):
        name = event.name.lower().lstrip("/")
        if name != "forget":  # another command answers a pending "delete everything?" with no
            commands.cancel_forget(t, resume=False)
        commands.on_command(t, name, event.arg)
    elif isinstance(event, ButtonPress):
        buttons.on_button(t, event.data)
    elif isinstance(event, Attachment):
        understand.attachment(t, event.kind)
    elif isinstance(event, TextMessage):
        understand.on_text(t, event.text, event.forwarded)


def repair_state(t: Turn) -> bool:
    """Bring a conversation back on track if the knowledge base changed under it. Return True
    when the user was moved (their step or reason no longer exists)."""
    state = t.state
    state.queue = [r for r in state.queue if r in t.kb.reasons]
    if state.phase != FIX:
        return False
    reason = t.reason()
    if reason is None:
        t.reply("knowledge_changed")
        fix.reset_position(t)
        return True
    state.back = [s for s in state.back if reason.step(s)]
    if t.step() is None:
        t.reply("knowledge_changed")
        state.step = reason.start
        state.back = []
        return True
    return False


# earlier name, still imported by callers
clean_text = understand.clean_text
