"""change feed: PostgreSQL notifies 'possync_changes' when a table the tabs show changes

Revision ID: 0007_change_feed
Revises: 0006_conflict_history
Create Date: 2026-12-07 20:40:00

One statement-level trigger per table (not per row), so a sync batch writing 10,000 levels
sends one notification, and PostgreSQL folds identical payloads of one transaction into
one. The payload is ``<table> <application_name>``: each possync process connects under a
name of its own and ignores what it wrote itself. SQLite gets nothing: its desktops poll
``PRAGMA data_version``, and a trigger would only slow its bulk work.
"""

from __future__ import annotations

from alembic import op

revision = "0007_change_feed"
down_revision = "0006_conflict_history"
branch_labels = None
depends_on = None

CHANNEL = "possync_changes"
FUNCTION = "possync_notify_change"
#: The tables whose rows some tab shows (the change feed maps them to change events).
TABLES = (
    "products",
    "warehouses",
    "stock_levels",
    "stock_movements",
    "suppliers",
    "supplier_products",
    "stock_alerts",
    "auto_purchase_orders",
    "purchase_order_lines",
    "deliveries",
    "sync_conflicts",
    "sync_conflict_events",
    "pos_integrations",
    "integration_sync_log",
    "integration_health_checks",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(
                '{CHANNEL}',
                TG_TABLE_NAME || ' ' || coalesce(current_setting('application_name', true), '')
            );
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
