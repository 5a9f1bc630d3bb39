"""Explorer notes for issue 14's business case fields: a line's cohort funnel, confidence grade,
agency, cashable share, disbenefit, health discounting and value by year. Pure text to HTML
(every string escaped); the widgets show it under each line's controls."""

from __future__ import annotations

import html

from svmodel.business_case.agencies import agency_name, agency_of_line
from svmodel.util.formatting import percent


def line_note(line: object) -> str:
    """An HTML fragment (escaped) describing the line's business case fields; "" when none."""
    parts: list[str] = []
    cohort = getattr(line, "cohort", None)
    if cohort is not None:
        years = [f"{n:,.6g} x {percent(e, 0)} x {percent(s, 0)} = {q:,.4g}"
                 for n, e, s, q in zip(cohort.need, cohort.engagement, cohort.success, cohort.quantities)]
        label = "Cohort funnel (need x engagement x success)"
        parts.append(f"{label}: " + ("; ".join(f"year {k}: {t}" for k, t in enumerate(years, 1))
                                     if len(years) > 1 else years[0])
                     + ". Moving the quantity scales the need.")
    grade = getattr(line, "grade", None)
    if grade is not None:
        parts.append(f"Confidence grade {grade} (GMCA scale 1-6)")
    parts.append(f"Agency: {agency_name(agency_of_line(line))}")
    cashable = getattr(line, "cashable", None)
    if cashable is not None and getattr(line, "value_type", "") == "fiscal":
        parts.append(f"cashable {percent(cashable, 0)} from year {getattr(line, 'cashable_from_year', 1)}")
    if getattr(line, "disbenefit", False):
        parts.append("a disbenefit: its value counts negative")
    if getattr(line, "discount_schedule", "standard") == "health":
        parts.append("discounted at the Green Book health schedule")
    if getattr(line, "value_index", None) is not None:
        parts.append("its value changes by year (series or real growth)")
    return "<div class='svx-note'>" + html.escape("; ".join(parts)) + ".</div>"
