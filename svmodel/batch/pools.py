"""Where jobs run: this process, a local pool of worker processes, or a Dask cluster.

Each pool takes an iterable of jobs and yields outcomes as they complete, keeping only a
bounded window of jobs in flight, so the batch's memory does not grow with its size. A worker
slot keeps one warm kernel (svmodel.batch.kernel, svmodel.batch.shell).

Faults:

- a local worker process that dies (killed, out of memory, a crashing report) breaks the
  `ProcessPoolExecutor`; its unfinished jobs are resubmitted to a fresh pool, up to
  `POOL_RESTARTS` times, after which they become failed records;
- a worker killed while it was sending a result leaves half a message in the executor's result
  pipe and its lock held, and `ProcessPoolExecutor` then waits for ever (the other workers
  block on the lock, the executor reads the rest of the message). A watchdog notices a dead
  worker with no result for `STALL_GRACE_S` seconds, kills the pool's workers and closes the
  pipe's last writer, so the executor sees the pool broken and the jobs go to a fresh pool;
- pool workers ignore SIGINT (the batch's own process handles Ctrl-C and stops them) and exit
  when the batch's process ends, even by `kill -9` (a forked worker watches it through a Linux
  pidfd; a spawned one has the kernel kill it with its parent, `PR_SET_PDEATHSIG`), so no
  worker outlives its batch;
- on Dask, the scheduler reruns a lost worker's tasks elsewhere; the batch checks before
  submitting anything that every worker runs the same svmodel version, and a scheduler that
  cannot be reached is one clear error (`PoolError`) after `connect_timeout` seconds.

Start-up: local workers are forked from a fork server (multiprocessing's "forkserver" start
method, the default from Python 3.14 on Linux) that has imported the heavy modules every job
needs (`WORKER_MODULES`) once, so a worker starts in milliseconds rather than re-importing them
(about 3 s of CPU each), and a restarted pool or the next batch in the same process reuses it.
Each worker still gets the batch's current environment, folder and `sys.path`, as a spawned one
would; only values a module fixes from the environment when it is imported (nbconvert's
template search path from JUPYTER_PATH, matplotlib's backend) stay those of when the fork
server started, as they do in the batch's own process once imported. A long-lived process that
changes those variables between batches should set them before its first batch. Where there is
no fork server or Linux pidfd, workers are spawned.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.context
import os
import select
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator, Protocol

from svmodel import __version__
from svmodel.batch.jobs import FAILED, JobOutcome, JobRecord, JobSpec
from svmodel.batch.worker import run_job
from svmodel.util.cores import usable_cores

POOL_RESTARTS = 3  # fresh pools after a worker died, before the remaining jobs are failed
WINDOW_PER_WORKER = 4  # jobs in flight per worker slot
STALL_GRACE_S = 10.0  # seconds a dead worker may leave the pool without a result (see above)
# Imported by every worker before its first job (by the fork server, once, where there is one).
WORKER_MODULES = ("nbconvert.exporters", "papermill", "svmodel.batch.shell", "svmodel.report.html",
                  "svmodel.report.sroi")


class PoolError(RuntimeError):
    """The pool cannot run anything (an unreachable scheduler, mismatched workers)."""


class Pool(Protocol):
    def run(self, specs: Iterable[JobSpec]) -> Iterator[JobOutcome]: ...

    def close(self) -> None: ...


def _lost(spec: JobSpec, exc: BaseException | str) -> JobOutcome:
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    record = JobRecord(name=spec.name, scenario=str(spec.parameters.get("scenario", "")),
                       status=FAILED, error_name="WorkerLost",
                       message=f"the worker running this job failed: {text}", title=spec.title)
    return JobOutcome(spec=spec, record=record)


class SerialPool:
    """Jobs one after another in this process, on one warm kernel (`--workers 0`)."""

    def run(self, specs: Iterable[JobSpec]) -> Iterator[JobOutcome]:
        for spec in specs:
            yield run_job(spec)

    def close(self) -> None:
        from svmodel.batch.kernel import thread_kernel

        thread_kernel().shutdown()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pidfd_works() -> bool:
    """Linux 5.3+ can watch another process's exit through a file descriptor (`pidfd_open`)."""
    try:
        os.close(os.pidfd_open(os.getpid()))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False
    return True


