"""Local Multiplier 3 (LM3): how much of an income circulates in a named local economy.

The New Economics Foundation's method follows money over three rounds:

- round 1: the income, e.g. a contract's value;
- round 2: the part of it spent locally, with local suppliers and on local staff;
- round 3: the part of round 2 that those suppliers and staff re-spend locally;

LM3 = (round 1 + round 2 + round 3) / round 1, and the local economic value is round 1 x LM3.
An LM3 of 1.76 means every GBP 1 of income is worth GBP 1.76 to the local economy.

LM3 is reported beside the SROI, never added into its present value: round 2 and 3 are flows
of money, not changes in wellbeing, and the wages and local spend they trace may already be
valued by local-jobs or local-spend lines (svmodel.scenario.double_counting warns where they are).

References: J. Sacks, New Economics Foundation (2002) The Money Trail: measuring your impact on
the local economy using LM3 (NEF and the Countryside Agency); NEF (2005) Northumberland County
Council LM3 study (local suppliers re-spent 76% locally: GBP 1 = GBP 1.76 to the local economy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Sequence

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from svmodel.parameters import PARAMETERS, fraction_from_text

SOURCE = ("J. Sacks, New Economics Foundation (2002) The Money Trail: measuring your impact on "
          "the local economy using LM3")


def _bounded(name: str) -> Any:
    p = PARAMETERS[name]
    return Field(**{"gt" if p.low_open else "ge": p.low, "lt" if p.high_open else "le": p.high})


def _fraction(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return fraction_from_text(value)
        except ValueError:
            raise PydanticCustomError("not_a_fraction", "not a fraction or a percentage") from None
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")):
        raise PydanticCustomError("not_a_number", "not a finite number")
    return value


class Lm3Spend(BaseModel):
    """One group of round-2 spend: local suppliers or local staff, and their local re-spend."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    kind: Literal["supplier", "staff"]
    amount: Annotated[float, BeforeValidator(_finite), _bounded("lm3_spend")]
    # Before-validators run last first: a percentage text becomes a number, then is checked finite.
    local_respend: Annotated[float, BeforeValidator(_finite), BeforeValidator(_fraction),
                             _bounded("local_respend")]
    source: str = ""


class Lm3Section(BaseModel):
    """The `lm3:` section of a scenario or tender file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    area: str = Field(min_length=1)
    income: Annotated[float, BeforeValidator(_finite), _bounded("lm3_income")]
    spend: list[Lm3Spend] = Field(min_length=1)
    source: str = ""

    @model_validator(mode="after")
    def _spend_within_income(self) -> "Lm3Section":
        if self.income <= 0:
            raise PydanticCustomError("lm3_income", "income must be above 0: LM3 divides by it")
        total = sum(s.amount for s in self.spend)
        if total > self.income:
            raise PydanticCustomError(
                "lm3_spend", "local spend ({total:,.0f}) exceeds the round 1 income ({income:,.0f}); "
                "round 2 is the part of the income spent locally", {"total": total, "income": self.income})
        return self

    def result(self) -> "Lm3Result":
        return lm3(self.income, [(s.amount, s.local_respend) for s in self.spend], area=self.area,
                   names=[s.name for s in self.spend], kinds=[s.kind for s in self.spend])


@dataclass(frozen=True)
class Lm3Result:
    """The three rounds, the score and the local economic value."""

    area: str
    round1: float
    round2: float
    round3: float
    rows: tuple[dict[str, Any], ...] = ()

    @property
    def score(self) -> float:
        return (self.round1 + self.round2 + self.round3) / self.round1

    @property
    def local_economic_value(self) -> float:
        return self.round1 + self.round2 + self.round3

    def to_dict(self) -> dict[str, Any]:
        return {"area": self.area, "round1": self.round1, "round2": self.round2,
                "round3": self.round3, "lm3": self.score,
                "local_economic_value": self.local_economic_value, "spend": list(self.rows),
                "added_to_present_value": False, "source": SOURCE}


def lm3(income: float, spend: Sequence[tuple[float, float]], area: str = "",
        names: Sequence[str] | None = None, kinds: Sequence[str] | None = None) -> Lm3Result:
    """LM3 from round-1 `income` and round-2 `spend` as (amount spent locally, share of it
    re-spent locally) pairs (NEF, The Money Trail, 2002)."""
    if not income > 0:
        raise ValueError(f"income {income!r}: expected an amount above 0")
    rows = []
    for k, (amount, share) in enumerate(spend):
        if amount < 0 or not 0 <= share <= 1:
            raise ValueError(f"spend {k}: amount must be at least 0 and the re-spend share 0..1")
        rows.append({"name": names[k] if names else f"spend {k + 1}",
                     "kind": kinds[k] if kinds else "", "amount": float(amount),
                     "local_respend": float(share), "round3": float(amount) * float(share)})
    round2 = sum(r["amount"] for r in rows)
    if round2 > income * (1 + 1e-12):
        raise ValueError(f"local spend {round2:,.0f} exceeds the income {income:,.0f}")
    return Lm3Result(area=area, round1=float(income), round2=round2,
                     round3=sum(r["round3"] for r in rows), rows=tuple(rows))
