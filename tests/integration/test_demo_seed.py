"""The demo store seeder on SQLite and PostgreSQL: the shop it promises, and its refusals."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from possync_gui.domain.barcodes import is_valid_gtin, normalize_gtin
from possync_gui.domain.errors import PossyncError, ValidationError
from possync_gui.domain.records import StockStatus, stock_status
from possync_gui.store import models as m
from possync_gui.store.database import Database, open_database
from possync_gui.store.demo import DemoSummary, is_empty, seed_demo
from possync_gui.store.ledger import ledger_mismatches

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


def _seed(db: Database, **kwargs: object) -> DemoSummary:
    options: dict[str, object] = {"products": 120, "warehouses": 2, "history_days": 30}
    options.update(kwargs)
    return seed_demo(db, now=NOW, **options)  # type: ignore[arg-type]


def test_summary_counts_what_was_written(db: Database) -> None:
    summary = _seed(db)
    with db.session() as s:
        count = lambda model: s.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
        assert summary.products == count(m.Product) == 120
        assert summary.warehouses == count(m.Warehouse) == 2
        assert summary.stock_rows == count(m.StockLevel) == 240
        assert summary.movements == count(m.StockMovement) > 240
        assert summary.sales_rows == count(m.SalesDaily) > 0
        assert summary.suppliers == count(m.Supplier) == 4


def test_warehouses_and_suppliers_use_the_seeds_codes(db: Database) -> None:
    _seed(db, warehouses=3)
    with db.session() as s:
        warehouses = s.execute(select(m.Warehouse.code, m.Warehouse.name)).all()
        suppliers = set(s.execute(select(m.Supplier.code)).scalars())
    assert sorted(warehouses) == [
        ("main-warehouse", "Main Warehouse"),
        ("store-front", "Store Front"),
        ("wh-03", "Warehouse 3"),
    ]
    assert len(suppliers) == 4
    assert {"supplier-abc", "supplier-northwind"} <= suppliers


def test_products_look_like_a_real_catalog(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        products = s.execute(select(m.Product)).scalars().all()
    barcodes = [p.barcode for p in products]
    assert all(b is not None and len(b) == 13 and is_valid_gtin(b) for b in barcodes)
    assert len(set(barcodes)) == len(barcodes)
    assert all(p.gtin == normalize_gtin(p.barcode or "") for p in products)
    assert all(re.fullmatch(r"(HW|HH|EL|GR|AP)-\d{6}", p.sku) for p in products)
    assert all(len(p.name.split()) >= 2 for p in products)
    assert all(p.unit_cost is not None and p.unit_cost.as_tuple().exponent == -2 for p in products)
    assert any(p.is_serialized for p in products)
    high_value = [p for p in products if p.review_policy == "manual"]
    assert high_value, "some products are high-value"
    assert all(p.unit_cost is not None and p.unit_cost >= 500 for p in high_value)
    assert all(p.review_policy == "manual" for p in products if (p.unit_cost or 0) >= 500)
    assert any(p.reorder_point is not None for p in products)
    assert any(p.reorder_point is None for p in products)
    assert all(p.minimum_stock >= 1 and (p.reorder_quantity or 0) >= 1 for p in products)
    assert all((p.max_stock or 0) > p.minimum_stock for p in products)


def test_supplier_terms_are_sane(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        offers = s.execute(
            select(m.SupplierProduct, m.Product.unit_cost).join(
                m.Product, m.Product.id == m.SupplierProduct.product_id
            )
        ).all()
        product_ids = set(s.execute(select(m.Product.id)).scalars())
    preferred: Counter[object] = Counter()
    offered: Counter[object] = Counter()
    for offer, product_cost in offers:
        assert isinstance(offer.unit_cost, Decimal)
        assert offer.unit_cost.as_tuple().exponent == -2
        assert Decimal("0.01") <= offer.unit_cost < product_cost
        assert 2 <= offer.lead_time_days <= 21
        assert offer.pack_size in {1, 6, 12, 24}
        assert offer.min_order_qty >= 1
        offered[offer.product_id] += 1
        preferred[offer.product_id] += offer.is_preferred
    assert all(n == 1 for n in preferred.values()), "never two preferred suppliers"
    assert any(n == 2 for n in offered.values()), "some products have a second supplier"
    assert product_ids - set(offered), "some products have no supplier at all"


def test_sales_history_peaks_at_weekends(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        days = s.execute(
            select(m.SalesDaily.day, func.sum(m.SalesDaily.quantity)).group_by(m.SalesDaily.day)
        ).all()
        assert s.execute(select(func.min(m.SalesDaily.quantity))).scalar_one() > 0
    totals: dict[bool, list[int]] = defaultdict(list)
    for day, total in days:
        assert day < NOW.date()
        totals[day.weekday() >= 5].append(int(total))
    weekend = sum(totals[True]) / len(totals[True])
    weekday = sum(totals[False]) / len(totals[False])
    # Weekends run about 50% above weekdays; a flat week lands within a few % of 1.0.
    assert weekend > weekday * 1.2


def test_ledger_explains_every_stock_level(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        assert ledger_mismatches(s) == []
        reasons = Counter(s.execute(select(m.StockMovement.reason)).scalars())
        movements = s.execute(select(m.StockMovement)).scalars().all()
        references = set(s.execute(select(m.Delivery.external_id)).scalars())
    assert {"opening", "sale", "delivery"} <= set(reasons)
    assert all(mv.actor == "demo" and mv.at < NOW and mv.at.tzinfo is not None for mv in movements)
    sales = [mv for mv in movements if mv.reason == "sale"]
    assert all(mv.delta < 0 and re.fullmatch(r"demo-sales-\d{4}-\d\d-\d\d", mv.reference or "")
               for mv in sales)  # fmt: skip
    deliveries = [mv for mv in movements if mv.reason == "delivery"]
    assert all(mv.delta > 0 and mv.reference in references for mv in deliveries)
    assert "DEL-DEMO-0001" in references


def test_stock_levels_show_a_mix_of_statuses(db: Database) -> None:
    _seed(db, products=300)
    with db.session() as s:
        rows = s.execute(
            select(m.StockLevel.on_hand, m.Product.minimum_stock, m.Product.reorder_point).join(
                m.Product, m.Product.id == m.StockLevel.product_id
            )
        ).all()
    statuses = Counter(stock_status(*row) for row in rows)
    assert statuses[StockStatus.OUT] > 0
    assert statuses[StockStatus.LOW] > statuses[StockStatus.OUT]
    assert statuses[StockStatus.OK] > len(rows) / 2
    assert all(on_hand >= 0 for on_hand, _, _ in rows)


def test_demo_pos_integration_and_mappings(db: Database) -> None:
    _seed(db)
    with db.session() as s:
        pos = s.execute(select(m.POSIntegration)).scalar_one()
        store_front = s.execute(
            select(m.Warehouse.id).where(m.Warehouse.code == "store-front")
        ).scalar_one()
        mappings = s.execute(
            select(m.POSMapping, m.Product.sku, m.StockLevel.on_hand)
            .join(m.Product, m.Product.id == m.POSMapping.product_id)
            .join(
                m.StockLevel,
                (m.StockLevel.product_id == m.POSMapping.product_id)
                & (m.StockLevel.warehouse_id == m.POSMapping.warehouse_id),
            )
        ).all()
    assert (pos.type, pos.external_key, pos.name) == ("demo", "pos-demo", "Demo POS")
    assert (pos.status, pos.sync_frequency) == ("active", "real_time")
    assert pos.configuration == {
        "baseUrl": "demo://store",
        "locationMap": {"demo-loc-1": "store-front"},
    }
    assert pos.sync_settings == {
        "syncInventory": True,
        "syncSales": True,
        "syncCustomers": False,
        "syncProducts": True,
        "autoCreatePurchaseOrders": False,
        "stockAlertThreshold": 0.2,
        "reorderPointMultiplier": 1.5,
        "conflictResolution": "manual_review",
    }
    assert len(mappings) == 120
    for mapping, sku, on_hand in mappings:
        assert mapping.warehouse_id == store_front
        assert mapping.external_item_id == f"demo-item-{sku}"
        assert mapping.external_location_id == "demo-loc-1"
        assert mapping.last_synced_quantity == on_hand


def test_single_warehouse_store_sells_from_it(db: Database) -> None:
    _seed(db, products=20, warehouses=1)
    with db.session() as s:
        pos = s.execute(select(m.POSIntegration)).scalar_one()
    assert pos.configuration["locationMap"] == {"demo-loc-1": "main-warehouse"}


def test_large_store_keeps_history_to_the_first_products(db: Database) -> None:
    _seed(db, products=60, full_history_products=10)
    with db.session() as s:
        assert ledger_mismatches(s) == []
        skus_with_sales = set(
            s.execute(
                select(m.Product.sku).join(m.SalesDaily, m.SalesDaily.product_id == m.Product.id)
            ).scalars()
        )
        tail = s.execute(select(m.Product).where(m.Product.sku.not_in(skus_with_sales))).scalars()
        tail_reasons = set(
            s.execute(
                select(m.StockMovement.reason)
                .join(m.Product, m.Product.id == m.StockMovement.product_id)
                .where(m.Product.sku.not_in(skus_with_sales))
            ).scalars()
        )
        mapped = s.execute(select(func.count()).select_from(m.POSMapping)).scalar_one()
        assert all(p.reorder_point is not None for p in tail), "judged without history"
    assert 0 < len(skus_with_sales) <= 10
    assert tail_reasons == {"opening"}
    assert mapped == 10


def test_same_seed_gives_the_same_store(db: Database, tmp_path: Path) -> None:
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        _seed(db, seed=7)
        _seed(other, seed=7)
        shop = [_shop(db), _shop(other)]
    finally:
        other.dispose()
    assert shop[0] == shop[1]


def _shop(db: Database) -> list[tuple[object, ...]]:
    with db.session() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(
                    m.Product.sku,
                    m.Product.name,
                    m.Product.barcode,
                    m.Product.unit_cost,
                    m.Warehouse.code,
                    m.StockLevel.on_hand,
                )  # fmt: skip
                .join(m.StockLevel, m.StockLevel.product_id == m.Product.id)
                .join(m.Warehouse, m.Warehouse.id == m.StockLevel.warehouse_id)
                .order_by(m.Product.sku, m.Warehouse.code)
            )
        ]


def test_seeding_twice_is_refused_and_changes_nothing(db: Database) -> None:
    _seed(db, products=30)
    before = _shop(db)
    with pytest.raises(ValidationError, match="already holds 30 products"):
        _seed(db, products=30, seed=1)
    assert _shop(db) == before


def test_demo_codes_already_in_use_are_refused(db: Database) -> None:
    with db.session() as s:
        s.add(m.Warehouse(code="store-front", name="Our shop"))
    with pytest.raises(ValidationError, match="store-front"):
        _seed(db, products=10)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(m.Warehouse)).scalar_one() == 1


def test_cancel_leaves_the_database_empty(db: Database) -> None:
    asked = Counter[str]()

    def cancel() -> bool:
        asked["cancel"] += 1
        return asked["cancel"] >= 3  # after the warehouses and the first products are written

    with pytest.raises(PossyncError, match="Seeding cancelled"):
        _seed(db, cancel=cancel)
    with db.session() as s:
        assert is_empty(s)
        for model in (m.Warehouse, m.Supplier, m.StockLevel, m.StockMovement, m.POSIntegration):
            assert s.execute(select(func.count()).select_from(model)).scalar_one() == 0


def test_progress_reports_every_phase(db: Database) -> None:
    calls: list[tuple[str, int, int]] = []
    _seed(db, progress=lambda phase, done, total: calls.append((phase, done, total)))
    phases = [phase for phase, _, _ in calls]
    assert phases[0] == "Creating warehouses and suppliers"
    assert ("Creating products and stock", 120, 120) in calls
    assert phases[-1] == "Saving"
    assert all(0 <= done <= total for _, done, total in calls)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"products": 0}, "1 to"),
        ({"warehouses": 0}, "warehouses"),
        ({"history_days": -1}, "history"),
    ],
)
def test_out_of_range_sizes_are_refused(
    db: Database, options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _seed(db, **options)
    with db.session() as s:
        assert is_empty(s)


def test_naive_now_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="time zone"):
        seed_demo(db, products=5, now=datetime(2026, 11, 25, 10, 0))  # noqa: DTZ001
