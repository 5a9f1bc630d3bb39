"""The partnership ledger: every `svmodel ledger` command, bad returns, versions and the audit
trail, verification, figures kept apart by kind, on SQLite and on a throwaway PostgreSQL
cluster (skipped with the reason when the server cannot start)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from svmodel.cli import main
from svmodel.ledger.db import open_ledger
from svmodel.ledger.models import AuditEvent, Organisation, Return, ReturnLine
from svmodel.library.proxies import default_library
from tests.ledger_support import PostgresCluster, return_form

ROOT = Path(__file__).resolve().parents[1]
TENDER = ROOT / "params" / "tenders" / "home_care_2026"
SCENARIOS = ROOT / "params" / "ledger" / "returns"


@pytest.fixture(scope="session")
def postgres():
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start means: skip the PostgreSQL runs
        cluster.stop()
        pytest.skip(f"PostgreSQL tests skipped: cannot start a throwaway cluster ({exc})")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """A fresh, initialised ledger URL (or path) on each database; cwd is a temporary folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SVMODEL_LEDGER_URL", raising=False)
    if request.param == "sqlite":
        url = str(tmp_path / "ledger.db")
    else:
        url = request.getfixturevalue("postgres").create_database("t" + uuid.uuid4().hex[:12])
    assert main(["ledger", "init", "--db", url]) == 0
    return url


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def counts(url: str) -> tuple[int, int, int, int]:
    ledger = open_ledger(url)
    with ledger.session() as s:
        result = tuple(s.scalar(text(f"SELECT count(*) FROM {t}")) for t in
                       ("organisations", "returns", "return_lines", "audit_events"))
    ledger.dispose()
    return result  # type: ignore[return-value]


K1 = {"measure": "K1", "quantity": 5, "deadweight": 0.3, "evidence": "Payroll records"}
K22 = {"measure": "K22", "quantity": 10000, "unit": "GBP"}
K7 = {"measure": "K7", "quantity": 2}


# --------------------------------------------------------------------------- init, form
def test_init_is_idempotent_and_sqlite_uses_wal(db, capsys):
    code, out, _ = run(capsys, "ledger", "init", "--db", db)
    assert code == 0 and "schema 0003" in out
    if "://" not in db:
        ledger = open_ledger(db)
        with ledger.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        ledger.dispose()


def test_init_upgrades_an_older_schema(tmp_path, capsys, monkeypatch):
    from alembic import command

    from svmodel.ledger.db import Ledger, _alembic_config, resolve_url

    monkeypatch.chdir(tmp_path)
    ledger = Ledger(resolve_url(str(tmp_path / "old.db")))
    with ledger.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    ledger.dispose()
    code, _, err = run(capsys, "ledger", "summary", "--db", str(tmp_path / "old.db"))
    assert code == 1 and "has schema 0001" in err and "svmodel ledger init" in err
    code, out, _ = run(capsys, "ledger", "init", "--db", str(tmp_path / "old.db"))
    assert code == 0 and "schema 0003" in out
    assert run(capsys, "ledger", "summary", "--db", str(tmp_path / "old.db"))[0] == 0


