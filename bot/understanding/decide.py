"""Turn a message's scores into the ranked result: floors, listed order, ambiguity.

Nothing reaches its floor (`min_score` for reasons, `topic_min_score` for topics, both
`anchored_discount` lower for a message naming a domain word), or "nothing" scores higher ->
no match. Reasons listed in a notice (or named in separate clauses) come first in their order
(`multi` when two or more); a reason ranks `reason_bias` points above topics, so "my selfie
failed 3 times, how long is review?" leads with the reason; two reasons or two topics within
`ambiguous_margin` -> `ambiguous`. After a topic that comes first, a reason scoring under
`secondary_share` of the best score is left out; after a reason that comes first, every other
reason found comes before any topic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.understanding.index import Entry

Kind = Literal["reason", "topic"]


@dataclass(frozen=True)
class Match:
    """One entry the message points to, with a 0-100 score."""

    kind: Kind
    id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """Ranked matches, best first; empty means the message is about nothing the bot knows.

    `understood` is False when the message could not be read within its work budget; `vague`
    is True (and there are no matches) when it is about verification without saying what
    went wrong ("my kyc failed, help"), so the bot asks instead of guessing.
    """

    matches: tuple[Match, ...] = ()
    ambiguous: bool = False
    multi: bool = False
    understood: bool = True
    vague: bool = False
    #: with `vague`: a verification notice whose reason is none the bot knows ("Reason: xxx")
    unknown_reason: bool = False
    #: with no matches: the message is about another service's or exchange's own checks
    #: ("Bybit rejected my selfie 3 times"): its count of failures is not about this verification
    elsewhere: bool = False

    @property
    def top(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def names_reason(self) -> bool:
        """Is one of the matches a rejection reason (not only topics)?"""
        return any(m.kind == "reason" for m in self.matches)


EMPTY = MatchResult()
NOT_UNDERSTOOD = MatchResult(understood=False)
VAGUE = MatchResult(vague=True)
UNKNOWN_REASON = MatchResult(vague=True, unknown_reason=True)
ELSEWHERE = MatchResult(elsewhere=True)


@dataclass
class Analysis:
    """What the matcher found in one message."""

    listed: list[tuple[int, float]]  # reasons named by notice items, in order
    scores: list[float]  # per entry, 0-100 (whole message, or its best clause)
    clause_reasons: list[tuple[int, float]]  # distinct confident reasons, clause by clause
    loose: list[tuple[int, float]] = field(default_factory=list)  # reasons of an unmarked list
    anchored: bool = True  # the message names identity verification (see `domain_words`)
    vague: bool = False  # only words that name no problem ("kyc failed, help"): see `VAGUE`
    placed: dict[int, int] = field(default_factory=dict)  # reason -> first clause it leads
    unread_notice: bool = False  # a notice whose reason list named nothing known ("Reason: xxx")
    says_failed: bool = False  # names its verification and that it failed (`failure_words`)
    elsewhere: bool = False  # names another service or exchange (`other_services`, `other_exchanges`)
    asks: bool = False  # a question that tells no failure ("can I use my passport?")
    in_scope: float = 1.0  # the scope model's probability that it is about a verification


def best(entries: Sequence[Entry], scores: Sequence[float], kind: str | None = None
         ) -> tuple[int, float]:
    """Return the best-scoring entry (of `kind`, if given) and its score."""
    found, found_score = -1, -1.0
    for e, sc in enumerate(scores):
        if (kind is None or entries[e].kind == kind) and sc > found_score:
            found, found_score = e, sc
    return found, found_score


def floor(entry: Entry, settings: Mapping[str, float], anchored: bool = True) -> float:
    """Return the score `entry` needs to be a match."""
    value = settings["topic_min_score" if entry.kind == "topic" else "min_score"]
    return value - (settings["anchored_discount"] if anchored else 0.0)


def decide(analysis: Analysis, entries: Sequence[Entry], settings: Mapping[str, float],
           none_entry: int) -> MatchResult:
    """Return the ranked result for one analysed message."""
    if analysis.vague:
        return VAGUE
    s = settings
    if (analysis.in_scope < s.get("scope_floor", 0.0) and not analysis.listed
            and not analysis.says_failed and not analysis.unread_notice
            and max(analysis.scores, default=0.0) < s.get("scope_sure_score", 100.0)):
        # about something else as a whole ("my driving licence expires next month, how do I
        # renew it?"), whatever words it shares with a reason; a notice's listed reasons stand,
        # and so does a message that says its verification failed (at worst it is vague) or
        # plainly says what one entry says ("会影响征信吗？")
        return ELSEWHERE if analysis.elsewhere else EMPTY
    whole = analysis.scores
    listed = analysis.listed
    clause_reasons = analysis.clause_reasons
    first = listed or analysis.loose or (clause_reasons if len(clause_reasons) > 1 else [])
    multi = len(first) > 1
    if not listed:  # only a notice's own reason list is taken at its word
        top, top_score = best(entries, [sc if entries[e].kind != "none" else -1.0
                                        for e, sc in enumerate(whole)])
        none_score = whole[none_entry] if none_entry >= 0 else 0.0
        if (
            top < 0
            or top_score < floor(entries[top], s, analysis.anchored)
            or none_score + s["negative_margin"] >= top_score
        ):
            # a notice whose reason is not one the bot knows still says verification failed:
            # ask for more, as for "kyc failed" (the guide: ask support for the detailed reason)
            if analysis.unread_notice:
                return UNKNOWN_REASON
            return VAGUE if analysis.says_failed else ELSEWHERE if analysis.elsewhere else EMPTY
        # "they rejected me, what do I do?": a failure with no reason named, and no topic
        # asked plainly: what helps is the notice's reason (as for "kyc failed")
        if (analysis.says_failed and entries[top].kind == "topic" and not clause_reasons
                and top_score < s["failed_topic_floor"] and not analysis.loose
                and not any(entry.kind == "reason" and whole[e] >= floor(entry, s, analysis.anchored)
                            for e, entry in enumerate(entries))):
            return UNKNOWN_REASON if analysis.unread_notice else VAGUE
        # "I used my passport, rejected": a reason barely over its floor, with a topic within
        # the reason bias of it, is a guess the bias alone would decide: ask for the notice
        if analysis.says_failed and not clause_reasons and not analysis.loose:
            reason, reason_score = best(entries, whole, "reason")
            topic, topic_score = best(entries, whole, "topic")
            if (reason >= 0 and floor(entries[reason], s, analysis.anchored) <= reason_score
                    < s["failed_reason_floor"] and topic >= 0
                    and floor(entries[topic], s, analysis.anchored) <= topic_score
                    <= reason_score + s["reason_bias"]):
                return UNKNOWN_REASON if analysis.unread_notice else VAGUE
    ranked: list[Match] = []
    seen: set[int] = set()
    for e, sc in first:
        entry = entries[e]
        ranked.append(Match(entry.kind, entry.id,  # type: ignore[arg-type]
                            round(min(100.0, max(sc, whole[e])), 1)))
        seen.add(e)
    # (a question that tells no failure and names a reason only weakly, "can I use my
    # passport?", is not lifted to that reason: its topic answers it)
    bias = s["reason_bias"]
    if analysis.asks and best(entries, whole, "reason")[1] < s["asked_reason_floor"]:
        bias = 0.0
    # After a list of reasons only topics may follow: every reason returned is walked.
    others = ("topic",) if multi else ("reason", "topic")
    rest = sorted(
        (e for e, entry in enumerate(entries)
         if entry.kind in others and e not in seen
         and whole[e] >= floor(entry, s, analysis.anchored)),
        key=lambda e: -(whole[e] + (bias if entries[e].kind == "reason" else 0.0)),
    )
    # A message about a reason lists its other reasons before any topic: every reason is
    # walked first, and a topic it also touches ("rejected twice") is offered after them.
    if first or (rest and entries[rest[0]].kind == "reason"):
        rest.sort(key=lambda e: entries[e].kind != "reason")
    # A message plainly about a topic does not list a reason scoring far below it
    # ("PRIVATE_NETWORK_DETECTED" is the location check, not a restricted region at half its score).
    keep = s["secondary_share"] * max((sc for e, sc in enumerate(whole) if e != none_entry),
                                      default=0.0)
    for e in rest:
        if ranked and ranked[0].kind == "topic" and entries[e].kind == "reason" and whole[e] < keep:
            continue
        entry = entries[e]
        ranked.append(Match(entry.kind, entry.id,  # type: ignore[arg-type]
                            round(min(100.0, whole[e]), 1)))
    if not listed and not analysis.loose:
        ranked = in_message_order(ranked, entries, analysis.placed, s["order_share"])
    # Two reasons (or two topics) too close to call. A reason next to a topic is not a
    # doubt: the message is about both, and the reason comes first.
    ambiguous = (
        not multi
        and not listed
        and len(ranked) > 1
        and ranked[0].kind == ranked[1].kind
        and ranked[0].score - ranked[1].score < s["ambiguous_margin"]
    )
    return MatchResult(tuple(ranked), ambiguous, multi)


def in_message_order(ranked: list[Match], entries: Sequence[Entry], placed: Mapping[int, int],
                     share: float) -> list[Match]:
    """Free text naming several reasons lists them in the order it names them ("I typed my name
    wrong, then it said my ID is already used"): the leading run of reasons is re-ordered by
    the clause each leads, when a reason moved ahead scores at least `share` of the ones it
    passes (a weak reason in an early clause does not lead a message about another one)."""
    if share <= 0 or len(ranked) < 2 or ranked[1].kind != "reason" or ranked[0].kind != "reason":
        return ranked
    n = 0
    while n < len(ranked) and ranked[n].kind == "reason":
        n += 1
    where = {entries[e].id: pos for e, pos in placed.items()}
    head = list(ranked[:n])
    # a stable insertion: a placed reason moves ahead of placed reasons named later, if strong
    for i in range(1, n):
        j = i
        m = head[i]
        while (j > 0 and m.id in where and head[j - 1].id in where
               and where[m.id] < where[head[j - 1].id] and m.score >= share * head[j - 1].score):
            head[j] = head[j - 1]
            j -= 1
        head[j] = m
    return head + list(ranked[n:])
