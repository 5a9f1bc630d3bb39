"""The SROI report reads like a social value report (issue 15): narrative from the scenario,
reasons next to their figures, human labels and formats, executive summary, methodology,
limitations and the principles checklist; the examples' figures unchanged by moving their
comments into the narrative fields. One report is built per module (no kernel, no browser)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from svmodel.cli import main
from svmodel.report import sroi, story
from svmodel.report.labels import parameter_value, sensitivity_label
from svmodel.util.safety import css_string
from svmodel.util.formatting import money_axis, number

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "svmodel" / "data" / "examples"


def _text(fragment) -> str:
    """Visible text of a fragment, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", str(fragment))).split())


@pytest.fixture(scope="module")
def report():
    return sroi.build(EXAMPLES / "reablement_home_care.yaml", draws=300, seed=3)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.yaml"
    path.write_text("""\
svmodel: 1
name: 'Bad "}</style><script>alert(1)</script> name'
kind: evaluative
price_year: 2024
description: "<img src=x onerror=alert(1)>"
scope: "<b>scope</b>"
stakeholders:
  - {name: "<script>s</script>", involvement: "<i>talked</i>", included: false, reason: "<u>r</u>"}
materiality: "<em>m</em>"
limitations: "<s>l</s>"
inputs:
  - {stakeholder: Council, amount: 1000}
outcomes:
  - id: a
    stakeholder: People
    outcome: "Outcome <script>x</script>"
    quantity: 2
    value: {amount: 500, price_year: 2024, source: "<a href=javascript:alert(1)>src</a>"}
    deadweight: 0.1
    change: unintended
    evidence: "<script>evidence</script>"
    reasons: {deadweight: "<script>why</script>"}
""", encoding="utf-8")
    return sroi.build(path, draws=0, seed=1)


# ----------------------------------------------------------------------------- narrative
def test_title_shows_description_and_sets_running_header(report):
    title = str(report.title())
    assert "Six-week reablement" in title
    assert "@top-left" in title and "Contents" in title


def test_scope_stakeholders_and_materiality_from_the_scenario(report):
    text = _text(report.scope_and_stakeholders())
    assert "A forecast for one contract year" in text
    assert "Family carers" in text and "they appear only in attribution" in text
    assert re.search(r"Family carers not recorded no ", text)  # involvement, included: no
    assert "Knowsley's measures K9" in text


def test_each_reason_sits_next_to_its_figure(report):
    html = str(report.line_details())
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"fig\">([^<]*)</td><td class=\"wide\">(.*?)</td></tr>",
                      html)
    assert ("Deadweight", "35%", "National reablement audits: about a third would have stayed at "
            "home anyway.") in rows
    assert ("Drop-off", "50%", "Frailty rises: half the effect is gone by the second year.") in rows
    assert any(r[0] == "Financial proxy" and r[1].startswith("£486.36 per week") for r in rows)
    # a judgement without a reason says so; a zero adjustment needs none
    assert any(r[0] == "Duration" and "no reason given" in r[2] for r in rows)
    assert any(r[0] == "Displacement" and r[1] == "0%" and "none applied" in r[2] for r in rows)
    text = _text(html)
    assert "Avoided permanent admission to residential care" in text
    assert "Output Six weeks of reablement at home" in text and "Change intended" in text


def test_outcomes_by_their_text_not_ids(report):
    for fragment in (report.impact_map(), report.sensitivity(), report.switching_values(),
                     report.executive_summary(), report.sources()):
        text = _text(fragment)
        assert "fewer_residential_admissions" not in text and "living_independently" not in text
    assert "Avoided permanent admission to residential care" in _text(report.impact_map())
    tornado = str(report.sensitivity())
    assert ">Higher life satisfaction from living independen…: quantity<" in tornado  # shortened
    assert "Higher life satisfaction from living independently at home: quantity" in tornado


