"""Initial ledger schema: organisations, periods, contracts, versioned returns and their lines,
reviews, and the append-only audit log (triggers refuse UPDATE and DELETE on audit events and
return lines, and DELETE on returns, on SQLite and PostgreSQL).

Revision ID: 0001
Revises: 
Create Date: 2026-12-02 16:47:20.338760
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_return_id'), ['return_id'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('label')
    )
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periods_financial_year'), ['financial_year'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('buyer', sa.String(length=200), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.String(length=7), nullable=False),
    sa.Column('spec_text', sa.Text(), nullable=False),
    sa.Column('spec_hash', sa.String(length=64), nullable=False),
    sa.Column('commitments_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    op.create_table('returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=400), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_type', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('framework', sa.String(length=40), nullable=False),
    sa.Column('price_year', sa.Integer(), nullable=False),
    sa.Column('proxy_library_version', sa.String(length=40), nullable=False),
    sa.Column('proxy_library_hash', sa.String(length=64), nullable=False),
    sa.Column('svmodel_version', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('total_value', sa.Float(), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assurance', sa.String(length=30), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['period_id'], ['periods.id'], ),
    sa.ForeignKeyConstraint(['supersedes_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series', 'version', name='uq_return_series_version')
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_returns_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('ix_returns_current', ['current', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_series'), ['series'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=120), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('proxy_id', sa.String(length=80), nullable=False),
    sa.Column('unit_value', sa.Float(), nullable=False),
    sa.Column('deadweight', sa.Float(), nullable=False),
    sa.Column('displacement', sa.Float(), nullable=False),
    sa.Column('attribution', sa.Float(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('contract_year', sa.Integer(), nullable=True),
    sa.Column('donation_type', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index('ix_lines_return', ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_measure'), ['measure'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_outcome'), ['outcome'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assurance', sa.String(length=30), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_return_id'), ['return_id'], unique=False)
    _append_only()


_GUARDED = (("audit_events", ("UPDATE", "DELETE")), ("return_lines", ("UPDATE", "DELETE")),
            ("returns", ("DELETE",)), ("reviews", ("UPDATE", "DELETE")))


def _append_only() -> None:
    """Triggers that make the audit trail append-only whatever client writes to the database."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, actions in _GUARDED:
            for action in actions:
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    elif dialect == "postgresql":
        op.execute("CREATE FUNCTION svmodel_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table, actions in _GUARDED:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(actions)} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION svmodel_append_only()")


def _drop_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for table, actions in _GUARDED:
        if dialect == "sqlite":
            for action in actions:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action.lower()}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS svmodel_append_only()")


def downgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_return_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_outcome'))
        batch_op.drop_index(batch_op.f('ix_return_lines_measure'))
        batch_op.drop_index('ix_lines_return')

    op.drop_table('return_lines')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_returns_series'))
        batch_op.drop_index(batch_op.f('ix_returns_period_id'))
        batch_op.drop_index(batch_op.f('ix_returns_organisation_id'))
        batch_op.drop_index('ix_returns_current')
        batch_op.drop_index(batch_op.f('ix_returns_contract_id'))

    op.drop_table('returns')
    op.drop_table('contracts')
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_periods_financial_year'))

    op.drop_table('periods')
    op.drop_table('organisations')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_return_id'))

    op.drop_table('audit_events')
