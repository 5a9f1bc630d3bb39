"""environment.yml mirrors pyproject.toml, and the quick start stays two commands."""

from __future__ import annotations

import re
import tomllib

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
