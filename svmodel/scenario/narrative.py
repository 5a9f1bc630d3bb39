"""The words around the numbers: scope, stakeholders, materiality and each line's reasons.

An SROI report assured by Social Value UK explains what was in scope, who the stakeholders
were and how they were involved, which outcomes are material, and why each judgement was made
(SROI Guide 2012, stages 1-4 and principles 1-7: involve stakeholders, understand what
changes, value the things that matter, only include what is material, do not over-claim, be
transparent). These optional fields carry that text through every path (YAML, the Value Map
workbook, the explorer's saved variants, the report and `svmodel run --json`); they never
change a figure.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: The judgements an outcome line can justify, in the order a report shows them. Each is a
#: scenario field name (or `proxy` for the choice of value); `reasons:` keys must be one of these.
REASON_FIELDS: tuple[str, ...] = (
    "quantity", "proxy", "deadweight", "displacement", "attribution", "drop_off", "duration",
)

#: The longest narrative text accepted in one field (characters): a page and a half of prose.
MAX_NARRATIVE_CHARS = 10_000

NarrativeText = Annotated[str, Field(max_length=MAX_NARRATIVE_CHARS)]


class _StrictText(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Reasons(_StrictText):
    """Why each figure on a line is what it is (SROI Guide principle 6: be transparent)."""

    quantity: NarrativeText = ""
    proxy: NarrativeText = ""
    deadweight: NarrativeText = ""
    displacement: NarrativeText = ""
    attribution: NarrativeText = ""
    drop_off: NarrativeText = ""
    duration: NarrativeText = ""

    def given(self) -> dict[str, str]:
        """The reasons that were written, in REASON_FIELDS order."""
        return {name: getattr(self, name) for name in REASON_FIELDS if getattr(self, name)}


class StakeholderGroup(_StrictText):
    """A stakeholder group, how it was involved, and whether it is in the analysis (SROI
    Guide stage 1: establishing scope and identifying stakeholders)."""

    name: Annotated[str, Field(min_length=1, max_length=300)]
    involvement: NarrativeText = ""
    included: bool = True
    reason: NarrativeText = ""


class ScenarioNarrative(_StrictText):
    """Scenario-level narrative fields (all optional; none changes a figure)."""

    scope: NarrativeText = ""
    stakeholders: Annotated[list[StakeholderGroup], Field(max_length=200)] = []
    materiality: NarrativeText = ""
    limitations: NarrativeText = ""


class OutcomeNarrative(_StrictText):
    """Line-level narrative fields: the change in the stakeholders' words, the output that led
    to it, whether it was intended, the evidence and the reason for each judgement."""

    description: NarrativeText = ""
    output: NarrativeText = ""
    change: Literal["intended", "unintended"] = "intended"
    evidence: NarrativeText = ""
    reasons: Reasons = Reasons()


def drop_empty_narrative(data: dict[str, Any], model: type[BaseModel]) -> None:
    """Leave unset narrative fields out of saved data, so a saved file matches its source."""
    for key, default in model().model_dump().items():
        if key not in data:
            continue
        if key == "reasons" and isinstance(data[key], dict):
            data[key] = {k: v for k, v in data[key].items() if v}
        if data[key] == default or data[key] in ({}, [], ""):
            data.pop(key)
