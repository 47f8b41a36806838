"""Every table of the model stores a row and gives it back with the house types (DESIGN.md §3):
UUID ids, exact Decimal money, aware UTC timestamps, JSON that keeps its nesting; and the
constraints a user relies on (unique SKU, one level per product and warehouse, one serial per
product, foreign keys) hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, Uuid, select
from sqlalchemy.exc import IntegrityError, StatementError

from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.types import Money, UTCDateTime

IST = timezone(timedelta(hours=5, minutes=30))
#: An aware time off UTC, with microseconds: it must come back as the same instant, in UTC.
T_IST = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=IST)
T_UTC = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)

NESTED_CONFIG = {
    "location_ids": ["L1", "L2"],
    "options": {"batch": 50, "nested": {"deep": [1, 2.5, {"x": None, "ok": True}]}},
    "label": "Café Ünïcode",
}


def _ids() -> dict[str, uuid.UUID]:
    names = (
        "product warehouse level movement supplier supplier_product integration "
        "mapping alert po line delivery item serial conflict log health push conflict_event"
    )
    return {name: uuid.uuid4() for name in names.split()}


def _rows(i: dict[str, uuid.UUID]) -> list[m.Base]:
    """One fully populated row per table, parents first; every nullable column has a value."""
    return [
        m.Product(
            id=i["product"], sku="SKU-1", name="Espresso machine", barcode="4006381333931",
            gtin="04006381333931", unit="each", is_serialized=True, minimum_stock=2,
            reorder_point=5, reorder_quantity=10, max_stock=40, review_policy="manual",
            unit_cost=Decimal("1234567890.12"), created_at=T_IST, updated_at=T_UTC,
        ),
        m.Warehouse(id=i["warehouse"], code="MAIN", name="Main store", created_at=T_UTC),
        m.StockLevel(
            id=i["level"], product_id=i["product"], warehouse_id=i["warehouse"], on_hand=-3,
            version=7, updated_at=T_IST,
        ),
        m.StockMovement(
            id=i["movement"], product_id=i["product"], warehouse_id=i["warehouse"], delta=-3,
            reason="sale", reference="order-17", actor="till 2", note="weekend rush", at=T_IST,
        ),
        m.SalesDaily(
            product_id=i["product"], warehouse_id=i["warehouse"], day=date(2025, 2, 28),
            quantity=12,
        ),
        m.Supplier(
            id=i["supplier"], code="ACME", name="Acme Ltd", email="orders@acme.test",
            phone="+44 20 0000 0000", currency="GBP", created_at=T_UTC,
        ),
        m.SupplierProduct(
            id=i["supplier_product"], supplier_id=i["supplier"], product_id=i["product"],
            supplier_sku="AC-9", unit_cost=Decimal("0.01"), lead_time_days=3, min_order_qty=6,
            pack_size=6, is_preferred=True,
        ),
        m.POSIntegration(
            id=i["integration"], external_key="pos-square-main", name="Square", type="square",
            configuration=NESTED_CONFIG, status="active", sync_frequency="hourly",
            sync_settings={"push": {"enabled": False, "warehouses": ["MAIN"]}},
            sync_cursor="cursor:42", last_sync_at=T_IST, created_at=T_UTC,
        ),
        m.POSMapping(
            id=i["mapping"], integration_id=i["integration"], product_id=i["product"],
            warehouse_id=i["warehouse"], external_item_id="ITEM-1", external_location_id="LOC-1",
            last_synced_quantity=4, last_synced_at=T_UTC,
        ),
        m.PurchaseOrder(
            id=i["po"], order_number="PO-0001", supplier_id=i["supplier"],
            warehouse_id=i["warehouse"], total_amount=Decimal("9999999999.99"), status="draft",
            automation_reason="below reorder point", trigger_type="alert",
            stock_alert_ids=[str(i["alert"]), {"note": ["kept", 1]}], created_by="system",
            approved_by="manager", approved_at=T_IST, rejected_reason="n/a", sent_at=T_UTC,
            created_at=T_UTC, updated_at=T_IST, closed_short_at=T_IST, closed_short_by="Sam",
        ),
        m.StockAlert(
            id=i["alert"], product_id=i["product"], warehouse_id=i["warehouse"],
            product_name="Espresso machine", product_code="SKU-1", current_stock=1,
            minimum_stock=2, reorder_point=5, reorder_quantity=10, on_order=6,
            preferred_supplier_id=i["supplier"], urgency_level="high", status="ordered",
            details={"terms": {"lead_time_days": 3, "avg_daily_sales": "1.5"}},
            dismissed_reason="none", snoozed_until=T_IST, purchase_order_id=i["po"],
            created_at=T_UTC, updated_at=T_UTC, resolved_at=T_IST,
        ),
        m.PurchaseOrderLine(
            id=i["line"], purchase_order_id=i["po"], product_id=i["product"], quantity=12,
            unit_cost=Decimal("15.99"), received_quantity=6, short_quantity=6,
        ),
        m.Delivery(
            id=i["delivery"], external_id="DEL-1", supplier_id=i["supplier"],
            warehouse_id=i["warehouse"], purchase_order_id=i["po"], received_by="Sam",
            received_at=T_IST, created_at=T_UTC, note="pallet 2 of 2", close_short=True,
        ),
        m.DeliveryItem(
            id=i["item"], delivery_id=i["delivery"], product_id=i["product"],
            product_code="SKU-1", quantity_received=6, unit_cost=Decimal("15.99"), lot="LOT-7",
            expiry=date(2027, 12, 31), status="rejected", error="damaged in transit",
            line_index=3, purchase_order_line_id=i["line"], over_received=2,
            over_receipt_confirmed=True, serial_numbers=["SN-0001", "SN-0002"],
        ),
        m.SerialNumber(
            id=i["serial"], product_id=i["product"], serial="SN-0001",
            warehouse_id=i["warehouse"], delivery_id=i["delivery"], status="in_stock",
            created_at=T_IST,
        ),
        m.SyncConflict(
            id=i["conflict"], integration_id=i["integration"], product_id=i["product"],
            warehouse_id=i["warehouse"], pos_value=3, system_value=5, base_value=4,
            detected_at=T_IST, status="resolved", strategy="manual_review", resolved_value=4,
            resolved_by="manager", resolved_at=T_UTC, note="counted by hand",
            claimed_by="desk-2:77", claimed_at=T_IST, pos_unverified=True, base_at=T_UTC,
        ),
        m.SyncConflictEvent(
            id=i["conflict_event"], conflict_id=i["conflict"], at=T_IST, kind="resolved",
            pos_value=3, system_value=5, base_value=4, strategy="set", value=4,
            actor="manager", note="counted by hand",
        ),
        m.IntegrationSyncLog(
            id=i["log"], integration_id=i["integration"], integration_type="square",
            sync_type="incremental", status="partial", records_processed=10, errors_count=1,
            error_details=[{"sku": "SKU-9", "error": "unknown item"}],
            summary={"pulled": 9, "pushed": 0, "conflicts": {"open": 1}},
            started_at=T_IST, completed_at=T_UTC,
        ),
        m.IntegrationHealthCheck(
            id=i["health"], integration_id=i["integration"], at=T_IST, status="down",
            response_time_ms=1500, error="timeout",
        ),
        m.SyncLock(
            integration_id=i["integration"], owner="desk-1:4242", acquired_at=T_IST,
            heartbeat_at=T_UTC,
        ),
        m.AppSetting(key="po_approval_threshold", value={"amount": "500.00", "tiers": [1, 2]}),
        m.PendingPush(
            id=i["push"], integration_id=i["integration"], mapping_id=i["mapping"],
            external_item_id="VAR-1", external_location_id="LOC-1", delta=-3, new_base=7,
            idempotency_key="key-1", occurred_at=T_IST, reference="run-1", attempts=1,
            last_error="timeout", created_at=T_UTC,
        ),
        m.DemoPOSStock(
            integration_id=i["integration"], external_item_id="VAR-1", location_id="LOC-1",
            quantity=12, updated_at=T_IST, applied_keys=["key-0"],
        ),
        m.DemoPOSTill(integration_id=i["integration"], simulated_until=T_IST),
        m.DemoPOSSale(
            integration_id=i["integration"], day=date(2025, 2, 28), external_item_id="VAR-1",
            location_id="LOC-1", quantity=4,
        ),
    ]  # fmt: skip


def _assert_type(column: Any, value: Any) -> None:
    """The Python type a column's value must come back as."""
    col_type = column.type
    if isinstance(col_type, Uuid):
        assert isinstance(value, uuid.UUID)
    elif isinstance(col_type, Money):
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2, value
    elif isinstance(col_type, UTCDateTime):
        assert isinstance(value, datetime)
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    elif isinstance(col_type, JSON):
        assert isinstance(value, dict | list)
    elif isinstance(col_type, Date):
        assert type(value) is date
    elif isinstance(col_type, Boolean):
        assert isinstance(value, bool)
    elif isinstance(col_type, Integer):
        assert type(value) is int
    elif isinstance(col_type, String | Text):
        assert isinstance(value, str)
    else:  # a new column type: say here what it must come back as
        pytest.fail(f"no expectation for {column.table.name}.{column.name}: {col_type!r}")


