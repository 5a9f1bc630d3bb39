"""`svmodel ledger certificate ORG --period 2026/27`: a printable certificate of the verified
social value an organisation delivered in a financial year, by Knowsley outcome, with its
assurance levels and recognition tier (HTML, and PDF through headless Chromium's
print-to-PDF, A4 landscape).

Only delivered value verified at the partnership's tier levels counts (config `tier_levels`);
a self-reported figure is mentioned separately, never added in.
"""

from __future__ import annotations

from pathlib import Path

from svmodel.util.atomic import write_text_atomic
from svmodel.util.pdf import PdfError, pdf_unavailable_reason, print_to_pdf
from svmodel.util.formatting import money
from svmodel.library.frameworks import load_framework
from svmodel.ledger import sitedata
from svmodel.ledger.aggregates import LEVELS
from svmodel.ledger.config import PartnershipConfig
from svmodel.ledger.db import Ledger, LedgerError
from svmodel.ledger.periods import PeriodError, parse_period
from svmodel.util.safety import escape_html


CSS = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: Georgia, "Times New Roman", serif; color: #1d2a33; margin: 0; }
.frame { border: 6px double #0b5c75; padding: 10mm 16mm; min-height: 160mm; }
h1 { font-size: 26pt; margin: 0 0 4mm; color: #0b5c75; text-align: center; }
p.org { font-size: 22pt; text-align: center; margin: 2mm 0; font-weight: bold; }
p.centre { text-align: center; font-size: 12pt; }
p.total { font-size: 20pt; text-align: center; margin: 4mm 0; }
p.tier { text-align: center; font-size: 14pt; font-weight: bold; }
table { border-collapse: collapse; margin: 4mm auto; font-size: 11pt; }
th, td { border: 1px solid #9fb3bf; padding: 1.5mm 3mm; text-align: left; }
td.num { text-align: right; }
p.small { font-size: 9pt; color: #4a5a66; text-align: center; }
"""


def certificate_html(ledger: Ledger, org: str, period: str, config: PartnershipConfig) -> tuple[str, dict]:
    try:
        year = parse_period(period)
    except PeriodError as exc:
        raise LedgerError(f"--period {exc}") from None
    if year.label != year.financial_year:
        raise LedgerError(f"--period {period!r}: a certificate covers a financial year, such as {year.financial_year}")
    data = sitedata.load(ledger)
    match = data.organisations[data.organisations["name"].str.casefold() == " ".join(org.split()).casefold()]
    if match.empty:
        raise LedgerError(f"no organisation named {org!r} in the ledger")
    organisation = match.iloc[0]
    lines = data.lines[(data.lines["organisation_id"] == organisation["id"]) & (data.lines["kind"] == "delivered")
                       & (data.lines["financial_year"] == year.label) & data.lines["counted"]]
    verified = lines[lines["level"].isin(config.tier_levels)]
    unverified = lines[~lines["level"].isin(config.tier_levels)]
    total = float(verified["value"].sum())
    tier = config.tier_for(total) if total > 0 else None
    framework = load_framework(config.framework)
    rows = []
    for outcome in framework.outcomes:
        mine = verified[verified["outcome"] == outcome.id]
        if mine.empty or float(mine["value"].sum()) == 0.0:
            continue  # nothing valued (count-only measures are not certified as value)
        levels = ", ".join(level for level in LEVELS if level in set(mine["level"]))
        rows.append(f"<tr><td>{escape_html(outcome.id)} {escape_html(outcome.name)}</td>"
                    f'<td class="num">{money(float(mine["value"].sum()))}</td><td>{escape_html(levels)}</td></tr>')
    levels_all = ", ".join(level for level in LEVELS if level in set(verified["level"])) or "none"
    table = ("<table><caption>Verified social value delivered by Knowsley outcome</caption><thead><tr>"
             "<th scope=\"col\">Outcome</th><th scope=\"col\">Value</th><th scope=\"col\">Assurance level</th>"
             f"</tr></thead><tbody>{''.join(rows)}</tbody></table>") if rows else \
        "<p class=\"centre\">No verified delivered social value is recorded for this year.</p>"
    extra = (f"<p class=\"small\">A further {money(float(unverified['value'].sum()))} is self-reported and awaiting "
             "verification; it is not included above.</p>") if not unverified.empty else ""
    tier_text = f'<p class="tier">{escape_html(tier.name)} partner</p>' if tier else ""
    html = (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8"><title>Social value certificate: '
            f"{escape_html(organisation['name'])}, {escape_html(year.label)}</title><style>{CSS}</style></head>"
            f'<body><main class="frame"><h1>Certificate of social value</h1>'
            f'<p class="centre">{escape_html(config.name)} certifies that</p>'
            f'<p class="org">{escape_html(organisation["name"])}</p>'
            f'<p class="centre">delivered verified social value in the financial year {escape_html(year.label)} of</p>'
            f'<p class="total">{money(total)}</p>{tier_text}{table}{extra}'
            f'<p class="small">Assurance levels included: {escape_html(levels_all)}. Values in pounds at '
            f"{config.effective_price_year()} prices, measured with the {escape_html(framework.title)} and svmodel's "
            f"open proxy library (SROI Guide 2012 impact: quantity &times; proxy &times; (1 &minus; deadweight) "
            f"&times; (1 &minus; displacement) &times; (1 &minus; attribution)). Issued {escape_html(data.generated_at[:10])}."
            f"</p></main></body></html>\n")
    facts = {"organisation": organisation["name"], "financial_year": year.label, "verified_value": total,
             "tier": tier.name if tier else None, "levels": levels_all}
    return html, facts


def write_certificate(ledger: Ledger, org: str, period: str, out: Path, config: PartnershipConfig,
                      pdf: bool = True) -> tuple[Path, Path | None, str]:
    """Write certificate HTML (and PDF when Chromium is present); returns paths and a notice."""
    html, facts = certificate_html(ledger, org, period, config)
    stem = "certificate_" + "".join(ch if ch.isalnum() else "_" for ch in facts["organisation"]).strip("_")[:60] \
        + "_" + facts["financial_year"].replace("/", "-")
    html_path = write_text_atomic(Path(out) / f"{stem}.html", html)
    if not pdf:
        return html_path, None, ""
    if pdf_unavailable_reason() is not None:
        return html_path, None, ("no PDF: Chromium is not installed (Debian: apt-get install chromium); "
                                 "print the HTML certificate from a browser instead")
    pdf_path = Path(out) / f"{stem}.pdf"
    try:
        print_to_pdf(html_path, pdf_path)
    except PdfError as exc:
        raise LedgerError(str(exc)) from exc
    return html_path, pdf_path, ""
