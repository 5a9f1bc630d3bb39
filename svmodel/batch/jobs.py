"""Jobs and their records: what one notebook run needs, and what became of it.

A `JobSpec` is small and picklable (it travels to process-pool and Dask workers); a
`JobOutcome` carries the record plus the output files as bytes, so the batch writes every
file itself, atomically, whichever machine ran the job.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Statuses of a record.
OK = "ok"
FAILED = "failed"
INVALID = "invalid"  # the scenario did not validate: never executed
SKIPPED = "skipped"  # complete and up to date from an earlier run


@dataclass(frozen=True)
class JobSpec:
    """One notebook to run: `parameters` plus, for each output parameter, the file name the
    notebook writes in the job's working folder (e.g. {"results_path": "x.results.json"})."""

    name: str  # the slug: output files are DIR/<name>.html, .results.json, .ipynb
    notebook: str  # absolute path, readable by the worker
    parameters: dict[str, Any]
    output_parameters: dict[str, str]
    key: str  # hash of every input; see svmodel.batch.stamps
    batch_id: str
    title: str = ""
    timeout: float | None = None
    expect: dict[str, str] = field(default_factory=dict)  # provenance the results must carry
    engine: str = "inprocess"  # "inprocess" (svmodel.batch.shell) or "kernel" (a Jupyter kernel)
    scratch: str = ""  # folder for the job's temporary files ("": the system's temp folder)


@dataclass
class JobRecord:
    """One line of the batch manifest and of summary.csv."""

    name: str
    scenario: str
    status: str
    seconds: float = 0.0
    attempts: int = 0
    error_name: str = ""
    message: str = ""
    cell: int | None = None  # index of the failing cell in the executed notebook
    cell_source: str = ""  # its first line, to find it
    title: str = ""
    organisation: str = ""
    total_present_value: float | None = None
    total_inputs: float | None = None
    net_present_value: float | None = None
    sroi_ratio: float | None = None
    sroi_ratio_p5: float | None = None
    sroi_ratio_p95: float | None = None
    probability_ratio_above_1: float | None = None
    payback_months: float | None = None
    report: str = ""  # file name of the HTML report, relative to DIR
    results: str = ""  # file name of the JSON results

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def fill_from_results(self, doc: dict[str, Any]) -> None:
        """Headline figures from a report results file (svmodel.report.sroi schema 1)."""
        res = doc.get("results") or {}
        self.title = res.get("name", self.title)
        self.organisation = res.get("organisation") or ""
        for key in ("total_present_value", "total_inputs", "net_present_value", "sroi_ratio",
                    "payback_months"):
            setattr(self, key, res.get(key))
        mc = (doc.get("uncertainty") or {}).get("monte_carlo") or {}
        ratio = mc.get("sroi_ratio") or {}
        self.sroi_ratio_p5 = ratio.get("p5")
        self.sroi_ratio_p95 = ratio.get("p95")
        self.probability_ratio_above_1 = mc.get("probability_ratio_above_1")


@dataclass
class JobOutcome:
    """What a worker sends back: the record and the output files (name -> bytes)."""

    spec: JobSpec
    record: JobRecord
    files: dict[str, bytes] = field(default_factory=dict)


def slug(text: str) -> str:
    """A file-name-safe name: lower case letters, digits and hyphens."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "scenario"


# Names of the batch's own pages and files (DIR/index.html, index-2.html..., portfolio.html,
# portfolio.json, summary.csv, manifest.json): a scenario never gets one of these.
RESERVED = re.compile(r"(index(-\d+)?|portfolio|summary|manifest)")


def report_name(path: Path) -> str:
    """The slug of a scenario file's stem, kept clear of the batch's own page names
    (`index.yaml` -> `index-scenario`)."""
    name = slug(path.stem)
    return f"{name}-scenario" if RESERVED.fullmatch(name) else name


def unique_slugs(paths: list[Path]) -> dict[Path, str]:
    """A stable slug per file: its stem, with a short hash of its path when stems collide."""
    import hashlib

    stems: dict[str, int] = {}
    for path in paths:
        stems[report_name(path)] = stems.get(report_name(path), 0) + 1
    out = {}
    for path in paths:
        name = report_name(path)
        if stems[name] > 1:
            name += "-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:6]
        out[path] = name
    return out
