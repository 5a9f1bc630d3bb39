"""The records of a bid evaluation, shared by scoring, plausibility flags, monitoring and the
panel report (their own module, so that scoring and flags do not import each other)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineValue:
    """One measure of one bid, valued."""

    measure: str
    name: str
    unit: str
    basis: str
    proxy_id: str
    unit_value: float
    value_type: str
    source: str
    licence: str
    quantities: tuple[float, ...]
    total_quantity: float
    scored_quantities: tuple[float, ...]
    scored_quantity: float
    scoring_note: str  # why the scored quantity differs from the bid, if it does
    bidder_deadweight: float | None
    bidder_attribution: float | None
    buyer_deadweight: float
    buyer_displacement: float
    buyer_attribution: float
    drop_off: float
    duration: int
    gross: float
    claimed: float
    adjusted: float
    scored: float
    target: float | None
    target_value: float | None
    beneficiaries: str
    description: str
    evidence: str
    evidenced: bool
    confidence: str
    row: int


@dataclass(frozen=True)
class Flag:
    """A plausibility flag on a bid (svmodel.procurement.flags)."""

    code: str
    measure: str  # "" for a flag on the whole bid
    message: str


@dataclass
class BidResult:
    bidder: str
    file: str
    lines: list[LineValue]
    gross: float = 0.0
    claimed: float = 0.0
    adjusted: float = 0.0
    scored: float = 0.0
    face_value: float = 0.0  # adjusted pounds counted at face value (part of `adjusted`)
    per_pound: float = 0.0
    sv_score: float = 0.0
    price: float | None = None
    quality: float | None = None
    total: float | None = None
    rank: int = 0
    flags: list[Flag] = field(default_factory=list)

    def line(self, measure: str) -> LineValue | None:
        return next((l for l in self.lines if l.measure == measure), None)


def qty(value: float) -> str:
    """A quantity for display: whole numbers with separators, else up to two decimals."""
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
