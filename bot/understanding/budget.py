"""A per-message work budget, counted in steps (characters scanned, postings walked...).

Every pass over a message spends steps in proportion to the work it does. A message that runs
out is "not understood" (the matcher returns no match), so no message can hold the bot for long
whatever it contains. Steps, not seconds: the count is the same on every machine, so tests can
assert it.
"""

from __future__ import annotations


class OverBudget(Exception):
    """The message needed more work than its budget allows."""


class Budget:
    """Steps left for one message; `spend` raises `OverBudget` when they run out."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: float = float("inf")) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, steps: int) -> None:
        """Count `steps` of work; raise `OverBudget` past the limit."""
        self.used += steps
        if self.used > self.limit:
            raise OverBudget(f"{self.used} steps > {self.limit}")


def unlimited() -> Budget:
    """Return a budget that never runs out (knowledge texts at build time)."""
    return Budget()
