"""A batch given a relative output folder (as a user types it) writes its reports: the scratch
folders, the kernel's working folder and the notebook's output paths must agree."""

from __future__ import annotations

import shutil

import pytest

from svmodel.cli import main

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("engine", ["inprocess", "kernel"])
def test_relative_out_folder(tmp_path, monkeypatch, repo_root, engine):
    shutil.copy(repo_root / "params" / "examples" / "reablement_home_care.yaml", tmp_path / "reab.yaml")
    monkeypatch.chdir(tmp_path)
    code = main(["report", "reab.yaml", "--out", "out", "--draws", "50", "--workers", "0",
                 "--engine", engine, "--no-progress"])
    assert code == 0
    assert (tmp_path / "out" / "reab.html").is_file()
    assert (tmp_path / "out" / "reab.results.json").is_file()
