"""The operator report: how the period's cases went, what users asked, where they gave up, and
the messages the bot could not place (`python -m bot report`, `unmatched`, admin `/report`).

Every figure is computed from the rows the bot stored: the `events` log, the `cases`,
`followups`, `conversations` and `unmatched` tables. Nothing is sampled or estimated. The store
aggregates (counts by kind and value, and cases and users grouped by the facts the rules read:
rows that grow with the combinations of facts, never with the event log), the rules are
`bot.app.cohort`, the grouping of messages `bot.app.unmatched`, and the renderings
`bot.app.report_text`.

Definitions (also printed under the text report):

- The period runs from `since` to now. Events, topics, unmatched messages and conversations
  started are counted when they happened in it. Case figures are about the *cohort* of cases
  opened in the period, followed up to now, so a case opened on day 1 and passed on day 20
  counts as passed in a 30-day report.
- A case is **passed** when the user answered "it passed" (at a follow-up or on their own).
  It was **rejected again** when the user reported at least one new rejection, went to
  **manual review** when the bot told them their case moved there (after
  `policy.attempts.manual_review_after` failures), and reached **lock risk** after
  `policy.attempts.lock_after` failures.
- A case went **silent** when it is still open, no follow-up is pending for it (we are not
  waiting for Binance), and its user has done nothing for `silent_after` (default 7 days).
  That covers both "a follow-up was sent and never answered" and "walked away mid-fix".
  Follow-ups the bot sends are not user activity. Open cases with a pending follow-up are
  **waiting**; other open cases are **in progress**; cases the user restarted are **closed**.
- **Median attempts to pass**: of the passed cases, the middle number of attempts, counted as
  the bot counts them to the user ("Noted: attempt 2 is in", /status: "passed after 2
  attempts"): the rejection the user came with is attempt 1, failures they told only the
  number of count too, and each resubmission (the one that passed included) is one more
  (`cohort.attempts_to_pass`).
- A reason's **share** is its part of all reasons diagnosed in the cohort's cases (a case with
  two reasons counts for both), next to the share the knowledge base expects
  (`share:` in `knowledge/reasons/<id>.yaml`) and the difference in percentage points.
- Users **give up** at a step when the last thing that happened in their conversation is the
  bot showing that step and nothing happened for `silent_after` since.
- Unmatched and low-confidence (ambiguous) messages, already redacted when stored, are grouped
  greedily by similarity (`bot.app.unmatched.similarity`; the groups with the most messages
  first).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.app.cohort import CohortTotals, gave_up_counts, give_up_rows
from bot.app.grouping import group_rows, unmatched_messages
from bot.app.report_apart import read_parts
from bot.app.report_model import DEFINITIONS, GiveUpRow, Outcomes, ReasonRow, Report, TopicRow
from bot.app.unmatched import (
    CANDIDATE_LIMIT,
    GROUP_THRESHOLD,
    Candidate,
    UnmatchedGroup,
    UnmatchedMessage,
)
from bot.core import journal
from bot.core.state import iso
from bot.knowledge.model import KnowledgeBase
from bot.storage.base import FieldCount, Store
from bot.understanding.matcher import Matcher

log = logging.getLogger(__name__)

#: an open case whose user has done nothing for this long (and no follow-up pending) is silent
SILENT_AFTER = timedelta(days=7)

Closest = Callable[[str], Sequence[Candidate]]

__all__ = [
    "DEFINITIONS", "GROUP_THRESHOLD", "Candidate", "GiveUpRow", "Outcomes", "ReasonRow",
    "Report", "TopicRow", "UnmatchedGroup", "build_report", "load_unmatched",
    "matcher_candidates", "unmatched_groups", "with_closest",
]  # fmt: skip


async def build_report(
    store: Store,
    kb: KnowledgeBase,
    since: datetime,
    now: datetime,
    *,
    silent_after: timedelta = SILENT_AFTER,
    group_threshold: float = GROUP_THRESHOLD,
    apart: bool = False,
    closest: Closest | None = None,
) -> Report:
    """Compute the operator report for the period from `since` to `now`.

    `closest(text)` gives the entries of the knowledge base closest to an unmatched group's
    text where its messages stored none (nothing matched when they came, so nothing was
    stored: the operator's commands pass the matcher's, as `unmatched` does).

    The store does the counting and the grouping of users and cases; what comes back is a few
    hundred rows, so memory follows neither users nor events. With `apart` (a bot serving
    users), the reading and the grouping of the unmatched messages (the one CPU-heavy part in
    Python) run in a child process (`bot.app.report_apart`), so that this process holds the
    interpreter lock only to read the result; without it (the operator's commands, or a store
    in memory) they run here, the grouping in a worker thread while the database counts (the
    reading thread takes the lock a few times per query: it hands over rows as JSON).
    """
    quiet_before = now - silent_after
    parts = await read_parts(store, since, now, quiet_before, group_threshold, apart=apart)
    unmatched = await with_closest(parts.unmatched, closest)
    cohort = CohortTotals()
    cohort.add_summary(parts.summary)
    gave_up = gave_up_counts(parts.summary.quiet_users)
    shown = {(r, s): f.users for f in parts.steps for r, s in [f.values] if r is not None}
    kinds = parts.totals.kinds
    log.info(
        "report since %s: %d events, %d cases, %d unmatched groups",
        iso(since), sum(kinds.values()), cohort.counts["cases"], len(unmatched),
    )  # fmt: skip
    return Report(
        since=iso(since.astimezone(UTC)),
        until=iso(now.astimezone(UTC)),
        silent_after_days=round(silent_after.total_seconds() / 86400, 2),
        conversations_started=kinds.get(journal.CONVERSATION_STARTED, 0),
        active_users=parts.totals.users,
        forgotten=kinds.get("forget", 0),
        purged=kinds.get("purged", 0),
        diagnosed=kinds.get(journal.DIAGNOSED, 0),
        outcomes=cohort.outcomes(),
        reasons=tuple(cohort.reasons(kb)),
        topics=tuple(_topics(kb, parts.topics)),
        unmatched=tuple(unmatched),
        give_up=tuple(give_up_rows(kb, gave_up, shown)),
        events=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _topics(kb: KnowledgeBase, counts: Sequence[FieldCount]) -> list[TopicRow]:
    rows = [
        TopicRow(
            id=tid,
            title=kb.topics[tid].title.get() if tid in kb.topics else tid,
            count=c.count,
            users=c.users,
        )
        for c in counts
        if (tid := c.values[0]) is not None
    ]
    return sorted(rows, key=lambda t: (-t.count, t.id))


# -- messages the bot could not place ------------------------------------------------------------


async def load_unmatched(
    store: Store, since: datetime, until: datetime | None = None
) -> list[UnmatchedMessage]:
    """Return the unmatched and ambiguous messages of the period (`unmatched_messages`, in a
    worker thread)."""
    rows = await store.unmatched_between(since, until or datetime.max.replace(tzinfo=UTC))
    return await asyncio.to_thread(unmatched_messages, rows)


def matcher_candidates(matcher: Matcher) -> Closest:
    """Return a function giving the matcher's closest entries for a text, whatever their score
    (messages nothing matched have no match above the threshold, by definition)."""

    def closest(text: str) -> list[Candidate]:
        found = [
            Candidate(m.kind, m.id, round(m.score, 1))
            for m in matcher.candidates(text, CANDIDATE_LIMIT)
        ]
        return sorted(found, key=lambda c: (-c.score, c.kind, c.id))

    return closest


async def with_closest(
    groups: Sequence[UnmatchedGroup], closest: Closest | None
) -> list[UnmatchedGroup]:
    """`groups`, those with no stored candidates given `closest`'s (the best `CANDIDATE_LIMIT`,
    as `bot.app.unmatched.group_messages` gives them), in a worker thread (the matcher is
    pure Python)."""
    bare = [i for i, g in enumerate(groups) if not g.candidates]
    if closest is None or not bare:
        return list(groups)

    def fill() -> list[UnmatchedGroup]:
        out = list(groups)
        for i in bare:
            found = sorted(closest(out[i].text), key=lambda c: (-c.score, c.kind, c.id))
            out[i] = replace(out[i], candidates=tuple(found[:CANDIDATE_LIMIT]))
        return out

    return await asyncio.to_thread(fill)


async def unmatched_groups(
    store: Store,
    since: datetime,
    until: datetime,
    *,
    closest: Closest | None = None,
    threshold: float = GROUP_THRESHOLD,
    apart: bool = False,
) -> list[UnmatchedGroup]:
    """Group the period's unmatched and ambiguous messages, with the closest candidates of
    `closest` for groups whose messages stored none. Redacting and grouping (the CPU-heavy
    part) run in one worker thread, or with `apart` (a bot serving users; not with `closest`,
    which lives in this process) in a child process (`bot.app.grouping`)."""
    rows = await store.unmatched_between(since, until)
    if not rows:
        return []
    return await group_rows(rows, threshold, closest, apart=apart)
