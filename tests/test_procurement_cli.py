"""The `svmodel tender` commands, the shipped Knowsley home care example and the tender
evaluation notebook (executed once, for real, with papermill and the venv's python3 kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "params" / "tenders" / "home_care_2026"
BIDS = sorted(str(p) for p in (EXAMPLE / "bids").iterdir())
FIX = Path(__file__).resolve().parent / "fixtures" / "procurement"
NOTEBOOK = ROOT / "notebooks" / "tender_evaluation.ipynb"


def test_example_evaluation_ranks_the_credible_bid_first(capsys, tmp_path):
    code = main(["tender", "evaluate", str(EXAMPLE / "spec.yaml"), *BIDS,
                 "--scores", str(EXAMPLE / "scores.csv"), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    table = out.split("\n\n")[1].splitlines()
    assert "Rank" in table[0] and "Scored SV" in table[0]
    assert "Mersey Care Collective CIC" in table[1] and "Apex National Care Group plc" in table[3]
    assert "FLAG Contract fee counted as social value (K22):" in out and "[contract_fee]" in out
    assert "FLAG Ordinary business counted as social value (K1):" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evaluation.json", "flags.csv", "lines.csv", "ranking.csv", "social_value_by_bid.png"]
    data = json.loads((tmp_path / "evaluation.json").read_text())
    assert data["kind"] == "svmodel.tender_evaluation" and data["ranked_by"] == "total"
    apex = next(b for b in data["bids"] if b["bidder"].startswith("Apex"))
    mersey = next(b for b in data["bids"] if b["bidder"].startswith("Mersey"))
    assert apex["gross"] > 30 * mersey["gross"] and apex["scored"] < mersey["scored"]
    assert mersey["flags"] == []
    codes = {f["code"] for f in apex["flags"]}
    assert codes == {"share_of_contract", "above_target", "above_other_bids", "no_adjustment",
                     "no_evidence", "contract_fee", "ordinary_business", "double_counting"}


def test_evaluate_json_and_bad_file_among_good(capsys):
    code = main(["tender", "evaluate", str(EXAMPLE / "spec.yaml"), *BIDS, str(FIX / "bad_wrong_unit.csv"),
                 "--json"])
    captured = capsys.readouterr()
    assert code == 4  # partial failure: the good bids were evaluated
    data = json.loads(captured.out)
    assert len(data["bids"]) == 3 and data["ranked_by"] == "social value score"
    assert "bad_wrong_unit.csv: header: missing column(s) year_3, year_4" in captured.err
    assert "Traceback" not in captured.err


def test_evaluate_with_no_readable_bid_is_an_error(capsys):
    assert main(["tender", "evaluate", str(EXAMPLE / "spec.yaml"), str(FIX / "bad_missing_bidder.csv")]) == 1
    err = capsys.readouterr().err
    assert "no bid could be read" in err and "bad_missing_bidder.csv" in err


def test_invalid_spec_is_reported_without_traceback(capsys, tmp_path):
    bad = tmp_path / "spec.yaml"
    bad.write_text((EXAMPLE / "spec.yaml").read_text().replace("social_value: 15", "social_value: 5")
                   .replace("price: 40", "price: 50"))
    assert main(["tender", "evaluate", str(bad), *BIDS]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "weighting.social_value: 5 is below the minimum" in err


def test_template_command_writes_forms(capsys, tmp_path):
    assert main(["tender", "template", str(EXAMPLE / "spec.yaml"), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "spec_delivery_return.csv", "spec_response.csv", "spec_response.xlsx"]
    assert "K22" in (tmp_path / "spec_response.csv").read_text()


def test_monitor_command(capsys, tmp_path):
    code = main(["tender", "monitor", str(EXAMPLE / "spec.yaml"), str(EXAMPLE / "bids" / "mersey_care_collective.xlsx"),
                 *sorted(str(p) for p in (EXAMPLE / "delivery").iterdir()), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "Re-forecast at the current rate" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monitoring.csv", "monitoring.json", "variance.png"]
    data = json.loads((tmp_path / "monitoring.json").read_text())
    assert data["totals"]["reforecast_at_rate"] < data["totals"]["committed_whole"]


def test_notebook_is_thin_stripped_and_parameterised():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"]["tags"]
    for line in "".join(code[0]["source"]).splitlines():
        assert " = " in line and ": " in line.split(" = ")[0] and "  # " in line, line


@pytest.mark.slow
def test_notebook_executes(tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "tender.ipynb"
    results = tmp_path / "evaluation.json"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, execution_timeout=180,
        cwd=str(NOTEBOOK.parent),
        parameters={"spec": str(EXAMPLE / "spec.yaml"), "bids": BIDS, "scores": str(EXAMPLE / "scores.csv"),
                    "commitments": str(EXAMPLE / "bids" / "mersey_care_collective.xlsx"),
                    "delivery": sorted(str(p) for p in (EXAMPLE / "delivery").iterdir()),
                    "results_path": str(results)})
    cells = json.loads(out.read_text())["cells"]
    html = "".join(o.get("data", {}).get("text/html", "") if isinstance(o.get("data", {}).get("text/html", ""), str)
                   else "".join(o["data"]["text/html"]) for c in cells for o in c.get("outputs", []))
    for heading in ("Ranking", "Bids side by side", "Plausibility flags", "Scoring method and sources",
                    "Delivery monitoring"):
        assert heading in html, heading
    assert "data:image/png;base64" in html
    assert json.loads(results.read_text())["bids"][0]["bidder"] == "Mersey Care Collective CIC"
