"""Square sync at scale: full sync against its floor, incremental, and the GUI thread's stalls.

    .venv/bin/python bench/sync.py [--counts 100000] [--repeat 2] [--db URL] [--skip-gui]
                                   [--gui-via manager|facade] [--stall-stacks]
                                   [--no-gc-tuning] [--profile]

A Square-shaped fake (tests/fakes/square.py, served by bench/_sync_world.py in a process of
its own) holds N item-location counts over loopback; the store holds the same N products
with levels and opening movements (a temporary SQLite file, or --db: an empty database that
the bench seeds). Every "1%" below is a fresh set of items (number % 100 == r, new r each
time); POS changes are a sale of one, store changes a delivery of two, so a sync pulls and
pushes but meets no conflicts. Steps, with the figures of the issue:

1. first full sync (mapping): every count is unmapped; the catalog is read and N mappings
   are created. Reported on its own.
2. full sync, --repeat times: 1% of the POS counts and another 1% of the store levels
   changed. Seconds and items/s; the figure is the best run.
3. floor, after each full sync: bare httpx paging of the same BatchRetrieveInventoryCounts
   pages (same query, page size and cursor walk, JSON parsed) plus one executemany UPDATE of
   the same N mapping rows (base and last-synced time, keyed by the external ids). The ratio
   best full / best floor, target <= 1.5.
4. incremental sync, --repeat times: the fake's counts are aged (as if the last sync were
   long ago), then 1% of the POS counts change. Best incremental / best full, target <= 5%.
5. GUI stall: in a child process, offscreen QApplication + qasync loop, the real MainWindow
   over ``InventorySyncService(db)``; once its inventory rows are shown, a 10 ms precise
   QTimer probes the loop while ``asyncio.ensure_future(manager.sync(id, "full"))`` runs,
   --repeat times (1% + 1% changed before each; the first is the window's first sync, cold).
   Stall = longest gap between ticks minus 10 ms; the figure is the worst run, target
   <= 100 ms. Cyclic GC pauses during the sync are reported alongside (they hold the GIL).
   By default the sync is started as the Integrations tab's "Full sync" button starts it
   (progress shown, the Inventory tab reloading after); ``--gui-via facade`` calls
   ``facade.sync_inventory_levels``, ``--gui-via manager`` the bare Sync Manager.
   ``--stall-stacks``: a watchdog thread samples the GUI thread's Python
   stack whenever no tick came for 50 ms and prints what it saw in the three longest stalls
   (it perturbs the figure a little; no sample means another thread held the GIL).
   The child calls the app's ``tune_gc()`` once the window shows its rows, as the app does
   (``--no-gc-tuning`` skips it, to see what it is worth).
6. ``--profile``: one more full sync (1% + 1% changed) under cProfile, with
   ``asyncio.to_thread`` run inline so the profile sees the database work; prints the top
   entries. Its time is not one of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
import traceback
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

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def control(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A /bench/* request to the fake."""
    import httpx  # noqa: PLC0415

    if body is None:
        response = httpx.get(url + path, timeout=600)
    else:
        response = httpx.post(url + path, json=body, timeout=600)
    response.raise_for_status()
    return response.json()


def adapter_factory(url: str) -> Callable[[Any], Any]:
    from possync_gui.pos.square import SquareAdapter  # noqa: PLC0415

    def make(_record: Any) -> Any:
        return SquareAdapter(url, {"access_token": world.TOKEN}, timeout=60.0)

    return make


def every_hundredth(n: int, residue: int) -> list[int]:
    """1% of the items: those whose number is ``residue`` modulo 100."""
    return list(range(residue if residue else 100, n + 1, 100))


class Changes:
    """Makes the changes a sync then finds, each time on a fresh 1% of the items."""

    def __init__(self, fake_url: str, db: Any, n: int, residues: list[int]) -> None:
        self.fake_url = fake_url
        self.db = db
        self.n = n
        self.residues = list(residues)

    def _fresh(self) -> list[int]:
        return every_hundredth(self.n, self.residues.pop(0))

    def pos(self) -> None:
        """1% of the POS counts sold one (calculated now)."""
        control(self.fake_url, "/bench/bump", {"items": self._fresh(), "delta": -1})

    def store(self) -> None:
        """1% of the store levels got a delivery of two."""
        world.bump_store(self.db, self._fresh(), 2)

    def age(self) -> None:
        control(self.fake_url, "/bench/age", {})


