"""Error types and pydantic error translation for tender and bid files.

The machinery lives in `svmodel.scenario.problems`, shared with scenario files, so the CLI prints
tender files exactly like scenario files.
"""

from __future__ import annotations

from svmodel.scenario.problems import (Problem, ScenarioError, fields_map, problem_at, raise_problems,
                                translate)
from svmodel.util.yamlio import format_path

TenderError = ScenarioError  # one error type for every svmodel input file

__all__ = ["Problem", "ScenarioError", "TenderError", "translate", "problem_at", "fields_map",
           "raise_problems", "format_path"]
