"""A covering index on return lines for the figures by outcome and measure: the database reads
the index alone instead of fetching every line row (benchmarks/bench_ledger.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 17:55:00
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lines_cover", "return_lines",
                    ["return_id", "counted", "outcome", "measure", "value", "quantity"])


def downgrade() -> None:
    op.drop_index("ix_lines_cover", table_name="return_lines")
