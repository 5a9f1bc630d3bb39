"""The source of the shipped report notebooks, kept as data so their JSON is generated cleanly
(no outputs, no execution counts, kernel `python3`) and checked for drift by the tests.

Regenerate after editing: `python -m svmodel.report.notebook_sources [NOTEBOOKS_DIR]`.
Each notebook has one cell tagged `parameters` written as `name: type = literal  # help`
lines, which `papermill --help-notebook` documents (docs/architecture.md, "Batch reports").
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from svmodel.resources import data_dir

NOTEBOOKS = data_dir("notebooks")

SROI_PARAMETERS = """\
scenario: str = ""  # scenario YAML file to report on (empty: the shipped reablement example)
draws: int = 2000  # Monte Carlo draws; 0 skips the simulation
seed: int = 20250401  # random seed for the Monte Carlo draws, so a report is reproducible
results_path: str = ""  # where to write the versioned JSON results (empty: write nothing)
proxy_packs: list = []  # extra proxy pack CSV files layered on the shipped library"""

SROI_CELLS = [
    "from svmodel.report import sroi\n\n"
    "report = sroi.build(scenario, draws=draws, seed=seed, proxy_packs=proxy_packs)\n"
    "report.title()",
    "report.executive_summary()",  # issue 15: the report's shape (Social Value UK)
    "report.scope_and_stakeholders()",
    "report.headline()",
    "report.impact_map()",
    "report.line_details()",
    "report.value_by_year()",
    "report.breakdowns()",
    "from svmodel.report.business_case import business_case_section\n\n"  # issue 14
    "business_case_section(report.results)",
    "report.sensitivity()",
    "report.switching_values()",
    "report.monte_carlo_section()",
    "report.methodology()",
    "report.limitations()",
    "report.sources()",
    "report.warnings()",
    "report.principles()",
    "report.write_results(results_path)\nreport.provenance()",
]

PORTFOLIO_PARAMETERS = """\
results_dir: str = "reports"  # folder holding the *.results.json files written by `svmodel report`
pattern: str = "*.results.json"  # which files in results_dir to include
framework: str = ""  # framework YAML mapping measures to outcomes (empty: the shipped Knowsley framework)
summary_path: str = ""  # where to write the portfolio totals as JSON (empty: write nothing)"""

PORTFOLIO_CELLS = [
    "from svmodel.report import portfolio\n\n"
    "book = portfolio.build(results_dir, pattern=pattern, framework=framework or None)\n"
    "book.title()",
    "book.headline_section()",
    "book.by_outcome()",
    "book.by_measure()",
    "book.by_organisation()",
    "book.by_beneficiary()",
    "book.scenario_table()",
    "book.warnings()",
    "book.write_summary(summary_path)\nbook.provenance()",
]


def make_notebook(parameters: str, cells: list[str], title: str) -> nbformat.NotebookNode:
    """A notebook with a tagged parameters cell, then one code cell per report section."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "title": title,
    }
    nb.cells = [new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    nb.cells += [new_code_cell(source) for source in cells]
    for index, cell in enumerate(nb.cells):
        cell.id = str(index)  # stable ids, as nbstripout writes them: regeneration gives the same bytes
    return nb


def notebooks() -> dict[str, nbformat.NotebookNode]:
    return {
        "sroi_report.ipynb": make_notebook(SROI_PARAMETERS, SROI_CELLS, "SROI report"),
        "portfolio.ipynb": make_notebook(PORTFOLIO_PARAMETERS, PORTFOLIO_CELLS, "Portfolio roll-up"),
    }


def render(nb: nbformat.NotebookNode) -> str:
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def write(directory: Path = NOTEBOOKS) -> list[Path]:
    from svmodel.util.atomic import write_text_atomic

    return [write_text_atomic(directory / name, render(nb)) for name, nb in notebooks().items()]


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOKS):
        print(path)
