"""The Knowsley partnership ledger example (`params/ledger/example.yaml`): organisations, a
contract, submissions in arrival order and the officer's reviews, loaded through the same
services as the CLI (so the example exercises every way in, a rejection and a correction)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import yaml

from svmodel.ledger import service
from svmodel.ledger.config import load_config
from svmodel.ledger.db import LedgerError, init_ledger
from svmodel.resources import data_dir

EXAMPLE_DIR = data_dir("ledger")


def load_example(db: str | None = None, directory: Path | None = None, site: str | None = None) -> Iterator[str]:
    """Build the example ledger (a fresh or existing database: resubmissions change nothing)."""
    directory = Path(directory or EXAMPLE_DIR)
    manifest_path = directory / "example.yaml"
    if not manifest_path.is_file():
        raise LedgerError(f"{manifest_path}: the example manifest is missing")
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    config = load_config(directory / manifest.get("config", "partnership.yaml"))
    ledger, revision = init_ledger(db)
    yield f"ledger {ledger.describe()} (schema {revision})"
    with ledger.session() as session:
        for org in manifest.get("organisations", []):
            service.organisation(session, org["name"], org["sector"], org.get("number"), "example loader")
    from sqlalchemy import select

    from svmodel.ledger.models import Contract

    for c in manifest.get("contracts", []):
        with ledger.session() as session:
            exists = session.scalar(select(Contract.id).where(Contract.reference == c["ref"]))
        if exists is None:
            _, ids = service.add_contract(ledger, directory / c["spec"], directory / c["commitments"], c["ref"],
                                         c["org"], c["start"], config, actor="example loader")
            yield f"contract {c['ref']}: commitments as returns {', '.join(map(str, ids))}"
    ids: dict[str, int] = {}
    for s in manifest.get("submissions", []):
        result = service.submit(ledger, directory / s["file"], s["org"], str(s["period"]), config,
                                kind=s.get("kind"), contract_ref=s.get("contract"), actor=s["org"])
        ids[s["key"]] = result.return_id
        yield f"return {result.return_id} ({s['key']}): {result.message}"
    from svmodel.ledger.models import Return

    for r in manifest.get("reviews", []):
        with ledger.session() as session:
            status = session.get(Return, ids[r["return"]]).status
        if status != "submitted":
            continue  # already reviewed in an earlier load
        ret = service.verify(ledger, ids[r["return"]], r["by"], r.get("level"), r.get("reject"))
        yield f"return {ret.id} ({r['return']}): {ret.status} ({ret.assurance})"
    if site:
        from svmodel.ledger.site import publish

        written = publish(ledger, Path(site), config)
        yield f"site: {len(written)} files in {site}"
    ledger.dispose()
