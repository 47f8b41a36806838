"""``possync integrations import-catalog``: products created from a POS's catalog, with the
POS counts as starting stock and baseline, against fake POS servers over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from possync_gui.cli import main
from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
from possync_gui.domain.events import CatalogChanged, Change
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.square import SquareAdapter
from possync_gui.services import integrations
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.pos_catalog import CatalogProgress, import_pos_catalog
from possync_gui.store.database import Database, open_database
from possync_gui.store.ledger import apply_movements, ledger_mismatches
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import POSMapping, Product, StockLevel, StockMovement, Warehouse
from tests.fakes.shopify import FakeShopify
from tests.fakes.square import FakeSquare, square_error

TOKEN = "EAAAl-import-catalog-token"
SHOPIFY_TOKEN = "shpat_import_catalog_0123"
UPC = "036000291452"
EAN = "5901234123457"


def _square_config(url: str, location_map: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "id": "pos-square-main",
        "name": "Square main",
        "type": "square",
        "configuration": {
            "baseUrl": url,
            "apiVersion": "2025-08-20",
            "credentials": {"accessToken": extra.pop("token", TOKEN)},
            "locationMap": location_map,
        },
        "syncSettings": {"conflictResolution": "manual_review"},
        **extra,
    }


def _stock(db: Database) -> dict[tuple[str, str], int]:
    """(SKU, warehouse code) → on hand."""
    with db.session() as s:
        rows = s.execute(
            select(Product.sku, Warehouse.code, StockLevel.on_hand)
            .join(StockLevel, StockLevel.product_id == Product.id)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        ).all()
    return {(r[0], r[1]): r[2] for r in rows}


def _products(db: Database) -> dict[str, tuple[str, str | None, str | None]]:
    """SKU → (name, barcode, gtin)."""
    with db.session() as s:
        rows = s.execute(select(Product.sku, Product.name, Product.barcode, Product.gtin)).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _baselines(db: Database) -> dict[tuple[str, str], int | None]:
    """(SKU, POS location) → the mapping's baseline."""
    with db.session() as s:
        rows = s.execute(
            select(
                Product.sku, POSMapping.external_location_id, POSMapping.last_synced_quantity
            ).join(Product, Product.id == POSMapping.product_id)
        ).all()
    return {(r[0], r[1]): r[2] for r in rows}


def _warehouses(db: Database) -> dict[str, str]:
    with db.session() as s:
        return {w.code: w.name for w in s.scalars(select(Warehouse))}


def _existing(db: Database, products: dict[str, tuple[str | None, int]]) -> None:
    """A ``main`` warehouse holding ``products``: SKU → (barcode, on hand)."""
    with db.session() as s:
        wh = Warehouse(id=uuid.uuid4(), code="main", name="Main warehouse")
        s.add(wh)
        rows = [
            Product(
                id=uuid.uuid4(),
                sku=sku,
                name=f"Existing {sku}",
                barcode=barcode,
                gtin=normalize_gtin(barcode) if barcode else None,
            )
            for sku, (barcode, _n) in products.items()
        ]
        s.add_all(rows)
        s.flush()
        apply_movements(
            s,
            [
                MovementRequest(p.id, wh.id, products[p.sku][1], MovementReason.OPENING, "test")
                for p in rows
                if products[p.sku][1]
            ],
        )


class World:
    """A facade over ``db`` with one integration added from its seed-shaped JSON."""

    def __init__(self, db: Database, config: dict[str, Any]) -> None:
        self.db = db
        self.facade = InventorySyncService(db)
        self.changes: list[Change] = []
        self.facade.subscribe(self.changes.append)
        self.record: IntegrationRecord = asyncio.run(self.facade.add_integration_from_json(config))

    def import_catalog(self, **options: Any) -> Any:
        return asyncio.run(self.facade.import_pos_catalog(self.record.id, **options))

    def sync(self) -> Any:
        [result] = asyncio.run(self.facade.sync_inventory_levels(self.record.id))
        return result


