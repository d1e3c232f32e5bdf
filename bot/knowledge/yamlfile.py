"""YAML with line numbers: every map and list remembers where it was written.

`parse_yaml` builds `YMap`/`YList` values that carry the line of each key and item, reads
`yes`/`no`/`on`/`off` as text (an example "no" stays a string), and reports duplicate keys
instead of silently keeping the last one. Uses libyaml when PyYAML was built with it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.knowledge.ytypes import YList, YMap

_BOOL_TAG = "tag:yaml.org,2002:bool"


#: libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_SAFE_LOADER):  # type: ignore[valid-type, misc]
    """SafeLoader that builds `YMap`/`YList`, reports duplicate keys, and reads yes/no as text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []
        self.source = stream.splitlines()


# YAML 1.1 turns `yes`, `no`, `on`, `off` into booleans: an example "no" would become False.
LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
LineLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _raw(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    result = YMap()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if isinstance(key_node, yaml.ScalarNode):
            key = str(key_node.value)
        else:
            key = str(loader.construct_object(key_node, deep=True))
        if key in result:
            loader.duplicates.append(
                (line, f"duplicate key '{key}' (first at line {result.lines[key]}); "
                       "remove one of them or merge them")
            )
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
        result.raw[key] = _raw(value_node)
    return result


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> YList:
    result = YList()
    result.line = node.start_mark.line + 1
    for item in node.value:
        _joined_items(loader, item)
        result.append(loader.construct_object(item, deep=True))
        result.lines.append(item.start_mark.line + 1)
        result.raw.append(_raw(item))
    return result


def _joined_items(loader: LineLoader, item: yaml.Node) -> None:
    """Report list items that YAML joined into the item above: a plain item whose next lines
    start with "- " (indented deeper than the list, they continue its text instead of starting
    items of their own, and nothing else says so)."""
    if not isinstance(item, yaml.ScalarNode) or item.style not in (None, ""):
        return
    for at in range(item.start_mark.line + 1, min(item.end_mark.line + 1, len(loader.source))):
        if loader.source[at].lstrip().startswith("- "):
            loader.duplicates.append(
                (at + 1, "this line is read as part of the item above it, not as an item of its "
                         f"own (line {item.start_mark.line + 1}): it is indented deeper than the "
                         "list; indent it like the other items"))
            return


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Parse YAML text into YMap/YList values; return it with (line, message) duplicate-key problems.

    The problems also name list items YAML joined into the item above (indented too deep).
    Raises `yaml.YAMLError` on a syntax error.
    """
    loader = LineLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    return data, loader.duplicates

