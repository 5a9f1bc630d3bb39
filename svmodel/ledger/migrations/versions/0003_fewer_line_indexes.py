"""Drop three return-line indexes that no query uses, so each line written updates one index
instead of four (benchmarks/bench_ledger.py, issue 13): `ix_lines_return` repeats the first
column of the covering index `ix_lines_cover`, which serves look-ups by return; the figures by
outcome and measure read the covering index and never filter on `ix_return_lines_measure` or
`ix_return_lines_outcome` alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 23:00:00
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_lines_return", table_name="return_lines")
    op.drop_index("ix_return_lines_measure", table_name="return_lines")
    op.drop_index("ix_return_lines_outcome", table_name="return_lines")


def downgrade() -> None:
    op.create_index("ix_return_lines_outcome", "return_lines", ["outcome"])
    op.create_index("ix_return_lines_measure", "return_lines", ["measure"])
    op.create_index("ix_lines_return", "return_lines", ["return_id"])
