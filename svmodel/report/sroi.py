"""The SROI report of one scenario, section by section, for `notebooks/sroi_report.ipynb`.

`build(scenario_path, draws, seed)` evaluates the scenario and its uncertainty once; each
method returns an `Html` fragment that the notebook displays as a cell output, so the
notebook stays a thin list of calls. `write_results(path)` writes the versioned JSON results
file that the batch and the portfolio read (never the notebook's outputs).

References: SROI Guide (2012) stage 6 (reporting: the impact map, sensitivity, assumptions);
HM Treasury Green Book (2022) 5.4 and Annex A5 (sensitivity, switching values, Monte Carlo).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from svmodel import __version__
from svmodel.util.atomic import write_text_atomic
from svmodel.util.formatting import money, percent, ratio
from svmodel.library.proxies import default_library
from svmodel.report import beyond_fiscal, global_sensitivity, story, svg, tables
from svmodel.report.html import (Html, bullet_list, cards, esc, paragraph, running_header, section,
                                 svg_figure, table)
from svmodel.report.render import render
from svmodel.resources import examples_dir
from svmodel.results import Results, calculate, json_safe
from svmodel.scenario import Scenario, load_scenario

REPORT_SCHEMA_VERSION = 1
REPORT_KIND = "svmodel.sroi_report"


@dataclass(frozen=True)
class MonteCarloSummary:
    """Percentiles of the simulated SROI ratio and present value (computed from the draws)."""

    draws: int
    seed: int
    sroi_ratio: dict[str, float]
    present_value: dict[str, float]
    net_present_value: dict[str, float]
    probability_ratio_above_1: float

    @staticmethod
    def of(result: Any, draws: int, seed: int) -> "MonteCarloSummary":
        def stats(values: Any) -> dict[str, float]:
            array = np.asarray(values, dtype=float)
            array = array[np.isfinite(array)]
            if not array.size:
                return {"mean": math.nan, "p5": math.nan, "p50": math.nan, "p95": math.nan}
            p5, p50, p95 = np.percentile(array, [5, 50, 95])
            return {"mean": float(array.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}

        return MonteCarloSummary(
            draws=draws, seed=seed, sroi_ratio=stats(result.sroi_ratio),
            present_value=stats(result.present_value),
            net_present_value=stats(result.net_present_value),
            probability_ratio_above_1=float(result.probability_ratio_above_1),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "seed": self.seed, "sroi_ratio": self.sroi_ratio,
                "present_value": self.present_value, "net_present_value": self.net_present_value,
                "probability_ratio_above_1": self.probability_ratio_above_1}


@dataclass(frozen=True)
class SroiReport:
    """A scenario's results and uncertainty, ready to show section by section."""

    scenario: Scenario
    results: Results
    draws: int
    seed: int
    one_way: pd.DataFrame
    switching: pd.DataFrame
    monte_carlo: Any  # svmodel.uncertainty.MonteCarloResult, or None when draws == 0
    run_date: str

    # ------------------------------------------------------------------ sections
    #: (anchor, heading) of the report's sections in the order the notebook shows them.
    CONTENTS = (
        ("summary", "Executive summary"), ("scope", "Scope and stakeholders"),
        ("headline", "Inputs"), ("impact-map", "Impact map"),
        ("outcomes", "Outcomes and reasons"), ("by-year", "Value by year"),
        ("breakdowns", "Who benefits"), ("sensitivity", "Sensitivity"),
        ("switching", "Switching values"), ("monte-carlo", "Monte Carlo"),
        ("methodology", "Methodology"), ("limitations", "Limitations"),
        ("sources", "Assumptions and sources"), ("warnings", "Warnings"),
        ("principles", "Principles"),
    )

    def title(self) -> Html:
        """The title, the scenario's description, the contents and the printed pages' header."""
        model = self.scenario.model
        rate = model.discounting.rate
        rate_text = (f"the HM Treasury Green Book {'health ' if 'health' in rate else ''}schedule"
                     if isinstance(rate, str) else percent(rate, 1))
        lede = (f"{model.organisation + ', ' if model.organisation else ''}{model.kind} SROI, "
                f"{model.price_year} prices, discounted at {rate_text}"
                + ("" if model.discounting.first_year_discounted else " (year 1 undiscounted)"))
        return render("title.html.j2", name=model.name, lede=lede, description=model.description,
                      contents=self.CONTENTS, running_header=running_header(model.name))

    def executive_summary(self) -> Html:
        """Headline ratio and NPV, the three assumptions that move the ratio most, the chance it
        exceeds 1 and what is not valued, written from the figures (svmodel.report.story)."""
        interval = probability = None
        if self.mc_summary is not None and self.simulated:
            interval = (self.mc_summary.sroi_ratio["p5"], self.mc_summary.sroi_ratio["p95"])
            probability = self.mc_summary.probability_ratio_above_1
        return render("summary.html.j2", s=story.executive_summary(self),
                      cards=cards(tables.headline_items(self.results, interval, probability)))

    def scope_and_stakeholders(self) -> Html:
        model = self.scenario.model
        named = list(dict.fromkeys(line.stakeholder for line in self.scenario.lines))
        return render("scope.html.j2", scope=model.scope, stakeholders=list(model.stakeholders),
                      materiality=model.materiality, line_stakeholders=named)

    def headline(self) -> Html:
        """The inputs (the investment) and their present value; the headline figures are in
        the executive summary."""
        return section("Inputs", table(
            tables.inputs_rows(self.results), tables.INPUTS_COLUMNS, tables.INPUTS_FORMATS,
            numeric=("amount", "year", "present_value"), caption="Inputs (the investment)"),
            paragraph(f"Total present value of inputs: {money(self.results.total_inputs)}."),
            anchor="headline")

    def impact_map(self) -> Html:
        return section("Impact map", table(
            tables.impact_map_rows(self.results), tables.IMPACT_MAP_COLUMNS,
            tables.IMPACT_MAP_FORMATS, numeric=tables.IMPACT_MAP_NUMERIC,
        ), paragraph("Impact = quantity x unit value x (1 - deadweight) x (1 - displacement) x "
                     "(1 - attribution); later years fall by the drop-off (SROI Guide, stage 4). "
                     "The reason for each figure is given under Outcomes and the reasons for "
                     "each figure."),
            anchor="impact-map", wide=True)

    def line_details(self) -> Html:
        """Each line in the stakeholders' words with every judgement's figure and reason."""
        return render("lines.html.j2", accounts=story.line_accounts(self.scenario, self.results))

    def value_by_year(self) -> Html:
        return section("Value by year", svg_figure(svg.value_by_year(
            self.results, "Bar chart of value and present value in each outcome year")),
            anchor="by-year")

    def breakdowns(self) -> Html:
        parts = []
        for by, what in (("stakeholder", "stakeholder"), ("value_type", "value type"),
                         ("beneficiary", "beneficiary")):
            parts.append(svg_figure(svg.breakdown(self.results, by,
                                                  f"Bar chart of present value by {what}")))
        return section("Who benefits", *parts,
                       paragraph("Value type: fiscal (savings to public budgets), economic "
                                 "(income and output) or social (wellbeing)."),
                       anchor="breakdowns")

    def sensitivity(self) -> Html:
        if self.one_way.empty:
            return render("sensitivity.html.j2", rows=[], movers=[], base="", chart="", table="")
        rows = story.one_way_rows(self.one_way, self.scenario)
        chart = svg_figure(svg.tornado(
            self.one_way, self.results.sroi_ratio,
            "Tornado chart of the SROI ratio at each parameter's low and high value",
            names=story.tornado_labels(self.one_way, self.scenario)))
        return render("sensitivity.html.j2", rows=rows, base=ratio(self.results.sroi_ratio),
                      movers=story.top_movers(self.one_way, self.scenario), chart=chart,
                      table=table(rows, tables.ONE_WAY_COLUMNS, numeric=tables.ONE_WAY_NUMERIC))

    def switching_values(self) -> Html:
        reachable, unreachable = story.switching_rows(self.switching, self.scenario)
        return render("switching.html.j2", reachable=reachable, unreachable=unreachable,
                      total=len(self.switching))

    def monte_carlo_section(self) -> Html:
        summary = self.mc_summary
        if summary is None:
            return section("Monte Carlo", paragraph("Not run (draws = 0)."), anchor="monte-carlo")
        if not self.simulated:
            return section("Monte Carlo", paragraph(
                "The scenario gives no `uncertainty:` distributions, so every draw would equal "
                "the base case; add distributions (see docs/uncertainty.md) to simulate."),
                anchor="monte-carlo")
        r, pv = summary.sroi_ratio, summary.present_value
        text = (f"{summary.draws:,} draws (seed {summary.seed}). SROI ratio: median {ratio(r['p50'])}, "
                f"90% interval {ratio(r['p5'])} to {ratio(r['p95'])}. Present value: median "
                f"{money(pv['p50'])}, 90% interval {money(pv['p5'])} to {money(pv['p95'])}. "
                f"Probability that the ratio exceeds £1 : £1: "
                f"{percent(summary.probability_ratio_above_1, 1)}.")
        return section("Monte Carlo", svg_figure(svg.ratio_distribution(
            self.monte_carlo.sroi_ratio, self.results.sroi_ratio,
            "Histogram of simulated SROI ratios")), paragraph(text), anchor="monte-carlo") \
            + global_sensitivity.sobol_section(self.scenario, self.seed)  # issue 16: Sobol' indices

    def methodology(self) -> Html:
        """The conventions profile and its sources (docs/conventions.md)."""
        return render("methodology.html.j2", m=story.methodology(self))

    def limitations(self) -> Html:
        """The authors' limitations, then those the figures show."""
        return render("limitations.html.j2", authors=self.scenario.model.limitations,
                      generated=story.generated_limitations(self))

    def principles(self) -> Html:
        """The seven principles of social value and what in this report evidences each."""
        return render("principles.html.j2", rows=story.principles(self))

    def sources(self) -> Html:
        return section("Assumptions and sources", table(
            tables.sources_rows(self.results), tables.SOURCES_COLUMNS, tables.SOURCES_FORMATS,
            numeric=tables.SOURCES_NUMERIC, links={"source": "url"}, wide=("source", "proxy_label")),
            paragraph(f"Values rebased to {self.scenario.price_year} prices with the HM Treasury "
                      "GDP deflator series."), anchor="sources", wide=True)

    def warnings(self) -> Html:
        items = list(self.scenario.warnings)
        if not items:
            return section("Warnings", paragraph("No warnings: no double counting or unusual "
                                                 "adjustments detected.", "ok"), anchor="warnings") \
                + beyond_fiscal.sections(self.results)  # issue 16: WELLBYs, overlaps, LM3
        return section("Warnings", bullet_list(items, "warnings"), anchor="warnings") \
            + beyond_fiscal.sections(self.results)  # issue 16: WELLBYs, overlaps, LM3

    def provenance(self) -> Html:
        prov = self.results.provenance()
        packs = ", ".join(prov["proxy_packs"]) or "none"
        mc = f"{self.draws:,} Monte Carlo draws, seed {self.seed}" if self.draws else "no Monte Carlo"
        return Html(
            '<footer class="svm">'
            f"svmodel {esc(prov['svmodel_version'])} · proxy library {esc(prov['proxy_library_version'])}"
            f" (sha256 {esc(prov['proxy_library_hash'][:12])}; packs: {esc(packs)}) · scenario "
            f"{esc(Path(prov['scenario_file']).name if prov['scenario_file'] else '(text)')} "
            f"(sha256 {esc(prov['scenario_hash'][:12])}) · {esc(mc)} · run {esc(self.run_date)}"
            "</footer>")

    # ------------------------------------------------------------------ data
    @property
    def simulated(self) -> bool:
        """True when the Monte Carlo run drew at least one distribution."""
        return self.monte_carlo is not None and bool(getattr(self.monte_carlo, "distributions", True))

    @cached_property
    def mc_summary(self) -> MonteCarloSummary | None:
        """Percentiles of the draws, computed once (the headline, the section and the results
        file all show them)."""
        if self.monte_carlo is None:
            return None
        return MonteCarloSummary.of(self.monte_carlo, self.draws, self.seed)

    def to_dict(self) -> dict[str, Any]:
        """The versioned results file: `results` is the `svmodel run --json` object."""
        summary = self.mc_summary
        return json_safe({
            "schema_version": REPORT_SCHEMA_VERSION,
            "kind": REPORT_KIND,
            "svmodel_version": __version__,
            "run_date": self.run_date,
            "parameters": {"draws": self.draws, "seed": self.seed},
            "results": self.results.to_dict(),
            "uncertainty": {
                "one_way": _records(self.one_way),
                "switching_values": _records(self.switching),
                "monte_carlo": {**summary.to_dict(),
                                "distributions": dict(self.monte_carlo.distributions)}
                               if summary and self.simulated else None,
            },
        })

    def write_results(self, path: str | Path) -> Path | None:
        """Write the JSON results file atomically; an empty path writes nothing."""
        if not str(path):
            return None
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def build(scenario_path: str | Path, draws: int = 2000, seed: int = 1,
          proxy_packs: Sequence[str | Path] = ()) -> SroiReport:
    """Load, validate and evaluate a scenario with its sensitivity and Monte Carlo analysis.

    An empty `scenario_path` reports on the shipped reablement example, so the notebook runs
    by hand with its defaults and writes nothing.
    """
    from svmodel import uncertainty

    scenario_path = scenario_path or examples_dir() / "reablement_home_care.yaml"
    if draws < 0:
        raise ValueError(f"draws: {draws} is not allowed; expected 0 (no Monte Carlo) or more")
    library = default_library()
    for pack in proxy_packs:
        library = library.with_pack(Path(pack))
    scenario = load_scenario(scenario_path, library)
    results = calculate(scenario)
    return SroiReport(
        scenario=scenario, results=results, draws=draws, seed=seed,
        one_way=uncertainty.one_way(scenario),
        switching=uncertainty.switching_values(scenario, target_ratio=1.0),
        monte_carlo=uncertainty.monte_carlo(scenario, draws, seed) if draws else None,
        run_date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
