"""Load the knowledge base as the bot uses it: the files' own checks plus the checks of the layers
that use them, so the bot, `/reload` and `python -m bot validate` refuse exactly the same bases.

- structure (every file, every key, the step graphs, the overlays): `bot.knowledge.loader`
- button data within Telegram's 64 bytes for every reason, step and topic id: `bot.core.payload`
- every example matched to its own entry, every negative to nothing: `bot.understanding`

A base that loaded without errors is kept on disk with its built matcher (`snapshot`), keyed by
the bytes of every file in its folder and the code that reads and checks it: a bot restarting
on unchanged knowledge reads one file instead of parsing, checking and building again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence

from bot.core.payload import check_buttons
from bot.knowledge.loader import Check, collect
from bot.knowledge.loader import load_knowledge as load_files
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.problems import Problem
from bot.shared.errors import KnowledgeError

logger = logging.getLogger("bot.knowledge.loader")  # the same lines as a load without the cache


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


def use_privacy_words(path: str | os.PathLike[str]) -> None:
    """Mask personal data with the words of `path`'s privacy.yaml and i18n/*/privacy.yaml (the
    bundled ones when the folder has none), from now on: at start and on every reload, as for
    the rest of the folder. Raise `KnowledgeError` (the old words stay) when one is invalid."""
    from bot.understanding import privacy

    try:
        privacy.configure(path)
    except privacy.PrivacyFileError as exc:
        raise KnowledgeError([" ".join(str(exc).splitlines())]) from exc


def load_knowledge(path: str | os.PathLike[str]) -> KnowledgeBase:
    """Load the knowledge base the bot serves; raise `KnowledgeError` with every problem.

    An unchanged base comes from the disk cache with its matcher (see `snapshot`).
    """
    from bot.app import snapshot  # the matcher comes with it: imported on use

    def load() -> tuple[KnowledgeBase, object]:
        kb = load_files(path, checks=checks())
        return kb, snapshot.matcher_of(kb)

    kb, fresh = snapshot.load(path, load)
    use_privacy_words(path)
    if not fresh:
        for w in kb.warnings:
            logger.warning("knowledge: %s", w)
        logger.info("loaded knowledge from %s: %d reasons, %d topics, %d examples (cached)",
                    path, len(kb.reasons), len(kb.topics), kb.example_count)
    return kb
