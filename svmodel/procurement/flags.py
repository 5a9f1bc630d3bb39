"""Plausibility flags: expose inflated, unverifiable or double-counted social value ("wooden
pounds") so that an evaluation panel can question and moderate it.

Flags never change a score by themselves; the specification's evidence rule and the panel's
moderation do. Thresholds come from the specification's `flags:` section.

References: SROI Guide (2012) principle 5 "do not over-claim" and principle 7 "be verifiable";
stage 4 (deadweight, attribution); Procurement Policy Note 002 (commitments must be relevant
to the contract and measurable); HM Treasury Green Book (2022) Annex A2 (additionality).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from typing import Sequence

from svmodel.scenario.double_counting import headline_with_constituent
from svmodel.util.formatting import money, percent
from svmodel.procurement.types import BidResult, Flag, LineValue, qty
from svmodel.procurement.spec import TenderSpec

FLAG_CODES: dict[str, str] = {
    "share_of_contract": "adjusted social value above a set share of the contract value",
    "above_target": "a commitment far above the buyer's target",
    "above_other_bids": "a commitment far above what the other bidders commit to the same measure",
    "no_adjustment": "gross figures: the bidder applied no deadweight or attribution",
    "no_evidence": "a quantity committed without evidence",
    "contract_fee": "the contract fee itself counted as social value",
    "ordinary_business": "the bidder's ordinary business (what the contract requires anyway) counted as social value",
    "double_counting": "the same beneficiaries or the same value counted under two measures",
}


#: Each flag in plain words, for panels and spreadsheets (the codes stay in JSON and CSV).
FLAG_TITLES: dict[str, str] = {
    "share_of_contract": "Too large for the contract",
    "above_target": "Far above the buyer's target",
    "above_other_bids": "Far above the other bids",
    "no_adjustment": "No deadweight or attribution taken off",
    "no_evidence": "No evidence offered",
    "contract_fee": "Contract fee counted as social value",
    "ordinary_business": "Ordinary business counted as social value",
    "double_counting": "Possibly counted twice",
}


def flag_title(code: str) -> str:
    """The flag's name in plain words (the code itself if it is not a known flag)."""
    return FLAG_TITLES.get(code, code.replace("_", " "))


def _mentions(text: str, terms: Sequence[str]) -> list[str]:
    lowered = re.sub(r"\s+", " ", text.lower())
    return [t for t in terms if t.strip() and t.strip().lower() in lowered]


def _text(line: LineValue) -> str:
    return " ".join((line.description, line.evidence, line.beneficiaries))


