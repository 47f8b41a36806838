"""Inventory tab on a big store: window shown, first painted rows, scroll to the end, RSS.

    .venv/bin/python bench/ui_inventory.py [--products 500000] [--warehouses 2] [--db URL]

Seeds the store with ``possync demo`` in a child process (unless --db names a seeded one),
then opens the window in a fresh child process, offscreen, and prints:
seconds to window shown (from process start), ms from shown to the first painted rows,
seconds to scroll to the last row and paint it, the longest GUI-thread stall (a 10 ms timer
probe), and peak RSS. Targets (issue 2): window <= 2 s, first rows <= 300 ms, RSS <= 350 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]


def seed(url: str, products: int, warehouses: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "possync_gui",
            "--db",
            url,
            "demo",
            "--products",
            str(products),
            "--warehouses",
            str(warehouses),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def measure(url: str) -> None:
    """Runs in the child: open the window and time what a user waits for."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    class PaintProbe(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted_rows_at: float | None = None
            self.rows_ready = False

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if (
                event.type() == QEvent.Type.Paint
                and self.rows_ready
                and self.painted_rows_at is None
            ):
                self.painted_rows_at = time.perf_counter()
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
        probe = PaintProbe()
        table = window.tabs.inventory.table
        table.viewport().installEventFilter(probe)
        window.show()
        shown = time.perf_counter()
        stall["last"] = shown
        probe_timer.start()
        presenter = window.tabs.inventory_presenter
        while presenter.model.row_at(0) is None:
            await asyncio.sleep(0.001)
        probe.rows_ready = True
        table.viewport().update()
        while probe.painted_rows_at is None:
            await asyncio.sleep(0.001)
        first_rows = probe.painted_rows_at
        total = presenter.total
        scroll_start = time.perf_counter()
        table.scrollToBottom()
        while presenter.model.row_at(total - 1) is None:
            await asyncio.sleep(0.001)
        probe.painted_rows_at = None
        table.viewport().update()
        while probe.painted_rows_at is None:
            await asyncio.sleep(0.001)
        scrolled = probe.painted_rows_at
        probe_timer.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"stock rows:                 {total:,}")
        print(f"window shown:               {shown - T0:.2f} s after process start (target <= 2 s)")
        print(
            f"first painted rows:         {(first_rows - shown) * 1000:.0f} ms after shown "
            f"(target <= 300 ms)"
        )
        print(f"scroll to last row:         {scrolled - scroll_start:.2f} s")
        print(f"longest GUI-thread stall:   {stall['max'] * 1000:.0f} ms (10 ms timer probe)")
        print(f"peak RSS:                   {rss_mb:.0f} MB (target <= 350 MB)")
        print(f"pages in memory at the end: {len(presenter.model.cached_pages())}")
        window.close()
        db.dispose()

    with loop:
        loop.run_until_complete(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=500_000)
    parser.add_argument("--warehouses", type=int, default=2)
    parser.add_argument("--db", help="an already seeded store (skips seeding)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    url = args.db
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="possync-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        took = seed(url, args.products, args.warehouses)
        rows = args.products * args.warehouses
        print(f"seeded {rows:,} stock rows in {took:.1f} s ({rows / took:,.0f} rows/s)")
    subprocess.run([sys.executable, __file__, "--measure", url], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
