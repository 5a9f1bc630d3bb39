"""The ledger's figures, summed in SQL: by partner, sector, outcome, measure, financial year
and contract, always kept apart by kind (delivered, committed, forecast, donated) and labelled
with the assurance levels they include.

Only the current version of each return counts, and rejected returns never count. A return
that is not yet verified counts at level "self-reported (unverified)"; a verified return at its
assurance level ("evidence checked" or "independently verified"). Forecast, committed and
delivered values answer different questions (what may happen, what was promised, what
happened), so no function here adds one kind to another (SROI Guide 2012: forecast and
evaluative SROI are distinct analyses).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from svmodel.ledger.models import (ASSURANCE, KINDS, Contract, Organisation, Period, Return,
                                   ReturnLine)
from svmodel.ledger.vocabulary import DIMENSION_NAMES

UNVERIFIED = "self-reported (unverified)"
LEVELS = (ASSURANCE[2], ASSURANCE[1], UNVERIFIED)  # strongest first
#: The column each dimension groups by, in the order of vocabulary.DIMENSION_NAMES (partner, sector,
#: financial_year, period, outcome, measure, contract), where the names are for the command line.
DIMENSIONS = dict(zip(DIMENSION_NAMES, (Organisation.name, Organisation.sector, Period.financial_year,
                                        Period.label, ReturnLine.outcome, ReturnLine.measure,
                                        Contract.reference), strict=True))
LINE_DIMENSIONS = {"outcome", "measure"}

_LEVEL = case((Return.status == "verified", Return.assurance), else_=UNVERIFIED)


def levels_label(levels: Iterable[str]) -> str:
    """'Includes: evidence checked, self-reported (unverified)' in strength order."""
    values = levels.unique() if hasattr(levels, "unique") else levels
    found = set(values)
    present = [level for level in LEVELS if level in found]
    return "Assurance levels included: " + (", ".join(present) if present else "none (no returns)")


def value_table(session: Session, by: Sequence[str] = (), kinds: Sequence[str] | None = None,
                levels: Sequence[str] | None = None, financial_year: str | None = None,
                partner: str | None = None, contract: str | None = None) -> pd.DataFrame:
    """Counted value (and quantity, where by measure) grouped by `by` + kind + level."""
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r}; allowed: {', '.join(DIMENSIONS)}")
    use_lines = bool(LINE_DIMENSIONS & set(by))
    # By outcome (many lines of a return share one), lines are first summed per return and
    # outcome, so the outer query groups a fifth of the rows and counts returns without a
    # DISTINCT; by measure (one line per measure) that step would save nothing.
    per_return = None
    if use_lines and "measure" not in by:
        per_return = (select(ReturnLine.return_id.label("return_id"),
                             *[DIMENSIONS[d].label(d) for d in by if d in LINE_DIMENSIONS],
                             func.sum(ReturnLine.value).label("value"))
                      .where(ReturnLine.counted.is_(True))
                      .group_by(ReturnLine.return_id, *[DIMENSIONS[d] for d in by if d in LINE_DIMENSIONS])
                      .subquery("per_return"))
    columns = [(per_return.c[d] if per_return is not None and d in LINE_DIMENSIONS else DIMENSIONS[d]).label(d)
               for d in by]
    if per_return is not None:
        value, returns = func.sum(per_return.c.value), func.count()
    else:
        value = func.sum(ReturnLine.value) if use_lines else func.sum(Return.total_value)
        returns = func.count(func.distinct(Return.id)) if use_lines else func.count()
    extra = [func.sum(ReturnLine.quantity).label("quantity")] if "measure" in by else []
    query = (select(*columns, Return.kind.label("kind"), _LEVEL.label("level"), value.label("value"),
                    returns.label("returns"), *extra)
             .select_from(Return)
             .join(Organisation, Return.organisation_id == Organisation.id)
             .join(Period, Return.period_id == Period.id)
             .where(Return.current.is_(True), Return.status != "rejected"))
    if per_return is not None:
        query = query.join(per_return, per_return.c.return_id == Return.id)
    elif use_lines:
        query = query.join(ReturnLine, ReturnLine.return_id == Return.id).where(ReturnLine.counted.is_(True))
    if "contract" in by or contract:
        query = query.join(Contract, Return.contract_id == Contract.id)
    if kinds:
        query = query.where(Return.kind.in_(list(kinds)))
    if levels:
        query = query.where(_LEVEL.in_(list(levels)))
    if financial_year:
        query = query.where(Period.financial_year == financial_year)
    if partner:
        query = query.where(Organisation.name == partner)
    if contract:
        query = query.where(Contract.reference == contract)
    query = query.group_by(*columns, Return.kind, _LEVEL)
    rows = session.execute(query).all()
    names = [*by, "kind", "level", "value", "returns", *(["quantity"] if extra else [])]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=names)
    frame["value"] = frame["value"].astype(float).fillna(0.0)
    return frame


def pivot_by_kind(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """One row per `by` key, one column per kind (never a total across kinds)."""
    if frame.empty:
        return pd.DataFrame(columns=[*by, *KINDS])
    table = frame.pivot_table(index=list(by), columns="kind", values="value", aggfunc="sum", fill_value=0.0)
    for kind in KINDS:
        if kind not in table.columns:
            table[kind] = 0.0
    return table[list(KINDS)].reset_index()


def summary(session: Session) -> dict:
    """The `svmodel ledger summary --json` object (contract: organisations, returns,
    value_by_kind with verified and unverified totals)."""
    organisations = session.scalar(select(func.count(Organisation.id))) or 0
    status_counts = dict(session.execute(
        select(Return.status, func.count(Return.id)).where(Return.current.is_(True)).group_by(Return.status)).all())
    versions = session.scalar(select(func.count(Return.id))) or 0
    current = sum(status_counts.values())
    by_kind = session.execute(
        select(Return.kind, Return.status, func.sum(Return.total_value), func.count(Return.id))
        .where(Return.current.is_(True), Return.status != "rejected")
        .group_by(Return.kind, Return.status)).all()
    value_by_kind = {kind: {"verified": 0.0, "unverified": 0.0} for kind in KINDS}
    returns_by_kind = {kind: 0 for kind in KINDS}
    for kind, status, total, count in by_kind:
        key = "verified" if status == "verified" else "unverified"
        value_by_kind.setdefault(kind, {"verified": 0.0, "unverified": 0.0})[key] += float(total or 0.0)
        returns_by_kind[kind] = returns_by_kind.get(kind, 0) + int(count)
    levels = session.execute(
        select(_LEVEL, func.count(Return.id)).where(Return.current.is_(True), Return.status != "rejected")
        .group_by(_LEVEL)).all()
    years = session.scalars(select(func.distinct(Period.financial_year)).order_by(Period.financial_year)).all()
    price_years = session.scalars(select(func.distinct(Return.price_year))).all()
    sectors = dict(session.execute(select(Organisation.sector, func.count(Organisation.id))
                                   .group_by(Organisation.sector)).all())
    return {
        "organisations": int(organisations),
        "organisations_by_sector": {k: int(v) for k, v in sorted(sectors.items())},
        "returns": {
            "current": int(current),
            "versions": int(versions),
            "submitted": int(status_counts.get("submitted", 0)),
            "verified": int(status_counts.get("verified", 0)),
            "rejected": int(status_counts.get("rejected", 0)),
            "by_kind": returns_by_kind,
        },
        "value_by_kind": value_by_kind,
        "assurance_levels": {level: int(count) for level, count in levels},
        "financial_years": list(years),
        "price_year": price_years[0] if len(price_years) == 1 else sorted(price_years),
        "notes": ("Values are pounds in the partnership's price year; current versions only; "
                  "rejected returns excluded; 'verified' means evidence checked or independently "
                  "verified, 'unverified' means self-reported. Kinds are never added together."),
    }


def committed_vs_delivered(session: Session, by: str = "contract") -> pd.DataFrame:
    """Committed and delivered value side by side per contract (or partner) and financial
    year, with the delivery rate, for contract returns (Liverpool's monitoring of delivery)."""
    frame = value_table(session, by=[by, "financial_year"], kinds=("committed", "delivered"),
                        contract=None) if by == "contract" else _partner_contracts(session)
    if frame.empty:
        return pd.DataFrame(columns=[by, "financial_year", "committed", "delivered", "delivery_rate", "levels"])
    levels = frame.groupby([by, "financial_year"])["level"].agg(lambda s: levels_label(s)).reset_index()
    table = frame.pivot_table(index=[by, "financial_year"], columns="kind", values="value",
                              aggfunc="sum", fill_value=0.0).reset_index()
    for kind in ("committed", "delivered"):
        if kind not in table.columns:
            table[kind] = 0.0
    table["delivery_rate"] = table.apply(
        lambda r: r["delivered"] / r["committed"] if r["committed"] > 0 else float("nan"), axis=1)
    table = table.merge(levels.rename(columns={"level": "levels"}), on=[by, "financial_year"])
    return table[[by, "financial_year", "committed", "delivered", "delivery_rate", "levels"]]


def _partner_contracts(session: Session) -> pd.DataFrame:
    """Committed and delivered value of each partner across all its contracts."""
    query = (select(Organisation.name.label("partner"), Period.financial_year.label("financial_year"),
                    Return.kind, _LEVEL.label("level"), func.sum(Return.total_value).label("value"))
             .select_from(Return).join(Organisation, Return.organisation_id == Organisation.id)
             .join(Period, Return.period_id == Period.id)
             .where(Return.current.is_(True), Return.status != "rejected", Return.contract_id.is_not(None),
                    Return.kind.in_(("committed", "delivered")))
             .group_by(Organisation.name, Period.financial_year, Return.kind, _LEVEL))
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["partner", "financial_year", "kind", "level", "value"])


