"""The one table-cell parser (svmodel.parameters.parse_cell), bounds from the registry."""

from __future__ import annotations

import pytest

def test_one_cell_parser_reads_a_cell_the_same_way_for_every_table():
    """Proxy packs, bid forms and ledger returns read cells through svmodel.parameters.parse_cell."""
    from svmodel.parameters import CellError, parse_cell
    from svmodel.procurement.bids import parse_fraction, parse_quantity

    assert parse_cell("£1,200", "quantity") == parse_quantity("£1,200") == 1200.0
    assert parse_cell("30%", "deadweight") == parse_fraction("30%") == pytest.approx(0.3)
    assert parse_cell(" ", "value") is None
    for bad, name, words in (("-3", "quantity", "is negative"), ("nan", "value", "not a finite number"),
                             ("120%", "deadweight", "above the largest value allowed"), ("lots", "quantity", "not a number"),
                             (True, "quantity", "not a number"), ("1e13", "quantity", "above the largest value allowed"), ("2.5", "grade", "not a whole|out of range")):
        with pytest.raises(CellError, match=words):
            parse_cell(bad, name)
    with pytest.raises(CellError, match=r"for 25 percent write 25% or 0\.25"):
        parse_cell("25", "deadweight")  # a percentage typed without its sign is named, not guessed
    with pytest.raises(CellError, match="required"):
        parse_cell("", "value", required=True)
