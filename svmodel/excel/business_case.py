"""Which issue 14 business-case fields the Value Map workbook can carry.

The workbook (svmodel.excel.writer) recomputes the SROI figures with live formulas and reads
back into an equivalent scenario. It does not yet carry cohort funnels, disbenefits, agencies,
cashable shares, confidence grades, per-line health discounting, optimism bias or convention
profiles, so exporting a scenario that uses them would lose them silently; the export refuses
instead, naming each field.
"""

from __future__ import annotations

from svmodel.errors import SvmodelError


class WorkbookUnsupportedError(SvmodelError, ValueError):
    """The scenario uses fields the Value Map workbook cannot carry yet."""


_OUTCOME_DEFAULTS = {"cohort": None, "disbenefit": False, "agency": None, "cashable": None,
                     "cashable_from_year": 1, "grade": None, "discount_schedule": "standard",
                     "value_by_year": None}
_SCENARIO_DEFAULTS = {"conventions": "svuk_2012", "optimism_bias": None, "confidence_grades": None}
_INPUT_DEFAULTS = {"agency": None, "type": "revenue"}


def unsupported_fields(model: object) -> list[str]:
    """Field paths set to something the workbook cannot carry (empty when it can)."""
    found = [key for key, default in _SCENARIO_DEFAULTS.items() if getattr(model, key) != default]
    for index, item in enumerate(model.inputs):
        found += [f"inputs[{index}].{k}" for k, d in _INPUT_DEFAULTS.items() if getattr(item, k) != d]
    for index, outcome in enumerate(model.outcomes):
        found += [f"outcomes[{index}].{k}" for k, d in _OUTCOME_DEFAULTS.items() if getattr(outcome, k) != d]
    return found


def check_workbook_supports(model: object, filename: str = "the scenario") -> None:
    found = unsupported_fields(model)
    if found:
        shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
        raise WorkbookUnsupportedError(
            f"{filename}: the Value Map workbook cannot carry the business case fields yet "
            f"({shown}); use `svmodel run` for the business case, or export a copy without them")
