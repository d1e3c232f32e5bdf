"""knowledge/policy.yaml as typed objects: the schema of every number, with its one default.

Each field says where it is written in policy.yaml (`section`, `key`), what values it accepts
and, when it may be left out, its default. `bot.knowledge.policy_reader` reads the file with
these declarations, so an unknown or misspelt key anywhere is a `file:line` error with a
did-you-mean, and no number has a second default elsewhere in the code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field
from types import MappingProxyType
from typing import Any


def place_key(place: str) -> str:
    """A place as `zone_places` keys it: small letters, "_" and runs of spaces as one space."""
    return " ".join(place.lower().replace("_", " ").split())


def setting(
    default: Any = MISSING,
    *,
    section: str | None = None,
    key: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    above: bool = False,
    integer: bool = False,
    kind: str = "number",
    doc: str = "",
) -> Any:
    """Declare one policy value: where it is written, its bounds, and its default if optional.

    `lo` is inclusive unless `above`; `kind` is "number", "range" ([from, to] whole numbers)
    or "links" (a map of names to web addresses).
    """
    meta = {"section": section, "key": key, "lo": lo, "hi": hi, "above": above,
            "integer": integer, "kind": kind, "doc": doc}
    if isinstance(default, Mapping):  # an optional map: each policy its own, read-only
        return field(default_factory=lambda: MappingProxyType(dict(default)), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class MatchingSettings(Mapping[str, float]):
    """policy.yaml `matching:`, the matcher's numbers (tuned with `python -m bot eval`).

    Also a read-only mapping of name -> number, for code that iterates the settings.
    """

    # reading a message
    max_chars: int = setting(4000, lo=1, integer=True, doc="characters of a message that are read")
    max_terms: int = setting(400, lo=1, integer=True, doc="words of a message that are scored")
    max_items: int = setting(12, lo=1, integer=True,
                             doc="reason-list items read from one forwarded notice")
    max_clauses: int = setting(16, lo=1, integer=True, doc="free-text clauses read one by one")
    max_steps: int = setting(1_000_000, lo=1, integer=True,
                             doc="work one message may take, in steps; a message needing more "
                                 "is not understood")
    typo_cutoff: float = setting(82, lo=0, hi=100, doc="similarity (0-100) an unknown word needs "
                                                       "to be corrected to a known one")
    typo_min_length: int = setting(5, lo=1, integer=True,
                                   doc="shorter unknown words are never corrected")
    max_typos: int = setting(40, lo=0, integer=True, doc="unknown words corrected per message")
    typo_weight: float = setting(0.7, lo=0, hi=1,
                                 doc="a corrected word counts this much of a correctly spelt one")
    # scoring (each entry gets 0-100)
    vote_weight: float = setting(0.6, lo=0, doc="share from the words' votes")
    nearest_weight: float = setting(0.55, lo=0,
                                    doc="share from the closest example, notice or keyword")
    profile_weight: float = setting(0.25, lo=0,
                                    doc="share from everything written for the entry together")
    keyword_weight: float = setting(0.5, lo=0, doc="share from keywords found in the message")
    keyword_unit: float = setting(1.0, lo=0, above=True,
                                  doc="evidence one fully specific keyword gives")
    bigram_weight: float = setting(0.8, lo=0, doc="weight of a word pair relative to a word")
    unknown_weight: float = setting(0.5, lo=0, doc="how much an unknown word dilutes the message")
    vote_power: float = setting(1.0, lo=0, doc="how much more a word used by one entry counts "
                                               "than a shared word")
    vote_df_scale: float = setting(2.0, lo=0, above=True,
                                   doc="a word seen in this many texts is ~63% reliable as a vote")
    vote_unknown: float = setting(0.3, lo=0, doc="vote weight of a word never seen before")
    vote_prior: float = setting(0.6, lo=0, doc="vote added to every message")
    evidence_mass: float = setting(4.0, lo=0, above=True,
                                   doc="shared informative weight for ~63% trust in a score")
    negative_keyword_factor: float = setting(0.6, lo=0, hi=1, doc="score multiplier when one of "
                                                                  "an entry's negative_keywords "
                                                                  "is present")
    clause_factor: float = setting(0.92, lo=0, hi=1, doc="a single clause's score counts this "
                                                         "much towards the message")
    # a message naming none of matching.yaml's domain_words must be mostly about verification
    off_domain_share: float = setting(0.5, lo=0, hi=1, doc="a word is about something else when "
                                                           "this share of its texts are negatives")
    off_domain_unknown: float = setting(0.5, lo=0, hi=1, doc="an unknown word counts this much "
                                                             "as about something else")
    off_domain_free: float = setting(0.3, lo=0, hi=1, doc="this share of a message may be about "
                                                          "something else at no cost")
    off_domain_power: float = setting(2.0, lo=0, doc="beyond it scores shrink by this power")
    other_context_factor: float = setting(0.45, lo=0, hi=1, doc="scores kept by a message that "
                                                                "names another context "
                                                                "(matching.yaml other_contexts) "
                                                                "and none of own_words")
    other_service_factor: float = setting(0.3, lo=0, hi=1, doc="scores kept by a message that "
                                          "names a service with checks of its own "
                                          "(matching.yaml other_services) and none of own_names")
    # character n-grams (bot/understanding/charmodel.py): evidence for what words miss
    char_clauses: float = setting(1, lo=0, hi=1, doc="1: a clause of free text is also read "
                                  "by the character model when it names a reason of its own")
    char_multi_score: float = setting(45, lo=0, hi=100, doc="... and names its reason, once "
                                      "another clause named one firmly, from this score")
    char_weight: float = setting(20, lo=0, hi=100, doc="points an entry gains at full "
                                 "character-model probability (0: the model is off)")
    char_gate: float = setting(15, lo=0, hi=100, doc="only entries already scoring this much "
                               "gain them")
    char_unanchored: float = setting(0.5, lo=0, hi=1, doc="share of that gain for a message "
                                     "naming no domain word (or another context)")
    char_temperature: float = setting(2.0, lo=0, above=True, doc="softens the model's "
                                      "probabilities (divides its log-likelihoods)")
    char_smoothing: float = setting(0.1, lo=0, above=True, doc="count added to every n-gram "
                                    "of every entry (Laplace)")
    char_min_gram: int = setting(3, lo=1, hi=10, integer=True, doc="shortest n-gram of a word, "
                                 "in letters")
    char_max_gram: int = setting(5, lo=1, hi=10, integer=True, doc="longest n-gram of a word")
    scope_floor: float = setting(0.0, lo=0, hi=1, doc="a message the scope model reads as about a "
                                 "verification with less probability than this gets no reason "
                                 "or topic, unless it lists reasons (0: off)")
    scope_sure_score: float = setting(70, lo=0, hi=100, doc="... unless an entry scores this "
                                      "much (the message plainly says what it says)")
    scope_min_terms: int = setting(4, lo=0, integer=True, doc="... and has at least this many "
                                   "words (a shorter one is read in the bot's own context)")
    scope_epochs: int = setting(4, lo=0, hi=50, integer=True, doc="passes over knowledge/scope/ "
                                "and the examples when the scope model is trained (0: no model)")
    scope_other_weight: float = setting(1.0, lo=0, above=True, doc="how much a text not about a "
                                        "verification counts against one that is, in training "
                                        "(more: fewer wrong matches, a few right ones lost)")
    common_fraction: float = setting(0.01, lo=0, hi=1, doc="a feature in more than this share of "
                                                           "texts is common (speed only)")
    common_min_df: int = setting(100, lo=1, integer=True,
                                 doc="... and in more than this many texts (speed only)")
    # deciding
    min_score: float = setting(29, lo=0, hi=100, doc="below this a reason is not a match")
    topic_min_score: float = setting(26, lo=0, hi=100, doc="below this a topic is not a match")
    anchored_discount: float = setting(4, lo=0, hi=100, doc="both are this much lower when the "
                                                            "message names a domain word")
    failed_topic_floor: float = setting(0, lo=0, hi=100, doc="a message that says its "
                                        "verification failed and names no reason is answered "
                                        "as vague (the bot asks for the notice) unless a topic "
                                        "scores at least this")
    failed_reason_floor: float = setting(0, lo=0, hi=100, doc="... nor by a reason scoring under "
                                         "this with a topic that matches and scores within the "
                                         "reason bias of it (\"I used my passport, rejected\")")
    asked_reason_floor: float = setting(0, lo=0, hi=100, doc="a yes/no question that tells no "
                                        "failure (\"can I use my passport?\") gives no reason "
                                        "scoring under this the reason bias over a topic, nor a "
                                        "fix beside the topic")
    named_reason_score: float = setting(100, lo=0, hi=100, doc="during a fix, a word or two, "
                                        "or a phrase with a negation of its own, naming another "
                                        "reason this firmly (\"expired document\", \"имя не "
                                        "совпадает\") is one more reason of the notice; under "
                                        "it, it is an aside (\"name\", \"I'm 25 so not the "
                                        "age\")")
    negative_margin: float = setting(0, lo=-100, hi=100, doc="negatives.yaml wins when it scores "
                                                          "within this of the best entry")
    list_min_score: float = setting(25, lo=0, hi=100, doc="an item of a notice's reason list "
                                                          "must reach this to name a reason")
    loose_min_score: float = setting(28, lo=0, hi=100, doc="an item of a list without "
                                                           "'Reason:' before it must reach this")
    multi_min_score: float = setting(45, lo=0, hi=100, doc="a clause of free text must reach "
                                                           "this to add a second reason")
    multi_clear_score: float = setting(27, lo=0, hi=100, doc="... or this, when it is "
                                       "multi_clear_ratio times anything else's score")
    multi_clear_ratio: float = setting(2.5, lo=1, hi=100, doc="see multi_clear_score")
    multi_next_score: float = setting(100, lo=0, hi=100, doc="once one clause names a reason "
                                      "clearly, another clause adds its reason from this score ...")
    multi_next_ratio: float = setting(100, lo=1, hi=100, doc="... when it scores this many times "
                                      "anything else in that clause")
    reason_bias: float = setting(15, lo=0, hi=100, doc="points reasons get when ranked against "
                                                       "topics")
    ambiguous_margin: float = setting(8, lo=0, hi=100, doc="top two closer than this: the bot "
                                                           "asks which one")
    secondary_share: float = setting(0.55, lo=0, hi=1, doc="after a topic that comes first, a "
                                     "reason is listed only from this share of the best score")
    order_share: float = setting(0, lo=0, hi=1, doc="two reasons of free text, each the best "
                                 "reason of a clause, are listed in the message's order when "
                                 "the later one scores at least this share of the first (0: "
                                 "by score)")
    order_min_score: float = setting(22, lo=0, hi=100, doc="a clause places its best reason in "
                                     "the message's order from this score")
    narration_factor: float = setting(1, lo=0, hi=1, doc="a reason named only in clauses that "
                                      "tell a step the user took (`narration_words`: \"I did "
                                      "the selfie\") keeps this share of its score when another "
                                      "clause names a reason firmly (1: all)")
    adult_age: float = setting(18, lo=1, hi=120, doc="an age the writer tells of themself "
                               "(`adult_ages`: \"I'm 25\") from which it is no evidence of "
                               "anything, and is read out of the message")
    ruled_out_factor: float = setting(1, lo=0, hi=1, doc="a reason named only in clauses that "
                                      "say what the problem was not (`ruled_out_leads`: \"I "
                                      "thought it was the photo\") keeps this share of its score "
                                      "when another clause names a reason firmly (1: all)")

    def __getitem__(self, key: str) -> float:
        if key not in MATCHING_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(MATCHING_KEYS)

    def __len__(self) -> int:
        return len(MATCHING_KEYS)


@dataclass(frozen=True)
class Policy:
    """Numbers the dialogue and the matcher use; see knowledge/policy.yaml."""

    manual_review_after: int = setting(
        section="attempts", lo=1, integer=True,
        doc="failed attempts after which Binance moves the case to manual review")
    lock_after: int = setting(section="attempts", lo=1, integer=True,
                              doc="failed attempts from which the account may be locked")
    followup_after_resubmit_hours: float = setting(
        section="followup", key="after_resubmit_hours", lo=0, above=True,
        doc='when to ask "did it pass?" after the user resubmits')
    followup_still_waiting_hours: float = setting(
        section="followup", key="still_waiting_hours", lo=0, above=True,
        doc='when to ask again after "still waiting"')
    followup_result_max_checkins: int = setting(
        section="followup", key="result_max_checkins", lo=1, integer=True,
        doc='after this many "still waiting" answers about an automatic result, stop asking')
    followup_late_after_minutes: float = setting(
        section="followup", key="late_after_minutes", lo=0,
        doc="a follow-up sent this much after it was due says it is late")
    review_standard_days: tuple[int, int] = setting(
        section="review_days", key="standard", kind="range", doc="standard manual review")
    review_complex_days: tuple[int, int] = setting(
        section="review_days", key="complex", kind="range", doc="complex cases")
    review_extreme_days: int = setting(section="review_days", key="extreme", lo=1, integer=True,
                                       doc='"over N days"')
    review_overdue_every_days: float = setting(
        section="review_checkins", key="overdue_every_days", lo=0, above=True,
        doc="past the extreme mark, ask this often how the review is going ...")
    review_overdue_max_checkins: int = setting(
        section="review_checkins", key="overdue_max_checkins", lo=0, integer=True,
        doc="... at most this many times, then stop")
    review_documents_business_days: int = setting(
        section="review_checkins", key="documents_business_days", lo=1, integer=True,
        doc="after support asked for more documents, ask how it went this much later")
    retention_days: int = setting(lo=1, integer=True,
                                  doc="conversations untouched this long are deleted")
    max_message_chars: int = setting(section="limits", lo=1, integer=True,
                                     doc="longer messages are cut before matching")
    flood_messages: int = setting(section="limits", lo=1, integer=True,
                                  doc="at most this many messages per user ...")
    flood_window_seconds: float = setting(section="limits", lo=0, above=True,
                                          doc="... in this many seconds")
    intent_cutoff: float = setting(section="dialogue", lo=0, hi=100,
                                   doc="how close a short message must be to an intent phrase")
    intent_max_words: int = setting(section="dialogue", lo=1, integer=True,
                                    doc="longer messages are never read as an intent")
    option_cutoff: float = setting(section="dialogue", lo=0, hi=100,
                                   doc="how close a typed answer must be to an option's label")
    language_switch_after: int = setting(
        section="dialogue", lo=1, integer=True,
        doc="messages in a row in another language before the bot offers to switch")
    language_switch_chars: int = setting(
        section="dialogue", lo=0, integer=True,
        doc="a message of at least this many letters in another script (Chinese, Cyrillic) "
            "offers the switch at once (0: never)")
    personal_data_max_words: int = setting(
        section="dialogue", lo=0, integer=True,
        doc='a message with personal data and at most this many other words only hands data over')
    topics: Mapping[str, str] = setting(
        section="topics", kind="topics",
        doc="dialogue role -> the topic the bot offers in that situation (contract.TOPIC_ROLES)")
    links: Mapping[str, str] = setting(section="links", kind="links",
                                       doc="web addresses messages may use as {name}")
    zone_places: Mapping[str, str] = setting(
        {}, section="zone_places", kind="places",
        doc="places users type for /timezone -> the time zone (cities the time-zone database "
            "and the languages' own names miss: Beijing, Delhi, Lagos...)")
    step_label_chars: int = setting(
        70, section="limits", lo=10, integer=True,
        doc="a step named in /status, a case summary or a report is cut to this many characters")
    admin_quote_chars: int = setting(
        80, section="limits", lo=10, integer=True,
        doc="a user's message quoted to admins in /unmatched is cut to this many characters")
    side_question_share: float = setting(
        0.8, section="dialogue", lo=0, hi=1,
        doc="a question asked beside a reason (\"...will my account be banned?\") is answered "
            "too when its topic scores at least this share of the reason's score")
    reason_beside_topic_share: float = setting(
        0.6, section="dialogue", lo=0, hi=1,
        doc="a message asking a question (a topic first) that also names a reason (\"rejected "
            "twice, photo blurry. how do I appeal?\") starts that reason's fix too when the "
            "reason scores at least this share of the topic's score")
    second_question_share: float = setting(
        0.6, section="dialogue", lo=0, hi=1,
        doc="a message of two questions (two question marks) whose second topic scores at "
            "least this share of the first's gets both answers")
    short_guess_min_score: float = setting(
        12, section="dialogue", lo=0, hi=100,
        doc="a message of a few words that matches nothing (\"photo\", \"фото\") but whose "
            "closest reasons score at least this much is asked which of them it is, instead of "
            "being told it is off the topic")
    new_notice_after_hours: float = setting(
        24, section="dialogue", lo=0,
        doc="a notice naming none of the reasons of the rejection being fixed, arriving this "
            "many hours after it, is a new rejection (the user resubmitted without saying so)")
    pass_undo_hours: float = setting(
        72, section="dialogue", lo=0,
        doc="\"it passed\" followed this soon by \"wrong button, it was rejected\" takes the "
            "pass back: the case opens again with its attempts")
    followup_support_hours: float = setting(
        72, section="followup", key="support_hours", lo=0, above=True,
        doc='when to ask "has Customer Support fixed it?" after the user says they contacted it')
    followup_result_stuck_days: float = setting(
        7, section="followup", key="result_stuck_days", lo=0, above=True,
        doc='an automatic result still awaited this many days after the resubmission: "ask '
            'Customer Support" instead of "a result can take a while"')
    followup_quiet_from: int = setting(
        22, section="followup", key="quiet_from", lo=0, hi=23, integer=True,
        doc="a check-in that falls from this hour (the user's time zone, when they set one) ...")
    followup_quiet_until: int = setting(
        8, section="followup", key="quiet_until", lo=0, hi=23, integer=True,
        doc="... until this hour is sent at this hour instead (equal hours: no quiet time)")
    matching: MatchingSettings = field(default_factory=MatchingSettings,
                                       metadata={"section": "matching", "kind": "section"})


#: the names of the matcher's numbers, in the order policy.yaml lists them
MATCHING_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MatchingSettings))
#: every `matching:` number's default (read-only): the only place they are written
MATCHING_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {f.name: f.default for f in dataclasses.fields(MatchingSettings)}
)
