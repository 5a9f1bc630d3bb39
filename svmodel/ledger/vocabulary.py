"""The ledger's fixed vocabularies: sectors, kinds of return, statuses, assurance levels and the
dimensions figures are broken down by.

Plain tuples with no imports, so the command line can offer them as `choices=` without loading
SQLAlchemy; `svmodel.ledger.models` and `svmodel.ledger.aggregates` use (and re-export) these.
"""

from __future__ import annotations

SECTORS = ("public", "private", "social enterprise", "voluntary and community", "not stated")
KINDS = ("delivered", "committed", "forecast", "donated")
STATUSES = ("submitted", "verified", "rejected")
ASSURANCE = ("self-reported", "evidence checked", "independently verified")
DONATION_TYPES = ("cash", "in-kind", "volunteer time")
CHANNELS = ("Knowsley Foundation", "Knowsley CVS", "direct")

#: The dimensions of `svmodel ledger figures --by`, in order; aggregates.DIMENSIONS gives each its column.
DIMENSION_NAMES = ("partner", "sector", "financial_year", "period", "outcome", "measure", "contract")
