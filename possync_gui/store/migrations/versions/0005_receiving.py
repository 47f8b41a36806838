"""receiving: delivery items know their line, PO line and over-receipt; short-ship records

Revision ID: 0005_receiving
Revises: 0004_levels_updated_index
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_receiving"
down_revision = "0004_levels_updated_index"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("close_short", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_deliveries_received_at"), ["received_at"])
    with op.batch_alter_table("delivery_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("line_index", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("purchase_order_line_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("over_received", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "over_receipt_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("serial_numbers", _JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_items_purchase_order_line_id_purchase_order_lines"),
            "purchase_order_lines",
            ["purchase_order_line_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_delivery_items_delivery_line", ["delivery_id", "line_index"], unique=False
        )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("short_quantity", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("auto_purchase_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_short_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_short_by", sa.String(length=100), nullable=True))
    with op.batch_alter_table("serial_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_serial_numbers_serial"), ["serial"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("serial_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_serial_numbers_serial"))
    with op.batch_alter_table("auto_purchase_orders", schema=None) as batch_op:
        batch_op.drop_column("closed_short_by")
        batch_op.drop_column("closed_short_at")
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_column("short_quantity")
    with op.batch_alter_table("delivery_items", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_items_delivery_line")
        batch_op.drop_constraint(
            batch_op.f("fk_delivery_items_purchase_order_line_id_purchase_order_lines"),
            type_="foreignkey",
        )
        batch_op.drop_column("serial_numbers")
        batch_op.drop_column("over_receipt_confirmed")
        batch_op.drop_column("over_received")
        batch_op.drop_column("purchase_order_line_id")
        batch_op.drop_column("line_index")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_received_at"))
        batch_op.drop_column("close_short")
        batch_op.drop_column("note")
