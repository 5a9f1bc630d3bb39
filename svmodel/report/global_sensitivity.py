"""The report's global sensitivity part (issue 16): Sobol' indices of the SROI ratio as a chart,
a table and one sentence naming the assumption to evidence next.

`section(scenario, seed)` runs `svmodel.uncertainty.sobol.sobol_indices` and returns an `Html`
fragment; `sobol_chart(rows)` and `sobol_rows(rows)` build its parts from the index rows, so a
notebook or the portfolio can reuse them. Chart text comes from parameter keys and is drawn by
matplotlib (no HTML); every string reaching HTML goes through `svmodel.report.html`, which
escapes it.

References: A. Saltelli et al. (2008) Global Sensitivity Analysis: The Primer (first-order and
total indices; "factor prioritisation": evidence the factor with the largest total index first);
HM Treasury Green Book (2022) Annex A5.
"""

from __future__ import annotations

import textwrap
from typing import Any, Sequence

from matplotlib.figure import Figure

from svmodel.report.charts import PALETTE
from svmodel.report.html import Html, figure, paragraph, section, table

#: Saltelli base sample the report uses: N (parameters + 2) model runs.
REPORT_BASE_SAMPLES = 512
SOBOL_COLUMNS = [("parameter", "Parameter (or shared distribution)"), ("first_order", "First-order index"),
                 ("total", "Total index"), ("total_conf", "Total index ± (95%)"),
                 ("distribution", "Distribution")]
SOBOL_FORMATS = {k: (lambda v: f"{v:.3f}") for k in ("first_order", "total", "total_conf")}
SOBOL_NUMERIC = ("first_order", "total", "total_conf")


def sobol_chart(rows: Sequence[dict[str, Any]], top: int = 12,
                figsize: tuple[float, float] = (7, 3.4)) -> Figure:
    """Paired horizontal bars: each parameter's first-order and total Sobol' index, largest
    total on top."""
    shown = list(rows)[:top][::-1]
    fig = Figure(figsize=(figsize[0], max(figsize[1], 0.45 * len(shown) + 1.2)), layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(shown)))
    ax.barh([v + 0.2 for v in y], [max(r["total"], 0.0) for r in shown], 0.4, color=PALETTE[0],
            label="Total (with interactions)")
    ax.barh([v - 0.2 for v in y], [max(r["first_order"], 0.0) for r in shown], 0.4,
            color=PALETTE[1], label="First order (alone)")
    # Long labels ("Outcome text: parameter") wrap onto short lines so the bars keep their width.
    ax.set_yticks(y, [textwrap.fill(str(r["parameter"]), 32) for r in shown], fontsize=7.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of the variance of the SROI ratio")
    ax.set_title("Which assumption matters: Sobol' indices")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def sobol_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: r.get(k) for k, _ in SOBOL_COLUMNS} for r in rows]


def key_label(key: str, outcomes: dict[str, str]) -> str:
    """ "living_independently.quantity" -> "Higher life satisfaction...: quantity" (the outcome's
    text and the parameter's label, svmodel.report.labels); other keys are left as they are."""
    from svmodel.report.labels import sensitivity_label

    line, _, name = str(key).partition(".")
    if name and line in outcomes:
        return sensitivity_label(line, name, outcomes)
    return sensitivity_label(None, str(key), outcomes) if "." not in str(key) else str(key)


def _humanise(text: str, outcomes: dict[str, str], keys: Sequence[str]) -> str:
    for key in sorted(keys, key=len, reverse=True):
        text = text.replace(key, key_label(key, outcomes))
    return text


def section_from(result: Any, outcomes: dict[str, str] | None = None) -> Html:
    """The report section from a `SobolResult`; `outcomes` (id -> outcome text) gives the
    parameters their human labels."""
    outcomes = outcomes or {}
    keys = [str(r["parameter"]) for r in result.rows]
    rows = [{**r, "parameter": key_label(str(r["parameter"]), outcomes)} for r in result.rows]
    if not result.rows:
        return section("Which assumption to evidence next", paragraph(result.sentence()),
                       anchor="global-sensitivity")
    body: list[Html] = [
        figure(sobol_chart(rows), "Bar chart of first-order and total Sobol' indices per parameter"),
        paragraph(_humanise(result.sentence(), outcomes, keys)),
        table(sobol_rows(rows), SOBOL_COLUMNS, SOBOL_FORMATS, numeric=SOBOL_NUMERIC),
        paragraph(f"Sobol' indices from {result.draws:,} model runs (Saltelli design, base sample "
                  f"{result.base_samples:,}, seed {result.seed}; SALib). First order: the share of "
                  "the ratio's variance a parameter explains alone; total: with its interactions."),
    ]
    if result.note:
        body.append(paragraph(f"Note: {result.note}."))
    return section("Which assumption to evidence next", *body, anchor="global-sensitivity")


def sobol_section(scenario: Any, seed: int, base_samples: int = REPORT_BASE_SAMPLES) -> Html:
    """Run the Sobol' analysis of `scenario` and return its report section."""
    from svmodel.report.labels import outcome_names
    from svmodel.uncertainty.sobol import sobol_indices

    return section_from(sobol_indices(scenario, base_samples, seed), outcome_names(scenario))
