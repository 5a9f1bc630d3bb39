"""A batch of reports: validate every scenario, run the stale ones, write the index.

1. Validate every scenario file first: a bad file becomes an `invalid` record, the rest run.
2. Skip reports whose inputs (scenario, proxy library, notebook, svmodel version, draws,
   seed) are unchanged since they were last completed (svmodel.batch.stamps).
3. Run the others on a pool (this process, local processes, or Dask), one record per job;
   each job's files are written atomically as it completes, its stamp last.
4. Run the portfolio notebook over every results file in the folder.
5. Write `DIR/summary.csv`, `DIR/manifest.json` and `DIR/index.html` (atomically).
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from svmodel import __version__
from svmodel.util.atomic import write_bytes_atomic
from svmodel.batch import stamps
from svmodel.batch.jobs import (FAILED, INVALID, OK, SKIPPED, JobOutcome, JobRecord, JobSpec,
                                unique_slugs)
from svmodel.batch.pools import Pool, SerialPool, make_pool
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.scenario import ScenarioError, load_scenario
from svmodel.resources import notebook

REPORT_NOTEBOOK = notebook("sroi_report")
PORTFOLIO_NOTEBOOK = notebook("portfolio")
PORTFOLIO_NAME = "portfolio"
DEFAULT_DRAWS = 2000
DEFAULT_SEED = 20250401


@dataclass
class BatchResult:
    out_dir: Path
    records: list[JobRecord]
    portfolio: JobRecord | None
    seconds: float
    index: Path
    summary: Path

    @property
    def failed(self) -> list[JobRecord]:
        return [r for r in self.records if r.status in (FAILED, INVALID)]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for record in self.records:
            out[record.status] = out.get(record.status, 0) + 1
        return out


@dataclass
class BatchOptions:
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    workers: int | None = None  # None: one per core; 0: this process
    scheduler: Any = None  # a Dask scheduler address, or a distributed.Client
    notebook: Path = REPORT_NOTEBOOK
    portfolio_notebook: Path | None = PORTFOLIO_NOTEBOOK
    proxy_packs: Sequence[Path] = ()
    timeout: float | None = 600
    force: bool = False
    progress: bool | None = None  # None: when stderr is a terminal
    title: str = "Social value reports"
    extra_files: dict[str, Any] = field(default_factory=dict)


def _library(packs: Sequence[Path]) -> ProxyLibrary:
    library = default_library()
    for pack in packs:
        library = library.with_pack(Path(pack))
    return library


def plan(files: Sequence[Path], out_dir: Path, options: BatchOptions, batch_id: str
         ) -> tuple[list[JobSpec], list[JobRecord]]:
    """Validate every file; return the jobs to consider and the records of invalid files."""
    library = _library(options.proxy_packs)
    notebook = Path(options.notebook).resolve()
    notebook_hash = stamps.sha256_file(notebook)
    names = unique_slugs([Path(f) for f in files])
    specs, invalid = [], []
    for path in files:
        path = Path(path)
        name = names[path]
        try:
            scenario = load_scenario(path, library)
        except ScenarioError as exc:
            invalid.append(JobRecord(name=name, scenario=str(path), status=INVALID,
                                     error_name="ScenarioError",
                                     message="\n".join(str(p) for p in exc.problems)))
            continue
        parameters = {"scenario": str(path.resolve()), "draws": options.draws, "seed": options.seed,
                      "proxy_packs": [str(Path(p).resolve()) for p in options.proxy_packs]}
        key = stamps.input_key(scenario_hash=scenario.file_hash,
                               library_hash=scenario.library.content_hash,
                               notebook_hash=notebook_hash, draws=options.draws, seed=options.seed,
                               packs=parameters["proxy_packs"])
        specs.append(JobSpec(
            name=name, notebook=str(notebook), parameters=parameters,
            output_parameters={"results_path": f"{name}.results.json"}, key=key,
            batch_id=batch_id, title=scenario.name, timeout=options.timeout,
            expect={"proxy_library_hash": scenario.library.content_hash,
                    "svmodel_version": __version__, "scenario_hash": scenario.file_hash},
        ))
    return specs, invalid


def publish(path: Path, data: bytes) -> Path:
    """Write atomically (svmodel.util.atomic keeps the file readable: 0644 or the old mode)."""
    return write_bytes_atomic(path, data)


def _report_files(name: str) -> list[str]:
    return [f"{name}.ipynb", f"{name}.results.json", f"{name}.html"]


def write_outcome(out_dir: Path, outcome: JobOutcome) -> None:
    """Write a job's files atomically; the HTML after the data, the stamp last."""
    name = outcome.spec.name
    stamps.remove_stamp(out_dir, name)
    if outcome.record.status == OK:
        order = [f for f in outcome.files if not f.endswith(".html")] + \
                [f for f in outcome.files if f.endswith(".html")]
        for file_name in order:
            publish(out_dir / file_name, outcome.files[file_name])
        (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
        stamps.write_stamp(out_dir, name, outcome.spec.key, sorted(outcome.files))
    else:
        # A stale report must not pass for this run's: remove it, keep the failed notebook.
        for file_name in _report_files(name):
            (out_dir / file_name).unlink(missing_ok=True)
        for file_name, data in outcome.files.items():
            publish(out_dir / file_name, data)


def _skipped_record(out_dir: Path, spec: JobSpec) -> JobRecord:
    record = JobRecord(name=spec.name, scenario=str(spec.parameters["scenario"]), status=SKIPPED,
                       title=spec.title, report=f"{spec.name}.html",
                       results=f"{spec.name}.results.json")
    record.fill_from_results(json.loads((out_dir / record.results).read_text(encoding="utf-8")))
    return record


def _progress(total: int, enabled: bool | None) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="report", desc="svmodel report", disable=None if enabled is None
                else not enabled, dynamic_ncols=True)


