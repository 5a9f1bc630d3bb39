"""The report's SVG charts: round axis ticks, escaped user text, no crash on odd data."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from svmodel.report import svg


def test_nice_ticks_cover_the_range_with_round_steps():
    assert svg.nice_ticks(0, 1_154_914) == [0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000]
    assert svg.nice_ticks(1.6, 2.7) == [1.5, 1.75, 2.0, 2.25, 2.5, 2.75]
    assert svg.nice_ticks(-50, 100)[0] <= -50 and svg.nice_ticks(-50, 100)[-1] >= 100
    assert svg.nice_ticks(5, 5)[-1] > 5 and svg.nice_ticks(math.nan, 1) == [0.0]


def test_user_text_is_escaped_and_the_markup_is_well_formed():
    markup = svg.horizontal_bars(['<script>alert(1)</script>', "A & B " * 20], [10.0, -3.0],
                                 'Title "quoted"', "Alt <text>", notes=["77%", "-23%"])
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    root = ET.fromstring(markup)  # parses as XML: every attribute and text escaped
    assert root.get("aria-label") == "Alt <text>" and root.get("role") == "img"
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(t.endswith("…") and "A & B A & B" in t for t in texts)  # long label shortened...
    assert any(t.startswith("A & B A & B A & B") and len(t) > 100 for t in texts)  # ...full in its title


def test_tornado_and_histogram_tolerate_missing_values():
    one_way = pd.DataFrame({"line": ["a", None], "parameter": ["quantity", "inputs"],
                            "ratio_low": [1.5, math.nan], "ratio_high": [2.5, 2.2],
                            "swing": [1.0, 0.2]})
    ET.fromstring(svg.tornado(one_way, 2.0, "tornado"))
    ET.fromstring(svg.ratio_distribution(np.array([np.nan, np.inf]), 2.0, "empty"))
    hist = svg.ratio_distribution(np.random.default_rng(1).normal(2, 0.2, 2000), 2.0, "hist")
    assert "90% interval" in hist and hist.count("<rect") >= 10