def test_commands_refuse_a_missing_ledger(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "ledger", "summary", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "svmodel ledger init" in err and "Traceback" not in err


def test_env_variable_names_the_database(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SVMODEL_LEDGER_URL", str(tmp_path / "env.db"))
    assert run(capsys, "ledger", "init")[0] == 0
    assert (tmp_path / "env.db").exists() and not (tmp_path / "ledger.db").exists()


def test_form_has_human_headings_and_reads_back(db, tmp_path, capsys):
    from openpyxl import load_workbook

    code, out, _ = run(capsys, "ledger", "form", "--framework", "knowsley", "--out", str(tmp_path / "forms"))
    assert code == 0
    book = load_workbook(tmp_path / "forms" / "knowsley_return.xlsx")
    ws = book["Return"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Measure" and "Quantity in the period" in header
    assert [ws.cell(r, 1).value for r in range(2, 31)] == [f"K{i}" for i in range(1, 30)]
    ws.cell(2, header.index("Quantity in the period") + 1, 4)  # K1
    ws.cell(2, header.index("Deadweight (0 to 1)") + 1, "30%")
    book.save(tmp_path / "filled.xlsx")
    code, out, err = run(capsys, "ledger", "submit", str(tmp_path / "filled.xlsx"), "--org", "Acme Ltd",
                         "--period", "2026/27", "--db", db)
    assert code == 0, err
    assert out.splitlines()[0].strip().isdigit()
    csv_text = (tmp_path / "forms" / "knowsley_return.csv").read_text()
    assert csv_text.startswith("Measure,What the measure counts,Knowsley outcome,Unit,Quantity in the period")


# --------------------------------------------------------------------------- submit
def test_submit_values_each_line_with_the_proxy_in_force(db, tmp_path, capsys):
    form = return_form(tmp_path / "r.csv", [K1, K22, K7])
    code, out, err = run(capsys, "ledger", "submit", str(form), "--org", "Acme Ltd", "--period", "2026/27",
                         "--sector", "private", "--db", db)
    assert code == 0, err
    rid = int(out.splitlines()[0])
    library = default_library()
    expected_k1 = 5 * library.rebased_value("ucd_E&E1.0_economic", 2024) * 0.7
    ledger = open_ledger(db)
    with ledger.session() as s:
        ret = s.get(Return, rid)
        lines = {l.measure: l for l in ret.lines}
        assert lines["K1"].value == pytest.approx(expected_k1)
        assert lines["K1"].outcome == "O1" and lines["K1"].proxy_id == "ucd_E&E1.0_economic"
        assert lines["K22"].basis == "face value" and lines["K22"].value == 10000
        assert lines["K7"].basis == "count only" and lines["K7"].value == 0
        assert ret.total_value == pytest.approx(expected_k1 + 10000)
        assert ret.proxy_library_version == library.version and ret.proxy_library_hash == library.content_hash
        assert (ret.status, ret.assurance, ret.kind, ret.version) == ("submitted", "self-reported", "delivered", 1)
        assert s.scalar(select(Organisation.sector).where(Organisation.name == "Acme Ltd")) == "private"
    ledger.dispose()


def test_identical_resubmission_changes_nothing(db, tmp_path, capsys):
    form = return_form(tmp_path / "r.csv", [K1])
    first = run(capsys, "ledger", "submit", str(form), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)
    before = counts(db)
    code, out, _ = run(capsys, "ledger", "submit", str(form), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)
    assert code == 0 and "already recorded" in out
    assert out.splitlines()[0] == first[1].splitlines()[0]
    assert counts(db) == before


def test_a_changed_file_is_a_new_version_and_the_old_one_is_kept(db, tmp_path, capsys):
    v1 = return_form(tmp_path / "v1.csv", [{**K1, "quantity": 50}])
    v2 = return_form(tmp_path / "v2.csv", [{**K1, "quantity": 5}])
    id1 = int(run(capsys, "ledger", "submit", str(v1), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)[1].split()[0])
    code, out, _ = run(capsys, "ledger", "submit", str(v2), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)
    id2 = int(out.split()[0])
    assert code == 0 and id2 != id1 and "version 2" in out
    ledger = open_ledger(db)
    with ledger.session() as s:
        old, new = s.get(Return, id1), s.get(Return, id2)
        assert (old.current, new.current, new.version, new.supersedes_id) == (False, True, 2, id1)
        assert old.lines[0].quantity == 50  # kept, not overwritten
    ledger.dispose()
    code, out, err = run(capsys, "ledger", "verify", str(id1), "--by", "Officer", "--db", db)
    assert code == 1 and "replaced by return" in err
    code, out, _ = run(capsys, "ledger", "audit", str(id2), "--json", "--db", db)
    actions = [e["action"] for e in json.loads(out)]
    assert actions == ["submitted", "corrected"]
    code, out, _ = run(capsys, "ledger", "summary", "--json", "--db", db)
    data = json.loads(out)
    assert data["returns"]["versions"] == 2 and data["returns"]["current"] == 1
    assert data["value_by_kind"]["delivered"]["unverified"] == pytest.approx(
        5 * default_library().rebased_value("ucd_E&E1.0_economic", 2024) * 0.7)


BAD_ROWS = [
    ({"measure": "K99", "quantity": 1}, ["row 2", "Measure", "'K99'", "K1, K2"]),
    ({"measure": "K1", "quantity": "lots"}, ["row 2 (K1)", "Quantity in the period", "'lots'", "number"]),
    ({"measure": "K1", "quantity": 3, "deadweight": 1.5}, ["row 2 (K1)", "Deadweight (0 to 1)", "0 to 1"]),
    ({"measure": "K1", "quantity": 3, "proxy": "hmt_wellby"}, ["row 2 (K1)", "Financial proxy (id)",
                                                              "ucd_E&E1.0_economic", "count only"]),
    ({"measure": "K1", "quantity": 3, "unit": "tonnes"}, ["row 2 (K1)", "Unit", "'people'"]),
    ({"measure": "K7", "quantity": 3, "proxy": "hmt_wellby"}, ["row 2 (K7)", "counted, not valued"]),
]


@pytest.mark.parametrize("row,expected", BAD_ROWS, ids=[r[0]["measure"] + str(i) for i, r in enumerate(BAD_ROWS)])
def test_bad_returns_name_file_row_field_and_store_nothing(db, tmp_path, capsys, row, expected):
    before = counts(db)
    form = return_form(tmp_path / "bad.csv", [row, K22])
    code, out, err = run(capsys, "ledger", "submit", str(form), "--org", "New Org Ltd", "--period", "2026/27",
                         "--db", db)
    assert code == 1 and "Traceback" not in err
    assert str(form) in err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert counts(db) == before  # not even the new organisation


@pytest.mark.parametrize("args,expected", [
    (["--period", "2026/28"], "expected 2026/27"),
    (["--period", "next year"], "financial year such as 2026/27"),
    (["--period", "2026/27", "--kind", "maybe"], "invalid choice"),
])
def test_bad_arguments_are_explained(db, tmp_path, capsys, args, expected):
    form = return_form(tmp_path / "r.csv", [K1])
    try:
        code, _, err = run(capsys, "ledger", "submit", str(form), "--org", "Acme Ltd", "--db", db, *args)
    except SystemExit as exc:  # argparse's own usage error
        code, err = exc.code, capsys.readouterr().err
    assert code != 0 and expected in err
    assert counts(db)[1] == 0


def test_unreadable_and_empty_files(db, tmp_path, capsys):
    code, _, err = run(capsys, "ledger", "submit", str(tmp_path / "missing.csv"), "--org", "A", "--period",
                       "2026/27", "--db", db)
    assert code == 1 and "cannot read the file" in err
    empty = return_form(tmp_path / "empty.csv", [{"measure": "K1"}])
    code, _, err = run(capsys, "ledger", "submit", str(empty), "--org", "A", "--period", "2026/27", "--db", db)
    assert code == 1 and "nothing to record" in err


# --------------------------------------------------------------------------- other ways in
def test_scenario_files_record_per_measure_results(db, capsys):
    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    path = SCENARIOS / "council_reablement_evaluation_2025-26.yaml"
    code, out, err = run(capsys, "ledger", "submit", str(path), "--org", "Knowsley Council", "--period",
                         "2025/26", "--db", db)
    assert code == 0, err
    results = calculate(load_scenario(path))
    ledger = open_ledger(db)
    with ledger.session() as s:
        ret = s.get(Return, int(out.split()[0]))
        assert ret.kind == "delivered" and ret.source_type == "scenario file"
        assert ret.total_value == pytest.approx(results.total_present_value)
        assert {l.measure for l in ret.lines} == {"K9", "K10", "K11"}
    ledger.dispose()
    forecast = SCENARIOS / "council_reablement_forecast_2026-27.yaml"
    code, _, err = run(capsys, "ledger", "submit", str(forecast), "--org", "Knowsley Council", "--period",
                       "2026/27", "--kind", "delivered", "--db", db)
    assert code == 1 and "forecast" in err and "allowed" in err


def test_donation_return(db, tmp_path, capsys):
    path = tmp_path / "don.csv"
    path.write_text("Type of donation,Given through,Recipient,Amount in pounds (cash or in-kind),Volunteer hours,"
                    "Number of volunteers,Measure,What was given,Evidence you hold\n"
                    "cash,Knowsley Foundation,Youth club,2500,,,,Grant,Bank record\n"
                    "volunteer time,Knowsley CVS,Foodbank,,10,2,,Sorting,Timesheet\n")
    code, out, err = run(capsys, "ledger", "submit", str(path), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)
    assert code == 0, err
    hourly = default_library().rebased_value("ons_ashe_median_hourly_ft_2024", 2024)
    data = json.loads(run(capsys, "ledger", "summary", "--json", "--db", db)[1])
    assert data["value_by_kind"]["donated"]["unverified"] == pytest.approx(2500 + 10 * hourly)
    bad = tmp_path / "bad_don.csv"
    bad.write_text(path.read_text().replace("cash,Knowsley Foundation", "shares,Knowsley Foundation"))
    code, _, err = run(capsys, "ledger", "submit", str(bad), "--org", "Acme Ltd", "--period", "2026/27", "--db", db)
    assert code == 1 and "row 2" in err and "Type of donation" in err and "cash, in-kind, volunteer time" in err


def test_contract_commitments_and_delivery(db, capsys):
    code, out, err = run(capsys, "ledger", "contract", str(TENDER / "spec.yaml"),
                         str(TENDER / "bids" / "mersey_care_collective.xlsx"), "--ref", "C-1",
                         "--org", "Mersey Care Collective CIC", "--start", "2026/27", "--sector",
                         "social enterprise", "--db", db)
    assert code == 0, err
    delivery = TENDER / "delivery" / "year1_h1.csv"
    code, _, err = run(capsys, "ledger", "submit", str(delivery), "--org", "Mersey Care Collective CIC",
                       "--period", "2026/27 H1", "--db", db)
    assert code == 1 and "--contract" in err
    code, out, err = run(capsys, "ledger", "submit", str(delivery), "--org", "Mersey Care Collective CIC",
                         "--period", "2026/27 H1", "--contract", "C-1", "--db", db)
    assert code == 0, err
    data = json.loads(run(capsys, "ledger", "summary", "--json", "--db", db)[1])
    assert data["returns"]["by_kind"]["committed"] == 4 and data["returns"]["by_kind"]["delivered"] == 1
    assert data["value_by_kind"]["committed"]["unverified"] > data["value_by_kind"]["delivered"]["unverified"] > 0
    from svmodel.ledger.aggregates import committed_vs_delivered

    ledger = open_ledger(db)
    with ledger.session() as s:
        table = committed_vs_delivered(s)
    ledger.dispose()
    first = table[table["financial_year"] == "2026/27"].iloc[0]
    assert 0 < first["delivered"] < first["committed"]
    assert first["delivery_rate"] == pytest.approx(first["delivered"] / first["committed"])


# --------------------------------------------------------------------------- verification, figures
def test_verify_reject_and_summary_contract(db, tmp_path, capsys):
    a = int(run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [K22])), "--org", "A Ltd",
                "--period", "2026/27", "--db", db)[1].split()[0])
    b = int(run(capsys, "ledger", "submit", str(return_form(tmp_path / "b.csv", [{**K22, "quantity": 300}])),
                "--org", "B Ltd", "--period", "2026/27", "--db", db)[1].split()[0])
    c = int(run(capsys, "ledger", "submit", str(return_form(tmp_path / "c.csv", [{**K22, "quantity": 7}])),
                "--org", "C Ltd", "--period", "2026/27", "--kind", "forecast", "--db", db)[1].split()[0])
    code, out, _ = run(capsys, "ledger", "returns", "--status", "submitted", "--json", "--db", db)
    assert [r["id"] for r in json.loads(out)] == [a, b, c]
    assert run(capsys, "ledger", "verify", str(a), "--by", "Jo Officer", "--level", "independently verified",
               "--db", db)[0] == 0
    code, out, _ = run(capsys, "ledger", "verify", str(b), "--by", "Jo Officer", "--reject", "No evidence",
                       "--db", db)
    assert code == 0 and "rejected" in out
    with pytest.raises(SystemExit):
        run(capsys, "ledger", "verify", str(c), "--by", "Jo", "--level", "self-reported", "--db", db)
    assert "invalid choice: 'self-reported'" in capsys.readouterr().err
    code, out, _ = run(capsys, "ledger", "summary", "--json", "--db", db)
    data = json.loads(out)
    assert {"organisations", "returns", "value_by_kind"} <= set(data)
    assert data["organisations"] == 3
    assert data["returns"]["rejected"] == 1 and data["returns"]["verified"] == 1
    assert data["value_by_kind"]["delivered"] == {"verified": 10000.0, "unverified": 0.0}
    assert data["value_by_kind"]["forecast"] == {"verified": 0.0, "unverified": 7.0}
    code, out, _ = run(capsys, "ledger", "audit", "--json", "--db", db)
    rejected = [e for e in json.loads(out) if e["action"] == "rejected"]
    assert rejected[0]["actor"] == "Jo Officer" and rejected[0]["detail"]["reason"] == "No evidence"
    code, out, _ = run(capsys, "ledger", "figures", "--by", "sector", "--db", db)
    assert code == 0 and "Assurance levels included: independently verified" in out


