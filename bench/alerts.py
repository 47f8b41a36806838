"""Stock alerts at scale: monitor_inventory_levels() against one hand-written SQL query.

    .venv/bin/python bench/alerts.py [--products 500000] [--warehouses 2]
                                     [--history-products 50000] [--backend sqlite|postgresql]
                                     [--pg-url URL] [--reuse | --fresh] [--po-alerts 10000]
                                     [--verify-sql] [--profile] [--prepare-only]

The store: ``seed_demo`` with --products x --warehouses stock levels (default 500,000 x 2 =
1,000,000) and 90 days of daily sales for the first --history-products products (the rest
carry an opening balance and a manual reorder point, as the demo's large stores do; the
default 50,000 gives ~3.2M sales_daily rows, ~93k levels with sales in the 28-day window,
and seeds SQLite in about 5 minutes). It is seeded once into /tmp/possync-bench-alerts/
(SQLite: a file; PostgreSQL: a database of its own on the server of --pg-url) and reused by
later runs with the same parameters (--fresh seeds it again; the sales end the day before
seeding, so a store seeded days ago has fewer sales in the window). Each run first deletes
the alerts and purchase orders a previous run left.

Times are printed as wall seconds with this process's CPU seconds, the seconds its threads
waited for a CPU (other processes' load) and the bytes it wrote to storage (Linux).

Steps, with the figures of issue 4:

1. the hand-written SQL (bench/_alerts_sql.py): ONE query that judges every stock level by
   the rules of domain/reorder.py (average daily sales over the window from sales_daily,
   the preferred supplier's lead time else 7, reorder point, open PO lines on order, days
   of cover, the thresholds of ``_urgency``) and counts the levels per urgency. Run twice;
   the second (warm) run is the floor.
2. ``await facade.monitor_inventory_levels()``, twice: the first run creates the alerts, the
   second finds them in place (it returns the alerts it created or changed). Ratio first
   run / warm SQL, target <= 2 (the second run's ratio too). The seconds each run's SQL
   statements spent in execute are listed by statement shape.
3. agreement: the SQL's count per urgency against the open alerts in the store after the
   second run (``list_alerts``), and, level by level, every level whose urgency differs
   (examples printed with the facts and the alert's details).
   ``--verify-sql`` also judges every level with ``domain.reorder.assess`` in Python (plain
   reads, not timed) and compares it with the SQL, to check the SQL itself.
4. ``process_stock_alerts`` for --po-alerts active alerts: seconds, purchase orders created,
   lines written, alerts without a preferred supplier.
5. ``--profile``: the alerts and orders deleted again, one more monitor run (creating them,
   as run 1 did), then process_stock_alerts of --po-alerts active alerts, under cProfile
   (``asyncio.to_thread`` inline; CPU time on SQLite, wall time on PostgreSQL); top entries
   by cumulative and own time. Their times are not figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import io
import json
import logging
import pstats
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import _alerts_sql as q  # noqa: E402

HOME = Path("/tmp/possync-bench-alerts")
TARGET_RATIO = 2.0
HISTORY_DAYS = 90
SEED = 42
ACTOR = "bench"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _progress(phase: str, done: int, total: int) -> None:
    print(f"\r  {phase}: {done:,}/{total:,}".ljust(70), end="", flush=True)


# -- the store ---------------------------------------------------------------------------------


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "products": args.products,
        "warehouses": args.warehouses,
        "history_products": args.history_products,
        "history_days": HISTORY_DAYS,
        "seed": SEED,
    }


def _tag(params: dict[str, Any]) -> str:
    return (
        f"p{params['products']}-w{params['warehouses']}-h{params['history_products']}"
        f"-d{params['history_days']}-s{params['seed']}"
    )


def _pg_urls(server_url: str, name: str) -> tuple[str, str]:
    """(the server's maintenance URL, the bench database's URL) on the server of --pg-url."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    url = make_url(server_url).set(drivername="postgresql+psycopg")
    return (
        url.set(database="postgres").render_as_string(hide_password=False),
        url.set(database=name).render_as_string(hide_password=False),
    )


