"""The partnership's configuration file: name, framework, price year, recognition tiers.

A YAML file (`params/ledger/partnership.yaml` in the example) chosen with `--config`, else
`partnership.yaml` in the current folder, else the defaults below. Recognition tiers are
thresholds of *verified delivered* social value in one financial year (donations count at face
value as their own kind; forecasts and commitments never count towards a tier).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from svmodel.library.proxies import default_library
from svmodel.errors import SvmodelError

DEFAULT_FILE = "partnership.yaml"


class ConfigError(SvmodelError, ValueError):
    pass


@dataclass(frozen=True)
class Tier:
    name: str
    minimum: float  # pounds of verified delivered social value in the financial year
    description: str = ""


@dataclass(frozen=True)
class PartnershipConfig:
    name: str = "Knowsley social value partnership"
    framework: str = "knowsley"
    price_year: int = 0  # 0: the latest calendar year of the shipped deflator series
    tiers: tuple[Tier, ...] = field(default=(
        Tier("Gold", 250_000, "at least £250,000 verified social value delivered in the year"),
        Tier("Silver", 50_000, "at least £50,000 verified social value delivered in the year"),
        Tier("Bronze", 1, "verified social value delivered in the year"),
    ))
    tier_levels: tuple[str, ...] = ("evidence checked", "independently verified")
    publisher: str = ""
    path: Path | None = None

    def effective_price_year(self) -> int:
        if self.price_year:
            return self.price_year
        return max(default_library().deflators.calendar)

    def tier_for(self, value: float) -> Tier | None:
        for tier in sorted(self.tiers, key=lambda t: -t.minimum):
            if value >= tier.minimum:
                return tier
        return None


def load_config(path: str | os.PathLike[str] | None = None) -> PartnershipConfig:
    """The configuration at `path`, else `./partnership.yaml`, else the defaults."""
    if path is None:
        if not Path(DEFAULT_FILE).is_file():
            return PartnershipConfig()
        path = DEFAULT_FILE
    path = Path(path)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the partnership configuration: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with name, framework, price_year and tiers")
    known = {"name", "framework", "price_year", "tiers", "tier_levels", "publisher"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
    tiers = []
    for index, entry in enumerate(data.get("tiers") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{path}: tiers[{index}]: expected a mapping with name and minimum")
        minimum = entry.get("minimum")
        if isinstance(minimum, bool) or not isinstance(minimum, (int, float)) or minimum < 0:
            raise ConfigError(f"{path}: tiers[{index}].minimum: {minimum!r} is not allowed; expected "
                              "pounds of verified delivered social value, a number of at least 0")
        tiers.append(Tier(entry["name"], float(minimum), str(entry.get("description", ""))))
    price_year = data.get("price_year", 0)
    if isinstance(price_year, bool) or not isinstance(price_year, int):
        raise ConfigError(f"{path}: price_year: {price_year!r} is not allowed; expected a calendar year")
    calendar = default_library().deflators.calendar
    if price_year and price_year not in calendar:
        raise ConfigError(f"{path}: price_year: {price_year} is outside the GDP deflator series "
                          f"({min(calendar)} to {max(calendar)})")
    from svmodel.ledger.models import ASSURANCE

    levels = tuple(data.get("tier_levels") or PartnershipConfig.tier_levels)
    bad = [level for level in levels if level not in ASSURANCE]
    if bad:
        raise ConfigError(f"{path}: tier_levels: {bad[0]!r} is not allowed; expected any of {', '.join(ASSURANCE)}")
    defaults = PartnershipConfig()
    return PartnershipConfig(
        name=str(data.get("name", defaults.name)), framework=str(data.get("framework", defaults.framework)),
        price_year=price_year, tiers=tuple(tiers) or defaults.tiers, tier_levels=levels,
        publisher=str(data.get("publisher", "")), path=path)
