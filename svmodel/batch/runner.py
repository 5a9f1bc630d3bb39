"""A batch of reports: validate every scenario, run the stale ones, write the index.

1. Take the output folder's lock (svmodel.batch.folder): two batches never interleave.
2. Validate each scenario file (a bad file becomes an `invalid` record, the rest run) and
   skip reports whose inputs (scenario, proxy library, notebook, svmodel version, draws,
   seed) are unchanged since they were last completed (svmodel.batch.stamps). Files are
   planned as the pool asks for work, so validation overlaps with the reports.
3. Run the others on a pool (this process, local processes, or Dask), one record per job;
   each job's files are written atomically as it completes, its stamp last.
4. Run the portfolio notebook over every results file in the folder, in this process.
5. Write `DIR/summary.csv`, `DIR/manifest.json` and `DIR/index.html` (atomically), listing
   every report in the folder: this batch's and earlier batches' still on disk.

A full disk stops the batch with one `BatchDiskError` naming the folder; the report being
written is removed whole, and the index describes what is on disk.
"""

from __future__ import annotations

import csv
import errno
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
from svmodel.batch.folder import BatchDiskError, OutputFolder, disk_error
from svmodel.batch.jobs import (FAILED, INVALID, OK, SKIPPED, JobOutcome, JobRecord, JobSpec,
                                unique_slugs)
from svmodel.batch.pools import DEFAULT_CONNECT_TIMEOUT, Pool, SerialPool, make_pool
from svmodel.batch.progress import Progress
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.util.safety import neutralise_cell
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
    workers: int | None = None  # None: one per core (this process for one report); 0: this process
    scheduler: Any = None  # a Dask scheduler address, or a distributed.Client
    notebook: Path = REPORT_NOTEBOOK
    portfolio_notebook: Path | None = PORTFOLIO_NOTEBOOK
    proxy_packs: Sequence[Path] = ()
    timeout: float | None = 600
    force: bool = False
    progress: bool | None = None  # None: when stderr is a terminal
    title: str = "Social value reports"
    extra_files: dict[str, Any] = field(default_factory=dict)
    engine: str = "inprocess"  # "inprocess" (svmodel.batch.shell) or "kernel" (Jupyter kernels)
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT  # seconds to reach a Dask scheduler


def _library(packs: Sequence[Path]) -> ProxyLibrary:
    library = default_library()
    for pack in packs:
        library = library.with_pack(Path(pack))
    return library


class Planner:
    """Validates scenario files one at a time and turns each into a job spec or a record."""

    def __init__(self, files: Sequence[Path], options: BatchOptions, batch_id: str,
                 scratch: str = ""):
        self.options = options
        self.batch_id = batch_id
        self.scratch = scratch
        self.library = _library(options.proxy_packs)
        self.notebook = Path(options.notebook).resolve()
        self.notebook_hash = stamps.sha256_file(self.notebook)
        self.names = unique_slugs([Path(f) for f in files])
        self.packs = [str(Path(p).resolve()) for p in options.proxy_packs]

    def spec(self, path: Path) -> JobSpec | JobRecord:
        name = self.names[path]
        try:
            scenario = load_scenario(path, self.library)
        except ScenarioError as exc:
            return JobRecord(name=name, scenario=str(path), status=INVALID,
                             error_name="ScenarioError",
                             message="\n".join(str(p) for p in exc.problems))
        options = self.options
        parameters = {"scenario": str(path.resolve()), "draws": options.draws, "seed": options.seed,
                      "proxy_packs": self.packs}
        key = stamps.input_key(scenario_hash=scenario.file_hash,
                               library_hash=scenario.library.content_hash,
                               notebook_hash=self.notebook_hash, draws=options.draws,
                               seed=options.seed, packs=self.packs)
        return JobSpec(
            name=name, notebook=str(self.notebook), parameters=parameters,
            output_parameters={"results_path": f"{name}.results.json"}, key=key,
            batch_id=self.batch_id, title=scenario.name, timeout=options.timeout,
            expect={"proxy_library_hash": scenario.library.content_hash,
                    "svmodel_version": __version__, "scenario_hash": scenario.file_hash},
            engine=options.engine, scratch=self.scratch,
        )


def plan(files: Sequence[Path], out_dir: Path, options: BatchOptions, batch_id: str
         ) -> tuple[list[JobSpec], list[JobRecord]]:
    """Validate every file; return the jobs to consider and the records of invalid files."""
    planner = Planner(files, options, batch_id)
    specs, invalid = [], []
    for path in files:
        item = planner.spec(Path(path))
        (specs if isinstance(item, JobSpec) else invalid).append(item)
    return specs, invalid


def publish(path: Path, data: bytes) -> Path:
    """Write atomically (svmodel.util.atomic keeps the file readable: 0644 or the old mode)."""
    return write_bytes_atomic(path, data)


def _report_files(name: str) -> list[str]:
    return [f"{name}.ipynb", f"{name}.results.json", f"{name}.html"]