def test_figures_keep_kinds_apart(db, tmp_path, capsys):
    run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [K22])), "--org", "A Ltd",
        "--period", "2026/27", "--db", db)
    run(capsys, "ledger", "submit", str(return_form(tmp_path / "b.csv", [K22])), "--org", "A Ltd",
        "--period", "2026/27", "--kind", "forecast", "--db", db)
    code, out, _ = run(capsys, "ledger", "figures", "--by", "outcome", "--json", "--db", db)
    rows = json.loads(out)["rows"]
    assert sorted((r["outcome"], r["kind"], r["value"]) for r in rows) == [
        ("O5", "delivered", 10000.0), ("O5", "forecast", 10000.0)]


def test_audit_trail_is_append_only_in_the_database(db, tmp_path, capsys):
    run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [K22])), "--org", "A Ltd",
        "--period", "2026/27", "--db", db)
    ledger = open_ledger(db)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events",
                      "DELETE FROM return_lines", "UPDATE return_lines SET value = 0", "DELETE FROM returns"):
        with pytest.raises(Exception, match="append-only"):
            with ledger.session() as s:
                s.execute(text(statement))
    with ledger.session() as s:
        assert s.scalar(select(ReturnLine.value)) == 10000
        assert s.scalar(text("SELECT count(*) FROM audit_events")) >= 2
    ledger.dispose()