def share_of_contract(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    limit = spec.model.flags.max_share_of_contract
    if bid.adjusted > limit * spec.contract_value:
        share = bid.adjusted / spec.contract_value
        return [Flag("share_of_contract", "",
                     f"adjusted social value {money(bid.adjusted)} is {percent(share, 0)} of the contract "
                     f"value {money(spec.contract_value)}, above the {percent(limit, 0)} the buyer set "
                     "as plausible")]
    return []


def above_target(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    multiple = spec.model.flags.target_multiple
    out = []
    for line in bid.lines:
        if line.target and line.total_quantity > multiple * line.target:
            out.append(Flag("above_target", line.measure,
                            f"{qty(line.total_quantity)} {line.unit} is {line.total_quantity / line.target:.1f} "
                            f"times the target of {qty(line.target)} (flagged above {multiple:g} times)"))
    return out


def above_other_bids(spec: TenderSpec, bid: BidResult, others: Sequence[BidResult]) -> list[Flag]:
    multiple = spec.model.flags.peer_multiple
    out = []
    for line in bid.lines:
        peers = [o.line(line.measure).total_quantity for o in others
                 if o.line(line.measure) is not None and o.line(line.measure).total_quantity > 0]
        if not peers:
            continue
        median = statistics.median(peers)
        if line.total_quantity > multiple * median:
            out.append(Flag("above_other_bids", line.measure,
                            f"{qty(line.total_quantity)} {line.unit} is {line.total_quantity / median:.1f} "
                            f"times the median of the other bids ({qty(median)}; flagged above "
                            f"{multiple:g} times)"))
    return out


def no_adjustment(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    out = []
    for line in bid.lines:
        if line.basis != "proxy":  # pounds at face value and counts carry no adjustment
            continue
        if not line.bidder_deadweight and not line.bidder_attribution:
            out.append(Flag("no_adjustment", line.measure,
                            f"gross figure: no deadweight or attribution claimed (the buyer applies "
                            f"deadweight {percent(line.buyer_deadweight)}, displacement "
                            f"{percent(line.buyer_displacement)}, attribution "
                            f"{percent(line.buyer_attribution)})"))
    return out


def no_evidence(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    rule = ("not valued" if spec.model.scoring.unevidenced == "exclude" else "valued, unverified")
    return [Flag("no_evidence", line.measure,
                 f"{qty(line.total_quantity)} {line.unit} committed with no evidence ({rule}); "
                 f"the tender asks for: {spec.measures[line.measure].evidence or 'evidence'}")
            for line in bid.lines if line.total_quantity > 0 and not line.evidenced]


def contract_fee(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    share = spec.model.flags.fee_share
    out = []
    for line in bid.lines:
        reasons = []
        if line.basis == "face value" and line.total_quantity >= share * spec.contract_value:
            reasons.append(f"{money(line.total_quantity)} is {percent(line.total_quantity / spec.contract_value, 0)} "
                           f"of the contract value (flagged from {percent(share, 0)})")
        terms = _mentions(_text(line), spec.model.flags.fee_terms)
        if terms:
            reasons.append("the description or evidence mentions " + ", ".join(repr(t) for t in terms))
        if reasons:
            out.append(Flag("contract_fee", line.measure,
                            "the contract fee appears to be counted as social value: " + "; ".join(reasons)))
    return out


def ordinary_business(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    out = []
    for line in bid.lines:
        reasons = []
        required = spec.measures[line.measure].contract_requires
        if required is not None and required > 0 and line.total_quantity >= required:
            reasons.append(f"{qty(line.total_quantity)} {line.unit} is at or above the {qty(required)} "
                           "the contract itself requires")
        terms = _mentions(_text(line), spec.model.flags.ordinary_business_terms)
        if terms:
            reasons.append("the description or evidence mentions " + ", ".join(repr(t) for t in terms))
        if reasons:
            out.append(Flag("ordinary_business", line.measure,
                            "ordinary business counted as social value: " + "; ".join(reasons)))
    return out


def double_counting(spec: TenderSpec, bid: BidResult) -> list[Flag]:
    valued = [l for l in bid.lines if l.basis != "count only" and l.total_quantity > 0]
    out = []
    groups: dict[str, list[LineValue]] = defaultdict(list)
    for line in valued:
        key = re.sub(r"[^a-z0-9]+", " ", line.beneficiaries.lower()).strip()
        if key:
            groups[key].append(line)
    for members in groups.values():
        if len(members) > 1:
            ids = ", ".join(m.measure for m in members)
            out.append(Flag("double_counting", members[0].measure,
                            f"the same beneficiaries ({members[0].beneficiaries}) are counted under {ids}; "
                            "each person's change can be valued once"))
    by_proxy: dict[str, list[LineValue]] = defaultdict(list)
    for line in valued:
        if line.proxy_id:
            by_proxy[line.proxy_id].append(line)
    for proxy_id, members in by_proxy.items():
        # Different measures valued with one proxy are fine for different people; without
        # the beneficiaries stated, the panel cannot tell.
        if len(members) > 1 and any(not m.beneficiaries.strip() for m in members):
            out.append(Flag("double_counting", members[0].measure,
                            f"proxy {proxy_id} values {', '.join(m.measure for m in members)} and the "
                            "beneficiaries are not stated: check they count different people"))

    class _L:  # the attributes svmodel.scenario.double_counting reads
        def __init__(self, line: LineValue):
            self.id, self.proxy_id, self.stakeholder = line.measure, line.proxy_id, line.beneficiaries
            self.benefit_area, self.transfer = "", False

    for message in headline_with_constituent([_L(l) for l in valued], spec.library):
        out.append(Flag("double_counting", "", message))
    return out


def flag_bid(spec: TenderSpec, bid: BidResult, others: Sequence[BidResult]) -> list[Flag]:
    """Every flag of one bid, in the order of FLAG_CODES."""
    return [*share_of_contract(spec, bid), *above_target(spec, bid), *above_other_bids(spec, bid, others),
            *no_adjustment(spec, bid), *no_evidence(spec, bid), *contract_fee(spec, bid),
            *ordinary_business(spec, bid), *double_counting(spec, bid)]


def flag_bids(spec: TenderSpec, results: Sequence[BidResult]) -> None:
    """Attach flags to each bid (compared with the other bids where relevant)."""
    for result in results:
        result.flags = flag_bid(spec, result, [r for r in results if r is not result])