def write_outcome(out_dir: Path, outcome: JobOutcome) -> None:
    """Write a job's files atomically; the HTML after the data, the stamp last. If writing
    fails part-way (a full disk, an interrupt), the report's files are removed together, so
    no report is left with results but no page."""
    name = outcome.spec.name
    stamps.remove_stamp(out_dir, name)
    if outcome.record.status == OK:
        order = [f for f in outcome.files if not f.endswith(".html")] + \
                [f for f in outcome.files if f.endswith(".html")]
        try:
            for file_name in order:
                publish(out_dir / file_name, outcome.files[file_name])
            (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
            stamps.write_stamp(out_dir, name, outcome.spec.key, sorted(outcome.files))
        except BaseException:
            for file_name in order:
                (out_dir / file_name).unlink(missing_ok=True)
            stamps.remove_stamp(out_dir, name)
            raise
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


def run_batch(files: Sequence[str | Path], out_dir: str | Path, options: BatchOptions | None = None,
              on_record: Callable[[JobRecord], None] | None = None, pool: Pool | None = None
              ) -> BatchResult:
    """Report on every scenario file into `out_dir`; never raises for one job's failure.

    Raises `FolderBusy` when another batch holds the folder, `PoolError` when the pool cannot
    start (an unreachable scheduler, mismatched workers: nothing is written), and
    `BatchDiskError` when the disk fills (the index is still written if it fits)."""
    options = options or BatchOptions()
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()  # absolute, so scratch folders and kernels agree on paths
    paths = [Path(f) for f in files]
    batch_id = uuid.uuid4().hex[:12]
    own_pool = pool is None
    # The pool first: a scheduler that cannot be reached, or workers of another svmodel
    # version, stop the batch before anything is written.
    pool = pool or make_pool(options.workers, options.scheduler, len(paths),
                             options.connect_timeout)
    records: list[JobRecord] = []
    portfolio_record: JobRecord | None = None
    disk: BatchDiskError | None = None
    try:
        with OutputFolder(out_dir, batch_id) as folder:
            local = not options.scheduler
            planner = Planner(paths, options, batch_id, str(folder.scratch) if local else "")
            with Progress(len(paths), options.progress) as progress:
                def emit(record: JobRecord) -> None:
                    records.append(record)
                    progress.record(record)
                    if on_record:
                        on_record(record)

                def todo() -> Any:
                    for path in paths:
                        item = planner.spec(path)
                        if isinstance(item, JobRecord):
                            emit(item)
                        elif not options.force and stamps.up_to_date(out_dir, item.name, item.key):
                            emit(_skipped_record(out_dir, item))
                        else:
                            yield item

                try:
                    for outcome in pool.run(todo()):
                        write_outcome(out_dir, outcome)
                        emit(outcome.record)
                except OSError as exc:
                    if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                        raise
                    disk = disk_error(out_dir, exc)
            if disk is None and options.portfolio_notebook:
                # The portfolio reads DIR, which only this machine is sure to see: run it here.
                serial = SerialPool()
                try:
                    portfolio_record = run_portfolio(out_dir, options, batch_id, serial)
                except OSError as exc:
                    if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                        raise
                    disk = disk_error(out_dir, exc)
            order = {p.resolve(): i for i, p in enumerate(paths)}
            records.sort(key=lambda r: order.get(Path(r.scenario).resolve(), len(order)))
            try:
                index, summary = write_index(out_dir, records, portfolio_record, options.title)
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                disk = disk or disk_error(out_dir, exc)
            if disk is not None:
                raise disk
    except BaseException:
        if own_pool and hasattr(pool, "terminate"):
            pool.terminate()  # Ctrl-C, SIGTERM, a full disk: stop the workers now
        raise
    finally:
        pool.close()
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
                   batch_id=batch_id, title="Portfolio", timeout=options.timeout,
                   engine=options.engine)
    if not options.force and stamps.up_to_date(out_dir, PORTFOLIO_NAME, key):
        return JobRecord(name=PORTFOLIO_NAME, scenario="", status=SKIPPED, title="Portfolio",
                         report=f"{PORTFOLIO_NAME}.html")
    outcome = list(pool.run([spec]))[0]
    write_outcome(out_dir, outcome)
    return outcome.record


SUMMARY_COLUMNS = [f.name for f in fields(JobRecord)]


def _earlier_records(out_dir: Path, names: set[str]) -> list[dict[str, Any]]:
    """Records of reports from earlier batches that are still complete on disk (their stamp
    is present), so the index and manifest list every report in the folder."""
    try:
        old = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    keep = []
    for row in old.get("records") or []:
        if not isinstance(row, dict) or row.get("name") in names:
            continue
        if row.get("status") in (OK, SKIPPED) and stamps.stamp_path(out_dir, row["name"]).exists() \
                and (out_dir / str(row.get("report", ""))).is_file():
            keep.append(row)
    return keep


def write_index(out_dir: Path, records: Sequence[JobRecord], portfolio: JobRecord | None,
                title: str) -> tuple[Path, Path]:
    from svmodel.report.index import write_index_pages

    rows = [r.to_dict() for r in records]
    rows += _earlier_records(out_dir, {r.name for r in records})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows([{k: neutralise_cell(v) for k, v in row.items()} for row in rows])
    summary = publish(out_dir / "summary.csv", buffer.getvalue().encode("utf-8"))
    run_date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    manifest = {"svmodel_version": __version__, "run_date": run_date, "records": rows,
                "portfolio": portfolio.to_dict() if portfolio else None}
    publish(out_dir / "manifest.json", (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    index = write_index_pages(out_dir, rows, title, run_date,
                              portfolio.to_dict() if portfolio else None, publish)
    return index, summary
