"""The Value Map workbook layout shared by Excel export and import.

The workbook follows the Social Value UK Value Map (SROI Guide 2012, stages 1-5): stage 1
stakeholders; stage 2 inputs and outcomes; stage 3 indicators, quantities, duration, outcome
start and financial proxies with values and sources; stage 4 deadweight, displacement,
attribution, drop-off and impact; stage 5 (sheet "Social Return") each year's value, discount
factors, present value, net present value and the SROI ratio, all as live formulas.

The narrative of issue 15 (svmodel.scenario.narrative) has its own sheet (description, scope,
stakeholders and how they were involved, materiality, limitations) and its own Value Map
columns (intended/unintended change and outputs, as in Social Value UK's Value Map; the
change in the stakeholders' words, the evidence, and one reason column per judgement).
Issue 14's cohort funnels have a sheet of programme years, confidence grades and optimism bias
a Business Case sheet; issue 16's overlaps and LM3 have a sheet each.

This module holds only the layout contract (sheet names, column keys, labels, questions) so
that `svmodel.excel.writer` and `svmodel.excel.reader` agree; it imports only the parameter
registry and the narrative field names (labels and bounds come from svmodel.parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svmodel.parameters import PARAMETERS
from svmodel.scenario.narrative import REASON_FIELDS

# Sheet names, in workbook order.
SCENARIO = "Scenario"
NARRATIVE = "Scope and Stakeholders"
INPUTS = "Inputs"
VALUE_MAP = "Value Map"
COHORTS = "Cohorts"
SOCIAL_RETURN = "Social Return"
BUSINESS_CASE = "Business Case"
DISCOUNTING = "Discounting"
DEFLATORS = "Deflators"
PROXIES = "Proxies"
UNCERTAINTY = "Uncertainty"
OVERLAPS = "Overlaps"
LM3 = "LM3"
PROVENANCE = "Provenance"
SHEETS = (SCENARIO, NARRATIVE, INPUTS, VALUE_MAP, COHORTS, SOCIAL_RETURN, BUSINESS_CASE,
          DISCOUNTING, DEFLATORS, PROXIES, UNCERTAINTY, OVERLAPS, LM3, PROVENANCE)

#: The year grid's length: the last outcome year the workbook's formulas cover (100 years, longer
#: than any appraisal period the Green Book's examples use; a scenario whose horizon is longer
#: widens the grid to its horizon at export). The sheet states the limit, and data validation
#: refuses a duration or start year that would pass it, so lengthening a duration in the
#: workbook keeps the live ratio right. A grid to the registry's 300 years made every export
#: three times larger and slower for years almost no scenario uses.
GRID_YEARS = min(100, int(PARAMETERS["duration"].high))

# Defined names for the headline cells (readers and tests find results through them).
NAME_TOTAL_PV = "svm_total_present_value"
NAME_INPUTS_PV = "svm_inputs_present_value"
NAME_NPV = "svm_net_present_value"
NAME_RATIO = "svm_sroi_ratio"
NAME_NET_RATIO = "svm_net_sroi_ratio"
NAME_PAYBACK = "svm_payback_months"
# issue 14: the economic case after optimism bias and confidence-grade corrections
NAME_COSTS_BEFORE = "svm_costs_before_optimism_bias"
NAME_COSTS = "svm_costs_present_value"
NAME_BENEFITS_BEFORE = "svm_benefits_before_grade_correction"
NAME_BENEFITS = "svm_benefits_present_value"
NAME_NPPV = "svm_net_present_public_value"
NAME_BCR = "svm_benefit_cost_ratio"
NAME_LM3 = "svm_lm3"
BUSINESS_CASE_NAMES = {
    "costs_present_value": NAME_COSTS,
    "benefits_present_value": NAME_BENEFITS,
    "net_present_public_value": NAME_NPPV,
    "benefit_cost_ratio": NAME_BCR,
}
HEADLINE_NAMES = {
    "total_present_value": NAME_TOTAL_PV,
    "total_inputs": NAME_INPUTS_PV,
    "net_present_value": NAME_NPV,
    "sroi_ratio": NAME_RATIO,
    "net_sroi_ratio": NAME_NET_RATIO,
    "payback_months": NAME_PAYBACK,
}


@dataclass(frozen=True)
class Column:
    """One column of a table sheet.

    `key` is the scenario field (or a derived quantity), `label` the header text the import
    matches, `question` the Value Map prompt shown above it, `formula` True for computed
    columns that import ignores (`derived` ones hold a value taken from the library).
    """

    key: str
    label: str
    question: str = ""
    width: float = 14
    number_format: str = "General"
    formula: bool = False
    derived: bool = False  # shown from the library, not a formula; import never reads it


@dataclass(frozen=True)
class Stage:
    title: str
    columns: tuple[Column, ...]


MONEY = '"£"#,##0.00'
PERCENT = "0.0%"
FACTOR = "0.000000"
COUNT = "#,##0.####"

def _reason_label(name: str) -> str:
    what = PARAMETERS[name].label.lower() if name in PARAMETERS else "financial proxy"
    return f"Why this {what}"


CHANGES = ("intended", "unintended")

VALUE_MAP_STAGES: tuple[Stage, ...] = (
    Stage("Stage 1: Stakeholders", (
        Column("stakeholder", "Stakeholder", "Who do we have an effect on? Who has an effect on us?", 22),
        Column("change", "Intended/unintended change", "intended or unintended", 12),
    )),
    Stage("Stage 2: Outputs and outcomes", (
        Column("id", "Outcome id", "A short unique name: letters, digits, _ or -", 18),
        Column("output", "Outputs", "Summary of activity in numbers: what output led to the change?", 24),
        Column("outcome", "Outcome (what changes)", "A short name for the change", 30),
        Column("description", "Description (in the stakeholders' words)",
               "How would the stakeholder describe the changes?", 34),
        Column("measure", "Measure", "Framework measure id, e.g. K10 (optional)", 10),
    )),
    Stage("Stage 3: Evidencing outcomes and giving them a value", (
        Column("indicator", "Indicator", "How would you measure it?", 28),
        Column("evidence", "Evidence (indicator source)", "Where did you get the information from?", 28),
        Column("quantity", PARAMETERS["quantity"].heading, "How much change was there? (a formula "
               "for a cohort funnel or a wellbeing line)", 11, COUNT),
        Column("people", "WELLBY: " + PARAMETERS["people"].heading,
               "Wellbeing line: people whose life satisfaction changes", 10, COUNT),
        Column("life_satisfaction_change", "WELLBY: " + PARAMETERS["life_satisfaction_change"].heading,
               "Wellbeing line: change on the 0-10 scale; quantity = people x change", 11, "0.00"),
        Column("wellby_source", "WELLBY: source", "Where the change in life satisfaction comes from", 18),
        Column("duration", PARAMETERS["duration"].heading, "How long does it last?", 10, "0"),
        Column("start_year", PARAMETERS["start_year"].heading, "First year it counts: 1 = the first year", 10, "0"),
        Column("proxy", "Proxy id", "Id in the svmodel proxy library; blank for your own value", 20),
        Column("proxy_name", "Financial proxy", "What proxy would you use to value the change?", 30),
        Column("unit", "Unit", "What the value is per", 16),
        Column("amount", PARAMETERS["value"].heading, "The value in the proxy's own price year", 13, MONEY),
        Column("price_year", "Price year", "e.g. 2019, or a financial year such as 2013/14", 10),
        Column("disbenefit", "Disbenefit", "TRUE when the change is a loss: its value counts negative", 10),
        Column("factor", "Deflator factor", "GDP deflator: scenario price year / proxy price year",
               11, FACTOR, formula=True),
        Column("unit_value", "Value (£, scenario prices)", "What is the value of the change?",
               14, MONEY, formula=True),
        Column("value_type", "Value type", "fiscal, economic or social", 10),
        Column("beneficiary", "Beneficiary", "Who gains or saves", 16),
        Column("source", "Source", "Where did you get the information from?", 36),
        Column("url", "URL", "Link to the source", 24),
        Column("licence", "Licence", "Licence of the source", 12),
        Column("transfer", "Transfer payment", "TRUE for benefits or taxes: fiscal only, left out "
               "of the total unless the scenario includes transfers", 10, formula=True, derived=True),
    )),
    Stage("Stage 4: Establishing impact", (
        Column("deadweight", PARAMETERS["deadweight"].heading, "What would have happened without the activity?", 11, PERCENT),
        Column("displacement", PARAMETERS["displacement"].heading, "What activity would you displace?", 11, PERCENT),
        Column("attribution", PARAMETERS["attribution"].heading, "Who else contributed to the change?", 11, PERCENT),
        Column("drop_off", PARAMETERS["drop_off"].heading, "Does the outcome drop off in future years?", 11, PERCENT),
        Column("local_share", PARAMETERS["local_share"].heading, "Share of the benefit that stays in "
               "the area (blank = all of it)", 11, PERCENT),
        Column("area", "Area", "The area the local share refers to", 14),
        Column("impact", "Impact (£)", "Quantity x value x local share, less deadweight, displacement "
               "and attribution", 14, MONEY, formula=True),
    )),
    Stage("Business case", (
        Column("agency", "Agency", "Who pays or saves: an agency id (see the Business Case sheet)", 16),
        Column("cashable", "Cashable share (%)", "Share of a fiscal saving that is cashable", 10, PERCENT),
        Column("cashable_from_year", "Cashable from year", "Outcome year from which it is cashable", 10, "0"),
        Column("grade", "Confidence grade", "GMCA grade 1 (best evidence) to 6; blank = ungraded", 10, "0"),
        Column("correction", "Grade correction (%)", "Share of the benefit removed for the grade "
               "(Business Case sheet)", 10, PERCENT, formula=True),
        Column("discount_schedule", "Discount schedule", "standard, or health (Green Book health "
               "schedule for this line)", 11),
    )),
    Stage("Reasons and notes", tuple(
        Column(f"reason_{name}", _reason_label(name), "Why was this figure chosen?", 26)
        for name in REASON_FIELDS) + (
        Column("notes", "Notes", "Assumptions and evidence", 30),
    )),
)
VALUE_MAP_COLUMNS: tuple[Column, ...] = tuple(c for s in VALUE_MAP_STAGES for c in s.columns)

INPUT_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "Stakeholder", "Who invests?", 24),
    Column("description", "Description", "What do they invest?", 34),
    Column("agency", "Agency", "Who pays: an agency id (optional)", 16),
    Column("type", "Cost type", "capital, revenue or in_kind", 10),
    Column("amount", PARAMETERS["amount"].heading, "Value in the scenario price year", 14, MONEY),
    Column("year", PARAMETERS["year"].heading, "Years from now: 0 = today, not discounted", 8, "0"),
    Column("discount_factor", "Discount factor", "From the Discounting sheet", 12, FACTOR, formula=True),
    Column("present_value", "Present value (£)", "Amount x discount factor", 14, MONEY, formula=True),
    Column("ob_factor", "Optimism bias factor", "1 + uplift for the costs it applies to "
           "(Business Case sheet)", 11, FACTOR, formula=True),
    Column("present_value_ob", "Present value after optimism bias (£)", "Present value x optimism "
           "bias factor", 16, MONEY, formula=True),
    Column("notes", "Notes", "", 30),
)

COST_TYPES = ("capital", "revenue", "in_kind")
DISCOUNT_SCHEDULES = ("standard", "health")

#: Cohort funnel rows (issue 14): one per outcome and programme year.
COHORT_COLUMNS: tuple[Column, ...] = (
    Column("id", "Outcome id", "The Value Map line this funnel feeds", 24),
    Column("programme_year", "Programme year", "1, 2, ...: year k's cohort starts counting in "
           "outcome year start + k - 1", 11, "0"),
    Column("need", PARAMETERS["cohort.need"].heading, PARAMETERS["cohort.need"].help, 12, COUNT),
    Column("engagement", PARAMETERS["cohort.engagement"].heading, PARAMETERS["cohort.engagement"].help, 12, PERCENT),
    Column("success", PARAMETERS["cohort.success"].heading, PARAMETERS["cohort.success"].help, 12, PERCENT),
    Column("engaged", "Engaged", "Need x engagement rate", 12, COUNT, formula=True),
    Column("outcomes", "Outcomes achieved", "Engaged x success rate", 12, COUNT, formula=True),
)

STAKEHOLDER_COLUMNS: tuple[Column, ...] = (
    Column("name", "Stakeholder group", "Who?", 28),
    Column("involvement", "How they were involved", "Interviews, surveys, workshops...", 50),
    Column("included", "Included", "TRUE: in the analysis; FALSE: left out (say why)", 10),
    Column("reason", "Reason", "Why included or left out", 50),
)

#: Scenario narrative texts on the Scope and Stakeholders sheet: (key, label, help).
NARRATIVE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("description", "Description", "What the activity is and does"),
    ("scope", "Scope", "What the analysis covers: activities, period, area (SROI Guide stage 1)"),
    ("materiality", "Materiality", "How the material outcomes were chosen (SROI Guide principle 4)"),
    ("limitations", "Limitations", "What the analysis cannot show, and why"),
)

OVERLAP_COLUMNS: tuple[Column, ...] = (
    Column("line_a", "Line A", "An outcome id", 24),
    Column("line_b", "Line B", "An outcome id, or lm3", 24),
    Column("decision", "Decision", "keep or exclude", 10),
    Column("exclude", "Line left out", "With exclude: the line left out (blank = line B)", 20),
    Column("reason", "Reason", "Why the two lines are not the same benefit", 60),
    Column("excluded", "Excluded (live)", "The line left out of the totals", 20, formula=True),
)

LM3_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("area", "Area", "The local area whose economy LM3 traces"),
    ("income", PARAMETERS["lm3_income"].heading, PARAMETERS["lm3_income"].help),
    ("source", "Source", "Where the figures come from"),
)
LM3_COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", "A supplier group or the staff", 28),
    Column("kind", "Kind", "supplier or staff", 10),
    Column("amount", PARAMETERS["lm3_spend"].heading, PARAMETERS["lm3_spend"].help, 16, MONEY),
    Column("local_respend", PARAMETERS["local_respend"].heading, PARAMETERS["local_respend"].help, 14, PERCENT),
    Column("source", "Source", "", 30),
    Column("round3", "Round 3 (£)", "Amount x local re-spend", 14, MONEY, formula=True),
)

#: Business case settings (issue 14) on the Business Case sheet: (key, label, help).
BUSINESS_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("ob_category", "Optimism bias category", "A published category (table below), or blank"),
    ("ob_uplift", "Optimism bias uplift", "An own uplift (e.g. 41%) when no category is given"),
    ("ob_source", "Optimism bias source", "The source of an own uplift"),
    ("ob_applies_to", "Optimism bias applies to", "capital (default) or all"),
    ("grades_source", "Confidence grade corrections source",
     "The source of the correction table below (svmodel ships none)"),
)
GRADES = tuple(range(1, 7))

# Scenario settings: (key, label, help). Read back by label, in any order.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("svmodel", "svmodel schema version", "1"),
    ("name", "Name", "The scenario's name"),
    ("organisation", "Organisation", ""),
    ("kind", "Kind", "forecast or evaluative"),
    ("price_year", "Price year", "Calendar year in whose prices all money is expressed"),
    ("rate", "Discount rate", "A rate such as 3.5%, or green_book / green_book_health"),
    ("first_year_discounted", "First year discounted",
     "TRUE: SROI Guide (year 1 discounted); FALSE: Green Book (year 1 as year 0)"),
    ("proxies", "Proxy packs", "Proxy pack CSV files relative to the scenario file, separated by ;"),
    ("include_transfers", "Include transfers",
     "FALSE (default): transfer payments are fiscal only, left out of the totals; TRUE: counted"),
    ("conventions", "Conventions", "svuk_2012 (default), green_book_2022, green_book_2026 or "
     "gmca_cba_2014; a profile other than svuk_2012 fixes the two discounting rows"),
    ("deflator_vintage", "Deflator vintage", "Blank for the newest shipped HM Treasury GDP deflator "
     "series, or the name of a shipped vintage"),
    ("area", "Area", "The area local shares refer to (optional)"),
)
CONVENTIONS = ("svuk_2012", "green_book_2022", "green_book_2026", "gmca_cba_2014")
SETTINGS_FIRST_ROW = 4  # the first settings row on the Scenario sheet (label in A, value in B)

# Green Book 2022 Annex A6 bands, as (first year of band) for the Discounting sheet.
BAND_FIRST_YEARS = (1, 31, 76, 126, 201, 301)

UNCERTAINTY_KEY = "Parameter"
UNCERTAINTY_DIST = "dist"
#: Uncertainty rows whose whole value is JSON in the `json` column (issue 16: shared
#: distributions and rank correlations have no one-row form).
UNCERTAINTY_JSON = "json"
UNCERTAINTY_JSON_ROWS = ("shared", "correlations")


def normalise_label(text: object) -> str:
    """Header text reduced for matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def setting_cell(key: str, table: tuple[tuple[str, str, str], ...] = SETTINGS) -> str:
    """The sheet cell holding setting `key` of `table` in an exported workbook (e.g. B10)."""
    for index, (name, _, _) in enumerate(table):
        if name == key:
            return f"B{SETTINGS_FIRST_ROW + index}"
    raise KeyError(key)
