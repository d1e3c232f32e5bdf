"""Recognise which rejection reason(s) or topic a user's message is about.

How a message is read (everything the knowledge base implies is precomputed in `Matcher.build`):

1. `text.clean`: the one place user text is read (Unicode, case, Traditional -> Simplified).
2. `segment`: boilerplate cut out (mail headers, greetings, sign-offs, the notice's own framing
   sentence), then the reason list(s) of forwarded notices found and split into items, in the
   listed order; the rest is free text, read clause by clause.
3. `normalise`: words (`tokens`: Chinese segmented, Russian stemmed, translit understood),
   typo fixes, synonyms, stop words and negations from matching.yaml of every language.
4. `scoring`: every entry (reasons, topics, and "nothing" for the negatives) scored 0-100.
5. `charmodel`: the whole message's character n-grams add evidence to the entries that
   already have some (what other forms of a word, compounds and unsegmented Chinese say).
6. `decide`: floors, listed order, ambiguity.

Every number lives in the `matching:` section of knowledge/policy.yaml; every word list in
knowledge/matching.yaml and knowledge/i18n/<lang>/matching.yaml. Each message gets a work
budget (`max_steps`, see `budget`); one that runs out is not understood (no match).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.understanding import cache, parallel, tokens
from bot.understanding.budget import Budget, OverBudget
from bot.understanding.charmodel import CharModel, with_chars
from bot.understanding.decide import (
    EMPTY,
    NOT_UNDERSTOOD,
    Analysis,
    Kind,
    Match,
    MatchResult,
    best,
    decide,
)
from bot.understanding.index import NONE_ID, Entry, Index, Text
from bot.understanding.language import Language, detect_language
from bot.understanding.normalise import Normaliser, text_words
from bot.understanding.patterns import compile_any
from bot.understanding.scope import ScopeModel, train_from
from bot.understanding.scoring import Scorer
from bot.understanding.segment import Segmenter
from bot.understanding.settings import matching_words, settings_from
from bot.understanding.text import (
    SENTENCE_END,
    clean,
    is_han,
    one_sentence,
    without_emails,
    without_repeats,
    without_times,
)

__all__ = ["NONE_ID", "Kind", "Match", "MatchResult", "Matcher"]

logger = logging.getLogger(__name__)

#: words of a failing clause right after a told step that make it the step's own failure
#: ("it failed again"); a longer one ("the letter says verification failed") may be another's
_STEP_FAILURE = 3
#: a bare number from here on in a failing clause is no count of failures but an age
#: ("rejected for being 17"); "rejected 15 times" says it is a count
_AGE_NOT_COUNT = 13

#: the last matchers built, with the knowledge they were built from: see `Matcher.build`
_BUILT: list[tuple[tuple[object, ...], Matcher]] = []


def _inputs(kb: Any) -> tuple[object, ...]:
    """Return what a matcher is built from (compared by identity: the loader never mutates)."""
    return (kb.reasons, kb.topics, kb.negatives, kb.matching, kb.policy,
            getattr(kb, "matching_overlays", None), getattr(kb, "negative_overlays", None))


def phrasings(item: Any) -> Iterator[Any]:
    """Yield an entry's matching data per language (English first, then its overlays)."""
    if hasattr(item, "phrasings"):
        yield from item.phrasings()
        return
    yield item  # a knowledge model without overlays: the English fields


def knowledge_texts(kb: Any) -> tuple[list[Entry], list[Text], list[tuple[int, str]],
                                      list[tuple[int, str]]]:
    """Return the entries, every text to index, keywords and negative keywords of `kb`."""
    entries: list[Entry] = []
    texts: list[Text] = []
    keywords: list[tuple[int, str]] = []
    negative: list[tuple[int, str]] = []
    for kind, items in (("reason", kb.reasons.values()), ("topic", kb.topics.values())):
        for item in items:
            e = len(entries)
            entries.append(Entry(kind, item.id))
            for p in phrasings(item):
                lang = getattr(p, "lang", "en")
                texts += [Text(kind, item.id, "example", i, ex, lang)
                          for i, ex in enumerate(p.examples)]
                texts += [Text(kind, item.id, "notice", i, n, lang)
                          for i, n in enumerate(getattr(p, "notices", ()))]
                texts += [Text(kind, item.id, "keyword", i, kw, lang)
                          for i, kw in enumerate(p.keywords)]
                keywords += [(e, kw) for kw in p.keywords]
                negative += [(e, kw) for kw in p.negative_keywords]
            for lang, title in item.title.by_lang.items():
                texts.append(Text(kind, item.id, "title", 0, title, lang))
    entries.append(Entry("none", NONE_ID))
    for lang in getattr(kb, "languages", ("en",)):
        found = kb.negatives_in(lang).examples if hasattr(kb, "negatives_in") else kb.negatives
        texts += [Text("none", NONE_ID, "example", i, ex, lang) for i, ex in enumerate(found)]
    return entries, texts, keywords, negative


#: most sentences of a message read one by one for a context named in passing
_MOST_SENTENCES = 12

#: a notice's frame read alone is short ("Your KYC application was not approved"): a longer
#: text with no words left is junk, not read twice
_FRAME_CHARS = 300


#: a Chinese yes/no question ends in one of these ("还能认证吗"; "为什么" asks no yes or no)
_YES_NO_ENDS = ("吗", "嗎")
#: how many times the scope model reads each example, notice and negative of the knowledge
_EXAMPLE_WEIGHT = 2

#: how far from an exchange's name a document of it is looked for ("statement from Coinbase")
_DOCUMENT_REACH = 20
#: how far before an asking word (`service_asks`) its asker is looked for: characters, words
#: (the asker ends where the asking word starts), and how many asking words are looked at
_ASKER_REACH = 30
_ASKER_WORDS = 2
_MOST_ASKS = 4


class Phrases:
    """Find any of some phrases in cleaned text: Chinese ones anywhere, others at a word's
    start ("verif" finds "verification"), also right after a Chinese character ("我的bybit").
    Plain string search: no regular expressions."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = sorted({clean(w, 200) for w in phrases} - {""})
        by_first: dict[str, list[str]] = defaultdict(list)
        for p in self.phrases:
            by_first[p[0]].append(p)
        #: the phrases by their first character: only where a text has it is one looked for
        self.by_first = {c: tuple(ps) for c, ps in by_first.items()}
        self.firsts = frozenset(self.by_first)

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def search(self, text: str) -> bool:
        return next(self.spans(text), None) is not None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where each phrase found in `text` starts and ends (in no particular order)."""
        for c in self.firsts.intersection(text):
            han = is_han(c)
            candidates = self.by_first[c]
            at = text.find(c)
            while at >= 0:
                # (a Latin word glued to Chinese starts there too: "我的bybit认证")
                if han or at == 0 or not text[at - 1].isalnum() or is_han(text[at - 1]):
                    for p in candidates:
                        if text.startswith(p, at):
                            yield at, at + len(p)
                at = text.find(c, at + 1)


class Contexts:
    """Places, services or subjects a message may name (matching.yaml `other_contexts` or
    `other_services`): Chinese ones found in the text (the segmenter may join "银行贷款"), the
    others as terms ("loans" is "loan")."""

    def __init__(self, phrases: Iterable[str], terms_of: Any = None) -> None:
        phrases = list(phrases)
        # Chinese ones, and phrases whose other words are stop words ("travel to", "cash app"
        # would otherwise be any "travel", any "cash"), are found in the text as written
        found = [w for w in phrases if is_han(clean(w, 200)[:1] or "a")
                 or (len(text_words(clean(w, 200))) > 1 and len(terms_of(clean(w, 200))) < 2)]
        self.terms = {tuple(t) for w in phrases if w not in found and (t := terms_of(clean(w, 200)))}
        self.lengths = {len(p) for p in self.terms}
        self.found = Phrases(found)

    def named(self, terms: list[str], texts: Iterable[str]) -> bool:
        """Return whether a message (its terms, and its cleaned text) names one of them."""
        if any(tuple(terms[i:i + n]) in self.terms
               for n in self.lengths for i in range(len(terms) - n + 1)):
            return True
        return any(self.found.search(t) for t in texts)


