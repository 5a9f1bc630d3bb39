"""The scenario contract (file version 1) and its parts.

- `schema`: the pydantic model of a scenario file (field types, bounds from the registry);
- `loading`: reading, validating (all or nothing) and saving scenario files;
- `resolved`: the validated `Scenario` and its lines (`Line`), values rebased to the price year;
- `narrative`: scope, stakeholders, materiality and each line's reasons (issue 15);
- `problems`: `Problem` records (file, line, field path, message) and error translation;
- `distributions`: the `uncertainty:` section's distributions, parsed once;
- `double_counting`: warnings for benefits counted twice.

References: SROI Guide (2012) stages 2-4; docs/scenario-files.md (the file contract).
"""

from svmodel.scenario.problems import Problem, ScenarioError
from svmodel.scenario.loading import (
    dump_scenario,
    file_hash,
    load_scenario,
    parse_scenario,
    validate_data,
)
from svmodel.scenario.resolved import Line, Scenario

__all__ = [
    "Line", "Problem", "Scenario", "ScenarioError", "dump_scenario", "file_hash", "load_scenario",
    "parse_scenario", "validate_data",
]
