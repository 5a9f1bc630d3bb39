"""The Value Map workbook layout shared by Excel export and import.

The workbook follows the Social Value UK Value Map (SROI Guide 2012, stages 1-5): stage 1
stakeholders; stage 2 inputs and outcomes; stage 3 indicators, quantities, duration, outcome
start and financial proxies with values and sources; stage 4 deadweight, displacement,
attribution, drop-off and impact; stage 5 (sheet "Social Return") each year's value, discount
factors, present value, net present value and the SROI ratio, all as live formulas.

This module holds only the layout contract (sheet names, column keys, labels, questions) so
that `svmodel.excel.writer` and `svmodel.excel.reader` agree; it imports nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svmodel.parameters import PARAMETERS

# Sheet names, in workbook order.
SCENARIO = "Scenario"
INPUTS = "Inputs"
VALUE_MAP = "Value Map"
SOCIAL_RETURN = "Social Return"
DISCOUNTING = "Discounting"
DEFLATORS = "Deflators"
PROXIES = "Proxies"
UNCERTAINTY = "Uncertainty"
PROVENANCE = "Provenance"
SHEETS = (SCENARIO, INPUTS, VALUE_MAP, SOCIAL_RETURN, DISCOUNTING, DEFLATORS, PROXIES,
          UNCERTAINTY, PROVENANCE)

# Defined names for the headline cells (readers and tests find results through them).
NAME_TOTAL_PV = "svm_total_present_value"
NAME_INPUTS_PV = "svm_inputs_present_value"
NAME_NPV = "svm_net_present_value"
NAME_RATIO = "svm_sroi_ratio"
NAME_NET_RATIO = "svm_net_sroi_ratio"
NAME_PAYBACK = "svm_payback_months"
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

VALUE_MAP_STAGES: tuple[Stage, ...] = (
    Stage("Stage 1: Stakeholders", (
        Column("stakeholder", "Stakeholder", "Who do we have an effect on? Who has an effect on us?", 22),
    )),
    Stage("Stage 2: Outcomes", (
        Column("id", "Outcome id", "A short unique name: letters, digits, _ or -", 18),
        Column("outcome", "Outcome (what changes)", "How would the stakeholder describe the changes?", 34),
        Column("measure", "Measure", "Framework measure id, e.g. K10 (optional)", 10),
    )),
    Stage("Stage 3: Evidencing outcomes and giving them a value", (
        Column("indicator", "Indicator", "How would you measure it?", 28),
        Column("quantity", PARAMETERS["quantity"].heading, "How much change was there?", 11, COUNT),
        Column("duration", PARAMETERS["duration"].heading, "How long does it last?", 10, "0"),
        Column("start_year", PARAMETERS["start_year"].heading, "First year it counts: 1 = the first year", 10, "0"),
        Column("proxy", "Proxy id", "Id in the svmodel proxy library; blank for your own value", 20),
        Column("proxy_name", "Financial proxy", "What proxy would you use to value the change?", 30),
        Column("unit", "Unit", "What the value is per", 16),
        Column("amount", PARAMETERS["value"].heading, "The value in the proxy's own price year", 13, MONEY),
        Column("price_year", "Price year", "e.g. 2019, or a financial year such as 2013/14", 10),
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
        Column("impact", "Impact (£)", "Quantity x value, less deadweight, displacement and attribution",
               14, MONEY, formula=True),
    )),
    Stage("Notes", (
        Column("notes", "Notes", "Assumptions and evidence", 30),
    )),
)
VALUE_MAP_COLUMNS: tuple[Column, ...] = tuple(c for s in VALUE_MAP_STAGES for c in s.columns)

INPUT_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "Stakeholder", "Who invests?", 24),
    Column("description", "Description", "What do they invest?", 34),
    Column("amount", PARAMETERS["amount"].heading, "Value in the scenario price year", 14, MONEY),
    Column("year", PARAMETERS["year"].heading, "Years from now: 0 = today, not discounted", 8, "0"),
    Column("discount_factor", "Discount factor", "From the Discounting sheet", 12, FACTOR, formula=True),
    Column("present_value", "Present value (£)", "Amount x discount factor", 14, MONEY, formula=True),
    Column("notes", "Notes", "", 30),
)

# Scenario settings: (key, label, help). Read back by label, in any order.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("svmodel", "svmodel schema version", "1"),
    ("name", "Name", "The scenario's name"),
    ("organisation", "Organisation", ""),
    ("description", "Description", ""),
    ("kind", "Kind", "forecast or evaluative"),
    ("price_year", "Price year", "Calendar year in whose prices all money is expressed"),
    ("rate", "Discount rate", "A rate such as 3.5%, or green_book / green_book_health"),
    ("first_year_discounted", "First year discounted",
     "TRUE: SROI Guide (year 1 discounted); FALSE: Green Book (year 1 as year 0)"),
    ("proxies", "Proxy packs", "Proxy pack CSV files relative to the scenario file, separated by ;"),
    ("include_transfers", "Include transfers",
     "FALSE (default): transfer payments are fiscal only, left out of the totals; TRUE: counted"),
)
SETTINGS_FIRST_ROW = 4  # the first settings row on the Scenario sheet (label in A, value in B)

# Green Book 2022 Annex A6 bands, as (first year of band) for the Discounting sheet.
BAND_FIRST_YEARS = (1, 31, 76, 126, 201, 301)

UNCERTAINTY_KEY = "Parameter"
UNCERTAINTY_DIST = "dist"


def normalise_label(text: object) -> str:
    """Header text reduced for matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def setting_cell(key: str) -> str:
    """The Scenario sheet cell holding setting `key` in an exported workbook (e.g. B10)."""
    for index, (name, _, _) in enumerate(SETTINGS):
        if name == key:
            return f"B{SETTINGS_FIRST_ROW + index}"
    raise KeyError(key)
