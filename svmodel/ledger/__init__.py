"""The partnership ledger: the social value partners collect, verify, publish and are
recognised for (docs/ledger.md).

Core modules (no notebook or widget imports): `models` (SQLAlchemy 2 ORM), `db` (engines,
migrations), `periods`, `intake` (the ways in), `service` (submit, verify, audit),
`aggregates` (figures), `site` (the static site), `certificate` (recognition).
"""
