"""The ledger's tables as SQLAlchemy 2 typed ORM classes.

Returns are append-only: a return's content (its lines, file hash, values) never changes once
stored; a correction is a new version in the same series (organisation, period, kind,
contract), and the older version is kept with `current = False`. Reviews (verification or
rejection) are rows of their own; the `status` and `assurance` columns of a return cache its
latest review so figures can be summed in SQL. Every change writes an `AuditEvent`; the
migration adds triggers that refuse UPDATE and DELETE on audit events and return lines.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from svmodel.ledger import vocabulary

# Defined in svmodel.ledger.vocabulary (no SQLAlchemy there, for the command line); importable here too.
SECTORS, KINDS, STATUSES = vocabulary.SECTORS, vocabulary.KINDS, vocabulary.STATUSES
ASSURANCE, DONATION_TYPES, CHANNELS = vocabulary.ASSURANCE, vocabulary.DONATION_TYPES, vocabulary.CHANNELS


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(40))  # company or charity number
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    returns: Mapped[list["Return"]] = relationship(back_populates="organisation")


class Period(Base):
    """A financial year (2026/27), a half (2026/27 H1) or a quarter (2026/27 Q1)."""

    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    financial_year: Mapped[str] = mapped_column(String(7), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class Contract(Base):
    """A contract awarded through a tender: the specification and the winning commitments."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    buyer: Mapped[str] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    value: Mapped[float] = mapped_column(Float)
    years: Mapped[int] = mapped_column(Integer)
    start_year: Mapped[str] = mapped_column(String(7))  # financial year of contract year 1
    spec_text: Mapped[str] = mapped_column(Text)  # the tender specification, verbatim
    spec_hash: Mapped[str] = mapped_column(String(64))
    commitments_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    supplier: Mapped[Organisation] = relationship()


class Return(Base):
    """One version of a return: who, which period, what kind, its lines and its review state."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("series", "version", name="uq_return_series_version"),
        Index("ix_returns_current", "current", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(400), index=True)  # org|period|kind|contract
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_type: Mapped[str] = mapped_column(String(30))  # return form, scenario, delivery, donation
    filename: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    framework: Mapped[str] = mapped_column(String(40))
    price_year: Mapped[int] = mapped_column(Integer)
    proxy_library_version: Mapped[str] = mapped_column(String(40))
    proxy_library_hash: Mapped[str] = mapped_column(String(64))
    svmodel_version: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    total_value: Mapped[float] = mapped_column(Float)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    assurance: Mapped[str] = mapped_column(String(30), default="self-reported")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))

    organisation: Mapped[Organisation] = relationship(back_populates="returns")
    period: Mapped[Period] = relationship()
    contract: Mapped[Contract | None] = relationship()
    lines: Mapped[list["ReturnLine"]] = relationship(back_populates="ret", order_by="ReturnLine.position")
    reviews: Mapped[list["Review"]] = relationship(back_populates="ret", order_by="Review.id")


class ReturnLine(Base):
    """One framework measure on a return: quantity, unit, value and how it was computed."""

    __tablename__ = "return_lines"
    # one index: look-ups by return and the figures by outcome and measure read it alone
    # (migration 0003 dropped the separate return, measure and outcome indexes)
    __table_args__ = (Index("ix_lines_cover", "return_id", "counted", "outcome", "measure", "value", "quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"))
    position: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(120))
    basis: Mapped[str] = mapped_column(String(20))  # proxy, face value, count only, scenario
    proxy_id: Mapped[str] = mapped_column(String(80), default="")
    unit_value: Mapped[float] = mapped_column(Float)  # pounds per unit, ledger price year
    deadweight: Mapped[float] = mapped_column(Float, default=0.0)
    displacement: Mapped[float] = mapped_column(Float, default=0.0)
    attribution: Mapped[float] = mapped_column(Float, default=0.0)
    value: Mapped[float] = mapped_column(Float)  # counted social value of the line
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # False: transfer, fiscal only
    contract_year: Mapped[int | None] = mapped_column(Integer)
    donation_type: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(40))
    recipient: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")

    ret: Mapped[Return] = relationship(back_populates="lines")


class Review(Base):
    """A verification or a rejection of one return version, with who and at what level."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    assurance: Mapped[str] = mapped_column(String(30))
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ret: Mapped[Return] = relationship(back_populates="reviews")


class AuditEvent(Base):
    """The append-only audit log: one row per change, never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    return_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
