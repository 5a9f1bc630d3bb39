"""An in-process warm kernel: the report notebook run by papermill on an IPython shell inside
the worker process, without ZeroMQ messaging.

A Jupyter kernel is an IPython shell behind ZeroMQ sockets. For a report whose model takes
milliseconds, the messages around each cell (execute request, busy/idle status, outputs
validated and serialised twice, the reply) cost more than the cell (docs/reports.md,
"Speed"). `ShellKernel` runs the same notebook through papermill (`execute_notebook`:
parameter injection, cell metadata, error banner, `PapermillExecutionError`) with an engine
that executes each cell with `InteractiveShell.run_cell` and records its outputs as a kernel
would: `execute_result` with its execution count, `display_data`, coalesced `stream` text and
`error` outputs; notebook `language_info` as ipykernel reports it.

Isolation between reports is the warm kernel's (svmodel.batch.kernel): before each report the
user namespace, history and output caches are cleared (`%reset -f`), execution counts restart
at 1, matplotlib's rc parameters are restored and its figures closed, and the working
directory is the job's own folder. A cell time limit raises `CellTimeoutError` in the cell.
Pool workers are separate processes, so a report that crashes its interpreter takes down one
worker, whose jobs the batch retries on a fresh pool (svmodel.batch.pools).
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
from pathlib import Path
from typing import Any

import nbformat
from papermill.engines import Engine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import execute_notebook

ENGINE = "svmodel-inprocess"


class CellTimeoutError(TimeoutError):
    """A cell ran past the batch's time limit (`svmodel report --timeout`)."""

    def __init__(self, *args: Any):
        super().__init__(*(args or ("the cell ran past the time limit (--timeout)",)))


class _Capture:
    """The outputs of the cell being executed, in nbformat v4 form."""

    def __init__(self) -> None:
        self.outputs: list[nbformat.NotebookNode] = []

    def add(self, output: nbformat.NotebookNode) -> None:
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text  # as nbclient coalesces consecutive stream messages
        else:
            self.add(nbformat.v4.new_output("stream", name=name, text=text))


