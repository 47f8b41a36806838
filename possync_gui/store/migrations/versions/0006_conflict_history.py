"""conflict history (sync_conflict_events); the resolution claim and base time on sync_conflicts

Revision ID: 0006_conflict_history
Revises: 0005_receiving
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_conflict_history"
down_revision = "0005_receiving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("base_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("pos_unverified", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "sync_conflict_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("conflict_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("pos_value", sa.Integer(), nullable=True),
        sa.Column("system_value", sa.Integer(), nullable=True),
        sa.Column("base_value", sa.Integer(), nullable=True),
        sa.Column("strategy", sa.String(length=20), nullable=True),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conflict_id"],
            ["sync_conflicts.id"],
            name=op.f("fk_sync_conflict_events_conflict_id_sync_conflicts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict_events")),
    )
    op.create_index(
        "ix_sync_conflict_events_conflict_at", "sync_conflict_events", ["conflict_id", "at"]
    )
    # Conflicts recorded before this revision get the one event their row can tell.
    op.execute(
        sa.text(
            "INSERT INTO sync_conflict_events (id, conflict_id, at, kind, pos_value, "
            "system_value, base_value, strategy, value, actor, note) "
            "SELECT id, id, detected_at, 'detected', pos_value, system_value, base_value, "
            "NULL, NULL, NULL, note FROM sync_conflicts"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_sync_conflict_events_conflict_at", table_name="sync_conflict_events")
    op.drop_table("sync_conflict_events")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_column("pos_unverified")
        batch_op.drop_column("base_at")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
