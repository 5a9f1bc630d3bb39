"""Where jobs run: this process, a local pool of worker processes, or a Dask cluster.

Each returns outcomes as they complete. A worker slot keeps one warm kernel
(svmodel.batch.kernel), so a pool of N processes holds N kernels. Exceptions from the pool
itself (a worker process lost, a Dask worker gone) become failed records of their job: one
job's failure never stops the others (docs/architecture.md, "Batch reports").
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Iterator, Protocol, Sequence

from svmodel.batch.jobs import FAILED, JobOutcome, JobRecord, JobSpec
from svmodel.batch.worker import run_job


class Pool(Protocol):
    def run(self, specs: Sequence[JobSpec]) -> Iterator[JobOutcome]: ...

    def close(self) -> None: ...


def _lost(spec: JobSpec, exc: BaseException) -> JobOutcome:
    record = JobRecord(name=spec.name, scenario=str(spec.parameters.get("scenario", "")),
                       status=FAILED, error_name=type(exc).__name__,
                       message=f"the worker running this job failed: {exc}", title=spec.title)
    return JobOutcome(spec=spec, record=record)


class SerialPool:
    """Jobs one after another in this process, on one warm kernel (`--workers 0`)."""

    def run(self, specs: Sequence[JobSpec]) -> Iterator[JobOutcome]:
        for spec in specs:
            yield run_job(spec)

    def close(self) -> None:
        from svmodel.batch.kernel import thread_kernel

        thread_kernel().shutdown()


def _warm_imports() -> None:
    """Pool initializer: import the heavy modules once per worker, not per job."""
    import nbconvert.exporters  # noqa: F401
    import papermill  # noqa: F401

    import svmodel.report.html  # noqa: F401


class ProcessPool:
    """A local pool of `workers` processes (spawned, so no state leaks from the parent)."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_imports)

    def run(self, specs: Sequence[JobSpec]) -> Iterator[JobOutcome]:
        futures: dict[Future[JobOutcome], JobSpec] = {self._executor.submit(run_job, s): s for s in specs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BaseException as exc:  # BrokenProcessPool and the like
                yield _lost(futures[future], exc)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """Jobs on an existing Dask distributed cluster: `Client(address)`, one kernel per worker
    thread (start workers with `--nthreads 1`), results gathered as they complete."""

    def __init__(self, scheduler: str | object):
        from distributed import Client

        self._own = isinstance(scheduler, str)
        self.client = Client(scheduler) if isinstance(scheduler, str) else scheduler

    def run(self, specs: Sequence[JobSpec]) -> Iterator[JobOutcome]:
        from distributed import as_completed as dask_completed

        futures = self.client.map(run_job, list(specs), pure=False, key=[f"svmodel-{s.name}-{s.batch_id}" for s in specs])
        by_key = {f.key: s for f, s in zip(futures, specs)}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except BaseException as exc:  # worker lost, job could not be deserialised...
                yield _lost(by_key[future.key], exc)
            finally:
                future.release()

    def close(self) -> None:
        if self._own:
            self.client.close()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def make_pool(workers: int | None, scheduler: str | object | None, jobs: int) -> Pool:
    """A Dask pool when a scheduler is given; else a process pool (`workers` 0: this process)."""
    if scheduler:
        return DaskPool(scheduler)
    count = default_workers() if workers is None else workers
    if count <= 0 or jobs <= 1:
        return SerialPool()
    return ProcessPool(min(count, jobs))