# -- the measured steps ----------------------------------------------------------------------------


def settle_wal(db: Any) -> None:
    """Checkpoint SQLite's write-ahead log before a timed step, so no step pays for the
    checkpoint of what the step before it wrote (the floor's 100,000-row UPDATE, say)."""
    if db.backend == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def timed_sync(manager: Any, integration_id: uuid.UUID, kind: str) -> tuple[float, Any]:
    settle_wal(manager._db)
    start = time.perf_counter()
    result = await manager.sync(integration_id, kind)
    return time.perf_counter() - start, result


def describe(result: Any) -> str:
    """An InventorySyncResult, or the sync log's entry of a run (the tab's path)."""
    summary = {k: v for k, v in result.summary.items() if v and k != "products_updated"}
    status = getattr(result.status, "value", result.status)
    processed = getattr(result, "products_processed", None)
    if processed is None:
        processed = result.records_processed
    updated = getattr(result, "products_updated", result.summary.get("products_updated", 0))
    return (
        f"status {status}, processed {processed:,}, "
        f"updated {updated:,}, errors {len(result.errors)}, {summary}"
    )


async def measure_floor(url: str, db: Any, integration_id: uuid.UUID) -> tuple[float, float, int]:
    """Bare httpx over the same pages, then one executemany UPDATE of the same rows."""
    settle_wal(db)
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


async def profiled_sync(
    manager: Any, integration_id: uuid.UUID, kind: str, top: int
) -> tuple[float, str]:
    real = asyncio.to_thread
    asyncio.to_thread = _inline  # type: ignore[assignment]
    profile = cProfile.Profile()
    try:
        profile.enable()
        took, _result = await timed_sync(manager, integration_id, kind)
        profile.disable()
    finally:
        asyncio.to_thread = real
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return took, out.getvalue()


# -- the GUI child ---------------------------------------------------------------------------------


