"""Button payloads: short strings `v1|<tag>.<seq>|<action>|<arg>` within Telegram's 64 bytes.

`tag` is a few random characters fixed per conversation, so a payload copied from another
user's conversation is recognised; `seq` is bumped whenever a turn sends buttons, so a press on
an older message is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.contract import CALLBACK_DATA_LIMIT
from bot.knowledge.model import KnowledgeBase, Option
from bot.knowledge.problems import Problem

VERSION = "v1"
#: the longest tag and sequence number a payload may carry, for size checks
WORST_TAG, WORST_SEQ = "ffff", 999_999


@dataclass(frozen=True)
class Payload:
    tag: str
    seq: int
    action: str
    arg: str


def encode(tag: str, seq: int, action: str, arg: str = "") -> str:
    data = f"{VERSION}|{tag}.{seq}|{action}|{arg}"
    if len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
    return data


def decode(data: object) -> Payload | None:
    """Return the parts of a well-formed payload, else None (forged, truncated, oversized)."""
    if not isinstance(data, str) or len(data.encode(errors="replace")) > CALLBACK_DATA_LIMIT:
        return None
    parts = data.split("|")
    if len(parts) != 4 or parts[0] != VERSION or len(parts[2]) != 1:
        return None
    tag, dot, seq = parts[1].rpartition(".")
    if not dot or not seq.isdecimal():  # int() refuses superscripts (isdigit)
        return None
    return Payload(tag, int(seq), parts[2], parts[3])


def option_arg(index: int, option: Option) -> str:
    """The argument of an option button: its position and where it leads."""
    return f"{index}:{option.next or ('t.' + (option.topic or ''))}"


def worst_case_size(arg: str) -> int:
    """Bytes of the largest payload that carries `arg` (the validator checks ids with it)."""
    return len(f"{VERSION}|{WORST_TAG}.{WORST_SEQ}|o|{arg}".encode())


def check_buttons(kb: KnowledgeBase) -> list[Problem]:
    """Return a problem for every reason, step or topic id too long for its buttons' data."""
    limit = CALLBACK_DATA_LIMIT
    problems: list[Problem] = []
    for reason in kb.reasons.values():
        size = worst_case_size(reason.id)
        if size > limit:
            problems.append(Problem(
                reason.source.path, reason.source.line,
                f"reason id '{reason.id}' is too long for a button ({size} bytes, Telegram "
                f"allows {limit}); shorten it by {size - limit} characters"))
        for step in reason.steps:
            size = worst_case_size(f"99:{step.id}")
            if size > limit and step.source is not None:
                problems.append(Problem(
                    step.source.path, step.source.line,
                    f"step id '{step.id}' is too long: its button data can reach {size} bytes "
                    f"and Telegram allows {limit}; shorten the step id to at most "
                    f"{max(len(step.id) - (size - limit), 0)} characters"))
    for topic in kb.topics.values():
        size = worst_case_size(f"99:t.{topic.id}")
        if size > limit:
            problems.append(Problem(
                topic.source.path, topic.source.line,
                f"topic id '{topic.id}' is too long for a button: its button data can reach "
                f"{size} bytes and Telegram allows {limit}; shorten it to at most "
                f"{max(len(topic.id) - (size - limit), 0)} characters"))
    return problems
