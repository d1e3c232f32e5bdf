"""Operator reports: `python -m bot report` (how cases went) and `python -m bot unmatched`.

Every figure is computed from the rows the bot stored: the `events` log, the `cases`,
`followups`, `conversations` and `unmatched` tables. Nothing is sampled or estimated.

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
- A reason's **share** is its part of all reasons diagnosed in the cohort's cases (a case with
  two reasons counts for both), next to the share the knowledge base expects
  (`share:` in `knowledge/reasons/<id>.yaml`) and the difference in percentage points.
- Users **give up** at a step when the last thing that happened in their conversation is the
  bot showing that step and nothing happened for `silent_after` since.
- Unmatched and low-confidence (ambiguous) messages, already redacted when stored, are grouped
  greedily by similarity (`similarity` below; groups with the most messages first).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from rapidfuzz import fuzz, process, utils

from bot.core.state import iso
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import parse_duration
from bot.shared.errors import ConfigError, StoreError
from bot.storage import open_store
from bot.storage.base import Store
from bot.understanding.matcher import Match as Candidate
from bot.understanding.matcher import Matcher
from bot.understanding.redact import redact

log = logging.getLogger(__name__)

DEFAULT_SINCE = "30d"
#: an open case whose user has done nothing for this long (and no follow-up pending) is silent
SILENT_AFTER = timedelta(days=7)
#: two messages belong to the same unmatched group when `similarity` reaches this
GROUP_THRESHOLD = 80.0
#: candidates shown per unmatched group
CANDIDATE_LIMIT = 3
#: rows shown per table in the text report (JSON and CSV hold every row)
TEXT_ROWS = 20
#: variants of a group's text kept as examples
VARIANTS = 5
#: event kinds the bot writes on its own, not in answer to the user
SYSTEM_KINDS = frozenset({"followup_sent", "forget", "purged"})


Key = tuple[str, str]  # (channel, user_id)


# -- the report's figures -----------------------------------------------------------------------
@dataclass(frozen=True)
class UnmatchedGroup:
    """Messages the bot could not place, similar enough to be read as one."""

    text: str  # the most frequent variant (redacted)
    count: int
    unmatched: int  # nothing matched
    ambiguous: int  # several candidates, none clearly ahead
    variants: tuple[str, ...] = ()  # other wordings in the group, most frequent first
    candidates: tuple[Candidate, ...] = ()
    first_at: str = ""
    last_at: str = ""


@dataclass(frozen=True)
class ReasonRow:
    """How the cohort's cases with one reason went."""

    id: str
    title: str
    cases: int
    share: float | None  # percent of all reasons diagnosed in the period
    expected_share: float | None  # percent, from the knowledge base
    difference: float | None  # share - expected_share, percentage points
    passed: int
    resolution_rate: float | None  # percent of this reason's cases that passed
    rejected_again: int
    manual_review: int
    silent: int
    median_attempts_to_pass: float | None


@dataclass(frozen=True)
class Outcomes:
    """How the cohort's cases went, with the definitions in the module docstring."""

    cases: int = 0
    passed: int = 0
    resolution_rate: float | None = None
    rejected_again: int = 0
    manual_review: int = 0
    lock_risk: int = 0
    silent: int = 0
    silent_after_followup: int = 0  # of `silent`: the last thing that happened was a follow-up
    silent_mid_fix: int = 0  # of `silent`: the last thing that happened was a step
    waiting: int = 0
    in_progress: int = 0
    closed: int = 0
    resubmitted: int = 0  # cases with at least one resubmission
    median_attempts_to_pass: float | None = None
    median_hours_to_pass: float | None = None


@dataclass(frozen=True)
class TopicRow:
    id: str
    title: str
    count: int
    users: int


@dataclass(frozen=True)
class GiveUpRow:
    """Conversations that stopped at one step, out of those shown it in the period."""

    reason: str
    step: str
    label: str
    gave_up: int
    shown: int
    rate: float | None


