"""Portfolio roll-up: what a partnership delivers across many scenarios.

Reads the versioned JSON results files that `notebooks/sroi_report.ipynb` writes (never
notebook outputs), maps each outcome line's measure (K1..K29) to its Knowsley outcome
(O1..O6) with the Knowsley framework (`svmodel.library.frameworks`), and totals present value by outcome,
measure, organisation and beneficiary, for `notebooks/portfolio.ipynb`.

Totals add present values computed at each scenario's own price year and discounting, as
the SROI Guide (2012) stage 6 reports them; scenarios with different price years are flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from svmodel import __version__
from svmodel.util.atomic import write_text_atomic
from svmodel.util.formatting import money, ratio
from svmodel.library.frameworks import FrameworkError
from svmodel.library.frameworks import load_framework as _load_framework
from svmodel.report import charts
from svmodel.report.html import Html, bullet_list, cards, esc, figure, paragraph, section, table, wrap
from svmodel.report.sroi import REPORT_KIND, REPORT_SCHEMA_VERSION
from svmodel.results import json_safe

PORTFOLIO_SCHEMA_VERSION = 1
NO_MEASURE = "(no measure)"


class PortfolioError(ValueError):
    """A results file that cannot be read or is not an svmodel report results file."""


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    outcome_id: str
    outcome_name: str


def load_framework(path: str | Path | None = None) -> dict[str, Measure]:
    """Measures by id (K1..K29) with their outcome (O1..O6), from `svmodel.library.frameworks`
    (the shipped Knowsley framework by default, or a framework file)."""
    try:
        framework = _load_framework(str(path) if path else "knowsley")
    except FrameworkError as exc:
        raise PortfolioError(str(exc)) from None
    return {m.id: Measure(m.id, m.name, o.id, o.name) for o in framework.outcomes for m in o.measures}


def read_results(path: str | Path) -> dict[str, Any]:
    """One report results file, checked for its kind and schema version."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PortfolioError(f"{path}: cannot read the results file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("kind") != REPORT_KIND:
        raise PortfolioError(f"{path}: not an svmodel report results file (kind {REPORT_KIND!r})")
    if doc.get("schema_version") != REPORT_SCHEMA_VERSION:
        raise PortfolioError(f"{path}: schema_version {doc.get('schema_version')!r} is not "
                             f"supported; expected {REPORT_SCHEMA_VERSION}")
    doc["_path"] = str(path)
    return doc


def results_files(directory: str | Path, pattern: str = "*.results.json") -> list[Path]:
    return sorted(Path(directory).glob(pattern))


def lines_frame(docs: Iterable[dict[str, Any]], framework: dict[str, Measure]) -> pd.DataFrame:
    """One row per outcome line of every scenario, with its Knowsley outcome and measure."""
    rows = []
    for doc in docs:
        res = doc["results"]
        for line in res["lines"]:
            measure = framework.get(line.get("measure") or "")
            rows.append({
                "scenario": res["name"], "organisation": res.get("organisation") or "(none)",
                "line": line["id"], "measure": measure.id if measure else (line.get("measure") or NO_MEASURE),
                "measure_name": measure.name if measure else "",
                "outcome_id": measure.outcome_id if measure else "(none)",
                "outcome_name": measure.outcome_name if measure else "Not mapped to a Knowsley outcome",
                "beneficiary": line.get("beneficiary") or "(none)",
                "value_type": line.get("value_type") or "(none)",
                "present_value": float(line.get("present_value") or 0.0),
            })
    columns = ["scenario", "organisation", "line", "measure", "measure_name", "outcome_id",
               "outcome_name", "beneficiary", "value_type", "present_value"]
    return pd.DataFrame(rows, columns=columns)


def _short(text: str, width: int = 42) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _measure_order(measure: str) -> tuple[int, str]:
    digits = measure[1:] if measure[:1] == "K" else ""
    return (int(digits), measure) if digits.isdigit() else (10_000, measure)


