"""`svmodel ledger publish --out DIR`: the partnership's static website and open data.

Plain HTML files (no server, no JavaScript), inline SVG charts with text alternatives and a
data table beside each, headings in order, a skip link, WCAG AA colour contrast and a print
style sheet for A4. Every user-supplied string goes through `svmodel.util.safety` (escape_html);
every CSV cell through `svmodel.util.safety.neutralise_cell` (sitedata.csv_of). Files are written
atomically. The files::

  index.html              overview: delivered value in the year by outcome and sector, trend,
                          assurance levels
  partners/pN.html        one page per partner (by database id, so names never reach paths)
  outcomes/O1.html, measures/K1.html, contracts/cN.html, recognition.html, methodology.html
  data/returns.csv, data/lines.csv, data/ledger.json, data/ledger.schema.json, data/ocds.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from svmodel.util.atomic import write_text_atomic
from svmodel.util.formatting import money
from svmodel.library.frameworks import load_framework
from svmodel.ledger import charts, sitedata
from svmodel.ledger.aggregates import LEVELS, levels_label
from svmodel.ledger.config import PartnershipConfig
from svmodel.ledger.db import Ledger
from svmodel.ledger.models import KINDS
from svmodel.util.safety import escape_html

CSS = """
:root { --ink: #1d2a33; --muted: #4a5a66; --rule: #c9d6de; --accent: #0b5c75; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       line-height: 1.5; margin: 0; background: #fff; }
a { color: #0b4f8a; } a:focus { outline: 3px solid #ffbf47; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; }
header.site { background: var(--accent); color: #fff; padding: 0.6rem 1.2rem; }
header.site a { color: #fff; margin-right: 1rem; }
header.site .name { font-weight: 700; font-size: 1.1rem; margin-right: 2rem; }
main { max-width: 62rem; margin: 0 auto; padding: 0.5rem 1.2rem 2rem; }
h1 { font-size: 1.8rem; margin: 1rem 0 0.3rem; } h2 { font-size: 1.3rem; margin-top: 1.6rem;
     border-bottom: 2px solid var(--accent); padding-bottom: 0.2rem; } h3 { font-size: 1.05rem; }
p.lede { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 0.6rem; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 0.5rem 0.8rem; flex: 1 1 12rem; max-width: 15rem; background: #f5f9fb; }
.card .label { font-size: 0.85rem; color: var(--muted); } .card .value { font-size: 1.3rem; font-weight: 700; }
.card .note { font-size: 0.8rem; color: var(--muted); }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.2rem; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #e8f0f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.levels { font-size: 0.85rem; color: var(--muted); font-style: italic; }
figure { margin: 0.5rem 0 1rem; } figcaption { font-size: 0.85rem; color: var(--muted); }
footer { max-width: 62rem; margin: 0 auto; padding: 0.6rem 1.2rem; font-size: 0.8rem; color: var(--muted);
         border-top: 1px solid var(--rule); }
ul.index { columns: 2; }
@page { size: A4; margin: 15mm; }
@media print {
  header.site { background: none; color: #000; border-bottom: 2px solid #000; }
  header.site a { display: none; } header.site .name { color: #000; }
  .skip { display: none; } main { max-width: none; padding: 0; }
  figure, table, .cards { break-inside: avoid; } h2 { break-after: avoid; }
  a { color: #000; text-decoration: none; }
}
"""


def page(title: str, body: str, config: PartnershipConfig, depth: int = 0, generated: str = "") -> str:
    up = "../" * depth
    nav = "".join(f'<a href="{up}{href}">{label}</a>' for href, label in (
        ("index.html", "Overview"), ("partners/index.html", "Partners"), ("outcomes/index.html", "Outcomes"),
        ("contracts/index.html", "Contracts"), ("recognition.html", "Recognition"),
        ("methodology.html", "Methodology"), ("data/index.html", "Open data")))
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape_html(title)} - {escape_html(config.name)}</title><style>{CSS}</style></head>"
            f'<body><a class="skip" href="#main">Skip to content</a>'
            f'<header class="site"><span class="name">{escape_html(config.name)}</span><nav aria-label="Site">{nav}</nav></header>'
            f'<main id="main">{body}</main>'
            f"<footer>Published with svmodel{' on ' + escape_html(generated[:10]) if generated else ''}. "
            f"Values in pounds at {config.effective_price_year()} prices. Forecast, committed, delivered and "
            f"donated values are never added together. <a href=\"{up}methodology.html\">How these figures are "
            f"made</a>.</footer></body></html>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str, numeric: Sequence[int] = ()) -> str:
    head = "".join(f'<th scope="col">{escape_html(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            raw = isinstance(cell, RawHtml)
            text = str(cell) if raw else escape_html(cell)
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="num">{text}</td>' if i in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">No returns yet.</td></tr>')
    return f"<table><caption>{escape_html(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class RawHtml(str):
    """Markup built here from escaped parts (links); table() does not escape it again."""


def link(href: str, text: object) -> RawHtml:
    return RawHtml(f'<a href="{escape_html(href)}">{escape_html(text)}</a>')


def _levels_note(levels: Iterable[str]) -> str:
    return f'<p class="levels">{escape_html(levels_label(levels))}</p>'


def _sums(frame: pd.DataFrame, keys: Sequence[str], column: str = "value") -> dict[tuple, float]:
    """Sum of `column` by `keys`: a plain loop over the column values for the small tables of
    one partner or outcome page (pandas' groupby costs milliseconds of set-up per call, and the
    site makes thousands of them), pandas' groupby for the large overview tables."""
    if len(frame) > 5000:
        return {(k if isinstance(k, tuple) else (k,)): float(v)
                for k, v in frame.groupby(list(keys), sort=False)[column].sum().items()}
    out: dict[tuple, float] = {}
    for *key, value in zip(*(frame[k].tolist() for k in keys), frame[column].tolist()):
        key = tuple(key)
        out[key] = out.get(key, 0.0) + value
    return out


def _by_level(frame: pd.DataFrame, key: str, labels: dict | None = None) -> list[tuple[object, str, dict[str, float]]]:
    """(key, label, value by assurance level) per key with any value, largest total first."""
    if frame.empty:
        return []
    per_key: dict[object, dict[str, float]] = {}
    for (k, level), value in _sums(frame, [key, "level"]).items():
        per_key.setdefault(k, {})[level] = value
    rows = [(k, (labels or {}).get(k, str(k)), {lvl: float(v.get(lvl, 0.0)) for lvl in LEVELS})
            for k, v in per_key.items()]
    rows = [r for r in rows if sum(r[2].values()) != 0.0]
    return sorted(rows, key=lambda r: (-sum(r[2].values()), r[1]))  # ties by label: same every run


def _level_chart_and_table(frame: pd.DataFrame, key: str, heading: str, what: str,
                           labels: dict | None = None, links: dict | None = None) -> str:
    keyed = _by_level(frame, key, labels)
    if not keyed:
        return f"<p>No {escape_html(what)} recorded.</p>"
    rows = [(label, values) for _, label, values in keyed]
    present = [lvl for lvl in LEVELS if any(v.get(lvl, 0) for _, v in rows)]
    total = sum(sum(v.values()) for _, v in rows)
    top = ", ".join(f"{label} {money(sum(v.values()))}" for label, v in rows[:3])
    svg = charts.stacked_bars(rows, present, charts.LEVEL_COLOURS, heading,
                              f"{heading}: {money(total)} in all; largest: {top}. Bars are split by assurance "
                              "level; the table below gives every figure.")
    tab_rows = []
    for raw_key, label, values in keyed:
        first = link(links[raw_key], label) if links and raw_key in links else label
        tab_rows.append([first, *[money(values.get(lvl, 0.0)) for lvl in present], money(sum(values.values()))])
    return (f"<figure>{svg}<figcaption>{escape_html(heading)}. {escape_html(levels_label(present))}.</figcaption></figure>"
            + table([key.replace("_", " ").capitalize(), *present, "All levels"], tab_rows, heading,
                    numeric=range(1, len(present) + 2)))


def _trend(frame: pd.DataFrame, title: str) -> str:
    if frame.empty:
        return "<p>No returns yet.</p>"
    sums = _sums(frame, ["financial_year", "kind"])
    years = sorted({y for y, _ in sums})
    kinds = [k for k in KINDS if k in {k for _, k in sums}]
    desc = "; ".join(f"{y}: " + ", ".join(f"{k} {money(sums.get((y, k), 0.0))}" for k in kinds) for y in years)
    svg = charts.grouped_bars(years, kinds, sums, title, f"{title}. {desc}. Kinds side by side, never added.")
    rows = [[y, *[money(sums.get((y, k), 0.0)) for k in kinds]] for y in years]
    return (f"<figure>{svg}<figcaption>{escape_html(title)}. {escape_html(levels_label(frame['level']))}."
            f"</figcaption></figure>" + table(["Financial year", *kinds], rows, title, numeric=range(1, len(kinds) + 1)))


def publish(ledger: Ledger, out: Path, config: PartnershipConfig, year: str | None = None) -> list[Path]:
    """Write the site into `out`; returns the files written."""
    data = sitedata.load(ledger)
    framework = load_framework(config.framework)
    out = Path(out)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        written.append(write_text_atomic(out / rel, text))

    rets = data.counted_returns
    years = sorted(rets["financial_year"].unique())
    delivered_years = sorted(rets.loc[rets["kind"] == "delivered", "financial_year"].unique())
    year = year or (delivered_years[-1] if delivered_years else (years[-1] if years else ""))
    gen = data.generated_at
    outcome_names = {o.id: f"{o.id} {o.name}" for o in framework.outcomes}
    measures = framework.measures
    name_of = dict(zip(data.organisations["id"], data.organisations["name"]))

    # ---------------------------------------------------------------- overview
    delivered_year = data.lines[(data.lines["kind"] == "delivered") & (data.lines["financial_year"] == year)
                                & data.lines["counted"]]
    rets_year = rets[(rets["financial_year"] == year)]
    cards = []
    for kind in KINDS:
        sub = rets_year[rets_year["kind"] == kind]
        verified = float(sub.loc[sub["level"] != LEVELS[2], "value"].sum())
        unverified = float(sub.loc[sub["level"] == LEVELS[2], "value"].sum())
        cards.append(f'<div class="card"><div class="label">{kind.capitalize()} in {escape_html(year)}</div>'
                     f'<div class="value">{money(verified)}</div><div class="note">verified (evidence checked or '
                     f'independently verified); plus {money(unverified)} self-reported, not yet verified</div></div>')
    by_sector = rets_year[rets_year["kind"] == "delivered"]
    levels_count = rets.groupby("level")["id"].count().reindex(list(LEVELS), fill_value=0)
    body = [f"<h1>Social value delivered across the partnership, {escape_html(year)}</h1>",
            f'<p class="lede">What {escape_html(config.name)} partners report delivering, committing, forecasting '
            f"and donating, with how far each figure has been checked. {len(data.organisations)} organisations, "
            f"{len(rets)} current returns.</p>",
            f'<div class="cards">{"".join(cards)}</div>',
            "<h2>Delivered value by Knowsley outcome</h2>",
            _level_chart_and_table(delivered_year, "outcome", f"Delivered social value by outcome, {year}", "delivered value",
                                   outcome_names, {o: f"outcomes/{o}.html" for o in outcome_names}),
            "<h2>Delivered value by sector</h2>",
            _level_chart_and_table(by_sector, "sector", f"Delivered social value by sector, {year}", "delivered value"),
            "<h2>Trend across years</h2>",
            _trend(rets, "Value by financial year and kind, all partners"),
            "<h2>Verification</h2>",
            table(["Assurance level", "Current returns"], [[lvl, int(n)] for lvl, n in levels_count.items()],
                  "Current returns by assurance level (rejected returns are not counted anywhere)", numeric=(1,)),
            _rejected_note(int((data.returns["status"] == "rejected").sum()))]
    write("index.html", page(f"Overview {year}", "".join(body), config, 0, gen))

    # ---------------------------------------------------------------- partners
    rows = []
    totals = rets.groupby(["organisation_id", "kind"])["value"].sum()
    for org in data.organisations.sort_values("name").itertuples():
        rows.append([link(f"p{org.id}.html", org.name), org.sector,
                     *[money(float(totals.get((org.id, k), 0.0))) for k in KINDS]])
    write("partners/index.html", page("Partners", "<h1>Partners</h1>" + table(
        ["Partner", "Sector", *[f"{k} (all years)" for k in KINDS]], rows,
        "Partners and their recorded value by kind, all assurance levels", numeric=range(2, 6)) +
        _levels_note(rets["level"]), config, 1, gen))
    # one pass over the lines: delivered value by partner, outcome and level (small per partner)
    delivered_lines = data.lines[(data.lines["kind"] == "delivered") & data.lines["counted"]]
    by_org_outcome = (delivered_lines.groupby(["organisation_id", "outcome", "level"], sort=False)["value"].sum()
                      .reset_index())
    lines_by_org = dict(tuple(by_org_outcome.groupby("organisation_id", sort=False)))
    rets_by_org = dict(tuple(data.returns.groupby("organisation_id")))
    cvd = _committed_vs_delivered(data)
    for org in data.organisations.itertuples():
        mine = rets_by_org.get(org.id, data.returns.iloc[0:0])
        counted = mine[mine["status"] != "rejected"]
        lines = lines_by_org.get(org.id, by_org_outcome.iloc[0:0])
        number = f" · number {escape_html(org.number)}" if org.number else ""
        body = [f"<h1>{escape_html(org.name)}</h1><p class=\"lede\">Sector: {escape_html(org.sector)}{number}</p>",
                "<h2>Value by year and kind</h2>", _trend(counted, f"{org.name}: value by financial year and kind"),
                "<h2>Delivered value by outcome (all years)</h2>",
                _level_chart_and_table(lines, "outcome", f"{org.name}: delivered value by outcome",
                                       "delivered value", outcome_names)]
        mine_cvd = cvd[cvd["supplier_id"] == org.id] if not cvd.empty else cvd
        if not mine_cvd.empty:
            body += ["<h2>Committed against delivered, all contracts</h2>", _cvd_table(mine_cvd, depth=1)]
        body += ["<h2>Returns</h2>", table(
            ["Return", "Period", "Kind", "Version", "Status", "Assurance", "Value"],
            [[f"#{i}", p, k, v, st, a, money(x)] for i, p, k, v, st, a, x in zip(
                *(mine[c].tolist() for c in ("id", "period", "kind", "version", "status", "assurance", "value")))],
            "Current versions of this partner's returns", numeric=(3, 6))]
        write(f"partners/p{org.id}.html", page(org.name, "".join(body), config, 1, gen))

    # ---------------------------------------------------------------- outcomes and measures
    counted_lines = data.lines[data.lines["counted"]]
    # one pass each: the counted lines split by outcome, sums by measure and kind
    lines_by_outcome = dict(tuple(counted_lines.groupby("outcome", sort=False)))
    by_measure_kind = _sums(counted_lines, ["outcome", "measure", "kind"])
    outcome_rows = []
    for outcome in framework.outcomes:
        mine = lines_by_outcome.get(outcome.id, counted_lines.iloc[0:0])
        d = float(mine.loc[mine["kind"] == "delivered", "value"].sum())
        outcome_rows.append([link(f"{outcome.id}.html", f"{outcome.id} {outcome.name}"), money(d)])
        m_rows = []
        for m in outcome.measures:
            m_rows.append([link(f"../measures/{m.id}.html", f"{m.id} {m.name}"),
                           *[money(by_measure_kind.get((outcome.id, m.id, k), 0.0)) for k in KINDS]])
        body = [f"<h1>{escape_html(outcome.id)} {escape_html(outcome.name)}</h1>",
                "<h2>Trend</h2>", _trend(mine, f"{outcome.id}: value by financial year and kind"),
                "<h2>Measures</h2>", table(["Measure", *KINDS], m_rows, f"{outcome.id} measures, all years",
                                           numeric=range(1, 5)), _levels_note(mine["level"]),
                "<h2>Partners delivering</h2>",
                _level_chart_and_table(mine[mine["kind"] == "delivered"], "organisation_id",
                                       f"{outcome.id}: delivered value by partner, all years", "delivered value",
                                       name_of, {k: f"../partners/p{k}.html" for k in name_of})]
        write(f"outcomes/{outcome.id}.html", page(f"{outcome.id} {outcome.name}", "".join(body), config, 1, gen))
    write("outcomes/index.html", page("Outcomes", "<h1>Knowsley outcomes</h1>" + table(
        ["Outcome", "Delivered (all years)"], outcome_rows, "Delivered value by outcome, all years", numeric=(1,))
        + _levels_note(counted_lines["level"]), config, 1, gen))
    lines_by_measure = dict(tuple(data.lines.groupby("measure", sort=False)))
    for mid, m in measures.items():
        mine = lines_by_measure.get(mid, data.lines.iloc[0:0])
        valued = "counted, not valued: " + m.reason if m.count_only else "valued with: " + ", ".join(
            p.id for p in m.proxies)
        per_year = mine.groupby(["financial_year", "kind"]).agg(quantity=("quantity", "sum"), value=("value", "sum"))
        rows = [[y, k, f"{r.quantity:,.1f}", money(r.value)] for (y, k), r in per_year.iterrows()]
        body = [f"<h1>{escape_html(mid)} {escape_html(m.name)}</h1>",
                f'<p class="lede">Unit: {escape_html(m.unit)}; {escape_html(valued)}</p>',
                table(["Financial year", "Kind", f"Quantity ({m.unit})", "Value"], rows,
                      f"{mid} by year and kind", numeric=(2, 3)), _levels_note(mine["level"])]
        write(f"measures/{mid}.html", page(f"{mid} {m.name}", "".join(body), config, 1, gen))

    # ---------------------------------------------------------------- contracts
    c_rows = []
    for c in data.contracts.itertuples():
        mine = cvd[cvd["contract_id"] == c.id] if not cvd.empty else cvd
        c_rows.append([link(f"c{c.id}.html", c.reference), c.name, c.supplier, money(c.value)])
        body = [f"<h1>{escape_html(c.reference)}: {escape_html(c.name)}</h1>",
                f'<p class="lede">Buyer {escape_html(c.buyer)}; supplier {escape_html(c.supplier)}; contract value '
                f"{money(c.value)} over {c.years} years from {escape_html(c.start_year)}.</p>",
                "<h2>Social value committed against delivered</h2>",
                _cvd_table(mine, depth=1) if not mine.empty else "<p>No commitments or delivery recorded.</p>"]
        write(f"contracts/c{c.id}.html", page(c.reference, "".join(body), config, 1, gen))
    write("contracts/index.html", page("Contracts", "<h1>Contracts</h1>" + table(
        ["Reference", "Contract", "Supplier", "Contract value"], c_rows, "Contracts with social value commitments",
        numeric=(3,)), config, 1, gen))

    # ---------------------------------------------------------------- recognition, methodology, data
    write("recognition.html", page("Recognition", recognition_html(data, config, year), config, 0, gen))
    write("methodology.html", page("Methodology", methodology_html(config), config, 0, gen))
    write("data/returns.csv", sitedata.csv_of(data.returns[sitedata.RETURN_FIELDS]))
    write("data/lines.csv", sitedata.csv_of(data.lines[sitedata.LINE_FIELDS]))
    write("data/ledger.json", sitedata.ledger_json_text(data, config.name, config.effective_price_year()))
    write("data/ledger.schema.json", sitedata.dumps(sitedata.json_schema()))
    write("data/ocds.json", sitedata.dumps(sitedata.ocds_package(data, config.publisher or config.name)))
    files = [("returns.csv", "one row per current return"), ("lines.csv", "one row per measure line of counted returns"),
             ("ledger.json", "returns and lines as JSON"), ("ledger.schema.json", "the JSON Schema of ledger.json"),
             ("ocds.json", "contracts' commitments and delivery, Open Contracting Data Standard 1.1 release package")]
    write("data/index.html", page("Open data", "<h1>Open data</h1><ul>" + "".join(
        f"<li>{link(name, name)}: {escape_html(what)}</li>" for name, what in files)
        + "</ul><p>Licence: Open Government Licence v3.0 unless the publisher states otherwise. "
        "The OCDS mapping is described on the <a href=\"../methodology.html#ocds\">methodology page</a>.</p>",
        config, 1, gen))
    return written


def _rejected_note(count: int) -> str:
    if count == 1:
        return "<p>1 current return is rejected and counts nowhere.</p>"
    return f"<p>{count} current returns are rejected and count nowhere.</p>"


def _committed_vs_delivered(data: sitedata.SiteData) -> pd.DataFrame:
    lines = data.lines[data.lines["contract_id"].notna() & data.lines["counted"]]
    if lines.empty:
        return pd.DataFrame()
    grouped = lines.groupby(["contract_id", "financial_year", "kind"])["value"].sum().unstack("kind", fill_value=0.0)
    for k in ("committed", "delivered"):
        if k not in grouped.columns:
            grouped[k] = 0.0
    levels = lines[lines["kind"] == "delivered"].groupby(["contract_id", "financial_year"])["level"].agg(
        lambda s: ", ".join(l for l in LEVELS if l in set(s)))
    out = grouped[["committed", "delivered"]].reset_index()
    out["delivered_levels"] = [levels.get((c, y), "") for c, y in zip(out["contract_id"], out["financial_year"])]
    supplier = dict(zip(data.contracts["id"], data.contracts["supplier_id"]))
    reference = dict(zip(data.contracts["id"], data.contracts["reference"]))
    out["supplier_id"] = out["contract_id"].map(supplier)
    out["reference"] = out["contract_id"].map(reference)
    return out


def _cvd_table(frame: pd.DataFrame, depth: int) -> str:
    rows = []
    for r in frame.sort_values(["reference", "financial_year"]).itertuples():
        rate = ("not reported yet" if not r.delivered_levels else
                f"{r.delivered / r.committed:.0%}" if r.committed > 0 else "n/a")
        rows.append([link(f"{'../' * depth}contracts/c{int(r.contract_id)}.html", r.reference), r.financial_year,
                     money(r.committed), money(r.delivered), rate, r.delivered_levels or "none delivered yet"])
    return table(["Contract", "Financial year", "Committed", "Delivered", "Delivered / committed",
                  "Delivered: assurance levels"], rows,
                 "Committed and delivered social value (shown side by side, never added)", numeric=(2, 3, 4))


def recognition_rows(data: sitedata.SiteData, config: PartnershipConfig, year: str) -> list[tuple[str, int, float, str]]:
    """(partner, id, verified delivered value, tier) for the year, highest first."""
    rets = data.counted_returns
    mine = rets[(rets["kind"] == "delivered") & (rets["financial_year"] == year)
                & rets["level"].isin(config.tier_levels)]
    totals = mine.groupby(["organisation_id", "organisation"])["value"].sum().sort_values(ascending=False)
    out = []
    for (oid, name), value in totals.items():
        tier = config.tier_for(float(value))
        if tier is not None:
            out.append((name, int(oid), float(value), tier.name))
    return out


def recognition_html(data: sitedata.SiteData, config: PartnershipConfig, year: str) -> str:
    rows = recognition_rows(data, config, year)
    parts = [f"<h1>Recognition, {escape_html(year)}</h1>",
             f"<p>Partners are recognised for social value delivered in the financial year and verified at: "
             f"{escape_html(', '.join(config.tier_levels))}. Self-reported, forecast and committed values do not "
             "count towards a tier.</p>"]
    for tier in sorted(config.tiers, key=lambda t: -t.minimum):
        mine = [r for r in rows if r[3] == tier.name]
        parts.append(f"<h2>{escape_html(tier.name)}</h2><p>{escape_html(tier.description or 'at least ' + money(tier.minimum))}</p>")
        parts.append(table(["Partner", "Verified delivered value"],
                           [[link(f"partners/p{oid}.html", name), money(v)] for name, oid, v, _ in mine],
                           f"{tier.name} partners, {year}", numeric=(1,)))
    return "".join(parts)


def methodology_html(config: PartnershipConfig) -> str:
    py = config.effective_price_year()
    return f"""<h1>Methodology</h1>
<h2>What a return records</h2>
<p>A partner's return lists, per Knowsley framework measure (K1 to K29), the quantity in the period, the unit,
the financial proxy and the adjustments used. Values are computed by svmodel when the return is submitted, with the
proxy library version and content hash then in force (both stored with the return), in {py} prices
(HM Treasury GDP deflators).</p>
<ul>
<li><strong>Return forms and contract delivery returns</strong>: value = quantity &times; proxy value &times;
(1 &minus; deadweight) &times; (1 &minus; displacement) &times; (1 &minus; attribution), the SROI Guide (2012)
stage 4 impact of the period, not discounted. Contract returns use the buyer's proxies and adjustments from the
tender specification.</li>
<li><strong>Evaluative or forecast scenario files</strong>: each outcome line's present value as computed by
<code>svmodel run</code> (the scenario's own duration, drop-off and discounting).</li>
<li><strong>Donations</strong> through the Knowsley Foundation, Knowsley CVS or directly: cash and in-kind at face
value; volunteer time at hours &times; the ONS ASHE median hourly wage (replacement cost).</li>
<li>Measures in pounds (K22) count at face value; count-only measures (K7, K18, K19, K21, K24, K28) are counted,
not valued; transfer payments are recorded but left out of totals (Green Book 2022, Annex A2).</li>
</ul>
<h2>Kinds are never added together</h2>
<p><em>Delivered</em> (evaluative), <em>committed</em> (contract commitments), <em>forecast</em> and
<em>donated</em> values answer different questions and are always shown side by side, never summed.</p>
<h2>Assurance levels</h2>
<p>Every return starts as <em>self-reported</em>. The partnership officer verifies it as <em>evidence checked</em>
or <em>independently verified</em>, or rejects it with a reason. Rejected returns count nowhere. A correction is a
new version of the return; the old version is kept in the audit trail and no longer counts. Every figure on this
site states which assurance levels it includes.</p>
<h2 id="ocds">Open Contracting Data Standard mapping</h2>
<p><code>data/ocds.json</code> is an OCDS 1.1 release package with one release per contract:
<code>ocid</code> = prefix + contract reference; buyer and supplier in <code>parties</code>;
<code>awards[0]</code> the supplier and contract value; <code>contracts[0].period</code> the contract years;
each commitment (measure &times; contract year) is a <code>contracts[0].milestones[]</code> entry of type
<code>delivery</code>, due at the end of that financial year, with status met, partiallyMet, notMet or scheduled
from the delivery recorded, and quantities, values and assurance levels in the <code>socialValue</code> extension
object (OCDS has no core field for social value).</p>
<h2>Sources</h2>
<p>SROI Network (2012) <em>A guide to Social Return on Investment</em>; HM Treasury (2022) <em>The Green Book</em>;
the proxy library's sources are listed with each proxy in svmodel's documentation.</p>"""
