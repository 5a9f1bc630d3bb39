"""Portfolio roll-up: what a partnership delivers across many scenarios.

Reads the versioned JSON results files that `notebooks/sroi_report.ipynb` writes (never
notebook outputs), maps each outcome line's measure (K1..K29) to its Knowsley outcome
(O1..O6) with the Knowsley framework (`svmodel.library.frameworks`), and totals present value by outcome,
measure, organisation and beneficiary, for `notebooks/portfolio.ipynb`.

Totals add present values computed at each scenario's own price year and discounting, as
the SROI Guide (2012) stage 6 reports them; scenarios with different price years are flagged.
Forecasts and evaluations are never added together: the SROI Guide (2012) distinguishes a
forecast (value expected) from an evaluation (value achieved), so every total, share and
ratio is given separately for each kind.

The roll-up streams its inputs: each results file is read, its lines added to running totals
and its headline kept as one small row, then the document is dropped, so 10,000 results files
need memory for the totals and the scenario table only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from svmodel import __version__
from svmodel.util.atomic import write_text_atomic
from svmodel.util.formatting import money, ratio
from svmodel.library.frameworks import FrameworkError
from svmodel.library.frameworks import load_framework as _load_framework
from svmodel.report import svg
from svmodel.report.html import (Html, bullet_list, cards, esc, paragraph, running_header, section,
                                 svg_figure, table, wrap)
from svmodel.report.sroi import REPORT_KIND, REPORT_SCHEMA_VERSION
from svmodel.results import json_safe

PORTFOLIO_SCHEMA_VERSION = 2  # 2: totals by kind (forecast, evaluative), never one sum
NO_MEASURE = "(no measure)"
KINDS = ("forecast", "evaluative")
KIND_LABELS = {"forecast": "Forecasts", "evaluative": "Evaluations"}
GROUPS = {"outcome": ("outcome_id", "outcome_name"), "measure": ("measure", "measure_name"),
          "organisation": ("organisation",), "beneficiary": ("beneficiary",)}
MAX_WARNINGS = 500  # listed on the page; the count is always given


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


def _kind(res: dict[str, Any]) -> str:
    kind = res.get("kind")
    return kind if kind in KINDS else "forecast"


def line_rows(doc: dict[str, Any], framework: dict[str, Measure]) -> Iterator[dict[str, Any]]:
    """The outcome lines of one results file, with their Knowsley outcome and measure."""
    res = doc["results"]
    for line in res.get("lines") or []:
        measure = framework.get(line.get("measure") or "")
        yield {
            "scenario": res["name"], "kind": _kind(res),
            "organisation": res.get("organisation") or "(none)",
            "line": line["id"], "measure": measure.id if measure else (line.get("measure") or NO_MEASURE),
            "measure_name": measure.name if measure else "",
            "outcome_id": measure.outcome_id if measure else "(none)",
            "outcome_name": measure.outcome_name if measure else "Not mapped to a Knowsley outcome",
            "beneficiary": line.get("beneficiary") or "(none)",
            "value_type": line.get("value_type") or "(none)",
            "present_value": float(line.get("present_value") or 0.0),
        }


def lines_frame(docs: Iterable[dict[str, Any]], framework: dict[str, Measure]) -> pd.DataFrame:
    """One row per outcome line of every scenario (for analysis of a few files)."""
    columns = ["scenario", "kind", "organisation", "line", "measure", "measure_name", "outcome_id",
               "outcome_name", "beneficiary", "value_type", "present_value"]
    return pd.DataFrame([row for doc in docs for row in line_rows(doc, framework)], columns=columns)


def _short(text: str, width: int = 42) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _measure_order(measure: str) -> tuple[int, str]:
    digits = measure[1:] if measure[:1] == "K" else ""
    return (int(digits), measure) if digits.isdigit() else (10_000, measure)


def _scenario_row(doc: dict[str, Any]) -> dict[str, Any]:
    res = doc["results"]
    mc = (doc.get("uncertainty") or {}).get("monte_carlo") or {}
    return {
        "scenario": res["name"], "kind": _kind(res),
        "organisation": res.get("organisation") or "(none)",
        "price_year": res.get("price_year"),
        "total_present_value": res.get("total_present_value"),
        "total_inputs": res.get("total_inputs"), "net_present_value": res.get("net_present_value"),
        "sroi_ratio": res.get("sroi_ratio"),
        "probability_ratio_above_1": mc.get("probability_ratio_above_1"),
        "file": Path(doc["_path"]).name,
    }


@dataclass
class Portfolio:
    """Running totals across scenarios, kept apart by kind, with the roll-up page's sections."""

    framework: dict[str, Measure]
    run_date: str
    rows: list[dict[str, Any]]
    sums: dict[str, dict[tuple[str, ...], dict[str, float]]]  # group -> key -> kind -> PV
    warning_items: list[str]
    warning_count: int
    libraries: set[tuple[str, str]]
    price_years: set[Any]

    @classmethod
    def empty(cls, framework: dict[str, Measure]) -> "Portfolio":
        return cls(framework=framework, run_date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   rows=[], sums={g: {} for g in GROUPS}, warning_items=[], warning_count=0,
                   libraries=set(), price_years=set())

    def add(self, doc: dict[str, Any]) -> None:
        """Fold one results file into the totals (the document is not kept)."""
        res = doc["results"]
        self.rows.append(_scenario_row(doc))
        for line in line_rows(doc, self.framework):
            for group, columns in GROUPS.items():
                key = tuple(line[c] for c in columns)
                by_kind = self.sums[group].setdefault(key, {})
                by_kind[line["kind"]] = by_kind.get(line["kind"], 0.0) + line["present_value"]
        for warning in res.get("warnings") or []:
            self.warning_count += 1
            if len(self.warning_items) < MAX_WARNINGS:
                self.warning_items.append(f"{res['name']}: {warning}")
        prov = res.get("provenance") or {}
        self.libraries.add((str(prov.get("proxy_library_version", "")),
                            str(prov.get("proxy_library_hash", ""))[:12]))
        if res.get("price_year") is not None:
            self.price_years.add(res.get("price_year"))

    # ------------------------------------------------------------------ tables
    def kinds(self) -> list[str]:
        present = {row["kind"] for row in self.rows}
        return [k for k in KINDS if k in present]

    def scenarios(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def total(self, by: str) -> pd.DataFrame:
        """Present value by outcome, measure, organisation or beneficiary, one row per key and
        kind, with its share of that kind's total (never of forecasts and evaluations together)."""
        if by not in GROUPS:
            raise ValueError(f"total by {by!r}: choose one of {', '.join(GROUPS)}")
        columns = list(GROUPS[by])
        records = [{**dict(zip(columns, key)), "kind": kind, "present_value": pv}
                   for key, by_kind in self.sums[by].items() for kind, pv in by_kind.items()]
        frame = pd.DataFrame(records, columns=columns + ["kind", "present_value"])
        kind_totals = frame.groupby("kind")["present_value"].transform("sum")
        frame["share"] = (frame["present_value"] / kind_totals.where(kind_totals != 0)).fillna(0.0)
        if by == "outcome":
            return frame.sort_values(["kind", "outcome_id"], ignore_index=True)
        if by == "measure":
            return frame.sort_values(["kind", "measure"], key=lambda s: s.map(_measure_order)
                                     if s.name == "measure" else s, ignore_index=True)
        return frame.sort_values(["kind", "present_value"], ascending=[True, False], ignore_index=True)

    def headline(self) -> dict[str, Any]:
        """Totals for each kind separately: forecasts and evaluations are never summed."""
        out: dict[str, Any] = {"scenario_count": len(self.rows), "totals": {}}
        for kind in KINDS:
            rows = [r for r in self.rows if r["kind"] == kind]
            pv = sum(float(r["total_present_value"] or 0.0) for r in rows)
            inputs = sum(float(r["total_inputs"] or 0.0) for r in rows)
            out["totals"][kind] = {"scenario_count": len(rows), "total_present_value": pv,
                                   "total_inputs": inputs, "net_present_value": pv - inputs,
                                   "sroi_ratio": pv / inputs if inputs else float("nan")}
        return out

    # ------------------------------------------------------------------ sections
    def title(self) -> Html:
        return running_header("Portfolio: social value across all scenarios") + wrap(
            Html("<h1>Portfolio: social value across all scenarios</h1>"), paragraph(
            f"{len(self.rows)} scenario(s); totals by Knowsley outcome (O1 to O6), measure "
            "(K1 to K29), organisation and beneficiary, with forecasts and evaluations kept "
            "apart.", "lede"))

    def headline_section(self) -> Html:
        h = self.headline()
        body: list[Html] = []
        for kind in self.kinds() or ["forecast"]:
            t = h["totals"][kind]
            label = KIND_LABELS[kind]
            body.append(Html(f"<h3>{esc(label)}</h3>"))
            body.append(cards([
                ("Scenarios", f"{t['scenario_count']}", ""),
                ("Present value of outcomes", money(t["total_present_value"]), ""),
                ("Present value of inputs", money(t["total_inputs"]), ""),
                ("Net present value", money(t["net_present_value"]), ""),
                (f"SROI ratio, {label.lower()}", ratio(t["sroi_ratio"]), "total value / total inputs"),
            ]))
        if len(self.kinds()) > 1:
            body.append(paragraph("Forecasts (value expected) and evaluations (value achieved) are "
                                  "totalled separately and never added together (SROI Guide, 2012)."))
        years = sorted(self.price_years, key=str)
        if len(years) > 1:
            body.append(paragraph(f"Scenarios use different price years ({', '.join(map(str, years))}): "
                                  "totals add values in different years' prices.", "bad"))
        return section("Headline figures", *body, anchor="headline")

    def _group_section(self, by: str, title: str, label: str, name_col: str | None) -> Html:
        totals = self.total(by)
        if totals.empty:
            return section(title, paragraph("No outcome lines."))
        body: list[Html] = []
        for kind in self.kinds():
            part = totals[totals["kind"] == kind]
            if part.empty:
                continue
            kind_title = f"{title}: {KIND_LABELS[kind].lower()}" if len(self.kinds()) > 1 else title
            chart_table = part.assign(label=part[label] if name_col is None else
                                      part[label] + " " + part[name_col].map(_short))
            columns = [(label, by.replace("_", " ").capitalize())]
            if name_col:
                columns.append((name_col, "Name"))
            columns += [("present_value", f"Present value ({KIND_LABELS[kind].lower()})"),
                        ("share", "Share")]
            body.append(svg_figure(svg.totals(chart_table, "label", f"Bar chart of present value "
                                              f"by {by}, {KIND_LABELS[kind].lower()}",
                                              title=kind_title)))
            body.append(table(part.to_dict(orient="records"), columns,
                              {"present_value": lambda v: money(v), "share": lambda v: f"{v:.0%}"},
                              numeric=("present_value", "share")))
        return section(title, *body, anchor=f"by-{by}")

    def by_outcome(self) -> Html:
        return self._group_section("outcome", "Value by Knowsley outcome", "outcome_id", "outcome_name")

    def by_measure(self) -> Html:
        return self._group_section("measure", "Value by measure", "measure", "measure_name")

    def by_organisation(self) -> Html:
        return self._group_section("organisation", "Value by organisation", "organisation", None)

    def by_beneficiary(self) -> Html:
        return self._group_section("beneficiary", "Value by beneficiary", "beneficiary", None)

    def scenario_table(self) -> Html:
        rows = [dict(r) for r in self.rows]
        for row in rows:
            row["link"] = row["file"].replace(".results.json", ".html")
            row["kind_label"] = "evaluation" if row["kind"] == "evaluative" else "forecast"
        columns = [("scenario", "Scenario"), ("kind_label", "Kind"), ("organisation", "Organisation"),
                   ("total_present_value", "Present value"), ("total_inputs", "Inputs"),
                   ("sroi_ratio", "SROI ratio"), ("probability_ratio_above_1", "P(ratio > 1)")]
        fmt = {"total_present_value": money, "total_inputs": money,
               "sroi_ratio": lambda v: "n/a" if v is None else ratio(v),
               "probability_ratio_above_1": lambda v: "" if v is None else f"{v:.0%}"}
        return section("Scenarios", table(rows, columns, fmt, numeric=list(fmt),
                                          links={"scenario": "link"}), anchor="scenarios")

    def warnings(self) -> Html:
        if not self.warning_count:
            return section("Warnings", paragraph("No warnings in any scenario.", "ok"))
        body: list[Html] = [bullet_list(self.warning_items, "warnings")]
        if self.warning_count > len(self.warning_items):
            body.append(paragraph(f"{self.warning_count - len(self.warning_items):,} more warnings "
                                  "are listed in each scenario's report."))
        return section("Warnings", *body, anchor="warnings")

    def provenance(self) -> Html:
        text = "; ".join(f"{v} (sha256 {h})" for v, h in sorted(self.libraries)) or "none"
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
            "scenarios": self.rows,
        })

    def write_summary(self, path: str | Path) -> Path | None:
        if not str(path):
            return None
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")


def build(results_dir: str | Path, pattern: str = "*.results.json",
          framework: str | Path | None = None) -> Portfolio:
    """Read every results file in `results_dir`, one at a time, into the roll-up's totals."""
    book = Portfolio.empty(load_framework(framework or None))
    for path in results_files(results_dir, pattern):
        book.add(read_results(path))
    return book
