"""Suppliers and supplier product mappings through the facade and ``possync suppliers``, on
SQLite and PostgreSQL: what a buyer is told, one preferred supplier per product, the mapping
CSV (round trip, bad rows by row number), products without a preferred supplier, and
suppliers with purchase orders kept."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from possync_gui.cli import main
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.events import CatalogChanged, Change
from possync_gui.domain.suppliers import SupplierProductRecord
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.database import Database

T = TypeVar("T")
Run = Callable[..., tuple[int, str, str]]
EAN = "4006381333931"
HEADER = "supplier_code,sku,supplier_sku,unit_cost,lead_time_days,pack_size,min_order_qty,preferred"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def facade(db: Database) -> InventorySyncService:
    with db.session() as s:
        for i, sku in enumerate(("A-1", "B-1", "C-1", "D-1")):
            s.add(
                m.Product(
                    id=uuid.uuid4(),
                    sku=sku,
                    name=f"Product {sku}",
                    barcode=EAN if i == 0 else None,
                    gtin=f"0{EAN}" if i == 0 else None,
                )
            )
    service = InventorySyncService(db)
    run(service.add_supplier("acme", "Acme Supplies", "orders@acme.example", "+1 555 0100"))
    run(service.add_supplier("bolt", "Bolt & Co", currency="eur"))
    return service


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str, facade: InventorySyncService) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _map(facade: InventorySyncService, supplier: str, sku: str, **terms: Any) -> Any:
    terms.setdefault("unit_cost", "1.00")
    return run(facade.upsert_supplier_mapping(supplier, sku, **terms))


def _preferred(facade: InventorySyncService, sku: str) -> list[str]:
    mappings = run(facade.list_supplier_mappings(product=sku))
    return [r.supplier_code for r in mappings if r.is_preferred]


def _terms(rows: list[SupplierProductRecord]) -> set[tuple[Any, ...]]:
    return {
        (r.supplier_code, r.sku, r.supplier_sku, r.unit_cost, r.lead_time_days)
        + (r.pack_size, r.min_order_qty, r.is_preferred)
        for r in rows
    }


def _write(tmp_path: Path, text: str, name: str = "mappings.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- suppliers -------------------------------------------------------------------------------
SUPPLIER_MISTAKES = [
    (("", "Name"), "A supplier needs a code"),
    (("   ", "Name"), "A supplier needs a code"),
    (("new one", "Name"), "contains spaces"),
    (("new", " "), "Supplier new needs a name"),
    (("ACME", "Another Acme"), "A supplier with code 'acme' already exists"),
    (("new", "New", "orders.example.com"), "is not an email address"),
    (("new", "New", "orders@example"), "is not an email address"),
    (("new", "New", None, None, "US"), "is not a three-letter code"),
    (("new", "New", None, None, "U5D"), "is not a three-letter code"),
]


def test_a_supplier_the_buyer_gets_wrong_is_refused_with_the_reason(
    facade: InventorySyncService,
) -> None:
    for fields, message in SUPPLIER_MISTAKES:
        with pytest.raises(ValidationError, match=message):
            run(facade.add_supplier(*fields))
    assert [s.code for s in run(facade.list_suppliers())] == ["acme", "bolt"]


def test_suppliers_are_listed_with_their_counts_and_can_be_changed(
    facade: InventorySyncService,
) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    _map(facade, "acme", "B-1")
    _map(facade, "bolt", "B-1", preferred=True)
    listed = {s.code: s for s in run(facade.list_suppliers())}
    assert (listed["acme"].product_count, listed["acme"].preferred_count) == (2, 1)
    assert (listed["bolt"].product_count, listed["bolt"].preferred_count) == (1, 1)
    assert listed["bolt"].currency == "EUR"  # typed in lower case
    assert [s.code for s in run(facade.list_suppliers("BOLT &"))] == ["bolt"]
    assert [s.code for s in run(facade.list_suppliers("acme.example"))] == ["acme"]

    with pytest.raises(ValidationError, match="'bolt' already exists"):
        run(facade.update_supplier("acme", "bolt", "Acme"))
    changed = run(facade.update_supplier("acme", "acme-2", "Acme Ltd", None, None, "gbp"))
    assert (changed.code, changed.name, changed.email, changed.currency) == (
        "acme-2",
        "Acme Ltd",
        None,
        "GBP",
    )
    assert changed.product_count == 2  # its mappings stay
    assert run(facade.get_supplier(changed.id)).code == "acme-2"
    with pytest.raises(NotFoundError, match="No supplier 'acme'. Known suppliers: acme-2, bolt"):
        run(facade.get_supplier("acme"))


def test_removing_a_supplier_with_purchase_orders_is_refused(
    db: Database, facade: InventorySyncService
) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    acme = run(facade.get_supplier("acme"))
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="main", name="Main")
        s.add(wh)
        s.flush()
        s.add(
            m.PurchaseOrder(
                id=uuid.uuid4(),
                order_number="PO-2026-000001",
                supplier_id=acme.id,
                warehouse_id=wh.id,
                created_by="buyer",
            )
        )
    with pytest.raises(ValidationError, match="Supplier acme has 1 purchase order, so it cannot"):
        run(facade.remove_supplier("acme"))
    assert _preferred(facade, "A-1") == ["acme"]  # nothing went


def test_removing_a_supplier_takes_its_mappings_and_frees_its_alerts(
    db: Database, facade: InventorySyncService
) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    _map(facade, "acme", "B-1")
    _map(facade, "bolt", "B-1", preferred=True)
    acme = run(facade.get_supplier("acme"))
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="main", name="Main")
        s.add(wh)
        s.flush()
        product_id = s.execute(select(m.Product.id).where(m.Product.sku == "A-1")).scalar_one()
        s.add(
            m.StockAlert(
                id=uuid.uuid4(),
                product_id=product_id,
                warehouse_id=wh.id,
                product_name="Product A-1",
                product_code="A-1",
                current_stock=0,
                minimum_stock=1,
                reorder_point=2,
                reorder_quantity=5,
                preferred_supplier_id=acme.id,
                urgency_level="critical",
            )
        )
    removed = run(facade.remove_supplier(acme.id))
    assert (removed.code, removed.product_count) == ("acme", 2)
    assert [s.code for s in run(facade.list_suppliers())] == ["bolt"]
    assert _preferred(facade, "B-1") == ["bolt"]
    assert [p.sku for p in run(facade.products_without_preferred_supplier())] == [
        "A-1",
        "C-1",
        "D-1",
    ]
    with db.session() as s:
        assert s.execute(select(m.StockAlert.preferred_supplier_id)).scalar_one() is None


# -- mappings --------------------------------------------------------------------------------
MAPPING_MISTAKES = [
    ({"unit_cost": "-1"}, "must not be negative"),
    ({"unit_cost": "1.234"}, "has more than two decimals"),
    ({"unit_cost": "abc"}, "is not an amount like 12.50"),
    ({"unit_cost": ""}, "The unit cost is empty"),
    ({"unit_cost": Decimal("NaN")}, "is not an amount"),
    ({"lead_time_days": 366}, "The lead time must be at most 365"),
    ({"lead_time_days": -1}, "The lead time must be at least 0"),
    ({"pack_size": 0}, "The pack size must be at least 1"),
    ({"min_order_qty": -1}, "The minimum order quantity must be at least 0"),
]


def test_a_mapping_the_buyer_gets_wrong_is_refused_with_the_reason(
    facade: InventorySyncService,
) -> None:
    for terms, message in MAPPING_MISTAKES:
        with pytest.raises(ValidationError, match=message):
            _map(facade, "acme", "A-1", **terms)
    assert run(facade.list_supplier_mappings("acme")) == []


def test_a_mapping_names_a_known_supplier_and_product(facade: InventorySyncService) -> None:
    with pytest.raises(NotFoundError, match="No supplier 'nobody'. Known suppliers: acme, bolt"):
        _map(facade, "nobody", "A-1")
    with pytest.raises(NotFoundError, match="No product with SKU or barcode 'Z-9'"):
        _map(facade, "acme", "Z-9")


def test_a_mapping_is_added_then_changed_not_duplicated(facade: InventorySyncService) -> None:
    added = _map(facade, "acme", EAN, unit_cost="12,5", supplier_sku="AC-1", pack_size=6)
    assert (added.sku, added.unit_cost, added.supplier_sku, added.pack_size) == (
        "A-1",  # found by its barcode
        Decimal("12.50"),
        "AC-1",
        6,
    )
    assert (added.lead_time_days, added.min_order_qty, added.is_preferred) == (7, 1, False)
    changed = _map(facade, "acme", "A-1", unit_cost=Decimal("11"), lead_time_days=0)
    assert changed.id == added.id
    assert (changed.unit_cost, changed.lead_time_days, changed.supplier_sku) == (
        Decimal("11.00"),
        0,
        None,
    )
    assert len(run(facade.list_supplier_mappings("acme"))) == 1
    run(facade.remove_supplier_mapping(added.id))
    assert run(facade.list_supplier_mappings("acme")) == []


def test_a_product_has_one_preferred_supplier(facade: InventorySyncService) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    assert _preferred(facade, "A-1") == ["acme"]
    _map(facade, "bolt", "A-1", preferred=True, unit_cost="0.90")
    assert _preferred(facade, "A-1") == ["bolt"]
    # Listed by product: the preferred supplier first.
    assert [r.supplier_code for r in run(facade.list_supplier_mappings(product="A-1"))] == [
        "bolt",
        "acme",
    ]
    _map(facade, "acme", "A-1", preferred=True)  # and back
    assert _preferred(facade, "A-1") == ["acme"]
    _map(facade, "bolt", "A-1", preferred=False)  # a non-preferred edit leaves it alone
    assert _preferred(facade, "A-1") == ["acme"]
    counts = {s.code: s.preferred_count for s in run(facade.list_suppliers())}
    assert counts == {"acme": 1, "bolt": 0}


def test_products_without_a_preferred_supplier(facade: InventorySyncService) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    _map(facade, "acme", "B-1")  # offered, but nobody preferred
    unassigned = run(facade.products_without_preferred_supplier())
    assert [(p.sku, p.offered_by) for p in unassigned] == [("B-1", 1), ("C-1", 0), ("D-1", 0)]
    assert run(facade.count_products_without_preferred_supplier()) == 3
    assert [p.sku for p in run(facade.products_without_preferred_supplier("c-"))] == ["C-1"]
    assert [p.sku for p in run(facade.products_without_preferred_supplier("", 2))] == [
        "B-1",
        "C-1",
    ]
    assert run(facade.products_without_preferred_supplier(EAN)) == []  # A-1 has one
    _map(facade, "bolt", "B-1", preferred=True)
    assert run(facade.count_products_without_preferred_supplier()) == 2


def test_changes_tell_the_screens_the_catalog_changed(
    facade: InventorySyncService, tmp_path: Path
) -> None:
    events: list[Change] = []
    facade.subscribe(events.append)
    mapping = _map(facade, "acme", "A-1")
    run(facade.remove_supplier_mapping(mapping.id))
    run(facade.add_supplier("cargo", "Cargo"))
    run(facade.update_supplier("cargo", "cargo", "Cargo Ltd"))
    run(facade.remove_supplier("cargo"))
    run(facade.import_supplier_mappings(_write(tmp_path, f"{HEADER}\nacme,A-1,,2,,,,\n")))
    assert events == [CatalogChanged()] * 6
    run(facade.list_suppliers())
    run(facade.export_supplier_mappings(tmp_path / "out.csv"))
    assert len(events) == 6  # reading changes nothing


# -- the mapping CSV -------------------------------------------------------------------------
def test_export_then_import_round_trips(
    db: Database, facade: InventorySyncService, tmp_path: Path
) -> None:
    _map(facade, "acme", "A-1", unit_cost="12.50", supplier_sku="AC,1", preferred=True)
    _map(facade, "acme", "B-1", unit_cost="0.05", lead_time_days=0, min_order_qty=0)
    _map(facade, "bolt", "A-1", unit_cost="9999999999.99", pack_size=12, min_order_qty=24)
    before = _terms(run(facade.list_supplier_mappings()))
    path = tmp_path / "out.csv"
    assert run(facade.export_supplier_mappings(path)) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert lines[1] == 'acme,A-1,"AC,1",12.50,7,1,1,yes'

    again = run(facade.import_supplier_mappings(path))
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 3, ())

    with db.session() as s:
        s.execute(m.SupplierProduct.__table__.delete())
    report = run(facade.import_supplier_mappings(path))
    assert (report.rows, report.added, report.updated, report.rejected) == (3, 3, 0, ())
    assert _terms(run(facade.list_supplier_mappings())) == before

    only_bolt = tmp_path / "bolt.csv"
    assert run(facade.export_supplier_mappings(only_bolt, "bolt")) == 1


def test_bad_rows_are_reported_by_row_and_the_good_rows_saved(
    db: Database, facade: InventorySyncService, tmp_path: Path
) -> None:
    _map(facade, "bolt", "C-1", unit_cost="3.00", supplier_sku="B-C1", pack_size=4, preferred=True)
    bolt = run(facade.get_supplier("bolt"))
    with db.session() as s:
        d_id = s.execute(select(m.Product.id).where(m.Product.sku == "D-1")).scalar_one()
    text = "\n".join(
        [
            HEADER,
            "acme,A-1,AC-1,1.50,3,6,12,yes",  # 2 good
            "nobody,A-1,,1.00,,,,",  # 3
            "acme,Z-9,,1.00,,,,",  # 4
            "acme,B-1,,1.999,,,,",  # 5
            "acme,B-1,,1.00,,,,maybe",  # 6
            "acme,B-1,,,,,,",  # 7 new without a cost
            "acme,A-1,,2.00,,,,",  # 8 same pair again
            "bolt,A-1,,2.00,,,,yes",  # 9 a second preferred for A-1
            "acme,B-1,,1.00,400,,,",  # 10
            "acme,B-1,,1.00,,0,,",  # 11
            "",  # blank lines are skipped, not rejected
            f"{bolt.id},{d_id},,4.00,,,,1",  # 13 good: a UUID for each
            "bolt,C-1,,3.25,,,,",  # 14 good: empty cells keep what is stored
            "acme,C-1,,1.00,,,,no,extra",  # 15
        ]
    )
    report = run(facade.import_supplier_mappings(_write(tmp_path, text + "\n")))
    assert report.rejected == (
        (3, "unknown supplier 'nobody' (known: acme, bolt)"),
        (4, "unknown product 'Z-9' (give its SKU or UUID)"),
        (5, "the unit_cost 1.999 has more than two decimals"),
        (6, "the preferred value 'maybe' is not yes/no, true/false or 1/0"),
        (7, "a new mapping needs a unit_cost (acme, B-1)"),
        (8, "row 2 already maps acme to A-1"),
        (
            9,
            "row 2 already makes acme the preferred supplier of A-1; a product has one "
            "preferred supplier",
        ),
        (10, "the lead_time_days must be at most 365 (not 400)"),
        (11, "the pack_size must be at least 1 (not 0)"),
        (15, "it has 9 fields but the header has 8"),
    )
    assert (report.rows, report.added, report.updated, report.unchanged) == (13, 2, 1, 0)
    saved = {(r.supplier_code, r.sku): r for r in run(facade.list_supplier_mappings())}
    assert set(saved) == {("acme", "A-1"), ("bolt", "C-1"), ("bolt", "D-1")}
    a1 = saved[("acme", "A-1")]
    assert (a1.unit_cost, a1.lead_time_days, a1.pack_size, a1.min_order_qty, a1.is_preferred) == (
        Decimal("1.50"),
        3,
        6,
        12,
        True,
    )
    c1 = saved[("bolt", "C-1")]
    assert (c1.unit_cost, c1.supplier_sku, c1.pack_size, c1.is_preferred) == (
        Decimal("3.25"),
        "B-C1",
        4,
        True,
    )
    assert saved[("bolt", "D-1")].is_preferred


def test_a_preferred_row_takes_over_from_the_stored_preferred_supplier(
    facade: InventorySyncService, tmp_path: Path
) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    report = run(
        facade.import_supplier_mappings(_write(tmp_path, f"{HEADER}\nbolt,A-1,,2,,,,true\n"))
    )
    assert (report.added, report.rejected) == (1, ())
    assert _preferred(facade, "A-1") == ["bolt"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty: it needs a header row"),
        ("supplier_code,sku,price\n", "unknown column 'price'"),
        ("supplier_code,unit_cost\n", "has no 'sku' column"),
        ("sku,sku,supplier_code\n", "the column 'sku' appears twice"),
    ],
)
def test_a_file_that_is_not_a_mapping_csv_is_refused_whole(
    facade: InventorySyncService, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run(facade.import_supplier_mappings(_write(tmp_path, text)))


def test_a_file_that_is_not_utf8_or_missing_is_refused(
    facade: InventorySyncService, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\nacme,A-1,Caf\xe9,1,,,,\n".encode("latin-1"))
    with pytest.raises(ValidationError, match=r"not UTF-8 text \(row 2\)"):
        run(facade.import_supplier_mappings(path))
    with pytest.raises(ValidationError, match="No such file"):
        run(facade.import_supplier_mappings(tmp_path / "missing.csv"))
    assert run(facade.list_supplier_mappings()) == []


def test_semicolon_files_and_other_column_names_read(
    facade: InventorySyncService, tmp_path: Path
) -> None:
    text = "Supplier;Product Code;Cost;MOQ;Is Preferred\nACME;B-1;2,75;5;YES\n"
    report = run(facade.import_supplier_mappings(_write(tmp_path, text)))
    assert (report.added, report.rejected) == (1, ())
    [row] = run(facade.list_supplier_mappings("acme"))
    assert (row.unit_cost, row.min_order_qty, row.is_preferred) == (Decimal("2.75"), 5, True)


# -- the command line ------------------------------------------------------------------------
def test_cli_lists_suppliers_and_the_unassigned_products(
    cli: Run, facade: InventorySyncService
) -> None:
    _map(facade, "acme", "A-1", preferred=True)
    code, out, _ = cli("suppliers", "list")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "CODE",
        "NAME",
        "EMAIL",
        "PHONE",
        "CURRENCY",
        "PRODUCTS",
        "PREFERRED",
    ]
    assert "acme  Acme Supplies" in out and "orders@acme.example" in out
    code, out, _ = cli("suppliers", "list", "--json", "--search", "bolt")
    assert code == 0
    [bolt] = json.loads(out)
    assert (bolt["code"], bolt["currency"], bolt["product_count"]) == ("bolt", "EUR", 0)

    code, out, err = cli("suppliers", "unassigned")
    assert code == 0
    assert [ln.split()[0] for ln in out.splitlines()[1:]] == ["B-1", "C-1", "D-1"]
    assert "3 products have no preferred supplier" in err
    code, out, _ = cli("suppliers", "unassigned", "--json")
    assert [p["sku"] for p in json.loads(out)] == ["B-1", "C-1", "D-1"]


def test_cli_import_exit_codes_and_export(
    cli: Run, facade: InventorySyncService, tmp_path: Path
) -> None:
    good = _write(tmp_path, f"{HEADER}\nacme,A-1,,1.50,,,,yes\nbolt,B-1,,2,,,,\n", "good.csv")
    code, out, err = cli("suppliers", "import", str(good))
    assert (code, err) == (0, "")
    assert "2 rows, 2 mappings added, 0 updated, 0 unchanged, 0 rejected" in out

    mixed = _write(tmp_path, f"{HEADER}\nacme,C-1,,1,,,,\nacme,Q-1,,1,,,,\n", "mixed.csv")
    code, out, err = cli("suppliers", "import", str(mixed))
    assert code == 1
    assert "1 mappings added" in out
    assert "  row 3: unknown product 'Q-1'" in err
    assert "1 of 2 rows were rejected (listed above); the other rows were saved." in err

    bad = _write(tmp_path, f"{HEADER}\nacme,D-1,,x,,,,\n", "bad.csv")
    code, out, err = cli("suppliers", "import", str(bad))
    assert code == 2
    assert "row 2: the unit_cost 'x' is not an amount like 12.50" in err
    assert "nothing was saved" in err
    code, _, err = cli("suppliers", "import", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "possync: error: No such file" in err

    exported = tmp_path / "out.csv"
    code, out, _ = cli("suppliers", "export", str(exported))
    assert code == 0
    assert out == f"Wrote 3 supplier mappings to {exported}.\n"
    code, out, _ = cli("suppliers", "import", str(exported))
    assert code == 0
    assert "0 mappings added, 0 updated, 3 unchanged" in out
    code, _, err = cli("suppliers", "export", str(exported), "--supplier", "zzz")
    assert code == 1
    assert "No supplier 'zzz'" in err


def test_cli_sees_the_same_rows_as_the_store(
    db: Database, cli: Run, facade: InventorySyncService, tmp_path: Path
) -> None:
    rows = "".join(f"acme,{sku},,1,,,,no\n" for sku in ("A-1", "B-1", "C-1"))
    assert cli("suppliers", "import", str(_write(tmp_path, HEADER + "\n" + rows)))[0] == 0
    with db.session() as s:
        count = s.execute(select(func.count()).select_from(m.SupplierProduct)).scalar_one()
    assert count == 3
