"""Safe YAML loading that rejects duplicate keys and remembers where each field stands.

Only `yaml.SafeLoader` is used: a scenario file can never build Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A YAML document that cannot be read: syntax error, duplicate key, empty file."""

    message: str
    line: int | None = None
    path: Path_ = ()

    def __str__(self) -> str:
        return self.message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose mappings refuse a key given twice."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    first_line: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in mapping:
            raise YamlProblem(
                f"duplicate key {key!r}: first given on line {first_line[key]}, again on line {line}; "
                "a key may appear only once in a mapping",
                line=line,
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
        first_line[key] = line
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_map(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            lines[key_path] = key_node.start_mark.line + 1
            _line_map(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), lines)


def load_yaml(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from field path to 1-based line.

    Raises YamlProblem for a syntax error, a duplicate key or an empty document.
    """
    if not text.strip():
        raise YamlProblem("the file is empty; a scenario file starts with `svmodel: 1`", line=None)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem("the file holds no YAML document (only comments?)")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            what += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise YamlProblem(f"YAML syntax error: {what}", line=line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    _line_map(node, (), lines)
    return data, lines


def format_path(path: Path_) -> str:
    """('outcomes', 2, 'deadweight') -> 'outcomes[2].deadweight'.

    A key that contains a dot (an uncertainty key such as "care.deadweight") is shown in
    brackets so the path stays unambiguous: uncertainty["care.deadweight"].high.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in str(part) and out:
            out += f'["{part}"]'
        else:
            out += f".{part}" if out else str(part)
    return out