def returns_table(session: Session, status: str | None = None, current_only: bool = True,
                  organisation: str | None = None) -> pd.DataFrame:
    """Returns with who, when, what kind, value and review state (the verification queue)."""
    query = (select(Return.id, Organisation.name.label("organisation"), Organisation.sector,
                    Period.label.label("period"), Return.kind, Return.version, Return.current,
                    Return.source_type, Return.filename, Return.total_value, Return.status,
                    Return.assurance, Return.submitted_by, Return.submitted_at, Return.supersedes_id)
             .join(Organisation, Return.organisation_id == Organisation.id)
             .join(Period, Return.period_id == Period.id).order_by(Return.id))
    if current_only:
        query = query.where(Return.current.is_(True))
    if status:
        query = query.where(Return.status == status)
    if organisation:
        query = query.where(Organisation.name == organisation)
    rows = session.execute(query).all()
    columns = ["id", "organisation", "sector", "period", "kind", "version", "current", "source_type",
               "filename", "total_value", "status", "assurance", "submitted_by", "submitted_at", "supersedes"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def latest_reviews(session: Session) -> dict[int, dict]:
    """The latest review of each return: verifier, level, reason, date."""
    from svmodel.ledger.models import Review

    out: dict[int, dict] = {}
    for review in session.scalars(select(Review).order_by(Review.id)):
        out[review.return_id] = {"status": review.status, "assurance": review.assurance,
                                 "reviewer": review.reviewer, "reason": review.reason,
                                 "at": review.at.date().isoformat()}
    return out