# --------------------------------------------------------------------------- publish, safety
HOSTILE = '<script>alert("x")</script> & =HYPERLINK("http://evil")'


def test_publish_escapes_names_neutralises_csv_and_validates_json(db, tmp_path, capsys):
    import jsonschema

    run(capsys, "ledger", "contract", str(TENDER / "spec.yaml"), str(TENDER / "bids" / "mersey_care_collective.xlsx"),
        "--ref", "C-1", "--org", "Mersey Care Collective CIC", "--start", "2026/27", "--db", db)
    code, out, err = run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [{**K1, "description": "=1+1"}])),
                         "--org", HOSTILE, "--period", "2026/27", "--db", db)
    assert code == 0, err
    run(capsys, "ledger", "verify", out.split()[0], "--by", "<b>Officer</b>", "--db", db)
    site = tmp_path / "site"
    code, out, err = run(capsys, "ledger", "publish", "--out", str(site), "--db", db)
    assert code == 0, err
    assert (site / "index.html").exists() and (site / "data" / "returns.csv").exists()
    for page in site.rglob("*.html"):
        body = page.read_text()
        assert "<script>" not in body, page
    partner_pages = [p for p in (site / "partners").glob("p*.html") if "&lt;script&gt;" in p.read_text()]
    assert partner_pages
    returns_csv = (site / "data" / "returns.csv").read_text()
    assert "'=HYPERLINK" not in returns_csv  # the name starts with <, not a trigger: kept as text
    assert '<script>alert(""x"")</script> & =HYPERLINK' in returns_csv
    data = json.loads((site / "data" / "ledger.json").read_text())
    jsonschema.validate(data, json.loads((site / "data" / "ledger.schema.json").read_text()))
    ocds = json.loads((site / "data" / "ocds.json").read_text())
    release = ocds["releases"][0]
    assert release["ocid"].endswith("C-1") and release["contracts"][0]["milestones"]
    assert {m["type"] for m in release["contracts"][0]["milestones"]} == {"delivery"}


