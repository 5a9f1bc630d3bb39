"""Connecting to the ledger database and bringing its schema up to date.

The database is a URL: `--db`, else `$SVMODEL_LEDGER_URL`, else `ledger.db` in the current
folder. A plain path means an SQLite file; `postgresql+psycopg://...` runs the same code on
PostgreSQL. SQLite connections use WAL journalling (readers never block the writer), a busy
timeout (a second writer waits instead of failing) and `BEGIN IMMEDIATE` transactions, so two
processes submitting at once are serialised rather than losing a write. The schema is created
and upgraded with Alembic migrations shipped in `svmodel/ledger/migrations`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from svmodel.errors import SvmodelError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DB = "ledger.db"
BUSY_TIMEOUT_MS = 30_000


class LedgerError(SvmodelError):
    """A ledger problem the user can fix (no database, unknown return, bad argument)."""


def resolve_url(db: str | None = None) -> str:
    """The database URL from `--db`, `$SVMODEL_LEDGER_URL` or the default `ledger.db`."""
    text = db or os.environ.get("SVMODEL_LEDGER_URL") or DEFAULT_DB
    if "://" in text:
        try:
            make_url(text)
        except ArgumentError as exc:
            raise LedgerError(f"--db {text!r}: not a database URL ({exc})") from None
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection) -> None:  # noqa: ANN001
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(connection):  # noqa: ANN001, ANN202
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head() or ""


class Ledger:
    """An open ledger database: an engine and a session factory."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def describe(self) -> str:
        """The URL without a password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def check_schema(self) -> None:
        """Fail with a clear message when the database was never initialised or is out of date."""
        from alembic.runtime.migration import MigrationContext

        if self.is_sqlite:
            path = make_url(self.url).database or ""
            if path and not Path(path).exists():
                raise LedgerError(f"no ledger at {path}; create it with: svmodel ledger init --db {path}")
        try:
            with self.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
                tables = inspect(connection).get_table_names()
        except Exception as exc:  # noqa: BLE001 - any driver error means "cannot open"
            raise LedgerError(f"cannot open the ledger {self.describe()}: {exc}") from None
        if "returns" not in tables or current is None:
            raise LedgerError(f"{self.describe()} is not an svmodel ledger; run svmodel ledger init")
        if current != head_revision():
            raise LedgerError(f"{self.describe()} has schema {current}; run svmodel ledger init to "
                              f"upgrade it to {head_revision()}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.sessions() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_ledger(db: str | None = None, check: bool = True) -> Ledger:
    ledger = Ledger(resolve_url(db))
    if check:
        ledger.check_schema()
    return ledger


def init_ledger(db: str | None = None) -> tuple[Ledger, str]:
    """Create the database (or upgrade it) and return it with its schema revision."""
    url = resolve_url(db)
    if url.startswith("sqlite:///"):
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(url)
    try:
        revision = upgrade(ledger.engine)
    except Exception as exc:  # noqa: BLE001
        if isinstance(exc, LedgerError):
            raise
        raise LedgerError(f"cannot initialise the ledger {ledger.describe()}: {exc}") from None
    return ledger, revision
