"""Validation errors for every svmodel input file: problems and pydantic error translation.

Each problem names the file, the line where known, the field path (``outcomes[2].deadweight``),
the value given and what is allowed. Scenario files, tender specifications and bid files share
this module, so the CLI prints them all alike.
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping

from svmodel.errors import InputFileError, Problem, ScenarioError
from svmodel.util.yamlio import Path_, format_path

def problem_at(filename: str, loc: Path_, message: str, lines: Mapping[Path_, int] | None) -> Problem:
    """A Problem at `loc`, with the line of the nearest enclosing field that has one."""
    line = None
    lines = lines or {}
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    return Problem(filename, format_path(loc), message, line)


def raw_at(data: Any, loc: tuple) -> tuple[bool, Any]:
    current = data
    for part in loc:
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, current


def field_path(loc: tuple[Any, ...]) -> Path_:
    """A pydantic error location as a file's field path: the tags pydantic adds for validator
    functions and union branches (``function-after[...]``, ``list[...]``) are not fields."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p)))


def union_errors_once(errors: list[Any]) -> list[Any]:
    """Pydantic errors without the "not a list" branch of a one-number-or-a-list field when the
    number branch already explains the problem at the same field (one message per field)."""
    locs = [field_path(error["loc"]) for error in errors]
    return [error for error, loc in zip(errors, locs)
            if not (error["type"] == "list_type" and locs.count(loc) > 1)]


def most_specific(problems: list[tuple[Path_, str]]) -> list[tuple[Path_, str]]:
    """Drop a problem when another names a field inside it: a value that may be one number or a
    list (a union) fails both ways, and only the problem with the list item helps the user."""
    paths = {path for path, _ in problems}
    return [(path, message) for path, message in problems
            if not any(len(other) > len(path) and other[:len(path)] == path for other in paths)]


def translate(error: Mapping[str, Any], data: Any, allowed: Mapping[str, str],
              fields_at: Mapping[Path_, list[str]] | None = None) -> tuple[Path_, str]:
    """(field path, message) for one pydantic error dict.

    `allowed` maps a field name to a description of what it accepts; `fields_at` maps the path
    of a mapping (with list indexes dropped) to the field names it accepts, for unknown-field
    hints.
    """
    loc = field_path(error["loc"])
    kind = error["type"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    expected = f"; expected {allowed[name]}" if name in allowed else ""
    if kind == "missing":
        return loc, f"required field is missing{expected}"
    if kind == "extra_forbidden":
        parent = tuple(p for p in loc[:-1] if isinstance(p, str))
        fields = (fields_at or {}).get(parent, [])
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = f" (allowed: {', '.join(fields)})" if fields else ""
        return loc, f"unknown field {loc[-1]!r}{hint}{listed}"
    found, raw = raw_at(data, loc)
    shown = repr(raw) if found else repr(error.get("input"))
    if kind in ("greater_than_equal", "greater_than"):
        return loc, f"{shown} is below the minimum{expected}"
    if kind in ("less_than_equal", "less_than"):
        return loc, f"{shown} is above the maximum{expected}"
    if kind == "too_short":
        return loc, f"the list is empty{expected}"
    if kind == "too_long":
        context = error.get("ctx") or {}
        return loc, (f"the list has {context.get('actual_length', 'too many'):,} items; at most "
                     f"{context.get('max_length', '?'):,} are allowed")
    if kind.startswith("svm_"):
        return loc, f"{shown}: {error['msg']}"
    return loc, f"{shown} is not allowed{expected}"


def fields_map(model: type, prefix: Path_ = ()) -> dict[Path_, list[str]]:
    """Field names of a pydantic model and of the models nested in it, by path."""
    from pydantic import BaseModel

    out: dict[Path_, list[str]] = {prefix: list(model.model_fields)}  # type: ignore[attr-defined]
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        for candidate in _model_types(info.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out.update(fields_map(candidate, prefix + (name,)))
    return out


def _model_types(annotation: Any) -> list[Any]:
    found, stack = [], [annotation]
    while stack:
        item = stack.pop()
        found.append(item)
        stack.extend(getattr(item, "__args__", ()) or ())
    return found


def raise_problems(problems: list[Problem], error: type[InputFileError] = ScenarioError) -> None:
    if problems:
        unique = {(p.path, p.message): p for p in problems}
        raise error(sorted(unique.values(), key=lambda p: (p.line or 0, p.path)))
