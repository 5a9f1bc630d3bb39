"""Social value in procurement: tender specifications, bid evaluation, plausibility flags and
delivery monitoring (docs/procurement.md).

Modules: `spec` (the buyer's specification), `template` (the bidder response form), `bids`
(reading responses), `valuation` (quantities to present values with `svmodel.engine`),
`evaluate` (scoring and ranking), `flags` (plausibility flags), `monitoring` (commitments
against delivery returns), `charts` and `report` (the panel's report; matplotlib, not core).
"""

from svmodel.procurement.spec import TenderSpec, load_spec, parse_spec, validate_spec

__all__ = ["TenderSpec", "load_spec", "parse_spec", "validate_spec"]
