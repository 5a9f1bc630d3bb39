"""The cohort funnel of an outcome line: need x engagement x success (issue 14).

Commissioners' business cases state the quantity of an outcome as a funnel rather than a
number: the people in need (the cohort), the share who engage with the service and the share
of those for whom the outcome is achieved ("300 referred x 60% engage x 8% avoid admission").
The funnel follows the way HM Treasury / GMCA, "Supporting public service transformation: cost
benefit analysis guidance for local partnerships" (2014) builds benefits: a target cohort, the
share engaged by the intervention, and the impact (success) rate among those engaged.

Each part is one number, or a list with one entry per programme year (a scalar applies to every
year). The cohort of programme year k (k = 1, 2, ...) starts counting in outcome year
start_year + k - 1 and then follows the line's duration and drop-off, so a three-year programme
yields three overlapping waves of outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARTS: tuple[str, ...] = ("need", "engagement", "success")


@dataclass(frozen=True)
class CohortFunnel:
    """A resolved funnel: each part as a tuple with one entry per programme year."""

    need: tuple[float, ...]
    engagement: tuple[float, ...]
    success: tuple[float, ...]

    @classmethod
    def from_parts(cls, need: float | list[float], engagement: float | list[float],
                   success: float | list[float]) -> "CohortFunnel":
        parts = [list(p) if isinstance(p, (list, tuple)) else [p] for p in (need, engagement, success)]
        years = max(len(p) for p in parts)
        full = [tuple(float(x) for x in (p * years if len(p) == 1 else p)) for p in parts]
        return cls(*full)

    @property
    def years(self) -> int:
        return len(self.need)

    @property
    def by_year(self) -> bool:
        return self.years > 1

    def scalar(self, part: str) -> bool:
        """True when the part is one number for every year (it may carry a distribution)."""
        return len(set(getattr(self, part))) == 1

    @property
    def engaged(self) -> np.ndarray:
        return np.asarray(self.need) * np.asarray(self.engagement)

    @property
    def quantities(self) -> np.ndarray:
        """Outcomes achieved by each programme year's cohort."""
        return self.engaged * np.asarray(self.success)

    @property
    def quantity(self) -> float:
        """The line's quantity: every programme year's outcomes together."""
        return float(self.quantities.sum())

    @property
    def profile(self) -> np.ndarray:
        """Each programme year's share of the quantity (sums to 1; year 1 only when none)."""
        q = self.quantities
        total = q.sum()
        if total <= 0:
            return np.eye(1, self.years, 0).ravel()
        return q / total

    def quantity_with(self, overrides: dict[str, np.ndarray | float]) -> np.ndarray | float:
        """The quantity with some scalar parts replaced (arrays over cases allowed)."""
        total = 0.0
        for k in range(self.years):
            value = 1.0
            for part in PARTS:
                value = value * overrides.get(part, getattr(self, part)[k])
            total = total + value
        return total

    def to_dict(self) -> dict[str, object]:
        def plain(values: tuple[float, ...]) -> float | list[float]:
            return values[0] if len(set(values)) == 1 else list(values)
        return {part: plain(getattr(self, part)) for part in PARTS}