class LoopProbe:
    """A 10 ms precise QTimer on the GUI thread; optionally a watchdog thread that samples
    the GUI thread's stack while no tick has come for 50 ms."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer  # noqa: PLC0415

        self.ticks: list[float] = []
        self.samples: list[tuple[float, str]] = []  # (the last tick before the stall, stack)
        self._watching = threading.Event()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        #: (generation, start, seconds, collected) of every cyclic collection, any thread.
        self.collections: list[tuple[int, float, float, int]] = []
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            took = now - self._gc_started
            self.collections.append((info["generation"], self._gc_started, took, info["collected"]))

    def gc_pauses(self, since: float, until: float) -> list[float]:
        """Collections in the window: how many and their total ms; the longest's ms,
        generation and objects freed; and how many objects the collector tracks now."""
        inside = [c for c in self.collections if since <= c[1] <= until]
        longest = max(inside, key=lambda c: c[2], default=(0, 0.0, 0.0, 0))
        total = sum(c[2] for c in inside) * 1000
        tracked = len(gc.get_objects())
        return [len(inside), total, longest[2] * 1000, longest[0], longest[3], tracked]

    def start(self, *, watch: bool) -> None:
        self._timer.start()
        if watch:
            self._watching.set()
            gui_thread = threading.get_ident()
            threading.Thread(target=self._watch, args=(gui_thread,), daemon=True).start()

    def stop(self) -> None:
        self._timer.stop()
        self._watching.clear()

    def _watch(self, gui_thread: int) -> None:
        while self._watching.is_set():
            time.sleep(0.005)
            last = self.ticks[-1] if self.ticks else None
            if last is not None and time.perf_counter() - last > 0.050:
                frame = sys._current_frames().get(gui_thread)
                if frame is not None:
                    self.samples.append((last, "".join(traceback.format_stack(frame)[-8:])))

    def gaps(self, since: float, until: float) -> list[tuple[float, float]]:
        inside = [t for t in self.ticks if since <= t <= until]
        return list(zip(inside, inside[1:], strict=False))

    def worst(self, since: float, until: float) -> tuple[float, int]:
        """Longest gap (minus the 10 ms interval) in ms, and how many gaps exceed the target."""
        stalls = [(b - a - 0.010) * 1000 for a, b in self.gaps(since, until)]
        if not stalls:
            return 0.0, 0
        return max(stalls), sum(g > TARGET_STALL_MS for g in stalls)

    def stacks(self, since: float, until: float) -> list[str]:
        """The stacks sampled in the three longest stalls, most frequent first."""
        out = []
        for start, end in sorted(self.gaps(since, until), key=lambda g: g[0] - g[1])[:3]:
            seen: dict[str, int] = {}
            for last, text in self.samples:
                if last == start:
                    seen[text] = seen.get(text, 0) + 1
            top = sorted(seen.items(), key=lambda kv: -kv[1])[:2]
            out.append(
                f"stall of {(end - start - 0.010) * 1000:.0f} ms, {sum(seen.values())} samples:\n"
                + "".join(f"  [{n}x]\n{text}" for text, n in top)
            )
        return out


async def gui_sync(spec: dict[str, Any], probe: LoopProbe) -> dict[str, Any]:
    from possync_gui.services.facade import InventorySyncService  # noqa: PLC0415
    from possync_gui.services.sync_manager import SyncManager  # noqa: PLC0415
    from possync_gui.store.database import open_database  # noqa: PLC0415
    from possync_gui.ui.main_window import MainWindow  # noqa: PLC0415

    db = await asyncio.to_thread(open_database, spec["db"])
    manager = SyncManager(db, adapter_factory(spec["fake"]))
    facade = InventorySyncService(db, sync_manager=manager)
    changes = Changes(spec["fake"], db, spec["n"], spec["residues"])
    window = MainWindow(facade, "bench")
    window.resize(1280, 800)
    window.show()
    presenter = window.tabs.inventory_presenter
    deadline = time.perf_counter() + 120
    while presenter.total == 0 and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)  # let the first paint and the detail panel settle
    if spec["gc_tuning"]:
        from possync_gui.app import tune_gc  # noqa: PLC0415

        tune_gc()  # what the app does once its window is up
    probe.start(watch=spec["stacks"])
    idle_start = time.perf_counter()
    await asyncio.sleep(1.0)
    rounds: list[dict[str, Any]] = []
    for _ in range(spec["repeat"]):
        await asyncio.to_thread(changes.age)
        await asyncio.to_thread(changes.pos)
        await asyncio.to_thread(changes.store)
        await asyncio.sleep(0.3)
        rounds.append(await gui_round(spec, probe, manager, facade, window))
    idle_ms = probe.worst(idle_start, idle_start + 1.0)[0]
    probe.stop()
    window.close()
    await asyncio.sleep(0.1)
    db.dispose()
    return {"rows_shown": presenter.total, "idle_ms": idle_ms, "rounds": rounds}


async def gui_round(
    spec: dict[str, Any], probe: LoopProbe, manager: Any, facade: Any, window: Any
) -> dict[str, Any]:
    """One full sync on the GUI loop, and the second after it."""
    integration_id = uuid.UUID(spec["integration"])
    if spec["via"] == "tab":  # what the Integrations tab's "Full sync" button does
        integrations = window.tabs.integrations_presenter
        integrations.start_sync(integration_id, "full")
        task = integrations._sync_tasks[integration_id]
    elif spec["via"] == "facade":
        task = asyncio.ensure_future(facade.sync_inventory_levels(integration_id, "full"))
    else:
        task = asyncio.ensure_future(manager.sync(integration_id, "full"))
    sync_start = time.perf_counter()
    while not task.done():
        await asyncio.sleep(0.005)
    sync_end = time.perf_counter()
    result = task.result()
    if result is None:  # the tab's task: the run is the newest in the log
        result = (await facade.sync_log(integration_id, limit=1))[0]
    result = result[0] if isinstance(result, list) else result
    await asyncio.sleep(1.0)  # what the window does right after (a reload, say)
    after_end = time.perf_counter()
    sync_ms, over = probe.worst(sync_start, sync_end)
    after_ms, after_over = probe.worst(sync_end, after_end)
    return {
        "sync_s": sync_end - sync_start,
        "stall_ms": sync_ms,
        "over": over,
        "ticks": len(probe.gaps(sync_start, sync_end)) + 1,
        "after_ms": after_ms,
        "after_over": after_over,
        "result": describe(result),
        "gc": probe.gc_pauses(sync_start, sync_end),
        "stacks": probe.stacks(sync_start, after_end) if spec["stacks"] else [],
    }


def gui_child(spec: dict[str, Any]) -> None:
    """Runs in a child process: the real window, a timer probe, one full sync on its loop."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    probe = LoopProbe()
    with loop:
        figures = loop.run_until_complete(gui_sync(spec, probe))
    print("GUI " + json.dumps(figures), flush=True)