def _pg_database(server_url: str, name: str, *, drop: bool) -> str:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    admin_url, url = _pg_urls(server_url, name)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if drop:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url


def prepare(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Open (seeding first when needed) the bench store; returns (db, what it holds)."""
    from possync_gui.store.database import open_database  # noqa: PLC0415
    from possync_gui.store.demo.seeder import seed_demo  # noqa: PLC0415

    params = _params(args)
    tag = _tag(params)
    HOME.mkdir(parents=True, exist_ok=True)
    if args.backend == "sqlite":
        path = HOME / f"store-{tag}.sqlite3"
        marker = path.with_suffix(".json")
        if args.fresh or not marker.exists():
            for leftover in HOME.glob(path.name + "*"):
                leftover.unlink()
            marker.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        if not args.pg_url:
            raise SystemExit("--backend postgresql needs --pg-url (any database on the server)")
        name = "possync_bench_alerts_" + tag.replace("-", "_")
        digest = hashlib.sha1(args.pg_url.encode()).hexdigest()[:10]
        marker = HOME / f"pg-{digest}-{tag}.json"
        fresh = args.fresh or not marker.exists()
        if fresh:
            marker.unlink(missing_ok=True)
        url = _pg_database(args.pg_url, name, drop=fresh)
    db = open_database(url)
    if marker.exists():
        info = json.loads(marker.read_text())
        print(f"Reusing the store seeded {info['seeded_at']} ({db.url_for_display})")
        age = datetime.now(UTC) - datetime.fromisoformat(info["seeded_at"])
        if age.days >= 2:
            print(f"  (seeded {age.days} days ago: fewer sales fall in the window; --fresh)")
        return db, info
    n_stock = args.products * args.warehouses
    print(
        f"Seeding {args.products:,} products x {args.warehouses} warehouses "
        f"({n_stock:,} stock levels), {HISTORY_DAYS} days of sales for the first "
        f"{args.history_products:,} products into {db.url_for_display}"
    )
    started = time.perf_counter()
    summary = seed_demo(
        db,
        products=args.products,
        warehouses=args.warehouses,
        history_days=HISTORY_DAYS,
        seed=SEED,
        progress=_progress,
        full_history_products=args.history_products,
    )
    print()
    seconds = time.perf_counter() - started
    info = {
        **params,
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed_seconds": round(seconds, 1),
        "stock_rows": summary.stock_rows,
        "sales_rows": summary.sales_rows,
        "movements": summary.movements,
        "supplier_products": summary.supplier_products,
    }
    if db.backend == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    marker.write_text(json.dumps(info, indent=2))
    print(f"seeded in {seconds:.1f} s")
    return db, info


def _bench_tables() -> list[Any]:
    """Tables of alerts and purchase orders (and whatever hangs off them), children first."""
    from possync_gui.store import models as m  # noqa: PLC0415

    keep = ("alert", "purchase_order")
    tables = [t for t in m.Base.metadata.sorted_tables if any(k in t.name for k in keep)]
    return list(reversed(tables))


def reset(db: Any) -> None:
    """Delete what a previous run left: alerts, purchase orders and their lines."""
    from sqlalchemy import delete, func, select  # noqa: PLC0415

    started = time.perf_counter()
    deleted = {}
    with db.session() as session:
        for table in _bench_tables():
            n = session.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                session.execute(delete(table))
                deleted[table.name] = n
    settle(db)
    if deleted:
        took = time.perf_counter() - started
        print(f"reset: deleted {deleted} in {took:.1f} s")


def settle(db: Any) -> None:
    """Checkpoint SQLite's WAL (or VACUUM ANALYZE PostgreSQL) before a timed step."""
    if db.backend == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def describe_store(db: Any, window_start: date) -> dict[str, int]:
    from sqlalchemy import text  # noqa: PLC0415

    sql = {
        "stock levels": "SELECT COUNT(*) FROM stock_levels",
        "products": "SELECT COUNT(*) FROM products",
        "sales_daily rows": "SELECT COUNT(*) FROM sales_daily",
        "products with sales history": "SELECT COUNT(DISTINCT product_id) FROM sales_daily",
        "sales_daily rows in the window": "SELECT COUNT(*) FROM sales_daily WHERE day >= :start",
        "levels with sales in the window": (
            "SELECT COUNT(*) FROM (SELECT DISTINCT product_id, warehouse_id FROM sales_daily"
            " WHERE day >= :start) x"
        ),
        "products with a manual reorder point": (
            "SELECT COUNT(*) FROM products WHERE reorder_point IS NOT NULL"
        ),
        "products with a preferred supplier": (
            "SELECT COUNT(DISTINCT product_id) FROM supplier_products WHERE is_preferred"
        ),
    }
    from sqlalchemy import Date, bindparam  # noqa: PLC0415

    out = {}
    with db.engine.connect() as conn:
        for label, stmt in sql.items():
            clause = text(stmt)
            if ":start" in stmt:
                clause = clause.bindparams(bindparam("start", type_=Date()))
                value = conn.execute(clause, {"start": window_start}).scalar_one()
            else:
                value = conn.execute(clause).scalar_one()
            out[label] = int(value)
    return out


# -- the terms the service applies -----------------------------------------------------------------


def warehouse_terms(db: Any, facade: Any) -> list[q.WarehouseTerms]:
    """Each warehouse's window, multiplier and threshold: the service's own (its alert
    generator's settings: ``app_settings["alerts"]``, then the multiplier and threshold of
    the integration whose locationMap feeds the warehouse), else the domain's defaults."""
    from sqlalchemy import text  # noqa: PLC0415

    from possync_gui.domain.reorder import AlertParams  # noqa: PLC0415

    base, per = AlertParams(), {}
    settings = getattr(getattr(facade, "alerts", None), "_settings", None)
    if callable(settings):
        with db.sessions() as session:
            base, per = settings(session)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id FROM warehouses")).scalars().all()
    out = []
    for raw in rows:
        wid = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        params = per.get(wid, base)
        out.append(q.WarehouseTerms(wid, params.window_days, params.multiplier, params.threshold))
    return out


# -- the measured steps -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Took:
    """Wall seconds; this process's CPU seconds (all threads); the seconds its threads sat
    runnable waiting for a CPU (Linux schedstat: other processes' load) and the bytes it
    had written to storage (/proc/self/io). On a busy machine the CPU figure of an SQLite
    run is the steadier one; wall - CPU - waiting is roughly time blocked on I/O."""

    wall: float
    cpu: float
    runqueue: float | None = None
    written: int | None = None

    def __str__(self) -> str:
        extra = [f"CPU {self.cpu:.2f} s"]
        if self.runqueue is not None:
            extra.append(f"waiting for a CPU {self.runqueue:.2f} s")
        if self.written is not None:
            extra.append(f"{self.written / 1e6:,.0f} MB written")
        return f"{self.wall:.2f} s ({', '.join(extra)})"


def _runqueue_seconds() -> float | None:
    """Seconds all this process's threads spent runnable but not running (Linux only)."""
    total = 0
    try:
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int((task / "schedstat").read_text().split()[1])
    except OSError:
        return None
    return total / 1e9


def _written_bytes() -> int | None:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


@contextlib.contextmanager
def stopwatch() -> Iterator[list[Took]]:
    out: list[Took] = []
    wait, written = _runqueue_seconds(), _written_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield out
    finally:
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        wait_now, written_now = _runqueue_seconds(), _written_bytes()
        out.append(
            Took(
                wall,
                cpu,
                None if wait is None or wait_now is None else wait_now - wait,
                None if written is None or written_now is None else written_now - written,
            )
        )


def run_sql_counts(db: Any, terms: list[q.WarehouseTerms], today: date) -> tuple[Took, Any]:
    stmt = q.counts_query(len(terms), db.backend)
    values = q.parameters(terms, today)
    with stopwatch() as took, db.engine.connect() as conn:
        row = conn.execute(stmt, values).one()
    return took[0], q.as_counts(tuple(row))


def run_sql_rows(
    db: Any, terms: list[q.WarehouseTerms], today: date
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    stmt = q.rows_query(len(terms), db.backend)
    with db.engine.connect() as conn:
        rows = conn.execute(stmt, q.parameters(terms, today)).all()
    return {(r.product_id, r.warehouse_id): r.urgency for r in rows}


def python_reference(
    db: Any, terms: list[q.WarehouseTerms], today: date
) -> dict[tuple[uuid.UUID, uuid.UUID], str]:
    """Every level judged by ``domain.reorder.assess`` itself, from plain reads (not timed):
    checks the hand-written SQL against the Python rules it copies."""
    from sqlalchemy import func, select  # noqa: PLC0415

    from possync_gui.domain.errors import ReorderPointCalculationError  # noqa: PLC0415
    from possync_gui.domain.reorder import AlertParams, StockFacts, assess  # noqa: PLC0415
    from possync_gui.store import models as m  # noqa: PLC0415

    by_wh = {t.warehouse_id: t for t in terms}
    params = {
        wid: AlertParams(t.window_days, t.multiplier, t.threshold) for wid, t in by_wh.items()
    }
    out: dict[tuple[uuid.UUID, uuid.UUID], str] = {}
    with db.sessions() as s:
        sold: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        for wid, t in by_wh.items():
            start = q.window_start(t.window_days, today)
            for pid, units in s.execute(
                select(m.SalesDaily.product_id, func.sum(m.SalesDaily.quantity))
                .where(m.SalesDaily.warehouse_id == wid, m.SalesDaily.day >= start)
                .group_by(m.SalesDaily.product_id)
            ):
                sold[(pid, wid)] = int(units)
        leads: dict[uuid.UUID, tuple[int, int, int]] = {}
        for pid, lead, pack, moq in s.execute(
            select(
                m.SupplierProduct.product_id,
                m.SupplierProduct.lead_time_days,
                m.SupplierProduct.pack_size,
                m.SupplierProduct.min_order_qty,
            )
            .where(m.SupplierProduct.is_preferred.is_(True))
            .order_by(m.SupplierProduct.id.desc())  # the lowest id wins
        ):
            leads[pid] = (lead, pack, moq)
        on_order: Counter[tuple[uuid.UUID, uuid.UUID]] = Counter()
        for pid, wid, qty in s.execute(
            select(
                m.PurchaseOrderLine.product_id,
                m.PurchaseOrder.warehouse_id,
                m.PurchaseOrderLine.quantity - m.PurchaseOrderLine.received_quantity,
            )
            .join(m.PurchaseOrder, m.PurchaseOrder.id == m.PurchaseOrderLine.purchase_order_id)
            .where(m.PurchaseOrder.status.in_(q.OPEN_PO_STATES))
        ):
            on_order[(pid, wid)] += int(qty)
        rows = s.execute(
            select(
                m.StockLevel.product_id,
                m.StockLevel.warehouse_id,
                m.StockLevel.on_hand,
                m.Product.minimum_stock,
                m.Product.reorder_point,
                m.Product.reorder_quantity,
                m.Product.max_stock,
            ).join(m.Product, m.Product.id == m.StockLevel.product_id)
        )
        for pid, wid, on_hand, minimum, rp, rq, mx in rows:
            lead = leads.get(pid)
            facts = StockFacts(
                on_hand=on_hand,
                on_order=on_order.get((pid, wid), 0),
                minimum_stock=minimum,
                units_sold=sold.get((pid, wid), 0),
                manual_reorder_point=rp,
                reorder_quantity=rq,
                max_stock=mx,
                lead_time_days=lead[0] if lead else None,
                pack_size=lead[1] if lead else 1,
                min_order_qty=lead[2] if lead else 0,
            )
            try:
                urgency = assess(facts, params[wid]).urgency
            except ReorderPointCalculationError:
                out[(pid, wid)] = "problem"
                continue
            if urgency is not None:
                out[(pid, wid)] = str(urgency)
    return out


def compare_rows(
    label: str,
    db: Any,
    mine: dict[tuple[uuid.UUID, uuid.UUID], str],
    theirs: dict[tuple[uuid.UUID, uuid.UUID], str],
    examples: int,
) -> int:
    keys = set(mine) | set(theirs)
    diff = [(k, mine.get(k, "none"), theirs.get(k, "none")) for k in keys]
    diff = [d for d in diff if d[1] != d[2]]
    if not diff:
        print(f"  {label}: agree on all {len(keys):,} levels that are not 'none'")
        return 0
    print(f"  {label}: {len(diff):,} levels DISAGREE")
    for (a, b), n in Counter((d[1], d[2]) for d in diff).most_common():
        print(f"    {a:<9} vs {b:<9} {n:,}")
    for key, a, b in sorted(diff, key=lambda d: (d[1], d[2], str(d[0])))[:examples]:
        print(f"    example: {a} vs {b}: {facts_of(db, key)}")
    return len(diff)


def alert_counts(alerts: list[Any]) -> dict[str, int]:
    """Alerts per urgency; 'problem' counts those judged on the minimum stock only (their
    details say so; the SQL's 'problem' levels are those with no alert and an error)."""
    out = dict.fromkeys(q.URGENCIES, 0)
    for a in alerts:
        out[str(a.urgency_level)] += 1
    return out


def comparable(counts: dict[str, int]) -> dict[str, int]:
    """Counts of the levels that get an alert, per urgency."""
    return {k: counts[k] for k in ("critical", "high", "medium", "low")}


def show_counts(label: str, counts: dict[str, int]) -> None:
    parts = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"  {label:<26}{parts}")


async def timed(coro_fn: Callable[[], Any]) -> tuple[Took, Any]:
    with stopwatch() as took:
        result = await coro_fn()
    return took[0], result


@contextlib.contextmanager
def inline_threads() -> Iterator[None]:
    """``asyncio.to_thread`` runs inline, so cProfile sees the database work."""
    original = asyncio.to_thread

    async def inline(func: Callable[..., Any], /, *a: Any, **kw: Any) -> Any:
        return func(*a, **kw)

    asyncio.to_thread = inline
    try:
        yield
    finally:
        asyncio.to_thread = original


async def profile(label: str, call: Callable[[], Any], top: int, *, cpu: bool, engine: Any) -> None:
    """``call()`` once more under cProfile (worker threads inline); prints the top entries.
    ``cpu``: timed in this process's CPU seconds (SQLite works in this process, and a busy
    machine's waits would otherwise land on whatever ran; time blocked on I/O does not
    show, see the written MB of the figures); else in wall seconds (PostgreSQL's work is
    the server's: it shows as time in ``execute``)."""
    profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    with inline_threads(), StatementTimer(engine) as statements:
        profiler.enable()
        started = time.perf_counter()
        await call()
        seconds = time.perf_counter() - started
        profiler.disable()
    clock = "CPU" if cpu else "wall"
    print(f"\n== profile: {label} (inline threads, {clock} time) {seconds:.2f} s wall ==")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(f"-- by {key} --")
        text = out.getvalue()
        print(text[text.find("   ncalls") :].rstrip())
    statements.report()


class StatementTimer:
    """Wall seconds per SQL statement shape while attached to an engine (cursor execute to
    its return; a SELECT's fetching of rows is not included)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.stats: dict[str, list[float]] = {}
        self._started: list[float] = []

    def __enter__(self) -> StatementTimer:
        from sqlalchemy import event  # noqa: PLC0415

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event  # noqa: PLC0415

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        took = time.perf_counter() - self._started.pop()
        shape = " ".join(statement.split())[:90]
        entry = self.stats.setdefault(shape, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += took
        entry[2] = max(entry[2], took)

    def report(self, top: int = 12) -> None:
        rows = sorted(self.stats.items(), key=lambda kv: -kv[1][1])[:top]
        total = sum(v[1] for v in self.stats.values())
        print(f"-- SQL statements: {total:.2f} s in execute, by shape (top {len(rows)}) --")
        for shape, (count, seconds, longest) in rows:
            print(f"  {seconds:8.2f} s {int(count):7,}x  max {longest:6.2f} s  {shape}")


def pick_active(alerts: list[Any], n: int, skip: int = 0) -> list[Any]:
    """``n`` active alerts in a fixed order (warehouse, SKU), after the first ``skip``."""
    from possync_gui.domain.enums import AlertStatus  # noqa: PLC0415

    active = sorted(
        (a for a in alerts if a.status == AlertStatus.ACTIVE),
        key=lambda a: (a.warehouse_code, a.product_code),
    )
    return active[skip : skip + n]


def disagreements(
    db: Any,
    sql_rows: dict[tuple[uuid.UUID, uuid.UUID], str],
    alerts: list[Any],
    examples: int,
) -> None:
    """Every level whose urgency the SQL and the service see differently."""
    service: dict[tuple[uuid.UUID, uuid.UUID], Any] = {}
    for a in alerts:
        service[(a.product_id, a.warehouse_id)] = (str(a.urgency_level), a)
    keys = set(sql_rows) | set(service)
    diff = []
    for key in keys:
        # a 'problem' level gets no alert (the run reports it as an error)
        mine = sql_rows.get(key, "none").replace("problem", "none")
        theirs = service[key][0] if key in service else "none"
        if mine != theirs:
            diff.append((key, mine, theirs))
    if not diff:
        print(f"  level by level: the SQL and the service agree on all {len(keys):,} levels")
        return
    kinds = Counter((mine, theirs) for _, mine, theirs in diff)
    print(f"  level by level: {len(diff):,} levels DISAGREE (sql -> service):")
    for (mine, theirs), n in kinds.most_common():
        print(f"    sql {mine:<9} service {theirs:<9} {n:,}")
    shown: Counter[tuple[str, str]] = Counter()
    for key, mine, theirs in sorted(diff, key=lambda d: (d[1], d[2], str(d[0]))):
        if shown[(mine, theirs)] >= examples:
            continue
        shown[(mine, theirs)] += 1
        alert = service[key][1] if key in service else None
        print(f"    example: sql {mine}, service {theirs}: {facts_of(db, key)}")
        if alert is not None:
            print(f"      alert details: {json.dumps(alert.details, default=str)}")


def facts_of(db: Any, key: tuple[uuid.UUID, uuid.UUID]) -> str:
    """The stored facts of one level, for a disagreement report."""
    from sqlalchemy import func, select  # noqa: PLC0415

    from possync_gui.store import models as m  # noqa: PLC0415

    product_id, warehouse_id = key
    with db.sessions() as s:
        p = s.get(m.Product, product_id)
        wh = s.get(m.Warehouse, warehouse_id)
        level = s.execute(
            select(m.StockLevel.on_hand).where(
                m.StockLevel.product_id == product_id, m.StockLevel.warehouse_id == warehouse_id
            )
        ).scalar_one()
        sold = s.execute(
            select(func.min(m.SalesDaily.day), func.max(m.SalesDaily.day), func.count()).where(
                m.SalesDaily.product_id == product_id, m.SalesDaily.warehouse_id == warehouse_id
            )
        ).one()
        offers = s.execute(
            select(m.SupplierProduct.lead_time_days, m.SupplierProduct.is_preferred).where(
                m.SupplierProduct.product_id == product_id
            )
        ).all()
    assert p is not None and wh is not None
    return (
        f"{p.sku} @ {wh.code}: on_hand {level}, minimum {p.minimum_stock}, manual rp "
        f"{p.reorder_point}, sales days {sold[2]} ({sold[0]}..{sold[1]}), offers "
        f"{[(o.lead_time_days, o.is_preferred) for o in offers]}"
    )


class ProblemCounter(logging.Handler):
    """Counts the per-item warnings process_stock_alerts logs (instead of printing each)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.kinds: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.kinds[" ".join(message.split()[:4])] += 1


async def process_alerts(db: Any, facade: Any, alerts: list[Any], n: int) -> dict[str, Any]:
    from sqlalchemy import func, select  # noqa: PLC0415

    from possync_gui.store import models as m  # noqa: PLC0415

    active = pick_active(alerts, n)
    ids = [a.id for a in active]
    no_supplier = sum(1 for a in active if a.preferred_supplier_id is None)
    settle(db)
    counter = ProblemCounter()
    logger = logging.getLogger("possync")
    logger.addHandler(counter)
    try:
        seconds, orders = await timed(lambda: facade.process_stock_alerts(ids, actor=ACTOR))
    finally:
        logger.removeHandler(counter)
    with db.sessions() as s:
        lines = s.execute(select(func.count()).select_from(m.PurchaseOrderLine)).scalar_one()
    return {
        "alerts": len(ids),
        "seconds": seconds,
        "orders": len(orders),
        "lines": int(lines),
        "no_supplier": no_supplier,
        "statuses": Counter(str(o.status) for o in orders),
        "logged": counter.kinds,
    }


# -- main ---------------------------------------------------------------------------------------


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=500_000)
    parser.add_argument("--warehouses", type=int, default=2)
    parser.add_argument(
        "--history-products",
        type=int,
        default=50_000,
        help="products with 90 days of daily sales (the first N; default 50,000)",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", help="a PostgreSQL server URL (the bench makes its own db)")
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--reuse", action="store_true", default=True, help="(default)")
    reuse.add_argument("--fresh", action="store_true", help="seed the store again")
    parser.add_argument("--po-alerts", type=int, default=10_000)
    parser.add_argument("--examples", type=int, default=3, help="disagreements shown per kind")
    parser.add_argument("--profile", action="store_true", help="profile one more monitor run")
    parser.add_argument("--profile-top", type=int, default=40)
    parser.add_argument("--prepare-only", action="store_true", help="store and SQL only")
    parser.add_argument(
        "--verify-sql",
        action="store_true",
        help="also judge every level with domain.reorder.assess in Python and compare",
    )
    return parser.parse_args()


def main() -> int:
    args = _parse()
    db, info = prepare(args)
    return asyncio.run(run(args, db, info))


async def run(args: argparse.Namespace, db: Any, info: dict[str, Any]) -> int:
    from possync_gui.services.facade import InventorySyncService  # noqa: PLC0415

    try:
        facade: Any = InventorySyncService(db)
    except Exception as err:  # the lead's facade mid-edit: the SQL part still runs
        print(f"(the facade cannot be built: {err!r})")
        facade = None
    has_alerts = hasattr(facade, "monitor_inventory_levels")
    if has_alerts:
        reset(db)
    terms = warehouse_terms(db, facade)
    today = datetime.now(UTC).date()
    window_start = q.window_start(max(t.window_days for t in terms), today)
    store = describe_store(db, window_start)
    print(
        f"\n== store: {db.backend}, seeded {info['seeded_at']} "
        f"({info.get('seed_seconds', '?')} s) =="
    )
    for label, value in store.items():
        print(f"  {label:<40}{value:>12,}")
    print(f"  terms: {q.explain_terms({t.warehouse_id: t for t in terms})}; today {today}")

    print("\n== hand-written SQL: one query classifying every stock level ==")
    settle(db)
    cold_s, sql_counts = await asyncio.to_thread(run_sql_counts, db, terms, today)
    warm_s, sql_counts2 = await asyncio.to_thread(run_sql_counts, db, terms, today)
    assert sql_counts == sql_counts2
    print(f"  run 1 (cold) {cold_s}, run 2 (warm) {warm_s}")
    show_counts("levels per urgency:", sql_counts)
    if args.verify_sql:
        started = time.perf_counter()
        reference = await asyncio.to_thread(python_reference, db, terms, today)
        sql_rows = await asyncio.to_thread(run_sql_rows, db, terms, today)
        took = time.perf_counter() - started
        compare_rows(f"SQL vs assess() in Python ({took:.0f} s)", db, sql_rows, reference, 5)
    if not has_alerts or args.prepare_only:
        if not has_alerts:
            print("\n(the facade has no monitor_inventory_levels yet: SQL part only)")
        return 0

    print("\n== monitor_inventory_levels() ==")
    settle(db)
    with StatementTimer(db.engine) as statements1:
        first_s, alerts = await timed(facade.monitor_inventory_levels)
    print(f"  run 1 (creates alerts) {first_s}, {len(alerts):,} alerts returned")
    settle(db)
    with StatementTimer(db.engine) as statements2:
        second_s, alerts2 = await timed(facade.monitor_inventory_levels)
    print(f"  run 2 (finds them)     {second_s}, {len(alerts2):,} alerts returned")
    print("  run 1:", end=" ")
    statements1.report(6)
    print("  run 2:", end=" ")
    statements2.report(4)

    print("\n== agreement ==")
    from possync_gui.domain.purchasing import AlertQuery  # noqa: PLC0415

    listed_s, stored = await timed(lambda: facade.list_alerts(AlertQuery(limit=None)))
    show_counts("SQL, levels per urgency:", sql_counts)
    show_counts("service run 1 returned:", alert_counts(alerts))
    show_counts("service run 2 returned:", alert_counts(alerts2))
    show_counts("open alerts after run 2:", alert_counts(stored))
    minimum_only = sum(1 for a in stored if a.details.get("problem"))
    print(
        f"  (open alerts: list_alerts, {len(stored):,} in {listed_s.wall:.1f} s. 'problem' in "
        "the SQL = no sales, no manual point, above the minimum: no alert; the service "
        f"flags {minimum_only:,} of its alerts as judged on the minimum only)"
    )
    counts_agree = comparable(sql_counts) == comparable(alert_counts(stored))
    print(f"  per-urgency counts agree (SQL vs open alerts): {counts_agree}")
    sql_rows = await asyncio.to_thread(run_sql_rows, db, terms, today)
    disagreements(db, sql_rows, stored, args.examples)

    print(f"\n== process_stock_alerts({args.po_alerts:,} alerts) ==")
    po = await process_alerts(db, facade, stored, args.po_alerts)
    print(
        f"  {po['seconds']} for {po['alerts']:,} alerts: {po['orders']} purchase orders "
        f"{dict(po['statuses'])}, {po['lines']:,} lines, {po['no_supplier']:,} alerts "
        "without a preferred supplier"
    )
    for kind, count in po["logged"].most_common():
        print(f"  logged per item: {kind!r}… x {count:,}")

    if args.profile:
        reset(db)  # so the profiled run creates the alerts, as run 1 did
        await profile(
            "monitor_inventory_levels() creating the alerts again",
            facade.monitor_inventory_levels,
            args.profile_top,
            cpu=db.backend == "sqlite",
            engine=db.engine,
        )
        fresh = await facade.list_alerts(AlertQuery(limit=None))
        more = [a.id for a in pick_active(fresh, args.po_alerts)]
        logger = logging.getLogger("possync")
        counter = ProblemCounter()
        logger.addHandler(counter)
        try:
            await profile(
                f"process_stock_alerts of {len(more):,} active alerts",
                lambda: facade.process_stock_alerts(more, actor=ACTOR),
                args.profile_top,
                cpu=db.backend == "sqlite",
                engine=db.engine,
            )
        finally:
            logger.removeHandler(counter)

    ratio1 = first_s.wall / warm_s.wall
    ratio2 = second_s.wall / warm_s.wall
    print(f"\n== summary: {store['stock levels']:,} stock levels, {db.backend} ==")
    print(f"{'figure':<40}{'value':>16}  {'target':<10}verdict")
    rows = [
        ("hand-written SQL (warm)", f"{warm_s.wall:.2f} s", "", ""),
        ("monitor_inventory_levels() run 1", f"{first_s.wall:.2f} s", "", ""),
        ("run 1 / SQL", f"{ratio1:.2f}", "<= 2", verdict(ratio1 <= TARGET_RATIO)),
        ("monitor_inventory_levels() run 2", f"{second_s.wall:.2f} s", "", ""),
        ("run 2 / SQL", f"{ratio2:.2f}", "<= 2", verdict(ratio2 <= TARGET_RATIO)),
        ("urgency counts agree", str(counts_agree), "", ""),
        (f"process_stock_alerts({po['alerts']:,})", f"{po['seconds'].wall:.2f} s", "", ""),
    ]
    if db.backend == "sqlite":  # the database works in this process: CPU seconds compare too
        cpu1, cpu2 = first_s.cpu / warm_s.cpu, second_s.cpu / warm_s.cpu
        rows[3:3] = [("run 1 / SQL, in CPU seconds", f"{cpu1:.2f}", "(<= 2)", "")]
        rows[6:6] = [("run 2 / SQL, in CPU seconds", f"{cpu2:.2f}", "(<= 2)", "")]
    for figure, shown, target, mark in rows:
        print(f"{figure:<40}{shown:>16}  {target:<10}{mark}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