class _Stream:
    """sys.stdout / sys.stderr during a cell: text goes to the cell's stream output."""

    encoding = "utf-8"

    def __init__(self, shell: Any, name: str):
        self._shell, self.name = shell, name

    def write(self, text: str) -> int:
        self._shell.capture.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _shell_class() -> type:
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class CapturingDisplayHook(DisplayHook):
        """The value of a cell's last expression becomes an `execute_result`."""

        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict, md_dict: Any = None) -> None:
            self.shell.capture.add(nbformat.v4.new_output(
                "execute_result", data=format_dict, metadata=md_dict or {},
                execution_count=self.shell.execution_count))

        def finish_displayhook(self) -> None:
            pass

    class CapturingDisplayPublisher(DisplayPublisher):
        """`display(...)` calls become `display_data` outputs."""

        def publish(self, data: dict, metadata: Any = None, source: Any = None, *,
                    transient: Any = None, update: bool = False, **kwargs: Any) -> None:
            self.shell.capture.add(nbformat.v4.new_output(
                "display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait: bool = False) -> None:
            self.shell.capture.outputs.clear()

    class ReportShell(InteractiveShell):
        displayhook_class = CapturingDisplayHook
        display_pub_class = CapturingDisplayPublisher

        def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
            self.capture.add(nbformat.v4.new_output(
                "error", ename=getattr(etype, "__name__", str(etype)), evalue=str(evalue),
                traceback=list(stb)))

    return ReportShell


def _report_shell() -> Any:
    """The process's IPython shell, configured as ipykernel configures a kernel's."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    cls = _shell_class() if not InteractiveShell.initialized() else None
    if cls is None:
        shell = InteractiveShell.instance()
        if not hasattr(shell, "capture"):
            raise RuntimeError("an IPython shell is already running in this process")
        return shell
    config = Config()
    config.HistoryManager.enabled = False  # as the warm kernel: no history database
    config.InteractiveShell.colors = "nocolor"
    main = sys.modules.get("__main__")
    shell = cls.instance(config=config)
    # IPython installs its user module as `__main__`; put the process's own back between
    # reports (multiprocessing's spawn, used by later pools, needs the real one).
    shell._process_main = main
    if main is not None:
        sys.modules["__main__"] = main
    shell.capture = _Capture()
    try:  # figures shown as a kernel shows them, for notebooks that use pyplot
        shell.enable_matplotlib("inline")
    except Exception:  # matplotlib not installed: nothing to show
        pass
    return shell


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc) if exc else None)


class InProcessEngine(Engine):
    """papermill engine: each code cell through the shell, papermill's metadata around it."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        shell = kwargs["shell"]
        timeout = kwargs.get("execution_timeout")
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if not _run_cell(shell, cell, timeout):
                    nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index,
                                          exception=RuntimeError(cell.outputs[-1].get("ename", "")))
                    break
            finally:
                nb_man.cell_complete(nb_man.nb.cells[index], cell_index=index)
        nb_man.nb.metadata["language_info"] = _language_info()
        return nb_man.nb


papermill_engines.register(ENGINE, InProcessEngine)


def _run_cell(shell: Any, cell: Any, timeout: float | None) -> bool:
    """Execute one cell; its outputs and execution count as a kernel reports them."""
    shell.capture = capture = _Capture()
    count = shell.execution_count
    timer = None
    if timeout and timeout > 0:
        ident = threading.get_ident()
        timer = threading.Timer(timeout, _raise_in_thread, (ident, CellTimeoutError))
        timer.daemon = True
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(shell, "stdout"), _Stream(shell, "stderr")
    try:
        if timer:
            timer.start()
        result = shell.run_cell(cell.source, store_history=True, silent=False)
    finally:
        if timer:
            timer.cancel()
            _raise_in_thread(threading.get_ident(), None)  # a limit reached just now: drop it
        sys.stdout, sys.stderr = saved
    cell.execution_count = count
    cell.outputs = capture.outputs
    if isinstance(result.error_in_exec, KeyboardInterrupt):
        # Ctrl-C or SIGTERM (svmodel report turns it into KeyboardInterrupt) stops the batch,
        # not just this report, as it would with the notebook on a separate kernel.
        raise KeyboardInterrupt
    return result.success


_LANGUAGE_INFO: dict[str, Any] = {}


def _language_info() -> dict[str, Any]:
    """What ipykernel answers to kernel_info, so the notebook matches a kernel run."""
    if not _LANGUAGE_INFO:
        _LANGUAGE_INFO.update({
            "name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": "ipython3", "nbconvert_exporter": "python", "file_extension": ".py",
        })
    return dict(_LANGUAGE_INFO)


class ShellKernel:
    """The in-process warm kernel of this process (one per pool worker); same interface as
    `svmodel.batch.kernel.WarmKernel`."""

    def __init__(self) -> None:
        self.shell: Any = None
        self._frozen = False
        self.reports = 0
        self.batch_id: str | None = None

    def start(self, cwd: str | None = None) -> None:
        if self.shell is None:
            self.shell = _report_shell()

    def shutdown(self) -> None:
        """Nothing to stop: the shell lives as long as its worker process."""

    def reset(self, cwd: str) -> None:
        """Clear everything one report could leave for the next (see the module docstring)."""
        shell = self.shell
        os.chdir(cwd)
        if "matplotlib" in sys.modules:
            import matplotlib

            matplotlib.rcParams.update(matplotlib.rcParamsOrig)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        shell.run_line_magic("reset", "-f")
        shell.execution_count = 1
        if self.reports == 2 and not self._frozen:
            # `%reset` runs full garbage collections over every object of the process (half
            # a second with pandas, nbconvert and IPython loaded). After the first report every
            # module is loaded and its garbage collected: move what survives to the permanent
            # generation, so later collections only look at what reports allocate.
            gc.freeze()
            self._frozen = True

    def run(self, notebook: str | Path, output: str | Path, parameters: dict[str, Any], cwd: str,
            timeout: float | None = None, batch_id: str | None = None) -> nbformat.NotebookNode:
        """Execute `notebook` with `parameters` through papermill; raises what papermill raises
        (PapermillExecutionError for a cell error, with the error banner saved to `output`)."""
        with _LOCK:
            self.start()
            self.batch_id = batch_id
            self.reports += 1
            home = os.getcwd()
            self.reset(cwd)
            sys.modules["__main__"] = self.shell.user_module  # as in a kernel, for pickle
            try:
                return execute_notebook(
                    str(notebook), str(output), parameters=parameters, engine_name=ENGINE,
                    kernel_name="python3", language="python", shell=self.shell,
                    progress_bar=False, request_save_on_cell_execute=False,
                    execution_timeout=timeout)
            finally:
                self.shell.capture = _Capture()
                if getattr(self.shell, "_process_main", None) is not None:
                    sys.modules["__main__"] = self.shell._process_main
                os.chdir(home)


def available() -> bool:
    """True unless another IPython shell owns this process (`run_batch` called from inside a
    Jupyter kernel), in which case reports run on a separate warm kernel."""
    from IPython.core.interactiveshell import InteractiveShell

    return not InteractiveShell.initialized() or hasattr(InteractiveShell.instance(), "capture")


_LOCK = threading.Lock()  # one shell per process: threads of one Dask worker take turns
_KERNEL: ShellKernel | None = None


def process_kernel() -> ShellKernel:
    """The process's in-process kernel (created on first use)."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = ShellKernel()
    return _KERNEL


__all__ = ["CellTimeoutError", "PapermillExecutionError", "ShellKernel", "available"]