def run_gui(spec: dict[str, Any]) -> dict[str, Any] | None:
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
    print(f"the GUI child failed (rc {done.returncode}); no stall figure")
    return None


def print_gui(gui: dict[str, Any], via: str) -> None:
    print(
        f"GUI ({via}): {gui['rows_shown']:,} rows shown; longest stall while idle "
        f"{gui['idle_ms']:.0f} ms"
    )
    for number, r in enumerate(gui["rounds"], 1):
        label = "cold, the window's first" if number == 1 else "warm"
        print(
            f"  full sync {number} ({label}): {r['sync_s']:.2f} s, {r['ticks']} ticks, longest "
            f"stall {r['stall_ms']:.0f} ms, {r['over']} over {TARGET_STALL_MS:.0f} ms; in the "
            f"second after it {r['after_ms']:.0f} ms ({r['after_over']} over)"
        )
        print(f"    {r['result']}")
        print(
            "    cyclic GC during it (any thread; holds the GIL): {} collections, {:.0f} ms in "
            "all, longest {:.0f} ms (generation {}, {:,} freed); {:,} objects tracked".format(
                *r["gc"]
            )
        )
        for text in r["stacks"]:
            print("    " + text.replace("\n", "\n    ").rstrip())


# -- the parent ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, default=100_000, help="item-location counts")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measured sync")
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--skip-gui", action="store_true", help="no GUI stall measurement")
    parser.add_argument("--gui-via", choices=("tab", "facade", "manager"), default="tab")
    parser.add_argument("--stall-stacks", action="store_true", help="sample the GUI stalls")
    parser.add_argument(
        "--no-gc-tuning", action="store_true", help="skip the app's tune_gc() in the GUI child"
    )
    parser.add_argument("--profile", action="store_true", help="profile one more full sync")
    parser.add_argument("--gui-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gui_child:
        gui_child(json.loads(args.gui_child))
        return
    if not 1 <= args.repeat <= 10:
        parser.error("--repeat is 1 to 10")

    from possync_gui.services.sync_manager import SyncManager  # noqa: PLC0415
    from possync_gui.store.database import open_database  # noqa: PLC0415
    from possync_gui.store.ledger import ledger_mismatches  # noqa: PLC0415

    load_at_start = load()
    n = args.counts
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='possync-bench-')) / 'sync.db'}"
    db = open_database(url)
    backend = db.backend
    start = time.perf_counter()
    integration_id = world.seed_store(db, n)
    took = time.perf_counter() - start
    print(f"store ({backend}): {n:,} products, levels and openings seeded in {took:.1f} s")
    fake = Fake()
    residues = list(range(1, 100))
    try:
        start = time.perf_counter()
        control(fake.url, "/bench/seed", {"n": n})
        took = time.perf_counter() - start
        print(f"fake Square at {fake.url}: {n:,} counts seeded in {took:.1f} s")
        manager = SyncManager(db, adapter_factory(fake.url))
        changes = Changes(fake.url, db, n, residues[: 4 * args.repeat])
        del residues[: 4 * args.repeat]
        figures = asyncio.run(steps(args.repeat, db, fake, manager, integration_id, changes))
        with db.session() as session:
            mismatches = len(ledger_mismatches(session))
        print(f"ledger: {mismatches} levels differ from the sum of their movements")
        print(f"fake: {control(fake.url, '/bench/stats')}")
        gui: dict[str, Any] | None = None
        if not args.skip_gui:
            spec = {
                "db": url,
                "fake": fake.url,
                "integration": str(integration_id),
                "via": args.gui_via,
                "stacks": args.stall_stacks,
                "gc_tuning": not args.no_gc_tuning,
                "n": n,
                "repeat": args.repeat,
                "residues": residues[: 2 * args.repeat],
            }
            del residues[: 2 * args.repeat]
            gui = run_gui(spec)
            if gui is not None:
                print_gui(gui, args.gui_via + ("" if args.no_gc_tuning else ", app's tune_gc()"))
        if args.profile:
            changes = Changes(fake.url, db, n, residues[:3])
            changes.pos()
            changes.store()
            took, text = asyncio.run(profiled_sync(manager, integration_id, "full", 25))
            print(f"\nprofiled full sync (to_thread inline, under cProfile): {took:.2f} s")
            print(text)
            changes.age()
            changes.pos()
            took, text = asyncio.run(profiled_sync(manager, integration_id, "incremental", 15))
            print(f"profiled incremental sync (1% changed): {took:.2f} s")
            print(text)
    finally:
        fake.stop()
        db.dispose()
    summary(n, backend, figures, gui)
    print(f"load average at the start {load_at_start}, at the end {load()} ({os.cpu_count()} CPUs)")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def steps(
    repeat: int, db: Any, fake: Fake, manager: Any, integration_id: uuid.UUID, changes: Changes
) -> dict[str, float]:
    took, result = await timed_sync(manager, integration_id, "full")
    print(f"first full sync (mapping): {took:.2f} s, {result.products_processed / took:,.0f}/s")
    print(f"  {describe(result)}")
    figures = {"mapping_s": took, "full_s": float("inf"), "floor_s": float("inf")}
    figures["incr_s"] = float("inf")
    for number in range(1, repeat + 1):
        await asyncio.to_thread(changes.pos)
        await asyncio.to_thread(changes.store)
        full_s, result = await timed_sync(manager, integration_id, "full")
        processed = result.products_processed
        print(
            f"full sync {number} (1% POS, 1% store changed): {full_s:.2f} s, "
            f"{processed / full_s:,.0f} items/s"
        )
        print(f"  {describe(result)}")
        fetch_s, write_s, rows = await measure_floor(fake.url, db, integration_id)
        floor_s = fetch_s + write_s
        print(
            f"floor {number}: {floor_s:.2f} s = httpx paging {fetch_s:.2f} s ({rows:,} counts) "
            f"+ one executemany UPDATE of {rows:,} rows {write_s:.2f} s"
        )
        if full_s < figures["full_s"]:
            figures["full_s"], figures["processed"] = full_s, processed
        figures["floor_s"] = min(figures["floor_s"], floor_s)
    for number in range(1, repeat + 1):
        await asyncio.to_thread(changes.age)
        await asyncio.to_thread(changes.pos)
        incr_s, result = await timed_sync(manager, integration_id, "incremental")
        print(f"incremental sync {number} (1% POS changed): {incr_s:.2f} s")
        print(f"  {describe(result)}")
        figures["incr_s"] = min(figures["incr_s"], incr_s)
    return figures


