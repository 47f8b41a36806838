"""Square sync at scale: full sync against its floor, incremental, and the GUI thread's stalls.

    .venv/bin/python bench/sync.py [--counts 100000] [--db URL] [--skip-gui]
                                   [--gui-via manager|facade] [--profile]

A Square-shaped fake (tests/fakes/square.py, served by bench/_sync_world.py in a process of
its own) holds N item-location counts over loopback; the store holds the same N products
with levels and opening movements (a temporary SQLite file, or --db: an empty database that
the bench seeds). Steps, with the figures of the issue:

1. first full sync (mapping): every count is unmapped; the catalog is read and N mappings
   are created. Reported separately.
2. full sync: 1% of the POS counts sold one, another 1% of the store levels got a delivery
   of two (pulled and pushed, no conflicts). Seconds and items/s.
3. floor, in the same run: bare httpx paging of the same BatchRetrieveInventoryCounts pages
   (same query, page size and cursor walk, JSON parsed) plus one executemany UPDATE of the
   same N mapping rows (base and last-synced time, keyed like the sync's). Ratio full/floor,
   target <= 1.5.
4. incremental sync: the fake's counts are aged (as if the last sync were long ago), then 1%
   more counts change. Its seconds as a fraction of step 2, target <= 5%.
5. GUI stall: in a child process, offscreen QApplication + qasync loop, the real MainWindow
   over ``InventorySyncService(db)``; once its inventory rows are shown, a 10 ms precise
   QTimer probes the loop while ``asyncio.ensure_future(manager.sync(id, "full"))`` runs
   (after another 1% + 1% of changes). Stall = longest gap between ticks minus 10 ms,
   target <= 100 ms. ``--gui-via facade`` runs ``facade.sync_inventory_levels`` instead (the
   window then also reloads its rows afterwards).
6. ``--profile``: one more full sync (1% + 1% changed) under cProfile, with the sync
   manager's ``asyncio.to_thread`` calls run inline so the profile sees the database work;
   prints the top entries. Its time is not one of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import _sync_world as world  # noqa: E402

COUNTS_PATH = "/v2/inventory/counts/batch-retrieve"
TARGET_RATIO = 1.5
TARGET_INCREMENTAL = 0.05
TARGET_STALL_MS = 100.0


# -- the fake, in its own process ----------------------------------------------------------------


class Fake:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "_sync_world.py")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise SystemExit(f"the fake did not start (said {self.url!r})")

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx  # noqa: PLC0415

        if body is None:
            response = httpx.get(self.url + path, timeout=600)
        else:
            response = httpx.post(self.url + path, json=body, timeout=600)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def adapter_factory(url: str) -> Callable[[Any], Any]:
    from possync_gui.pos.square import SquareAdapter  # noqa: PLC0415

    def make(_record: Any) -> Any:
        return SquareAdapter(url, {"access_token": world.TOKEN}, timeout=60.0)

    return make


def every_hundredth(n: int, residue: int) -> list[int]:
    """1% of the items: those whose number ends in ``residue`` modulo 100."""
    return list(range(residue if residue else 100, n + 1, 100))


# -- the measured steps -----------------------------------------------------------------------------


async def timed_sync(manager: Any, integration_id: uuid.UUID, kind: str) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await manager.sync(integration_id, kind)
    return time.perf_counter() - start, result


def describe(result: Any) -> str:
    summary = {k: v for k, v in result.summary.items() if v}
    return (
        f"status {result.status.value}, processed {result.products_processed:,}, "
        f"updated {result.products_updated:,}, errors {len(result.errors)}, {summary}"
    )


async def measure_floor(url: str, db: Any, integration_id: uuid.UUID) -> tuple[float, float, int]:
    """Bare httpx over the same pages, then one executemany UPDATE of the same rows."""
    import httpx  # noqa: PLC0415
    from sqlalchemy import bindparam, update  # noqa: PLC0415

    from possync_gui.pos.square.records import DEFAULT_VERSION  # noqa: PLC0415
    from possync_gui.store.models import POSMapping  # noqa: PLC0415

    headers = {
        "Authorization": f"Bearer {world.TOKEN}",
        "Square-Version": DEFAULT_VERSION,
        "Accept": "application/json",
    }
    query: dict[str, Any] = {"states": ["IN_STOCK"], "limit": 1000}
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0) as client:
        cursor = None
        while True:
            response = await client.post(
                COUNTS_PATH, json={**query, "cursor": cursor} if cursor else query
            )
            response.raise_for_status()
            body = response.json()
            for count in body.get("counts") or []:
                rows.append(
                    {
                        "b_item": count["catalog_object_id"],
                        "b_loc": count["location_id"],
                        "b_q": int(count["quantity"]),
                    }
                )
            cursor = body.get("cursor")
            if not cursor:
                break
    fetched = time.perf_counter()
    table = POSMapping.__table__
    now = datetime.now(UTC)

    def write() -> int:
        stmt = (
            update(table)
            .where(table.c.integration_id == integration_id)
            .where(table.c.external_item_id == bindparam("b_item"))
            .where(table.c.external_location_id == bindparam("b_loc"))
            .values(last_synced_quantity=bindparam("b_q"), last_synced_at=now)
        )
        with db.engine.begin() as conn:
            return conn.execute(stmt, rows).rowcount

    written = await asyncio.to_thread(write)
    end = time.perf_counter()
    if written != len(rows):
        print(f"  (floor: {written:,} of {len(rows):,} rows matched a mapping)")
    return fetched - start, end - fetched, len(rows)


async def _inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


async def profiled_sync(manager: Any, integration_id: uuid.UUID) -> tuple[float, str]:
    real = asyncio.to_thread
    asyncio.to_thread = _inline  # type: ignore[assignment]
    profile = cProfile.Profile()
    try:
        profile.enable()
        took, _result = await timed_sync(manager, integration_id, "full")
        profile.disable()
    finally:
        asyncio.to_thread = real
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)
    return took, out.getvalue()


# -- the GUI child ----------------------------------------------------------------------------------


def gui_child(spec: dict[str, Any]) -> None:
    """Runs in a child process: the real window, a timer probe, one full sync on its loop."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync  # noqa: PLC0415
    from PySide6.QtCore import Qt, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    ticks: list[float] = []

    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def worst(since: float, until: float) -> tuple[float, int]:
        """Longest gap (minus the 10 ms interval) in ms, and gaps over the target."""
        inside = [t for t in ticks if since <= t <= until]
        gaps = [(b - a - 0.010) * 1000 for a, b in zip(inside, inside[1:], strict=False)]
        if not gaps:
            return 0.0, 0
        return max(gaps), sum(g > TARGET_STALL_MS for g in gaps)

    async def run() -> dict[str, Any]:
        from possync_gui.services.facade import InventorySyncService  # noqa: PLC0415
        from possync_gui.services.sync_manager import SyncManager  # noqa: PLC0415
        from possync_gui.store.database import open_database  # noqa: PLC0415
        from possync_gui.ui.main_window import MainWindow  # noqa: PLC0415

        db = await asyncio.to_thread(open_database, spec["db"])
        manager = SyncManager(db, adapter_factory(spec["fake"]))
        facade = InventorySyncService(db, sync_manager=manager)
        window = MainWindow(facade, "bench")
        window.resize(1280, 800)
        window.show()
        presenter = window.tabs.inventory_presenter
        deadline = time.perf_counter() + 120
        while presenter.total == 0 and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # let the first paint and the detail panel settle
        probe.start()
        idle_start = time.perf_counter()
        await asyncio.sleep(1.0)
        idle_end = time.perf_counter()
        integration_id = uuid.UUID(spec["integration"])
        if spec["via"] == "facade":
            task = asyncio.ensure_future(facade.sync_inventory_levels(integration_id, "full"))
        else:
            task = asyncio.ensure_future(manager.sync(integration_id, "full"))
        sync_start = time.perf_counter()
        while not task.done():
            await asyncio.sleep(0.005)
        sync_end = time.perf_counter()
        result = task.result()
        result = result[0] if isinstance(result, list) else result
        await asyncio.sleep(1.0)  # what the window does right after (a reload, say)
        after_end = time.perf_counter()
        probe.stop()
        idle_ms, _ = worst(idle_start, idle_end)
        sync_ms, over = worst(sync_start, sync_end)
        after_ms, after_over = worst(sync_end, after_end)
        window.close()
        await asyncio.sleep(0.1)
        db.dispose()
        return {
            "rows_shown": presenter.total,
            "idle_ms": idle_ms,
            "sync_s": sync_end - sync_start,
            "stall_ms": sync_ms,
            "over": over,
            "ticks": len([t for t in ticks if sync_start <= t <= sync_end]),
            "after_ms": after_ms,
            "after_over": after_over,
            "result": describe(result),
        }

    with loop:
        figures = loop.run_until_complete(run())
    print("GUI " + json.dumps(figures), flush=True)


