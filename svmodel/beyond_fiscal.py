"""Result blocks beyond fiscal savings (issue 16), added to `svmodel run --json`:

- `wellbeing`: each WELLBY line (a change in life satisfaction for a number of people), its
  WELLBYs and its present value at the low, central and high WELLBY value (HM Treasury 2021
  Wellbeing Guidance for Appraisal: GBP 13,000 per WELLBY in 2019 prices, range 10,000 to
  16,000, carried by the proxy `hmt_wellby`);
- `lm3`: the local multiplier (svmodel.lm3), beside the SROI and never added into its present
  value, with the lines whose local jobs or spend it overlaps;
- `double_counting`: every overlap across value families that the benefit-area graph flags,
  with the decision the scenario records (svmodel.scenario.double_counting);
- `place`: each line's local share (1 - leakage) and the area it refers to (HCA Additionality
  Guide 2014, 4.2), and the present value that leaks out of the area.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def wellbeing_block(results: Any) -> list[dict[str, Any]]:
    """One entry per WELLBY line, with the value range of its proxy where the library gives one."""
    out = []
    library = results.scenario.library
    for index, line in enumerate(results.scenario.lines):
        if line.wellby_people is None:
            continue
        pv = float(results.engine.line_present_values[index])
        years = np.arange(line.duration)
        wellbys = line.quantity * float(np.sum((1.0 - line.drop_off) ** years))
        low = high = None
        if line.proxy_id and line.proxy_id in library:
            proxy = library.get(line.proxy_id)
            if proxy.value_low is not None and proxy.value_high is not None and proxy.value:
                low, high = pv * proxy.value_low / proxy.value, pv * proxy.value_high / proxy.value
        out.append({
            "id": line.id, "stakeholder": line.stakeholder, "people": line.wellby_people,
            "life_satisfaction_change": line.life_satisfaction_change, "years": line.duration,
            "wellbys_per_year": line.quantity, "wellbys": wellbys,
            "value_per_wellby": line.unit_value, "proxy": line.proxy_id or None,
            "present_value_low": low, "present_value": pv, "present_value_high": high,
            "source": line.source,
        })
    return out


def lm3_block(results: Any) -> dict[str, Any] | None:
    scenario = results.scenario
    section = scenario.model.lm3
    if section is None:
        return None
    block = section.result().to_dict()
    overlapping = [o["lines"][0] for o in scenario.overlaps if "lm3" in o["lines"]]
    block["overlapping_lines"] = overlapping
    block["sroi_total_present_value"] = results.total_present_value
    if overlapping:
        block["warning"] = (f"{', '.join(overlapping)} value local jobs or local spend that LM3 also "
                            "traces; LM3 is shown beside the SROI and not added to its present value")
    return block


def place_block(results: Any) -> dict[str, Any]:
    lines = results.scenario.lines
    shares = np.array([line.local_share for line in lines])
    pv = results.engine.line_present_values * results.engine.counted
    with np.errstate(divide="ignore", invalid="ignore"):
        leaked = float(np.sum(np.where(shares > 0, pv / np.where(shares > 0, shares, 1.0) - pv, 0.0)))
    return {"area": results.scenario.model.area or None,
            "lines": [{"id": line.id, "local_share": line.local_share, "area": line.area or None}
                      for line in lines if line.local_share != 1 or line.area],
            "leaked_present_value": leaked}


def blocks(results: Any) -> dict[str, Any]:
    """The issue-16 additions to the results JSON."""
    return {
        "wellbeing": wellbeing_block(results),
        "lm3": lm3_block(results),
        "double_counting": [{k: v for k, v in o.items() if k != "warning"} for o in results.scenario.overlaps],
        "place": place_block(results),
    }