# -- Square, both backends ---------------------------------------------------------------------
@pytest.fixture
def square() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_location("L2", "North Mall")
    # Matches the existing A-1 by SKU, and the existing product with the UPC by barcode.
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 7)
    server.add_item("I4", "Pear", [{"id": "V4", "sku": "PEAR-POS", "upc": UPC}])
    server.set_count("V4", "L1", 4)
    # New: at both locations; with a barcode and a zero count; without a SKU.
    server.add_item("I2", "Banana", [{"id": "V2", "sku": "B-1", "name": "Large"}])
    server.set_count("V2", "L1", 5)
    server.set_count("V2", "L2", 3)
    server.add_item("I3", "Cherry", [{"id": "V3", "sku": "C-1", "upc": EAN}])
    server.set_count("V3", "L1", 0)
    server.add_item("I5", "Damson", [{"id": "V5"}])
    server.set_count("V5", "L1", 2)
    with server:
        yield server


def test_import_creates_products_with_starting_stock_and_baselines(
    db: Database, square: FakeSquare
) -> None:
    _existing(db, {"A-1": (None, 7), "PEAR": (UPC, 4)})
    world = World(db, _square_config(square.url, {"L1": "main", "L2": "north"}))
    steps: list[CatalogProgress] = []

    report = world.import_catalog(progress=steps.append)

    # The unknown warehouse is created with the POS location's name.
    assert [(w.code, w.name) for w in report.warehouses_created] == [("north", "North Mall")]
    assert _warehouses(db) == {"main": "Main warehouse", "north": "North Mall"}
    assert report.items_read == 5
    assert report.products_created == 3
    assert report.matched_existing == 2  # A-1 by SKU, the pear by barcode: not duplicated
    assert report.mappings_created == 4
    assert report.stock_units_opened == 10
    assert report.skipped == ()
    assert any("has no SKU" in n and "POS-V5" in n for n in report.notes)
    products = _products(db)
    assert set(products) == {"A-1", "PEAR", "B-1", "C-1", "POS-V5"}
    assert products["C-1"] == ("Cherry", EAN, normalize_gtin(EAN))
    assert products["B-1"][0].startswith("Banana")
    assert _stock(db) == {
        ("A-1", "main"): 7,
        ("PEAR", "main"): 4,
        ("B-1", "main"): 5,
        ("B-1", "north"): 3,
        ("POS-V5", "main"): 2,
    }
    assert _baselines(db) == {("B-1", "L1"): 5, ("B-1", "L2"): 3, ("C-1", "L1"): 0} | {
        ("POS-V5", "L1"): 2
    }
    with db.session() as s:
        assert ledger_mismatches(s) == []
        reasons = set(
            s.scalars(select(StockMovement.reason).where(StockMovement.actor == "pos-import"))
        )
    assert reasons == {MovementReason.OPENING.value}
    assert steps[-1] == CatalogProgress("Creating products", 5, 5)
    assert CatalogChanged() in world.changes

    # The next sync finds both sides agreeing: it maps the two matched items, changes nothing.
    result = world.sync()
    assert result.status == "success", result.errors
    assert result.summary["pulled"] == 0
    assert result.summary["pushed"] == 0
    assert result.summary["conflicts"] == 0
    assert result.summary["mappings_created"] == 2
    assert square.applied == []
    assert _stock(db)[("B-1", "north")] == 3

    # Importing again creates nothing.
    again = world.import_catalog()
    assert (again.products_created, again.mappings_created, again.stock_units_opened) == (0, 0, 0)
    assert again.warehouses_created == ()
    assert again.already_mapped == 5  # the sync mapped the two matched ones
    assert len(_products(db)) == 5


@pytest.fixture
def messy_square() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_location("L9", "Pop-up")
    server.add_item("I1", "Fig", [{"id": "V1", "sku": "F-1", "upc": UPC}])
    server.set_count("V1", "L1", 6)
    server.set_count("V1", "L9", 1)  # an unmapped location: noted, not imported
    server.add_item("I2", "Fig again", [{"id": "V2", "sku": "F-1"}])  # duplicated SKU
    server.add_item("I3", "Grape", [{"id": "V3", "sku": "G-1", "upc": UPC}])  # same barcode
    server.set_count("V3", "L1", 1)
    server.add_item("I4", "Kiwi", [{"id": "V4", "sku": "K-1", "upc": "12345"}])  # not a GTIN
    server.set_count("V4", "L1", -2)  # sold more than it had
    server.add_item("I5", "Gift card", [{"id": "V5", "sku": "GIFT", "track_inventory": False}])
    with server:
        yield server


