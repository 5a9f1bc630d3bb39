"""The parameter registry: every model parameter defined once, with its label, unit, kind,
bounds, help text and reference.

Validation (scenario files, tender files, explorer controls), the explorer's controls, the
Value Map workbook's column labels, the uncertainty ranges and the switching-value search, and
the CLI's lists of parameters are all derived from `PARAMETERS`; no other module writes a bound
or a label of its own. The bounds also keep hostile input finite: a duration, a start year or an
input year beyond `MAX_YEARS` is refused before any array is allocated.

References: SROI Guide (2012) stage 4 (deadweight, displacement, attribution, drop-off,
duration); HM Treasury Green Book (2022) Annex A6 (discount rates); OpenFisca's self-describing
parameters (one definition from which checks, forms and documentation are derived).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from svmodel.util.limits import MAX_MONEY, MAX_QUANTITY, MAX_YEAR

# "whole": whole years; "count": another whole number (a grade); "share": a fraction or percentage
# whose bounds are not 0..1 (an uplift up to 1,000%, a growth rate from -50% to 50%)
Kind = Literal["fraction", "share", "number", "money", "whole", "count", "rate", "factor"]
Scope = Literal["line", "input", "scenario"]

# The numeric bounds come from svmodel.util.limits, which gives the reason for each value: years up to
# the end of the Green Book's discount table (300), money up to GBP 10 trillion, quantities up to
# a trillion units.
MAX_YEARS = MAX_YEAR


@dataclass(frozen=True)
class Parameter:
    """One model parameter: what it is, where it lives and which values it may take."""

    name: str                 # the scenario field name (the JSON and uncertainty key)
    label: str                # a human label for controls, columns and reports
    unit: str                 # shown in headings: "%", "£", "years", "year", "x" or "" (none)
    kind: Kind
    scope: Scope
    low: float
    high: float
    help: str
    reference: str
    low_open: bool = False
    high_open: bool = False
    uncertain: bool = True    # may carry an `uncertainty:` distribution
    # "always": swept by one-way sensitivity and switching values on every line; "when_set": only
    # on lines where the value differs from `neutral` (e.g. a local share below 1) or carries a
    # distribution, so files that never use the parameter get the tables they always had.
    sweep: Literal["always", "when_set"] = "always"
    neutral: float | None = None
    group: str = ""           # "cohort": a part of a line's cohort funnel (key line.cohort.need)

    @property
    def whole(self) -> bool:
        return self.kind in ("whole", "count")

    @property
    def percent_text(self) -> bool:
        """Accepts "30%" as well as 0.3 in files and shows percentages in views."""
        return self.kind in ("fraction", "share", "rate")

    @property
    def heading(self) -> str:
        """Column heading with its unit, e.g. "Deadweight (%)", "Duration (years)"."""
        return f"{self.label} ({self.unit})" if self.unit and self.unit != "x" else self.label

    @property
    def text(self) -> str:
        return self.allowed

    @property
    def allowed(self) -> str:
        """What is allowed, in words, for error messages."""
        if self.kind == "fraction":
            return 'a fraction from 0 to 1 (such as 0.3) or a percentage from "0%" to "100%"'
        if self.kind == "rate":
            return 'a rate from 0 up to (not including) 1, such as 0.035 or "3.5%"'
        if self.kind == "whole":
            return f"a whole number of years, at least {self.low:g} and at most {self.high:g}"
        if self.kind == "count":
            return f"a whole number from {self.low:g} to {self.high:g}"
        if self.kind == "share":
            return (f'a number from {self.low:g} to {self.high:g} (such as 0.41) or a percentage '
                    f'from "{self.low * 100:g}%" to "{self.high * 100:g}%"')
        low = f"above {self.low:g}" if self.low_open else f"at least {self.low:g}"
        what = {"money": "an amount in pounds", "factor": "a factor"}.get(self.kind, "a number")
        return f"{what} {low} and at most {self.high:,.0f}"

    def contains(self, value: Any) -> bool:
        """True when `value` is a finite number inside the bounds (and whole where required)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        x = float(value)
        if not math.isfinite(x):
            return False
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return above and below and (not self.whole or x.is_integer())

    def contains_all(self, values: Any) -> bool:
        """`contains` for every element of an array (draws of a distribution)."""
        import numpy as np

        x = np.asarray(values, dtype=float)
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        ok = above & below & np.isfinite(x)
        if self.whole:
            ok &= x == np.round(x)
        return bool(np.all(ok))

    def problem(self, value: Any) -> str | None:
        """None when `value` is allowed, else a message naming the value and what is allowed."""
        return None if self.contains(value) else f"{value!r} is not allowed; expected {self.allowed}"


