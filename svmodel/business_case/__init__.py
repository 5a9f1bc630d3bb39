"""The commissioner's business case (issue 14): who pays and who benefits, optimism bias and
confidence grades, the financial and economic cases, and convention profiles.

Core code: no view imports. The method follows HM Treasury / GMCA, "Supporting public service
transformation: cost benefit analysis guidance for local partnerships" (2014, Open Government
Licence) and the HM Treasury Green Book (2022, 2026).
"""

from svmodel.business_case.cases import BusinessCase, business_case

__all__ = ["BusinessCase", "business_case"]
