"""Find and mask personal data: the API the rest of the bot uses (see bot/understanding/privacy/)."""

from bot.understanding.privacy import (
    ADVICE,
    MASK_ONLY_KINDS,
    MASKS,
    WARN_KINDS,
    Finding,
    configure,
    find_sensitive,
    fingerprint,
    greeting_words,
    redact,
)

__all__ = [
    "ADVICE", "MASKS", "MASK_ONLY_KINDS", "WARN_KINDS", "Finding", "configure", "find_sensitive",
    "fingerprint", "greeting_words", "redact",
]
