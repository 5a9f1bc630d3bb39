"""Run one job on the calling thread's warm kernel; never raise, always return a record.

Runs in a process-pool worker, a Dask worker or the batch's own process. The notebook writes
its outputs into a private temporary folder; the worker renders the HTML in-process
(nbconvert HTMLExporter, no code) and returns every file as bytes, so the batch writes them
atomically wherever the job ran (docs/architecture.md, "Batch reports").
"""

from __future__ import annotations

import json
import tempfile
import time
import traceback
from pathlib import Path

import nbformat

from svmodel.batch.jobs import FAILED, OK, JobOutcome, JobRecord, JobSpec
from svmodel.batch.kernel import KernelStartError, WarmKernel, job_kernel

KERNEL_START_ATTEMPTS = 2  # a kernel-start failure is retried once


def run_job(spec: JobSpec, kernel: WarmKernel | None = None) -> JobOutcome:
    """Execute `spec.notebook` with its parameters; the record says what happened."""
    from papermill.exceptions import PapermillExecutionError

    from svmodel.report.html import notebook_to_html

    started = time.perf_counter()
    record = JobRecord(name=spec.name, scenario=str(spec.parameters.get("scenario", "")),
                       status=FAILED, title=spec.title)
    outcome = JobOutcome(spec=spec, record=record)
    kernel = kernel or job_kernel(spec.engine)
    scratch = spec.scratch if spec.scratch and Path(spec.scratch).is_dir() else None
    with tempfile.TemporaryDirectory(prefix=f"svmodel-{spec.name}-", dir=scratch) as tmp:
        folder = Path(tmp).resolve()  # absolute: the kernel's working folder is this folder too
        parameters = dict(spec.parameters)
        for param, file_name in spec.output_parameters.items():
            parameters[param] = str(folder / file_name)
        executed = folder / f"{spec.name}.ipynb"
        while True:
            record.attempts += 1
            try:
                nb = kernel.run(spec.notebook, executed, parameters, cwd=str(folder), timeout=spec.timeout,
                                batch_id=spec.batch_id)
                break
            except KernelStartError as exc:
                if record.attempts < KERNEL_START_ATTEMPTS:
                    continue
                _fail(record, "KernelStartError", str(exc))
                return _done(outcome, started)
            except PapermillExecutionError as exc:
                _fail(record, exc.ename, exc.evalue)
                record.cell = exc.cell_index
                record.cell_source = (exc.source or "").strip().splitlines()[0][:200] if exc.source else ""
                if executed.exists():  # papermill saves the notebook, with its error banner
                    outcome.files[f"{spec.name}.failed.ipynb"] = executed.read_bytes()
                return _done(outcome, started)
            except Exception as exc:  # dead kernel, timeout, unreadable notebook...
                _fail(record, type(exc).__name__, str(exc) or traceback.format_exc(limit=1))
                return _done(outcome, started)
        try:
            for file_name in spec.output_parameters.values():
                path = folder / file_name
                if not path.exists():
                    raise FileNotFoundError(f"the notebook did not write {file_name}")
                outcome.files[file_name] = path.read_bytes()
            _check_results(spec, outcome, record)
            # papermill has just serialised the executed notebook to `executed`: reuse its bytes.
            outcome.files[f"{spec.name}.ipynb"] = (executed.read_bytes() if executed.exists()
                                                   else nbformat.writes(nb).encode("utf-8"))
            outcome.files[f"{spec.name}.html"] = notebook_to_html(nb, record.title or spec.name).encode("utf-8")
        except Exception as exc:
            outcome.files = {}
            _fail(record, type(exc).__name__, str(exc))
            return _done(outcome, started)
    record.status = OK
    record.report = f"{spec.name}.html"
    return _done(outcome, started)


def _check_results(spec: JobSpec, outcome: JobOutcome, record: JobRecord) -> None:
    """Read headline figures back and check the worker used the expected inputs."""
    results_file = spec.output_parameters.get("results_path")
    if not results_file:
        return
    doc = json.loads(outcome.files[results_file])
    record.fill_from_results(doc)
    record.results = results_file
    provenance = (doc.get("results") or {}).get("provenance") or {}
    for field, expected in spec.expect.items():
        found = provenance.get(field)
        if found != expected:
            raise EnvironmentMismatch(
                f"the worker's {field} is {found!r}, not {expected!r}: install the same svmodel "
                "and proxy library on every worker")


class EnvironmentMismatch(RuntimeError):
    """A worker ran with a different svmodel or proxy library than the batch validated with."""


def _fail(record: JobRecord, name: str, message: str) -> None:
    record.status = FAILED
    record.error_name = name
    record.message = message.strip()


def _done(outcome: JobOutcome, started: float) -> JobOutcome:
    outcome.record.seconds = round(time.perf_counter() - started, 3)
    return outcome
