"""The ledger's published data: tables read once from the database, the open-data files
(CSV and JSON with a JSON Schema) and the Open Contracting Data Standard (OCDS 1.1) release
package for contracts' social value commitments and delivery.

OCDS mapping (docs/ledger.md, "Open Contracting"): one release per contract, `ocid` =
`<prefix>-<contract reference>`; the buyer and the supplier are `parties` (roles buyer,
supplier); `awards[0]` carries the supplier and the contract value; `contracts[0].period`
spans the contract years; each social value commitment (measure x contract year) is a
`contracts[0].milestones[]` entry of type `delivery`, `dueDate` the end of that financial
year, `status` met / partiallyMet / notMet / scheduled from the delivery recorded, with the
quantities and values in the svmodel extension object `socialValue` (OCDS has no core field
for them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import select

from svmodel.ledger.aggregates import UNVERIFIED
from svmodel.ledger.db import Ledger
from svmodel.ledger.models import Contract, Organisation, Period, Return, ReturnLine
from svmodel.ledger.periods import next_financial_year, parse_period

DATA_SCHEMA_VERSION = 1


@dataclass
class SiteData:
    organisations: pd.DataFrame
    returns: pd.DataFrame  # current versions, all statuses
    lines: pd.DataFrame  # lines of current, non-rejected returns
    contracts: pd.DataFrame
    generated_at: str

    @property
    def counted_returns(self) -> pd.DataFrame:
        return self.returns[self.returns["status"] != "rejected"]


def _frame(session, statement, columns: list[str]) -> pd.DataFrame:  # noqa: ANN001
    """A query's rows as a table, built column by column (pandas probes every row object when
    given a list of rows; transposing first is several times faster for the ledger's lines)."""
    rows = session.execute(statement).all()
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows)))))


def load(ledger: Ledger) -> SiteData:
    """Everything the site shows, read in one short transaction."""
    with ledger.session() as session:
        orgs = _frame(session, (select(Organisation.id, Organisation.name, Organisation.sector,
                                                   Organisation.number)),
                      ["id", "name", "sector", "number"])
        rets = _frame(session, (
            select(Return.id, Return.organisation_id, Organisation.name, Organisation.sector, Period.label,
                   Period.financial_year, Return.kind, Return.version, Return.source_type, Return.status,
                   Return.assurance, Return.total_value, Return.contract_id, Return.submitted_at,
                   Return.price_year, Return.proxy_library_version, Return.content_hash)
            .join(Organisation, Return.organisation_id == Organisation.id)
            .join(Period, Return.period_id == Period.id)
            .where(Return.current.is_(True)).order_by(Return.id)),
            ["id", "organisation_id", "organisation", "sector", "period", "financial_year", "kind",
                     "version", "source_type", "status", "assurance", "value", "contract_id", "submitted_at",
                     "price_year", "proxy_library_version", "sha256"])
        lines = _frame(session, (
            select(ReturnLine.return_id, ReturnLine.measure, ReturnLine.outcome, ReturnLine.quantity,
                   ReturnLine.unit, ReturnLine.basis, ReturnLine.proxy_id, ReturnLine.value,
                   ReturnLine.counted, ReturnLine.contract_year, ReturnLine.donation_type, ReturnLine.channel)
            .join(Return, ReturnLine.return_id == Return.id)
            .where(Return.current.is_(True), Return.status != "rejected")),
            ["return_id", "measure", "outcome", "quantity", "unit", "basis", "proxy_id", "value",
                     "counted", "contract_year", "donation_type", "channel"])
        contracts = _frame(session, (
            select(Contract.id, Contract.reference, Contract.name, Contract.buyer, Contract.supplier_id,
                   Organisation.name, Contract.value, Contract.years, Contract.start_year)
            .join(Organisation, Contract.supplier_id == Organisation.id)),
            ["id", "reference", "name", "buyer", "supplier_id", "supplier", "value", "years", "start_year"])
    rets["level"] = rets["assurance"].where(rets["status"] == "verified", UNVERIFIED)
    rets["submitted_at"] = rets["submitted_at"].astype(str)
    meta = rets.set_index("id")[["organisation_id", "organisation", "sector", "financial_year", "kind",
                                 "level", "contract_id"]]
    lines = lines.join(meta, on="return_id")
    # typed even when empty, so boolean masks and sums work on a ledger without lines
    lines = lines.astype({"counted": bool, "value": float, "quantity": float})
    rets = rets.astype({"value": float})
    for column in ("measure", "outcome", "unit", "basis", "proxy_id", "kind", "level", "financial_year",
                   "organisation", "sector", "donation_type", "channel"):
        lines[column] = lines[column].astype(object)  # plain objects: fast grouping and comparison
    return SiteData(orgs, rets, lines, contracts,
                    datetime.now(timezone.utc).replace(microsecond=0).isoformat())


