"""Warm kernels: one Jupyter kernel kept alive per worker and reset between reports.

A papermill run costs about a second, almost all of it starting a kernel and importing
pandas, matplotlib and svmodel (docs/architecture.md, "Batch reports"). A `WarmKernel`
starts once, then runs each notebook through papermill (parameter injection, error banner,
`PapermillExecutionError`) on the same kernel, after a reset that:

- clears the user namespace, input/output history and caches (`%reset -f`), so no variable
  of one report is visible to the next;
- restarts execution counts at 1, so the executed notebook matches a cold run;
- restores matplotlib's rc parameters and closes pyplot figures;
- changes the working directory to the job's own folder.

Imported modules stay loaded (that is the saving). The kernel is restarted after a failed
report, after `max_reports` reports, and when a new batch starts (on Dask workers that live
across batches), so no state outlives a batch. Kernel start failures raise
`KernelStartError`, which the job runner retries once.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.execute import execute_notebook

logger = logging.getLogger(__name__)

ENGINE = "svmodel-warm"
KERNEL_NAME = "python3"

_RESET = """\
__import__("os").chdir({cwd!r})
if "matplotlib" in __import__("sys").modules:
    __import__("matplotlib").rcParams.update(__import__("matplotlib").rcParamsOrig)
if "matplotlib.pyplot" in __import__("sys").modules:
    __import__("matplotlib.pyplot").pyplot.close("all")
get_ipython().run_line_magic("reset", "-f")
get_ipython().execution_count = 1
"""


class KernelStartError(RuntimeError):
    """The kernel did not start or did not answer (worth one retry on a fresh kernel)."""


class KernelResetError(RuntimeError):
    """The kernel did not accept the reset between reports."""


class _WarmClient(PapermillNotebookClient):
    """papermill's client on the warm kernel's own, already connected client: a reset first,
    then papermill's cell loop; the kernel and its channels stay open afterwards.

    nbclient's `setup_kernel` is not used: it opens new channels and waits for the kernel to
    answer on every notebook (a fifth of a report's time) and registers an atexit handler per
    notebook that keeps every executed notebook alive until the process ends."""

    def __init__(self, nb_man: Any, km: AsyncKernelManager, warm: "WarmKernel", reset_code: str,
                 **kw: Any):
        super().__init__(nb_man, km=km, **kw)
        self._warm = warm
        self._reset_code = reset_code

    def execute(self, **kwargs: Any) -> nbformat.NotebookNode:
        self.reset_execution_trackers()
        self.kc = self._warm.kc
        try:
            msg_id = self.kc.execute(self._reset_code, silent=True, store_history=False)
            reply = self.wait_for_reply(msg_id)
            if not reply or reply["content"].get("status") != "ok":
                content = reply["content"] if reply else {}
                raise KernelResetError(f"kernel reset failed: {content.get('ename', 'no reply')}: "
                                       f"{content.get('evalue', '')}")
            self.papermill_execute_cells()
            if self._warm.language_info is None:
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                self._warm.language_info = info_msg["content"]["language_info"]
            self.nb.metadata["language_info"] = self._warm.language_info
            self.set_widgets_metadata()
        finally:
            self.kc = None
        return self.nb


class WarmEngine(NBClientEngine):
    """A papermill engine executing on an already started kernel (`warm=`) after a reset."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: int = 60, execution_timeout: int | None = None,
                                 **kwargs: Any) -> nbformat.NotebookNode:
        warm = kwargs["warm"]
        return _WarmClient(
            nb_man, km=warm.km, warm=warm, reset_code=kwargs["reset_code"],
            timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
        ).execute()


papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One kernel, started on first use and reused for report after report."""

    def __init__(self, kernel_name: str = KERNEL_NAME, startup_timeout: float = 60,
                 max_reports: int = 200):
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.max_reports = max_reports
        self.km: AsyncKernelManager | None = None
        self.kc: Any = None  # the connected client, kept open between reports
        self.language_info: dict[str, Any] | None = None
        self.reports = 0
        self.batch_id: str | None = None
        self._ipc_dir = ""

    @property
    def alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def start(self, cwd: str | None = None) -> None:
        """Start the kernel and wait until it answers; KernelStartError if it does not."""
        self.shutdown()
        # IPC sockets in a private folder: no TCP port races between kernels started at once
        # (ZMQError: Address already in use), no plain-TCP warning; history off, so resetting
        # execution counts never clashes with IPython's history database.
        self._ipc_dir = tempfile.mkdtemp(prefix="svmodel-kernel-")
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._ipc_dir, "kernel"))
        try:
            run_sync(km.start_kernel)(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"])
            client = km.client()
            client.start_channels()
            try:
                run_sync(client.wait_for_ready)(timeout=self.startup_timeout)
            except BaseException:
                client.stop_channels()
                raise
            client.allow_stdin = False
        except Exception as exc:  # zmq address in use, timeouts, missing kernelspec...
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:
                pass
            raise KernelStartError(f"kernel {self.kernel_name!r} did not start: "
                                   f"{type(exc).__name__}: {exc}") from exc
        self.km = km
        self.kc = client
        self.reports = 0

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # already closed
                pass
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # already gone
                pass
            self.km = None
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = ""

    def run(self, notebook: str | Path, output: str | Path, parameters: dict[str, Any], cwd: str,
            timeout: float | None = None, batch_id: str | None = None) -> nbformat.NotebookNode:
        """Execute `notebook` with `parameters` through papermill; raises what papermill raises
        (PapermillExecutionError for a cell error), KernelStartError if the kernel cannot start."""
        if batch_id != self.batch_id or self.reports >= self.max_reports or not self.alive:
            self.start(cwd)
            self.batch_id = batch_id
        assert self.km is not None
        self.reports += 1
        ok = False
        try:
            nb = execute_notebook(
                str(notebook), str(output), parameters=parameters, engine_name=ENGINE,
                kernel_name=self.kernel_name, warm=self, reset_code=_RESET.format(cwd=cwd),
                progress_bar=False, request_save_on_cell_execute=False,
                execution_timeout=timeout, start_timeout=int(self.startup_timeout),
            )
            ok = True
            return nb
        finally:
            if not ok:  # never reuse a kernel a failing notebook may have left in a bad state
                self.shutdown()


_local = threading.local()


def job_kernel(engine: str = "inprocess") -> Any:
    """The kernel a job runs on: the process's in-process shell (svmodel.batch.shell, the
    default and fastest), or this thread's warm Jupyter kernel (`engine="kernel"`, and
    whenever another IPython shell owns the process)."""
    if engine == "inprocess":
        from svmodel.batch import shell

        if shell.available():
            return shell.process_kernel()
    return thread_kernel()


def thread_kernel() -> WarmKernel:
    """The warm Jupyter kernel of the calling thread (one per worker slot, also on Dask)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None:
        kernel = _local.kernel = WarmKernel()
        _register_shutdown(kernel)
    return kernel


def _register_shutdown(kernel: WarmKernel) -> None:
    import atexit
    from multiprocessing import util

    atexit.register(kernel.shutdown)
    util.Finalize(kernel, kernel.shutdown, exitpriority=10)  # process-pool workers skip atexit
