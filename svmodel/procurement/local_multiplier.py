"""LM3 in tender evaluation (issue 16), for a buyer who asks bidders for their local spend.

`bid_lm3` gives a bidder's Local Multiplier 3 from the contract value (round 1), the local
supplier and local staff spend the bidder commits to (round 2) and the share of it those
suppliers and staff re-spend locally (round 3: from the bidder's survey, or the buyer's stated
assumption with its source). Like the scenario's `lm3:` section, the result is shown beside the
social value score and never added to the valued commitments (the local jobs and spend it traces
may already be valued under measures such as K1 and K24).

Reference: J. Sacks, New Economics Foundation (2002) The Money Trail (LM3).
"""

from __future__ import annotations

from svmodel.lm3 import Lm3Result, lm3


def bid_lm3(contract_value: float, local_supplier_spend: float, supplier_local_respend: float,
            local_staff_spend: float, staff_local_respend: float, area: str) -> Lm3Result:
    """A bidder's LM3 for the contract; raises ValueError naming the figure that is not allowed."""
    for name, value in (("local supplier spend", local_supplier_spend),
                        ("local staff spend", local_staff_spend)):
        if not value >= 0:
            raise ValueError(f"{name} {value!r}: expected an amount of at least 0")
    return lm3(contract_value, [(local_supplier_spend, supplier_local_respend),
                                (local_staff_spend, staff_local_respend)],
               area=area, names=["Local suppliers", "Local staff"], kinds=["supplier", "staff"])


def compare_bids(contract_value: float, bids: dict[str, tuple[float, float, float, float]],
                 area: str) -> list[dict]:
    """LM3 of each bidder, highest first: {bidder, lm3, local_economic_value, round2, round3}.
    Each bid is (local supplier spend, supplier re-spend share, local staff spend, staff share)."""
    rows = []
    for bidder, (supplier, s_share, staff, t_share) in bids.items():
        result = bid_lm3(contract_value, supplier, s_share, staff, t_share, area)
        rows.append({"bidder": bidder, "lm3": result.score,
                     "local_economic_value": result.local_economic_value,
                     "round2": result.round2, "round3": result.round3})
    return sorted(rows, key=lambda r: -r["lm3"])