# --------------------------------------------------------------------------- open data
RETURN_FIELDS = ["id", "organisation", "sector", "period", "financial_year", "kind", "version", "source_type",
                 "status", "assurance", "level", "value", "submitted_at", "price_year", "proxy_library_version",
                 "sha256"]
LINE_FIELDS = ["return_id", "organisation", "financial_year", "kind", "level", "outcome", "measure", "quantity",
               "unit", "basis", "proxy_id", "value", "counted", "contract_year", "donation_type", "channel"]


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of data/ledger.json."""
    number = {"type": "number"}
    text = {"type": "string"}
    nullable = lambda t: {"type": [t, "null"]}  # noqa: E731
    level = {"enum": ["independently verified", "evidence checked", UNVERIFIED]}
    kind = {"enum": ["delivered", "committed", "forecast", "donated"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "ledger.schema.json",
        "title": "svmodel partnership ledger open data",
        "type": "object",
        "required": ["schema_version", "partnership", "price_year", "generated_at", "returns", "lines"],
        "properties": {
            "schema_version": {"const": DATA_SCHEMA_VERSION},
            "partnership": text, "price_year": {"type": "integer"}, "generated_at": text,
            "notes": text,
            "returns": {"type": "array", "items": {
                "type": "object", "required": RETURN_FIELDS, "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"}, "organisation": text,
                    "sector": {"enum": ["public", "private", "social enterprise", "voluntary and community",
                                        "not stated"]},
                    "period": text, "financial_year": {"type": "string", "pattern": r"^\d{4}/\d{2}$"},
                    "kind": kind, "version": {"type": "integer", "minimum": 1}, "source_type": text,
                    "status": {"enum": ["submitted", "verified", "rejected"]},
                    "assurance": {"enum": ["self-reported", "evidence checked", "independently verified"]},
                    "level": level, "value": number, "submitted_at": text,
                    "price_year": {"type": "integer"}, "proxy_library_version": text,
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}},
            "lines": {"type": "array", "items": {
                "type": "object", "required": LINE_FIELDS, "additionalProperties": False,
                "properties": {
                    "return_id": {"type": "integer"}, "organisation": text, "financial_year": text,
                    "kind": kind, "level": level, "outcome": text,
                    "measure": {"type": "string", "pattern": "^K\\d+$"}, "quantity": number, "unit": text,
                    "basis": text, "proxy_id": nullable("string"), "value": number, "counted": {"type": "boolean"},
                    "contract_year": nullable("integer"), "donation_type": nullable("string"),
                    "channel": nullable("string")}}},
        },
    }


def _records(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    from svmodel.results import json_safe

    table = frame[fields].astype(object).where(frame[fields].notna(), None)
    return json_safe(table.to_dict(orient="records"))


def ledger_json(data: SiteData, partnership: str, price_year: int) -> dict:
    """data/ledger.json as a dict (the published file is `ledger_json_text`, the same content)."""
    return json.loads(ledger_json_text(data, partnership, price_year))


def ledger_json_text(data: SiteData, partnership: str, price_year: int) -> str:
    """data/ledger.json: the records are serialised by pandas (C code), the envelope by json."""
    head = {"schema_version": DATA_SCHEMA_VERSION, "partnership": partnership, "price_year": price_year,
            "generated_at": data.generated_at,
            "notes": "Current versions of returns; rejected returns are listed with status rejected and "
                     "their lines are omitted. Values in pounds at the price year; kinds are never added "
                     "together; 'level' is the assurance level a value carries."}
    lines = data.lines[LINE_FIELDS].copy()
    for column in ("contract_year",):
        lines[column] = lines[column].astype("Int64")
    returns = data.returns[RETURN_FIELDS]
    records = lambda frame: frame.to_json(orient="records", force_ascii=False, double_precision=10)  # noqa: E731
    return (json.dumps(head, ensure_ascii=False)[:-1] + ', "returns": ' + records(returns)
            + ', "lines": ' + records(lines) + "}\n")


def ocds_package(data: SiteData, publisher: str, prefix: str = "ocds-svmodel") -> dict:
    """An OCDS 1.1 release package of the ledger's contracts (mapping in the module docstring)."""
    releases = []
    lines = data.lines[data.lines["contract_id"].notna()]
    for c in data.contracts.itertuples(index=False):
        first = parse_period(c.start_year)
        last_year = next_financial_year(c.start_year, c.years - 1)
        mine = lines[lines["contract_id"] == c.id]
        milestones = []
        for (measure, year), group in mine.groupby(["measure", "contract_year"]):
            committed = group[group["kind"] == "committed"]
            delivered = group[group["kind"] == "delivered"]
            fy = next_financial_year(c.start_year, int(year) - 1)
            cq, dq = float(committed["quantity"].sum()), float(delivered["quantity"].sum())
            status = "scheduled" if delivered.empty else ("met" if dq >= cq else ("partiallyMet" if dq > 0 else "notMet"))
            unit = (committed["unit"].iloc[0] if not committed.empty else delivered["unit"].iloc[0])
            milestones.append({
                "id": f"{c.reference}-{measure}-y{int(year)}", "title": f"{measure}, contract year {int(year)}",
                "type": "delivery", "dueDate": f"{parse_period(fy).end.isoformat()}T23:59:59Z", "status": status,
                "description": f"Commitment: {cq:g} {unit}; delivered to date: {dq:g}",
                "socialValue": {"measure": measure, "unit": unit, "financialYear": fy,
                                "committedQuantity": cq, "deliveredQuantity": dq,
                                "committedValue": {"amount": round(float(committed["value"].sum()), 2), "currency": "GBP"},
                                "deliveredValue": {"amount": round(float(delivered["value"].sum()), 2), "currency": "GBP"},
                                "deliveredAssurance": sorted(set(delivered["level"]))}})
        buyer_id = "buyer-" + hashlib.sha256(c.buyer.encode("utf-8")).hexdigest()[:10]
        supplier_id = f"org-{c.supplier_id}"
        releases.append({
            "ocid": f"{prefix}-{c.reference}", "id": f"{c.reference}-{data.generated_at[:10]}",
            "date": data.generated_at.replace("+00:00", "Z"), "tag": ["contract", "implementation"],
            "initiationType": "tender", "language": "en",
            "parties": [{"id": buyer_id, "name": c.buyer, "roles": ["buyer"]},
                        {"id": supplier_id, "name": c.supplier, "roles": ["supplier"]}],
            "buyer": {"id": buyer_id, "name": c.buyer},
            "tender": {"id": c.reference, "title": c.name},
            "awards": [{"id": f"{c.reference}-award", "status": "active",
                        "suppliers": [{"id": supplier_id, "name": c.supplier}],
                        "value": {"amount": float(c.value), "currency": "GBP"}}],
            "contracts": [{"id": c.reference, "awardID": f"{c.reference}-award", "title": c.name,
                           "status": "active", "value": {"amount": float(c.value), "currency": "GBP"},
                           "period": {"startDate": f"{first.start.isoformat()}T00:00:00Z",
                                      "endDate": f"{parse_period(last_year).end.isoformat()}T23:59:59Z"},
                           "milestones": milestones}]})
    return {"uri": "ocds.json", "version": "1.1", "publishedDate": data.generated_at.replace("+00:00", "Z"),
            "publisher": {"name": publisher}, "extensions": [], "releases": releases}


def csv_of(frame: pd.DataFrame) -> str:
    """CSV text of a table with every text cell passed through `svmodel.util.safety.neutralise_cell`
    (once per distinct value of each text column), written by pandas: fast for large tables.
    Numbers, booleans and blanks cannot be formulas and pass unchanged, as in `csv_text`."""
    from svmodel.util.safety import neutralise_cell

    out = frame.copy()
    for column in out.columns:
        kind = out[column].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)
                or pd.api.types.is_datetime64_any_dtype(kind)):
            values = out[column].astype(object)
            mapping = {v: neutralise_cell(v) for v in pd.unique(values) if isinstance(v, str)}
            changed = {k: v for k, v in mapping.items() if v != k}
            if changed:
                mapped = values.map(changed)  # a dict lookup per cell, done by pandas
                out[column] = mapped.where(mapped.notna(), values)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n")


def dumps(value: object) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"