def summary(n: int, backend: str, f: dict[str, float], gui: dict[str, Any] | None) -> None:
    ratio = f["full_s"] / f["floor_s"]
    fraction = f["incr_s"] / f["full_s"]
    print(f"\n== summary: {n:,} counts, {backend} (best runs; GUI: worst run) ==")
    print(f"{'figure':<34}{'value':>22}  {'target':<10}verdict")
    rows = [
        ("first full sync (mapping)", f"{f['mapping_s']:.2f} s", "", ""),
        ("full sync", f"{f['full_s']:.2f} s, {f['processed'] / f['full_s']:,.0f}/s", "", ""),
        ("floor (httpx pages + bulk write)", f"{f['floor_s']:.2f} s", "", ""),
        ("full / floor", f"{ratio:.2f}", "<= 1.5", verdict(ratio <= TARGET_RATIO)),
        (
            "incremental (1%) / full",
            f"{fraction:.1%} ({f['incr_s']:.2f} s)",
            "<= 5%",
            verdict(fraction <= TARGET_INCREMENTAL),
        ),
    ]
    if gui is not None:
        stall = max(r["stall_ms"] for r in gui["rounds"])
        rows.append(
            (
                "GUI stall during sync",
                f"{stall:.0f} ms",
                "<= 100 ms",
                verdict(stall <= TARGET_STALL_MS),
            )
        )
    else:
        rows.append(("GUI stall during sync", "not measured", "<= 100 ms", "-"))
    for name, value, target, mark in rows:
        print(f"{name:<34}{value:>22}  {target:<10}{mark}".rstrip())


if __name__ == "__main__":
    main()
