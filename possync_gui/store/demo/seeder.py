"""``seed_demo``: fill an empty store with a lived-in demo shop, in one transaction.

The shop has warehouses, four suppliers, a catalog from ``catalog.py``, a few months of
daily sales, deliveries and the ledger rows behind every stock level, and a "Demo POS"
integration whose simulated till (``services/demo_pos.py``) sells from its own shelf, which
starts equal to the store. Everything is drawn from one seeded ``random.Random``, so the
same seed and ``now`` give the same shop.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from possync_gui.domain.errors import ValidationError
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.demo.run import FULL_HISTORY_PRODUCTS, POS_KEY, SeedRun, warehouse_defs
from possync_gui.store.demo.words import SUPPLIERS
from possync_gui.store.types import utcnow

log = logging.getLogger("possync.db")

Progress = Callable[[str, int, int], None]

MAX_PRODUCTS = 2_000_000
MAX_WAREHOUSES = 50
MAX_HISTORY_DAYS = 730


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What ``seed_demo`` wrote, and how long it took."""

    products: int
    warehouses: int
    stock_rows: int
    movements: int
    sales_rows: int
    suppliers: int
    seconds: float
    supplier_products: int = 0
    deliveries: int = 0
    pos_mappings: int = 0
    #: Table name -> (rows written, seconds spent writing them), for the bench.
    table_stats: Mapping[str, tuple[int, float]] = field(default_factory=dict)


def is_empty(session: Session) -> bool:
    """True when the store holds no products (the demo may be seeded into it)."""
    return session.execute(select(m.Product.id).limit(1)).first() is None


def seed_demo(
    db: Database,
    *,
    products: int = 2000,
    warehouses: int = 2,
    history_days: int = 90,
    seed: int = 42,
    now: datetime | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    full_history_products: int = FULL_HISTORY_PRODUCTS,
) -> DemoSummary:
    """Seed the demo shop into an empty store and say what was written.

    Only the first ``full_history_products`` products get daily sales and deliveries; the
    rest of a large store get an opening balance and a manual reorder point, which keeps a
    million stock levels within a minute. ``progress(phase, done, total)`` is called as the
    work goes on; when ``cancel()`` turns true the seeding stops between batches with
    :class:`PossyncError` and nothing is kept.

    Raises :class:`ValidationError` for out-of-range sizes or when the store is not empty.
    """
    _validate(products, warehouses, history_days, now)
    now = (now or utcnow()).astimezone(UTC)
    report = progress or _silent
    started = time.perf_counter()
    with db.session() as session:
        _refuse_unless_empty(session, warehouses)
        run = SeedRun(
            session,
            rng=random.Random(seed),
            now=now,
            history_days=history_days,
            progress=report,
            cancel=cancel or (lambda: False),
        )
        counts = run.seed(products, warehouses, min(full_history_products, products))
        report("Saving", 0, 1)  # the commit of a large store takes a few seconds
    report("Saving", 1, 1)
    seconds = time.perf_counter() - started
    log.info("Seeded the demo store: %s in %.1f s", counts, seconds)
    return DemoSummary(
        products=counts["products"],
        warehouses=counts["warehouses"],
        stock_rows=counts["stock_levels"],
        movements=counts["stock_movements"],
        sales_rows=counts["sales_daily"],
        suppliers=counts["suppliers"],
        seconds=seconds,
        supplier_products=counts["supplier_products"],
        deliveries=counts["deliveries"],
        pos_mappings=counts["pos_mappings"],
        table_stats=run.writer.stats(),
    )


def _silent(_phase: str, _done: int, _total: int) -> None:
    """The progress report nobody asked for."""


def _validate(products: int, warehouses: int, history_days: int, now: datetime | None) -> None:
    if not 1 <= products <= MAX_PRODUCTS:
        raise ValidationError(f"A demo store has 1 to {MAX_PRODUCTS:,} products, not {products}.")
    if not 1 <= warehouses <= MAX_WAREHOUSES:
        raise ValidationError(
            f"A demo store has 1 to {MAX_WAREHOUSES} warehouses, not {warehouses}."
        )
    if not 0 <= history_days <= MAX_HISTORY_DAYS:
        raise ValidationError(
            f"Demo history covers 0 to {MAX_HISTORY_DAYS} days, not {history_days}."
        )
    if now is not None and now.tzinfo is None:
        raise ValidationError("The demo's 'now' must carry a time zone.")


def _refuse_unless_empty(session: Session, warehouses: int) -> None:
    if not is_empty(session):
        count = session.execute(select(func.count()).select_from(m.Product)).scalar_one()
        raise ValidationError(
            f"This database already holds {count:,} products. Demo data goes only into an "
            "empty database: open a new one (for example with --db) to try the demo."
        )
    codes = [code for code, _ in warehouse_defs(warehouses)]
    taken = [
        *session.execute(select(m.Warehouse.code).where(m.Warehouse.code.in_(codes))).scalars(),
        *session.execute(
            select(m.Supplier.code).where(m.Supplier.code.in_([s.code for s in SUPPLIERS]))
        ).scalars(),
        *session.execute(
            select(m.POSIntegration.external_key).where(m.POSIntegration.external_key == POS_KEY)
        ).scalars(),
    ]
    if taken:
        raise ValidationError(
            f"This database already has {', '.join(sorted(set(taken)))}. Demo data goes only "
            "into an empty database."
        )