@dataclass(frozen=True)
class Report:
    since: str
    until: str
    silent_after_days: float
    conversations_started: int = 0
    active_users: int = 0
    forgotten: int = 0
    purged: int = 0
    diagnosed: int = 0  # reasons recognised from the user's text (not picked from the list)
    outcomes: Outcomes = field(default_factory=Outcomes)
    reasons: tuple[ReasonRow, ...] = ()
    topics: tuple[TopicRow, ...] = ()
    unmatched: tuple[UnmatchedGroup, ...] = ()
    give_up: tuple[GiveUpRow, ...] = ()
    events: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing at all happened in the period."""
        return not (self.events or self.outcomes.cases or self.unmatched)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data for JSON."""
        data = asdict(self)
        data["empty"] = self.empty
        data["definitions"] = DEFINITIONS
        return data


DEFINITIONS: dict[str, str] = {
    "cases": "cases opened in the period, followed up to the end of the period",
    "passed": "the user answered that verification passed",
    "resolution_rate": "passed cases / cases, percent",
    "rejected_again": "cases where the user reported at least one new rejection",
    "manual_review": "cases the bot told had moved to manual review",
    "lock_risk": "cases that reached the failure count from which accounts may be locked",
    "silent": (
        "open cases with no follow-up pending whose user did nothing for silent_after_days "
        "(follow-ups sent by the bot do not count as activity)"
    ),
    "waiting": "open cases with a follow-up pending",
    "in_progress": "open cases with recent activity and no follow-up pending",
    "closed": "cases the user closed with /restart",
    "share": "a reason's part of all reasons diagnosed in the period's cases, percent",
    "difference": "share - expected_share, percentage points",
    "gave_up": (
        "conversations whose last event is this step, with no activity for silent_after_days"
    ),
    "unmatched": "messages nothing matched (unmatched) or several things matched (ambiguous)",
}


# -- periods and the database -------------------------------------------------------------------
def parse_since(text: str, now: datetime) -> datetime:
    """Return the start of the period `text` names: `12h`, `7d`, `2w`, or an ISO date/time."""
    text = (text or "").strip()
    try:
        period = parse_duration(text)
    except ValueError:
        period = None
    if period is not None:
        if period <= timedelta():
            raise ConfigError(f"--since must be a positive period, got {text!r}")
        return now - period
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not a period; use e.g. 12h, 7d, 2w or a date like 2026-03-01"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.astimezone(UTC)


async def open_readonly(path: str | Path) -> Store:
    """Open an existing bot database read-only; raise ConfigError if it is missing or foreign."""
    db_path = Path(path)
    if not db_path.is_file():
        raise ConfigError(f"database {db_path} not found; pass --db or set DATABASE_PATH")
    try:
        return await open_store(db_path, readonly=True)
    except StoreError as exc:
        raise ConfigError(str(exc).removeprefix(f"cannot open database {db_path}: ")) from exc


