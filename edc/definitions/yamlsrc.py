"""YAML documents that remember where each value came from.

PyYAML's safe loader builds plain Python data but forgets line numbers and
silently keeps the last of two duplicate keys. Definitions need both: every
error is reported as file:line, and a duplicated key is an error. This module
composes the node tree once, converts it to data, and records the line of
every mapping key and sequence entry under its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from edc.definitions.problems import Problems

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDoc:
    """A parsed YAML file: its data and the line of every path in it."""

    file: Path
    data: Any
    lines: dict[PathKey, int]

    def line(self, path: PathKey) -> int:
        """Line of `path`, or of its nearest recorded ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def read_yaml(file: Path, problems: Problems, display: str | None = None) -> SourceDoc | None:
    """Parse `file`; on a syntax error record it and return None."""
    shown = display or str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(shown, 1, f"cannot read file: {exc}")
        return None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.add(shown, 1, "file is empty")
            return None
        lines: dict[PathKey, int] = {(): node.start_mark.line + 1}
        data = _convert(node, (), lines, loader, problems, shown)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.add(shown, line, f"YAML syntax error: {exc.problem or exc}")
        return None
    finally:
        loader.dispose()
    return SourceDoc(Path(shown), data, lines)


def _convert(
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    loader: yaml.SafeLoader,
    problems: Problems,
    shown: str,
) -> Any:
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(node, path, lines, loader, problems, shown)
    if isinstance(node, yaml.SequenceNode):
        # Tuples, not lists: the definition models are frozen and validated strictly.
        items = []
        for index, child in enumerate(node.value):
            lines[path + (index,)] = child.start_mark.line + 1
            items.append(_convert(child, path + (index,), lines, loader, problems, shown))
        return tuple(items)
    return loader.construct_object(node, deep=True)


def _convert_mapping(
    node: yaml.MappingNode,
    path: PathKey,
    lines: dict[PathKey, int],
    loader: yaml.SafeLoader,
    problems: Problems,
    shown: str,
) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.add(shown, line, "YAML merge keys (<<) are not supported; write the keys out")
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)):
            problems.add(shown, line, f"mapping key must be a string, got {key!r}")
            continue
        if key in result:
            first = lines[path + (key,)]
            problems.add(shown, line, f"duplicate key '{key}' (first given on line {first})")
            continue
        lines[path + (key,)] = line
        result[key] = _convert(value_node, path + (key,), lines, loader, problems, shown)
    return result
