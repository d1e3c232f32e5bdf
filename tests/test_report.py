"""Operator reports over a store built by chatting with the real engine on a frozen clock."""

from __future__ import annotations

import asyncio
import csv
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import report_apart
from bot.app.report import Report, build_report, unmatched_groups
from bot.app.report_text import format_report, write_csv
from bot.app.service import Service
from bot.app.unmatched import Candidate, UnmatchedMessage, group_messages
from bot.core.events import Reply
from bot.core.state import iso
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase
from bot.ops.report import open_readonly, parse_since
from bot.shared.errors import ConfigError
from bot.storage.sqlite import SqliteStore as Store
from bot.understanding.matcher import Match, MatchResult, Phrases
from tests.chat import Chat, FrozenClock
from tests.cli import run_cli as run
from tests.conftest import build_knowledge

REPO = Path(__file__).resolve().parent.parent
# the world starts 12 days before the real clock, so the CLI (which reports up to "now") sees
# the same cases, silent and in progress, as the tests that pass the world's own end time
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=12)


@dataclass
class StubMatcher:
    """Returns a fixed result, so each message lands where the scenario needs it."""

    result: MatchResult

    def match(self, text: str, *, scoped: bool = True) -> MatchResult:
        return self.result

    def language(self, text: object) -> None:
        return None  # the scenarios are in English: the client's language stands

    own_names = Phrases(())  # the names of this context ("Binance", "USDT"): none here

    def clauses(self, text: str) -> list[str]:
        return [text]

    def has_marker(self, text: str) -> bool:
        return "Reason:" in text

    def as_cyrillic(self, text: str) -> str:
        return text  # the scenarios are in English

    def asks_yes_no(self, text: str) -> bool:
        return False  # no message of these scenarios is only a question

    def yes_no_question(self, text: str) -> bool:
        return False

    def reads_elsewhere(self, text: str) -> bool:
        return False

    def reads_words(self, text: str) -> bool:
        return True  # every word counts: an unmatched message is off topic, not keyboard mash


@dataclass
class World:
    """Several users chatting with one service; follow-ups reach the user they are for."""

    kb: KnowledgeBase
    service: Service
    clock: FrozenClock
    chats: dict[str, Chat] = field(default_factory=dict)

    async def deliver(self, user_id: str, replies: list[Reply]) -> None:
        self.chats[user_id].last = replies

    def user(self, name: str) -> Chat:
        self.chats[name] = Chat(self.service, self.clock, user=name)
        return self.chats[name]

    async def tick(self, **kwargs: float) -> None:
        self.clock.advance(**kwargs)
        await self.service.run_due_followups()

    def stub(self, *matches: tuple[str, str, float], ambiguous: bool = False) -> None:
        self.service.engine.matcher = StubMatcher(
            MatchResult(tuple(Match(k, i, s) for k, i, s in matches), ambiguous, False)  # type: ignore[arg-type]
        )

    async def pick(self, chat: Chat, reason_id: str) -> None:
        """Open the reason list and pick a reason: the case opens on its first step."""
        await chat.command("reasons")
        await chat.press(self.kb.reasons[reason_id].title.get())

    async def fix_and_resubmit(self, chat: Chat, reason_id: str) -> None:
        """Pick a reason, press Next to its last step, and press "I've resubmitted"."""
        await self.pick(chat, reason_id)
        resubmit = self.kb.button("resubmitted")
        for _ in range(10):
            if resubmit in chat.buttons():
                break
            await chat.press(self.kb.button("next"))
        await chat.press(resubmit)

    async def answer(self, chat: Chat, key: str) -> None:
        """Answer the follow-up question: passed, rejected_again or still_waiting."""
        await chat.press(self.kb.button(key))


PHONE = ("how do i change my phone number", "how do i chnage my phone numbr",
         "How do I change my phone number?")


