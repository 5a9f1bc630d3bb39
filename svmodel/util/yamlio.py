"""Safe YAML loading that rejects duplicate keys and remembers where each field stands.

Only `yaml.SafeLoader` is used: a scenario file can never build Python objects. Hostile
documents are refused with a line number before they cost memory or time (bounds in
svmodel.util.limits): nesting deeper than MAX_YAML_DEPTH, an alias that refers to the node
containing it, and more than MAX_YAML_NODES nodes once aliases are expanded ("billion
laughs"; the size is counted over the shared node graph without expanding it). The line map
records each aliased node once and never walks an alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from svmodel.util.limits import MAX_YAML_DEPTH, MAX_YAML_NODES

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
    """SafeLoader whose mappings refuse a key given twice, and whose composer refuses
    nesting deeper than MAX_YAML_DEPTH (PyYAML composes recursively)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:  # type: ignore[override]
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"the document is nested more than {MAX_YAML_DEPTH} levels deep; "
                                  "a scenario file needs about five", line=mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    first_line: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise YamlProblem(f"a mapping key must be a text or a number, not a {_kind(key_node)}",
                              line=line) from None
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


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "scalar"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node, limit: int = MAX_YAML_NODES) -> int:
    """The number of nodes the document has once aliases are expanded, counted over the
    shared node graph (each node once, iteratively) without expanding anything.

    Raises YamlProblem for an alias inside the node it refers to (a recursive structure,
    which no scenario needs) and for more than `limit` expanded nodes.
    """
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            visiting.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            if size[key] > limit:  # the first (innermost) node that expands too far
                raise YamlProblem(f"this value expands to more than {limit:,} values once its aliases "
                                  "(*name) are repeated; a scenario file needs far fewer (is it a "
                                  "'billion laughs' alias bomb?)", line=node.start_mark.line + 1)
            continue
        if key in size:
            continue
        if key in visiting:
            raise YamlProblem("an alias refers to a node that contains it (a recursive structure); "
                              "anchors and aliases may only repeat a finished node",
                              line=node.start_mark.line + 1)
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    return size[id(root)]


def _line_map(root: yaml.Node, lines: dict[Path_, int]) -> None:
    """Record the line of each field path. A node reached a second time (through an alias)
    gets the alias's line but is not walked again, so the map grows with the file, never
    with the expanded document; paths inside an alias fall back to the alias's line."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, Path_]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key_path = path + (key_node.value,)
                lines[key_path] = key_node.start_mark.line + 1
                children.append((value_node, key_path))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, path + (index,)) for index, item in enumerate(node.value)]
        stack.extend(reversed(children))  # walked in document order: an anchor before its aliases


def load_yaml(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from field path to 1-based line.

    Raises YamlProblem for a syntax error, a duplicate key or an empty document.
    """
    if not text.strip():
        raise YamlProblem("the file is empty; a scenario file starts with `svmodel: 1`", line=None)
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # the reader checks for control characters here
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem("the file holds no YAML document (only comments?)")
        check_expansion(node)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            what += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise YamlProblem(f"YAML syntax error: {what}", line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlProblem(f"the file contains the control character {char}, which YAML does not allow "
                          "(is it a binary file?)", line=line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"YAML syntax error: {exc}") from None
    except RecursionError:  # a safety net: MAX_YAML_DEPTH stops nesting well before this
        raise YamlProblem(f"the document is nested too deeply (more than {MAX_YAML_DEPTH} levels)") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Path_, int] = {}
    _line_map(node, lines)
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
