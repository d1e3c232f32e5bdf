"""Load `knowledge/` into a `KnowledgeBase`, collecting every problem as `file:line: message`.

This module assembles: the policy (`policy_reader`), reasons and topics (`entries`, with the
step graph checks of `graph`), negatives, messages and matching words (`readers`), and the
language overlays (`overlay`, merged by `merge`). Checks that need more than the files (the
matcher's example checks, the button payload sizes) are passed in as `checks` by the layer that
knows them (`bot.app.knowledge`), so the bot and `validate` refuse exactly the same bases.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.knowledge import languages, merge, overlay, schema
from bot.knowledge.entries import Pending, parse_reason, parse_topic, read_entries
from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase, Phrasing, Source
from bot.knowledge.policy_reader import read_policy
from bot.knowledge.problems import Problem, Problems, display_path
from bot.knowledge.readers import read_matching, read_messages, read_negatives, read_scope
from bot.shared.errors import KnowledgeError

logger = logging.getLogger(__name__)

#: Reason and topic ids the product is built around: a missing one is a warning.
KNOWN_REASONS: tuple[str, ...] = (
    "blurry_photo",
    "info_mismatch",
    "face_verification",
    "id_already_registered",
    "underage",
    "expired_document",
    "edited_document",
    "restricted_region",
)
KNOWN_TOPICS: tuple[str, ...] = (
    "resubmit_how",
    "repeated_failures",
    "manual_review",
    "review_times",
    "failure_vs_appeal",
    "permanent_rejection",
    "credit_score",
    "switch_document",
    "ban_after_failures",
    "speed_up_review",
    "what_failed_kyc_blocks",
    "hk_macao_taiwan",
    "prevention_checklist",
    "safety",
    "find_reason",
    "contact_support",
)

#: a check run on a structurally valid base; returns problems with a `severity`
Check = Callable[[KnowledgeBase], Iterable[Any]]


def _check_duplicate_examples(entries: list[tuple[str, Phrasing]], problems: Problems) -> None:
    """Report one example written under two different entries (it cannot mean both)."""
    owner: dict[str, tuple[str, Source]] = {}
    for entry, phrasing in entries:
        for text, src in zip(phrasing.examples, phrasing.example_sources, strict=True):
            key = " ".join(text.lower().split())
            if key in owner and owner[key][0] != entry:
                first_entry, first_src = owner[key]
                problems.error(src.path, src.line,
                               f"example '{text}' is also an example of {first_entry} "
                               f"({first_src}); keep it under one entry only")
            else:
                owner.setdefault(key, (entry, src))


def _check_ids(reason_files: list[Pending], topic_files: list[Pending], problems: Problems,
               root: Path) -> None:
    """An id used twice (two files, or a reason and a topic) would make matches ambiguous."""
    first: dict[str, Pending] = {}
    for kind, entries in (("reason", reason_files), ("topic", topic_files)):
        for p in entries:
            if p.id in first:
                other = first[p.id]
                p.ctx.error(p.line, f"{kind} id '{p.id}' is already used in {other.ctx.path}:"
                                    f"{other.line}; ids must be unique across reasons and topics")
            else:
                first[p.id] = p
    reason_ids = {p.id for p in reason_files}
    topic_ids = {p.id for p in topic_files}
    for rid in KNOWN_REASONS:
        if rid not in reason_ids:
            problems.warn(display_path(root / "reasons"), 0,
                          f"reason '{rid}' is missing; the bot cannot recognise it: add "
                          f"reasons/{rid}.yaml")
    for tid in KNOWN_TOPICS:
        if tid not in topic_ids:
            problems.warn(display_path(root / "topics"), 0,
                          f"topic '{tid}' is missing; users asking about it get no answer: add "
                          f"topics/{tid}.yaml")


#: the reasons' `share` values (percent of rejections) add up to at most this, give or take
#: rounding (less when an operator leaves a reason out)
SHARES_TOTAL = 100.0
SHARES_SLACK = 1.0


def _share_problems(kb: KnowledgeBase, root: Path) -> list[Problem]:
    """Users are told "about N% of rejections are for this reason": the reasons' shares cannot
    add up to more than 100 (a typo, `share: 50` for 5, would tell a wrong fact and pass every
    other check)."""
    reasons = list(kb.reasons.values())
    total = sum(r.share for r in reasons)
    if total <= SHARES_TOTAL + SHARES_SLACK:
        return []
    parts = ", ".join(f"{r.id} {r.share:g}" for r in reasons)
    first = next((r.source for r in reasons if r.source is not None), None)
    path, line = (first.path, first.line) if first else (display_path(root / "reasons"), 0)
    return [Problem(path, line, f"the reasons' `share` values add up to {total:g}, more "
                                f"than {SHARES_TOTAL:g} ({parts}): users are told each as a percent of "
                                "all rejections; check each reason's share", "warning")]


def _run_checks(kb: KnowledgeBase, checks: Sequence[Check], problems: Problems, root: str) -> None:
    for check in checks:
        name = getattr(check, "__qualname__", repr(check))
        try:
            found = list(check(kb))
        except Exception as exc:  # report it next to the other problems; never a traceback
            logger.exception("knowledge check %s failed", name)
            problems.error(root, 0, f"the check {name} crashed ({type(exc).__name__}: {exc}); "
                                    "fix it in its module")
            continue
        problems.add(Problem(p.path, p.line, p.message, getattr(p, "severity", "error"))
                     for p in found)


def collect(
    path: str | os.PathLike[str],
    *,
    checks: Sequence[Check] = (),
    require_messages: bool = True,
) -> tuple[KnowledgeBase | None, list[str], list[str]]:
    """Read the knowledge base at `path`; return (kb or None, errors, warnings), sorted.

    `checks` run only on a base without structural errors.
    """
    root = Path(path)
    problems = Problems()
    if not root.is_dir():
        problems.error(display_path(root), 0, "not a knowledge folder (not found or not a "
                                              "directory); pass e.g. knowledge/")
        return None, Problems.render(problems.errors), []
    reason_files = read_entries(root / "reasons", problems, schema.REASON, "reason")
    topic_files = read_entries(root / "topics", problems, schema.TOPIC, "topic")
    policy = read_policy(root / "policy.yaml", problems, {p.id for p in topic_files})
    _check_ids(reason_files, topic_files, problems, root)
    topic_ids = {p.id for p in topic_files}
    reasons = {}
    for p in reason_files:
        r = parse_reason(p, topic_ids, {q.id for q in reason_files})
        if r is not None:
            reasons.setdefault(r.id, r)
    topics = {}
    for p in topic_files:
        t = parse_topic(p, topic_ids)
        if t is not None:
            topics.setdefault(t.id, t)
    negatives, negative_sources = read_negatives(root / "negatives.yaml", problems)
    scope = read_scope(root, problems)
    msgs = read_messages(root / "messages.yaml", problems, required=require_messages)
    matching = read_matching(root / "matching.yaml", problems)
    overlays = overlay.read_overlays(
        root, problems,
        {p.id: reasons.get(p.id) for p in reason_files},
        {p.id: topics.get(p.id) for p in topic_files},
        msgs.messages, msgs.buttons, msgs.commands,
    )
    reasons = {rid: merge.merge_reason(r, overlays) for rid, r in reasons.items()}
    topics = {tid: merge.merge_topic(t, overlays) for tid, t in topics.items()}
    negative_overlays = {o.lang: o.negatives for o in overlays if o.negatives is not None}
    for lang in (DEFAULT_LANG, *(o.lang for o in overlays)):
        entries = [(f"reason '{r.id}'", r.phrasing(lang)) for r in reasons.values()]
        entries += [(f"topic '{t.id}'", t.phrasing(lang)) for t in topics.values()]
        if lang == DEFAULT_LANG:
            entries.append(("negatives.yaml", Phrasing(lang, negatives, negative_sources)))
        elif lang in negative_overlays:
            entries.append((f"negatives.yaml ({lang})", negative_overlays[lang]))
        _check_duplicate_examples(entries, problems)

    problems.add(languages.privacy_copies(root))  # an overlay's privacy.yaml copied over
    kb: KnowledgeBase | None = None
    if not problems.errors and policy is not None:
        kb = KnowledgeBase(
            reasons=MappingProxyType(reasons),
            topics=MappingProxyType(topics),
            negatives=negatives,
            negative_sources=negative_sources,
            messages=MappingProxyType(merge.merge_texts(msgs.messages, overlays, "messages")),
            buttons=MappingProxyType(merge.merge_texts(msgs.buttons, overlays, "buttons")),
            commands=MappingProxyType(merge.merge_texts(msgs.commands, overlays, "commands")),
            intents=MappingProxyType(merge.merge_intents(msgs.intents, overlays)),
            message_sources=MappingProxyType(msgs.sources),
            matching=matching,
            policy=policy,
            root=str(root),
            negative_overlays=MappingProxyType(negative_overlays),
            matching_overlays=MappingProxyType(
                {o.lang: o.matching for o in overlays if o.matching is not None}
            ),
            intent_overlays=MappingProxyType(
                {o.lang: MappingProxyType(o.intents) for o in overlays}
            ),
            languages=(DEFAULT_LANG, *(o.lang for o in overlays if o.has_texts)),
            scope=scope,
        )
        # (a language's words listed as foreign, a language left unnamed)
        problems.add(languages.problems(kb, root))
        problems.add(_share_problems(kb, root))
        _run_checks(kb, checks, problems, display_path(root))
    errors = Problems.render(problems.errors)
    warnings = Problems.render(problems.warnings)
    if errors:
        return None, errors, warnings
    if kb is not None:
        kb = dataclasses.replace(kb, warnings=tuple(warnings))
    return kb, errors, warnings


def load_knowledge(
    path: str | os.PathLike[str],
    *,
    checks: Sequence[Check] = (),
    require_messages: bool = True,
) -> KnowledgeBase:
    """Load and check the knowledge base at `path`; raise `KnowledgeError` with every error.

    Without `checks` only the files themselves are checked (benchmarks, tests, tools that need
    the texts); the bot loads through `bot.app.knowledge`, which adds the matcher's and the
    button checks. `require_messages=False` accepts a base without messages.yaml.
    """
    kb, errors, warnings = collect(path, checks=checks, require_messages=require_messages)
    if errors or kb is None:
        raise KnowledgeError(errors)
    for w in warnings:
        logger.warning("knowledge: %s", w)
    logger.info(
        "loaded knowledge from %s: %d reasons, %d topics, %d examples",
        path, len(kb.reasons), len(kb.topics), kb.example_count,
    )
    return kb
