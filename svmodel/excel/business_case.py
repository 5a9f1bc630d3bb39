"""Which issue 14 business-case fields the Value Map workbook can carry.

The workbook (svmodel.excel.writer) recomputes the SROI figures with live formulas and reads
back into an equivalent scenario. It carries cohort funnels (Cohorts sheet), disbenefits,
agencies, cost types, cashable shares, confidence grades and their correction table, per-line
health discounting, optimism bias and convention profiles. It has no formulas for values that
change by year (`value_by_year`: a DESNZ series or real growth), so exporting a scenario that
uses them would give a workbook that disagrees with svmodel; the export refuses instead,
naming each field.
"""

from __future__ import annotations

from svmodel.errors import SvmodelError


class WorkbookUnsupportedError(SvmodelError, ValueError):
    """The scenario uses fields the Value Map workbook cannot carry yet."""


_OUTCOME_DEFAULTS = {"value_by_year": None}


def unsupported_fields(model: object) -> list[str]:
    """Field paths set to something the workbook cannot carry (empty when it can)."""
    found: list[str] = []
    for index, outcome in enumerate(model.outcomes):
        found += [f"outcomes[{index}].{k}" for k, d in _OUTCOME_DEFAULTS.items() if getattr(outcome, k) != d]
    return found


def check_workbook_supports(model: object, filename: str = "the scenario") -> None:
    found = unsupported_fields(model)
    if found:
        shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
        raise WorkbookUnsupportedError(
            f"{filename}: the Value Map workbook has no formulas for values that change by year "
            f"({shown}); use `svmodel run` for this scenario, or export a copy without them")
