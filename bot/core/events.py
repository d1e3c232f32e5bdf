"""What goes into the engine (events) and what comes out (replies): no transport types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

#: one character class, no repetition: linear in the text
_SURROGATE = re.compile("[\ud800-\udfff]")

ATTACHMENT_KINDS = ("photo", "document", "sticker", "voice", "video", "other")


def valid_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD: what a terminal fed bytes that are
    no UTF-8 (or a JSON "\\ud800") hands over cannot be encoded again, by a library or the store."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


@dataclass(frozen=True)
class TextMessage:
    text: str
    forwarded: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", valid_text(self.text))


@dataclass(frozen=True)
class ButtonPress:
    data: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", valid_text(self.data))


@dataclass(frozen=True)
class Command:
    name: str
    arg: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", valid_text(self.name))
        object.__setattr__(self, "arg", valid_text(self.arg))


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