async def populate(kb: KnowledgeBase, db: Path, start: datetime = START) -> datetime:
    """Build the scenario the figures below are checked against; return the clock at the end.

    T0: alice, bob (blurry photo), carol (info mismatch, recognised from her text), dave (face
    verification) and frank (ID already registered) fix and resubmit; erin (underage) stops on
    her first step; hank (blurry photo) restarts; gina asks two topics and sends messages the bot
    cannot place; jill asks to be forgotten.
    T0+25h, +50h: follow-ups. alice and carol pass at the first; bob is rejected once and passes
    at his second attempt; dave is rejected twice, which with the rejection he came with is his
    third failure: manual review; frank never answers. T0+11d3h: ivan picks restricted region (in progress).
    """
    clock = FrozenClock(start)
    service = await Service.open(kb, str(db), clock)
    world = World(kb, service, clock)
    service.register_sender("test", world.deliver)
    try:
        alice, bob, carol, dave = (world.user(n) for n in ("alice", "bob", "carol", "dave"))
        erin, frank, gina, hank = (world.user(n) for n in ("erin", "frank", "gina", "hank"))
        ivan, jill = world.user("ivan"), world.user("jill")

        await world.fix_and_resubmit(alice, "blurry_photo")
        await world.fix_and_resubmit(bob, "blurry_photo")
        world.stub(("reason", "info_mismatch", 90.0))
        await carol.say("Your KYC application was not approved, Reason: Information mismatch")
        await world.fix_and_resubmit(carol, "info_mismatch")
        await world.fix_and_resubmit(dave, "face_verification")
        await world.fix_and_resubmit(frank, "id_already_registered")
        await world.pick(erin, "underage")
        await world.pick(hank, "blurry_photo")
        await hank.command("restart")

        await gina.command("reasons")
        await gina.press(kb.button("not_sure"))  # the find_reason topic
        world.stub(("topic", "review_times", 90.0))
        await gina.say("how long does review take")
        world.stub()  # nothing matches
        for text in PHONE:
            await gina.say(text)
        await gina.say("is binance safe to use")
        await gina.say("my email is gina@example.com why no answer")
        world.stub(("reason", "blurry_photo", 60.0), ("reason", "edited_document", 58.0),
                   ambiguous=True)
        await gina.say("my photo got flagged")

        await jill.command("start")
        await jill.command("forget")
        await jill.press(kb.button("forget_yes"))

        await world.tick(hours=25)  # T1: every resubmission's follow-up is due
        await world.answer(alice, "passed")
        await world.answer(carol, "passed")
        for chat in (bob, dave):
            await world.answer(chat, "rejected_again")  # their second failure
            await chat.command("resubmitted")
        await world.tick(hours=25)  # T2
        await world.answer(bob, "passed")
        await world.answer(dave, "rejected_again")  # third failure: manual review
        await world.tick(hours=25)  # T3
        await world.tick(days=8)
        await world.pick(ivan, "restricted_region")
        return clock.now
    finally:
        await service.close()


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_knowledge(tmp_path_factory.mktemp("report") / "knowledge")


@pytest.fixture(scope="module")
def kb(kb_dir: Path) -> KnowledgeBase:
    return load_knowledge(kb_dir)