def test_switching_values_in_words_and_units(report):
    text = _text(report.switching_values())
    assert "Discount rate : 3.5% → 73.8% (+2,009%)" in text
    assert "Inputs (factor) : x1 → x2.14 (+114%)" in text
    assert "0.738072" not in text and "2.13873" not in text and "JSON" not in text
    assert "even at drop-off" not in text and "from drop-off 0% to drop-off 100% the ratio stays " \
        "between £" in text


def test_executive_summary_is_written_from_the_figures(report):
    text = _text(report.executive_summary())
    results = report.results
    assert f"an SROI ratio of £{results.sroi_ratio:,.2f} : £1" in text
    assert f"net present value of £{results.net_present_value:,.0f}" in text
    movers = story.top_movers(report.one_way, report.scenario)
    assert len(movers) == 3
    for mover in movers:
        assert mover["label"] in text
    assert "Across 300 Monte Carlo draws the ratio exceeds £1 : £1 in" in text
    assert "Family carers: not included" in text  # what is not valued


def test_methodology_limitations_and_principles(report):
    method = _text(report.methodology())
    assert "svuk_2012" in method and "A guide to Social Return on Investment" in method
    assert "Annex A6" in method and "3.5%" in method
    limits = _text(report.limitations())
    assert "This is a forecast" in limits and "No evidence of the change is recorded" in limits
    assert "No reason is recorded for these judgements" in limits and "duration" in limits
    principles = str(report.principles())
    assert principles.count("<tr><td>") == 7
    text = _text(principles)
    for name in story.PRINCIPLES:
        assert name in text
    assert "no stakeholder involvement recorded" in text
    assert "4 of 4 outcomes have no evidence recorded" in text


def test_narrative_text_is_escaped_everywhere(hostile):
    parts = [hostile.title(), hostile.executive_summary(), hostile.scope_and_stakeholders(),
             hostile.impact_map(), hostile.line_details(), hostile.limitations(),
             hostile.principles(), hostile.sources()]
    page = "".join(str(p) for p in parts)
    assert "<script" not in page and "<img" not in page and "<b>scope" not in page
    assert "javascript:" not in page.replace("javascript:alert(1)&gt;", "")
    assert "&lt;script&gt;why&lt;/script&gt;" in page and "&lt;i&gt;talked&lt;/i&gt;" in page
    # the running header's CSS string cannot end the string or the style element
    style = re.search(r"<style>(.*?)</style>", str(hostile.title())).group(1)
    inner = re.fullmatch(r'@page \{ @top-left \{ content: "([^"<>]*)"; \} \}', style.strip())
    assert inner and inner.group(1).startswith("Bad\\000020\\000022")
    assert "Outcome &lt;script&gt;x&lt;/script&gt; (unintended)" in str(hostile.impact_map())


