"""The keys of every knowledge file kind, declared once: a key not declared is an error.

One `Schema` per kind of YAML map (a reason file, one of its steps, an option, a topic,
messages.yaml, negatives.yaml, matching.yaml, and each of them as a language overlay under
i18n/<lang>/). policy.yaml's schema is `bot.knowledge.policy`, where each number also has its
bounds and its one default. The readers take values with the typed accessors
(`bot.knowledge.accessors`); `Schema.check` makes sure nothing else is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.accessors import FileCtx
from bot.knowledge.problems import did_you_mean
from bot.knowledge.ytypes import YList, YMap

#: matching.yaml's word lists (base and overlays); `synonyms` maps a word to its variants
WORD_LISTS = ("stop_words", "boilerplate", "reason_markers", "soft_separators", "negations",
              "negatable", "domain_words", "other_contexts", "own_words", "vague_words",
              "other_services", "own_names", "own_names_unless_asked", "service_asks", "askers", "keyword_clauses", "keyword_topics", "failure_words",
              "known_words", "narration_words", "place_leads", "quote_words", "foreign_words",
              "other_exchanges", "exchange_documents", "user_voice", "not_results", "fine_words", "fine_hedges", "contrast_words",
              "question_leads",
              "open_question_words",
              "negation_bridge", "bridge_negations", "ruled_out_leads", "negated_leads",
              "correction_leads", "retraction_leads", "addition_words", "adult_ages", "age_not_yet", "count_words",
              "clause_leads")
#: lists of regular expressions
PATTERN_LISTS = ("boilerplate", "reason_markers", "adult_ages")
#: a language code, as a `foreign_words` key (the folder names of i18n/: es, pt-br, zh-hant)
_LANG_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Schema:
    """The keys one kind of map may have (in the order messages list them)."""

    keys: tuple[str, ...]
    required: tuple[str, ...] = ()
    #: keys of the English file that an overlay must not repeat (it holds text only)
    structure: tuple[str, ...] = ()

    def check(self, ctx: FileCtx, m: YMap, what: str) -> None:
        """Report every key of `m` the schema does not declare, and missing required keys."""
        if not self.structure:
            ctx.check_keys(m, self.keys, self.required, what)
            return
        for key in m:
            if key in self.keys:
                continue
            if key in self.structure:
                ctx.error(m.lines[key], f"`{key}` in {what} is structure, which lives only in the "
                                        "English file; an overlay holds text: remove it")
            else:
                ctx.error(m.lines[key], f"unknown key '{key}' in {what}; "
                                        f"{did_you_mean(key, self.keys)}allowed keys: "
                                        f"{', '.join(self.keys)}")


REASON = Schema(
    keys=("version", "id", "title", "share", "severity", "summary", "triggers", "notices",
          "keywords", "negative_keywords", "examples", "start", "steps", "support"),
    required=("id", "title", "share", "summary", "triggers", "examples", "steps", "support"),
)
STEP = Schema(keys=("id", "title", "text", "options", "next", "end", "closes", "topics"),
              required=("id", "text"))
OPTION = Schema(keys=("label", "next", "topic", "failures", "said", "covers"), required=("label",))
TOPIC = Schema(
    keys=("version", "id", "title", "answer", "source", "keywords", "negative_keywords",
          "examples", "related"),
    required=("id", "title", "answer", "examples"),
)
NEGATIVES = Schema(keys=("version", "examples"), required=("examples",))
SCOPE = Schema(keys=("version", "about", "not_about"))
MESSAGES = Schema(keys=("version", "messages", "buttons", "commands", "intents", "sources"),
                  required=("messages", "buttons", "commands"))
MATCHING = Schema(keys=("version", "synonyms", "symbols", *WORD_LISTS))

_STRUCTURE = ("share", "severity", "start", "next", "end", "topics", "related", "id", "label",
              "topic", "closes", "failures", "source", "sources")
OVERLAY_REASON = Schema(
    keys=("version", "id", "title", "summary", "triggers", "steps", "support", "notices",
          "keywords", "negative_keywords", "examples"),
    structure=_STRUCTURE,
)
OVERLAY_STEP = Schema(keys=("title", "text", "options", "said"), structure=_STRUCTURE)
OVERLAY_TOPIC = Schema(
    keys=("version", "id", "title", "answer", "keywords", "negative_keywords", "examples"),
    structure=_STRUCTURE,
)
OVERLAY_MESSAGES = Schema(keys=("version", "messages", "buttons", "commands", "intents"),
                          structure=_STRUCTURE)
OVERLAY_NEGATIVES = Schema(keys=NEGATIVES.keys)
OVERLAY_MATCHING = MATCHING


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def symbol_key(key: object) -> str:
    """A matching.yaml `symbols` key as the matcher reads it: one character that is no letter,
    digit or space (an emoji's variation selector dropped), or "" when it is not one."""
    text = str(key).replace("\ufe0f", "")
    return text if len(text) == 1 and not text.isalnum() and not text.isspace() else ""


def check_matching(ctx: FileCtx, data: YMap) -> None:
    """Check matching.yaml's lists: words are text, patterns compile and never match ''."""
    syn = data.get("synonyms")
    if syn is not None:
        if not isinstance(syn, YMap):
            ctx.error(data.lines["synonyms"], "`synonyms` must map a word to a list of variants, "
                                              "e.g. `photo: [pic, picture]`")
        else:
            for key, variants in syn.items():
                if not isinstance(variants, YList) or not all(_scalar(v) for v in variants):
                    ctx.error(syn.lines[key], f"synonyms of '{key}' must be a list of words or "
                                              f"phrases, e.g. `{key}: [variant one, variant two]`")
                elif not any(ch.isalnum() for ch in str(key)):
                    ctx.error(syn.lines[key], f"synonym key '{key}' has no letters or digits")
    symbols = data.get("symbols")
    if symbols is not None:
        if not isinstance(symbols, YMap):
            ctx.error(data.lines["symbols"], "`symbols` must map a symbol to the word it stands "
                                             "for, e.g. `\"🤳\": selfie`")
        else:
            for key, word in symbols.items():
                if not symbol_key(key):
                    ctx.error(symbols.lines[key], f"symbol '{key}' must be one character that is "
                                                  "not a letter or digit (an emoji)")
                elif not isinstance(word, str) or not word.strip():
                    ctx.error(symbols.lines[key], f"symbol '{key}' must stand for a word or phrase")
    foreign = data.get("foreign_words")
    if isinstance(foreign, YMap):  # lists by language: {es: [fue, está], pt: [não, foi]}
        for code, words in foreign.items():
            if not _LANG_CODE.match(str(code)):
                ctx.error(foreign.lines[code], f"foreign_words key '{code}' is not a language code; "
                                               "use one such as es, pt or pt-br")
            elif not isinstance(words, YList) or not all(_scalar(v) for v in words):
                ctx.error(foreign.lines[code], f"foreign_words of '{code}' must be a list of words, "
                                               f"e.g. `{code}: [word, other word]`")
    for name in WORD_LISTS:
        value = data.get(name)
        if value is None or (name == "foreign_words" and isinstance(value, YMap)):
            continue
        if not isinstance(value, YList) or not all(_scalar(v) for v in value):
            ctx.error(data.lines[name], f"`{name}` must be a list of strings")
            continue
        if name not in PATTERN_LISTS:
            continue
        for pattern, line in zip(value, value.lines, strict=True):
            try:
                compiled = re.compile(str(pattern))
            except re.error as exc:
                ctx.error(line, f"`{name}` pattern '{pattern}' is not a valid regular expression "
                                f"({exc}); fix or quote it")
                continue
            if compiled.match(""):
                ctx.error(line, f"`{name}` pattern '{pattern}' matches empty text, so it would "
                                "match everywhere; make it stricter")
