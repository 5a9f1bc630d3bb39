"""Procurement: tender specifications, bid reading, valuation, scoring, flags, monitoring.

Expected figures are worked out by hand from the fixture specification
(tests/fixtures/procurement/spec.yaml) on the test proxy library: test_thousand is GBP 1,000
in 2024 prices and the discount rate is 0, so values are plain products.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from numpy.testing import assert_allclose

from svmodel.procurement.bids import read_bid, read_bids
from svmodel.procurement.scoring import evaluate_files, sv_scores
from svmodel.procurement.flags import FLAG_CODES
from svmodel.procurement.monitoring import monitor_files
from svmodel.procurement.spec import load_spec, parse_spec
from svmodel.procurement.template import form_csv, form_xlsx, write_template
from svmodel.errors import TenderError

FIX = Path(__file__).resolve().parent / "fixtures" / "procurement"
SPEC_TEXT = (FIX / "spec.yaml").read_text()


@pytest.fixture(scope="module")
def spec(test_library):
    return load_spec(FIX / "spec.yaml", test_library)


@pytest.fixture(scope="module")
def evaluation(spec):
    return evaluate_files(spec, [FIX / "clean_bid.csv", FIX / "wooden_bid.csv"])


def _variant(test_library, old: str, new: str):
    assert old in SPEC_TEXT
    return parse_spec(SPEC_TEXT.replace(old, new), "variant.yaml", test_library)


def _errors(call) -> str:
    with pytest.raises(TenderError) as info:
        call()
    return str(info.value)


# --------------------------------------------------------------------------- specification
def test_spec_resolves_measures(spec):
    k4, k22, k24 = spec.measures["K4"], spec.measures["K22"], spec.measures["K24"]
    assert (k4.basis, k4.proxy_id, k4.unit_value) == ("proxy", "test_thousand", 1000.0)
    assert (k22.basis, k22.unit_value) == ("face value", 1.0)
    assert (k24.basis, k24.unit_value) == ("count only", 0.0)
    assert "counted, not valued" in k24.valued_as(2024)


def test_default_proxy_is_the_frameworks_first(test_library):
    text = SPEC_TEXT.replace("    proxy: test_thousand          # GBP 1,000 in 2024 prices\n", "")
    from svmodel.procurement.spec import validate_spec
    from svmodel.util.yamlio import load_yaml

    data, _ = load_yaml(text)
    # The test library lacks hmt_wellby (the framework's first K4 proxy): a clear error says so.
    message = _errors(lambda: parse_spec(text, "x.yaml", test_library))
    assert "measures[0].measure: K4: the framework's default proxy 'hmt_wellby' is not in the proxy library" in message
    from svmodel.library.proxies import default_library

    data["measures"][1].pop("proxy")  # K1: the framework's first proxy, shipped
    shipped = validate_spec(data, default_library(), "x.yaml")
    assert shipped.measures["K4"].proxy_id == "hmt_wellby"
    assert_allclose(shipped.measures["K4"].unit_value, default_library().rebased_value("hmt_wellby", 2024))


def test_social_value_weighting_below_ppn002_is_refused(test_library):
    message = _errors(lambda: _variant(test_library, "price: 50\n  quality: 30\n  social_value: 20",
                                       "price: 55\n  quality: 37\n  social_value: 8"))
    assert "variant.yaml:" in message and "weighting.social_value" in message
    assert "Procurement Policy Note 002" in message and "below_minimum_reason" in message


def test_weighting_below_minimum_with_reason_warns(test_library):
    spec = _variant(test_library, "price: 50\n  quality: 30\n  social_value: 20",
                    "price: 55\n  quality: 37\n  social_value: 8\n  below_minimum_reason: pilot under 2k")
    assert any("below the 10% minimum" in w for w in spec.warnings)


def test_weights_must_add_to_100(test_library):
    message = _errors(lambda: _variant(test_library, "price: 50", "price: 60"))
    assert "must add up to 100" in message


@pytest.mark.parametrize("old,new,expected", [
    ("measure: K4", "measure: K99", "measures[0].measure: 'K99' is not a measure of the knowsley framework"),
    ("deadweight: 0.2", "deadweight: 1.2", "measures[0].deadweight: 1.2 is above the maximum"),
    ("value: 100000", "value: -5", "contract.value: -5: must be above 0"),
    ("price_year: 2024", "price_year: 2099", "price_year: 2099: outside the GDP deflator series"),
    ("proxy: test_thousand          #", "proxy: test_thousnd   #", "closest ids: test_thousand"),
    ("  fee_share: 0.1", "  fee_shar: 0.1", "did you mean 'fee_share'?"),
    ("Clean Care Ltd: {price: 45", "Clean Care Ltd: {price: 55", "scores.Clean Care Ltd.price: 55 is above the price weighting"),
])
def test_spec_errors_name_file_line_field_and_allowed(test_library, old, new, expected):
    message = _errors(lambda: _variant(test_library, old, new))
    assert "variant.yaml:" in message and expected in message, message


def test_spec_error_has_line_number(test_library):
    with pytest.raises(TenderError) as info:
        _variant(test_library, "deadweight: 0.2", "deadweight: 1.2")
    problem = info.value.problems[0]
    assert problem.line == SPEC_TEXT.splitlines().index("    deadweight: 0.2") + 1


# --------------------------------------------------------------------------- bids
@pytest.mark.parametrize("name,expected", [
    ("bad_unknown_measure.csv", "row 3 (K99), measure: unknown measure 'K99'; measures in scope of this tender: K4, K1, K22, K24"),
    ("bad_negative_quantity.csv", "row 3 (K1), year_2: '-3' is negative"),
    ("bad_missing_bidder.csv", "row 3 (K1), bidder: the bidder name is missing"),
    ("bad_wrong_unit.csv", "row 2 (K4), unit: 'hours' is not the unit this tender asks for; K4 is counted in 'people'"),
])
def test_bad_bid_files_name_file_and_row(spec, name, expected):
    message = _errors(lambda: read_bid(FIX / name, spec))
    assert str(FIX / name) in message and expected in message, message


def test_one_bad_bid_does_not_stop_the_others(spec):
    bids, failures = read_bids([FIX / "bad_negative_quantity.csv", FIX / "clean_bid.csv"], spec)
    assert [b.bidder for b in bids] == ["Clean Care Ltd"]
    assert len(failures) == 1 and failures[0].path.name == "bad_negative_quantity.csv"


def test_out_of_scope_measure_and_extra_year(spec, tmp_path):
    path = tmp_path / "bid.csv"
    path.write_text("bidder,measure,unit,year_1,year_2,year_3\nX,K13,volunteer hours,1,1,\nX,K4,people,1,1,5\n")
    message = _errors(lambda: read_bid(path, spec))
    assert "row 2 (K13), measure: K13 is a knowsley measure but not in scope" in message
    assert "row 3 (K4), year_3: year_3 is beyond the 2-year contract" in message


def test_template_round_trip_xlsx_and_csv(spec, tmp_path):
    written = write_template(spec, tmp_path, "t")
    assert sorted(p.name for p in written) == ["t_response.csv", "t_response.xlsx"]
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "t_response.xlsx")
    ws = book["Response"]
    header = [c.value for c in ws[1]]
    # Human headings (labels from the parameter registry), no internal column names.
    assert header[:4] == ["Your organisation", "Measure code", "What the measure counts", "Unit"]
    assert "Year 2 quantity" in header and "Your deadweight (%)" in header and "Your attribution (%)" in header
    assert not {"bidder", "bidder_deadweight", "bidder_attribution", "year_1", "valued_as"} & set(header)
    assert "Guidance" in book.sheetnames
    # No internal proxy id anywhere a bidder looks; the proxy's name is shown instead.
    shown = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    assert "test_thousand" not in shown and "test_thousand" not in form_csv(spec)
    assert spec.measures["K4"].proxy_name in shown
    # A bidder fills the xlsx form in; it reads back as a bid.
    ws.cell(2, 1).value = "Form Filler Ltd"
    ws.cell(2, header.index("Year 1 quantity") + 1).value = 3
    ws.cell(2, header.index("Your evidence") + 1).value = "Records"
    ws.cell(2, header.index("Your deadweight (%)") + 1).value = 0.25
    book.save(tmp_path / "filled.xlsx")
    bid = read_bid(tmp_path / "filled.xlsx", spec)
    assert bid.bidder == "Form Filler Ltd" and bid.commitments[0].quantities == (3.0, 0.0)
    assert bid.commitments[0].bidder_deadweight == 0.25 and bid.commitments[0].evidence == "Records"
    assert form_csv(spec).splitlines()[0].startswith("Your organisation,Measure code,What the measure counts,Unit")
    assert form_xlsx(spec)[:2] == b"PK"


def test_filled_csv_form_with_human_headings_reads(spec, tmp_path):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(form_csv(spec))))
    header = rows[0]
    k4 = next(r for r in rows[1:] if r[1] == "K4")
    k4[header.index("Your organisation")] = "CSV Filler Ltd"
    k4[header.index("Year 2 quantity")] = "7"
    k4[header.index("Your attribution (%)")] = "30%"
    k4[header.index("Your evidence")] = "Attendance registers"
    out = io.StringIO()
    csv.writer(out).writerows([header, k4])
    path = tmp_path / "filled.csv"
    path.write_text(out.getvalue())
    bid = read_bid(path, spec)
    assert bid.bidder == "CSV Filler Ltd"
    (c,) = bid.commitments
    assert (c.measure, c.quantities, c.bidder_attribution) == ("K4", (0.0, 7.0), 0.3)


def test_human_headings_never_read_as_another_column():
    from svmodel.procurement.bids import HEADINGS, canonical_column, heading, normalise_header

    for column in (*HEADINGS, "year_1", "year_12"):
        assert canonical_column(normalise_header(heading(column))) == column  # human heading maps back
        assert canonical_column(column) == column  # an old form's raw heading is itself
    assert heading("bidder_deadweight") == "Your deadweight (%)"


# --------------------------------------------------------------------------- valuation and scoring
def test_valuation_by_hand(evaluation):
    clean = next(b for b in evaluation.bids if b.bidder == "Clean Care Ltd")
    k4 = clean.line("K4")
    # 8 people x GBP 1,000: gross 8,000; bidder 0.2/0.3 -> 8,000 x 0.8 x 0.7 = 4,480;
    # buyer 0.2/0.5 -> 8,000 x 0.8 x 0.5 = 3,200.
    assert_allclose([k4.gross, k4.claimed, k4.adjusted, k4.scored], [8000, 4480, 3200, 3200])
    # K1: 2 jobs x 1,000 x (1 - 0.5) = 1,000; K22: GBP 2,000 at face value; K24 counted only.
    assert_allclose(clean.line("K1").adjusted, 1000)
    assert_allclose(clean.line("K22").adjusted, 2000)
    assert clean.line("K24").adjusted == 0 and clean.line("K24").basis == "count only"
    assert_allclose([clean.adjusted, clean.scored, clean.per_pound], [6200, 6200, 0.062])
    wooden = next(b for b in evaluation.bids if b.bidder == "Wooden Pounds plc")
    # K4 has no evidence: adjusted 100 x 1,000 x 0.4 = 40,000 but scored 0.
    assert_allclose([wooden.line("K4").adjusted, wooden.line("K4").scored], [40000, 0])
    assert_allclose(wooden.scored, 15000 + 100000)


def test_proportional_and_weighted_total_by_hand(evaluation):
    clean = next(b for b in evaluation.bids if b.bidder == "Clean Care Ltd")
    wooden = next(b for b in evaluation.bids if b.bidder == "Wooden Pounds plc")
    assert_allclose(wooden.sv_score, 20.0)
    assert_allclose(clean.sv_score, 20 * 6200 / 115000)
    assert_allclose(clean.total, 45 + 25 + 20 * 6200 / 115000)
    assert_allclose(wooden.total, 50 + 20 + 20)
    assert evaluation.ranked_by == "total" and [b.rank for b in evaluation.bids] == [1, 2]


def test_targets_method_caps_each_measure_by_hand(test_library):
    spec = _variant(test_library, "weighting:", "scoring:\n  method: targets\nweighting:")
    evaluation = evaluate_files(spec, [FIX / "clean_bid.csv", FIX / "wooden_bid.csv"])
    # Target values: K4 10 x 1,000 x 0.8 x 0.5 = 4,000; K1 4 x 1,000 x 0.5 = 2,000; K22 5,000.
    # Clean: min(3,200, 4,000) + min(1,000, 2,000) + min(2,000, 5,000) = 6,200 of 11,000.
    # Wooden: 0 (K4 unevidenced) + min(15,000, 2,000) + min(100,000, 5,000) = 7,000 of 11,000.
    scores = {b.bidder: b.sv_score for b in evaluation.bids}
    assert_allclose(scores["Clean Care Ltd"], 20 * 6200 / 11000)
    assert_allclose(scores["Wooden Pounds plc"], 20 * 7000 / 11000)


def test_moderation_and_include_unevidenced(test_library):
    spec = _variant(test_library, "scores:", "scoring:\n  unevidenced: include\nmoderation:\n"
                    "  - {bidder: Wooden Pounds plc, measure: K22, accepted: 0, reason: contract fee}\nscores:")
    evaluation = evaluate_files(spec, [FIX / "wooden_bid.csv"])
    wooden = evaluation.bids[0]
    assert_allclose(wooden.line("K4").scored, 40000)  # included despite no evidence
    assert wooden.line("K22").scored == 0 and "contract fee" in wooden.line("K22").scoring_note
    assert_allclose(wooden.scored, 40000 + 15000)


def test_discounting_uses_the_engine(test_library):
    spec = _variant(test_library, "  rate: 0", "  rate: 0.1")
    evaluation = evaluate_files(spec, [FIX / "clean_bid.csv"])
    k4 = evaluation.bids[0].line("K4")
    # 4 people a year, 400 each after the buyer's adjustments; years 1 and 2 discounted at 10%.
    assert_allclose(k4.adjusted, 1600 / 1.1 + 1600 / 1.21)


def test_zero_best_bid_scores_zero(spec):
    from svmodel.procurement.types import BidResult

    assert sv_scores(spec, [BidResult("A", "a", []), BidResult("B", "b", [])]) == [0.0, 0.0]


def test_missing_scores_rank_by_social_value(test_library):
    spec = _variant(test_library, "  Wooden Pounds plc: {price: 50, quality: 20}\n", "")
    evaluation = evaluate_files(spec, [FIX / "clean_bid.csv", FIX / "wooden_bid.csv"])
    assert evaluation.ranked_by == "social value score"
    assert any("Wooden Pounds plc" in n for n in evaluation.notes)


def test_scores_file_errors_name_row(spec, tmp_path):
    from svmodel.procurement.scoring import read_scores

    path = tmp_path / "scores.csv"
    path.write_text("bidder,price,quality\nClean Care Ltd,60,20\n,1,1\n")
    message = _errors(lambda: read_scores(path, spec))
    assert "row 2, price: 60 is above the price weighting" in message and "row 3, bidder" in message


# --------------------------------------------------------------------------- flags
@pytest.mark.parametrize("code,measure", [
    ("share_of_contract", ""), ("above_target", "K4"), ("above_other_bids", "K1"),
    ("no_adjustment", "K4"), ("no_evidence", "K4"), ("contract_fee", "K22"),
    ("ordinary_business", "K1"), ("double_counting", "K4"),
])
def test_each_flag_on_the_wooden_bid_and_not_on_the_clean_one(evaluation, code, measure):
    flags = {b.bidder: b.flags for b in evaluation.bids}
    assert any(f.code == code and f.measure == measure for f in flags["Wooden Pounds plc"]), flags
    assert not any(f.code == code for f in flags["Clean Care Ltd"])


def test_every_flag_code_is_tested():
    assert set(FLAG_CODES) == {"share_of_contract", "above_target", "above_other_bids", "no_adjustment",
                               "no_evidence", "contract_fee", "ordinary_business", "double_counting"}


def test_headline_with_constituent_is_double_counting(test_library, tmp_path):
    spec = parse_spec(SPEC_TEXT.replace("    proxy: test_thousand\n    target: 4", "    proxy: test_parent\n    target: 4")
                      .replace("proxy: test_thousand          #", "proxy: test_benefit   #"), "v.yaml", test_library)
    evaluation = evaluate_files(spec, [FIX / "clean_bid.csv"])
    messages = [f.message for f in evaluation.bids[0].flags if f.code == "double_counting"]
    assert any("already includes test_benefit" in m for m in messages), messages


# --------------------------------------------------------------------------- monitoring
def test_monitoring_by_hand(spec):
    monitoring = monitor_files(spec, FIX / "clean_bid.csv", [FIX / "delivery_year1.csv"])
    rows = monitoring.table.set_index("measure")
    # Year 1 fully returned (two halves): K4 committed 4, delivered 3; K1 committed 1, delivered 1.
    assert_allclose([rows.loc["K4", "committed_to_date"], rows.loc["K4", "delivered"]], [4, 3])
    assert_allclose(rows.loc["K4", "variance_value"], (3 - 4) * 400)
    assert_allclose(rows.loc["K4", "variance_percent"], -25)
    t = monitoring.totals
    # Whole contract: K4 8 x 400 + K1 2 x 500 + K22 2,000 = 6,200; K22 not yet returned (0 of 1,000).
    assert_allclose(t["committed_whole"], 6200)
    assert_allclose(t["delivered_to_date"], 3 * 400 + 500)
    # On commitment: delivered + year 2 in full = 1,700 + (1,600 + 500 + 1,000).
    assert_allclose(t["reforecast_on_commitment"], 1700 + 1600 + 500 + 1000)
    # At rate: K4 3/4 of 1,600 in year 2, K1 1/1, K22 0/1,000.
    assert_allclose(t["reforecast_at_rate"], 1700 + 1200 + 500 + 0)


def test_delivery_errors_name_file_and_row(spec, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text("supplier,contract_year,period,share_of_year,measure,unit,quantity\n"
                    "Clean Care Ltd,3,Y3,1,K4,people,1\nClean Care Ltd,1,Y1,1,K4,hours,1\n"
                    "Other Ltd,1,Y1,1,K1,jobs,-1\n")
    message = _errors(lambda: monitor_files(spec, FIX / "clean_bid.csv", [path]))
    assert "row 2 (K4), contract_year: '3' is not a contract year" in message
    assert "row 3 (K4), unit: 'hours' is not the unit of K4" in message
    assert "row 4 (K1), supplier: 'Other Ltd' is not the contracted supplier" in message
    assert "row 4 (K1), quantity: '-1' is negative" in message


def test_shares_of_a_year_cannot_exceed_one(spec, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text("supplier,contract_year,period,share_of_year,measure,unit,quantity\n"
                    "Clean Care Ltd,1,A,0.75,K4,people,1\nClean Care Ltd,1,B,0.75,K4,people,1\n")
    assert "add up to at most 1" in _errors(lambda: monitor_files(spec, FIX / "clean_bid.csv", [path]))


def test_core_of_procurement_imports_no_plotting():
    import subprocess
    import sys

    code = ("import sys; import svmodel.procurement.scoring, svmodel.procurement.flags, "
            "svmodel.procurement.monitoring, svmodel.procurement.template; "
            "print([m for m in ('matplotlib', 'papermill', 'IPython') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
