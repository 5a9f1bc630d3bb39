"""The Knowsley framework as data, and `svmodel framework show`."""

from __future__ import annotations

from svmodel.cli import main
from svmodel.library.frameworks import load_framework
from svmodel.library.proxies import default_library


def test_every_framework_proxy_exists_and_rebases_to_the_latest_price_year():
    framework = load_framework("knowsley")
    library = default_library()
    assert framework.unknown_proxies(library) == []
    latest = library.deflators.last_year
    for measure in framework.measures.values():
        for choice in measure.proxies:
            assert library.rebased_value(choice.id, latest) >= 0, (measure.id, choice.id)


def test_measures_belong_to_their_outcomes():
    framework = load_framework("knowsley")
    assert [o.id for o in framework.outcomes] == [f"O{i}" for i in range(1, 7)]
    assert list(framework.measures) == [f"K{i}" for i in range(1, 30)]
    assert framework.outcome_of("K10").id == "O2"
    assert framework.outcome_of("K99") is None


def test_framework_show_prints_every_measure(capsys):
    assert main(["framework", "show", "knowsley"]) == 0
    out = capsys.readouterr().out
    for number in range(1, 30):
        assert f"  K{number} " in out
    assert "count only: Counted at face value in pounds" in out  # K22
    assert "of 29 measures valued" in out


def test_unknown_framework_is_a_user_error(capsys):
    assert main(["framework", "show", "narnia"]) == 1
    assert "framework 'narnia' not found; shipped: knowsley" in capsys.readouterr().err


def test_proxy_docs_are_generated_from_the_library(repo_root):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(repo_root / "scripts" / "build_proxy_docs.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