def test_every_table_round_trips_with_house_types(db: Database) -> None:
    rows = _rows(_ids())
    assert {type(r).__table__.name for r in rows} == set(m.Base.metadata.tables), (
        "a table of the model has no row in this test"
    )
    expected = [
        (
            type(r),
            tuple(r.__mapper__.primary_key_from_instance(r)),
            {attr.key: getattr(r, attr.key) for attr in r.__mapper__.column_attrs},
        )
        for r in rows
    ]
    with db.session() as session:
        for row in rows:  # no relationship() tells the ORM the order, so flush parents first
            session.add(row)
            session.flush()

    with db.session() as session:
        for cls, pk, values in expected:
            got = session.get(cls, pk)
            assert got is not None, cls.__name__
            for attr in got.__mapper__.column_attrs:
                column = attr.columns[0]
                value = getattr(got, attr.key)
                where = f"{cls.__tablename__}.{attr.key}"
                assert value is not None, f"{where} came back NULL"
                assert value == values[attr.key], where
                _assert_type(column, value)


@pytest.mark.parametrize("amount", ["15.99", "1234567890.12", "0.10", "9999999999.99"])
def test_money_is_exact_decimal(db: Database, amount: str) -> None:
    with db.session() as session:
        session.add(m.Product(sku="P", name="P", unit_cost=Decimal(amount)))
    with db.session() as session:
        cost = session.execute(select(m.Product.unit_cost)).scalar_one()
    assert isinstance(cost, Decimal)
    assert str(cost) == amount


