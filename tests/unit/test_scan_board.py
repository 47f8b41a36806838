"""The receiving scan board, without Qt: counts per line, ``N*`` and GS1 counts, serials
(one per unit, duplicates refused), unknown codes, over-receipt, undo that restores every
counter, quantity edits, the supplier's serial manifest, and the delivery it posts."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from possync_gui.domain.barcodes import GS, make_ean13, parse_scan
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.receiving import ReceivingLine, ReceivingPlan
from possync_gui.domain.scan_board import (
    BoardProduct,
    Counters,
    LineStatus,
    Outcome,
    ScanBoard,
    looks_like_order_number,
)
from possync_gui.domain.scan_manifest import parse_manifest

WIDGET = make_ean13("400638133393")  # 4006381333931
BOLT = make_ean13("501234567890")
PHONE = make_ean13("761234567890")


def _line(sku: str, barcode: str, ordered: int, *, received: int = 0, serial: bool = False):
    return ReceivingLine(
        product_id=uuid.uuid5(uuid.NAMESPACE_DNS, sku),
        sku=sku,
        name=f"{sku} name",
        barcode=barcode,
        gtin="0" + barcode,
        is_serialized=serial,
        ordered=ordered,
        received=received,
        unit_cost=Decimal("2.50"),
    )


@pytest.fixture
def plan() -> ReceivingPlan:
    return ReceivingPlan(
        purchase_order_id=uuid.uuid4(),
        order_number="PO-2026-000123",
        supplier_code="SUP-A",
        supplier_name="Supplier A",
        warehouse_code="MAIN",
        status="sent",
        lines=(
            _line("WIDGET", WIDGET, 10),
            _line("BOLT", BOLT, 100, received=40),
            _line("PHONE", PHONE, 3, serial=True),
        ),
    )


def scan(board: ScanBoard, text: str, *, in_store: bool = False):
    result = parse_scan(text)
    return board.apply(result, board.find_local(result), serial_in_store=in_store)


def test_plan_lines_start_with_what_the_order_still_expects(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    assert [(ln.product.sku, ln.expected, ln.remaining) for ln in board.lines] == [
        ("WIDGET", 10, 10),
        ("BOLT", 60, 60),
        ("PHONE", 3, 3),
    ]
    c = board.counters()
    assert (c.expected, c.remaining, c.units, c.over) == (73, 73, 0, 0)
    assert board.lines[0].status(True) == LineStatus.WAITING
    assert board.is_empty


def test_plain_upc_and_sku_scans_find_the_line(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, WIDGET)
    scan(board, "0" + WIDGET)  # GTIN-14 form
    scan(board, "widget")  # SKU typed in lower case
    scan(board, f"]E0{WIDGET}")
    widget = board.lines[0]
    assert widget.scanned == 4 and widget.remaining == 6
    assert widget.status(True) == LineStatus.PARTIAL
    assert board.counters().units == 4


def test_n_star_and_gs1_counts_add_that_many(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, f"12*{BOLT}")
    scan(board, f"]C101{'0' + BOLT}3024")
    scan(board, f"2*]C101{'0' + BOLT}3012")
    assert board.lines[1].scanned == 12 + 24 + 24
    assert board.lines[1].status(True) == LineStatus.COMPLETE
    assert board.counters().remaining == 10 + 3


def test_over_receipt_is_counted(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, f"12*{WIDGET}")
    assert board.lines[0].over == 2
    assert board.lines[0].status(True) == LineStatus.OVER
    assert board.counters().over == 2
    assert board.counters().remaining == 60 + 3


def test_an_unknown_code_adds_nothing_and_is_counted(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    outcome = scan(board, make_ean13("123456789012"))
    assert outcome.outcome == Outcome.UNKNOWN and outcome.line is None
    assert "Unknown code 1234567890128" in outcome.message
    c = board.counters()
    assert (c.unknown, c.units) == (1, 0)
    assert board.unknown_codes == ["1234567890128"]


def test_a_misread_is_counted_apart_and_adds_nothing(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    outcome = scan(board, "4006381333932")
    assert outcome.outcome == Outcome.MISREAD and "check digit" in outcome.message
    assert board.counters().misreads == 1 and board.counters().units == 0


def test_a_serialized_product_needs_one_serial_per_unit(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    asked = scan(board, f"2*{PHONE}")
    assert asked.outcome == Outcome.NEEDS_SERIAL and asked.serials_wanted == 2
    assert board.counters().units == 0
    phone = board.find_local(parse_scan(PHONE))
    assert phone is not None
    assert board.add_serial(phone, "IMEI-1").outcome == Outcome.ADDED
    assert board.add_serial(phone, "IMEI-2").outcome == Outcome.ADDED
    gs1 = scan(board, f"]d201{'0' + PHONE}21IMEI-3")
    assert gs1.outcome == Outcome.ADDED
    line = board.lines[2]
    assert line.scanned == 3 and list(line.serials) == ["IMEI-1", "IMEI-2", "IMEI-3"]


def test_a_gs1_serial_with_a_count_asks_for_the_other_serials(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    outcome = scan(board, f"3*]d201{'0' + PHONE}21IMEI-9")
    assert outcome.outcome == Outcome.ADDED and outcome.units == 1
    assert outcome.serials_wanted == 2


def test_duplicate_serials_are_counted_not_added(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    code = f"]d201{'0' + PHONE}21IMEI-1"
    scan(board, code)
    again = scan(board, code)
    assert again.outcome == Outcome.DUPLICATE_SERIAL and "already scanned" in again.message
    in_store = scan(board, f"]d201{'0' + PHONE}21IMEI-OLD", in_store=True)
    assert in_store.outcome == Outcome.DUPLICATE_SERIAL and "already in stock" in in_store.message
    c = board.counters()
    assert (c.units, c.duplicates) == (1, 2)
    assert list(board.lines[2].serials) == ["IMEI-1"]


def test_a_product_off_the_order_gets_its_own_line(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    extra = BoardProduct(uuid.uuid4(), "EXTRA", "Extra thing", None, None, False)
    outcome = board.apply(parse_scan("EXTRA"), extra)
    assert outcome.created_line and outcome.line is board.lines[3]
    assert board.lines[3].status(True) == LineStatus.NOT_ON_ORDER
    assert board.counters().over == 1  # nothing of it was ordered
    scan(board, "EXTRA")  # learned: found without a lookup now
    assert board.lines[3].scanned == 2


def test_undo_restores_every_counter_exactly(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    extra = BoardProduct(uuid.uuid4(), "EXTRA", "Extra thing", None, None, False)
    snapshots: list[tuple[Counters, list[tuple[str, int, tuple[str, ...]]]]] = []

    def snap() -> None:
        snapshots.append((board.counters(), _lines(board)))

    steps = [
        lambda: scan(board, f"11*{WIDGET}"),
        lambda: scan(board, "9999999999994"),
        lambda: scan(board, "4006381333932"),
        lambda: scan(board, f"]d201{'0' + PHONE}21A"),
        lambda: scan(board, f"]d201{'0' + PHONE}21A"),
        lambda: board.apply(parse_scan("EXTRA"), extra),
        lambda: board.set_quantity(board.lines[0].product.product_id, 4),
        lambda: board.remove_serials(board.lines[2].product.product_id, ["A"]),
        lambda: scan(board, f"]C101{'0' + BOLT}10L1{GS}3030"),
    ]
    for step in steps:
        snap()
        step()
    for expected_counters, expected_lines in reversed(snapshots):
        assert board.undo() is not None
        assert board.counters() == expected_counters
        assert _lines(board) == expected_lines
    assert board.undo() is None
    assert board.is_empty


def _lines(board: ScanBoard) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.product.sku, ln.scanned, tuple(ln.serials)) for ln in board.lines]


def test_undo_of_a_scan_says_what_it_took_back(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, f"3*{WIDGET}")
    what, line, removed = board.undo() or ("", None, True)
    assert what == "+3 WIDGET" and line is board.lines[0] and not removed


def test_editing_a_quantity_up_and_down_keeps_lots_apart(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    bolt = board.lines[1]
    scan(board, f"]C101{'0' + BOLT}10L1{GS}3010")
    scan(board, f"]C101{'0' + BOLT}10L2{GS}3010")
    board.set_quantity(bolt.product.product_id, 15)
    assert {k[0]: b.quantity for k, b in bolt.buckets.items()} == {"L1": 10, "L2": 5}
    board.set_quantity(bolt.product.product_id, 18)
    assert {k[0]: b.quantity for k, b in bolt.buckets.items()} == {"L1": 10, "L2": 8}
    assert board.counters().units == 18
    with pytest.raises(ValueError, match="serialized"):
        board.set_quantity(board.lines[2].product.product_id, 1)


def test_the_manifest_flags_serials_that_were_not_shipped(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, f"]d201{'0' + PHONE}21IMEI-1")
    scan(board, f"]d201{'0' + PHONE}21IMEI-7")
    manifest = parse_manifest("sku,serial\nPHONE,IMEI-1\nWIDGET,IMEI-2\nPHONE,IMEI-3\n")
    assert board.set_manifest(manifest) == 1
    assert "not on the supplier's manifest" in board.lines[2].flagged["IMEI-7"]
    wrong = scan(board, f"]d201{'0' + PHONE}21IMEI-2")
    assert wrong.outcome == Outcome.ADDED and "for WIDGET" in (wrong.flagged or "")
    ok = scan(board, f"]d201{'0' + PHONE}21IMEI-3")
    assert ok.flagged is None
    assert board.counters().not_on_manifest == 2
    board.undo()
    board.undo()
    assert board.counters().not_on_manifest == 1


def test_manifest_files() -> None:
    plain = parse_manifest("A1\nA2\n\nA3\n")
    assert plain.serials == {"A1", "A2", "A3"}
    semi = parse_manifest("\ufeffGTIN;Serial Number\n04006381333931;X\n")
    assert semi.serials == {"X"} and semi.problem("X", ["04006381333931"]) is None
    with pytest.raises(ValidationError, match="named 'serial'"):
        parse_manifest("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="empty"):
        parse_manifest("  \n")


def test_the_delivery_has_one_item_per_product_and_lot(plan: ReceivingPlan) -> None:
    board = ScanBoard(plan)
    scan(board, f"2*{WIDGET}")
    scan(board, f"]C101{'0' + BOLT}10L1{GS}17270101{GS}305")
    scan(board, f"]C101{'0' + BOLT}10L2{GS}302")
    scan(board, f"]d201{'0' + PHONE}21IMEI-1")
    at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    delivery = board.to_delivery_input(
        delivery_id=board.default_delivery_id(at), received_by="dock", received_at=at
    )
    assert delivery.delivery_id == "RCV-PO-2026-000123-20261207T093000Z"
    assert (delivery.purchase_order_ref, delivery.supplier_ref) == ("PO-2026-000123", "SUP-A")
    assert delivery.warehouse_ref == "MAIN" and delivery.received_by == "dock"
    items = [
        (i.product_code, i.quantity_received, i.lot, i.expiry, i.serial_numbers)
        for i in delivery.items
    ]
    assert items == [
        ("WIDGET", 2, None, None, ()),
        ("BOLT", 5, "L1", date(2027, 1, 1), ()),
        ("BOLT", 2, "L2", None, ()),
        ("PHONE", 1, None, None, ("IMEI-1",)),
    ]
    assert all(i.unit_cost == Decimal("2.50") for i in delivery.items)


def test_an_unplanned_delivery_needs_a_warehouse_and_counts_no_over() -> None:
    board = ScanBoard(supplier_code="SUP-B")
    thing = BoardProduct(uuid.uuid4(), "T", "Thing", WIDGET, "0" + WIDGET, False)
    board.apply(parse_scan(f"5*{WIDGET}"), thing)
    assert board.lines[0].status(False) == LineStatus.RECEIVED
    assert board.counters().over == 0
    assert board.default_delivery_id().startswith("RCV-SUP-B-")
    with pytest.raises(ValueError, match="warehouse"):
        board.to_delivery_input(delivery_id="D", received_by="me")
    delivery = board.to_delivery_input(delivery_id="D", received_by="me", warehouse_ref="W2")
    assert delivery.purchase_order_ref is None and delivery.items[0].quantity_received == 5


def test_order_numbers_are_recognised() -> None:
    assert looks_like_order_number("PO-2026-000123")
    assert looks_like_order_number(" po-2026-7 ")
    assert not looks_like_order_number(WIDGET)
    assert not looks_like_order_number("PO-26-1")


def test_five_thousand_lines_and_random_scans_keep_totals_consistent() -> None:
    rng = random.Random(3)
    lines = tuple(
        _line(f"SKU{i:05d}", make_ean13(f"20{i:010d}"), rng.randint(1, 20)) for i in range(5000)
    )
    plan = ReceivingPlan(uuid.uuid4(), "PO-2026-000001", "S", "S", "MAIN", "sent", lines)
    board = ScanBoard(plan)
    for _ in range(6000):
        line = rng.choice(lines)
        scan(board, f"{rng.randint(1, 3)}*{line.barcode}" if rng.random() < 0.3 else line.barcode)
    c = board.counters()
    assert c.units == sum(ln.scanned for ln in board.lines)
    assert c.over == sum(ln.over for ln in board.lines)
    assert c.remaining == sum(ln.remaining for ln in board.lines)
    assert c.lines_scanned == sum(1 for ln in board.lines if ln.scanned)
