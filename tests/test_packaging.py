"""Packaging and the house rules: environment.yml mirrors pyproject.toml, the quick start stays
two commands, shipped files are package data, the import layering holds, and running a notebook
by hand leaves nothing behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for group in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in group}
    wanted = {"distributed" if n == "dask" else n for n in wanted} | {"dask"}
    env = yaml.safe_load((repo_root / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert wanted <= conda, wanted - conda


def test_readme_quick_start_is_make_demo_and_make_test(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (repo_root / ".ci" / "run").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- shipped data
def test_resources_are_package_data_not_the_source_tree(repo_root):
    """Every shipped file is found inside the package (as in an installed wheel)."""
    import svmodel
    from svmodel import resources

    package = repo_root / "svmodel"
    assert resources.proxies_dir() == package / "data" / "proxies"
    assert (resources.frameworks_dir() / "knowsley.yaml").is_file()
    assert resources.notebook("sroi_report").parent == package / "data" / "notebooks"
    assert (resources.templates_dir() / "svmodel_report" / "index.html.j2").is_file()
    assert Path(svmodel.__file__).parent == package


def test_environment_overrides_name_a_missing_folder(monkeypatch, tmp_path):
    from svmodel import resources
    from svmodel.errors import ResourceError

    monkeypatch.setenv("SVMODEL_FRAMEWORKS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ResourceError, match="SVMODEL_FRAMEWORKS_DIR=.*nowhere is not a folder"):
        resources.frameworks_dir()
    monkeypatch.setenv("SVMODEL_FRAMEWORKS_DIR", str(tmp_path))
    assert resources.frameworks_dir() == tmp_path


def test_no_module_walks_up_from_its_source_file(repo_root):
    """Files are found through svmodel.resources, never relative to the source tree."""
    offenders = [str(p.relative_to(repo_root)) for p in (repo_root / "svmodel").rglob("*.py")
                 if re.search(r"parents\[\d\]", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_top_level_folders_point_into_the_package(repo_root):
    for link, target in (("proxies", "svmodel/data/proxies"), ("notebooks", "svmodel/data/notebooks"),
                         ("params/examples", "svmodel/data/examples"),
                         ("params/frameworks", "svmodel/data/frameworks"),
                         ("params/ledger", "svmodel/data/ledger"), ("params/tenders", "svmodel/data/tenders")):
        assert (repo_root / link).resolve() == (repo_root / target).resolve(), link


@pytest.mark.slow
def test_installed_wheel_works_from_another_folder(repo_root):
    """scripts/check_wheel.sh: build the wheel, install it in a throwaway virtual environment,
    run `svmodel run --json`, `framework show knowsley`, `report` and a report on a Dask cluster
    of separate `dask scheduler` / `dask worker` processes, all from a folder outside the repo."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not available")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(["bash", str(repo_root / "scripts" / "check_wheel.sh"), sys.executable],
                          cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True,
                          timeout=900, stdin=subprocess.DEVNULL)
    log = "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                    if not line.startswith("WARNING: Location"))
    assert done.returncode == 0, log[-6000:]
    assert re.search(r"wheel-check: \[ *\d+ s\] passed", log), log[-3000:]


# --------------------------------------------------------------------------- layering
def test_import_contracts_hold(repo_root):
    """The layering rules in pyproject.toml ([tool.importlinter]) hold: the core never imports a
    view, and nothing imports upward."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed (it is in the test extra: make test installs it)")
    done = subprocess.run([lint, str(repo_root / "pyproject.toml")], cwd=repo_root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout, done.stdout


# --------------------------------------------------------------------------- by hand
@pytest.mark.slow
def test_report_notebook_by_hand_leaves_nothing_in_the_repo(repo_root, tmp_path):
    """Run the report notebook with its defaults from its own folder, as a user would in
    JupyterLab: it reports on the shipped example and writes nothing into the repository."""
    import papermill

    if shutil.which("git") is None or not (repo_root / ".git").exists():
        pytest.skip("not a git checkout")

    # Caches other tests write while this one runs (pytest-xdist runs files side by side):
    # hypothesis's example database and pytest's cache, and compiled bytecode.
    others = ("__pycache__", ".pyc", ".hypothesis/", ".pytest_cache/")

    def untracked() -> set[str]:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
                             cwd=repo_root, capture_output=True, text=True, check=True).stdout
        return {line for line in out.splitlines() if not any(part in line for part in others)}

    before = untracked()
    notebook = repo_root / "notebooks" / "sroi_report.ipynb"
    papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), parameters={"draws": 50},
                               kernel_name="python3", progress_bar=False, cwd=str(notebook.parent))
    assert untracked() - before == set()
