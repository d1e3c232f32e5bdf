"""What goes into the engine (events) and what comes out (replies): no transport types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ATTACHMENT_KINDS = ("photo", "document", "sticker", "voice", "video", "other")


@dataclass(frozen=True)
class TextMessage:
    text: str
    forwarded: bool = False


@dataclass(frozen=True)
class ButtonPress:
    data: str


@dataclass(frozen=True)
class Command:
    name: str
    arg: str = ""


@dataclass(frozen=True)
class Attachment:
    """A photo, file, sticker...: never downloaded, only its kind is known."""

    kind: str


@dataclass(frozen=True)
class FollowupDue:
    kind: str
    due_at: datetime


Event = TextMessage | ButtonPress | Command | Attachment | FollowupDue


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    #: what the button is, independent of its wording: a `buttons:` key of messages.yaml,
    #: `topic:<id>`, `reason:<id>` or `option:<n>` (tests and logs; adapters ignore it)
    key: str = ""


@dataclass(frozen=True)
class Reply:
    """Plain text (adapters escape it) plus rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    #: the messages.yaml keys this text was made from, the outermost first (tests and logs;
    #: adapters ignore it); a topic's answer is `topic:<id>`, a step `step:<reason>/<id>`
    keys: tuple[str, ...] = ()