def test_import_reports_what_it_could_not_take(db: Database, messy_square: FakeSquare) -> None:
    world = World(db, _square_config(messy_square.url, {"L1": "shop"}))

    report = world.import_catalog()

    assert [w.code for w in report.warehouses_created] == ["shop"]
    assert _warehouses(db) == {"shop": "Main Street"}
    products = _products(db)
    assert set(products) == {"F-1", "G-1", "K-1"}  # the gift card does not track stock
    assert products["F-1"][1:] == (UPC, normalize_gtin(UPC))
    assert products["G-1"][1:] == (None, None)  # the fig's barcode: the first one keeps it
    assert products["K-1"][1:] == (None, None)
    assert _stock(db) == {("F-1", "shop"): 6, ("G-1", "shop"): 1}
    # The negative count is not stock, and its mapping has no baseline: a sync must ask.
    assert _baselines(db) == {("F-1", "L1"): 6, ("G-1", "L1"): 1, ("K-1", "L1"): None}
    assert len(report.skipped) == 2
    duplicate, negative = report.skipped
    assert "SKU F-1, which POS item V1 has too" in duplicate
    assert "K-1" in negative and "-2" in negative and "conflict" in negative
    notes = " | ".join(report.notes)
    assert "POS location L9 is not in the integration's locationMap" in notes
    assert "'12345' is not a valid GTIN" in notes
    assert "is POS item V1's too" in notes
    assert "1 POS items do not track stock" in notes
    with db.session() as s:
        assert ledger_mismatches(s) == []

    result = world.sync()
    assert result.summary["conflicts"] == 1  # the kiwi, for a person to settle
    assert result.summary["pulled"] == 0
    assert _stock(db)[("F-1", "shop")] == 6


def test_cancelling_keeps_the_batches_written_and_a_rerun_finishes(
    db: Database, square: FakeSquare
) -> None:
    world = World(db, _square_config(square.url, {"L1": "main", "L2": "north"}))

    async def cancelled_after_first_batch() -> None:
        task = asyncio.current_task()
        assert task is not None

        def stop(step: CatalogProgress) -> None:
            if step.phase == "Creating products" and step.processed == 2:
                task.cancel()

        await import_pos_catalog(
            db, world.record.id, integrations.make_adapter, progress=stop, batch_size=2
        )

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled_after_first_batch())
    assert len(_products(db)) == 2
    with db.session() as s:
        assert ledger_mismatches(s) == []

    report = world.import_catalog()  # the lock was given back; this finishes the job
    assert report.products_created == 3
    assert report.already_mapped == 2
    assert len(_products(db)) == 5
    assert world.sync().summary["pulled"] == 0


async def _no_sleep(_seconds: float) -> None:
    return None


def test_a_pos_that_cannot_be_reached_creates_nothing(db: Database, square: FakeSquare) -> None:
    world = World(db, _square_config(square.url, {"L1": "main"}))
    url = square.url
    square.stop()

    def factory(_record: IntegrationRecord) -> SquareAdapter:
        return SquareAdapter(url, {"access_token": TOKEN}, max_attempts=2, sleep=_no_sleep)

    with pytest.raises(POSSystemUnavailableError):
        asyncio.run(import_pos_catalog(db, world.record.id, factory))
    assert _products(db) == {}
    assert _warehouses(db) == {}


def test_a_pos_failing_halfway_leaves_no_trace(db: Database, square: FakeSquare) -> None:
    world = World(db, _square_config(square.url, {"L1": "main", "L2": "north"}))
    square.inject(square_error(400, "BAD_REQUEST", "The catalog is unavailable."), "/v2/catalog")
    with pytest.raises(InventorySyncError, match="The catalog is unavailable"):
        world.import_catalog()
    assert _warehouses(db) == {}  # read everything first, then write
    assert _products(db) == {}
    assert world.import_catalog().products_created == 5  # the lock was given back


# -- Shopify, both backends --------------------------------------------------------------------
@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    server = FakeShopify(SHOPIFY_TOKEN)
    with server:
        yield server