@pytest.fixture(scope="module")
def world_db(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    db = tmp_path_factory.mktemp("db") / "bot.sqlite3"
    end = asyncio.run(populate(kb, db))
    return db, end


async def report_for(db: Path, kb: KnowledgeBase, since: datetime, now: datetime) -> Report:
    store = await open_readonly(db)
    try:
        return await build_report(store, kb, since, now)
    finally:
        await store.close()


@pytest.fixture
async def report(world_db: tuple[Path, datetime], kb: KnowledgeBase) -> Report:
    db, end = world_db
    return await report_for(db, kb, end - timedelta(days=30), end)


EXPECTED_OUTCOMES = {
    "cases": 8,
    "passed": 3,
    "resolution_rate": 37.5,
    "rejected_again": 2,
    "manual_review": 1,
    "lock_risk": 0,
    "silent": 2,
    "silent_after_followup": 1,
    "silent_mid_fix": 1,
    "waiting": 1,
    "in_progress": 1,
    "closed": 1,
    "resubmitted": 5,
    "median_attempts_to_pass": 2.0,  # alice and carol at attempt 2, bob at 3
    "median_hours_to_pass": 25.0,
}


# -- figures ------------------------------------------------------------------------------------
async def test_case_outcomes_are_counted_exactly(report: Report) -> None:
    assert asdict(report.outcomes) == EXPECTED_OUTCOMES


async def test_conversations_topics_and_forgotten_users_are_counted(report: Report) -> None:
    # jill's own events were deleted when she asked to be forgotten; one anonymous event remains
    assert report.conversations_started == 9
    assert report.active_users == 9
    assert report.forgotten == 1
    assert report.diagnosed == 1
    assert [(t.id, t.count, t.users) for t in report.topics] == [
        ("find_reason", 1, 1),
        ("review_times", 1, 1),
    ]
    assert report.events["outcome"] == 6  # 3 passed + 3 rejected (bob 1, dave 2)
    # (9: the user silent after a check-in is asked twice more, within result_max_checkins)
    assert report.events["followup_sent"] == 9


async def test_reasons_have_share_expected_share_and_resolution(report: Report, kb: KnowledgeBase) -> None:
    rows = {r.id: r for r in report.reasons}
    assert [r.id for r in report.reasons][0] == "blurry_photo"
    assert sum(r.cases for r in report.reasons) == 8
    assert sum(r.share or 0 for r in report.reasons) == 100.0
    blurry = rows["blurry_photo"]
    assert (blurry.cases, blurry.share, blurry.expected_share) == (3, 37.5, 10.0)
    assert blurry.difference == 27.5
    assert (blurry.passed, blurry.resolution_rate, blurry.rejected_again) == (2, 66.7, 1)
    # as the bot counts attempts to them: the rejection they came with is attempt 1, so alice
    # passed at attempt 2 and bob (rejected once more) at attempt 3
    assert blurry.median_attempts_to_pass == 2.5
    face = rows["face_verification"]
    assert (face.cases, face.passed, face.resolution_rate, face.manual_review) == (1, 0, 0.0, 1)
    assert (rows["underage"].silent, rows["id_already_registered"].silent) == (1, 1)
    assert rows["info_mismatch"].resolution_rate == 100.0
    assert rows["restricted_region"].share == 12.5
    assert rows["restricted_region"].expected_share == kb.reasons["restricted_region"].share
    # a reason nobody had is listed too, below the expected share by all of it
    expired = rows["expired_document"]
    assert (expired.cases, expired.share, expired.difference) == (0, 0.0, -5.0)
    assert expired.resolution_rate is None and len(rows) == len(kb.reasons)


async def test_give_up_points_are_the_last_step_before_silence(report: Report, kb: KnowledgeBase) -> None:
    # erin stopped on underage's first step 11 days ago; ivan's step is a day old: not given up
    underage = kb.reasons["underage"]
    assert [(g.reason, g.step, g.gave_up, g.shown, g.rate) for g in report.give_up] == [
        ("underage", underage.start, 1, 1, 100.0)
    ]


async def test_unmatched_messages_with_typos_group_together(report: Report) -> None:
    groups = [(g.count, g.unmatched, g.ambiguous) for g in report.unmatched]
    assert groups == [(3, 3, 0), (1, 1, 0), (1, 1, 0), (1, 0, 1)]
    phone = report.unmatched[0]
    assert phone.text in PHONE
    assert sorted((phone.text, *phone.variants)) == sorted(PHONE)
    flagged = report.unmatched[-1]
    assert [(c.id, c.score) for c in flagged.candidates] == [
        ("blurry_photo", 60.0),
        ("edited_document", 58.0),
    ]


async def test_personal_data_never_reaches_the_report(report: Report) -> None:
    dumped = json.dumps(report.to_dict())
    assert "gina@example.com" not in dumped
    assert "example.com" not in format_report(report)


async def test_since_keeps_only_the_period(world_db: tuple[Path, datetime], kb: KnowledgeBase) -> None:
    db, end = world_db
    recent = await report_for(db, kb, end - timedelta(days=2), end)
    assert recent.conversations_started == 1  # ivan
    assert (recent.outcomes.cases, recent.outcomes.in_progress, recent.outcomes.passed) == (1, 1, 0)
    assert [r.id for r in recent.reasons if r.cases] == ["restricted_region"]
    assert recent.unmatched == () and recent.topics == () and recent.give_up == ()
    assert not recent.empty


async def test_silence_threshold_is_measured_from_the_last_user_action(
    world_db: tuple[Path, datetime], kb: KnowledgeBase
) -> None:
    # as of five days after T0 nobody has been quiet for a week yet
    db, _ = world_db
    early = await report_for(db, kb, START - timedelta(days=1), START + timedelta(days=5))
    assert early.outcomes.cases == 7  # ivan's case comes after the period
    assert early.outcomes.silent == 0
    assert early.give_up == ()


async def test_empty_store_reports_no_data(tmp_path: Path, kb: KnowledgeBase) -> None:
    store = await Store.open(tmp_path / "empty.sqlite3")
    try:
        now = datetime(2026, 3, 2, tzinfo=UTC)
        report = await build_report(store, kb, now - timedelta(days=30), now)
    finally:
        await store.close()
    assert report.empty
    assert report.outcomes.cases == 0 and report.outcomes.resolution_rate is None
    assert report.reasons == () and report.unmatched == ()
    assert len(format_report(report).splitlines()) <= 3


# -- outputs ------------------------------------------------------------------------------------
async def test_csv_writes_one_file_per_table(report: Report, tmp_path: Path) -> None:
    paths = write_csv(report, tmp_path / "csv")
    names = sorted(p.name for p in paths)
    assert names == sorted(
        f"{n}.csv" for n in ("summary", "outcomes", "reasons", "topics", "give_up", "unmatched", "events")
    )
    with (tmp_path / "csv" / "reasons.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    blurry = next(r for r in rows if r["reason"] == "blurry_photo")
    assert (blurry["cases"], blurry["share %"], blurry["expected %"], blurry["diff pts"]) == (
        "3", "37.5", "10.0", "+27.5"
    )
    with (tmp_path / "csv" / "unmatched.csv").open() as fh:
        assert [r["count"] for r in csv.DictReader(fh)] == ["3", "1", "1", "1"]


async def test_text_report_shows_every_table(report: Report) -> None:
    text = format_report(report)
    for figure in ("37.5", "27.5", "66.7"):
        assert figure in text
    assert "gina" not in text


def test_since_accepts_hours_days_weeks_and_dates() -> None:
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)
    assert parse_since("12h", now) == now - timedelta(hours=12)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2W", now) == now - timedelta(weeks=2)
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1, tzinfo=UTC)
    for bad in ("yesterday", "0d", "-3d", ""):
        with pytest.raises(ConfigError):
            parse_since(bad, now)