def run_batch(files: Sequence[str | Path], out_dir: str | Path, options: BatchOptions | None = None,
              on_record: Callable[[JobRecord], None] | None = None, pool: Pool | None = None
              ) -> BatchResult:
    """Report on every scenario file into `out_dir`; never raises for one job's failure."""
    options = options or BatchOptions()
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    batch_id = uuid.uuid4().hex[:12]
    specs, records = plan([Path(f) for f in files], out_dir, options, batch_id)
    todo = []
    for spec in specs:
        if not options.force and stamps.up_to_date(out_dir, spec.name, spec.key):
            records.append(_skipped_record(out_dir, spec))
        else:
            todo.append(spec)
    for record in records:
        if on_record:
            on_record(record)
    pool = pool or make_pool(options.workers, options.scheduler, len(todo) + 1)
    portfolio_record: JobRecord | None = None
    try:
        with _progress(len(todo), options.progress) as bar:
            for outcome in pool.run(todo):
                write_outcome(out_dir, outcome)
                records.append(outcome.record)
                if on_record:
                    on_record(outcome.record)
                bar.update(1)
        if options.portfolio_notebook:
            # The portfolio reads DIR, which only this machine is sure to see: on Dask, run here.
            local = SerialPool() if options.scheduler else pool
            try:
                portfolio_record = run_portfolio(out_dir, options, batch_id, local)
            finally:
                if local is not pool:
                    local.close()
    finally:
        pool.close()
    order = {Path(f).resolve(): i for i, f in enumerate(files)}
    records.sort(key=lambda r: order.get(Path(r.scenario).resolve(), len(order)))
    index, summary = write_index(out_dir, records, portfolio_record, options.title)
    return BatchResult(out_dir=out_dir, records=records, portfolio=portfolio_record,
                       seconds=time.perf_counter() - started, index=index, summary=summary)


def run_portfolio(out_dir: Path, options: BatchOptions, batch_id: str, pool: Pool) -> JobRecord:
    """Run the portfolio notebook over every results file in `out_dir` (skipped if unchanged)."""
    notebook = Path(options.portfolio_notebook).resolve()  # type: ignore[arg-type]
    results = sorted(p for p in out_dir.glob("*.results.json"))
    key = stamps.input_key(notebook_hash=stamps.sha256_file(notebook),
                           results={p.name: stamps.sha256_file(p) for p in results})
    spec = JobSpec(name=PORTFOLIO_NAME, notebook=str(notebook),
                   parameters={"results_dir": str(out_dir.resolve()), "pattern": "*.results.json",
                               "framework": ""},
                   output_parameters={"summary_path": f"{PORTFOLIO_NAME}.json"}, key=key,
                   batch_id=batch_id, title="Portfolio", timeout=options.timeout)
    if not options.force and stamps.up_to_date(out_dir, PORTFOLIO_NAME, key):
        return JobRecord(name=PORTFOLIO_NAME, scenario="", status=SKIPPED, title="Portfolio",
                         report=f"{PORTFOLIO_NAME}.html")
    outcome = list(pool.run([spec]))[0]
    write_outcome(out_dir, outcome)
    return outcome.record


SUMMARY_COLUMNS = [f.name for f in fields(JobRecord)]


def write_index(out_dir: Path, records: Sequence[JobRecord], portfolio: JobRecord | None,
                title: str) -> tuple[Path, Path]:
    from svmodel.report.index import index_page

    rows = [r.to_dict() for r in records]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    summary = publish(out_dir / "summary.csv", buffer.getvalue().encode("utf-8"))
    run_date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    manifest = {"svmodel_version": __version__, "run_date": run_date, "records": rows,
                "portfolio": portfolio.to_dict() if portfolio else None}
    publish(out_dir / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    page = index_page(rows, title, run_date, portfolio.to_dict() if portfolio else None)
    index = publish(out_dir / "index.html", page.encode("utf-8"))
    return index, summary
