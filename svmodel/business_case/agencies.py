"""The controlled list of agencies and the proxy library's beneficiaries mapped onto it.

Beneficiaries in the proxy library are free text in the GMCA Unit Cost Database style
("NHS / Clinical Commissioning Group": agency, then service); `beneficiary_agencies.csv` maps
each one onto an agency of `agencies.csv` (the first agency named pays or saves). A line may
name its agency itself (`agency:`), which wins over the mapping.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from svmodel.resources import data_dir

UNALLOCATED = "unallocated"


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    sector: str
    public: bool


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def _agencies(directory: str) -> dict[str, Agency]:
    rows = _read(Path(directory) / "agencies.csv")
    return {r["id"]: Agency(r["id"], r["name"], r["sector"], r["public"].strip().lower() == "true")
            for r in rows}


@lru_cache(maxsize=4)
def _mapping(directory: str) -> dict[str, str]:
    agencies = _agencies(directory)
    out = {}
    for row in _read(Path(directory) / "beneficiary_agencies.csv"):
        if row["agency"] not in agencies:
            raise ValueError(f"beneficiary_agencies.csv: {row['beneficiary']!r} maps to unknown "
                             f"agency {row['agency']!r}")
        out[row["beneficiary"].strip().lower()] = row["agency"]
    return out


def default_agencies() -> dict[str, Agency]:
    """The shipped controlled list, by id."""
    return _agencies(str(data_dir("business_case")))


def agency_of_beneficiary(beneficiary: str) -> str | None:
    """The agency a library beneficiary text maps to, or None when it is not in the table."""
    return _mapping(str(data_dir("business_case"))).get(beneficiary.strip().lower())


def agency_of_line(line: object) -> str:
    """A line's agency: its own `agency:`, else its beneficiary mapped, else "unallocated"."""
    own = getattr(line, "agency", "")
    if own:
        return own
    return agency_of_beneficiary(getattr(line, "beneficiary", "") or "") or UNALLOCATED


def agency_name(agency_id: str) -> str:
    agency = default_agencies().get(agency_id)
    return agency.name if agency else "Not allocated to an agency"


def is_public(agency_id: str) -> bool:
    """Public agencies' budgets make the financial case; unallocated counts as public money
    for costs (the investment is a public body's unless an input names its agency)."""
    agency = default_agencies().get(agency_id)
    return agency.public if agency else True
