"""Submitting, verifying and auditing returns: each command is one database transaction.

A submission is parsed and valued completely before the transaction opens; then the
organisation, period, return, its lines and an audit event are written together and committed
once, so a bad file or a killed process leaves nothing behind. A return belongs to a series
(organisation, period, kind, contract): the same content again (by SHA-256 of the file) as any
version of the series is reported as already recorded and changes nothing; different content becomes the next version
and the previous version stays in the database, marked as no longer current.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from operator import attrgetter, itemgetter
from pathlib import Path

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from svmodel import __version__
from svmodel.library.frameworks import load_framework
from svmodel.ledger import intake
from svmodel.ledger.config import PartnershipConfig
from svmodel.ledger.db import Ledger, LedgerError
from svmodel.ledger.models import (ASSURANCE, KINDS, SECTORS, AuditEvent, Contract, Organisation,
                                   Period, Return, ReturnLine, Review, utcnow)
from svmodel.ledger.periods import PeriodError, next_financial_year, parse_period
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.errors import InputFileError, Problem, ReturnError

RETRIES = 3  # on PostgreSQL two concurrent submissions of one series can race for a version


@dataclass(frozen=True)
class SubmitResult:
    return_id: int
    version: int
    created: bool
    total_value: float
    message: str


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def audit(session: Session, actor: str, action: str, return_id: int | None = None, **detail: object) -> None:
    session.connection().execute(insert(AuditEvent.__table__), [dict(actor=actor, action=action, return_id=return_id, at=utcnow(),
                                              detail=json.dumps(detail, sort_keys=True, default=str))])


def organisation(session: Session, name: str, sector: str | None = None, number: str | None = None,
                 actor: str = "", create: bool = True) -> Organisation:
    name = " ".join(str(name or "").split())
    if not name:
        raise LedgerError("--org: give the organisation's name")
    if len(name) > 200:
        raise LedgerError(f"--org: the name is {len(name)} characters long; at most 200 are allowed")
    if sector is not None and sector not in SECTORS:
        raise LedgerError(f"--sector {sector!r} is not allowed; expected one of {', '.join(SECTORS)}")
    found = session.scalar(select(Organisation).where(Organisation.name == name))
    if found is None:
        found = session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if found is not None:
        if sector and found.sector != sector:
            audit(session, actor or current_user(), "organisation sector", None, organisation=found.name,
                  old=found.sector, new=sector)
            found.sector = sector
        if number and found.number != number:
            found.number = number
        return found
    if not create:
        raise LedgerError(f"no organisation named {name!r} in the ledger")
    org = Organisation(name=name, sector=sector or "not stated", number=number or None)
    session.add(org)
    session.flush()
    audit(session, actor or current_user(), "organisation added", None, organisation=name,
          sector=org.sector, number=number)
    return org


def period(session: Session, label: str) -> Period:
    try:
        spec = parse_period(label)
    except PeriodError as exc:
        raise LedgerError(f"--period {exc}") from None
    found = session.scalar(select(Period).where(Period.label == spec.label))
    if found is None:
        found = Period(label=spec.label, financial_year=spec.financial_year, start=spec.start, end=spec.end)
        session.add(found)
        session.flush()
    return found


def parse_submission(path: str | Path, kind: str | None, config: PartnershipConfig,
                     library: ProxyLibrary | None = None, contract_spec: object = None,
                     supplier: str = "") -> intake.ParsedReturn:
    """Read, validate and value a file without touching the database (ReturnError on problems)."""
    if kind is not None and kind not in KINDS:
        raise LedgerError(f"--kind {kind!r} is not allowed; expected one of {', '.join(KINDS)}")
    library = library or default_library()
    framework = load_framework(config.framework)
    price_year = config.effective_price_year()
    path, data = intake.read_file(path)
    digest = intake.file_hash(data)
    if path.suffix.lower() in (".yaml", ".yml"):
        return intake.read_scenario_return(path, framework, library, price_year, kind, digest)
    from svmodel.procurement.bids import read_table

    table = read_table(path, sheet=intake.FORM_SHEET)
    way = intake.detect(path, table)
    if way == "delivery return":
        if contract_spec is None:
            raise ReturnError([Problem(str(path), "", "this is a contract delivery return (it has a "
                                         "contract_year column); name the contract with --contract REF")])
        if kind not in (None, "delivered"):
            raise LedgerError(f"--kind {kind}: a delivery return records delivered value")
        return intake.read_delivery_return(path, contract_spec, supplier, price_year, digest, library)
    if way == "donation return":
        if kind not in (None, "donated"):
            raise LedgerError(f"--kind {kind}: a donation return records donated value")
        return intake.read_donation_return(path, framework, library, price_year, digest,
                                           table if path.suffix.lower() != ".xlsx" else None)
    return intake.read_return_form(path, framework, library, price_year, kind or "delivered", digest, table)


def series_key(org_id: int, period_label: str, kind: str, contract_id: int | None) -> str:
    return f"{org_id}|{period_label}|{kind}|{contract_id or ''}"


def _store(session: Session, parsed: intake.ParsedReturn, org: Organisation, per: Period,
           contract: Contract | None, actor: str, library: ProxyLibrary, framework: str) -> SubmitResult:
    """Insert one return version, its lines and its audit event (SQL core statements: the
    batch path stores tens of thousands of lines a second)."""
    series = series_key(org.id, per.label, parsed.kind, contract.id if contract else None)
    versions = session.execute(
        select(Return.id, Return.version, Return.content_hash, Return.current, Return.total_value)
        .where(Return.series == series).order_by(Return.version.desc())).all()
    latest = versions[0] if versions else None
    same = next((v for v in versions if v.content_hash == parsed.content_hash), None)
    if same is not None:
        later = "" if same.current else f", since replaced by version {latest.version} (return {latest.id})"
        return SubmitResult(same.id, same.version, False, same.total_value,
                            f"already recorded: identical to return {same.id} (version {same.version} "
                            f"for {org.name}, {per.label}, {parsed.kind}{later}); nothing added")
    version = latest.version + 1 if latest else 1
    filename = Path(parsed.filename).name[:300]
    connection = session.connection()  # SQL core: no ORM bookkeeping for bulk rows
    if latest is not None:
        connection.execute(update(Return.__table__).where(Return.id == latest.id).values(current=False))
    return_id = connection.execute(insert(Return.__table__).returning(Return.id), dict(
        series=series, version=version, current=True, organisation_id=org.id, period_id=per.id,
        contract_id=contract.id if contract else None, kind=parsed.kind,
        source_type=parsed.source_type, filename=filename, content_hash=parsed.content_hash,
        framework=framework, price_year=parsed.price_year, proxy_library_version=library.version,
        proxy_library_hash=library.content_hash, svmodel_version=__version__, evidence=parsed.evidence,
        total_value=parsed.total_value, submitted_by=actor, submitted_at=utcnow(), status="submitted",
        assurance="self-reported", supersedes_id=latest.id if latest else None)).scalar_one()
    connection.execute(insert(ReturnLine.__table__), [dict(return_id=return_id, position=i, **line.__dict__)
                                                       for i, line in enumerate(parsed.lines)])
    audit(session, actor, "submitted" if latest is None else "corrected", return_id,
          organisation=org.name, period=per.label, kind=parsed.kind, version=version,
          file=filename, sha256=parsed.content_hash, lines=len(parsed.lines),
          total_value=round(parsed.total_value, 2), supersedes=latest.id if latest else None,
          proxy_library=f"{library.version} {library.content_hash[:12]}")
    word = "recorded" if latest is None else f"recorded as version {version}, replacing return {latest.id}"
    return SubmitResult(return_id, version, True, parsed.total_value, word)


def submit(ledger: Ledger, path: str | Path, org: str, period_label: str, config: PartnershipConfig,
           kind: str | None = None, sector: str | None = None, number: str | None = None,
           contract_ref: str | None = None, actor: str | None = None,
           library: ProxyLibrary | None = None) -> SubmitResult:
    """Validate and store one return in one transaction (see the module docstring)."""
    actor = (actor or current_user())[:200]
    library = library or default_library()
    try:
        parse_period(period_label)
    except PeriodError as exc:
        raise LedgerError(f"--period {exc}") from None
    spec = None
    supplier = ""
    if contract_ref:
        with ledger.session() as session:
            contract = _contract(session, contract_ref)
            spec, supplier = _contract_spec(contract, library), contract.supplier.name
    parsed = parse_submission(path, kind, config, library, spec, supplier)
    for attempt in range(RETRIES):
        try:
            with ledger.session() as session:
                contract = _contract(session, contract_ref) if contract_ref else None
                if contract is not None and contract.supplier.name.casefold() != " ".join(org.split()).casefold():
                    raise LedgerError(f"--org {org!r}: contract {contract.reference} is held by "
                                      f"{contract.supplier.name!r}")
                organisation_ = organisation(session, org, sector, number, actor)
                return _store(session, parsed, organisation_, period(session, period_label), contract,
                              actor, library, config.framework)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Submission:
    """One file to submit in a batch (`submit_many`, `svmodel ledger import`)."""

    path: str | Path
    org: str
    period: str
    kind: str | None = None
    sector: str | None = None


def _parse_item(args: tuple[Submission, PartnershipConfig]) -> intake.ParsedReturn | list[Problem]:
    """Parse one batch item (run in worker processes for large batches)."""
    item, config = args
    try:
        parse_period(item.period)
        return parse_submission(item.path, item.kind, config)
    except PeriodError as exc:
        return [Problem(str(item.path), "period", str(exc))]
    except InputFileError as exc:
        return list(exc.problems)
    except LedgerError as exc:
        return [Problem(str(item.path), "", str(exc))]


PARALLEL_FROM = 200  # batches this large are parsed in one process per core


def submit_many(ledger: Ledger, items: list[Submission], config: PartnershipConfig,
                actor: str | None = None, library: ProxyLibrary | None = None) -> list[SubmitResult]:
    """Validate every file first (all problems of all files reported together, nothing stored),
    then store them all in one transaction, with the same versioning as `submit`.

    Large batches are parsed on every core and stored with a few multi-row statements."""
    actor = (actor or current_user())[:200]
    shipped = default_library()
    library = library or shipped
    jobs = [(item, config) for item in items]
    if len(items) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and library is shipped:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            outcomes = list(pool.map(_parse_item, jobs, chunksize=max(1, len(jobs) // (8 * (os.cpu_count() or 1)))))
    else:
        outcomes = [_parse_with(job, library) for job in jobs]
    problems = [p for o in outcomes if isinstance(o, list) for p in o]
    if problems:
        raise ReturnError(problems)
    parsed: list[intake.ParsedReturn] = outcomes  # type: ignore[assignment]
    with ledger.session() as session:
        orgs: dict[str, Organisation] = {}
        periods: dict[str, Period] = {}
        keys = []
        for item, ret in zip(items, parsed):
            org = orgs.get(item.org) or organisation(session, item.org, item.sector, None, actor)
            orgs[item.org] = org
            per = periods.get(item.period) or period(session, item.period)
            periods[item.period] = per
            keys.append((org, per))
        return _store_batch(session, parsed, keys, actor, library, config.framework)


def _parse_with(job: tuple[Submission, PartnershipConfig], library: ProxyLibrary) -> intake.ParsedReturn | list[Problem]:
    item, config = job
    try:
        parse_period(item.period)
        return parse_submission(item.path, item.kind, config, library)
    except PeriodError as exc:
        return [Problem(str(item.path), "period", str(exc))]
    except InputFileError as exc:
        return list(exc.problems)
    except LedgerError as exc:
        return [Problem(str(item.path), "", str(exc))]


def insert_rows(connection: Connection, table: Table, keys: list[str], rows: list[tuple]) -> None:
    """INSERT many rows (tuples of the values of `keys`) with one statement compiled by
    SQLAlchemy and run as the driver's executemany, the values bound through each column
    type's own processor, instead of SQLAlchemy building a parameter set per row: the bulk path
    for return lines and audit events. Values are always bound, never formatted into the SQL."""
    if not rows:
        return
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    # a plain INSERT binds each column under its own key
    order = list(compiled.positiontup) if compiled.positional else keys
    at = [keys.index(k) for k in order]
    convert = [(i, p) for i, p in enumerate(table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
                                            for k in order) if p is not None]
    if at != list(range(len(keys))) or convert:
        pick = itemgetter(*at) if len(at) > 1 else (lambda row: (row[at[0]],))
        reordered = []
        for row in rows:
            values = list(pick(row))
            for i, process in convert:
                values[i] = process(values[i])
            reordered.append(tuple(values))
        rows = reordered
    params = rows if compiled.positional else [dict(zip(order, row)) for row in rows]
    connection.exec_driver_sql(compiled.string, params)


_LINE_FIELDS = [f.name for f in dataclass_fields(intake.LineData)]
_line_values = attrgetter(*_LINE_FIELDS)
_EVENT_KEYS = ["actor", "action", "return_id", "at", "detail"]


def _store_batch(session: Session, parsed: list[intake.ParsedReturn], keys: list[tuple[Organisation, Period]],
                 actor: str, library: ProxyLibrary, framework: str) -> list[SubmitResult]:
    """Store many returns with multi-row statements: one look-up of the series' versions, then
    inserts of returns (RETURNING their ids), lines and audit events; same rules as `_store`.
    A series met twice in one batch is stored in a second pass, after the first version."""
    results: list[SubmitResult | None] = [None] * len(parsed)
    pending = list(range(len(parsed)))
    connection = session.connection()
    while pending:
        wave, later, seen = [], [], set()
        for i in pending:
            series = series_key(keys[i][0].id, keys[i][1].label, parsed[i].kind, None)
            (later if series in seen else wave).append(i)
            seen.add(series)
        series_of = {i: series_key(keys[i][0].id, keys[i][1].label, parsed[i].kind, None) for i in wave}
        known: dict[str, list] = {}
        names = sorted(set(series_of.values()))
        for chunk in range(0, len(names), 500):
            for row in session.execute(select(Return.series, Return.id, Return.version, Return.content_hash,
                                              Return.current, Return.total_value)
                                       .where(Return.series.in_(names[chunk:chunk + 500]))):
                known.setdefault(row.series, []).append(row)
        new_rows, new_items, superseded = [], [], []
        now = utcnow()
        for i in wave:
            ret, (org, per) = parsed[i], keys[i]
            versions = sorted(known.get(series_of[i], []), key=lambda r: -r.version)
            latest = versions[0] if versions else None
            same = next((v for v in versions if v.content_hash == ret.content_hash), None)
            if same is not None:
                results[i] = SubmitResult(same.id, same.version, False, same.total_value,
                                          f"already recorded: identical to return {same.id} (version "
                                          f"{same.version} for {org.name}, {per.label}, {ret.kind}); nothing added")
                continue
            if latest is not None:
                superseded.append(latest.id)
            new_items.append((i, latest))
            new_rows.append(dict(
                series=series_of[i], version=latest.version + 1 if latest else 1, current=True,
                organisation_id=org.id, period_id=per.id, contract_id=None, kind=ret.kind,
                source_type=ret.source_type, filename=Path(ret.filename).name[:300], content_hash=ret.content_hash,
                framework=framework, price_year=ret.price_year, proxy_library_version=library.version,
                proxy_library_hash=library.content_hash, svmodel_version=__version__, evidence=ret.evidence,
                total_value=ret.total_value, submitted_by=actor, submitted_at=now, status="submitted",
                assurance="self-reported", supersedes_id=latest.id if latest else None))
        if superseded:
            connection.execute(update(Return.__table__).where(Return.id.in_(superseded)).values(current=False))
        if new_rows:
            ids = connection.execute(insert(Return.__table__).returning(Return.id, sort_by_parameter_order=True),
                                     new_rows).scalars().all()
            lines, events = [], []
            for (i, latest), row, return_id in zip(new_items, new_rows, ids):
                ret, (org, per) = parsed[i], keys[i]
                lines += [(return_id, n, *_line_values(line)) for n, line in enumerate(ret.lines)]
                events.append((actor, "submitted" if latest is None else "corrected", return_id, now, json.dumps(dict(
                                       organisation=org.name, period=per.label, kind=ret.kind, version=row["version"],
                                       file=row["filename"], sha256=ret.content_hash, lines=len(ret.lines),
                                       total_value=round(ret.total_value, 2), supersedes=latest.id if latest else None,
                                       proxy_library=f"{library.version} {library.content_hash[:12]}"), sort_keys=True)))
                word = "recorded" if latest is None else f"recorded as version {row['version']}, replacing return {latest.id}"
                results[i] = SubmitResult(return_id, row["version"], True, ret.total_value, word)
            insert_rows(connection, ReturnLine.__table__, ["return_id", "position", *_LINE_FIELDS], lines)
            insert_rows(connection, AuditEvent.__table__, _EVENT_KEYS, events)
        pending = later
    return results  # type: ignore[return-value]


# --------------------------------------------------------------------------- contracts
def _contract(session: Session, reference: str) -> Contract:
    found = session.scalar(select(Contract).where(Contract.reference == reference))
    if found is None:
        known = session.scalars(select(Contract.reference).order_by(Contract.reference)).all()
        raise LedgerError(f"--contract {reference!r}: no such contract; known: {', '.join(known) or '(none)'}; "
                          "add one with: svmodel ledger contract SPEC COMMITMENTS --ref REF --org SUPPLIER "
                          "--start 2026/27")
    return found


def _contract_spec(contract: Contract, library: ProxyLibrary):  # noqa: ANN202
    from svmodel.procurement.spec import parse_spec

    return parse_spec(contract.spec_text, f"contract {contract.reference} specification", library)


def add_contract(ledger: Ledger, spec_path: str | Path, commitments: str | Path, reference: str,
                 supplier: str, start: str, config: PartnershipConfig, sector: str | None = None,
                 actor: str | None = None, library: ProxyLibrary | None = None) -> tuple[int, list[int]]:
    """Register an awarded contract: its specification and the winning bid's commitments,
    recorded as one `committed` return per contract year (financial years from `start`)."""
    from svmodel.procurement.bids import read_bid
    from svmodel.procurement.spec import load_spec

    actor = actor or current_user()
    library = library or default_library()
    try:
        first = parse_period(start)
    except PeriodError as exc:
        raise LedgerError(f"--start {exc}") from None
    if first.label != first.financial_year:
        raise LedgerError(f"--start {start!r}: give the financial year of contract year 1, such as 2026/27")
    spec = load_spec(spec_path, library)
    bid = read_bid(commitments, spec)
    if bid.bidder.casefold() != " ".join(supplier.split()).casefold():
        raise ReturnError([Problem(str(commitments), "bidder", f"{bid.bidder!r} is not --org {supplier!r}")])
    price_year = config.effective_price_year()
    per_year = intake.commitment_lines(spec, bid, price_year, library)
    spec_text = Path(spec_path).read_text(encoding="utf-8")
    commitments_hash = intake.file_hash(Path(commitments).read_bytes())
    with ledger.session() as session:
        if session.scalar(select(Contract).where(Contract.reference == reference)) is not None:
            raise LedgerError(f"--ref {reference!r}: a contract with this reference is already recorded")
        org = organisation(session, supplier, sector, None, actor)
        contract = Contract(reference=reference, name=spec.name, buyer=spec.model.buyer, supplier=org,
                            value=spec.contract_value, years=spec.years, start_year=first.financial_year,
                            spec_text=spec_text, spec_hash=intake.file_hash(spec_text.encode("utf-8")),
                            commitments_hash=commitments_hash)
        session.add(contract)
        session.flush()
        audit(session, actor, "contract added", None, contract=reference, supplier=org.name,
              spec=str(spec_path), commitments=str(commitments), sha256=commitments_hash)
        ids = []
        for year, lines in sorted(per_year.items()):
            label = next_financial_year(first.financial_year, year - 1)
            parsed = intake.ParsedReturn("commitments", "committed", Path(commitments).name,
                                         intake.file_hash(f"{commitments_hash}:{year}".encode()), tuple(lines), price_year,
                                         evidence="; ".join(sorted({l.evidence for l in lines if l.evidence})))
            ids.append(_store(session, parsed, org, period(session, label), contract, actor, library,
                              spec.framework.name).return_id)
        return contract.id, ids


# --------------------------------------------------------------------------- verification
def verify(ledger: Ledger, return_id: int, by: str, level: str | None = None,
           reject: str | None = None) -> Return:
    """Verify (at an assurance level) or reject (with a reason) the current version of a return."""
    by = " ".join(str(by or "").split())
    if not by or len(by) > 200:
        raise LedgerError("--by: give the verifier's name (at most 200 characters)")
    if reject is not None and not reject.strip():
        raise LedgerError("--reject: give the reason for rejecting the return")
    levels = ASSURANCE[1:]
    if level is None:
        level = "self-reported" if reject is not None else "evidence checked"
    elif level not in levels:
        raise LedgerError(f"--level {level!r} is not allowed; expected one of {', '.join(levels)}")
    with ledger.session() as session:
        ret = session.get(Return, return_id)
        if ret is None:
            raise LedgerError(f"no return with id {return_id}")
        if not ret.current:
            newer = session.scalar(select(Return).where(Return.series == ret.series, Return.current.is_(True)))
            raise LedgerError(f"return {return_id} (version {ret.version}) has been replaced by return "
                              f"{newer.id if newer else '?'} (version {newer.version if newer else '?'}); "
                              "verify the current version")
        status = "rejected" if reject is not None else "verified"
        session.add(Review(return_id=ret.id, status=status, assurance=level, reviewer=by,
                           reason=(reject or "").strip()))
        audit(session, by, status, ret.id, old_status=ret.status, old_assurance=ret.assurance,
              assurance=level, reason=(reject or "").strip())
        ret.status, ret.assurance = status, level
        session.flush()
        return ret


def audit_trail(ledger: Ledger, return_id: int | None = None) -> list[dict]:
    """Audit events, oldest first; for a return, those of every version in its series."""
    with ledger.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if return_id is not None:
            ret = session.get(Return, return_id)
            if ret is None:
                raise LedgerError(f"no return with id {return_id}")
            ids = session.scalars(select(Return.id).where(Return.series == ret.series)).all()
            query = query.where(AuditEvent.return_id.in_(ids))
        return [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                 "return_id": e.return_id, "detail": json.loads(e.detail or "{}")}
                for e in session.scalars(query)]
