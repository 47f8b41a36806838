"""The Alembic revisions shipped in ``store/migrations``: one head, a data-carrying
downgrade/upgrade round trip that ends exactly at the models' schema, a backup copy before a
SQLite file with data is upgraded, and a no-op start on a current database."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.records import MovementRequest
from possync_gui.store import migrate
from possync_gui.store import models as m
from possync_gui.store.database import Database, create_database, open_database
from possync_gui.store.ledger import apply_movements, ledger_mismatches


def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def _seed(db: Database, sku: str = "SKU-1") -> tuple[uuid.UUID, uuid.UUID]:
    """A product, a warehouse, and a stock level with its movement."""
    with db.session() as session:
        product = m.Product(id=uuid.uuid4(), sku=sku, name="Espresso machine")
        warehouse = m.Warehouse(id=uuid.uuid4(), code=f"WH-{sku}", name="Main")
        session.add_all([product, warehouse])
        session.flush()
        apply_movements(
            session,
            [MovementRequest(product.id, warehouse.id, 7, MovementReason.DELIVERY, "test")],
        )
    return product.id, warehouse.id


def _counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            cls.__tablename__: session.execute(select(func.count()).select_from(cls)).scalar_one()
            for cls in (m.Product, m.Warehouse, m.StockLevel, m.StockMovement)
        }


def _schema_differences(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), m.Base.metadata))


def test_one_head() -> None:
    assert len(_script().get_heads()) == 1


def test_round_trip_with_data(db_url: str, request: pytest.FixtureRequest) -> None:
    db = create_database(db_url)
    try:
        migrate.upgrade(db)
        assert migrate.current_revision(db) == migrate.head_revision(db)
        _seed(db)

        migrate.downgrade(db, "base")
        assert migrate.current_revision(db) is None
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}

        migrate.upgrade(db)
        assert migrate.current_revision(db) == migrate.head_revision(db)
        # The rebuilt schema holds data again.
        _seed(db)
        assert _counts(db) == {
            "products": 1,
            "warehouses": 1,
            "stock_levels": 1,
            "stock_movements": 1,
        }
        assert _schema_differences(db) == []
    finally:
        db.dispose()


_PROBE_REVISION = '''
"""test only: widen products.name, which SQLite can only do by rebuilding the table"""

import sqlalchemy as sa
from alembic import op

revision = "9999_probe"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("name", type_=sa.String(300), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("name", type_=sa.String(255), existing_nullable=False)
'''


@pytest.fixture
def newer_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shipped migrations plus one test-only revision on top, as a later release would
    ship them; the database under test is then at an older revision than the head."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = _script().get_current_head()
    (scripts / "versions" / "9999_probe.py").write_text(
        textwrap.dedent(_PROBE_REVISION).format(head=head)
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    assert head is not None
    return head


def test_upgrade_keeps_data_and_backs_up_sqlite(db_url: str, newer_release: str) -> None:
    old_head = newer_release
    db = open_database(db_url, migrate=False)
    try:
        migrate.upgrade(db, old_head)
        product_id, warehouse_id = _seed(db)
        before = _counts(db)

        migrate.upgrade(db)

        assert migrate.current_revision(db) == "9999_probe"
        # Rebuilding products must not cascade into the stock levels and movements.
        assert _counts(db) == before
        with db.session() as session:
            assert ledger_mismatches(session) == []
            level = session.execute(select(m.StockLevel)).scalar_one()
        assert (level.product_id, level.warehouse_id, level.on_hand) == (
            product_id,
            warehouse_id,
            7,
        )

        if db.backend != "sqlite":
            return
        path = Path(str(make_url(db_url).database))
        backup = path.with_name(f"{path.name}.bak-{old_head}")
        assert backup.is_file()
        # The copy is a whole database at the old revision, including the rows that were
        # still only in the write-ahead log when it was taken.
        with closing(sqlite3.connect(backup)) as copy:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [
                (old_head,)
            ]
            assert copy.execute("SELECT count(*) FROM stock_movements").fetchone() == (1,)
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.dispose()


def test_no_backup_when_upgrading_an_empty_sqlite_file(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    db.dispose()
    folder = Path(str(make_url(sqlite_url).database)).parent
    assert [p.name for p in folder.iterdir() if ".bak-" in p.name] == []


def test_opening_a_current_database_is_a_noop(db_url: str) -> None:
    db = open_database(db_url)
    try:
        _seed(db)
        revision = migrate.current_revision(db)
        before = _counts(db)
    finally:
        db.dispose()

    again = open_database(db_url)
    try:
        assert migrate.current_revision(again) == revision
        assert _counts(again) == before
    finally:
        again.dispose()
    if again.backend == "sqlite":
        folder = Path(str(make_url(db_url).database)).parent
        assert [p.name for p in folder.iterdir() if ".bak-" in p.name] == []