def test_csv_cells_starting_with_a_formula_trigger_are_neutralised(db, tmp_path, capsys):
    name = "=cmd|' /C calc'!A0"
    run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [K22])), "--org", name,
        "--period", "2026/27", "--db", db)
    site = tmp_path / "site"
    assert run(capsys, "ledger", "publish", "--out", str(site), "--db", db)[0] == 0
    for csv_file in ("returns.csv", "lines.csv"):
        text_ = (site / "data" / csv_file).read_text()
        assert "'=cmd" in text_ and ",=cmd" not in text_ and not text_.startswith("=")


def test_certificate_html_and_tiers(db, tmp_path, capsys):
    config = tmp_path / "partnership.yaml"
    config.write_text("name: Test partnership\ntiers:\n  - {name: Gold, minimum: 5000}\n"
                      "  - {name: Bronze, minimum: 1}\n")
    rid = run(capsys, "ledger", "submit", str(return_form(tmp_path / "a.csv", [K22])), "--org", "A & B <Ltd>",
              "--period", "2026/27", "--db", db)[1].split()[0]
    run(capsys, "ledger", "verify", rid, "--by", "Officer", "--db", db)
    code, out, err = run(capsys, "ledger", "certificate", "A & B <Ltd>", "--period", "2026/27", "--out",
                         str(tmp_path / "cert"), "--no-pdf", "--config", str(config), "--db", db)
    assert code == 0, err
    html = next((tmp_path / "cert").glob("*.html")).read_text()
    assert "A &amp; B &lt;Ltd&gt;" in html and "£10,000" in html and "Gold partner" in html
    assert "evidence checked" in html
    code, _, err = run(capsys, "ledger", "certificate", "Nobody", "--period", "2026/27", "--out",
                       str(tmp_path / "cert"), "--no-pdf", "--db", db)
    assert code == 1 and "no organisation named" in err
    site = tmp_path / "site"
    run(capsys, "ledger", "publish", "--out", str(site), "--config", str(config), "--db", db)
    recognition = (site / "recognition.html").read_text()
    assert "Gold" in recognition and "A &amp; B &lt;Ltd&gt;" in recognition