def _exit_with(batch: int) -> bool:
    """Make this worker exit as soon as the batch's process ends, even by `kill -9`, whoever its
    parent is (a fork server outlives the batch while it has children). False if the batch has
    already ended."""
    try:
        watched = os.pidfd_open(batch)  # type: ignore[attr-defined]
    except ProcessLookupError:
        return False
    except (AttributeError, OSError):  # no pidfd: only spawned workers are used (_start_context)
        return os.getppid() == batch

    def watch() -> None:
        select.select([watched], [], [])  # readable once the batch's process has ended
        os._exit(1)

    threading.Thread(target=watch, name="svmodel-batch-watch", daemon=True).start()
    return True


def _worker_init(batch: int, environment: dict[str, str]) -> None:
    """Pool initializer: tie the worker's life to the batch's process, leave Ctrl-C to the
    batch, take the batch's current environment (a forked worker inherits the fork server's,
    from when it started), and import the heavy modules once per worker rather than per job
    (already done where the fork server did)."""
    _die_with_parent()
    if not _exit_with(batch):  # the batch died before this worker could follow it
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ != environment:
        os.environ.clear()
        os.environ.update(environment)
    for name in WORKER_MODULES:
        importlib.import_module(name)


def _start_context() -> multiprocessing.context.BaseContext:
    """A fork server that preloads `WORKER_MODULES` where the platform has one and a worker can
    watch the batch's process end (Linux), else spawn. A fork server that cannot start (its
    socket lives in the temporary folder, which may be read-only or have too long a path) also
    means spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods() and _pidfd_works():
        from multiprocessing import forkserver

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_MODULES))  # used when the server starts
        try:
            forkserver.ensure_running()
        except OSError:
            return multiprocessing.get_context("spawn")
        return context
    return multiprocessing.get_context("spawn")


class ProcessPool:
    """A local pool of `workers` processes, forked from a clean fork server or spawned, so no
    state leaks from the batch's process into a job."""

    def __init__(self, workers: int, job: Callable[[JobSpec], JobOutcome] = run_job,
                 stall_grace: float = STALL_GRACE_S):
        self.workers = max(1, workers)
        self.restarts = 0
        self._job = job
        self._stall_grace = stall_grace
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=_start_context(),
                                   initializer=_worker_init,
                                   initargs=(os.getpid(), dict(os.environ)))

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and diagnostics)."""
        return [p.pid for p in (getattr(self._executor, "_processes", None) or {}).values()]

    def run(self, specs: Iterable[JobSpec]) -> Iterator[JobOutcome]:
        pending = iter(specs)
        retry: list[JobSpec] = []
        running: dict[Future[JobOutcome], JobSpec] = {}
        window = self.workers * WINDOW_PER_WORKER
        while True:
            while len(running) < window:
                spec = retry.pop() if retry else next(pending, None)
                if spec is None:
                    break
                try:
                    running[self._executor.submit(self._job, spec)] = spec
                except BrokenProcessPool:
                    retry.append(spec)
                    break
            if not running and not retry:
                return
            broken = False
            if running:
                done = self._wait(list(running))
                broken = done is None
                for future in done or ():
                    spec = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        retry.append(spec)
                        continue
                    except BaseException as exc:  # the job could not be pickled, and the like
                        outcome = _lost(spec, exc)
                    yield outcome
            else:
                broken = True
            if broken:
                # A worker died: every job still in this pool is lost with it. Start a fresh
                # pool and resubmit them (the job that killed it included, a bounded number
                # of times).
                retry.extend(running.values())
                running.clear()
                self._executor.shutdown(wait=False, cancel_futures=True)
                self.restarts += 1
                if self.restarts > POOL_RESTARTS:
                    for spec in retry:
                        yield _lost(spec, f"worker processes died {self.restarts} times; "
                                          "the batch stopped retrying")
                    retry.clear()
                    for spec in pending:
                        yield _lost(spec, "not run: the worker pool kept failing")
                    return
                self._executor = self._new_executor()

    def _wait(self, futures: list[Future[JobOutcome]]) -> set[Future[JobOutcome]] | None:
        """The futures done next, or None when the pool is stuck behind a dead worker."""
        dead_since: float | None = None
        while True:
            done, _ = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
            if done:
                return done
            if not self._a_worker_died():
                dead_since = None
                continue
            dead_since = dead_since or time.monotonic()
            if time.monotonic() - dead_since >= self._stall_grace:
                self._unstick()
                done, _ = wait(futures, timeout=self._stall_grace, return_when=FIRST_COMPLETED)
                return done or None

    def _a_worker_died(self) -> bool:
        processes = getattr(self._executor, "_processes", None) or {}
        return any(process.exitcode is not None for process in list(processes.values()))

    def _unstick(self) -> None:
        """Kill the workers and close this process's copy of the result pipe's writer, so the
        executor's reader gets end-of-file instead of waiting for the rest of a message."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        writer = getattr(getattr(self._executor, "_result_queue", None), "_writer", None)
        if writer is not None:
            try:
                writer.close()
            except OSError:
                pass

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Stop at once (Ctrl-C, SIGTERM): kill the workers rather than wait for their jobs."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._executor.shutdown(wait=True, cancel_futures=True)


