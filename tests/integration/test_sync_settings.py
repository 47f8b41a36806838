"""The seed's sync switches (``syncSettings``) against a fake Square, through the facade:
``syncSales`` fills ``sales_daily``, ``syncProducts`` keeps names and barcodes current,
``syncInventory`` off leaves every count alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from possync_gui.domain.sync import SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.models import Product, SalesDaily
from tests.fakes.square import FakeSquare
from tests.fakes.sync_world import WAREHOUSE, Spec, Store, add_integration, seed, sync

TOKEN = "EAAAl-settings-test-token"
KEY = "square-settings"
NOW = datetime.now(UTC)


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    for i in (1, 2, 3):
        server.add_item(f"I{i}", f"Item {i}", [{"id": f"V{i}", "sku": f"SKU-{i}"}])
        server.set_count(f"V{i}", "L1", 10)
    with server:
        yield server


def _setup(db: Database, fake: FakeSquare, **settings: Any) -> tuple[Store, InventorySyncService]:
    store = Store(db, [Spec(f"SKU-{i}", 10) for i in (1, 2, 3)])
    facade = InventorySyncService(db)
    config = {
        "credentials": {"accessToken": TOKEN},
        "locationMap": {"L1": WAREHOUSE},
    }
    add_integration(facade, seed("square", fake.url, config, key=KEY, **settings))
    return store, facade


def _sales(db: Database) -> dict[tuple[str, date], int]:
    with db.session() as s:
        rows = s.execute(
            select(Product.sku, SalesDaily.day, SalesDaily.quantity).join(
                Product, Product.id == SalesDaily.product_id
            )
        ).all()
    return {(sku, day): quantity for sku, day, quantity in rows}


def test_sales_land_per_product_and_day_and_are_not_doubled(db: Database, fake: FakeSquare) -> None:
    store, facade = _setup(db, fake, syncSales=True)
    day1, day2 = NOW - timedelta(days=3), NOW - timedelta(days=2)
    fake.add_order("L1", day1, [("V1", 2), ("V2", 1), (None, 1)])  # a custom amount: no stock
    fake.add_order("L1", day1 + timedelta(minutes=5), [("V1", 3)])
    fake.add_order("L1", day2, [("V1", 4)], returns=[("V1", 1)])
    fake.add_order("L1", day2, [("V2", 9)], state="OPEN")  # not sold yet
    fake.add_item("I9", "Not in the store", [{"id": "V9", "sku": "ELSEWHERE"}])
    fake.add_order("L1", day2, [("V9", 2)])  # sold, but no product to book it on

    first = sync(facade, KEY)

    expected = {("SKU-1", day1.date()): 5, ("SKU-2", day1.date()): 1, ("SKU-1", day2.date()): 3}
    assert _sales(db) == expected
    assert first.status is SyncStatus.PARTIAL
    assert first.errors == (
        "Sales of 1 POS item-days were skipped: their items are not mapped to products yet "
        "(a counts sync maps them)",
    )
    assert first.summary["sales_days"] == 3

    sync(facade, KEY)
    assert _sales(db) == expected  # read again from the start of the day: not added twice

    fake.add_order("L1", NOW - timedelta(minutes=1), [("V2", 2)])
    sync(facade, KEY)
    assert _sales(db) == expected | {("SKU-2", (NOW - timedelta(minutes=1)).date()): 2}
    assert store.on_hands() == {
        "SKU-1": 10,
        "SKU-2": 10,
        "SKU-3": 10,
    }  # counts are a separate matter
    store.assert_ledger()


def test_products_follow_the_pos_names_and_valid_barcodes(db: Database, fake: FakeSquare) -> None:
    store, facade = _setup(db, fake, syncProducts=True)
    first = sync(facade, KEY)
    assert first.status is SyncStatus.SUCCESS
    assert first.summary["products_renamed"] == 3  # the store takes the POS's names
    assert [store.product(f"SKU-{i}").name for i in (1, 2, 3)] == ["Item 1", "Item 2", "Item 3"]
    fake.add_item("I1", "Apple, renamed", [{"id": "V1", "sku": "SKU-1"}])
    fake.update_variation("V2", upc="4006381333931")  # a valid EAN-13
    fake.update_variation("V3", upc="4006381333932")  # a bad check digit

    result = sync(facade, KEY)

    assert store.product("SKU-1").name == "Apple, renamed"
    renamed_barcode = store.product("SKU-2")
    assert (renamed_barcode.barcode, renamed_barcode.gtin) == ("4006381333931", "04006381333931")
    kept = store.product("SKU-3")
    assert (kept.name, kept.barcode, kept.gtin) == ("Item 3", None, None)
    assert result.status is SyncStatus.PARTIAL
    assert result.errors == (
        "POS item V3 has barcode '4006381333932', which is not a valid GTIN; the product "
        "keeps its own",
    )
    assert result.summary["products_renamed"] == 2
    assert store.on_hands() == {"SKU-1": 10, "SKU-2": 10, "SKU-3": 10}


def test_inventory_off_leaves_counts_alone(db: Database, fake: FakeSquare) -> None:
    store, facade = _setup(db, fake)
    assert sync(facade, KEY).status is SyncStatus.SUCCESS
    store.set_settings(KEY, syncInventory=False)
    fake.set_count("V1", "L1", 7)  # a sale on the POS
    store.move("SKU-2", 5)  # a delivery to the store

    off = sync(facade, KEY)

    assert off.status is SyncStatus.SUCCESS
    assert (off.products_processed, off.summary["pulled"], off.summary["pushed"]) == (0, 0, 0)
    assert store.on_hands() == {"SKU-1": 10, "SKU-2": 15, "SKU-3": 10}
    assert fake.quantity("V2", "L1") == "10"
    assert fake.applied == []
    assert (store.base("SKU-1"), store.base("SKU-2")) == (10, 10)

    store.set_settings(KEY, syncInventory=True)
    on = sync(facade, KEY)
    assert (on.summary["pulled"], on.summary["pushed"]) == (1, 1)
    assert store.on_hands() == {"SKU-1": 7, "SKU-2": 15, "SKU-3": 10}
    assert fake.quantity("V2", "L1") == "15"
    store.assert_ledger()