@dataclass(frozen=True)
class Portfolio:
    """Totals across scenarios, with the tables and charts of the roll-up page."""

    docs: tuple[dict[str, Any], ...]
    lines: pd.DataFrame
    framework: dict[str, Measure]
    run_date: str

    # ------------------------------------------------------------------ tables
    def scenarios(self) -> pd.DataFrame:
        rows = []
        for doc in self.docs:
            res = doc["results"]
            mc = (doc.get("uncertainty") or {}).get("monte_carlo") or {}
            rows.append({
                "scenario": res["name"], "organisation": res.get("organisation") or "(none)",
                "price_year": res.get("price_year"),
                "total_present_value": res.get("total_present_value"),
                "total_inputs": res.get("total_inputs"), "net_present_value": res.get("net_present_value"),
                "sroi_ratio": res.get("sroi_ratio"),
                "probability_ratio_above_1": mc.get("probability_ratio_above_1"),
                "file": Path(doc["_path"]).name,
            })
        return pd.DataFrame(rows)

    def total(self, by: str) -> pd.DataFrame:
        """Present value by a column of `lines`, with its share of the whole."""
        keys = {"outcome": ["outcome_id", "outcome_name"], "measure": ["measure", "measure_name"]}
        cols = keys.get(by, [by])
        grouped = self.lines.groupby(cols, as_index=False, sort=False)["present_value"].sum()
        total = grouped["present_value"].sum()
        grouped["share"] = grouped["present_value"] / total if total else 0.0
        if by == "outcome":
            return grouped.sort_values("outcome_id", ignore_index=True)
        if by == "measure":
            return grouped.sort_values("measure", key=lambda s: s.map(_measure_order),
                                       ignore_index=True)
        return grouped.sort_values("present_value", ascending=False, ignore_index=True)

    def headline(self) -> dict[str, float]:
        table_ = self.scenarios()
        pv = float(table_["total_present_value"].sum()) if len(table_) else 0.0
        inputs = float(table_["total_inputs"].sum()) if len(table_) else 0.0
        return {"scenario_count": len(table_), "total_present_value": pv, "total_inputs": inputs,
                "net_present_value": pv - inputs, "sroi_ratio": pv / inputs if inputs else float("nan")}

    # ------------------------------------------------------------------ sections
    def title(self) -> Html:
        return wrap(Html("<h1>Portfolio: social value across all scenarios</h1>"), paragraph(
            f"{len(self.docs)} scenario(s); totals by Knowsley outcome (O1 to O6), measure "
            "(K1 to K29), organisation and beneficiary.", "lede"))

    def headline_section(self) -> Html:
        h = self.headline()
        items = [("Scenarios", f"{h['scenario_count']}", ""),
                 ("Present value of outcomes", money(h["total_present_value"]), ""),
                 ("Present value of inputs", money(h["total_inputs"]), ""),
                 ("Net present value", money(h["net_present_value"]), ""),
                 ("Portfolio SROI ratio", ratio(h["sroi_ratio"]), "total value / total inputs")]
        body: list[Html] = [cards(items)]
        years = sorted({d["results"].get("price_year") for d in self.docs} - {None})
        if len(years) > 1:
            body.append(paragraph(f"Scenarios use different price years ({', '.join(map(str, years))}): "
                                  "totals add values in different years' prices.", "bad"))
        return section("Headline figures", *body, anchor="headline")

    def _group_section(self, by: str, title: str, label: str, name_col: str | None) -> Html:
        totals = self.total(by)
        if totals.empty:
            return section(title, paragraph("No outcome lines."))
        chart_table = totals.assign(label=totals[label] if name_col is None else
                                    totals[label] + " " + totals[name_col].map(_short))
        rows = totals.to_dict(orient="records")
        columns = [(label, by.replace("_", " ").capitalize())]
        if name_col:
            columns.append((name_col, "Name"))
        columns += [("present_value", "Present value"), ("share", "Share")]
        return section(title, figure(charts.totals(chart_table, "label", title=title),
                                     f"Bar chart of present value by {by}"),
                       table(rows, columns, {"present_value": lambda v: money(v),
                                             "share": lambda v: f"{v:.0%}"},
                             numeric=("present_value", "share")), anchor=f"by-{by}")

    def by_outcome(self) -> Html:
        return self._group_section("outcome", "Value by Knowsley outcome", "outcome_id", "outcome_name")

    def by_measure(self) -> Html:
        return self._group_section("measure", "Value by measure", "measure", "measure_name")

    def by_organisation(self) -> Html:
        return self._group_section("organisation", "Value by organisation", "organisation", None)

    def by_beneficiary(self) -> Html:
        return self._group_section("beneficiary", "Value by beneficiary", "beneficiary", None)

    def scenario_table(self) -> Html:
        rows = self.scenarios().to_dict(orient="records")
        for row in rows:
            row["link"] = row["file"].replace(".results.json", ".html")
        columns = [("scenario", "Scenario"), ("organisation", "Organisation"),
                   ("total_present_value", "Present value"), ("total_inputs", "Inputs"),
                   ("sroi_ratio", "SROI ratio"), ("probability_ratio_above_1", "P(ratio > 1)")]
        fmt = {"total_present_value": money, "total_inputs": money,
               "sroi_ratio": lambda v: "n/a" if v is None else f"{v:.2f}",
               "probability_ratio_above_1": lambda v: "" if v is None else f"{v:.0%}"}
        return section("Scenarios", table(rows, columns, fmt, numeric=list(fmt),
                                          links={"scenario": "link"}), anchor="scenarios")

    def warnings(self) -> Html:
        items = [f"{d['results']['name']}: {w}" for d in self.docs for w in d["results"].get("warnings", [])]
        if not items:
            return section("Warnings", paragraph("No warnings in any scenario.", "ok"))
        return section("Warnings", bullet_list(items, "warnings"), anchor="warnings")

    def provenance(self) -> Html:
        libraries = sorted({(d["results"]["provenance"]["proxy_library_version"],
                             d["results"]["provenance"]["proxy_library_hash"][:12]) for d in self.docs})
        text = "; ".join(f"{v} (sha256 {h})" for v, h in libraries) or "none"
        return Html(f'<footer class="svm">svmodel {esc(__version__)} · proxy libraries: {esc(text)}'
                    f" · run {esc(self.run_date)}</footer>")

    # ------------------------------------------------------------------ data
    def to_dict(self) -> dict[str, Any]:
        def records(by: str) -> list[dict[str, Any]]:
            return self.total(by).to_dict(orient="records")

        return json_safe({
            "schema_version": PORTFOLIO_SCHEMA_VERSION, "kind": "svmodel.portfolio",
            "svmodel_version": __version__, "run_date": self.run_date, **self.headline(),
            "by_outcome": records("outcome"), "by_measure": records("measure"),
            "by_organisation": records("organisation"), "by_beneficiary": records("beneficiary"),
            "scenarios": self.scenarios().to_dict(orient="records"),
        })

    def write_summary(self, path: str | Path) -> Path | None:
        if not str(path):
            return None
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def build(results_dir: str | Path, pattern: str = "*.results.json",
          framework: str | Path | None = None) -> Portfolio:
    """Read every results file in `results_dir` and build the roll-up."""
    measures = load_framework(framework or None)
    docs = tuple(read_results(p) for p in results_files(results_dir, pattern))
    return Portfolio(docs=docs, lines=lines_frame(docs, measures), framework=measures,
                     run_date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