class Matcher:
    """Match messages to reasons and topics; build once per knowledge base, then `match`."""

    def __init__(self, entries: list[Entry], norm: Normaliser, seg: Segmenter,
                 settings: dict[str, float], anchors: set[str],
                 words: dict[str, Any] | None = None) -> None:
        self.entries = entries
        words = words or {}
        #: matching.yaml's `other_contexts` and `other_services`, and the words that bring a
        #: message back (`own_words`, `own_names`: patterns found in the text): see `elsewhere`
        self.other_contexts = Contexts(words.get("other_contexts", ()), norm.terms)
        self.other_services = Contexts(words.get("other_services", ()), norm.terms)
        self.own_words = Phrases(words.get("own_words", ()))
        self.own_names = Phrases(words.get("own_names", ()))
        self.own_names_unless_asked = Phrases(words.get("own_names_unless_asked", ()))
        self.service_asks = Phrases(words.get("service_asks", ()))
        #: other exchanges, and the words of a user speaking for themself: see `elsewhere`
        self.other_exchanges = Phrases(words.get("other_exchanges", ()))
        #: ... and what one of them issues that a user may send as a document ("my Coinbase
        #: statement as proof of address": Binance's check of it, not Coinbase's)
        self.exchange_documents = Phrases(words.get("exchange_documents", ()))
        #: places with an address check of their own, as the one asking ("my bank asked for
        #: proof of address"): see `_context_asks`
        self.askers = Phrases(words.get("askers", ()))
        self.user_voice = frozenset(clean(str(w), 200) for w in words.get("user_voice", ()))
        #: matching.yaml's `keyword_clauses`: reasons a clause names only with one of their
        #: keywords ("I live in Germany" is where someone lives, not a country Binance does not
        #: serve: only the places and phrases restricted_region lists make it that reason)
        named_by_keyword = set(words.get("keyword_clauses", ()))
        self.keyword_clauses = frozenset(
            i for i, e in enumerate(entries) if e.kind == "reason" and e.id in named_by_keyword)
        self.reason_entries = frozenset(i for i, e in enumerate(entries) if e.kind == "reason")
        #: matching.yaml's `keyword_topics`: topics a message gets only with one of their
        #: keywords ("which documents are accepted?" is not about Hong Kong until it says so)
        keyed_topics = set(words.get("keyword_topics", ()))
        self.keyword_topics = frozenset(
            i for i, e in enumerate(entries) if e.kind == "topic" and e.id in keyed_topics)
        self.norm = norm
        self.seg = seg
        self.settings = settings
        self.index = Index(entries, settings)
        self.scorer = Scorer(self.index, anchors, self.doc_terms)
        self._doc_cache: dict[str, list[str]] = {}
        self.build_key: str | None = None  # the disk cache's key for this build (see `cache`)
        #: matching.yaml's `vague_words` as terms: a message of only these
        #: says it is about verification but not which problem (see `analyse`)
        self.vague_terms: frozenset[str] = frozenset()
        #: matching.yaml's `count_words` as terms ("times", "раза", "次")
        self.count_terms: frozenset[str] = frozenset()
        #: ... and their words as written: "help" alone has no terms (a stop word) but is a plea
        self.vague_surface: frozenset[str] = frozenset()
        #: matching.yaml's `failure_words` as terms: with a domain word, the message says its
        #: verification failed, so when it names nothing known it is vague, not off topic
        self.failure_terms: frozenset[str] = frozenset()
        #: matching.yaml's `narration_words`: a clause with one tells what the user did ("I did
        #: the selfie", "选了国家"), which names no reason on its own
        self.narration_words: tuple[str, ...] = ()
        self.narration_han: tuple[str, ...] = ()
        #: matching.yaml's `place_leads` ("I live in", "я живу в", "我住在"): the clause says where
        #: the user is, which names the region reason only when the place is one it is about
        self.place_leads: tuple[str, ...] = ()
        self.place_han: tuple[str, ...] = ()
        #: matching.yaml's `symbols` as a str.translate table: an emoji that stands for a word
        self.symbols: dict[int, str] = {}
        #: matching.yaml's `quote_words` ("it said", "пишут", "邮件说"): the clause reports the notice
        self.quote_words: tuple[str, ...] = ()
        self.quote_han: tuple[str, ...] = ()
        #: matching.yaml's `fine_words` ("was very clear", "фото было чёткое", "照片很清楚"): the
        #: clause says something was fine, which names no reason beside the others
        self.fine_words: tuple[str, ...] = ()
        self.fine_han: tuple[str, ...] = ()
        #: ... `fine_hedges` ("I doubt", "check if", "не уверен", "是否"): such a part only
        #: wonders; `contrast_words` after the fine word ("the photo is fine but the name is
        #: wrong", "照片挺清楚的但是名字错了"): the rest of the part names what went wrong
        self.fine_hedges: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.contrast_words: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        #: matching.yaml's `negations` of one word, as written (not stemmed), and the Chinese ones:
        #: a fine word beside one says the opposite ("фото не чёткое", "照片不清楚")
        self.negation_words: frozenset[str] = frozenset()
        self.negation_han: frozenset[str] = frozenset()
        #: matching.yaml's `question_leads` ("do i", "is it because", "нужно ли"), padded: a
        #: clause that starts with one and ends in "?" asks, and names no reason beside the others
        self.question_leads: tuple[str, ...] = ()
        #: matching.yaml's `open_question_words` ("what", "how"): "what should i do" holds the
        #: lead "should i" but asks no yes/no question
        self.open_question_words: tuple[str, ...] = ()
        #: matching.yaml's `adult_ages` (one pattern, a group per pattern holding the age) and
        #: `age_not_yet` (the word after it that makes it a future age): see `without_adult_age`
        self.adult_ages: Any = None
        self.age_not_yet: frozenset[str] = frozenset()
        #: matching.yaml's `ruled_out_leads` ("i thought it was", "不是因为", "дело не в"): a
        #: clause that starts with one names what it was not, and gives way to a reason another
        #: clause names firmly, like a told step
        self.ruled_out_leads: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        #: ... and so does one that starts with one of `negated_leads` when the next starts with
        #: one of `correction_leads` ("不是拍得不清楚，是证件过期了", "не фото, а лицо", "not the photo,
        #: it's the selfie"): see `corrected`
        self.negated_leads: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.correction_leads: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        #: `retraction_leads`: a clause opening with one takes back the clause before it ("my
        #: face check failed. wait no, it says my document has expired", "哦不对", "ой нет")
        self.retraction_leads: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        #: matching.yaml's `addition_words` ("also", "not only", "тоже", "也"): a part with one,
        #: or right before one, adds a problem and rules none out
        self.addition_words: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        #: the Chinese words the segmenter must keep whole for this knowledge (`tokens.add_words`)
        self.segmenter_words: list[str] = []
        #: character n-gram evidence (`charmodel`), trained on the same texts at build
        self.chars: CharModel | None = None
        #: is a message about a verification at all (`scope`), trained at build
        self.scope: ScopeModel | None = None

    @property
    def none_entry(self) -> int:
        return self.index.none_entry

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, kb: Any) -> Matcher:
        """Precompute everything matching needs from `kb` (reused if built for it already).

        `load_knowledge` builds one to check the examples; the bot's own build of the same
        loaded knowledge then costs nothing.
        """
        parts = _inputs(kb)
        for built_from, matcher in _BUILT:
            if all(a is b for a, b in zip(built_from, parts, strict=True)):
                return matcher
        matcher = cls._cached_build(kb)
        logger.debug("matcher ready: %d entries, %d texts indexed, %d words known",
                     len(matcher.entries), len(matcher.index.docs), len(matcher.norm.vocabulary))
        _BUILT.insert(0, (parts, matcher))
        del _BUILT[2:]  # the current knowledge base and the one being reloaded
        return matcher

    @classmethod
    def _cached_build(cls, kb: Any, use_cache: bool = True) -> Matcher:
        """Build, or load what an identical build stored (see `cache`)."""
        settings = settings_from(kb)
        words = matching_words(kb)
        found = knowledge_texts(kb)
        # Chinese words the knowledge base names are kept whole by the segmenter.
        listed = [w for v in words["synonyms"].items() for w in (v[0], *v[1])]
        listed += [w for name in ("stop_words", "negations", "negatable", "domain_words",
                                  "other_contexts", "other_services", "own_words", "own_names",
                                  "own_names_unless_asked", "vague_words", "failure_words", "known_words")
                   for w in words[name]]
        listed += [kw for _, kw in found[2]]
        tokens.add_words(listed)
        scope = list(getattr(kb, "scope", ()) or ())
        if not use_cache:
            matcher = cls._from_parts(settings, words, *found, scope)
        else:
            entries, texts, keywords, negative = found
            key = cache.fingerprint(  # plain tuples: a dataclass's repr is ten times slower
                settings, words, [(e.kind, e.id) for e in entries],
                [(t.kind, t.id, t.role, t.index, t.text, t.lang) for t in texts], keywords,
                negative, scope)
            matcher = cache.cached(key, lambda: cls._from_parts(settings, words, *found, scope))
            matcher.build_key = key
        matcher.segmenter_words = sorted(set(listed))
        return matcher

    @classmethod
    def adopt(cls, kb: Any, matcher: Matcher, key: str | None, words: list[str]) -> None:
        """Serve `kb` with `matcher`, built for the same knowledge (read back from the disk
        cache under `key`); `words`: its `segmenter_words`."""
        matcher.build_key, matcher.segmenter_words = key, words
        tokens.add_words(words)
        _BUILT.insert(0, (_inputs(kb), matcher))
        del _BUILT[2:]

    @classmethod
    def _build(cls, kb: Any) -> Matcher:
        """Build from scratch: no reuse, no disk cache (what a cold start costs)."""
        return cls._cached_build(kb, use_cache=False)

    @classmethod
    def _from_parts(cls, settings: dict[str, float], words: dict[str, Any], entries: list[Entry],
                    texts: list[Text], keywords: list[tuple[int, str]],
                    negative: list[tuple[int, str]],
                    scope: Sequence[tuple[str, str, bool]] = ()) -> Matcher:
        # Words a message may be corrected towards: those of keywords, notices and titles, and
        # example words seen at least twice (a one-off typo in an example is not a word).
        seen: dict[str, int] = defaultdict(int)
        vocabulary: set[str] = set()
        english: set[str] = set(words["english"])
        for t in texts:
            here = set(text_words(t.text))
            if t.role != "example":
                vocabulary |= here
            if t.lang == "en":
                english |= here
            for w in here:
                seen[w] += 1
        vocabulary |= {w for w, n in seen.items() if n >= 2}
        # the names of other contexts and of this one, and the words of a vague message, are
        # words, never typos of others ("做错了" is not 写错了)
        vocabulary |= {w for name in ("other_contexts", "other_services", "own_words", "own_names",
                                      "own_names_unless_asked", "vague_words", "failure_words", "known_words")
                       for p in words[name]
                       for w in text_words(clean(p, 200)) if len(w) > 1 or not is_han(w)}
        norm = Normaliser(words["synonyms"], words["stop_words"], vocabulary, settings,
                          words["negations"], words["negatable"], english,
                          words["negation_bridge"], words["bridge_negations"])
        seg = Segmenter(words["boilerplate"], words["reason_markers"], words["soft_separators"],
                        words["clause_leads"])
        norm.remember = seg.remember = True
        anchors = {t for w in words["domain_words"] for t in norm.terms(clean(w, 200))}
        matcher = cls(entries, norm, seg, settings, anchors, words)
        matcher.vague_terms = frozenset(t for w in words["vague_words"]
                                        for t in norm.terms(clean(w, 200)))
        # ... and with the words of a count ("failed 3 times"): a clause of only these
        matcher.count_terms = frozenset(t for w in words["count_words"]
                                        for t in norm.terms(clean(w, 200)))
        matcher.vague_surface = frozenset(t for w in words["vague_words"]
                                          for t in text_words(clean(w, 200)))
        # (a negation alone says nothing failed: a phrase the synonyms do not join, such as
        # "не пропустили", would otherwise make every "не" a failure)
        matcher.failure_terms = frozenset(t for w in words["failure_words"]
                                          for t in norm.terms(clean(w, 200))) - norm.negations
        matcher.narration_words, matcher.narration_han = _phrases(words["narration_words"])
        matcher.place_leads, matcher.place_han = _phrases(words["place_leads"])
        matcher.symbols = {ord(k): f" {v} " for k, v in words["symbols"].items()}
        matcher.quote_words, matcher.quote_han = _phrases(words["quote_words"])
        matcher.fine_words, matcher.fine_han = _phrases(words["fine_words"])
        matcher.fine_hedges = _phrases(words["fine_hedges"])
        matcher.contrast_words = _phrases(words["contrast_words"])
        negations = [" ".join(text_words(clean(w, 200))) for w in words["negations"]]
        matcher.negation_words = frozenset(w for w in negations if w and " " not in w
                                           and not is_han(w[:1]))
        matcher.negation_han = frozenset(w for w in negations if w and is_han(w[0]))
        matcher.question_leads = _phrases(words["question_leads"])[0]
        matcher.open_question_words = tuple(
            w.strip() for w in _phrases(words["open_question_words"])[0])
        matcher.adult_ages = compile_any(words["adult_ages"], capture=True)
        matcher.ruled_out_leads = _phrases(words["ruled_out_leads"])
        matcher.negated_leads = _phrases(words["negated_leads"])
        matcher.correction_leads = _phrases(words["correction_leads"])
        matcher.retraction_leads = _phrases(words["retraction_leads"])
        matcher.addition_words = _phrases(words["addition_words"])
        matcher.age_not_yet = frozenset(clean(w, 100) for w in words["age_not_yet"])
        # the scope model reads texts with the words and lists set above only (no typo
        # correction): it trains on another core while this one builds the rest
        scope_model = parallel.beside(lambda: matcher.train_scope(texts, scope))
        matcher.index.build(texts, keywords, negative, matcher.doc_terms)
        by_key = matcher.index.by_key
        matcher.chars = CharModel(((by_key[(t.kind, t.id)], matcher.char_text(t.text))
                                   for t in texts), len(entries), settings)
        norm.remember = seg.remember = False
        norm.typo_indexes()
        matcher.scope = scope_model()
        logger.debug("matcher built: %d entries, %d docs, %d features, %d words known",
                     len(entries), len(matcher.index.docs), len(matcher.index.idf),
                     len(norm.vocabulary))
        return matcher

    def train_scope(self, texts: Sequence[Text],
                    scope: Sequence[tuple[str, str, bool]]) -> ScopeModel | None:
        """The scope model, from knowledge/scope/ and the examples and notices (about) and the
        negatives (not about), each read as a message is."""
        # (the knowledge's own examples count twice: they are what its authors said is, or is
        # not, about a verification)
        labelled = [(t.text, t.kind != "none") for t in texts
                    if t.role in ("example", "notice")] * _EXAMPLE_WEIGHT
        labelled += [(text, about) for _, text, about in scope]
        return train_from(labelled, self.scope_terms, int(self.settings["scope_epochs"]),
                          self.settings["scope_other_weight"])

    def scope_terms(self, text: str) -> list[str]:
        """A text's words as the scope model reads them: stems, single-word synonyms mapped
        (the same for a message at `analyse` and for a text at training; no typo correction,
        which costs most of a reading and matters little to what a message is about)."""
        cleaned = without_emails(self._clean(text, int(self.settings["max_chars"])))
        return self.norm.light_terms(self.without_adult_age(self._translit(cleaned)))

    def __getstate__(self) -> dict[str, Any]:
        """What the disk cache keeps: everything but the texts read while building."""
        state = dict(self.__dict__)
        state["_doc_cache"] = {}
        return state

    def forget(self) -> None:
        """Drop what the build remembered for the checks (the index keeps what it needs; the
        knowledge texts' terms are read again if leave-one-out needs them)."""
        self.norm._terms_cache.clear()
        self.seg._stripped.clear()
        self._doc_cache.clear()
        self.index.forget()

    def _clean(self, text: str, limit: int) -> str:
        """`clean`, with the symbols matching.yaml reads as words ("🤳 failed" -> " selfie
        failed")."""
        cleaned = clean(text, limit)
        if self.symbols and not cleaned.isascii():
            return cleaned.translate(self.symbols)
        return cleaned

    def _translit(self, cleaned: str) -> str:
        """Russian written in Latin letters reads as Russian."""
        if cleaned.isascii():
            return self.norm.translit.cyrillic(cleaned) or cleaned
        return cleaned

    def char_text(self, text: str) -> str:
        """A knowledge text cleaned as `analyse` cleans a message for the character model."""
        return self._translit(self._clean(text, int(self.settings["max_chars"])))

    def doc_terms(self, text: str) -> list[str]:
        """Return the terms of a knowledge text, read exactly as a message would be."""
        cached = self._doc_cache.get(text)
        if cached is None:
            cached = self.norm.terms(self.seg.strip_boilerplate(self._clean(text, 10000)))
            if len(self._doc_cache) < 200000:
                self._doc_cache[text] = cached
        return cached

    # ------------------------------------------------------------------ matching

    def warm(self) -> None:
        """Do now the work a first message would otherwise wait for (a long-running bot calls
        this at start-up): the Chinese segmenter, when the knowledge base has Chinese words, and
        the character model's posting tables."""
        if any(is_han(w[0]) for w in self.segmenter_words if w):
            tokens.warm()
        if self.chars is not None:
            self.chars.warm()

    def match(self, text: str, *, scoped: bool = True) -> MatchResult:
        """Return the ranked matches for one message; never raises. `scoped=False`: the message
        is known to be about a verification (it came in the middle of a fix), so the scope
        model does not judge it."""
        return self._safely(text, None, scoped)

    def match_excluding(self, text: str, entry_kind: str, entry_id: str, example: int,
                        lang: str = "en") -> MatchResult:
        """Match `text` as if example number `example` (of `lang`) were not in the index."""
        e = self.index.by_key.get((entry_kind, entry_id))
        doc = self.index.example_doc(e, lang, example) if e is not None else None
        return self._safely(text, doc)

    def _safely(self, text: object, exclude: int | None, scoped: bool = True) -> MatchResult:
        try:
            analysis = self.analyse(text, exclude, scoped=scoped)
        except OverBudget:
            logger.info("a message of %d characters ran out of its work budget",
                        len(text) if isinstance(text, str) else -1)
            return NOT_UNDERSTOOD
        except Exception:  # a message must never take the bot down
            logger.exception("matcher failed on a message of %d characters",
                             len(text) if isinstance(text, str) else -1)
            return EMPTY
        if analysis is None:
            return EMPTY
        return decide(analysis, self.entries, self.settings, self.none_entry)

    def has_marker(self, text: str) -> bool:
        """Does `text` hold a "Reason:" marker of any language ("原因：", "Причина:")?"""
        return self.seg.has_marker(self._clean(text, int(self.settings["max_chars"])))

    def clauses(self, text: str) -> list[str]:
        """`text` split into clauses at punctuation and soft separators ("and", "，")."""
        return self.seg.clauses(self._clean(text, 10000))

    def language(self, text: object) -> Language | None:
        """Return the language `text` is written in (translit Russian counts as "ru")."""
        return detect_language(text, self.norm.translit)

    def candidates(self, text: str, limit: int = 3) -> list[Match]:
        """Return the closest entries whatever their score (for reports on unmatched messages)."""
        try:
            analysis = self.analyse(text)
        except Exception:
            logger.exception("matcher failed on a message")
            return []
        if analysis is None:
            return []
        order = sorted((e for e, entry in enumerate(self.entries) if entry.kind != "none"),
                       key=lambda e: -analysis.scores[e])[:limit]
        return [Match(self.entries[e].kind, self.entries[e].id,  # type: ignore[arg-type]
                      round(analysis.scores[e], 1)) for e in order if analysis.scores[e] > 0]

    def score_text(self, text: str, exclude: int | None = None, domain: float | None = None,
                   budget: Budget | None = None) -> list[float]:
        """Return per-entry scores for one piece of cleaned text (no segmentation).

        `domain`: the whole message's `domain_factor` (default: this text's own).
        """
        uncertain: set[str] = set()
        terms = self.norm.terms(text, uncertain, budget)
        if domain is None:
            domain = self.scorer.domain_factor(terms, uncertain)
        return self.scorer.scores(terms, exclude, uncertain, domain, budget)

    def analyse(self, text: object, exclude: int | None = None,
                budget: Budget | None = None, *, scoped: bool = True) -> Analysis | None:
        """Score a message: reasons listed in notices, per-entry scores, reasons per clause."""
        if not isinstance(text, str):
            return None
        s = self.settings
        budget = budget or Budget(s["max_steps"])
        original = self._clean(text, int(s["max_chars"]))
        budget.spend(len(original))
        # an address says nothing of what went wrong, nor a timestamp ("17:45" is no age)
        original = without_repeats(without_times(without_emails(original)))
        if not any(c.isalpha() for c in original):  # "1", "???", "5.0": no word to read
            return None
        cleaned = self.without_adult_age(self._translit(original))
        seg = self.seg.split(cleaned, budget)
        uncertain: set[str] = set()
        terms = self.norm.terms(seg.text, uncertain, budget)
        anchored = self.scorer.anchored(terms)
        domain = self.scorer.domain_factor(terms, uncertain, exclude)
        # a word read as another by typo correction ("платке" as "платеж") names no context
        sure = [t for t in terms if t not in uncertain] if uncertain else terms
        service = self.names_service(sure, original, cleaned)
        kept = context = self.elsewhere(sure, original, cleaned, service=service)
        if kept < 1.0:  # another context: its domain words are not ours
            anchored = False
            domain = min(domain, 1.0) * kept
        listed = self._listed(seg.items, exclude, budget=budget) if seg.items else []
        loose = (self._listed(seg.loose, exclude, s["loose_min_score"], domain, budget)
                 if seg.loose else [])
        whole = self.scorer.scores(terms, exclude, uncertain, domain, budget)
        clauses = [*seg.loose, *(c for part in seg.free
                                 for c in self.seg.clauses(part, budget, leads=False))]
        most = int(s["max_clauses"])
        # (a notice quoted inside a long story: its "Reason:" line is read wherever it is)
        marked = self.seg.marked(cleaned, budget) if len(clauses) > most else []
        clauses = self.read_clauses(clauses, most, marked)
        clause_reasons: list[tuple[int, float]] = []
        placed: dict[int, int] = {}  # reason -> the first clause it leads
        if len(clauses) > 1:
            factor, none = s["clause_factor"], self.none_entry
            named: list[tuple[int, float, bool, bool]] = []  # per clause naming a reason: it, score, firm?, leads?
            told: set[int] = set()  # the positions in `named` of clauses that narrate a step
            ruled: set[int] = set()  # the reasons of clauses that say what it was not
            contrast = False  # ... one of them right before what it was instead ("不是X，是Y")
            # ... and of those whose next clause says something failed: that failure may be the
            # step's own ("did the selfie, it failed") or another reason's (below)
            told_before_failure: set[int] = set()
            # each clause's words, read once (a clause telling a step needs its neighbour's)
            read: list[tuple[list[str], set[str]]] = []
            for c in clauses:
                unsure: set[str] = set()
                read.append((self.norm.terms(c, unsure, budget), unsure))
            failing = [any(t in self.failure_terms for t in terms) for terms, _ in read]
            # the reasons later clauses name by a keyword: a clause taking back the one before
            # it ("wait no, it says my document has expired") must go on to name another
            keyed_at = [self.scorer.keyword_entries(terms) & self.reason_entries for terms, _ in read]
            later_keyed = [set().union(*keyed_at[p + 1:]) for p in range(len(read))]
            clause_chars = self.chars is not None and s["char_weight"] > 0 and s["char_clauses"] > 0
            char_kept = min(1.0, domain) * (1.0 if anchored else s["char_unanchored"])
            # a clause that asks ("is it because my photo was blurry?", "do I need a clearer
            # photo?") or says something was fine ("my photo was very clear though") names no
            # reason of its own beside the others (the whole message still counts the words of
            # a question)
            asked = set().union(*(self.seg.questions(part, self.question_leads, budget)
                                  for part in seg.free))
            # parts that say what it was not, each right before another such part or what it
            # was instead ("Не имя, не лицо — просто фото тёмное", "not the name, not the face,
            # it's the photo": both give way)
            negated = [_starts(c, *self.negated_leads) and not failing[i]
                       for i, c in enumerate(clauses)]
            corrected_by = [False] * len(clauses)
            for p in range(len(clauses) - 2, -1, -1):
                corrected_by[p] = negated[p] and (corrected_by[p + 1] or self.corrected(
                    clauses[p], clauses[p + 1]))
            # (the questions last: they give way only to a reason another clause names firmly)
            order = sorted(range(len(clauses)), key=lambda i: clauses[i] in asked)
            for position in order:
                clause = clauses[position]
                clause_terms, uncertain_here = read[position]
                if clause_terms and self.vague_terms.issuperset(clause_terms):
                    continue  # "не удалось пройти проверку": it failed, which names no reason
                if self.only_retracts(clause):
                    continue  # "不对" ("wrong") alone takes back the clause before: no mismatch
                # (one that also says something failed is read: "good lighting but the selfie
                # failed")
                if self.says_fine(clause) and not failing[position]:
                    # ... and what it says was fine gives way to a reason named firmly, unless
                    # the clause names it by a keyword too ("valid until 2023, so it's expired")
                    r, r_top = best(self.entries, self.scorer.scores(
                        clause_terms, exclude, uncertain_here, domain, budget), "reason")
                    if (r >= 0 and r_top >= s["order_min_score"]
                            and r not in self.scorer.keyword_entries(clause_terms)):
                        ruled.add(r)
                    continue
                sc = self.scorer.scores(clause_terms, exclude, uncertain_here, domain, budget)
                keyed = self.scorer.keyword_entries(clause_terms)
                # a reason of `keyword_clauses` gets nothing from a clause without its keywords
                unkeyed = self.keyword_clauses - keyed
                # ... nor any reason from a yes/no question ("do I need a clearer photo?") beside
                # a reason named firmly ("can I wear my glasses?" alone still names the selfie)
                if clause in asked and any(n[2] for n in named):
                    unkeyed = unkeyed | self.reason_entries
                # ... nor from a count of failures beside other clauses ("failed 3 times, my
                # photo was blurry": how often, not why; its topics still count); a teenager's
                # number with no word of a count is an age ("rejected for being 17, and ...")
                if (failing[position] and len(clauses) > 1 and self.vague_terms.issuperset(
                        t for t in clause_terms if not t.isdigit() and t not in self.count_terms)
                        and (not self.count_terms.isdisjoint(clause_terms) or all(
                            int(t) < _AGE_NOT_COUNT for t in clause_terms if t.isdigit()))):
                    unkeyed = unkeyed | self.reason_entries
                # "nothing" is judged on the whole message only
                kept = whole[none] if none >= 0 else 0.0
                whole = [w if i in unkeyed else max(w, v * factor)
                         for i, (w, v) in enumerate(zip(whole, sc, strict=True))]
                if none >= 0:
                    whole[none] = kept
                e, top = best(self.entries, sc)
                runner_up = max(sc[:e] + sc[e + 1:], default=0.0)  # every other entry's
                # a clause names a reason firmly when it scores high, or plainly beats everything
                # else, on its words
                firm = self.entries[e].kind == "reason" and (top >= s["multi_min_score"] or (
                    top >= s["multi_clear_score"] and top >= s["multi_clear_ratio"] * runner_up))
                # ... and once one does, another may name its reason on less evidence: one of
                # the reason's keywords and a plain lead ("... because I'm only 16"), or what
                # its pieces of words say ("plus the card is past expiry")
                next_one = top >= s["multi_next_score"] and top >= s["multi_next_ratio"] * runner_up \
                    and e in keyed
                # the order: a reason named firmly comes before one named on less evidence,
                # unless what its pieces of words say confirms it as firmly
                leads = firm
                if clause_chars and not firm:
                    probs = self.chars.probabilities(clause, budget)  # type: ignore[union-attr]
                    if probs is not None:
                        sc = with_chars(sc, probs, none, s, char_kept)
                        f, f_top = best(self.entries, sc)
                        leads = next_one and f == e and f_top >= s["multi_min_score"]
                        if (f == e and f_top >= s["multi_min_score"] and top >= s["multi_clear_score"]
                                and self.entries[e].kind == "reason"):
                            firm = leads = True
                        if f_top >= s["char_multi_score"] and not next_one:
                            e, top, next_one = f, f_top, True
                if e in unkeyed:
                    firm = next_one = leads = False
                narrates = self.narrates(clause) and not failing[position]
                # "did the selfie, and it failed": a short failure right after is the step's
                failed_next = position + 1 < len(clauses) and failing[position + 1]
                after = clauses[position + 1] if position + 1 < len(clauses) else ""
                # (an addition word in a negated part adds nothing: "也不是人脸的问题", "nor")
                added = ((_has_phrase(clause, *self.addition_words) and not negated[position])
                         or (_has_phrase(after, *self.addition_words)
                             and not (position + 1 < len(negated) and negated[position + 1])))
                corrected = not added and (corrected_by[position] or (
                    self.retracts(after) and bool(later_keyed[position] - {e})))
                contrast = contrast or corrected
                ruled_out = corrected or (not added and self.rules_out(clause))
                narrated = (narrates and not failed_next) or ruled_out
                narrates = narrates and failed_next and len(read[position + 1][0]) > _STEP_FAILURE
                if next_one and not firm and narrated:
                    next_one = leads = False  # "I did the selfie, then it said the name differs"
                r, r_top = (e, top) if self.entries[e].kind == "reason" else best(
                    self.entries, sc, "reason")
                if r >= 0 and r_top >= s["order_min_score"] and r not in unkeyed and not narrated:
                    placed.setdefault(r, position)
                if ruled_out and r >= 0 and r_top >= s["order_min_score"]:
                    ruled.add(r)
                if self.entries[e].kind == "reason" and (firm or next_one):
                    if narrated:
                        told.add(len(named))
                    elif narrates:
                        told_before_failure.add(len(named))
                    named.append((e, top, firm, leads))
            # "registered last week, and the letter says verification failed: data mismatch":
            # the failure named another reason firmly, so the step told first gives way too
            others = {n[0] for i, n in enumerate(named)
                      if n[2] and i not in told and i not in told_before_failure}
            told |= {i for i in told_before_failure if others - {named[i][0]}}
            # a step the user tells of ("did the selfie") gives way to a clause that says what
            # went wrong ("the email said the name does not match")
            # (and a reason ruled out right before what it was instead gives way even to one said
            # in few words: "not the face, it's the photo of my id")
            firmly = any(n[2] for i, n in enumerate(named) if i not in told)
            if firmly or (contrast and ruled):
                said = {n[0] for i, n in enumerate(named) if i not in told}
                for i in told if firmly else ():  # and its score over the whole message shrinks
                    if named[i][0] not in said and named[i][0] not in ruled:
                        whole[named[i][0]] *= s["narration_factor"]
                # ... and the reason a clause rules out ("I thought it was the photo") more
                for e in ruled - said:
                    whole[e] *= s["ruled_out_factor"]
                named = [n for i, n in enumerate(named) if i not in told]
            # the firm ones first, in the message's order, then those named on less evidence
            if any(n[2] for n in named):
                for e, top, *_ in sorted(named, key=lambda n: not n[3]):
                    if e not in (f for f, _ in clause_reasons):
                        clause_reasons.append((e, top))
        elif not listed and not loose:
            # one run-on clause ("первый отказ фото нечеткое второй отказ документ просрочен"):
            # its reasons in the order their keywords come
            placed = {e: i for e, i in self.scorer.keyword_positions(terms).items()
                      if self.entries[e].kind == "reason"}
        if self.chars is not None and s["char_weight"] > 0:
            left = None
            if exclude is not None:
                doc = self.index.docs[exclude]
                left = (doc.entry, self.char_text(doc.text))
            probs = self.chars.probabilities(cleaned, budget, left)
            if probs is not None:
                kept = min(1.0, domain) * (1.0 if anchored else s["char_unanchored"])
                whole = with_chars(whole, probs, self.none_entry, s, kept)
        if self.keyword_topics:
            unkeyed = self.keyword_topics - self.scorer.keyword_entries(terms)
            # a Chinese keyword inside a longer word: "台湾" in "台湾人"
            unkeyed = {e for e in unkeyed
                       if not any(k in seg.text for k in self._han_keywords().get(e, ()))}
            whole = [0.0 if i in unkeyed else w for i, w in enumerate(whole)]
        # "kyc failed, help": about verification, but not which problem (scored all the same,
        # for `candidates`)
        # (not about another exchange or service: "my OKX verification failed, help")
        vague = not listed and not loose and self.vague_terms.issuperset(terms) and (
            bool(terms) or any(w in self.vague_surface for w in text_words(seg.text))) and (
            context == 1.0)
        if not terms and not listed and not loose and not vague and len(cleaned) <= _FRAME_CHARS:
            # a notice's own frame and nothing else ("Your KYC application was not approved",
            # "您的KYC申请未通过"): the boilerplate it is made of still says verification failed
            framed = self.norm.terms(cleaned, None, budget)
            vague = self.scorer.anchored(framed) and any(t in self.failure_terms for t in framed)
        # a verification notice whose reason is none the bot knows ("Reason: xxx") still says
        # that it failed
        unread = (not listed and context == 1.0 and self.seg.has_marker(cleaned, budget)
                  and self.scorer.anchored(self.norm.terms(cleaned, None, budget)))
        # "my verification got rejected, pls hlep": it failed, whatever the rest says; if nothing
        # known is named, the bot asks for the notice rather than calling it off topic
        failed = (context == 1.0 and anchored
                  and any(t in self.failure_terms for t in terms))
        # "can I use my passport?": a question that tells no failure asks; no reason is
        # ranked above a topic for being a reason
        asks = (not listed and not loose and self.yes_no_question(text)
                and not any(t in self.failure_terms for t in terms))
        # what the message is about; one naming Binance or crypto (`own_names`) is about it, and
        # a short one is read in the bot's own context ("do I need to be 18?")
        in_scope = 1.0
        if (scoped and self.scope is not None
                and not any(self.own_names.search(t) or self.own_names_unless_asked.search(t)
                            for t in (original, cleaned))):
            light = self.norm.light_terms(cleaned, budget)
            if len(light) >= s["scope_min_terms"]:
                # as the model was trained (a quick reading), or with typos corrected ("hw lng
                # wil the reviw tke"): the likelier of the two
                in_scope = max(self.scope.probability(light), self.scope.probability(terms))
        return Analysis(listed, whole, clause_reasons, loose, anchored, vague, placed, unread,
                        failed, service, asks, in_scope)

    def _han_keywords(self) -> dict[int, tuple[str, ...]]:
        """The Chinese keywords of each `keyword_topics` entry, as written in a text."""
        found = self.__dict__.get("_han_keys")
        if found is None:
            keys: dict[int, set[str]] = {}
            for phrases in self.index.keywords.values():
                for phrase, e, _ in phrases:
                    if e in self.keyword_topics and phrase and is_han(phrase[0][:1]):
                        keys.setdefault(e, set()).add("".join(phrase))
            found = self.__dict__["_han_keys"] = {e: tuple(k) for e, k in keys.items()}
        return found

    #: clauses past `max_clauses` still read when they quote the notice (`quote_words`)
    MORE_QUOTES = 6

    def read_clauses(self, clauses: list[str], most: int,
                     marked: list[str] | None = None) -> list[str]:
        """The clauses of a message that are read one by one: the first `most`, and a few later
        ones that say what the notice said ("two days later I got an email, it said the
        information does not match", or the text after a reason marker: `marked`), and the last
        three: a long story often gets to the notice at its end, and a forwarded mail states its
        reason just before the sign-off."""
        if len(clauses) <= most:
            return clauses
        rest = clauses[most:]
        later: list[str] = [c for c in rest if marked and any(c in m for m in marked)]
        later = list(dict.fromkeys(later))[: self.MORE_QUOTES]
        for i, c in enumerate(rest):  # the quoting clause and the one after ("там было что-то
            if len(later) >= self.MORE_QUOTES:  # про то, | что информация не совпадает")
                break
            if self.quotes(c):
                later += [x for x in rest[i:i + 2] if x not in later]
        # a forwarded mail states its reason at the end, before the sign-off
        last = [x for x in rest[-3:] if x not in later]
        return clauses[:most] + later[: self.MORE_QUOTES] + last

    def quotes(self, clause: str) -> bool:
        """Does a clause report what the notice said (`quote_words`)?"""
        return _has_phrase(clause, self.quote_words, self.quote_han)

    def reads_words(self, text: str) -> bool:
        """Does the message hold a word the knowledge uses about verification (not only in
        negatives.yaml)? "asdfgh", "алло", "ывапр": no, so nothing could be understood."""
        cleaned = self._clean(text, int(self.settings["max_chars"]))
        if not any(c.isalpha() for c in cleaned):
            return False
        ix = self.index
        return any(t in ix.idf and ix.off_domain.get(t, 0.0) < 1.0
                   for t in self.norm.terms(self._translit(cleaned), set()))

    def asks_yes_no(self, text: str) -> bool:
        """Does the message hold a yes/no question's lead (`question_leads`: "can i", "am i",
        "нужно ли"), anywhere ("im 17 can i do kyc")?"""
        padded = self._padded_words(text)
        return any(lead in padded for lead in self.question_leads)

    def _padded_words(self, text: str) -> str:
        """The message's words, one space between them and one on each side."""
        return f" {' '.join(text_words(self._clean(text, int(self.settings['max_chars']))))} "

    def asks_what_to_do(self, text: str) -> bool:
        """Is every yes/no lead of the message part of an open question ("what should i do",
        "how do i fix it": `open_question_words`)? Such a message asks what to do after what
        happened; it is no question about a verification not yet tried."""
        padded = self._padded_words(text)
        leads = [lead for lead in self.question_leads if lead in padded]
        return bool(leads) and all(
            padded.count(lead) == sum(padded.count(f" {w}{lead}") for w in self.open_question_words)
            for lead in leads)

    def yes_no_question(self, text: str) -> bool:
        """Is the whole message one yes/no question ("can I use my passport?", "还能认证吗？",
        "можно ли его использовать?"), not a story or a "what now?" after what happened?"""
        return one_sentence(text) and (self.asks_yes_no(text) or text.rstrip(
            " ?？。.!！~～").endswith(_YES_NO_ENDS))

    def knows_nothing_else(self, text: str) -> bool:
        """Is every word of `text` one that names no problem (`vague_words`) or one the
        knowledge base never uses ("hi im from madrid, pls help": a place, a plea)?"""
        if not isinstance(text, str):
            return False
        cleaned = self._translit(self._clean(text, int(self.settings["max_chars"])))
        terms = self.norm.terms(self.seg.split(cleaned).text, set())
        return all(t in self.vague_terms or t not in self.index.idf for t in terms)

    def reads_elsewhere(self, text: str) -> bool:
        """Does the message hold a word the knowledge uses mostly about other things (negatives.yaml:
        "trading fees", "deposit")? "how do I know?" holds none."""
        cleaned = self._clean(text, int(self.settings["max_chars"]))
        ix = self.index
        return any(ix.off_domain.get(t, 0.0) >= _ELSEWHERE_SHARE
                   for t in self.norm.terms(self._translit(cleaned), set()))

    def without_adult_age(self, text: str) -> str:
        """`text` without the writer's own adult age ("hi, I'm 25, my kyc failed"): said in a
        self-introduction, it is no evidence of being under age (an age under `adult_age`,
        "I'm 16", stays, and so does one followed by a word of `age_not_yet`: "мне 18 лет будет
        через месяц")."""
        if self.adult_ages is None or not any(c.isdigit() for c in text):
            return text
        adult = self.settings["adult_age"]

        def read_out(m: Any) -> str:
            told = next((g for g in m.groups() if g and g.isdigit()), "")
            after = text[m.end(): m.end() + 40].split()
            if after and after[0].strip(",.!?") in self.age_not_yet:
                return str(m.group(0))
            return " " if told and adult <= int(told) < 120 else str(m.group(0))

        return self.adult_ages.sub(read_out, text)

    def rules_out(self, clause: str) -> bool:
        """Does a clause start by saying what it was not (`ruled_out_leads`)?"""
        return _starts(clause, *self.ruled_out_leads)

    def corrected(self, clause: str, after: str) -> bool:
        """Does `clause` say what it was not, and `after` what it was instead ("不是X，是Y")?"""
        return (_starts(clause, *self.negated_leads)
                and _starts(after, *self.correction_leads, not_then=self.negated_leads[1]))

    def retracts(self, clause: str) -> bool:
        """Does `clause` open by taking back what came before (`retraction_leads`: "wait no",
        "哦不对", "ой нет")? A Chinese lead must end where a word ends: "不对劲" ("something's
        off") and "更正信息" ("correct the details") take nothing back."""
        spaced, han = self.retraction_leads
        text = clause.lstrip()
        if any(text.startswith(w) and not is_han(text[len(w):len(w) + 1] or "a") for w in han):
            return True
        return f" {' '.join(text_words(clause))} ".startswith(spaced)

    def says_fine(self, clause: str) -> bool:
        """Does a clause say something was fine (`fine_words`: "the photo is clear", "фото
        чёткое", "照片很清楚"), with no negation anywhere else in it ("фото не чёткое", "не всё в
        порядке", "данные совпали не все", "不太一致的", "照片不清楚")?"""
        padded = f" {' '.join(text_words(clause))} "
        found = [w for w in self.fine_words if w in padded]
        han = [w for w in self.fine_han if w in clause]
        if not found and not han:
            return False
        hedges, han_hedges = self.fine_hedges  # (the clause's words are read once, above)
        if any(w in padded for w in hedges) or any(w in clause for w in han_hedges):
            return False  # "I doubt the photo is clear", "check if the name matches"
        # "the photo is fine but the name is spelled wrong": what follows the contrast counts
        first = min([padded.find(w) for w in found] or [len(padded)])
        first_han = min([clause.find(w) for w in han] or [len(clause)])
        spaced, han_contrast = self.contrast_words
        if (any(padded.find(w, first) >= 0 for w in spaced)
                or any(clause.find(w, first_han) >= 0 for w in han_contrast)):
            return False
        for w in found:  # (a fine phrase may hold a negation itself: "not expired", "没问题")
            padded = padded.replace(w, " ")
        rest = clause
        for w in han:
            rest = rest.replace(w, "")
        return (self.negation_words.isdisjoint(padded.split())
                and not any(n in rest for n in self.negation_han))

    def only_retracts(self, clause: str) -> bool:
        """Is `clause` nothing but a retraction lead ("不对", "wait no", "ой нет")?"""
        spaced, han = self.retraction_leads
        text = clause.strip().rstrip("，,。.!！…~～ ")
        if text in han:
            return True
        return bool(text) and f" {' '.join(text_words(text))} " in spaced

    def narrates(self, clause: str) -> bool:
        """Does a clause tell what the user did (`narration_words`) rather than what went wrong?"""
        return _has_phrase(clause, self.narration_words, self.narration_han)

    def places(self, clause: str) -> bool:
        """Does a clause say where the user lives or is (`place_leads`: "I live in Germany")?"""
        return _has_phrase(clause, self.place_leads, self.place_han)

    def elsewhere(self, terms: list[str], *texts: str, service: bool | None = None) -> float:
        """Return the share of its scores a message keeps: 1, or less when it names another
        context (a bank, a visa, a game...) and
        nothing of this one (Binance, crypto...): matching.yaml's `other_contexts`, `own_words`;
        or a service with verification of its own (`other_services`: "GCash verification won't
        accept my ID") and none of `own_names` (Binance, crypto: "verification" is theirs).

        `terms` are its terms, `texts` its cleaned text (as written, and as read); `service`:
        `names_service` of them, when the caller has it already.
        """
        s = self.settings
        if service is None:
            service = self.names_service(terms, *texts)
        if service:
            return s["other_service_factor"]
        if self._context_asks(texts[0]):
            return s["other_service_factor"]  # a place with a check of its own, as a service
        if not self.other_contexts.named(terms, texts) or any(
                self.own_words.search(t) for t in texts):
            return 1.0
        if self._failed_apart(texts[0]):
            return 1.0
        return s["other_context_factor"]

    def _context_asks(self, text: str) -> bool:
        """Does another place (`askers`, `other_contexts`), named right before one of
        `service_asks`, ask for what only `own_names_unless_asked` names ("my bank asked for
        proof of address", "Банк просит подтверждение адреса", "银行开户要地址证明")? Then that
        is its check. "Binance asks for proof of address, will a bank statement do?" names
        Binance; "they want proof of address, will my bank statement do?" names no asker."""
        if not self.own_names_unless_asked.search(text):
            return False
        rest = text
        for start, end in self.own_names_unless_asked.spans(text):
            rest = rest[:start] + " " * (end - start) + rest[end:]
        if self.own_words.search(rest):
            return False  # another word of this verification ("KYC", "Binance")
        asks = sorted(start for start, _ in self.service_asks.spans(text))[:_MOST_ASKS]
        for start in asks:
            # the asker is the subject, right before the asking word: "my bank asked",
            # "Банк просит", "银行让我"; not "my bank statement needs", "выписку, теперь просит"
            before = text[max(0, start - _ASKER_REACH):start].rstrip(" ")
            if not before:
                continue
            if is_han(before[-1]):
                if any(before.endswith(w) for w in self.askers.phrases if is_han(w[0])):
                    return True
                continue
            words = before.split()[-_ASKER_WORDS:]
            for n in range(1, len(words) + 1):
                piece = " ".join(words[-n:])
                if piece in self.askers.phrases or self.other_contexts.named(
                        self.norm.terms(piece, set()), (piece,)):
                    return True
        return False

    def _failed_apart(self, text: str) -> bool:
        """Does a sentence that names no other context say something failed, beside one that
        names it ("the new one is at the embassy for a visa. The old one is expired and they
        rejected it.")? Then that context was named in passing. ("My visa was rejected. The
        photo was blurry.": the failure is the visa's.)"""
        ends = SENTENCE_END.split(text)
        parts = [p for p in ends if p.strip()][:_MOST_SENTENCES]
        if len(parts) < 2:
            return False
        there: set[str] = set()  # the verification words of the sentences naming the context
        told: set[str] = set()  # ... and of those telling a failure apart from it
        anchors = self.scorer.anchors
        for part in parts:
            terms = self.norm.terms(part, set())
            asked = f"{part}?" in text or f"{part}？" in text
            failed = not self.failure_terms.isdisjoint(terms)
            if self.other_contexts.named(terms, (part,)):
                if failed or asked:
                    return False  # its own failure or question ("how do I verify on Roblox?")
                there |= anchors.intersection(terms)
            elif failed and not asked:
                told |= anchors.intersection(terms) | {""}
        # (the same check named on both sides, "我在探探上做真人认证 ... 都说认证失败", is that
        # place's)
        return bool(told) and not (there & told)

    def as_cyrillic(self, text: str) -> str:
        """`text` with Russian written in Latin letters read as Cyrillic (as matching reads it);
        anything else as it was."""
        return self._translit(text)

    def opens_correction(self, clause: str) -> bool:
        """Does a clause open with what puts a thing right ("it was ...", "а ...", "是...")?"""
        return _starts(clause, *self.correction_leads, not_then=self.negated_leads[1])

    def names_service(self, terms: list[str], *texts: str) -> bool:
        """Does a message name a service with checks of its own (`other_services`) or, in the
        writer's own voice, another exchange (`other_exchanges`), and nothing of this one
        (`own_names`)? "Bybit rejected my selfie, how do I redo it on Bybit?" is about Bybit;
        that exchange's notice pasted as it came ("OKX: Reason: ...") is still read."""
        if any(self.own_names.search(t) for t in texts):
            return False
        if self.other_exchanges and self._exchange_acts(texts[0]) and self._own_voice(texts[0]):
            return True  # "OKX says my proof of address isn't valid": that exchange's check
        if (any(self.own_names_unless_asked.search(t) for t in texts)
                and not any(self.service_asks.search(t) for t in texts)):
            return False  # "my Maybank statement as address proof?": the document, not its check
        return self.other_services.named(terms, texts) or bool(
            self.other_exchanges and any(self.other_exchanges.search(t) for t in texts)
            and self._own_voice(texts[0]))

    def _exchange_acts(self, text: str) -> bool:
        """Does `text` name another exchange other than as the issuer of a document right
        after its name ("my Coinbase statement", "выписка": `exchange_documents`)?"""
        low = text.lower()
        for start, end in self.other_exchanges.spans(low):
            after = low[end:end + _DOCUMENT_REACH].lstrip()
            if after.startswith(("'s ", "’s ", "s ")):  # "Coinbase's statement" ("coinbase s" cleaned)
                after = after.split(" ", 1)[-1].lstrip()
            if any(after.startswith(p) for p in self.exchange_documents.phrases):
                continue  # "Coinbase statement", "Coinbase的账单"
            # "statement from Coinbase", "выписку из байбит"
            if self.exchange_documents.search(low[max(0, start - _DOCUMENT_REACH):start]):
                continue
            return True
        return False

    def _own_voice(self, text: str) -> bool:
        """Does a text speak for its writer or ask their question (matching.yaml `user_voice`:
        "I", "my", "how", "мне", "我", "怎么")? Not any question mark: a mail footer asks its
        own ("Don't recognize this activity?")."""
        voice = self.user_voice
        return not voice.isdisjoint(text_words(text)) or any(
            is_han(w[0]) and w in text for w in voice if w)

    def _listed(self, items: list[str], exclude: int | None, floor: float | None = None,
                domain: float = 1.0, budget: Budget | None = None) -> list[tuple[int, float]]:
        """Return the reasons named by list items, in order, each once, with their scores."""
        s = self.settings
        floor = s["list_min_score"] if floor is None else floor
        found: list[tuple[int, float]] = []
        for item in items[: int(s["max_items"])]:
            picks: list[tuple[int, float]] = []
            parts = self.seg.soft_split(item, budget)
            if len(parts) > 1:
                bests = [best(self.entries, self.score_text(p, exclude, domain, budget), "reason")
                         for p in parts]
                confident = [(e, sc) for e, sc in bests if sc >= floor]
                if len({e for e, _ in confident}) >= 2:
                    picks = confident
            if not picks:
                e, sc = best(self.entries, self.score_text(item, exclude, domain, budget),
                             "reason")
                if sc >= floor:
                    picks = [(e, sc)]
            for e, sc in picks:
                if all(e != f for f, _ in found):
                    found.append((e, sc))
        return found


#: the share of a word's uses that are in negatives.yaml from which it is about something else
_ELSEWHERE_SHARE = 0.4


def _phrases(listed: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A matching.yaml phrase list as found in a clause: spaced phrases padded (" did the
    selfie "), Chinese ones without spaces ("做了人脸识别")."""
    read = [" ".join(text_words(clean(w, 200))) for w in listed]
    return (tuple(f" {w} " for w in read if w and not is_han(w[:1])),
            tuple(w.replace(" ", "") for w in read if is_han(w[:1])))


def _starts(clause: str, spaced: tuple[str, ...], han: tuple[str, ...],
            not_then: tuple[str, ...] = ()) -> bool:
    """Does `clause` start with one of the phrases (a Chinese one not followed by one of
    `not_then`: "是" but not "是不是")?"""
    text = clause.lstrip()
    if any(text.startswith(w) and not text[len(w):].startswith(not_then or ("\0",))
           for w in han):
        return True
    return f" {' '.join(text_words(clause))} ".startswith(spaced)


def _has_phrase(clause: str, spaced: tuple[str, ...], han: tuple[str, ...]) -> bool:
    padded = f" {' '.join(text_words(clause))} "
    return any(w in padded for w in spaced) or any(w in clause for w in han)