def run_gui(url: str, fake: Fake, integration_id: uuid.UUID, via: str) -> dict[str, Any]:
    spec = {"db": url, "fake": fake.url, "integration": str(integration_id), "via": via}
    done = subprocess.run(
        [sys.executable, __file__, "--gui-child", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("GUI "):
            return json.loads(line[4:])
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(f"the GUI child failed (rc {done.returncode})")


# -- the parent ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, default=100_000, help="item-location counts")
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--skip-gui", action="store_true", help="no GUI stall measurement")
    parser.add_argument("--gui-via", choices=("manager", "facade"), default="manager")
    parser.add_argument("--profile", action="store_true", help="profile one more full sync")
    parser.add_argument("--gui-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gui_child:
        gui_child(json.loads(args.gui_child))
        return

    from possync_gui.services.sync_manager import SyncManager  # noqa: PLC0415
    from possync_gui.store.database import open_database  # noqa: PLC0415
    from possync_gui.store.ledger import ledger_mismatches  # noqa: PLC0415

    n = args.counts
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='possync-bench-')) / 'sync.db'}"
    db = open_database(url)
    backend = db.backend
    start = time.perf_counter()
    integration_id = world.seed_store(db, n)
    print(
        f"store: {n:,} products, levels and openings seeded in {time.perf_counter() - start:.1f} s"
    )
    fake = Fake()
    try:
        start = time.perf_counter()
        fake.control("/bench/seed", {"n": n})
        print(
            f"fake Square at {fake.url}: {n:,} counts seeded in {time.perf_counter() - start:.1f} s"
        )
        manager = SyncManager(db, adapter_factory(fake.url))
        figures = asyncio.run(steps(args, db, fake, manager, integration_id))
        with db.session() as session:
            mismatches = len(ledger_mismatches(session))
        print(f"ledger: {mismatches} levels differ from the sum of their movements")
        print(f"fake: {fake.control('/bench/stats')}")
        gui: dict[str, Any] | None = None
        if not args.skip_gui:
            fake.control("/bench/age", {})
            fake.control("/bench/bump", {"items": every_hundredth(n, 4), "delta": -1})
            world.bump_store(db, every_hundredth(n, 5), 2)
            gui = run_gui(url, fake, integration_id, args.gui_via)
            print(
                f"GUI ({args.gui_via}): {gui['rows_shown']:,} rows shown; idle stall "
                f"{gui['idle_ms']:.0f} ms; full sync {gui['sync_s']:.2f} s, "
                f"{gui['ticks']} ticks, longest stall {gui['stall_ms']:.0f} ms, "
                f"{gui['over']} over {TARGET_STALL_MS:.0f} ms; in the second after it "
                f"{gui['after_ms']:.0f} ms ({gui['after_over']} over)"
            )
            print(f"  {gui['result']}")
        if args.profile:
            fake.control("/bench/bump", {"items": every_hundredth(n, 6), "delta": -1})
            world.bump_store(db, every_hundredth(n, 7), 2)
            took, text = asyncio.run(profiled_sync(manager, integration_id))
            print(f"\nprofiled full sync (to_thread inline, under cProfile): {took:.2f} s")
            print(text)
    finally:
        fake.stop()
        db.dispose()
    summary(n, backend, figures, gui)


