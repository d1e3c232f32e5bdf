"""Shared fixtures: a small, valid knowledge tree built in tmp_path (independent of knowledge/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.knowledge import contract
from bot.knowledge.coverage import MIN_EXAMPLES
from bot.knowledge.loader import KNOWN_REASONS, KNOWN_TOPICS, load_knowledge
from bot.knowledge.model import KnowledgeBase
from tests.chat import Chat, FrozenClock
from tests.fake_bot_api import FakeBotApi

#: PostgreSQL fixtures (pg_server, pg_url, pg_database): tests/pg.py
pytest_plugins = ("tests.pg",)

REPO = Path(__file__).resolve().parent.parent

POLICY = """\
version: 1
attempts:
  manual_review_after: 3
  lock_after: 5
followup:
  after_resubmit_hours: 24
  still_waiting_hours: 24
  result_max_checkins: 3
  late_after_minutes: 30
review_days:
  standard: [7, 14]
  complex: [21, 30]
  extreme: 30
review_checkins:
  overdue_every_days: 14
  overdue_max_checkins: 2
  documents_business_days: 7
retention_days: 180
limits:
  max_message_chars: 4000
  flood_messages: 20
  flood_window_seconds: 10
dialogue:
  intent_cutoff: 86
  intent_max_words: 6
  option_cutoff: 80
  language_switch_after: 3
  language_switch_chars: 10
  personal_data_max_words: 3
topics:
  find_reason: find_reason
  contact_support: contact_support
  manual_review: manual_review
  review_times: review_times
  speed_up_review: speed_up_review
  permanent_rejection: permanent_rejection
matching:
  min_score: 40
links:
  official_site: https://www.binance.com
"""

#: The README's example reason: a question with branches, a jump and a topic button.
EXPIRED = """\
version: 1
id: expired_document
title: Expired document
share: 5
severity: normal
summary: The document you photographed is past its expiry date.
triggers:
  - The expiry date printed on the document has passed.
notices:
  - The document you submitted has expired
keywords: [expired, out of date]
negative_keywords: [region]
examples:
{examples}
steps:
  - id: check_date
    text: Look at the expiry date on the document you used.
  - id: choose
    text: Can you renew it, or do you have another valid document?
    options:
      - label: I'll renew it
        next: renew
      - label: I have a passport
        next: switch
      - label: How long does review take?
        topic: review_times
  - id: renew
    text: Renew the document at the office that issued it.
    next: resubmit
  - id: switch
    text: You may verify with another valid document type instead.
  - id: resubmit
    text: In the app open Account, Identity Verification, Resubmit.
    end: resubmit
    topics: [review_times]
support: If your new document is also refused, contact Customer Support.
"""

SIMPLE_REASON = """\
version: 1
id: {id}
title: {title}
share: 10
summary: What happened with {title}.
triggers: [Something about {title}.]
examples:
{examples}
steps:
  - id: fix
    text: Do the fix for {title}.
  - id: resubmit
    text: Resubmit in the official app.
    end: resubmit
support: Contact Customer Support in the official app.
"""

TOPIC = """\
version: 1
id: {id}
title: About {title}
answer: |
  What you need to know about {title}.
keywords: [{title}]
examples:
  - tell me about {title}
  - what about {title}
related: [{related}]
"""


def _examples(entry: str) -> str:
    words = entry.replace("_", " ")
    return "\n".join(f"  - my {words} problem number {i}" for i in range(MIN_EXAMPLES))


def _messages() -> str:
    lines = ["version: 1", "messages:"]
    for key, names in contract.MESSAGES.items():
        fields = " ".join("{" + n + "}" for n in sorted(names))
        lines.append(f"  {key}: Message {key} {fields}".rstrip())
    lines.append("buttons:")
    lines += [f"  {key}: Button {key}" for key in contract.BUTTONS]
    lines.append("commands:")
    lines += [f"  {name}: Command {name}" for name in contract.COMMANDS]
    lines.append("intents:")
    lines += [f"  {name}: [{name.replace('_', ' ')} please]" for name in contract.INTENTS]
    return "\n".join(lines) + "\n"


def build_knowledge(root: Path) -> Path:
    """Write a small valid knowledge tree (8 reasons, 16 topics) into `root` and return it."""
    (root / "reasons").mkdir(parents=True)
    (root / "topics").mkdir()
    (root / "policy.yaml").write_text(POLICY)
    for rid in KNOWN_REASONS:
        if rid == "expired_document":
            text = EXPIRED.format(examples=_examples(rid))
        else:
            text = SIMPLE_REASON.format(id=rid, title=rid.replace("_", " "),
                                        examples=_examples(rid))
        (root / "reasons" / f"{rid}.yaml").write_text(text)
    for i, tid in enumerate(KNOWN_TOPICS):
        related = KNOWN_TOPICS[(i + 1) % len(KNOWN_TOPICS)]
        (root / "topics" / f"{tid}.yaml").write_text(
            TOPIC.format(id=tid, title=tid.replace("_", " "), related=related)
        )
    (root / "negatives.yaml").write_text(
        "version: 1\nexamples:\n  - hi\n  - what is the bitcoin price\n  - no\n  - '123'\n"
    )
    (root / "messages.yaml").write_text(_messages())
    (root / "matching.yaml").write_text("version: 1\n")
    return root


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run PTB as `python -m bot telegram` does: durations as timedelta, no deprecation noise."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fake Telegram Bot API server on 127.0.0.1, recording every call."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The bundled knowledge base (matcher example checks belong to the knowledge tests)."""
    return load_knowledge(REPO / "knowledge")


@pytest.fixture
async def chat(kb: KnowledgeBase, tmp_path: Path) -> AsyncIterator[Chat]:
    """A conversation through the console's entry point on the bundled knowledge, its clock
    frozen (a test file may define its own `chat`)."""
    c = await Chat.open(kb, tmp_path / "bot.sqlite3", clock=FrozenClock())
    yield c
    await c.close()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """Return a fresh, valid knowledge tree that a test may break."""
    return build_knowledge(tmp_path / "knowledge")
