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


# --------------------------------------------------------------------------- across value families (issue 16)
# The benefit-area graph is data (svmodel/data/checks/benefit_overlaps.yaml): families of value
# (WELLBY, QALY, loneliness, fiscal, local economy, LM3) and the overlaps between them. A flagged
# overlap of severity "error" must be justified in the scenario file under `overlaps:` (a reason
# and a decision) or the file does not validate; every overlap is listed with its decision.
# References: SROI Guide (2012) principle 5 (do not over-claim); HM Treasury (2021) Wellbeing
# Guidance for Appraisal (WELLBYs are not added to QALYs for the same change).

from functools import lru_cache  # noqa: E402
from typing import Any, Literal  # noqa: E402

import yaml  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, model_validator  # noqa: E402
from pydantic_core import PydanticCustomError  # noqa: E402

OVERLAP_FILE = "benefit_overlaps.yaml"


class Overlap(BaseModel):
    """A scenario's justification of one flagged overlap: `{lines: [a, b], reason, decision}`.
    `decision: exclude` leaves `exclude` (default: the second line) out of every total."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lines: list[str] = Field(min_length=2, max_length=2)
    reason: str = Field(min_length=1)
    decision: Literal["keep", "exclude"] = "keep"
    exclude: str | None = None

    @model_validator(mode="after")
    def _exclude_one_of_lines(self) -> "Overlap":
        if self.exclude is not None and self.exclude not in self.lines:
            raise PydanticCustomError("overlap_exclude", "exclude names {name!r}, which is not one of "
                                      "this overlap's lines", {"name": self.exclude})
        if self.exclude is not None and self.decision != "exclude":
            raise PydanticCustomError("overlap_exclude", "exclude is given but decision is keep; "
                                      "set decision: exclude")
        return self


@lru_cache(maxsize=1)
def benefit_graph() -> dict[str, Any]:
    """The shipped benefit-area graph (families and overlaps)."""
    from svmodel.resources import checks_file

    return yaml.safe_load(checks_file(OVERLAP_FILE).read_text(encoding="utf-8"))


def _in_family(line: Any, family: dict[str, Any]) -> bool:
    return bool(
        (family.get("wellby") and getattr(line, "wellby_people", None) is not None)
        or (line.proxy_id and line.proxy_id in family.get("proxies", ()))
        or (line.benefit_area and line.benefit_area in family.get("benefit_areas", ()))
        or (line.value_type in family.get("value_types", ()))
        or (getattr(line, "measure", "") and line.measure in family.get("measures", ()))
    )


def _same(rule: str, a: Any, b: Any) -> bool:
    same_people = a.stakeholder.casefold() == b.stakeholder.casefold()
    if rule == "stakeholder":
        return same_people
    if rule == "change":
        return same_people and bool(a.measure) and a.measure == b.measure
    if rule == "proxy":
        return same_people and bool(a.proxy_id) and a.proxy_id == b.proxy_id
    return False


def _flagged(lines: Sequence[Any], lm3: Any, graph: dict[str, Any]) -> list[dict[str, Any]]:
    families = graph["families"]
    found: list[dict[str, Any]] = []
    for rule in graph["overlaps"]:
        first, second = rule["families"]
        base = {"rule": rule["id"], "severity": rule.get("severity", "error"),
                "why": " ".join(str(rule["why"]).split()), "source": rule.get("source", "")}
        if rule["same"] == "scenario":
            if lm3 is None:
                continue
            other = second if first == "lm3" else first
            for line in lines:
                if _in_family(line, families[other]):
                    found.append({**base, "lines": [line.id, "lm3"], "stakeholder": line.stakeholder})
            continue
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                if not _same(rule["same"], a, b):
                    continue
                if first == "any" or (_in_family(a, families[first]) and _in_family(b, families[second])) \
                        or (_in_family(b, families[first]) and _in_family(a, families[second])):
                    found.append({**base, "lines": [a.id, b.id], "stakeholder": a.stakeholder})
    unique: dict[tuple[str, frozenset[str]], dict[str, Any]] = {}
    for item in found:
        unique.setdefault((item["rule"], frozenset(item["lines"])), item)
    return list(unique.values())


def cross_family_overlaps(lines: Sequence[Any], declared: Sequence[Overlap], lm3: Any = None,
                          graph: dict[str, Any] | None = None
                          ) -> tuple[list[dict[str, Any]], list[tuple[tuple[str | int, ...], str]]]:
    """Every overlap the graph flags, with the decision the file records.

    Returns (overlaps, problems). Each overlap: rule, severity, lines, stakeholder, why, source,
    decision ("keep", "exclude" or "not justified" for warnings), reason, excluded (a line id or
    None) and, for warnings, the warning text. Problems (field path, message) name unjustified
    overlaps of severity error and justifications naming unknown lines.
    """
    graph = graph or benefit_graph()
    ids = [line.id for line in lines] + ["lm3"]
    problems: list[tuple[tuple[str | int, ...], str]] = []
    decisions: dict[frozenset[str], tuple[int, Overlap]] = {}
    for index, overlap in enumerate(declared):
        unknown = [name for name in overlap.lines if name not in ids]
        if unknown:
            problems.append((("overlaps", index, "lines"), f"{unknown[0]!r} is not an outcome id in "
                             "this file (or lm3)"))
            continue
        decisions[frozenset(overlap.lines)] = (index, overlap)
    out: list[dict[str, Any]] = []
    position = {line.id: n for n, line in enumerate(lines)}
    for item in _flagged(lines, lm3, graph):
        a, b = item["lines"]
        decided = decisions.get(frozenset(item["lines"]))
        if decided is None:
            if item["severity"] == "error":
                problems.append((("outcomes", position[b], "id"),
                                 f"{a} and {b} overlap ({item['rule']}): {item['why']}; justify it "
                                 f"under `overlaps:` as {{lines: [{a}, {b}], reason: \"...\", "
                                 "decision: keep} (or decision: exclude) or remove one line"))
                continue
            out.append({**item, "decision": "warning (no justification given)", "reason": "", "excluded": None,
                        "warning": f"{a} and {b} overlap ({item['rule']}): {item['why']}"})
            continue
        index, overlap = decided
        excluded = (overlap.exclude or overlap.lines[1]) if overlap.decision == "exclude" else None
        if excluded == "lm3":
            problems.append((("overlaps", index, "exclude"), "lm3 is never counted in the present "
                             "value, so it cannot be excluded; exclude the outcome line or keep both"))
            continue
        out.append({**item, "decision": overlap.decision, "reason": overlap.reason,
                    "excluded": excluded})
    return out, problems