_SROI = "SROI Guide (2012) stage 4"
_PARAMETERS = (
    Parameter("quantity", "Quantity", "", "number", "line", 0.0, MAX_QUANTITY,
              "How much change: the number of people, admissions, tonnes... the outcome counts",
              "SROI Guide (2012) stage 3"),
    Parameter("value", "Proxy value", "£", "money", "line", 0.0, MAX_MONEY,
              "The financial proxy's value per unit, in its own price year",
              "SROI Guide (2012) stage 3"),
    Parameter("deadweight", "Deadweight", "%", "fraction", "line", 0.0, 1.0,
              "The share of the outcome that would have happened anyway", _SROI),
    Parameter("displacement", "Displacement", "%", "fraction", "line", 0.0, 1.0,
              "The share of the outcome that displaces other outcomes", _SROI),
    Parameter("attribution", "Attribution", "%", "fraction", "line", 0.0, 1.0,
              "The share of the outcome due to other people or organisations", _SROI),
    Parameter("drop_off", "Drop-off", "%", "fraction", "line", 0.0, 1.0,
              "The share by which the outcome declines each year after its first", _SROI),
    Parameter("duration", "Duration", "years", "whole", "line", 1.0, float(MAX_YEARS),
              "How many years the outcome lasts", _SROI),
    Parameter("start_year", "Outcome start", "year", "whole", "line", 1.0, float(MAX_YEARS),
              "The year the outcome first counts: 1 = the first year", _SROI, uncertain=False),
    Parameter("amount", "Amount", "£", "money", "input", 0.0, MAX_MONEY,
              "The input's value in the scenario's price year", "SROI Guide (2012) stage 2",
              uncertain=False),
    Parameter("year", "Year", "", "whole", "input", 0.0, float(MAX_YEARS),
              "When the input is made: 0 = today, not discounted",
              "HM Treasury Green Book (2022) Annex A6", uncertain=False),
    Parameter("discount_rate", "Discount rate", "%", "rate", "scenario", 0.0, 1.0,
              "The flat annual discount rate, or the first band of a Green Book schedule",
              "HM Treasury Green Book (2022) Annex A6", high_open=True),
    Parameter("inputs", "Inputs (factor)", "x", "factor", "scenario", 0.0, 1000.0,
              "A factor that scales every input (1 = as given)", "SROI Guide (2012) stage 5",
              low_open=True),
    # ---- issue 16: wellbeing (WELLBY), leakage and place, local multiplier (LM3) ----------------
    Parameter("local_share", "Local share", "%", "fraction", "line", 0.0, 1.0,
              "The share of the benefit that stays in the named area (1 - leakage); 1 = all of it",
              "Homes and Communities Agency (2014) Additionality Guide, 4th ed., section 4.2 (leakage)",
              sweep="when_set", neutral=1.0),
    Parameter("life_satisfaction_change", "Life satisfaction change", "points", "number", "line",
              0.0, 10.0,
              "The average change in life satisfaction per person, on the 0-10 ONS scale",
              "HM Treasury (2021) Wellbeing Guidance for Appraisal: Supplementary Green Book Guidance",
              uncertain=False),
    Parameter("people", "People", "", "number", "line", 0.0, MAX_QUANTITY,
              "How many people the change in life satisfaction applies to",
              "HM Treasury (2021) Wellbeing Guidance for Appraisal: Supplementary Green Book Guidance",
              uncertain=False),
    Parameter("lm3_income", "Round 1 income", "£", "money", "scenario", 0.0, MAX_MONEY,
              "LM3 round 1: the income (e.g. the contract value) whose local circulation is traced",
              "New Economics Foundation (2002) The Money Trail: measuring your impact on the local "
              "economy using LM3 (J. Sacks)", uncertain=False),
    Parameter("lm3_spend", "Local spend (round 2)", "£", "money", "scenario", 0.0, MAX_MONEY,
              "LM3 round 2: the part of round 1 spent with local suppliers or on local staff",
              "New Economics Foundation (2002) The Money Trail (LM3)", uncertain=False),
    Parameter("local_respend", "Local re-spend", "%", "fraction", "scenario", 0.0, 1.0,
              "LM3 round 3: the share of their income that local suppliers or staff spend locally",
              "New Economics Foundation (2002) The Money Trail (LM3)", uncertain=False),
)

# --------------------------------------------------------------------------- issue 14
_GMCA = ("HM Treasury / GMCA (2014), Supporting public service transformation: cost benefit "
         "analysis guidance for local partnerships")