def test_grouping_keeps_different_questions_apart() -> None:
    rows = [UnmatchedMessage(t, "2026-03-02T09:00:00+00:00") for t in (
        "can i use my brothers id", "can i use my sisters id", "hello",
        "hello what is the bitcoin price", "my selfie keeps failing", "my selfie keeps failling",
    )]
    groups = group_messages(rows)
    assert sorted(g.count for g in groups) == [1, 1, 1, 1, 2]


async def test_unmatched_groups_get_the_closest_candidates(
    world_db: tuple[Path, datetime], kb: KnowledgeBase
) -> None:
    db, end = world_db
    store = await open_readonly(db)
    try:
        groups = await unmatched_groups(
            store, end - timedelta(days=30), end,
            closest=lambda text: [Candidate("topic", "safety", 12.5)],
        )  # fmt: skip
    finally:
        await store.close()
    # stored candidates for the ambiguous message; the current matcher's for the others
    assert [[c.id for c in g.candidates] for g in groups] == [
        ["safety"], ["safety"], ["safety"], ["blurry_photo", "edited_document"]
    ]


async def test_the_report_read_apart_is_the_report_read_here(
    world_db: tuple[Path, datetime], kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report reads and groups in a child process (this one, which may be serving users,
    only reads the result): the report is the one read and grouped in this process."""
    db, end = world_db
    children = []
    in_child = report_apart._in_child

    async def spy(*args: Any) -> Any:
        children.append(args)
        return await in_child(*args)

    monkeypatch.setattr(report_apart, "_in_child", spy)
    store = await open_readonly(db)
    try:
        apart = await build_report(store, kb, end - timedelta(days=30), end, apart=True)
        here = await build_report(store, kb, end - timedelta(days=30), end)
        for days in (1, 3, 12):
            since = end - timedelta(days=days)
            quiet = timedelta(days=2)
            assert await build_report(store, kb, since, end, silent_after=quiet, apart=True) == (
                await build_report(store, kb, since, end, silent_after=quiet)
            )
    finally:
        await store.close()
    assert len(children) == 4
    assert apart.unmatched and apart.outcomes.cases and apart == here


# -- the command line ----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_env_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DATABASE_PATH", "KNOWLEDGE_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_cli_report_json_has_the_same_figures(world_db: tuple[Path, datetime], kb_dir: Path) -> None:
    db, _ = world_db
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["empty"] is False
    assert data["outcomes"] == EXPECTED_OUTCOMES
    assert data["conversations_started"] == 9
    assert [g["count"] for g in data["unmatched"]] == [3, 1, 1, 1]


def test_cli_report_since_and_csv(world_db: tuple[Path, datetime], kb_dir: Path, tmp_path: Path) -> None:
    db, _ = world_db
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir), "--since", "2d",
               "--csv", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    with (tmp_path / "out" / "outcomes.csv").open() as fh:
        values = {r["figure"]: r["value"] for r in csv.DictReader(fh)}
    assert (values["cases"], values["in progress"], values["passed"]) == ("1", "1", "0")


def test_cli_unmatched_exports_jsonl_for_eval(
    world_db: tuple[Path, datetime], kb_dir: Path, tmp_path: Path
) -> None:
    db, _ = world_db
    out = tmp_path / "unmatched.jsonl"
    proc = run("unmatched", "--db", str(db), "--knowledge", str(kb_dir), "--export", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["count"], line["expect"]) for line in lines] == [(3, []), (1, []), (1, []), (1, [])]
    assert lines[0]["text"] in PHONE
    assert [c["id"] for c in lines[-1]["candidates"]] == ["blurry_photo", "edited_document"]
    assert all(set(c) == {"kind", "id", "score"} for line in lines for c in line["candidates"])
    assert "example.com" not in out.read_text() and "example.com" not in proc.stdout


def test_cli_empty_store_exits_zero(tmp_path: Path, kb_dir: Path) -> None:
    db = tmp_path / "empty.sqlite3"
    asyncio.run(_create(db))
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["empty"] is True
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir))
    assert proc.returncode == 0 and proc.stdout.strip()


async def _create(db: Path) -> None:
    store = await Store.open(db)
    await store.close()


@pytest.mark.parametrize("command", ["report", "unmatched"])
def test_cli_missing_database_is_a_one_line_error(command: str, tmp_path: Path, kb_dir: Path) -> None:
    db = tmp_path / "nowhere.sqlite3"
    proc = run(command, "--db", str(db), "--knowledge", str(kb_dir))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_cli_bad_period_is_a_one_line_error(world_db: tuple[Path, datetime], kb_dir: Path) -> None:
    db, _ = world_db
    proc = run("report", "--db", str(db), "--knowledge", str(kb_dir), "--since", "lately")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1


# -- audit 40: the closest entries (M6), attempts as the bot counts them (M7), --until (L4) ------
def closest_shown_by_unmatched(db: str, kb_dir: Path, out: Path) -> dict[str, list[list[Any]]]:
    """What `unmatched --export` gives each group: its closest entries, [kind, id, score]."""
    proc = run("unmatched", "--db", db, "--knowledge", str(kb_dir), "--export", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    return {g["text"]: [[c["kind"], c["id"], c["score"]] for c in g["candidates"]] for g in lines}


def assert_the_report_shows_what_unmatched_shows(
    db: str, kb_dir: Path, tmp_path: Path
) -> dict[str, Any]:
    """The report's `closest` (text, --json `candidates`, --csv) is what `unmatched` shows, and
    fills for groups whose messages nothing matched; return the --json report."""
    shown = closest_shown_by_unmatched(db, kb_dir, tmp_path / "unmatched.jsonl")
    proc = run("report", "--db", db, "--knowledge", str(kb_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    groups = data["unmatched"]
    assert {g["text"]: [[c["kind"], c["id"], c["score"]] for c in g["candidates"]] for g in groups} == shown
    # the phone questions: nothing matched them, and the matcher finds what they came closest to
    phone = groups[0]
    assert phone["text"] in PHONE and (phone["unmatched"], phone["ambiguous"]) == (3, 0)
    assert phone["candidates"], "an unmatched group has no closest entries"
    cells = {t: ", ".join(f"{c[1]} {c[2]:g}" for c in cs) or "none" for t, cs in shown.items()}
    out = tmp_path / "csv"
    proc = run("report", "--db", db, "--knowledge", str(kb_dir), "--csv", str(out))
    assert proc.returncode == 0, proc.stderr
    with (out / "unmatched.csv").open() as fh:
        assert {r["example"]: r["closest"] for r in csv.DictReader(fh)} == cells
    proc = run("report", "--db", db, "--knowledge", str(kb_dir))
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stdout.splitlines() if ln.lstrip().startswith("3 ") and phone["text"] in ln]
    assert line.endswith(cells[phone["text"]])
    assert "closest: " in proc.stdout  # its definition
    return data


def test_cli_report_shows_the_closest_entries_unmatched_shows(
    world_db: tuple[Path, datetime], kb_dir: Path, tmp_path: Path
) -> None:
    db, _ = world_db
    assert_the_report_shows_what_unmatched_shows(str(db), kb_dir, tmp_path)


def test_cli_report_on_postgresql_shows_the_closest_entries_and_attempts_as_told(
    pg_url: str, world_db: tuple[Path, datetime], kb: KnowledgeBase, kb_dir: Path, tmp_path: Path
) -> None:
    asyncio.run(populate(kb, pg_url))  # the same world, on PostgreSQL
    data = assert_the_report_shows_what_unmatched_shows(pg_url, kb_dir, tmp_path)
    assert data["outcomes"] == EXPECTED_OUTCOMES  # median attempts to pass 2, as on SQLite
    assert [r["median_attempts_to_pass"] for r in data["reasons"][:1]] == [2.5]
    proc = run("report", "--db", str(world_db[0]), "--knowledge", str(kb_dir), "--json")
    on_sqlite = json.loads(proc.stdout)
    for part in ("outcomes", "reasons", "unmatched", "topics", "give_up", "events"):
        assert data[part] == on_sqlite[part], part


@pytest.mark.parametrize("command", ["report", "unmatched"])
@pytest.mark.parametrize(
    ("period", "says"),
    [
        (["--since", "2999-01-01"], "--since '2999-01-01' is in the future"),
        (["--since", "2026-03-05", "--until", "2026-03-01"], "is not before the period's end"),
        (["--since", "1d", "--until", "soon"], "--until 'soon' is not a period"),
        (["--until", "0d"], "--until must be a positive period"),
    ],
)
def test_cli_a_period_that_cannot_be_is_a_one_line_error(
    command: str, period: list[str], says: str, world_db: tuple[Path, datetime], kb_dir: Path
) -> None:
    db, _ = world_db
    proc = run(command, "--db", str(db), "--knowledge", str(kb_dir), *period)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert says in proc.stderr


def test_cli_until_reports_a_past_window(world_db: tuple[Path, datetime], kb_dir: Path) -> None:
    db, end = world_db
    until = START + timedelta(hours=30)  # after the first follow-ups, days before ivan came
    args = ("--db", str(db), "--knowledge", str(kb_dir), "--since", "2d", "--until", until.isoformat())
    data = json.loads(run("report", *args, "--json").stdout)
    assert (data["since"], data["until"]) == (iso(until - timedelta(days=2)), iso(until))
    assert data["conversations_started"] == 8 and data["outcomes"]["cases"] == 7  # not ivan's
    text = run("report", *args).stdout
    assert text.startswith(f"kyc-helper report: {iso(until - timedelta(days=2))} to {iso(until)}\n")
    assert run("unmatched", *args).stdout.splitlines()[0] == (
        f"6 unmatched or low-confidence messages from {iso(until - timedelta(days=2))}"
        f" to {iso(until)}, in 4 groups"
    )
    # an end some time ago: a --since period counts back from it
    data = json.loads(run("report", *args[:4], "--since", "20d", "--until", "2d", "--json").stdout)
    ended = datetime.fromisoformat(data["until"])
    assert ended - datetime.fromisoformat(data["since"]) == timedelta(days=20)
    assert abs(datetime.now(UTC) - timedelta(days=2) - ended) < timedelta(minutes=5)
    assert data["conversations_started"] == 8  # ivan came 11 days after START, a day ago
    # an end after now ends now
    data = json.loads(run("report", *args[:4], "--until", "2999-12-31", "--json").stdout)
    assert abs(datetime.now(UTC) - datetime.fromisoformat(data["until"])) < timedelta(minutes=5)
    assert data["conversations_started"] == 9


BUNDLED = REPO / "knowledge"
#: the console demos' day (in the past, as the audit's `--now 2026-03-02` was)
DEMO = "2025-03-03T09:00+00:00"


def test_console_demos_reported_with_until_count_attempts_as_the_bot_told_them(tmp_path: Path) -> None:
    """The audit's walk: console demos on a past day, then `report` over that window. The
    median attempts to pass is the attempt number the bot told each user."""
    db = tmp_path / "demo.sqlite3"

    def console(user: str, script: str) -> str:
        proc = run("console", "--db", str(db), "--knowledge", str(BUNDLED), "--user", user,
                   "--now", DEMO, stdin=script)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    u01 = console("u01", "document expired\n/resubmitted\n/wait 25h\n1\n/status\n")
    assert "Noted: attempt 2 is in" in u01 and "passed after 2 attempts" in u01
    u02 = console("u02", "my selfie keeps failing the face check\n/resubmitted\n/wait 25h\n2\n"
                         "/resubmitted\n/wait 25h\n1\n/status\nhow do i bake bread\n")  # fmt: skip
    assert "Noted: attempt 3 is in" in u02 and "passed after 3 attempts" in u02
    common = ("--db", str(db), "--knowledge", str(BUNDLED))
    assert "No data in this period" in run("report", *common).stdout  # up to now: not March

    window = (*common, "--since", "2025-03-01", "--until", "2025-03-31")
    proc = run("report", *window)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "kyc-helper report: 2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00"
    (median,) = [ln for ln in lines if ln.startswith("median attempts to pass ")]
    assert median.split()[4:] == ["2.5", "-"]  # u01 passed at attempt 2, u02 at attempt 3
    (definition,) = [ln for ln in lines if ln.startswith("median_attempts_to_pass: ")]
    assert "passed after 2 attempts" in definition and "attempt 1" in definition
    data = json.loads(run("report", *window, "--json").stdout)
    assert data["outcomes"]["median_attempts_to_pass"] == 2.5
    assert "median_attempts_to_pass" in data["definitions"]
    # the message the bot could not place shows the entries `unmatched` shows
    shown = run("unmatched", *window).stdout
    assert "from 2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00" in shown
    (closest,) = [ln.split("closest: ")[1] for ln in shown.splitlines() if "closest: " in ln]
    assert closest != "none"
    cell = ", ".join(" ".join(c.split()[1:]) for c in closest.split(", "))
    (row,) = [ln for ln in lines if "how do i bake bread" in ln]
    assert row.endswith(cell if len(cell) <= 60 else cell[:57].rstrip() + "...")
