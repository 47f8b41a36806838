"""the persisted push queue and the Demo POS's shelf

Revision ID: 0002_push_queue
Revises: 0001_baseline
Create Date: 2026-11-25 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_push_queue"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pos_pending_pushes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("mapping_id", sa.Uuid(), nullable=False),
        sa.Column("external_item_id", sa.String(length=255), nullable=False),
        sa.Column("external_location_id", sa.String(length=255), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("new_base", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["pos_integrations.id"],
            name=op.f("fk_pos_pending_pushes_integration_id_pos_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["pos_mappings.id"],
            name=op.f("fk_pos_pending_pushes_mapping_id_pos_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_pending_pushes")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_pos_pending_pushes_idempotency_key")),
    )
    op.create_index(
        "ix_pos_pending_pushes_integration",
        "pos_pending_pushes",
        ["integration_id", "created_at"],
    )
    op.create_table(
        "demo_pos_stock",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("external_item_id", sa.String(length=255), nullable=False),
        sa.Column("location_id", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "applied_keys",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["pos_integrations.id"],
            name=op.f("fk_demo_pos_stock_integration_id_pos_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "integration_id", "external_item_id", "location_id", name=op.f("pk_demo_pos_stock")
        ),
    )


def downgrade() -> None:
    op.drop_table("demo_pos_stock")
    op.drop_index("ix_pos_pending_pushes_integration", table_name="pos_pending_pushes")
    op.drop_table("pos_pending_pushes")