def test_float_money_is_refused(db: Database) -> None:
    with pytest.raises(StatementError) as info, db.session() as session:
        session.add(m.Product(sku="P", name="P", unit_cost=15.99))
    assert isinstance(info.value.orig, TypeError)
    with db.session() as session:
        assert session.execute(select(m.Product)).first() is None


def test_timestamps_come_back_aware_utc(db: Database) -> None:
    with db.session() as session:
        session.add(m.Warehouse(code="W", name="W", created_at=T_IST))
    with db.session() as session:
        created = session.execute(select(m.Warehouse.created_at)).scalar_one()
    assert created == T_IST
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert created.hour == 3  # 09:26 at +05:30 is 03:56 UTC


def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(StatementError) as info, db.session() as session:
        session.add(m.Warehouse(code="W", name="W", created_at=datetime(2025, 1, 1, 12, 0)))
    assert isinstance(info.value.orig, ValueError)
    assert "naive" in str(info.value.orig)


def test_default_ids_and_timestamps(db: Database) -> None:
    before = datetime.now(UTC)
    with db.session() as session:
        session.add(m.Warehouse(code="W", name="W"))
    with db.session() as session:
        wh_id, created = session.execute(select(m.Warehouse.id, m.Warehouse.created_at)).one()
    assert isinstance(wh_id, uuid.UUID)
    assert created.utcoffset() == timedelta(0)
    assert created >= before - timedelta(seconds=1)


def _product_and_warehouse(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with db.session() as session:
        product = m.Product(id=uuid.uuid4(), sku="SKU-1", name="One")
        warehouse = m.Warehouse(id=uuid.uuid4(), code="MAIN", name="Main")
        session.add_all([product, warehouse])
    return product.id, warehouse.id


def test_duplicate_sku_is_refused(db: Database) -> None:
    _product_and_warehouse(db)
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(m.Product(sku="SKU-1", name="Another"))


def test_one_stock_level_per_product_and_warehouse(db: Database) -> None:
    product_id, warehouse_id = _product_and_warehouse(db)
    with db.session() as session:
        session.add(m.StockLevel(product_id=product_id, warehouse_id=warehouse_id, on_hand=1))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(m.StockLevel(product_id=product_id, warehouse_id=warehouse_id, on_hand=2))
    with db.session() as session:
        assert session.execute(select(m.StockLevel.on_hand)).scalars().all() == [1]


def test_serial_unique_per_product_only(db: Database) -> None:
    product_id, warehouse_id = _product_and_warehouse(db)
    with db.session() as session:
        other = m.Product(id=uuid.uuid4(), sku="SKU-2", name="Two")
        session.add(other)
        session.flush()
        session.add_all(
            [
                m.SerialNumber(product_id=product_id, serial="SN-1", warehouse_id=warehouse_id),
                # The same serial on another product is a different item.
                m.SerialNumber(product_id=other.id, serial="SN-1", warehouse_id=warehouse_id),
            ]
        )
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(m.SerialNumber(product_id=product_id, serial="SN-1", warehouse_id=warehouse_id))


def test_foreign_keys_are_enforced(db: Database) -> None:
    _, warehouse_id = _product_and_warehouse(db)
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(m.StockLevel(product_id=uuid.uuid4(), warehouse_id=warehouse_id))
    with db.session() as session:
        assert session.execute(select(m.StockLevel)).first() is None


def test_sqlite_connections_are_configured(sqlite_db: Database) -> None:
    # Two connections at once, so both come from the connect hook rather than one reused.
    with sqlite_db.engine.connect() as first, sqlite_db.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
