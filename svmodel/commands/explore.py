"""`svmodel explore [FILE] [--port N] [--no-browser]`: the scenario explorer as a web page.

Serves notebooks/scenario_explorer.ipynb with voila on localhost (one kernel per visitor, code
hidden) and prints the address. The scenario file, any `--proxies` packs and the folder where
variants are saved reach the notebook's kernel through environment variables
(SVMODEL_EXPLORE_FILE, SVMODEL_EXPLORE_PROXIES, SVMODEL_EXPLORE_SAVE_DIR), which voila's kernels
inherit. The file is validated before the server starts, so a broken file fails here, with the
usual message naming file, field and allowed values.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

from svmodel.commands._common import UsageError, add_proxies_option, library_from_args, say
from svmodel.resources import notebook

NOTEBOOK = notebook("scenario_explorer")
DEFAULT_PORT = 8866
START_TIMEOUT = 60.0

# The same thin notebook as notebooks/scenario_explorer.ipynb, for installs without the repo.
_FALLBACK_SOURCE = 'scenario: str = ""\n', "from svmodel.explorer.widgets import explore\n\nexplore(scenario)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explore", help="open the scenario explorer in a web browser (served with voila)",
        description="Serve the scenario explorer on localhost with voila and print its address. "
                    "Move the controls, compare named variants and save a variant as a new "
                    "scenario file. Stop with Ctrl+C.")
    parser.add_argument("file", nargs="?", help="scenario YAML file to open (optional: the page "
                                                "also lets you choose one)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port to serve on (default: the first free port from {DEFAULT_PORT})")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("--save-dir", metavar="DIR", default=None,
                        help="folder where saved variants go by default (default: the scenario's folder)")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def free_port(start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from `start` that is free on 127.0.0.1."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise UsageError(f"no free port between {start} and {start + tries - 1}; give one with --port")


def notebook_path() -> Path:
    """The explorer notebook; written to a temporary folder when the repository copy is absent."""
    if NOTEBOOK.is_file():
        return NOTEBOOK
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(_FALLBACK_SOURCE[0], metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(_FALLBACK_SOURCE[1])]
    path = Path(tempfile.mkdtemp(prefix="svmodel-explore-")) / "scenario_explorer.ipynb"
    nbformat.write(nb, path)
    return path


def voila_command(notebook: Path, port: int) -> list[str]:
    """The voila invocation: this interpreter's voila, localhost only, no browser of its own."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True"]


def explorer_env(file: Path | None, packs: list[str], save_dir: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SVMODEL_EXPLORE_FILE", None)
    if file is not None:
        env["SVMODEL_EXPLORE_FILE"] = str(file)
    env["SVMODEL_EXPLORE_PROXIES"] = os.pathsep.join(str(Path(p).resolve()) for p in packs)
    if save_dir is not None:
        env["SVMODEL_EXPLORE_SAVE_DIR"] = str(save_dir)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Poll `url` until it answers; fail if the server exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UsageError(f"voila stopped while starting (exit status {process.returncode}); "
                            "see its messages above")
        try:
            with urllib.request.urlopen(url + "favicon-check-404", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (a 404 here: the probe path does not start a kernel)
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise UsageError(f"voila did not answer on {url} within {timeout:.0f} s")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def handle(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("voila") is None:
        raise UsageError("the web explorer needs voila: pip install 'svmodel[web]' "
                        "(or open notebooks/scenario_explorer.ipynb in JupyterLab)")
    library = library_from_args(args)
    file = None
    if args.file:
        from svmodel.scenario import load_scenario

        file = Path(args.file).expanduser().resolve()
        load_scenario(file, library)  # fail now, in the terminal, if the file is invalid
    save_dir = Path(args.save_dir).expanduser().resolve() if args.save_dir else None
    if save_dir is not None and not save_dir.is_dir():
        raise UsageError(f"--save-dir {args.save_dir}: no such folder")
    port = check_port(args.port)
    return serve_page(notebook_path(), port, explorer_env(file, args.proxies or [], save_dir),
                      "Scenario explorer", "the explorer", open_browser=not args.no_browser,
                      note=f"  ({file.name})" if file else "")


def check_port(port: int | None) -> int:
    """`--port` checked (1-65535), or a free port when none was given."""
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: expected a port number from 1 to 65535")
    return port if port is not None else free_port()


def serve_page(notebook: Path, port: int, env: dict[str, str], label: str, what: str,
               open_browser: bool = True, note: str = "") -> int:
    """Serve `notebook` with voila on 127.0.0.1:`port` until Ctrl+C or SIGTERM, then stop
    voila and its kernels (terminate, then kill after 10 s). Used by `svmodel explore` and
    `svmodel ledger open`."""
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(voila_command(notebook, port), stdin=subprocess.DEVNULL, env=env)
    # SIGTERM (e.g. from a test or a service manager) shuts voila and its kernels down too.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        wait_until_serving(url, process)
        say(f"{label}: {url}{note}", flush=True)
        say("Press Ctrl+C to stop.", flush=True)
        if open_browser:
            webbrowser.open(url)
        return process.wait()
    except KeyboardInterrupt:
        say(f"stopping {what}", file=sys.stderr, flush=True)
        return 0
    finally:
        if process.poll() is None:
            process.terminate()  # voila stops its loop, then shuts its kernels down
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
