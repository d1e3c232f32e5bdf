"""Exceptions raised by kyc-helper.

    KycHelperError
     +-- KnowledgeError     the knowledge base has errors (carries every problem, file:line)
     +-- ConfigError        a setting is missing or malformed
     +-- StoreError         the database cannot be read or written right now
     +-- RecipientGone      a user blocked the bot: stop following up
"""

from __future__ import annotations


class KycHelperError(Exception):
    """Root of every error kyc-helper raises on purpose."""


class KnowledgeError(KycHelperError):
    """The knowledge base cannot be used; `problems` holds one `file:line: message` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems) or "invalid knowledge base")


class ConfigError(KycHelperError):
    """A setting is missing or malformed; the message names it."""


class StoreError(KycHelperError):
    """The store failed (locked, read-only, disk full); the turn was not saved."""


class RecipientGone(KycHelperError):
    """The user can no longer be reached (blocked the bot, deleted the chat)."""
