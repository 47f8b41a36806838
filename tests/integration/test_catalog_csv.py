"""The catalog CSV (DESIGN.md §10) on SQLite and PostgreSQL: round trip, bad lines, ledger."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from possync_gui.domain.errors import ValidationError
from possync_gui.store import models as m
from possync_gui.store.catalog import (
    IMPORT_REFERENCE,
    count_products,
    export_csv,
    import_csv,
    importer,
    list_products,
)
from possync_gui.store.database import Database
from possync_gui.store.ledger import ledger_mismatches

HEADER = (
    "sku,name,barcode,unit_cost,warehouse,on_hand,minimum_stock,reorder_point,"
    "reorder_quantity,preferred_supplier\n"
)


def _setup(db: Database, warehouses: tuple[str, ...] = ("main", "store")) -> None:
    with db.session() as s:
        for code in warehouses:
            s.add(m.Warehouse(id=uuid.uuid4(), code=code, name=code.title()))
        for code in ("acme", "bolt"):
            s.add(m.Supplier(id=uuid.uuid4(), code=code, name=code.title()))


def _write(tmp_path: Path, text: str, name: str = "catalog.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stock(db: Database) -> dict[tuple[str, str], int]:
    with db.session() as s:
        rows = s.execute(
            select(m.Product.sku, m.Warehouse.code, m.StockLevel.on_hand)
            .join(m.Product, m.Product.id == m.StockLevel.product_id)
            .join(m.Warehouse, m.Warehouse.id == m.StockLevel.warehouse_id)
        ).all()
    return {(sku, wh): on_hand for sku, wh, on_hand in rows}


def _preferred(db: Database, sku: str) -> dict[str, tuple[bool, Decimal]]:
    with db.session() as s:
        rows = s.execute(
            select(m.Supplier.code, m.SupplierProduct.is_preferred, m.SupplierProduct.unit_cost)
            .join(m.SupplierProduct, m.SupplierProduct.supplier_id == m.Supplier.id)
            .join(m.Product, m.Product.id == m.SupplierProduct.product_id)
            .where(m.Product.sku == sku)
        ).all()
    return {code: (pref, cost) for code, pref, cost in rows}


def test_export_then_import_changes_nothing(db: Database, tmp_path: Path) -> None:
    _setup(db)
    source = _write(
        tmp_path,
        HEADER
        + "A-1,Apple,4006381333931,1.5,main,10,2,5,20,acme\n"
        + "A-1,Apple,4006381333931,1.5,store,3,2,5,20,acme\n"
        + 'B-1,"Banana, ripe",,2,main,0,,,,\n'
        + "C-1,Cherry (no stock yet),036000291452,0.99,,,1,,,\n",
    )
    first = import_csv(db, source, "ana")
    assert (first.created, first.updated, first.rejected, first.lines) == (3, 0, (), 4)
    assert first.stock_changes == 2  # A-1 in main and in store; B-1 stays at 0

    exported = tmp_path / "export.csv"
    with db.session() as s:
        assert export_csv(s, exported) == 4
    text = exported.read_text(encoding="utf-8")
    assert text.splitlines() == [
        HEADER.strip(),
        "A-1,Apple,4006381333931,1.50,main,10,2,5,20,acme",
        "A-1,Apple,4006381333931,1.50,store,3,2,5,20,acme",
        'B-1,"Banana, ripe",,2.00,main,0,0,,,',
        "C-1,Cherry (no stock yet),036000291452,0.99,,,1,,,",
    ]

    again = import_csv(db, exported, "ana")
    assert (again.created, again.updated, again.stock_changes, again.rejected) == (0, 0, 0, ())
    with db.session() as s:
        export_csv(s, tmp_path / "export2.csv")
        assert ledger_mismatches(s) == []
    assert (tmp_path / "export2.csv").read_text(encoding="utf-8") == text


def test_updates_change_only_what_the_file_gives(db: Database, tmp_path: Path) -> None:
    _setup(db)
    import_csv(
        db,
        _write(
            tmp_path,
            HEADER
            + "A-1,Apple,4006381333931,1.50,main,10,2,5,20,\n"
            + "C-1,Cherry,036000291452,0.99,,,1,,,\n",
        ),
        "ana",
    )
    # A-1 gives its barcode up and C-1 takes it over, in the same file.
    edit = _write(
        tmp_path,
        "sku,name,unit_cost,barcode\n"
        "A-1,Green apple,1.75,5901234123457\n"
        "C-1,,,4006381333931\n"
        "NEW-1,Newcomer,,\n",
        "edit.csv",
    )
    report = import_csv(db, edit, "ana")
    assert (report.created, report.updated, report.stock_changes, report.rejected) == (1, 2, 0, ())
    with db.session() as s:
        apple, cherry, new = list_products(s)
    assert (apple.name, apple.unit_cost, apple.barcode) == (
        "Green apple",
        Decimal("1.75"),
        "5901234123457",
    )
    assert (apple.minimum_stock, apple.reorder_point, apple.reorder_quantity) == (2, 5, 20)
    assert (cherry.name, cherry.barcode, cherry.unit_cost) == (
        "Cherry",
        "4006381333931",
        Decimal("0.99"),
    )
    assert (new.minimum_stock, new.reorder_point, new.unit_cost) == (0, None, None)
    with db.session() as s:
        assert list_products(s, "04006381333931")[0].sku == "C-1"  # found by its GTIN-14
    assert _stock(db) == {("A-1", "main"): 10}


def test_bad_lines_are_rejected_by_line_and_the_rest_land(db: Database, tmp_path: Path) -> None:
    _setup(db, warehouses=("main",))
    source = _write(
        tmp_path,
        HEADER
        + "OK-1,Good one,4006381333931,3.00,main,5,,,,\n"  # line 2
        + "BAD-WH,Thing,,1.00,nowhere,5,,,,\n"  # line 3
        + "BAD-CHECK,Thing,4006381333932,,,,,,,\n"  # line 4
        + "BAD-DUP,Thing,4006381333931,,,,,,,\n"  # line 5: OK-1 has it
        + "BAD-QTY,Thing,,,main,2.5,,,,\n"  # line 6
        + "BAD-NEG,Thing,,,main,-1,,,,\n"  # line 7
        + "BAD-COST,Thing,,1.999,,,,,,\n"  # line 8
        + "BAD-SUP,Thing,,1.00,,,,,,zzz\n"  # line 9
        + "NO-NAME,,,,,,,,,\n"  # line 10
        + 'OK-2,"Two\nlines",,,main,1,,,,\n'  # lines 11-12
        + "BAD-UPC,Thing,036000291452,,,,,,,\n"  # line 13: fine, a new UPC-A
        + "BAD-UPC2,Thing,0036000291452,,,,,,,\n",  # line 14: same GTIN as line 13
    )
    report = import_csv(db, source, "ana")
    reasons = dict(report.rejected)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 14]
    assert reasons[3] == "unknown warehouse 'nowhere' (known: main)"
    assert reasons[4] == "barcode '4006381333932' has a wrong check digit"
    assert reasons[5] == "barcode 4006381333931 is already used by SKU 'OK-1'"
    assert reasons[6] == "on_hand '2.5' is not a whole number"
    assert reasons[7] == "on_hand '-1' must not be negative"
    assert reasons[8] == "unit_cost '1.999' is not an amount like 12.50"
    assert reasons[9] == "unknown supplier 'zzz' (known: acme, bolt)"
    assert reasons[10] == "SKU 'NO-NAME' is new and needs a name"
    assert reasons[14] == "barcode 0036000291452 is already used by SKU 'BAD-UPC'"
    assert (report.created, report.lines) == (3, 12)  # 12 records on 13 lines
    assert _stock(db) == {("OK-1", "main"): 5, ("OK-2", "main"): 1}
    with db.session() as s:
        assert [p.sku for p in list_products(s)] == ["BAD-UPC", "OK-1", "OK-2"]
        assert list_products(s, "two")[0].name == "Two\nlines"


def test_on_hand_is_counted_into_the_ledger(db: Database, tmp_path: Path) -> None:
    _setup(db)
    import_csv(db, _write(tmp_path, HEADER + "A-1,Apple,,1.00,main,10,,,,\n"), "ana")
    count = _write(tmp_path, "SKU,Warehouse,On Hand\nA-1,main,4\nA-1,store,0\n", "count.csv")
    report = import_csv(db, count, "ben")
    assert (report.created, report.updated, report.stock_changes) == (0, 0, 1)
    assert _stock(db) == {("A-1", "main"): 4, ("A-1", "store"): 0}
    with db.session() as s:
        moves = s.execute(
            select(m.StockMovement.delta, m.StockMovement.reason, m.StockMovement.reference)
            .add_columns(m.StockMovement.actor)
            .order_by(m.StockMovement.at, m.StockMovement.delta.desc())
        ).all()
        assert [tuple(r) for r in moves] == [
            (10, "count", IMPORT_REFERENCE, "ana"),
            (-6, "count", IMPORT_REFERENCE, "ben"),
        ]
        assert ledger_mismatches(s) == []


def test_preferred_supplier_switches(db: Database, tmp_path: Path) -> None:
    _setup(db)
    import_csv(db, _write(tmp_path, HEADER + "A-1,Apple,,1.25,,,,,,acme\n"), "ana")
    assert _preferred(db, "A-1") == {"acme": (True, Decimal("1.25"))}

    report = import_csv(db, _write(tmp_path, "sku,preferred_supplier\nA-1,bolt\n", "b.csv"), "ana")
    assert (report.updated, report.rejected) == (1, ())
    assert _preferred(db, "A-1") == {
        "acme": (False, Decimal("1.25")),
        "bolt": (True, Decimal("1.25")),
    }
    with db.session() as s:
        assert list_products(s, "A-1")[0].preferred_supplier_code == "bolt"

    back = import_csv(db, _write(tmp_path, "sku,preferred_supplier\nA-1,acme\n", "a.csv"), "ana")
    assert back.updated == 1
    assert {k: v[0] for k, v in _preferred(db, "A-1").items()} == {"acme": True, "bolt": False}


def test_supplier_without_a_price_is_rejected(db: Database, tmp_path: Path) -> None:
    _setup(db)
    report = import_csv(db, _write(tmp_path, HEADER + "A-1,Apple,,,,,,,,acme\n"), "ana")
    assert report.rejected == ((2, "supplier 'acme' needs a unit_cost for 'A-1'"),)


def test_batches_semicolons_and_bom(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(db)
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    lines = "".join(f"P-{i:02d};Product {i};{i},5;main;{i}\r\n" for i in range(7))
    path = tmp_path / "excel.csv"
    path.write_bytes(("sku;name;unit_cost;warehouse;on_hand\r\n" + lines).encode("utf-8-sig"))
    seen: list[tuple[int, int]] = []
    report = import_csv(db, path, "ana", lambda done, total: seen.append((done, total)))
    assert (report.created, report.stock_changes, report.rejected) == (7, 6, ())
    assert seen == [(0, 7), (2, 7), (4, 7), (6, 7), (7, 7)]
    with db.session() as s:
        assert count_products(s) == 7
        assert list_products(s, "P-03")[0].unit_cost == Decimal("3.50")
        assert ledger_mismatches(s) == []


def test_file_errors_are_one_clear_line(sqlite_db: Database, tmp_path: Path) -> None:
    def error(path: Path) -> str:
        with pytest.raises(ValidationError) as info:
            import_csv(sqlite_db, path, "ana")
        return str(info.value)

    assert error(tmp_path / "missing.csv") == f"No such file: {tmp_path / 'missing.csv'}"
    assert "is a folder" in error(tmp_path)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"sku,name\nA-1,Caf\xe9\n")
    assert error(latin) == "latin.csv is not UTF-8 text (line 2); save it as 'CSV UTF-8' and retry."
    assert "is empty" in error(_write(tmp_path, "\n\n", "empty.csv"))
    assert error(_write(tmp_path, "name,on_hand\nx,1\n", "nosku.csv")) == (
        "nosku.csv has no 'sku' column; the header row needs one."
    )
    assert error(_write(tmp_path, "sku,colour\nx,red\n", "extra.csv")).startswith(
        "extra.csv: unknown column 'colour'; the catalog columns are sku, name,"
    )
    for message in (error(tmp_path / "missing.csv"), error(latin)):
        assert "\n" not in message
