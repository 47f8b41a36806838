"""The Receiving tab with a 5,000-line purchase order, scanned as a USB scanner types.

    .venv/bin/python bench/receiving.py [--lines 5000] [--extra 500] [--db URL]

Builds a store (SQLite in a temporary folder unless --db names an empty one) with ``--lines``
products, each with its own EAN-13, and one sent purchase order for all of them (2 units a
line). Opens the main window offscreen on the Receiving tab, scans the order number into the
scan field, then every product once in random order plus ``--extra`` more scans (some as
``N*`` code, all within what is ordered), each typed with QTest and ended with Enter, and
prints: scan-to-board-updated latency per scan (Enter pressed → the board's row changed),
p50 / p99 / max, the p99 of the first and the last 1,000 scans (no growth with lines
scanned), the same to the board's next paint, the longest GUI-thread stall, and the seconds
to post the delivery. Target (issue 5): p99 <= 30 ms. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ORDER = "PO-2026-005000"


def build_store(url: str, lines: int) -> list[str]:
    """Products, a warehouse, a supplier and one sent order; returns the barcodes."""
    from sqlalchemy import insert

    from possync_gui.domain.barcodes import make_ean13
    from possync_gui.store import models as m
    from possync_gui.store.database import open_database

    db = open_database(url)
    barcodes = [make_ean13(f"20{i:010d}") for i in range(lines)]
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="MAIN", name="Main warehouse")
        supplier = m.Supplier(id=uuid.uuid4(), code="BULK", name="Bulk Supplies")
        s.add_all([wh, supplier])
        s.flush()
        products = [
            {
                "id": uuid.uuid4(),
                "sku": f"SKU-{i:05d}",
                "name": f"Bench product {i:05d}",
                "barcode": code,
                "gtin": "0" + code,
                "is_serialized": False,
                "minimum_stock": 1,
                "reorder_point": 2,
                "unit_cost": Decimal("1.25"),
            }
            for i, code in enumerate(barcodes)
        ]
        s.execute(insert(m.Product), products)
        order = m.PurchaseOrder(
            id=uuid.uuid4(),
            order_number=ORDER,
            supplier_id=supplier.id,
            warehouse_id=wh.id,
            status="sent",
            created_by="bench",
            total_amount=Decimal("2.50") * lines,
        )
        s.add(order)
        s.flush()
        s.execute(
            insert(m.PurchaseOrderLine),
            [
                {
                    "id": uuid.uuid4(),
                    "purchase_order_id": order.id,
                    "product_id": p["id"],
                    "quantity": 2,
                    "unit_cost": Decimal("1.25"),
                    "received_quantity": 0,
                }
                for p in products
            ],
        )
    db.dispose()
    return barcodes


def scans_for(barcodes: list[str], extra: int) -> list[str]:
    """Every product once, then ``extra`` repeats (1 unit, or ``1*``), shuffled."""
    rng = random.Random(5)
    codes = list(barcodes)
    for code in rng.sample(barcodes, min(extra, len(barcodes))):
        codes.append(f"1*{code}" if rng.random() < 0.3 else code)
    rng.shuffle(codes)
    return codes


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(url: str, codes: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing the window at the end must not stop the loop
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    class PaintProbe(QObject):
        painted = 0

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                self.painted += 1
            return False

    stall = {"max": 0.0, "last": time.perf_counter()}

    def tick() -> None:
        now = time.perf_counter()
        stall["max"] = max(stall["max"], now - stall["last"] - 0.010)
        stall["last"] = now

    probe_timer = QTimer()
    probe_timer.setInterval(10)
    probe_timer.timeout.connect(tick)

    async def run() -> None:
        from possync_gui.services.facade import InventorySyncService
        from possync_gui.store.database import open_database
        from possync_gui.ui.main_window import MainWindow

        db = await asyncio.to_thread(open_database, url)
        window = MainWindow(InventorySyncService(db), "bench")
        window.resize(1400, 860)
        window.show()
        window.select_tab("Receiving")
        tab = window.tabs.receiving
        presenter = tab.presenter
        probe = PaintProbe()
        tab.banner.installEventFilter(probe)  # it says what every scan did
        opened = time.perf_counter()
        QTest.keyClicks(tab.scan, ORDER)
        QTest.keyClick(tab.scan, Qt.Key.Key_Return)
        while presenter.board.plan is None:
            await asyncio.sleep(0.001)
        print(
            f"order opened:            {len(presenter.board.lines):,} lines in "
            f"{time.perf_counter() - opened:.2f} s (scan of the order number to board shown)"
        )
        await asyncio.sleep(0.2)
        stall["last"] = time.perf_counter()
        probe_timer.start()
        updated: list[float] = []
        painted: list[float] = []
        for code in codes:
            QTest.keyClicks(tab.scan, code)  # the characters, as fast as Qt takes them
            before = presenter.applied
            paints = probe.painted
            start = time.perf_counter()
            QTest.keyClick(tab.scan, Qt.Key.Key_Return)
            while presenter.applied == before:  # a lookup in the queue: wait for it
                await asyncio.sleep(0)
            updated.append(time.perf_counter() - start)
            while probe.painted == paints:  # the loop paints when the GUI thread is free
                await asyncio.sleep(0)
            painted.append(time.perf_counter() - start)
            await asyncio.sleep(0)  # let the loop run between scans, as between key presses
        probe_timer.stop()
        c = presenter.board.counters()
        print(
            f"scans:                   {len(codes):,} ({c.units:,} units on "
            f"{c.lines_scanned:,} lines; unknown {c.unknown}, over {c.over})"
        )
        report("scan → board updated", updated)
        report("scan → banner painted", painted)
        print(
            f"longest GUI-thread stall: {stall['max'] * 1000:.0f} ms while scanning "
            "(10 ms timer probe)"
        )
        started = time.perf_counter()
        result = await presenter.post()
        took = time.perf_counter() - started
        print(
            f"post:                    {took:.2f} s for {len(result.items):,} items, "
            f"{result.units:,} units ({result.accepted:,} accepted, {result.rejected} "
            f"rejected); order now {result.purchase_order_status}"
        )
        window.close()
        await asyncio.sleep(0.1)
        db.dispose()

    with loop:
        loop.run_until_complete(run())


def report(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    first, last = ms[:1000], ms[-1000:]
    print(
        f"{label + ':':<25}p50 {statistics.median(ms):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, "
        f"max {max(ms):.1f} ms (target p99 <= 30 ms); p99 first 1,000 {pct(first, 0.99):.2f} "
        f"ms, last 1,000 {pct(last, 0.99):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--extra", type=int, default=500)
    parser.add_argument("--db", help="an empty store to build the bench in")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="possync-bench-receiving-"))
    os.environ["XDG_DATA_HOME"] = str(folder / "data")  # the scan journal, not the real one
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    url = args.db or f"sqlite:///{folder / 'bench.sqlite3'}"
    started = time.perf_counter()
    barcodes = build_store(url, args.lines)
    print(
        f"store:                   {args.lines:,} products and a {args.lines:,}-line order "
        f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    measure(url, scans_for(barcodes, args.extra))


if __name__ == "__main__":
    main()
