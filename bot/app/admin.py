"""The operators' commands, for every adapter: `/report`, `/unmatched`, `/reload`.

    adapter (Telegram for ADMIN_USER_IDS, the console) --Admin.answer(name, lang)--> the text

Adapters decide who may ask; this module answers, in the words of `knowledge/` (messages
`admin_*`), in the asker's language. The figures come from the service (`Service.report`,
`Service.unmatched`), which reads the store beside the turns and groups messages in a worker
thread, so an operator's report never holds up a user's reply. A failing command still gets an
answer (`admin_failed`), never silence.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.app.reload import ReloadResult, reload_knowledge, reload_text

if TYPE_CHECKING:
    from bot.app.service import Service
    from bot.knowledge.model import KnowledgeBase

log = logging.getLogger(__name__)

#: the commands, in menu order; their menu descriptions are messages `admin_command_<name>`
ADMIN_COMMANDS = ("reload", "report", "unmatched")
#: what /report and /unmatched look back over
ADMIN_PERIOD = timedelta(days=7)
REASONS_SHOWN = 5
GROUPS_SHOWN = 10

__all__ = ["ADMIN_COMMANDS", "ADMIN_PERIOD", "Admin", "ReloadResult"]

Apply = Callable[["KnowledgeBase"], None]
AfterReload = Callable[[ReloadResult], Awaitable[None]]


class Admin:
    """Answer the operators' commands for one running service."""

    def __init__(
        self,
        service: Service,
        knowledge_dir: str,
        *,
        apply: Apply | None = None,
        after_reload: AfterReload | None = None,
    ) -> None:
        self.service = service
        self.knowledge_dir = knowledge_dir
        #: how a reloaded knowledge base goes live (default: the service serves it)
        self._apply = apply or service.reload
        #: what else a successful reload changes (Telegram: the command menus)
        self._after_reload = after_reload
        self._reloading = asyncio.Lock()

    @property
    def kb(self) -> KnowledgeBase:
        return self.service.kb

    async def answer(self, name: str, lang: str | None = None) -> str:
        """Return the answer to admin command `name` (one of ADMIN_COMMANDS)."""
        try:
            if name == "reload":
                served = self.kb
                return reload_text(served, await self.reload(), lang)
            if name == "report":
                return await self.report_text(lang)
            if name == "unmatched":
                return await self.unmatched_text(lang)
            raise ValueError(f"not an admin command: {name}")
        except Exception as exc:  # a failing report must not leave the admin without an answer
            log.exception("admin /%s failed", name)
            return self.kb.message("admin_failed", lang, error=type(exc).__name__)

    def menu(self, lang: str | None) -> list[tuple[str, str]]:
        """Return (command, description) for each admin command, in `lang`."""
        days = ADMIN_PERIOD.days
        return [(n, self.kb.message(f"admin_command_{n}", lang, days=days)) for n in ADMIN_COMMANDS]

    async def reload(self) -> ReloadResult:
        """Re-read the knowledge folder (`/reload`, SIGHUP); keep the served one on errors."""
        async with self._reloading:
            result = await reload_knowledge(self.knowledge_dir, self._apply)
            if result.ok and self._after_reload is not None:
                await self._after_reload(result)
            return result

    async def report_text(self, lang: str | None) -> str:
        """The headline figures of the last ADMIN_PERIOD."""
        kb = self.kb
        now = self.service.clock()
        since = now - ADMIN_PERIOD
        days = ADMIN_PERIOD.days
        report = await self.service.report(since, now)
        if report.empty:
            return kb.message("admin_report_empty", lang, days=days, since=since)
        o = report.outcomes
        top = sorted((r for r in report.reasons if r.cases), key=lambda r: (-r.cases, r.id))
        reasons = "\n".join(
            kb.message(
                "admin_report_reason",
                lang,
                title=self._title("reason", r.id, lang, r.title),
                cases=r.cases,
                passed=r.passed,
            )
            for r in top[:REASONS_SHOWN]
        )
        return kb.message(
            "admin_report",
            lang,
            days=days,
            since=since,
            conversations=report.conversations_started,
            users=report.active_users,
            cases=o.cases,
            passed=o.passed,
            resolution=_figure(o.resolution_rate),
            rejected_again=o.rejected_again,
            manual_review=o.manual_review,
            lock_risk=o.lock_risk,
            waiting=o.waiting,
            silent=o.silent,
            unmatched=sum(g.count for g in report.unmatched),
            reasons=reasons or "-",
        )

    async def unmatched_text(self, lang: str | None) -> str:
        """The largest groups of messages the bot could not place (redacted), with the entries
        of the knowledge base they came closest to."""
        kb = self.kb
        now = self.service.clock()
        days = ADMIN_PERIOD.days
        groups = await self.service.unmatched(now - ADMIN_PERIOD, now)
        if not groups:
            return kb.message("admin_unmatched_empty", lang, days=days)
        shown = [
            group if group.candidates
            else dataclasses.replace(group, candidates=tuple(self.service.closest(group.text)))
            for group in groups[:GROUPS_SHOWN]
        ]  # fmt: skip
        lines = "\n".join(
            kb.message(
                "admin_unmatched_line",
                lang,
                rank=rank,
                count=group.count,
                text=_clip(group.text, kb.policy.admin_quote_chars),
                closest=", ".join(
                    f"{self._title(c.kind, c.id, lang)} ({c.score:g})" for c in group.candidates
                )
                or "-",
            )
            for rank, group in enumerate(shown, 1)
        )
        return kb.message(
            "admin_unmatched",
            lang,
            days=days,
            count=sum(g.count for g in groups),
            groups=len(groups),
            shown=len(shown),
            lines=lines,
        )

    def _title(self, kind: str, entry_id: str, lang: str | None, default: str = "") -> str:
        """Return a reason's or topic's title in `lang` (`default` or its id if it is gone)."""
        table: Any = self.kb.reasons if kind == "reason" else self.kb.topics
        entry = table.get(entry_id)
        return entry.title.get(lang) if entry is not None else default or entry_id


def _figure(value: float | None) -> str:
    """Format a percentage for a chat message: `67`, `66.7`, or `-` when there is none."""
    return "-" if value is None else f"{value:.1f}".removesuffix(".0")


def _clip(text: str, limit: int) -> str:
    """Return `text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