def _at(raw: str) -> datetime:
    dt = datetime.fromisoformat(raw)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _pct(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


# -- grouping similar messages --------------------------------------------------------------------
def _closest(processed: str, reps: list[str], threshold: float) -> int | None:
    """Return the index of the rep most similar to `processed` if it reaches `threshold`."""
    if not reps:
        return None
    # the mean of two scores of at most 100 reaches `threshold` only where each reaches
    # 2 * threshold - 100: let rapidfuzz filter on one, then score the survivors in full
    near = process.extract(
        processed, reps, scorer=fuzz.token_set_ratio, processor=None, limit=None,
        score_cutoff=max(0.0, 2 * threshold - 100),
    )
    best, best_score = None, threshold
    for _, set_score, i in near:
        score = (set_score + fuzz.token_sort_ratio(processed, reps[i])) / 2
        if score > best_score or (score == best_score and (best is None or i < best)):
            best, best_score = i, score
    return best


def similarity(a: str, b: str) -> float:
    """Score how alike two messages are (0-100), forgiving typos and word order.

    The mean of token_set_ratio (extra words do not hurt) and token_sort_ratio (they do), so a
    one-word message does not swallow every longer message that contains the word.
    """
    pa, pb = utils.default_process(a), utils.default_process(b)
    if not pa or not pb:
        return 100.0 if pa == pb else 0.0
    return (fuzz.token_set_ratio(pa, pb) + fuzz.token_sort_ratio(pa, pb)) / 2


@dataclass
class _Row:
    text: str
    at: str
    candidates: list[dict[str, Any]]


@dataclass
class _Group:
    rep: str
    rows: list[_Row] = field(default_factory=list)
    variants: Counter[str] = field(default_factory=Counter)


def group_messages(
    rows: Iterable[tuple[str, str, list[dict[str, Any]]]],
    threshold: float = GROUP_THRESHOLD,
    candidates_for: Callable[[str], Sequence[Candidate]] | None = None,
) -> list[UnmatchedGroup]:
    """Group (text, at, stored candidates) rows by similarity; biggest groups first.

    Identical texts (after case and punctuation folding) are counted first; then each distinct
    text, most frequent first, joins the group whose first text is most similar if that reaches
    `threshold`, else starts a group. `candidates_for(text)` supplies candidates for groups whose
    rows stored none (nothing matched when they were sent).
    """
    by_key: dict[str, list[_Row]] = defaultdict(list)
    for text, at, cands in rows:
        text = redact(text or "").strip()
        key = utils.default_process(text) or text
        by_key[key].append(_Row(text, at, cands or []))
    ordered = sorted(by_key.items(), key=lambda kv: (-len(kv[1]), min(r.at for r in kv[1]), kv[0]))
    groups: list[_Group] = []
    reps: list[str] = []  # each group's first text, processed once
    for key, members in ordered:
        text = Counter(r.text for r in members).most_common(1)[0][0]
        best = _closest(key, reps, threshold)
        if best is None:
            groups.append(_Group(rep=text))
            reps.append(key)
            best = len(groups) - 1
        group = groups[best]
        group.rows.extend(members)
        group.variants.update(r.text for r in members)
    out = [_finish(g, candidates_for) for g in groups]
    out.sort(key=lambda g: (-g.count, g.first_at, g.text))
    return out


def _finish(
    group: _Group, candidates_for: Callable[[str], Sequence[Candidate]] | None
) -> UnmatchedGroup:
    ambiguous = sum(1 for r in group.rows if r.candidates)
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in group.rows:
        for c in r.candidates:
            if isinstance(c, dict) and "id" in c:
                scores[(str(c.get("kind", "")), str(c["id"]))].append(float(c.get("score", 0)))
    candidates = [
        Candidate(kind, cid, round(statistics.fmean(s), 1)) for (kind, cid), s in scores.items()
    ]
    if not candidates and candidates_for is not None:
        candidates = list(candidates_for(group.rep))
    candidates.sort(key=lambda c: (-c.score, c.kind, c.id))
    ats = [r.at for r in group.rows]
    return UnmatchedGroup(
        text=group.rep,
        count=len(group.rows),
        unmatched=len(group.rows) - ambiguous,
        ambiguous=ambiguous,
        variants=tuple(t for t, _ in group.variants.most_common(VARIANTS + 1) if t != group.rep)[
            :VARIANTS
        ],
        candidates=tuple(candidates[:CANDIDATE_LIMIT]),
        first_at=min(ats),
        last_at=max(ats),
    )


async def load_unmatched(
    store: Store, since: datetime, until: datetime | None = None
) -> list[tuple[str, str, list[dict]]]:
    """Return (redacted text, at, candidates) for each unmatched/ambiguous message in the period."""
    rows = await store.unmatched_between(since, until or datetime.max.replace(tzinfo=UTC))
    return [(r.text, iso(r.at), list(r.candidates)) for r in rows]


# -- building the report -------------------------------------------------------------------------
@dataclass
class _Case:
    key: Key
    number: int
    opened_at: datetime
    closed_at: datetime | None
    status: str
    reasons: list[str]
    attempts: list[dict[str, Any]]
    manual_review: bool = False
    lock_risk: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failures(self) -> int:
        return sum(1 for a in self.attempts if a.get("outcome") == "rejected")

    def attempts_to_pass(self) -> int | None:
        for i, a in enumerate(self.attempts, 1):
            if a.get("outcome") == "passed":
                return i
        return None


def _step_label(kb: KnowledgeBase, reason_id: str, step_id: str) -> str:
    reason = kb.reasons.get(reason_id)
    step = reason.step(step_id) if reason else None
    if step is None:
        return "(no longer in the knowledge base)"
    if step.title is not None:  # the step's short name
        return step.title.get()
    lines = step.text.get().strip().splitlines()
    first = lines[0] if lines else ""
    limit = kb.policy.step_label_chars
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."


async def build_report(
    store: Store,
    kb: KnowledgeBase,
    since: datetime,
    now: datetime,
    *,
    silent_after: timedelta = SILENT_AFTER,
    group_threshold: float = GROUP_THRESHOLD,
) -> Report:
    """Compute the operator report for the period from `since` to `now`."""
    since_s, until_s = iso(since.astimezone(UTC)), iso(now.astimezone(UTC))
    quiet_before = now - silent_after

    events = [
        (e.id, *(e.key or (None, None)), iso(e.at), e.kind, e.data)
        for e in await store.events_between(since, now)
    ]
    kinds = Counter(kind for _, _, _, _, kind, _ in events)
    users: set[Key] = {(ch, uid) for _, ch, uid, _, _, _ in events if uid is not None}

    # the cohort: cases opened in the period
    cases: dict[tuple[str, str, int], _Case] = {}
    for row in await store.cases_opened_between(since, now):
        (ch, uid), case = row.key, row.case
        cases[(ch, uid, case.number)] = _Case(
            key=(ch, uid),
            number=case.number,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            status=case.status,
            reasons=list(case.reasons),
            # the rejection a user came with, and failures they only told us the number of,
            # are not attempts they reported to us
            attempts=[dict(a) for a in case.attempts
                      if a.get("source") not in ("arrived", "counted")],
        )

    # walk each user's events in order, attributing them to the case open at the time
    current: dict[Key, int | None] = {}
    last_event: dict[Key, tuple[str, datetime, dict[str, Any]]] = {}
    last_activity: dict[Key, datetime] = {}
    case_last: dict[tuple[str, str, int], str] = {}  # kind of the case's last event
    topic_users: dict[str, set[Key]] = defaultdict(set)
    step_users: dict[tuple[str, str], set[Key]] = defaultdict(set)
    diagnosed = 0
    for _, ch, uid, at, kind, raw in events:
        if uid is None:
            continue
        key: Key = (ch, uid)
        data = _load(raw)
        when = _at(at)
        if kind == "case_opened":
            current[key] = int(data.get("case", 0)) or None
        number = current.get(key)
        case = cases.get((ch, uid, number)) if number is not None else None
        if case is not None:
            case_last[(ch, uid, number)] = kind
            if kind == "manual_review":
                case.manual_review = True
            elif kind == "lock_risk":
                case.lock_risk = True
        if kind == "case_closed":
            # databases written before closed cases were kept still say "open": trust the event
            closed = cases.get((ch, uid, int(data.get("case") or number or 0)))
            if closed is not None and closed.status == "open":
                closed.status = "closed"
                closed.closed_at = when
        if kind == "topic" and data.get("id"):
            topic_users[str(data["id"])].add(key)
        elif kind == "step" and data.get("reason"):
            step_users[(str(data["reason"]), str(data.get("step", "")))].add(key)
        elif kind == "diagnosed":
            diagnosed += 1
        last_event[key] = (kind, when, data)
        if kind not in SYSTEM_KINDS:
            last_activity[key] = max(last_activity.get(key, when), when)

    # a turn that logged no event (a greeting, a thanks) still counts as activity
    followup_stamps: dict[Key, set[str]] = defaultdict(set)
    for _, ch, uid, at, kind, _ in events:
        if kind == "followup_sent" and uid is not None:
            followup_stamps[(ch, uid)].add(at)
    updated: dict[Key, datetime] = {}
    for key, when in await store.activity_between(since, now):
        updated[key] = when
        if iso(when) not in followup_stamps.get(key, set()):
            last_activity[key] = max(last_activity.get(key, when), when)
    pending: set[Key] = set(await store.waiting_keys())

    outcomes, reason_rows = _outcomes(
        kb, cases, pending, last_activity, case_last, quiet_before
    )

    topics = sorted(
        (
            TopicRow(
                id=tid,
                title=kb.topics[tid].title.get() if tid in kb.topics else tid,
                count=n,
                users=len(topic_users.get(tid, ())),
            )
            for tid, n in Counter(
                str(_load(raw).get("id")) for *_, kind, raw in events if kind == "topic"
            ).items()
        ),
        key=lambda t: (-t.count, t.id),
    )

    gave_up: Counter[tuple[str, str]] = Counter()
    for key, (kind, when, data) in last_event.items():
        latest = max(when, updated.get(key, when), last_activity.get(key, when))
        if kind == "step" and latest < quiet_before:
            gave_up[(str(data.get("reason")), str(data.get("step")))] += 1
    give_up = sorted(
        (
            GiveUpRow(
                reason=r,
                step=s,
                label=_step_label(kb, r, s),
                gave_up=n,
                shown=len(step_users.get((r, s), ())),
                rate=_pct(n, len(step_users.get((r, s), ()))),
            )
            for (r, s), n in gave_up.items()
        ),
        key=lambda g: (-g.gave_up, g.reason, g.step),
    )

    unmatched = group_messages(await load_unmatched(store, since, now), group_threshold)
    log.info(
        "report since %s: %d events, %d cases, %d unmatched groups",
        since_s, len(events), len(cases), len(unmatched),
    )
    return Report(
        since=since_s,
        until=until_s,
        silent_after_days=round(silent_after.total_seconds() / 86400, 2),
        conversations_started=kinds.get("conversation_started", 0),
        active_users=len(users),
        forgotten=kinds.get("forget", 0),
        purged=kinds.get("purged", 0),
        diagnosed=diagnosed,
        outcomes=outcomes,
        reasons=tuple(reason_rows),
        topics=tuple(topics),
        unmatched=tuple(unmatched),
        give_up=tuple(give_up),
        events=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _load(raw: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _outcomes(
    kb: KnowledgeBase,
    cases: dict[tuple[str, str, int], _Case],
    pending: set[Key],
    last_activity: dict[Key, datetime],
    case_last: dict[tuple[str, str, int], str],
    quiet_before: datetime,
) -> tuple[Outcomes, list[ReasonRow]]:
    """Classify every case of the cohort and total them, overall and per reason."""
    counts: Counter[str] = Counter()
    per_reason: dict[str, Counter[str]] = defaultdict(Counter)
    attempts_to_pass: list[int] = []
    reason_attempts: dict[str, list[int]] = defaultdict(list)
    hours_to_pass: list[float] = []
    latest_case: dict[Key, int] = {}
    for (_, _, number), case in cases.items():
        latest_case[case.key] = max(latest_case.get(case.key, 0), number)
    for (ch, uid, number), case in cases.items():
        flags = {"cases"}
        if case.passed:
            flags.add("passed")
            n = case.attempts_to_pass()
            if n is not None:
                attempts_to_pass.append(n)
                for r in case.reasons:
                    reason_attempts[r].append(n)
            if case.closed_at is not None:
                hours_to_pass.append((case.closed_at - case.opened_at).total_seconds() / 3600)
        elif case.status == "closed":
            flags.add("closed")
        else:
            # only the user's newest case can be waiting on a follow-up
            waiting = case.key in pending and latest_case.get(case.key) == number
            active = last_activity.get(case.key, case.opened_at)
            if waiting:
                flags.add("waiting")
            elif active < quiet_before:
                flags.add("silent")
                last = case_last.get((ch, uid, number))
                if last == "followup_sent":
                    flags.add("silent_after_followup")
                elif last == "step":
                    flags.add("silent_mid_fix")
            else:
                flags.add("in_progress")
        if case.failures:
            flags.add("rejected_again")
        if case.manual_review:
            flags.add("manual_review")
        if case.lock_risk:
            flags.add("lock_risk")
        if case.attempts:
            flags.add("resubmitted")
        counts.update(flags)
        for r in case.reasons or ["(none)"]:
            per_reason[r].update(flags)

    total = counts["cases"]
    outcomes = Outcomes(
        cases=total,
        passed=counts["passed"],
        resolution_rate=_pct(counts["passed"], total),
        rejected_again=counts["rejected_again"],
        manual_review=counts["manual_review"],
        lock_risk=counts["lock_risk"],
        silent=counts["silent"],
        silent_after_followup=counts["silent_after_followup"],
        silent_mid_fix=counts["silent_mid_fix"],
        waiting=counts["waiting"],
        in_progress=counts["in_progress"],
        closed=counts["closed"],
        resubmitted=counts["resubmitted"],
        median_attempts_to_pass=_median(attempts_to_pass),
        median_hours_to_pass=_median(hours_to_pass),
    )
    diagnosed_total = sum(c["cases"] for r, c in per_reason.items() if r != "(none)")
    # every reason the knowledge base knows, so one that never shows up stands out too
    ids = list(kb.reasons) if total else []
    ids += sorted(r for r in per_reason if r not in kb.reasons)
    rows = []
    for rid in ids:
        c = per_reason.get(rid, Counter())
        reason = kb.reasons.get(rid)
        share = _pct(c["cases"], diagnosed_total) if rid != "(none)" else None
        expected = float(reason.share) if reason else None
        rows.append(
            ReasonRow(
                id=rid,
                title=reason.title.get() if reason else rid,
                cases=c["cases"],
                share=share,
                expected_share=expected,
                difference=(
                    round(share - expected, 1) if share is not None and expected is not None else None
                ),
                passed=c["passed"],
                resolution_rate=_pct(c["passed"], c["cases"]),
                rejected_again=c["rejected_again"],
                manual_review=c["manual_review"],
                silent=c["silent"],
                median_attempts_to_pass=_median(reason_attempts.get(rid, [])),
            )
        )
    rows.sort(key=lambda r: (r.id == "(none)", -r.cases, r.id))
    return outcomes, rows


# -- tables: one shape for text and CSV -----------------------------------------------------------
@dataclass(frozen=True)
class Table:
    name: str  # CSV file stem
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else f"{value:.1f}"
    return str(value)


def _signed(value: float | None) -> str | None:
    return None if value is None else f"{value:+.1f}"


def report_tables(report: Report) -> list[Table]:
    """Return the report as tables (the text report prints them, --csv writes them)."""
    o = report.outcomes
    summary = Table(
        "summary",
        "Summary",
        ("figure", "value"),
        (
            ("period start", report.since),
            ("period end", report.until),
            ("conversations started", report.conversations_started),
            ("users active", report.active_users),
            ("reasons recognised from text", report.diagnosed),
            ("users who asked to be forgotten", report.forgotten),
            ("conversations purged (retention)", report.purged),
        ),
    )
    outcomes = Table(
        "outcomes",
        "Cases opened in the period",
        ("figure", "value", "percent of cases"),
        tuple(
            (label, value, _pct(value, o.cases) if pct else None)
            for label, value, pct in (
                ("cases", o.cases, False),
                ("resubmitted at least once", o.resubmitted, True),
                ("passed", o.passed, True),
                ("rejected again at least once", o.rejected_again, True),
                ("went to manual review", o.manual_review, True),
                ("reached lock risk", o.lock_risk, True),
                ("silent", o.silent, True),
                ("  of which after a follow-up", o.silent_after_followup, True),
                ("  of which mid-fix", o.silent_mid_fix, True),
                ("waiting for a follow-up", o.waiting, True),
                ("in progress", o.in_progress, True),
                ("closed by the user", o.closed, True),
                ("median attempts to pass", o.median_attempts_to_pass, False),
                ("median hours from diagnosis to pass", o.median_hours_to_pass, False),
            )
        ),
    )
    reasons = Table(
        "reasons",
        "Cases by reason",
        (
            "reason", "cases", "share %", "expected %", "diff pts", "passed", "resolved %",
            "rejected again", "manual review", "silent", "median attempts",
        ),
        tuple(
            (
                r.id, r.cases, r.share, r.expected_share, _signed(r.difference), r.passed,
                r.resolution_rate, r.rejected_again, r.manual_review, r.silent,
                r.median_attempts_to_pass,
            )
            for r in report.reasons
        ),
    )
    topics = Table(
        "topics",
        "Topics asked",
        ("topic", "times", "users", "title"),
        tuple((t.id, t.count, t.users, t.title) for t in report.topics),
    )
    give_up = Table(
        "give_up",
        "Where users give up (last step shown before silence)",
        ("reason", "step", "gave up", "shown", "rate %", "step text"),
        tuple((g.reason, g.step, g.gave_up, g.shown, g.rate, g.label) for g in report.give_up),
    )
    unmatched = Table(
        "unmatched",
        "Messages the bot could not place (grouped)",
        ("count", "unmatched", "ambiguous", "example", "closest"),
        tuple(
            (
                g.count, g.unmatched, g.ambiguous, g.text,
                ", ".join(f"{c.id} {c.score:g}" for c in g.candidates),
            )
            for g in report.unmatched
        ),
    )
    events = Table(
        "events",
        "Events by kind",
        ("kind", "count"),
        tuple(report.events.items()),
    )
    return [summary, outcomes, reasons, topics, give_up, unmatched, events]


def render_table(table: Table, limit: int | None = TEXT_ROWS) -> str:
    """Render a table as aligned plain text (at most `limit` rows)."""
    rows = [tuple(_fmt(v) for v in row) for row in table.rows]
    shown = rows if limit is None else rows[:limit]
    widths = [len(h) for h in table.headers]
    for row in shown:
        widths = [max(w, len(_clip(v))) for w, v in zip(widths, row, strict=True)]
    numeric = [
        all(_is_number(row[i]) for row in shown) and bool(shown) for i in range(len(table.headers))
    ]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            cell = _clip(cell)
            out.append(cell.rjust(width) if numeric[i] else cell.ljust(width))
        return "  ".join(out).rstrip()

    lines = [table.title, "-" * len(table.title)]
    if not rows:
        lines.append("(none)")
        return "\n".join(lines)
    lines.append(line(table.headers))
    lines += [line(row) for row in shown]
    if len(rows) > len(shown):
        lines.append(f"... and {len(rows) - len(shown)} more (see --json or --csv)")
    return "\n".join(lines)


def _clip(text: str, width: int = 60) -> str:
    indent = text[: len(text) - len(text.lstrip(" "))]
    text = indent + " ".join(text.split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _is_number(text: str) -> bool:
    if text == "-":
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def format_report(report: Report) -> str:
    """Render the report as plain text."""
    head = f"kyc-helper report: {report.since} to {report.until}"
    if report.empty:
        return f"{head}\n\nNo data in this period: no conversations, cases or messages were logged."
    parts = [head]
    tables = report_tables(report)
    if not report.events:
        tables = [t for t in tables if t.name != "events"]
    parts += [render_table(t) for t in tables]
    parts.append(
        "Definitions\n-----------\n"
        + "\n".join(
            f"{name}: {text}".replace("silent_after_days", f"{report.silent_after_days:g} days")
            for name, text in DEFINITIONS.items()
        )
    )
    return "\n\n".join(parts)


def short_summary(report: Report) -> str:
    """Return a few lines for a chat admin command: the headline figures of the report."""
    o = report.outcomes
    if report.empty:
        return f"No data since {report.since[:10]}."
    lines = [
        f"Since {report.since[:10]}: {report.conversations_started} conversations started, "
        f"{o.cases} cases.",
        f"Passed {o.passed} ({_fmt(o.resolution_rate)}%), rejected again {o.rejected_again}, "
        f"manual review {o.manual_review}, silent {o.silent}, waiting {o.waiting}.",
    ]
    if o.median_attempts_to_pass is not None:
        lines.append(
            f"Median to pass: {_fmt(o.median_attempts_to_pass)} attempts, "
            f"{_fmt(o.median_hours_to_pass)} hours."
        )
    if report.reasons:
        top = ", ".join(f"{r.id} {r.cases}" for r in report.reasons[:3])
        lines.append(f"Top reasons: {top}.")
    if report.give_up:
        g = report.give_up[0]
        lines.append(f"Most give up at {g.reason}/{g.step} ({g.gave_up}).")
    if report.unmatched:
        lines.append(
            f"Unplaced messages: {sum(g.count for g in report.unmatched)} in "
            f"{len(report.unmatched)} groups; top: \"{_clip(report.unmatched[0].text, 50)}\" "
            f"x{report.unmatched[0].count}."
        )
    return "\n".join(lines)


def write_csv(report: Report, directory: str | Path) -> list[Path]:
    """Write one CSV file per table into `directory`; return the paths."""
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create --csv directory {out}: {exc}") from exc
    written = []
    for table in report_tables(report):
        path = out / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.headers)
            writer.writerows(["" if v is None else v for v in row] for row in table.rows)
        written.append(path)
    return written


# -- unmatched review ------------------------------------------------------------------------------
def matcher_candidates(kb: KnowledgeBase) -> Callable[[str], list[Candidate]]:
    """Return a function giving the current matcher's closest entries for a text, whatever
    their score (messages nothing matched have no match above the threshold, by definition)."""
    matcher = Matcher.build(kb)

    def closest(text: str) -> list[Candidate]:
        return [
            Candidate(m.kind, m.id, round(m.score, 1))
            for m in matcher.candidates(text, CANDIDATE_LIMIT)
        ]

    return closest


async def build_unmatched(
    store: Store,
    since: datetime,
    candidates_for: Callable[[str], Sequence[Candidate]] | None = None,
    threshold: float = GROUP_THRESHOLD,
) -> list[UnmatchedGroup]:
    """Group the unmatched and ambiguous messages since `since`, with their closest candidates."""
    return group_messages(await load_unmatched(store, since), threshold, candidates_for)


def format_unmatched(groups: Sequence[UnmatchedGroup], since: str) -> str:
    """Render unmatched groups as plain text, biggest first."""
    total = sum(g.count for g in groups)
    if not groups:
        return f"No unmatched or low-confidence messages since {since}."
    lines = [
        f"{total} unmatched or low-confidence messages since {since}, in {len(groups)} groups",
        "",
    ]
    for i, g in enumerate(groups, 1):
        lines.append(
            f"{i:>3}. x{g.count}  \"{_clip(g.text, 90)}\"  "
            f"(nothing matched {g.unmatched}, ambiguous {g.ambiguous}; last {g.last_at[:10]})"
        )
        for v in g.variants:
            lines.append(f"        also: \"{_clip(v, 90)}\"")
        closest = ", ".join(f"{c.kind} {c.id} {c.score:g}" for c in g.candidates) or "none"
        lines.append(f"        closest: {closest}")
    return "\n".join(lines)


def write_export(groups: Sequence[UnmatchedGroup], path: str | Path) -> int:
    """Write one JSON line per group, ready to label for `python -m bot eval`; return lines."""
    try:
        with Path(path).open("w", encoding="utf-8") as fh:
            for g in groups:
                line = {
                    "text": g.text,
                    "count": g.count,
                    "candidates": [asdict(c) for c in g.candidates],
                    "expect": [],
                }
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write --export file {path}: {exc}") from exc
    return len(groups)


# -- commands --------------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


async def _report(args: argparse.Namespace, now: datetime, out: TextIO) -> int:
    kb = load_knowledge(args.knowledge)
    since = parse_since(args.since, now)
    store = await open_readonly(args.db)
    try:
        report = await build_report(store, kb, since, now)
    finally:
        await store.close()
    if args.csv:
        paths = write_csv(report, args.csv)
        print(f"wrote {len(paths)} CSV files to {args.csv}", file=sys.stderr)
    if args.json:
        out.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    elif not args.csv:
        out.write(format_report(report) + "\n")
    return 0


async def _unmatched(args: argparse.Namespace, now: datetime, out: TextIO) -> int:
    since = parse_since(args.since, now)
    store = await open_readonly(args.db)
    try:
        rows = await load_unmatched(store, since)
    finally:
        await store.close()
    closest = matcher_candidates(load_knowledge(args.knowledge)) if rows else None
    groups = group_messages(rows, GROUP_THRESHOLD, closest)
    out.write(format_unmatched(groups, iso(since)) + "\n")
    if args.export:
        n = write_export(groups, args.export)
        print(f"wrote {n} groups to {args.export}; fill in `expect` and run "
              f"`python -m bot eval {args.export}`", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print the operator report for the period (text, --json, or --csv DIR)."""
    return asyncio.run(_report(args, _now(), sys.stdout))


def cmd_unmatched(args: argparse.Namespace) -> int:
    """List unmatched and low-confidence messages, grouped; --export writes labelling JSONL."""
    return asyncio.run(_unmatched(args, _now(), sys.stdout))
