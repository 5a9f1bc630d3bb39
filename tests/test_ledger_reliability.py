"""Ledger reliability: two processes submitting at once to one SQLite file lose nothing, and a
submit killed midway (inside its transaction) leaves no partial return."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import text

from svmodel.ledger.db import init_ledger, open_ledger
from tests.ledger_support import return_form

ROOT = Path(__file__).resolve().parents[1]

SUBMITTER = textwrap.dedent("""
    import sys
    from svmodel.ledger.config import PartnershipConfig
    from svmodel.ledger.db import open_ledger
    from svmodel.ledger.service import submit
    db, org, *files = sys.argv[1:]
    ledger = open_ledger(db)
    for f in files:
        submit(ledger, f, org, "2026/27", PartnershipConfig(), actor=org)
    print("done", len(files))
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _forms(tmp_path: Path, prefix: str, n: int, start: int) -> list[str]:
    return [str(return_form(tmp_path / f"{prefix}{i}.csv", [{"measure": "K22", "quantity": start + i}]))
            for i in range(n)]


def test_two_processes_submitting_at_once_lose_nothing(tmp_path):
    db = str(tmp_path / "ledger.db")
    init_ledger(db)[0].dispose()
    n = 15
    jobs = [
        # two organisations, each its own series: n versions each
        ([sys.executable, "-c", SUBMITTER, db, "Org A", *_forms(tmp_path, "a", n, 1000)]),
        ([sys.executable, "-c", SUBMITTER, db, "Org B", *_forms(tmp_path, "b", n, 2000)]),
        # one organisation, one period: 2n versions of one series, racing for version numbers
        ([sys.executable, "-c", SUBMITTER, db, "Org C", *_forms(tmp_path, "c", n, 3000)]),
        ([sys.executable, "-c", SUBMITTER, db, "Org C", *_forms(tmp_path, "d", n, 4000)]),
    ]
    procs = [subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cmd in jobs]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert out.strip() == f"done {n}"
    ledger = open_ledger(db)
    with ledger.session() as s:
        rows = s.execute(text("SELECT o.name, r.version, r.current, r.total_value FROM returns r "
                              "JOIN organisations o ON o.id = r.organisation_id")).all()
        lines = s.scalar(text("SELECT count(*) FROM return_lines"))
    ledger.dispose()
    by_org = {name: [r for r in rows if r[0] == name] for name in ("Org A", "Org B", "Org C")}
    for name in ("Org A", "Org B", "Org C"):
        expected = n if name != "Org C" else 2 * n
        versions = sorted(r[1] for r in by_org[name])
        assert versions == list(range(1, expected + 1)), name
        assert sum(1 for r in by_org[name] if r[2]) == 1, name
    assert lines == 4 * n
    values = sorted(round(r[3]) for r in rows)
    assert values == sorted([1000 + i for i in range(n)] + [2000 + i for i in range(n)]
                            + [3000 + i for i in range(n)] + [4000 + i for i in range(n)])


KILLED = textwrap.dedent("""
    import sys, time
    import svmodel.ledger.service as service
    from svmodel.ledger.config import PartnershipConfig
    from svmodel.ledger.db import open_ledger
    original = service.audit
    def audit_then_hang(session, *args, **kwargs):
        original(session, *args, **kwargs)
        session.flush()                 # the return, its lines and the audit row are written...
        print("READY", flush=True)      # ...but the transaction is not committed
        time.sleep(600)
    service.audit = audit_then_hang
    db, form = sys.argv[1:]
    service.submit(open_ledger(db), form, "Killed Org", "2026/27", PartnershipConfig())
""")


def test_a_submit_killed_midway_leaves_nothing(tmp_path):
    db = str(tmp_path / "ledger.db")
    init_ledger(db)[0].dispose()
    form = return_form(tmp_path / "r.csv", [{"measure": "K22", "quantity": 5}, {"measure": "K7", "quantity": 1}])
    proc = subprocess.Popen([sys.executable, "-c", KILLED, db, str(form)], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    ledger = open_ledger(db)
    with ledger.session() as s:
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        counts = [s.scalar(text(f"SELECT count(*) FROM {t}"))
                  for t in ("organisations", "returns", "return_lines", "audit_events")]
    assert counts == [0, 0, 0, 0]
    # the lock died with the process: the same return can be submitted now
    from svmodel.ledger.config import PartnershipConfig
    from svmodel.ledger.service import submit

    result = submit(ledger, form, "Killed Org", "2026/27", PartnershipConfig())
    assert result.created and result.version == 1
    ledger.dispose()