def test_import_from_shopify(db: Database, shopify: FakeShopify) -> None:
    east = shopify.add_location("Warehouse East")
    tee = shopify.add_variant("Tee", "Small", sku="TEE-S", barcode=EAN)
    mug = shopify.add_variant("Mug", sku="MUG")
    shopify.stock(tee.item_id, east, 12)
    shopify.stock(mug.item_id, east, 0)
    config = {
        "id": "pos-shopify",
        "name": "Shopify",
        "type": "shopify",
        "configuration": {
            "baseUrl": shopify.url,
            "credentials": {"accessToken": SHOPIFY_TOKEN},
            "locationMap": {east: "east"},
        },
    }
    world = World(db, config)

    report = world.import_catalog()

    assert _warehouses(db) == {"east": "Warehouse East"}
    assert (report.products_created, report.mappings_created) == (2, 2)
    assert report.stock_units_opened == 12
    assert _stock(db) == {("TEE-S", "east"): 12}
    assert _products(db)["TEE-S"] == ("Tee - Small", EAN, normalize_gtin(EAN))
    assert _baselines(db) == {("TEE-S", east): 12, ("MUG", east): 0}
    with db.session() as s:
        assert ledger_mismatches(s) == []
    result = world.sync()
    assert result.status == "success", result.errors
    assert (result.summary["pulled"], result.summary["pushed"]) == (0, 0)
    assert result.summary["conflicts"] == 0
    assert world.import_catalog().products_created == 0


# -- the command line (SQLite) -------------------------------------------------------------------
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", sqlite_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _write(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "integration.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_cli_add_with_a_new_warehouse_then_import(
    cli: Run, square: FakeSquare, tmp_path: Path
) -> None:
    assert cli("warehouses", "add", "main")[0] == 0
    config = _square_config(square.url, {"L1": "main", "L2": "north"})
    code, out, err = cli("integrations", "add", "--from-json", _write(tmp_path, config))
    assert code == 0
    assert "Added square integration Square main" in out
    assert err == (
        "Warehouse north does not exist yet: `possync integrations import-catalog "
        "pos-square-main` creates it, or add it with `possync warehouses add`.\n"
    )
    [listed] = json.loads(cli("integrations", "list", "--json")[1])
    assert listed["location_map"] == {"L1": "main", "L2": "north"}

    code, out, err = cli("integrations", "import-catalog", "pos-square-main", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["products_created"] == 5
    assert report["warehouses_created"][0]["code"] == "north"
    assert report["stock_units_opened"] == 21
    assert report["skipped"] == []
    assert "POS-V5" in err  # the generated SKU is said

    code, out, err = cli("integrations", "import-catalog", "pos-square-main")
    assert code == 0, err
    assert "5 POS items read, 0 products created" in out
    assert "5 POS items were mapped already" in out

    code, out, err = cli("sync", "--integration", "pos-square-main", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["summary"]["pulled"] == 0


def test_cli_import_exit_codes(
    cli: Run, messy_square: FakeSquare, tmp_path: Path, sqlite_url: str
) -> None:
    config = _square_config(messy_square.url, {"L1": "shop"})
    assert cli("integrations", "add", "--from-json", _write(tmp_path, config))[0] == 0

    code, out, err = cli("integrations", "import-catalog", "pos-square-main")
    assert code == 1  # items were skipped
    assert "3 products created" in out
    assert "Created warehouse shop (Main Street)." in out
    assert "skipped: POS item V2 (Fig again) has SKU F-1, which POS item V1 has too" in err
    assert "possync: warning: 2 POS items or counts were skipped" in err

    code, _, err = cli("integrations", "import-catalog", "no-such-pos")
    assert code == 2
    assert err.startswith("possync: error: No POS integration 'no-such-pos'")
    assert err.count("\n") == 1

    [listed] = json.loads(cli("integrations", "list", "--json")[1])
    database = open_database(sqlite_url)
    try:
        with SyncLockManager(database).hold(uuid.UUID(listed["id"])):
            code, _, err = cli("integrations", "import-catalog", "pos-square-main")
    finally:
        database.dispose()
    assert code == 3
    assert err.startswith("possync: error: Sync already in progress")


def test_cli_import_refused_by_the_pos(cli: Run, square: FakeSquare, tmp_path: Path) -> None:
    wrong = _square_config(square.url, {"L1": "main"}, token="EAAAl-wrong-token")
    assert cli("integrations", "add", "--from-json", _write(tmp_path, wrong))[0] == 0
    code, out, err = cli("integrations", "import-catalog", "pos-square-main")
    assert code == 2
    assert out == ""
    assert err.startswith("possync: error: ") and err.count("\n") == 1
    assert "wrong-token" not in err
    assert json.loads(cli("products", "list", "--json")[1]) == []
    assert json.loads(cli("warehouses", "list", "--json")[1]) == []
