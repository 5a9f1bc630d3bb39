"""`svmodel ledger open`: the partnership officer's page served with voila on localhost, like
`svmodel explore` (svmodel/commands/explore.py). The ledger URL, the site folder and the
configuration reach the notebook's kernel through SVMODEL_LEDGER_URL, SVMODEL_LEDGER_SITE and
SVMODEL_LEDGER_CONFIG. The database is checked before the server starts."""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import webbrowser
from pathlib import Path

from svmodel.commands._common import UsageError
from svmodel.commands.explore import free_port, voila_command, wait_until_serving
from svmodel.ledger.db import open_ledger, resolve_url
from svmodel.resources import notebook

NOTEBOOK = notebook("ledger_officer")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("voila") is None:
        raise UsageError("the officer's page needs voila: pip install 'svmodel[web]' "
                        "(or open notebooks/ledger_officer.ipynb in JupyterLab)")
    if not NOTEBOOK.is_file():
        raise UsageError(f"{NOTEBOOK}: the officer's notebook is missing from this installation")
    url_db = resolve_url(args.db)
    open_ledger(args.db).dispose()  # fail here, in the terminal, if there is no ledger
    if args.port is not None and not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected a port number from 1 to 65535")
    port = args.port if args.port is not None else free_port()
    env = {**os.environ, "SVMODEL_LEDGER_URL": url_db, "MPLBACKEND": "Agg",
           "SVMODEL_LEDGER_SITE": str(Path(args.site or "site").resolve())}
    if args.config:
        env["SVMODEL_LEDGER_CONFIG"] = str(Path(args.config).resolve())
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(voila_command(NOTEBOOK, port), stdin=subprocess.DEVNULL, env=env)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        wait_until_serving(url, process)
        print(f"Partnership ledger: {url}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        return process.wait()
    except KeyboardInterrupt:
        print("stopping the ledger page", file=sys.stderr, flush=True)
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