def test_org_and_import_commands(db, tmp_path, capsys):
    code, out, _ = run(capsys, "ledger", "org", "Acme Ltd", "--sector", "private", "--number", "01234567", "--db", db)
    assert code == 0 and "private" in out
    for i in range(3):
        return_form(tmp_path / f"r{i}.csv", [{**K22, "quantity": 100 + i}])
    listing = tmp_path / "list.csv"
    listing.write_text("file,org,period,kind,sector\nr0.csv,Acme Ltd,2024/25,,\nr1.csv,Acme Ltd,2025/26,,\n"
                       "r2.csv,Beta CIC,2025/26,forecast,social enterprise\n")
    code, out, err = run(capsys, "ledger", "import", str(listing), "--db", db)
    assert code == 0 and "3 returns recorded" in out, err
    code, out, _ = run(capsys, "ledger", "import", str(listing), "--db", db)
    assert "0 returns recorded, 3 already recorded" in out
    bad = tmp_path / "bad.csv"
    return_form(tmp_path / "r3.csv", [{"measure": "K0", "quantity": 1}])
    bad.write_text("file,org,period\nr3.csv,Acme Ltd,2026/27\nr0.csv,Acme Ltd,2026/27\n")
    before = counts(db)
    code, _, err = run(capsys, "ledger", "import", str(bad), "--db", db)
    assert code == 1 and "r3.csv" in err and "'K0'" in err
    assert counts(db) == before  # all or nothing
    data = json.loads(run(capsys, "ledger", "summary", "--json", "--db", db)[1])
    assert data["organisations_by_sector"] == {"private": 1, "social enterprise": 1}


