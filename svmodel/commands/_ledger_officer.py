"""`svmodel ledger open`: the partnership officer's page served with voila on localhost, like
`svmodel explore` (svmodel/commands/explore.py). The ledger URL, the site folder and the
configuration reach the notebook's kernel through SVMODEL_LEDGER_URL, SVMODEL_LEDGER_SITE and
SVMODEL_LEDGER_CONFIG. The database is checked before the server starts."""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

from svmodel.commands._common import UsageError
from svmodel.commands.explore import check_port, serve_page
from svmodel.ledger.db import open_ledger, resolve_url
from svmodel.resources import notebook

NOTEBOOK = notebook("ledger_officer")


def serve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("voila") is None:
        raise UsageError("the officer's page needs voila: pip install 'svmodel[web]' "
                        "(or open notebooks/ledger_officer.ipynb in JupyterLab)")
    if not NOTEBOOK.is_file():
        raise UsageError(f"{NOTEBOOK}: the officer's notebook is missing from this installation")
    url_db = resolve_url(args.db)
    open_ledger(args.db).dispose()  # fail here, in the terminal, if there is no ledger
    port = check_port(args.port)
    env = {**os.environ, "SVMODEL_LEDGER_URL": url_db, "MPLBACKEND": "Agg",
           "SVMODEL_LEDGER_SITE": str(Path(args.site or "site").resolve())}
    if args.config:
        env["SVMODEL_LEDGER_CONFIG"] = str(Path(args.config).resolve())
    return serve_page(NOTEBOOK, port, env, "Partnership ledger", "the ledger page",
                      open_browser=not args.no_browser)
