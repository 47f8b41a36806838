"""The scan journal on its own: appended one line per operation (never rewritten), read
back with a line cut short by a crash skipped, and replayed into the same board."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from possync_gui.domain.barcodes import make_ean13, parse_scan
from possync_gui.domain.receiving import ReceivingLine, ReceivingPlan
from possync_gui.domain.scan_board import BoardProduct, ScanBoard
from possync_gui.domain.scan_manifest import parse_manifest
from possync_gui.ui.receiving.journal import Journal, JournalHeader, read, replay

BOLT = make_ean13("501234567890")
PHONE = make_ean13("761234567890")


def _plan() -> ReceivingPlan:
    lines = tuple(
        ReceivingLine(uuid.uuid5(uuid.NAMESPACE_DNS, sku), sku, sku, code, "0" + code, serial, 9, 0,
                      Decimal("1.00"))
        for sku, code, serial in (("BOLT", BOLT, False), ("PHONE", PHONE, True))
    )  # fmt: skip
    return ReceivingPlan(uuid.uuid4(), "PO-2026-000001", "S", "Supplier", "MAIN", "sent", lines)


def _header() -> JournalHeader:
    return JournalHeader("sqlite:///x", "RCV-1", "PO-2026-000001", "S", "MAIN", "anna",
                         datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # fmt: skip


def _scan(board: ScanBoard, journal: Journal, code: str, in_store: bool = False) -> None:
    result = parse_scan(code)
    product = board.find_local(result)
    board.apply(result, product, serial_in_store=in_store)
    journal.scan(result.raw, product, in_store)


def test_the_journal_replays_into_the_same_board(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    board = ScanBoard(_plan())
    journal = Journal(path)
    journal.begin(_header())
    extra = BoardProduct(uuid.uuid4(), "EXTRA", "Extra", None, None, False, Decimal("2.00"))
    journal.learn(extra)
    board.apply(parse_scan("3*EXTRA"), extra)
    journal.scan("3*EXTRA", extra, False)
    _scan(board, journal, f"4*{BOLT}")
    _scan(board, journal, f"]d201{'0' + PHONE}21S-1")
    _scan(board, journal, f"]d201{'0' + PHONE}21S-0", in_store=True)
    _scan(board, journal, "0000000000000")
    manifest = parse_manifest("serial\nS-1\n")
    board.set_manifest(manifest)
    journal.manifest(manifest)
    board.set_quantity(board.lines[0].product.product_id, 6)
    journal.append("quantity", product=str(board.lines[0].product.product_id), quantity=6)
    board.undo()
    journal.append("undo")
    sizes = [path.stat().st_size]
    _scan(board, journal, BOLT)
    sizes.append(path.stat().st_size)
    assert sizes[1] > sizes[0]  # appended and flushed at once
    journal.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"op": "scan", "raw": "40063')  # the crash cut the last line short

    saved = read(path)
    assert saved is not None and saved.header == _header()
    assert saved.scans == 6
    again = ScanBoard(_plan())
    assert replay(again, saved.ops) == 0
    assert again.counters() == board.counters()
    assert [(ln.product.sku, ln.scanned, tuple(ln.serials)) for ln in again.lines] == [
        (ln.product.sku, ln.scanned, tuple(ln.serials)) for ln in board.lines
    ]
    assert again.manifest is not None and again.manifest.serials == {"S-1"}


def test_no_journal_or_a_foreign_file_is_nothing_to_restore(tmp_path: Path) -> None:
    assert read(tmp_path / "none.jsonl") is None
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n[1, 2]\n", encoding="utf-8")
    assert read(junk) is None
    journal = Journal(tmp_path / "j.jsonl")
    journal.begin(_header())
    journal.discard()
    assert read(tmp_path / "j.jsonl") is None and not (tmp_path / "j.jsonl").exists()
