"""an index on stock_levels.updated_at: incremental syncs find the store's own changes by it

Revision ID: 0004_levels_updated_index
Revises: 0003_demo_till
Create Date: 2026-11-25 08:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0004_levels_updated_index"
down_revision = "0003_demo_till"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stock_levels_updated_at", "stock_levels", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_stock_levels_updated_at", table_name="stock_levels")
