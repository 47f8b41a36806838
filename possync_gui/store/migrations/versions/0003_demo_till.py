"""the Demo POS's till clock and its record of sales

Revision ID: 0003_demo_till
Revises: 0002_push_queue
Create Date: 2026-11-25 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_demo_till"
down_revision = "0002_push_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_pos_tills",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("simulated_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["pos_integrations.id"],
            name=op.f("fk_demo_pos_tills_integration_id_pos_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_id", name=op.f("pk_demo_pos_tills")),
    )
    op.create_table(
        "demo_pos_sales",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("external_item_id", sa.String(length=255), nullable=False),
        sa.Column("location_id", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["pos_integrations.id"],
            name=op.f("fk_demo_pos_sales_integration_id_pos_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "integration_id",
            "day",
            "external_item_id",
            "location_id",
            name=op.f("pk_demo_pos_sales"),
        ),
    )


def downgrade() -> None:
    op.drop_table("demo_pos_sales")
    op.drop_table("demo_pos_tills")