def test_css_string_is_inert():
    value = css_string('a"b\\c</style>\n d')
    assert value.startswith('"') and value.endswith('"')
    inner = value[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner and " " not in inner
    assert inner.startswith("a\\000022b\\00005cc")


# ----------------------------------------------------------------------------- formats
def test_one_format_for_money_axes_ratios_and_values():
    assert [money_axis(v) for v in (950, 1500, 300000, 1.6e6, -250000)] == \
        ["£950", "£1.5k", "£300k", "£1.6m", "-£250k"]
    assert [number(v) for v in (2.13873, 728, 1234.5)] == ["2.14", "728", "1,234"]
    assert parameter_value("discount_rate", 0.738072) == "73.8%"
    assert parameter_value("deadweight", 0.35) == "35%"
    assert parameter_value("duration", 1) == "1 year" and parameter_value("duration", 3) == "3 years"
    assert parameter_value("value", 358.8) == "£358.80"
    assert parameter_value("inputs", 2.13873) == "x2.14"
    assert sensitivity_label("a", "drop_off", {"a": "Less loneliness"}) == "Less loneliness: drop-off"
    assert sensitivity_label(None, "discount_rate", {}) == "Discount rate"
    from svmodel.report import svg

    assert svg.pounds(300000) == svg.compact(300000) == "£300k"


def test_index_shows_ratios_as_pounds():
    from svmodel.report.index import index_page

    page = index_page([{"name": "a", "title": "A", "status": "ok", "report": "a.html",
                        "sroi_ratio": 1.05, "sroi_ratio_p5": 0.9, "sroi_ratio_p95": 1.2}], "B", "t")
    assert "£0.90\u00a0:\u00a0£1 to £1.20\u00a0:\u00a0£1" in page  # each ratio kept on one line
    page = page.replace("\u00a0", " ")
    assert "£1.05 : £1" in page and "£0.90 : £1 to £1.20 : £1" in page
    assert "Page \" counter(page) \" of \" counter(pages)" in page  # printable with page numbers


# ----------------------------------------------------------------------------- examples
#: `svmodel run --json` headline figures of each example before its comments moved into the
#: narrative fields (issue 15): the narrative never changes a figure.
BEFORE = {
    "reablement_home_care.yaml": (1154914.4220991023, 540000.0, 2.1387304112946337),
    "fuel_poverty_warm_homes.yaml": (1721430.4827397964, 1637971.0144927537, 1.050952957963599),
    "leaving_custody_employment.yaml": (956326.3209320066, 429472.0, 2.226748940401252),
    "reablement_business_case.yaml": (2429932.0431246376, 1655834.9086326405, 1.4674965665092983),
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_examples_keep_their_figures_and_carry_reasons(name, capsys):
    assert main(["run", "--json", str(EXAMPLES / name)]) == 0
    doc = json.loads(capsys.readouterr().out)
    present_value, inputs, ratio = BEFORE[name]
    assert doc["total_present_value"] == pytest.approx(present_value, rel=1e-12)
    assert doc["total_inputs"] == pytest.approx(inputs, rel=1e-12)
    assert doc["sroi_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert doc["narrative"]["scope"] and doc["narrative"]["stakeholders"]
    assert all(line["reasons"] for line in doc["lines"])
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    # no comment justifies an adjustment any more: they are in `reasons:`
    for field in ("deadweight", "displacement", "attribution", "drop_off", "proxy", "quantity"):
        assert not re.search(rf"^\s+{field}: [^\n#]+#", text, re.M), f"{name}: {field} comment"


# ----------------------------------------------------------------------------- --pdf
def test_pdf_without_a_browser_keeps_html_and_says_why(tmp_path, monkeypatch, capsys):
    from svmodel.commands import report as command

    page = tmp_path / "a.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    result = SimpleNamespace(out_dir=tmp_path, portfolio=None, records=[
        SimpleNamespace(status="ok", report="a.html")])
    monkeypatch.setenv("SVMODEL_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert command.print_pdfs(result) == (False, [])
    err = capsys.readouterr().err
    assert "no PDF written" in err and "SVMODEL_CHROMIUM" in err
    assert page.is_file() and not (tmp_path / "a.pdf").exists()


# ----------------------------------------------------------------------------- round trip
def test_narrative_survives_yaml_to_workbook_to_yaml_to_report(tmp_path):
    """Issue 15's round trip: YAML -> Value Map xlsx -> YAML -> the report shows every reason."""
    from svmodel.excel.reader import import_workbook
    from svmodel.excel.writer import export_workbook
    from svmodel.scenario import dump_scenario, load_scenario

    source = load_scenario(EXAMPLES / "reablement_home_care.yaml")
    book = export_workbook(source, tmp_path / "map.xlsx")
    imported, _ = import_workbook(book, base_dir=tmp_path)
    back = dump_scenario(imported.to_dict(), tmp_path / "back.yaml")
    report = sroi.build(back, draws=0, seed=1)
    text = _text(report.line_details()) + " " + _text(report.scope_and_stakeholders())
    model = source.model
    assert model.scope and " ".join(model.scope.split()) in text
    for group in model.stakeholders:
        assert group.name in text
    reasons = [reason for outcome in model.outcomes for reason in outcome.reasons.given().values()]
    assert len(reasons) >= 10
    for reason in reasons:
        assert " ".join(reason.split()) in text, reason
