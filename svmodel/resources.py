"""One resolver for every file svmodel ships: the proxy library and deflators, outcome
frameworks, example scenarios, notebooks and report templates.

The files are package data inside `svmodel/data/`, found with `importlib.resources`, so an
installed wheel works from any folder (a wheel is always installed unzipped, so each resource
is a real path that papermill, voila and nbconvert can open). Users who keep their own copies
point svmodel at them with environment variables:

- `SVMODEL_PROXIES_DIR`: the proxy library folder (`library.yaml`, CSV files, deflators);
- `SVMODEL_FRAMEWORKS_DIR`: the folder of framework YAML files (`knowsley.yaml`);
- `SVMODEL_NOTEBOOKS_DIR`: the folder of report, portfolio, explorer and tender notebooks;
- `SVMODEL_EXAMPLES_DIR`: the example scenarios offered by the explorer;
- `SVMODEL_LEDGER_EXAMPLE_DIR`: the partnership ledger's example (partners, returns, configuration);
- `SVMODEL_BUSINESS_CASE_DIR`: business case tables (agencies, optimism bias, values by year).

References: the Python Packaging User Guide, "Accessing data files at runtime"
(importlib.resources).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from svmodel.errors import ResourceError

ENVIRONMENT = {
    "proxies": "SVMODEL_PROXIES_DIR",
    "frameworks": "SVMODEL_FRAMEWORKS_DIR",
    "notebooks": "SVMODEL_NOTEBOOKS_DIR",
    "examples": "SVMODEL_EXAMPLES_DIR",
    "ledger": "SVMODEL_LEDGER_EXAMPLE_DIR",
    "business_case": "SVMODEL_BUSINESS_CASE_DIR",  # issue 14: agencies, optimism bias, values by year
}


def _packaged(*parts: str) -> Path:
    return Path(str(files("svmodel").joinpath("data", *parts)))


def data_dir(kind: str) -> Path:
    """The folder holding one kind of shipped data (`proxies`, `frameworks`, `notebooks`,
    `examples`): the environment override when set, else the package's own copy."""
    if kind not in ENVIRONMENT:
        raise ResourceError(f"unknown kind of data {kind!r}; expected one of {', '.join(ENVIRONMENT)}")
    override = os.environ.get(ENVIRONMENT[kind])
    if override:
        path = Path(override).expanduser()
        if not path.is_dir():
            raise ResourceError(f"{ENVIRONMENT[kind]}={override} is not a folder")
        return path
    path = _packaged(kind)
    if not path.is_dir():
        raise ResourceError(f"svmodel's {kind} folder is missing from the installation ({path}); "
                            "reinstall svmodel")
    return path


def proxies_dir() -> Path:
    return data_dir("proxies")


def frameworks_dir() -> Path:
    return data_dir("frameworks")


def examples_dir() -> Path:
    return data_dir("examples")


def notebook(name: str) -> Path:
    """A shipped notebook by name, e.g. ``notebook("sroi_report")``."""
    path = data_dir("notebooks") / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    if not path.is_file():
        raise ResourceError(f"notebook {path.name} not found in {path.parent}")
    return path


def templates_dir() -> Path:
    """nbconvert templates of the HTML reports (package data of `svmodel.report`)."""
    return Path(str(files("svmodel.report").joinpath("templates")))


def checks_file(name: str) -> Path:
    """A shipped data file of checks (`svmodel/data/checks/`), e.g. the benefit-overlap graph."""
    path = _packaged("checks", name)
    if not path.is_file():
        raise ResourceError(f"svmodel's check data {name!r} is missing from the installation "
                            f"({path}); reinstall svmodel")
    return path
