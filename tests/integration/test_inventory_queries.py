"""The Inventory list and detail reads (store.inventory) over a small store built with bulk
inserts: windowed paging in every sort order (including the pages read from the far end),
the warehouse, status and text filters, product look-up by any code, and the detail panel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

import pytest
from sqlalchemy import insert

from possync_gui.domain.barcodes import make_ean13, normalize_gtin
from possync_gui.domain.enums import MovementReason, StockStatus
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.records import InventoryQuery, MovementRequest, stock_status
from possync_gui.store import inventory
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements, ledger_mismatches

BASE = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
ADJECTIVES = ("Amber", "Blue", "Coral", "Dune", "Ebony", "Frost")
ON_HAND = (0, 1, 2, 3, 5, 8, 13, 40, -2, 6, 100, 4)
PRODUCTS = 30
STOCKED_WAREHOUSES = ("CEN", "EST", "WST")
STATUS_RANK = {StockStatus.OUT: 0, StockStatus.LOW: 1, StockStatus.OK: 2}


@dataclass(frozen=True)
class Item:
    """One product as inserted, with what the tests expect to find by it."""

    n: int
    id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    minimum_stock: int
    reorder_point: int | None


@dataclass(frozen=True)
class Level:
    id: uuid.UUID
    item: Item
    warehouse_id: uuid.UUID
    warehouse_code: str
    on_hand: int
    updated_at: datetime

    @property
    def status(self) -> StockStatus:
        return stock_status(self.on_hand, self.item.minimum_stock, self.item.reorder_point)


@dataclass(frozen=True)
class Store:
    items: list[Item]
    levels: list[Level]
    warehouses: dict[str, uuid.UUID]


def _barcode(n: int) -> str | None:
    if n % 10 == 9:
        return None
    if n % 2 == 0:  # starts with 0: also scannable as a 12-digit UPC-A
        return make_ean13(f"0{61414100000 + n:011d}")
    return make_ean13(f"400638{n:06d}")


def _items() -> list[Item]:
    return [
        Item(
            n=n,
            id=uuid.uuid4(),
            sku=f"SKU-{n:03d}",
            # Name order differs from SKU order, and every adjective is capitalised.
            name=f"{ADJECTIVES[n * 7 % 5]} widget {PRODUCTS - 1 - n:02d}",
            barcode=_barcode(n),
            minimum_stock=n % 4,
            reorder_point=None if n % 3 == 0 else 5 + n % 5,
        )
        for n in range(PRODUCTS)
    ]


@pytest.fixture
def store(db: Database) -> Store:
    """30 products × 3 stocked warehouses (a few pairs never stocked) and one empty warehouse,
    each level opened by a movement so the ledger holds."""
    items = _items()
    warehouses = {code: uuid.uuid4() for code in (*STOCKED_WAREHOUSES, "NEW")}
    levels = [
        Level(
            id=uuid.uuid4(),
            item=item,
            warehouse_id=warehouses[code],
            warehouse_code=code,
            on_hand=ON_HAND[(item.n * 3 + w * 5) % len(ON_HAND)],
            # Some equal timestamps, so ties are broken by the level id.
            updated_at=BASE + timedelta(minutes=(item.n * 7 + w * 13) % 50),
        )
        for item in items
        for w, code in enumerate(STOCKED_WAREHOUSES)
        if (item.n + w) % 11 != 0
    ]
    with db.session() as session:
        session.execute(
            insert(m.Warehouse.__table__),
            [
                {"id": wid, "code": code, "name": f"{code} store"}
                for code, wid in warehouses.items()
            ],
        )
        session.execute(
            insert(m.Product.__table__),
            [
                {
                    "id": i.id,
                    "sku": i.sku,
                    "name": i.name,
                    "barcode": i.barcode,
                    "gtin": normalize_gtin(i.barcode) if i.barcode else None,
                    "is_serialized": i.n % 7 == 0,
                    "minimum_stock": i.minimum_stock,
                    "reorder_point": i.reorder_point,
                    "unit_cost": Decimal(f"{i.n}.99"),
                }
                for i in items
            ],
        )
        session.execute(
            insert(m.StockLevel.__table__),
            [
                {
                    "id": lv.id,
                    "product_id": lv.item.id,
                    "warehouse_id": lv.warehouse_id,
                    "on_hand": lv.on_hand,
                    "version": 1,
                    "updated_at": lv.updated_at,
                }
                for lv in levels
            ],
        )
        session.execute(
            insert(m.StockMovement.__table__),
            [
                {
                    "product_id": lv.item.id,
                    "warehouse_id": lv.warehouse_id,
                    "delta": lv.on_hand,
                    "reason": MovementReason.OPENING.value,
                    "actor": "import",
                    "at": BASE - timedelta(days=1, minutes=k),
                }
                for k, lv in enumerate(levels)
                if lv.on_hand != 0
            ],
        )
        assert ledger_mismatches(session) == []
    return Store(items, levels, warehouses)


def _sort_key(column: str, lv: Level, backend: str) -> tuple[Any, ...]:
    value: Any = {
        "sku": lv.item.sku,
        "name": lv.item.name,
        "barcode": lv.item.barcode,
        "warehouse": lv.warehouse_code,
        "on_hand": lv.on_hand,
        "minimum_stock": lv.item.minimum_stock,
        "reorder_point": lv.item.reorder_point,
        "status": STATUS_RANK[lv.status],
        "updated_at": lv.updated_at,
    }[column]
    # PostgreSQL sorts NULL after every value, SQLite before: the list follows its database.
    null_rank = (1 if backend == "postgresql" else -1) if value is None else 0
    # ties are broken by (SKU, warehouse), which is unique per level
    return (null_rank, value, lv.item.sku, lv.warehouse_id)


def _expected(store: Store, query: InventoryQuery, backend: str) -> list[tuple[uuid.UUID, ...]]:
    rows = sorted(
        (lv for lv in store.levels if _matches(lv, query)),
        key=lambda lv: _sort_key(query.sort_column, lv, backend),
        reverse=query.descending,
    )
    return [(lv.item.id, lv.warehouse_id) for lv in rows]


def _matches(lv: Level, query: InventoryQuery) -> bool:
    if query.warehouse_id is not None and lv.warehouse_id != query.warehouse_id:
        return False
    return query.status is None or lv.status is query.status


def _page_through(db: Database, query: InventoryQuery, size: int = 7) -> list[Any]:
    with db.session() as session:
        total = inventory.count_stock(session, query)
        rows: list[Any] = []
        for offset in range(0, total, size):
            page = inventory.stock_page(session, query, offset, size, total)
            assert len(page) == min(size, total - offset)
            rows.extend(page)
        assert inventory.stock_page(session, query, total, size, total) == []
    return rows


def _pairs(rows: list[Any]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    return [(r.product_id, r.warehouse_id) for r in rows]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_paging_yields_every_row_once_in_order(
    db: Database, store: Store, descending: bool
) -> None:
    wrong = []
    for column in inventory.SORT_COLUMNS:
        query = InventoryQuery(sort_column=column, descending=descending)
        if _pairs(_page_through(db, query)) != _expected(store, query, db.backend):
            wrong.append(column)
    assert wrong == [], "pages out of order or with rows missing/repeated"


def test_rows_carry_the_stored_values(db: Database, store: Store) -> None:
    rows = _page_through(db, InventoryQuery(sort_column="name", descending=True))
    by_pair = {(lv.item.id, lv.warehouse_id): lv for lv in store.levels}
    assert len(rows) == len(by_pair)
    for row in rows:
        lv = by_pair[(row.product_id, row.warehouse_id)]
        assert (row.sku, row.name, row.barcode, row.warehouse_code, row.on_hand) == (
            lv.item.sku,
            lv.item.name,
            lv.item.barcode,
            lv.warehouse_code,
            lv.on_hand,
        )
        assert (row.minimum_stock, row.reorder_point) == (
            lv.item.minimum_stock,
            lv.item.reorder_point,
        )
        assert row.is_serialized is (lv.item.n % 7 == 0)
        assert row.status is lv.status
        assert row.updated_at == lv.updated_at


def test_page_without_a_known_total(db: Database, store: Store) -> None:
    query = InventoryQuery(sort_column="on_hand", descending=True)
    expected = _expected(store, query, db.backend)
    with db.session() as session:
        deep = inventory.stock_page(session, query, len(expected) - 10, 7)
        first = inventory.stock_page(session, query, 0, 7)
    assert _pairs(first) == expected[:7]
    assert _pairs(deep) == expected[-10:-3]


def test_unknown_sort_column_is_refused(db: Database) -> None:
    with db.session() as session, pytest.raises(ValidationError):
        inventory.stock_page(session, InventoryQuery(sort_column="price; drop"), 0, 10)


def test_warehouse_and_status_filters(db: Database, store: Store) -> None:
    wrong = []
    for warehouse in (None, "EST", "NEW"):
        for status in (None, *StockStatus):
            query = InventoryQuery(
                warehouse_id=store.warehouses[warehouse] if warehouse else None, status=status
            )
            expected = _expected(store, query, db.backend)
            # Every combination has rows, except the warehouse that was never stocked.
            assert bool(expected) is (warehouse != "NEW"), (warehouse, status)
            rows = _page_through(db, query)
            if _pairs(rows) != expected or any(
                status is not None and r.status is not status for r in rows
            ):
                wrong.append((warehouse, status))
    assert wrong == []


def _items_for_text(store: Store, text: str) -> set[int]:
    """Which products a search should list, written out per case."""
    by_n = {i.n: i for i in store.items}
    odd_coded = {n for n, i in by_n.items() if n % 2 and i.barcode}
    cases: dict[str, set[int]] = {
        "SKU-01": set(range(10, 20)),
        "sku-01": set(range(10, 20)),
        "aMbEr": {n for n, i in by_n.items() if i.name.startswith("Amber")},
        "WIDGET 0": set(range(20, 30)),  # names end "widget 09" … "widget 00"
        "400638": odd_coded,  # a barcode prefix
        "_": set(),  # LIKE wildcards are taken literally
        "%": set(),
        "no such thing": set(),
    }
    if text in cases:
        return cases[text]
    return {
        i.n for i in store.items if i.barcode and normalize_gtin(text) == normalize_gtin(i.barcode)
    }


def _codes(store: Store) -> list[str]:
    even, odd = store.items[4].barcode, store.items[5].barcode
    assert even and odd and even.startswith("0")
    return [even, even[1:], "0" + even, odd, "0" + odd]  # EAN-13, UPC-A, GTIN-14


def test_text_filter(db: Database, store: Store) -> None:
    for text in ("SKU-01", "sku-01", "aMbEr", "WIDGET 0", "400638", "_", "%", "no such thing"):
        _check_text(db, store, text)


def test_text_filter_by_any_barcode_form(db: Database, store: Store) -> None:
    for code in _codes(store):
        found = _check_text(db, store, code)
        assert len(found) == 1, code


def _check_text(db: Database, store: Store, text: str) -> set[int]:
    wanted = _items_for_text(store, text)
    query = InventoryQuery(text=text)
    rows = _page_through(db, query)
    expected = sorted(
        (lv for lv in store.levels if lv.item.n in wanted),
        key=lambda lv: _sort_key("sku", lv, db.backend),
    )
    assert _pairs(rows) == [(lv.item.id, lv.warehouse_id) for lv in expected], text
    return {lv.item.n for lv in expected}


def test_find_product_by_any_code(db: Database, store: Store) -> None:
    even, odd = store.items[4], store.items[5]
    assert even.barcode and odd.barcode
    lookups = {
        even.sku: even,
        f"  {odd.sku}  ": odd,
        odd.barcode: odd,
        "0" + odd.barcode: odd,  # GTIN-14
        even.barcode[1:]: even,  # UPC-A
        str(even.id): even,
        even.id.hex: even,
    }
    with db.session() as session:
        for code, item in lookups.items():
            found = inventory.find_product(session, code)
            assert found is not None, code
            assert (found.id, found.sku, found.name) == (item.id, item.sku, item.name), code
            assert found.unit_cost == Decimal(f"{item.n}.99")
        for unknown in ("SKU-999", str(uuid.uuid4()), make_ean13("999999999999"), "", "   "):
            assert inventory.find_product(session, unknown) is None, unknown


def test_product_detail(db: Database, store: Store) -> None:
    item = store.items[10]  # never stocked in EST, and nothing anywhere in NEW
    with db.session() as session:
        supplier = m.Supplier(id=uuid.uuid4(), code="ACME", name="Acme")
        session.add(supplier)
        session.flush()
        session.add(
            m.SupplierProduct(
                supplier_id=supplier.id,
                product_id=item.id,
                unit_cost=Decimal("3.10"),
                is_preferred=True,
            )
        )
        changes = [("CEN", -1), ("WST", 5), ("NEW", 2), ("CEN", 3)]
        for hour, (code, delta) in enumerate(changes, start=1):
            apply_movements(
                session,
                [
                    MovementRequest(
                        item.id,
                        store.warehouses[code],
                        delta,
                        MovementReason.ADJUSTMENT,
                        "clerk",
                        at=BASE + timedelta(hours=hour),
                    )
                ],
            )
    expected_on_hand = {code: 0 for code in store.warehouses}
    for lv in store.levels:
        if lv.item is item:
            expected_on_hand[lv.warehouse_code] = lv.on_hand
    for code, delta in changes:
        expected_on_hand[code] += delta

    with db.session() as session:
        detail = inventory.product_detail(session, item.id)
        with pytest.raises(NotFoundError):
            inventory.product_detail(session, uuid.uuid4())

    assert detail.product.id == item.id
    assert detail.product.preferred_supplier_code == "ACME"
    assert [s.warehouse_code for s in detail.stock] == sorted(store.warehouses)
    assert {s.warehouse_code: s.on_hand for s in detail.stock} == expected_on_hand
    assert {s.warehouse_code for s in detail.stock if s.updated_at is None} == {"EST"}

    oldest_first = sorted(detail.movements, key=lambda mv: mv.at)
    assert [mv.at for mv in detail.movements] == sorted(
        (mv.at for mv in detail.movements), reverse=True
    )
    assert [(mv.warehouse_code, mv.delta) for mv in oldest_first[-4:]] == changes
    assert [at for at, _ in detail.history] == [mv.at for mv in oldest_first]
    assert [total for _, total in detail.history] == list(
        accumulate(mv.delta for mv in oldest_first)
    )
    assert detail.history[-1][1] == sum(expected_on_hand.values())