def test_lines_keep_one_index_and_bulk_rows_read_back_typed(tmp_path):
    # Migration 0003 (issue 13): each line written updates one index; the bulk insert binds
    # booleans, datetimes and NULLs through the column types (read back typed).
    from datetime import datetime

    from sqlalchemy import inspect

    from svmodel.ledger.db import init_ledger
    from svmodel.ledger.service import insert_rows

    ledger, revision = init_ledger(str(tmp_path / "l.db"))
    assert revision == "0003"
    with ledger.engine.connect() as connection:
        names = {i["name"] for i in inspect(connection).get_indexes("return_lines")}
    assert names == {"ix_lines_cover"}
    when = datetime(2026, 12, 2, 23, 5, 1, 250)
    with ledger.session() as session:
        insert_rows(session.connection(), AuditEvent.__table__, ["detail", "actor", "action", "return_id", "at"],
                    [("{}", "a", "x", None, when), ('{"k": 1}', "b", "y", 7, when)])
    with ledger.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.actor, e.return_id, e.at, e.detail) for e in events[-2:]] == [
            ("a", None, when, "{}"), ("b", 7, when, '{"k": 1}')]
    ledger.dispose()


def test_outcome_pages_link_partners_in_order(tmp_path, capsys):
    # Issue 13 site rewrite: an outcome page lists the partners delivering it, largest first and
    # equal totals by name, each linked to its partner page; its measure table sums its lines.
    from svmodel.library.frameworks import load_framework

    db = str(tmp_path / "l.db")
    assert run(capsys, "ledger", "init", "--db", db)[0] == 0
    for org, quantity in (("Beta Ltd", 5), ("Alpha CIC", 5), ("Gamma Trust", 9)):
        form = return_form(tmp_path / f"{org}.csv", [{**K1, "quantity": quantity}])
        assert run(capsys, "ledger", "submit", str(form), "--org", org, "--period", "2026/27", "--db", db)[0] == 0
    site = tmp_path / "site"
    assert run(capsys, "ledger", "publish", "--out", str(site), "--db", db)[0] == 0
    outcome = load_framework("knowsley").outcome_of("K1").id
    page = (site / "outcomes" / f"{outcome}.html").read_text()
    table_part = page[page.index("delivered value by partner, all years</caption>"):]
    order = [table_part.index(name) for name in ("Gamma Trust", "Alpha CIC", "Beta Ltd")]
    assert order == sorted(order)
    ids = {o: int(p.stem[1:]) for p in (site / "partners").glob("p*.html")
           for o in ("Alpha CIC", "Beta Ltd", "Gamma Trust") if f"<h1>{o}</h1>" in p.read_text()}
    for name, number in ids.items():
        assert f'<a href="../partners/p{number}.html">{name}</a>' in table_part
    import csv

    with open(site / "data" / "lines.csv", newline="", encoding="utf-8") as handle:
        total = sum(float(r["value"]) for r in csv.DictReader(handle) if r["measure"] == "K1")
    from svmodel.util.formatting import money

    measures_part = page[page.index(f"{outcome} measures, all years</caption>"):]
    assert money(total) in measures_part[:measures_part.index("</table>")]
