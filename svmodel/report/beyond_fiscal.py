"""Report sections beyond fiscal savings (issue 16): WELLBY lines with their value range, every
overlap across value families with the decision taken, and LM3 beside the SROI.

Built from `svmodel.beyond_fiscal` (the same blocks as `svmodel run --json`); every string reaches
HTML through `svmodel.report.html`, which escapes it. Empty when a scenario uses none of them.

References: HM Treasury (2021) Wellbeing Guidance for Appraisal; SROI Guide (2012) principle 5;
NEF (2002) The Money Trail (LM3).
"""

from __future__ import annotations

from typing import Any

from svmodel.beyond_fiscal import lm3_block, wellbeing_block
from svmodel.report.html import Html, join, paragraph, section, table
from svmodel.util.formatting import money

_MONEY = lambda v: money(v, 0)  # noqa: E731
WELLBY_COLUMNS = [("id", "Line"), ("people", "People"), ("life_satisfaction_change", "Change (0-10)"),
                  ("years", "Years"), ("wellbys", "WELLBYs"), ("present_value_low", "PV at £10,000"),
                  ("present_value", "PV at £13,000"), ("present_value_high", "PV at £16,000")]
OVERLAP_COLUMNS = [("lines", "Lines"), ("rule", "Overlap"), ("decision", "Decision"),
                   ("reason", "Reason given"), ("why", "Why it is flagged")]
LM3_COLUMNS = [("name", "Round 2 spend"), ("kind", "Kind"), ("amount", "Spent locally"),
               ("local_respend", "Re-spent locally (share)"), ("round3", "Round 3")]


def sections(results: Any) -> Html:
    """WELLBYs, overlaps and LM3 sections for the SROI report (empty when none apply)."""
    parts: list[Html] = []
    wellbeing = wellbeing_block(results)
    if wellbeing:
        parts.append(section("Wellbeing (WELLBYs)", table(
            wellbeing, WELLBY_COLUMNS,
            {"people": lambda v: f"{v:,.6g}", "wellbys": lambda v: f"{v:,.4g}",
             **{k: _MONEY for k in ("present_value_low", "present_value", "present_value_high")}},
            numeric=[k for k, _ in WELLBY_COLUMNS[1:]]),
            paragraph("A WELLBY is a one-point change in life satisfaction (0-10) for one person "
                      "for one year, valued at £13,000 in 2019 prices, range £10,000 to £16,000 "
                      "(HM Treasury Wellbeing Guidance for Appraisal, 2021); values are rebased "
                      "to the scenario's prices."), anchor="wellbeing"))
    overlaps = [{**o, "lines": " and ".join(o["lines"]),
                 "decision": o["decision"] + (f" ({o['excluded']} left out)" if o.get("excluded") else "")}
                for o in results.scenario.overlaps]
    if overlaps:
        parts.append(section("Overlaps across value families", table(overlaps, OVERLAP_COLUMNS,
                                                                    wide=("reason", "why")),
                             paragraph("Every overlap the benefit-area graph flags, with the "
                                       "decision the scenario records (SROI Guide principle 5: "
                                       "do not over-claim)."), anchor="overlaps"))
    block = lm3_block(results)
    if block is not None:
        text = (f"LM3 {block['lm3']:.2f} in {block['area']}: {money(block['round1'])} of income, "
                f"{money(block['round2'])} spent locally and {money(block['round3'])} re-spent "
                f"locally, a local economic value of {money(block['local_economic_value'])}. "
                "Shown beside the SROI, never added to its present value (NEF, The Money Trail, 2002).")
        body = [paragraph(text), table(list(block["spend"]), LM3_COLUMNS,
                                       {"amount": _MONEY, "round3": _MONEY,
                                        "local_respend": lambda v: f"{v:.1%}"},
                                       numeric=("amount", "local_respend", "round3"))]
        if block.get("warning"):
            body.append(paragraph(block["warning"], "warnings"))
        parts.append(section("Local multiplier (LM3)", *body, anchor="lm3"))
    return join(parts)
