"""Double-counting checks on a scenario's outcome lines.

The SROI Guide (2012, stage 3 and principle 5 "do not over-claim") warns against valuing the
same change twice; the Green Book (2022, Annex A2) treats transfer payments (benefits, taxes)
as neither a cost nor a benefit to society. These checks return warnings; they never change
a result. Transfers are excluded from the social value total by `svmodel.results` unless the
scenario says `include_transfers: true`.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Protocol, Sequence

from svmodel.library.proxies import ProxyLibrary


class _Line(Protocol):
    id: str
    stakeholder: str
    proxy_id: str
    benefit_area: str
    transfer: bool


def _ancestors(proxy_id: str, library: ProxyLibrary) -> list[str]:
    chain, seen = [], {proxy_id}
    current = library.proxies.get(proxy_id)
    while current is not None and current.parent and current.parent not in seen:
        chain.append(current.parent)
        seen.add(current.parent)
        current = library.proxies.get(current.parent)
    return chain


def headline_with_constituent(lines: Sequence[_Line], library: ProxyLibrary) -> list[str]:
    """A UCD headline (or subsidiary) cost added together with a cost it already contains."""
    by_proxy = {line.proxy_id: line for line in lines if line.proxy_id}
    found = []
    for line in lines:
        if not line.proxy_id:
            continue
        for ancestor in _ancestors(line.proxy_id, library):
            if ancestor in by_proxy:
                found.append(
                    f"{by_proxy[ancestor].id} and {line.id}: proxy {ancestor} already includes "
                    f"{line.proxy_id} (its constituent); counting both double counts it"
                )
    return found


def same_benefit_area(lines: Sequence[_Line]) -> list[str]:
    """Two different proxies of one benefit area for the same stakeholder."""
    groups: dict[tuple[str, str], list[_Line]] = defaultdict(list)
    for line in lines:
        if line.proxy_id and line.benefit_area:
            groups[(line.stakeholder.casefold(), line.benefit_area)].append(line)
    found = []
    for (_, area), members in groups.items():
        for a, b in combinations(members, 2):
            if a.proxy_id != b.proxy_id:
                found.append(
                    f"{a.id} and {b.id}: two {area} proxies ({a.proxy_id}, {b.proxy_id}) for the "
                    f"same stakeholder ({a.stakeholder}); check they value different changes for "
                    "different people"
                )
    return found


def transfers(lines: Sequence[_Line], included: bool) -> list[str]:
    """Lines valued with a transfer payment (benefit savings, tax)."""
    what = ("counted in the total because the scenario sets include_transfers: true; the Green "
            "Book treats transfers as neither a cost nor a benefit to society") if included else \
        "shown as fiscal value only and left out of the social value total"
    return [f"{line.id}: proxy {line.proxy_id} is a transfer payment (benefit or tax); {what}"
            for line in lines if line.transfer]


def double_counting(lines: Sequence[_Line], library: ProxyLibrary, include_transfers: bool = False) -> list[str]:
    """Every double-counting warning for a scenario's lines."""
    return (headline_with_constituent(lines, library) + same_benefit_area(lines)
            + transfers(lines, include_transfers))
