"""Reload the knowledge base into a running bot (SIGHUP, `/reload`), keeping the old one on errors.

Shared by the console and the Telegram adapter: the new files are loaded and checked in a worker
thread, and the service switches only if everything succeeded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.model import KnowledgeBase
from bot.shared.errors import KnowledgeError

log = logging.getLogger(__name__)

#: how many problems a reload answer lists before saying "and N more"
RELOAD_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class ReloadResult:
    """One reload: the knowledge base now served, or the problems that kept the old one."""

    kb: KnowledgeBase | None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kb is not None


async def reload_knowledge(directory: str, apply: Callable[[KnowledgeBase], None]) -> ReloadResult:
    """Load and check `directory`; on success hand it to `apply`, else log every problem."""
    from bot.app.knowledge import load_knowledge

    try:
        kb = await asyncio.to_thread(load_knowledge, directory)
        apply(kb)  # Service.reload builds the new engine before swapping: on error the old stays
    except KnowledgeError as exc:
        problems = tuple(" ".join(p.splitlines()) for p in exc.problems)
    except Exception as exc:  # a bug must not take the running bot down with it
        log.exception("knowledge NOT reloaded from %s", directory)
        problems = (f"{directory}: {type(exc).__name__}: {exc}",)
    else:
        log.info(
            "knowledge reloaded from %s: %d reasons, %d topics, %d examples",
            directory, len(kb.reasons), len(kb.topics), kb.example_count,
        )  # fmt: skip
        return ReloadResult(kb)
    log.error(
        "knowledge NOT reloaded from %s: %d error(s); still serving the previous version",
        directory, len(problems),
    )  # fmt: skip
    for problem in problems:
        log.error("%s", problem)
    return ReloadResult(None, problems)


def reload_text(served: KnowledgeBase, result: ReloadResult, lang: str | None = None) -> str:
    """Return the answer to a reload, worded by `served` (the knowledge base now in use)."""
    if result.kb is not None:
        kb = result.kb
        text = kb.message(
            "admin_reloaded",
            lang,
            reasons=len(kb.reasons),
            topics=len(kb.topics),
            examples=kb.example_count,
        )
        if kb.warnings:
            warnings = _listing(kb, kb.warnings, lang)
            text += "\n\n" + kb.message(
                "admin_reload_warnings", lang, count=len(kb.warnings), warnings=warnings
            )
        return text
    problems = _listing(served, result.problems, lang)
    return served.message(
        "admin_reload_failed", lang, count=len(result.problems), problems=problems
    )


def _listing(kb: KnowledgeBase, items: tuple[str, ...], lang: str | None) -> str:
    """Return up to RELOAD_PROBLEMS_SHOWN items, one a line, and how many more there are."""
    shown = "\n".join(items[:RELOAD_PROBLEMS_SHOWN])
    if len(items) > RELOAD_PROBLEMS_SHOWN:
        more = kb.message("admin_reload_more", lang, count=len(items) - RELOAD_PROBLEMS_SHOWN)
        shown += "\n" + more
    return shown