async def steps(
    args: argparse.Namespace, db: Any, fake: Fake, manager: Any, integration_id: uuid.UUID
) -> dict[str, float]:
    n = args.counts
    took, result = await timed_sync(manager, integration_id, "full")
    print(f"first full sync (mapping): {took:.2f} s, {n / took:,.0f} items/s")
    print(f"  {describe(result)}")
    mapping_s = took

    fake.control("/bench/bump", {"items": every_hundredth(n, 1), "delta": -1})
    world.bump_store(db, every_hundredth(n, 2), 2)
    full_s, result = await timed_sync(manager, integration_id, "full")
    processed = result.products_processed
    print(
        f"full sync (1% POS, 1% store changed): {full_s:.2f} s, {processed / full_s:,.0f} items/s"
    )
    print(f"  {describe(result)}")

    fetch_s, write_s, rows = await measure_floor(fake.url, db, integration_id)
    floor_s = fetch_s + write_s
    print(
        f"floor: {floor_s:.2f} s = httpx paging {fetch_s:.2f} s ({rows:,} counts) "
        f"+ one executemany UPDATE {write_s:.2f} s; full/floor {full_s / floor_s:.2f}"
    )

    fake.control("/bench/age", {})
    fake.control("/bench/bump", {"items": every_hundredth(n, 3), "delta": -1})
    incr_s, result = await timed_sync(manager, integration_id, "incremental")
    print(f"incremental sync (1% changed): {incr_s:.2f} s = {incr_s / full_s:.1%} of the full sync")
    print(f"  {describe(result)}")
    return {
        "mapping_s": mapping_s,
        "full_s": full_s,
        "processed": processed,
        "floor_s": floor_s,
        "incr_s": incr_s,
    }


