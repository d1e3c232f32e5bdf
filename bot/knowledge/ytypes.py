"""The values parsed knowledge files are made of: a mapping and a list that remember their lines.

Apart from `yamlfile.py` (which builds them) so that code which only reads them, and a knowledge
base read back from the cache, does not import the YAML parser.
"""

from __future__ import annotations


class YMap(dict):
    """A YAML mapping that remembers its line, each key's line and each plain scalar's raw text."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str | None] = {}

    def line_of(self, key: str) -> int:
        """Return the line of `key`, or of the mapping itself when the key is absent."""
        return self.lines.get(key, self.line)


class YList(list):
    """A YAML sequence that remembers its line, each item's line and each plain scalar's raw text."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []
        self.raw: list[str | None] = []