_BUSINESS_CASE = (
    Parameter("cohort.need", "Cohort (need)", "", "number", "line", 0.0, MAX_QUANTITY,
              "The people in need who could use the service (the cohort) in a programme year",
              _GMCA, group="cohort"),
    Parameter("cohort.engagement", "Engagement rate", "%", "fraction", "line", 0.0, 1.0,
              "The share of the cohort who engage with the service", _GMCA, group="cohort"),
    Parameter("cohort.success", "Success rate", "%", "fraction", "line", 0.0, 1.0,
              "The share of those engaged for whom the outcome is achieved (impact rate)",
              _GMCA, group="cohort"),
    Parameter("grade", "Confidence grade", "", "count", "line", 1.0, 6.0,
              "The confidence grade of the evidence for a value or an impact: 1 (independently "
              "audited, robust) to 6 (expert judgement, little evidence)", _GMCA, uncertain=False),
    Parameter("optimism_bias_uplift", "Optimism bias uplift", "%", "share", "scenario", 0.0, 10.0,
              "The uplift applied to costs for optimism bias, e.g. 0.41 for 41%",
              "HM Treasury (2003) Green Book supplementary guidance: optimism bias (Mott MacDonald "
              "2002, Review of large public procurement in the UK)", uncertain=False),
    Parameter("real_growth", "Real growth of the value", "%", "share", "line", -0.5, 0.5,
              "The yearly real-terms growth of a value (e.g. of the value of a prevented fatality)",
              "HM Treasury Green Book (2022) Annex A1 (real price changes)", uncertain=False),
)
_PARAMETERS = _PARAMETERS + _BUSINESS_CASE

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _PARAMETERS}

#: The adjustments of SROI Guide stage 4, in the order the Guide applies them.
ADJUSTMENTS: tuple[str, ...] = ("deadweight", "displacement", "attribution", "drop_off")
#: Parameters measured as fractions 0..1 (shown as percentages).
FRACTIONS: tuple[str, ...] = tuple(p.name for p in _PARAMETERS if p.kind == "fraction")
#: Per-line parameters that can carry an uncertainty distribution (`line_id.parameter`).
LINE_PARAMETERS: tuple[str, ...] = tuple(p.name for p in _PARAMETERS
                                         if p.scope == "line" and p.uncertain and not p.group)
#: The cohort funnel's parts (issue 14): keys `outcome_id.cohort.need` etc., for lines with a funnel.
COHORT_PARAMETERS: tuple[str, ...] = tuple(p.name for p in _PARAMETERS if p.group == "cohort")
#: Scenario-wide parameters that can carry an uncertainty distribution.
SCENARIO_PARAMETERS: tuple[str, ...] = tuple(p.name for p in _PARAMETERS
                                             if p.scope == "scenario" and p.uncertain)
#: Line parameters swept on every line whatever its value (the rest only where set).
ALWAYS_SWEPT: tuple[str, ...] = tuple(p for p in LINE_PARAMETERS if PARAMETERS[p].sweep == "always")
#: Every parameter sensitivity analysis and Monte Carlo can vary.
UNCERTAIN_PARAMETERS: tuple[str, ...] = LINE_PARAMETERS + SCENARIO_PARAMETERS + COHORT_PARAMETERS


def fraction_from_text(text: str) -> float:
    """ "30%" -> 0.3, "0.3" -> 0.3: the text forms a fraction or a rate may take in a file.
    Raises ValueError for anything else; bounds are checked by the caller."""
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


class CellError(ValueError):
    """A table cell (CSV text or a spreadsheet value) that is not an allowed value of its
    parameter; the message names the value and what is allowed."""


def parse_cell(value: Any, name: str, required: bool = False) -> float | None:
    """A table cell as a value of parameter `name`, within the registry's bounds.

    Blank is None (or an error when `required`); "1,200" and "£1,200" read as 1200; "30%" reads
    as 0.3 for parameters shown as percentages. One parser for every table svmodel reads (proxy
    packs, bid forms, delivery and ledger returns), so a cell means the same everywhere.
    """
    p = parameter(name)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise CellError(f"a number is required; expected {p.allowed}")
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number; expected {p.allowed}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("£", "").replace(" ", "")
        try:
            number = fraction_from_text(text) if p.percent_text else float(text)
        except ValueError:
            what = "a fraction or a percentage" if p.percent_text else "a number"
            raise CellError(f"{value!r} is not {what}; expected {p.allowed}") from None
    if not math.isfinite(number):
        raise CellError(f"{value!r} is not a finite number; expected {p.allowed}")
    if number < 0 <= p.low:
        raise CellError(f"{value!r} is negative; expected {p.allowed}")
    if not p.contains(number):
        hint = ""
        if p.percent_text and p.high <= 1 < number <= 100 and not (isinstance(value, str) and "%" in value):
            hint = f" (for {number:g} percent write {number:g}% or {number / 100:g})"
        if number >= p.high:
            what = "amount" if p.kind == "money" else "value"
            raise CellError(f"{value!r} is above the largest {what} allowed; expected {p.allowed}{hint}")
        raise CellError(f"{value!r} is out of range; expected {p.allowed}{hint}")
    return number


def parameter(name: str) -> Parameter:
    """The registry entry for `name`; KeyError names the known parameters."""
    try:
        return PARAMETERS[name]
    except KeyError:
        raise KeyError(f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}") from None
