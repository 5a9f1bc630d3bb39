"""The scenario contract (file version 1) and its parts.

- `schema`: the pydantic model of a scenario file, validation and the resolved `Scenario`;
- `problems`: `Problem` records (file, line, field path, message) and error translation;
- `distributions`: the `uncertainty:` section's distributions, parsed once;
- `double_counting`: warnings for benefits counted twice.

References: SROI Guide (2012) stages 2-4; docs/scenario-files.md (the file contract).
"""

from svmodel.scenario.problems import Problem, ScenarioError
from svmodel.scenario.schema import (
    Line,
    Scenario,
    dump_scenario,
    file_hash,
    load_scenario,
    parse_scenario,
    validate_data,
)

__all__ = [
    "Line", "Problem", "Scenario", "ScenarioError", "dump_scenario", "file_hash", "load_scenario",
    "parse_scenario", "validate_data",
]
