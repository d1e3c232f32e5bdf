"""Load the knowledge base as the bot uses it: the files' own checks plus the checks of the layers
that use them, so the bot, `/reload` and `python -m bot validate` refuse exactly the same bases.

- structure (every file, every key, the step graphs, the overlays): `bot.knowledge.loader`
- button data within Telegram's 64 bytes for every reason, step and topic id: `bot.core.payload`
- every example matched to its own entry, every negative to nothing: `bot.understanding`
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from bot.core.payload import check_buttons
from bot.knowledge.loader import Check, collect
from bot.knowledge.loader import load_knowledge as load_files
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.problems import Problem


def matcher_problems(kb: KnowledgeBase) -> Iterable[Problem]:
    """The matcher's example checks, as structured problems."""
    from bot.understanding.checks import check_knowledge  # builds the matcher: import on use

    return check_knowledge(kb)


def checks(*, matcher: bool = True) -> Sequence[Check]:
    """Return the checks beyond the files' own; `matcher=False` leaves out the slow one."""
    return (check_buttons, matcher_problems) if matcher else (check_buttons,)


def check_knowledge_dir(
    path: str | os.PathLike[str], *, matcher: bool = True
) -> tuple[KnowledgeBase | None, list[str], list[str]]:
    """Return (kb or None, errors, warnings) for the folder at `path`, every check included."""
    return collect(path, checks=checks(matcher=matcher))


def load_knowledge(path: str | os.PathLike[str]) -> KnowledgeBase:
    """Load the knowledge base the bot serves; raise `KnowledgeError` with every problem."""
    return load_files(path, checks=checks())
