"""Alembic environment for the ledger, run programmatically by `svmodel ledger init`
(svmodel.ledger.db.upgrade); no alembic.ini is needed. The caller passes an open connection
in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context

from svmodel.ledger.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("svmodel's ledger migrations run online only (svmodel ledger init)")
run_migrations_online()
