"""Error types and pydantic error translation for tender and bid files.

The machinery lives in `svmodel.scenario.problems`, shared with scenario files, so the CLI prints
tender files exactly like scenario files; tender files raise their own `TenderError`.
"""

from __future__ import annotations

from functools import partial

from svmodel.errors import Problem, TenderError
from svmodel.scenario.problems import fields_map, problem_at, translate
from svmodel.scenario.problems import raise_problems as _raise_problems
from svmodel.util.yamlio import format_path

raise_problems = partial(_raise_problems, error=TenderError)

__all__ = ["Problem", "TenderError", "translate", "problem_at", "fields_map", "raise_problems",
           "format_path"]
