"""`svmodel ledger ...`: the partnership ledger (docs/ledger.md).

  svmodel ledger init [--db URL]                         create or upgrade the database
  svmodel ledger form --framework knowsley --out DIR     blank return forms (xlsx, CSV)
  svmodel ledger org NAME --sector S [--number N]        add or update an organisation
  svmodel ledger contract SPEC COMMITMENTS --ref R --org SUPPLIER --start 2026/27
  svmodel ledger submit FILE --org NAME --period 2026/27 [--kind K] [--contract R]
  svmodel ledger import LIST.csv                         many returns in one transaction
  svmodel ledger verify ID --by NAME [--level L] [--reject REASON]
  svmodel ledger returns [--status S] [--all] [--json]   the verification queue / list
  svmodel ledger audit [ID] [--json]                     the audit trail
  svmodel ledger summary [--json]                        counts and value by kind
  svmodel ledger figures --by DIM [--year Y] [--json]    figures by partner, sector, outcome...
  svmodel ledger publish --out DIR                       the static website and open data
  svmodel ledger certificate ORG --period 2026/27 --out DIR
  svmodel ledger open                                    the partnership officer's page (voila)
  svmodel ledger load-example [--site DIR]               the Knowsley example ledger

Every command takes --db (default ledger.db here, or $SVMODEL_LEDGER_URL) and --config (the
partnership's configuration; default ./partnership.yaml, else built-in defaults).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svmodel.commands._common import UsageError, add_json_option, print_json
from svmodel.ledger.vocabulary import ASSURANCE, DIMENSION_NAMES, KINDS, SECTORS, STATUSES
from svmodel.util.safety import terminal_text


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=None,
                        help="SQLite file or database URL (postgresql+psycopg://...); default: "
                             "$SVMODEL_LEDGER_URL, else ledger.db in the current folder")
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="partnership configuration YAML (default: ./partnership.yaml if present)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ledger", help="the partnership ledger: collect, verify, publish and recognise social value",
        description="Record the social value partners deliver, commit, forecast and donate; verify it; "
                    "publish it as a static website with open data; issue certificates.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("init", help="create or upgrade the ledger database")
    add_json_option(p, "the database and its schema revision")
    _common(p)
    p.set_defaults(handler=handle_init)

    p = actions.add_parser("form", help="write blank return forms (xlsx and CSV)")
    p.add_argument("--framework", default="knowsley", help="framework name or file (default knowsley)")
    p.add_argument("--out", required=True, metavar="DIR")
    add_json_option(p, "the files written")
    _common(p)
    p.set_defaults(handler=handle_form)

    p = actions.add_parser("org", help="add an organisation or update its sector or number")
    p.add_argument("name")
    p.add_argument("--sector", required=True, choices=SECTORS[:-1])
    p.add_argument("--number", help="company or charity number")
    add_json_option(p, "the organisation")
    _common(p)
    p.set_defaults(handler=handle_org)

    p = actions.add_parser("contract", help="record an awarded contract and the winning commitments")
    p.add_argument("spec", help="the tender specification YAML")
    p.add_argument("commitments", help="the winning bid's response form (CSV or xlsx)")
    p.add_argument("--ref", required=True, help="contract reference")
    p.add_argument("--org", required=True, help="the supplier (as named in the bid)")
    p.add_argument("--start", required=True, help="financial year of contract year 1, e.g. 2026/27")
    p.add_argument("--sector", choices=SECTORS[:-1])
    add_json_option(p, "the contract and the returns holding its commitments")
    _common(p)
    p.set_defaults(handler=handle_contract)

    p = actions.add_parser("submit", help="record a return (prints its id)")
    p.add_argument("file", help="return form, donation return or delivery return (CSV/xlsx), or a scenario YAML")
    p.add_argument("--org", required=True, help="the organisation making the return")
    p.add_argument("--period", required=True, help="2026/27, 2026/27 H1 or 2026/27 Q1")
    p.add_argument("--kind", choices=KINDS, help="default: from the file (return forms: delivered)")
    p.add_argument("--contract", metavar="REF", help="the contract a delivery return reports on")
    p.add_argument("--sector", choices=SECTORS[:-1], help="the organisation's sector (when new)")
    p.add_argument("--number", help="company or charity number (when new)")
    p.add_argument("--by", help="who submits (default: your login name)")
    add_json_option(p, "the return's id, version and counted value")
    _common(p)
    p.set_defaults(handler=handle_submit)

    p = actions.add_parser("import", help="submit many returns listed in a CSV, all or nothing")
    p.add_argument("listing", help="CSV with columns file, org, period and optionally kind, sector "
                                   "(file paths relative to the listing)")
    p.add_argument("--by", help="who submits (default: your login name)")
    add_json_option(p, "each listed return's id and whether it was new")
    _common(p)
    p.set_defaults(handler=handle_import)

    p = actions.add_parser("verify", help="verify or reject a return")
    p.add_argument("id", type=int)
    p.add_argument("--by", required=True, help="the verifier's name")
    p.add_argument("--level", choices=ASSURANCE[1:], help="assurance level (default: evidence checked)")
    p.add_argument("--reject", metavar="REASON", help="reject the return, with this reason")
    add_json_option(p, "the return's new status")
    _common(p)
    p.set_defaults(handler=handle_verify)

    p = actions.add_parser("returns", help="list returns (the verification queue with --status submitted)")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--org")
    p.add_argument("--all", action="store_true", help="include replaced versions")
    add_json_option(p, "the returns")
    _common(p)
    p.set_defaults(handler=handle_returns)

    p = actions.add_parser("audit", help="the audit trail (of one return's series, or all)")
    p.add_argument("id", nargs="?", type=int)
    add_json_option(p, "the audit events")
    _common(p)
    p.set_defaults(handler=handle_audit)

    p = actions.add_parser("summary", help="counts and value by kind, verified and unverified")
    add_json_option(p, "the counts and values")
    _common(p)
    p.set_defaults(handler=handle_summary)

    p = actions.add_parser("figures", help="value by a dimension, kept apart by kind and assurance level")
    p.add_argument("--by", required=True, choices=list(DIMENSION_NAMES))
    p.add_argument("--year", help="one financial year, e.g. 2026/27")
    add_json_option(p, "the figures")
    _common(p)
    p.set_defaults(handler=handle_figures)

    p = actions.add_parser("publish", help="write the static website and open data")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--year", help="the financial year the overview shows (default: the latest)")
    add_json_option(p, "the files written")
    _common(p)
    p.set_defaults(handler=handle_publish)

    p = actions.add_parser("certificate", help="a printable certificate (HTML and PDF)")
    p.add_argument("org")
    p.add_argument("--period", required=True, help="the financial year, e.g. 2026/27")
    p.add_argument("--out", default=".", metavar="DIR")
    p.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    add_json_option(p, "the files written")
    _common(p)
    p.set_defaults(handler=handle_certificate)

    p = actions.add_parser("open", help="the partnership officer's page in a browser (voila)")
    p.add_argument("--port", type=int)
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--site", metavar="DIR", help="where the page publishes the site (default: site)")
    _common(p)
    p.set_defaults(handler=handle_open)

    p = actions.add_parser("load-example", help="build the Knowsley example ledger from params/ledger")
    p.add_argument("--site", metavar="DIR", help="also publish the site here")
    add_json_option(p, "the steps taken")
    _common(p)
    p.set_defaults(handler=handle_load_example)


# --------------------------------------------------------------------------- helpers
def _errors(func):  # noqa: ANN001, ANN202
    def wrapper(args: argparse.Namespace) -> int:
        # The database (SQLAlchemy) and the configuration load when a command runs, not with the parser.
        from svmodel.ledger.config import ConfigError
        from svmodel.ledger.db import LedgerError

        try:
            return func(args)
        except (LedgerError, ConfigError) as exc:
            raise UsageError(str(exc)) from None
    wrapper.__doc__ = func.__doc__
    return wrapper


def _open(args: argparse.Namespace):  # noqa: ANN202
    from svmodel.ledger.db import open_ledger

    return open_ledger(args.db)


def _config(args: argparse.Namespace):  # noqa: ANN202
    from svmodel.ledger.config import load_config

    return load_config(args.config)


def _out(value: str) -> Path:
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {value}: exists and is not a folder")
    return path


def _money(value: float) -> str:
    from svmodel.util.formatting import money

    return money(value)


# --------------------------------------------------------------------------- handlers
@_errors
def handle_init(args: argparse.Namespace) -> int:
    from svmodel.ledger.db import init_ledger

    ledger, revision = init_ledger(args.db)
    if args.json:
        print_json({"ledger": ledger.describe(), "schema": revision})
    else:
        print(terminal_text(f"ledger ready: {ledger.describe()} (schema {revision})"))
    ledger.dispose()
    return 0


@_errors
def handle_form(args: argparse.Namespace) -> int:
    from svmodel.library.frameworks import FrameworkError, load_framework
    from svmodel.ledger.forms import write_forms

    try:
        framework = load_framework(args.framework)
    except FrameworkError as exc:
        raise UsageError(str(exc)) from None
    try:
        written = list(write_forms(framework, _out(args.out)))
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    if args.json:
        print_json({"written": [str(p) for p in written]})
    for path in [] if args.json else written:
        print(terminal_text(f"wrote {path}"))
    return 0


@_errors
def handle_org(args: argparse.Namespace) -> int:
    from svmodel.ledger.service import current_user, organisation

    ledger = _open(args)
    with ledger.session() as session:
        org = organisation(session, args.name, args.sector, args.number, current_user())
        if args.json:
            print_json({"id": org.id, "name": org.name, "sector": org.sector, "number": org.number})
        else:
            print(f"organisation {org.id}: {terminal_text(org.name)} ({org.sector})")
    return 0


@_errors
def handle_contract(args: argparse.Namespace) -> int:
    from svmodel.ledger.service import add_contract

    ledger = _open(args)
    contract_id, ids = add_contract(ledger, args.spec, args.commitments, args.ref, args.org, args.start,
                                    _config(args), args.sector)
    if args.json:
        print_json({"contract": contract_id, "reference": args.ref, "returns": list(ids)})
    else:
        print(f"contract {terminal_text(args.ref)} recorded; commitments as returns {', '.join(map(str, ids))}")
    return 0


@_errors
def handle_submit(args: argparse.Namespace) -> int:
    from svmodel.ledger.service import submit

    ledger = _open(args)
    result = submit(ledger, args.file, args.org, args.period, _config(args), kind=args.kind,
                    sector=args.sector, number=args.number, contract_ref=args.contract, actor=args.by)
    if args.json:
        print_json({"id": result.return_id, "version": result.version, "created": result.created,
                    "total_value": result.total_value, "message": result.message})
    else:
        print(result.return_id)
        print(f"return {result.return_id}: {terminal_text(result.message)}; counted value "
              f"{_money(result.total_value)} (self-reported until verified)")
    return 0


@_errors
def handle_import(args: argparse.Namespace) -> int:
    import csv

    from svmodel.ledger.service import Submission, submit_many

    listing = Path(args.listing)
    try:
        rows = list(csv.DictReader(listing.read_text(encoding="utf-8-sig").splitlines()))
    except OSError as exc:
        raise UsageError(f"{listing}: cannot read the file: {exc.strerror or exc}") from None
    items = []
    for number, row in enumerate(rows, start=2):
        missing = [c for c in ("file", "org", "period") if not (row.get(c) or "").strip()]
        if missing:
            raise UsageError(f"{listing}: row {number}: missing {', '.join(missing)}; columns: file, org, "
                            "period, kind (optional), sector (optional)")
        items.append(Submission(listing.parent / row["file"].strip(), row["org"].strip(), row["period"].strip(),
                                (row.get("kind") or "").strip() or None, (row.get("sector") or "").strip() or None))
    results = submit_many(_open(args), items, _config(args), actor=args.by)
    created = sum(r.created for r in results)
    if args.json:
        print_json({"recorded": created, "already_recorded": len(results) - created,
                    "returns": [{"file": str(item.path), "id": r.return_id, "version": r.version,
                                 "created": r.created, "total_value": r.total_value}
                                for item, r in zip(items, results)]})
        return 0
    print(f"{created} returns recorded, {len(results) - created} already recorded")
    return 0


@_errors
def handle_verify(args: argparse.Namespace) -> int:
    from svmodel.ledger.service import verify

    ret = verify(_open(args), args.id, args.by, args.level, args.reject)
    if args.json:
        print_json({"id": ret.id, "status": ret.status, "assurance": ret.assurance, "by": args.by,
                    "reason": args.reject})
    elif ret.status == "rejected":
        print(f"return {ret.id} rejected by {terminal_text(args.by)}: {terminal_text(args.reject)}")
    else:
        print(f"return {ret.id} verified by {terminal_text(args.by)} ({ret.assurance})")
    return 0


@_errors
def handle_returns(args: argparse.Namespace) -> int:
    from svmodel.ledger.aggregates import returns_table

    ledger = _open(args)
    with ledger.session() as session:
        table = returns_table(session, args.status, not args.all, args.org)
    if args.json:
        table["submitted_at"] = table["submitted_at"].astype(str)
        print_json(table.to_dict(orient="records"))
        return 0
    if table.empty:
        print("no returns")
        return 0
    shown = table[["id", "organisation", "period", "kind", "version", "total_value", "status", "assurance"]].copy()
    shown["total_value"] = shown["total_value"].map(_money)
    shown["organisation"] = shown["organisation"].map(terminal_text)
    print(shown.to_string(index=False))
    return 0


@_errors
def handle_audit(args: argparse.Namespace) -> int:
    from svmodel.ledger.service import audit_trail

    events = audit_trail(_open(args), args.id)
    if args.json:
        print_json(events)
        return 0
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in e["detail"].items() if v not in (None, ""))
        print(terminal_text(f"{e['at']}  {e['actor']}  {e['action']}"
                            f"{' return ' + str(e['return_id']) if e['return_id'] else ''}  {detail}"))
    return 0


@_errors
def handle_summary(args: argparse.Namespace) -> int:
    from svmodel.ledger.aggregates import summary

    ledger = _open(args)
    with ledger.session() as session:
        data = summary(session)
    if args.json:
        print_json(data)
        return 0
    r = data["returns"]
    print(f"{data['organisations']} organisations; {r['current']} returns ({r['versions']} versions): "
          f"{r['verified']} verified, {r['submitted']} awaiting verification, {r['rejected']} rejected")
    print(f"Values in {data['price_year']} prices; kinds are never added together.")
    for kind, values in data["value_by_kind"].items():
        print(f"  {kind:<10} verified {_money(values['verified']):>14}   unverified (self-reported) "
              f"{_money(values['unverified']):>14}")
    return 0


@_errors
def handle_figures(args: argparse.Namespace) -> int:
    from svmodel.ledger.aggregates import levels_label, value_table

    ledger = _open(args)
    with ledger.session() as session:
        frame = value_table(session, by=[args.by], financial_year=args.year)
    if args.json:
        print_json({"by": args.by, "financial_year": args.year, "rows": frame.to_dict(orient="records")})
        return 0
    if frame.empty:
        print("no figures")
        return 0
    table = frame.pivot_table(index=[args.by, "kind"], columns="level", values="value", aggfunc="sum",
                              fill_value=0.0)
    print(table.map(_money).to_string())
    print(levels_label(frame["level"]))
    return 0


@_errors
def handle_publish(args: argparse.Namespace) -> int:
    from svmodel.ledger.site import publish

    written = publish(_open(args), _out(args.out), _config(args), year=args.year)
    if args.json:
        print_json({"written": [str(p) for p in written], "index": str(Path(args.out) / "index.html")})
        return 0
    print(f"wrote {len(written)} files to {args.out} (open {Path(args.out) / 'index.html'})")
    return 0


@_errors
def handle_certificate(args: argparse.Namespace) -> int:
    from svmodel.ledger.certificate import write_certificate

    html_path, pdf_path, message = write_certificate(_open(args), args.org, args.period, _out(args.out),
                                                     _config(args), pdf=not args.no_pdf)
    if args.json:
        print_json({"html": str(html_path), "pdf": str(pdf_path) if pdf_path else None, "message": message})
        return 0
    print(f"wrote {html_path}")
    if pdf_path:
        print(f"wrote {pdf_path}")
    if message:
        print(message, file=sys.stderr)
    return 0


@_errors
def handle_open(args: argparse.Namespace) -> int:
    from svmodel.commands._ledger_officer import serve

    return serve(args)


@_errors
def handle_load_example(args: argparse.Namespace) -> int:
    from svmodel.ledger.example import load_example

    steps = []
    for line in load_example(args.db, site=args.site):
        steps.append(line)
        if not args.json:
            print(terminal_text(line))
    if args.json:
        print_json({"steps": steps})
    return 0