def summary(n: int, backend: str, f: dict[str, float], gui: dict[str, Any] | None) -> None:
    ratio = f["full_s"] / f["floor_s"]
    fraction = f["incr_s"] / f["full_s"]
    print(f"\n== summary: {n:,} counts, {backend} ==")
    print(f"{'figure':<34}{'value':>22}  {'target':<10}verdict")
    rows = [
        ("first full sync (mapping)", f"{f['mapping_s']:.2f} s", "", ""),
        (
            "full sync",
            f"{f['full_s']:.2f} s, {f['processed'] / f['full_s']:,.0f}/s",
            "",
            "",
        ),
        ("floor (httpx pages + bulk write)", f"{f['floor_s']:.2f} s", "", ""),
        ("full / floor", f"{ratio:.2f}", "<= 1.5", verdict(ratio <= TARGET_RATIO)),
        (
            "incremental (1%) / full",
            f"{fraction:.1%}",
            "<= 5%",
            verdict(fraction <= TARGET_INCREMENTAL),
        ),
    ]
    if gui is not None:
        stall = gui["stall_ms"]
        rows.append(
            (
                "GUI stall during sync",
                f"{stall:.0f} ms",
                "<= 100 ms",
                verdict(stall <= TARGET_STALL_MS),
            )
        )
    else:
        rows.append(("GUI stall during sync", "skipped", "<= 100 ms", "-"))
    for name, value, target, mark in rows:
        print(f"{name:<34}{value:>22}  {target:<10}{mark}")


if __name__ == "__main__":
    main()