DEFAULT_CONNECT_TIMEOUT = 10.0


class DaskPool:
    """Jobs on an existing Dask distributed cluster: `Client(address)`, one kernel per worker
    process (start workers with `--nthreads 1`), results gathered as they complete."""

    def __init__(self, scheduler: str | object, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT):
        from distributed import Client

        self._own = isinstance(scheduler, str)
        if isinstance(scheduler, str):
            try:
                self.client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise PoolError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler there within "
                    f"{connect_timeout:g} s ({type(exc).__name__}). Check the address "
                    "(tcp://HOST:8786) and that `dask scheduler` is running.") from None
        else:
            self.client = scheduler
        self.check_workers()

    def check_workers(self) -> None:
        """Every worker must run this svmodel version; else nothing is submitted."""
        try:
            versions = self.client.run(_svmodel_version)
        except Exception as exc:  # workers leaving while asked
            raise PoolError(f"cannot ask the Dask workers for their svmodel version: {exc}") from None
        if not versions:
            raise PoolError("the Dask cluster has no workers: start some with "
                            "`dask worker ADDRESS --nthreads 1`")
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            listed = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
            if self._own:
                self.client.close()
            raise PoolError(f"Dask workers run a different svmodel version than this one "
                            f"({__version__}): {listed}. Install svmodel {__version__} on every "
                            "worker (nothing was run or written).")

    def run(self, specs: Iterable[JobSpec]) -> Iterator[JobOutcome]:
        from distributed import as_completed as dask_completed

        window = max(4, WINDOW_PER_WORKER * max(1, _slots(self.client)))
        pending = iter(specs)
        by_key: dict[str, JobSpec] = {}

        def submit(spec: JobSpec):
            future = self.client.submit(run_job, spec, pure=False,
                                        key=f"svmodel-{spec.name}-{spec.batch_id}")
            by_key[future.key] = spec
            return future

        first = [submit(s) for s in _take(pending, window)]
        queue = dask_completed(first, loop=self.client.loop)
        for future in queue:
            spec = by_key.pop(future.key)
            try:
                yield future.result()
            except BaseException as exc:  # worker lost too many times, job not deserialised...
                yield _lost(spec, exc)
            finally:
                future.release()
            following = next(pending, None)
            if following is not None:
                queue.add(submit(following))

    def close(self) -> None:
        if self._own:
            self.client.close()


def _svmodel_version() -> str:
    import svmodel

    return svmodel.__version__


def _slots(client: object) -> int:
    try:
        info = client.scheduler_info()  # type: ignore[attr-defined]
        return sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
    except Exception:
        return 1


def _take(iterator: Iterator[JobSpec], count: int) -> list[JobSpec]:
    out = []
    for _ in range(count):
        item = next(iterator, None)
        if item is None:
            break
        out.append(item)
    return out


def default_workers() -> int:
    return usable_cores()


def make_pool(workers: int | None, scheduler: str | object | None, jobs: int,
              connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Pool:
    """A Dask pool when a scheduler is given; else a process pool of `workers` processes (None:
    one per core, or this process when there is a single report to run, which saves starting a
    pool; 0: this process)."""
    if scheduler:
        return DaskPool(scheduler, connect_timeout)
    if workers is None and jobs <= 1:
        return SerialPool()
    count = default_workers() if workers is None else workers
    if count <= 0 or jobs <= 0:
        return SerialPool()
    return ProcessPool(min(count, jobs))
