"""The Demo POS's side of the world: its shelf, its clock and its record of sales.

The simulated till is a POS like the others, so it keeps its own books apart from the
store's: ``demo_pos_stock`` (what the till believes is on its shelf, per external item and
location, with the idempotency keys of the adjustments it applied), ``demo_pos_tills`` (how
far the simulation has been played) and ``demo_pos_sales`` (units sold per day, item and
location: what the till reports as sales). The Sync Manager brings the shelf and the store
in step through the demo adapter, exactly as it does with Square or Shopify.

Both records are bounded: a row keeps its last :data:`APPLIED_KEYS_KEPT` idempotency keys,
and the till forgets sales older than :data:`SALES_KEPT_DAYS` days (longer than any sales
pull reaches back), so a demo left running for months stays small.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Subquery,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from possync_gui.store import models as m

#: Idempotency keys a shelf row remembers (the newest last).
APPLIED_KEYS_KEPT = 1000
#: Days of sales the till keeps (a sales pull reaches back at most 30 days).
SALES_KEPT_DAYS = 35
#: Rows per page the adapter reads.
PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class ShelfItem:
    """One shelf row with the store product it is mapped to and its recent sales."""

    external_item_id: str
    location_id: str
    product_id: uuid.UUID
    quantity: int
    #: Units the store sold of the product at the mapped warehouse over the rate window.
    units_sold: int


@dataclass(frozen=True, slots=True)
class ShelfChange:
    """An adjustment (``delta``) or, with ``expected`` set, a compare-and-set to ``quantity``."""

    external_item_id: str
    location_id: str
    key: str
    delta: int = 0
    quantity: int | None = None
    expected: int | None = None


@dataclass(frozen=True, slots=True)
class ShelfOutcome:
    """What became of one change: applied (``ok``), with the shelf's quantity after it."""

    ok: bool
    quantity: int | None = None
    error: str | None = None
    stale: bool = False


def _insert_for(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# -- the shelf -------------------------------------------------------------------------------


def stock_shelves(session: Session, integration_id: uuid.UUID, now: datetime) -> None:
    """Put every mapped item that is not on the till's shelf yet there, at the quantity both
    sides last agreed on (the mapping's base, else the store's level), so the next sync has
    nothing to change for it. One ``INSERT … SELECT``."""
    shelf = m.DemoPOSStock
    mapping = m.POSMapping
    on_shelf = exists().where(
        shelf.integration_id == mapping.integration_id,
        shelf.external_item_id == mapping.external_item_id,
        shelf.location_id == mapping.external_location_id,
    )
    source = (
        select(
            mapping.integration_id,
            mapping.external_item_id,
            mapping.external_location_id,
            func.coalesce(mapping.last_synced_quantity, m.StockLevel.on_hand, 0),
            literal(now, m.DemoPOSStock.__table__.c.updated_at.type),
            literal([], m.DemoPOSStock.__table__.c.applied_keys.type),
        )
        .outerjoin(
            m.StockLevel,
            and_(
                m.StockLevel.product_id == mapping.product_id,
                m.StockLevel.warehouse_id == mapping.warehouse_id,
            ),
        )
        .where(mapping.integration_id == integration_id, ~on_shelf)
    )
    columns = [
        "integration_id",
        "external_item_id",
        "location_id",
        "quantity",
        "updated_at",
        "applied_keys",
    ]
    stmt = _insert_for(session)(shelf).from_select(columns, source)
    # A sync and a tick may stock the same new shelves at once: the first one wins.
    session.execute(stmt.on_conflict_do_nothing())


def _rates(today: date, window_days: int) -> Subquery:
    """Units the store sold per product and warehouse over the full days of the window."""
    return (
        select(
            m.SalesDaily.product_id,
            m.SalesDaily.warehouse_id,
            func.sum(m.SalesDaily.quantity).label("units"),
        )
        .where(
            m.SalesDaily.day >= today - timedelta(days=window_days),
            m.SalesDaily.day < today,
        )
        .group_by(m.SalesDaily.product_id, m.SalesDaily.warehouse_id)
        .subquery()
    )


def shelf_for_sale(
    session: Session, integration_id: uuid.UUID, today: date, window_days: int
) -> list[ShelfItem]:
    """The mapped shelf rows with their stock and the store's recent sales of each product,
    locked until the tick commits (so a push arriving meanwhile waits instead of being
    overwritten)."""
    shelf = m.DemoPOSStock
    mapping = m.POSMapping
    rates = _rates(today, window_days)
    rows = session.execute(
        select(
            shelf.external_item_id,
            shelf.location_id,
            mapping.product_id,
            shelf.quantity,
            func.coalesce(rates.c.units, 0),
        )
        .join(
            mapping,
            and_(
                mapping.integration_id == shelf.integration_id,
                mapping.external_item_id == shelf.external_item_id,
                mapping.external_location_id == shelf.location_id,
            ),
        )
        .outerjoin(
            rates,
            and_(
                rates.c.product_id == mapping.product_id,
                rates.c.warehouse_id == mapping.warehouse_id,
            ),
        )
        .where(shelf.integration_id == integration_id)
        .order_by(shelf.external_item_id, shelf.location_id)
        .with_for_update(of=shelf)
    ).all()
    return [ShelfItem(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]


# -- the clock -------------------------------------------------------------------------------


def claim_window(
    session: Session, integration_id: uuid.UUID, now: datetime, first: timedelta, longest: timedelta
) -> datetime | None:
    """Move the till's clock to ``now`` and return where the window to play starts, or
    None when there is nothing to play (no time passed, or another desktop just claimed it).

    The clock moves with a compare-and-set before anything is sold, so the row stays locked
    for the rest of the tick on PostgreSQL and a second desktop ticking at the same moment
    sells nothing instead of selling twice. A till without a clock starts ``first`` ago; a
    long pause plays only the last ``longest``.
    """
    till = m.DemoPOSTill
    current = session.execute(
        select(till.simulated_until).where(till.integration_id == integration_id)
    ).scalar_one_or_none()
    if current is None:
        stmt = _insert_for(session)(till).values(integration_id=integration_id, simulated_until=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["integration_id"])
        # RETURNING says whether this tick started the clock (psycopg gives no rowcount here).
        started = session.execute(stmt.returning(till.integration_id)).first()
        return now - first if started is not None else None
    start = max(current, now - longest)
    if start >= now:
        return None
    result = session.execute(
        update(till)
        .where(till.integration_id == integration_id, till.simulated_until == current)
        .values(simulated_until=now)
        .execution_options(synchronize_session=False)
    )
    return start if cast(CursorResult[Any], result).rowcount == 1 else None


def set_clock(session: Session, integration_id: uuid.UUID, at: datetime) -> None:
    """Start (or restart) the till's clock at ``at``: the seeder's opening time."""
    stmt = _insert_for(session)(m.DemoPOSTill).values(
        integration_id=integration_id, simulated_until=at
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["integration_id"],
            set_={"simulated_until": stmt.excluded.simulated_until},
        )
    )


# -- selling ---------------------------------------------------------------------------------


def book_sales(
    session: Session,
    integration_id: uuid.UUID,
    sold: Mapping[tuple[str, str], int],
    per_day: Mapping[tuple[date, str, str], int],
    now: datetime,
) -> None:
    """Take ``sold`` units off each (item, location) shelf (never below zero) and add
    ``per_day`` to the till's record of sales; forget sales older than the retention."""
    shelf = m.DemoPOSStock
    if sold:
        table = cast(Table, shelf.__table__)
        session.execute(
            update(table)
            .where(
                table.c.integration_id == integration_id,
                table.c.external_item_id == bindparam("b_item"),
                table.c.location_id == bindparam("b_loc"),
            )
            .values(
                quantity=case(
                    (
                        table.c.quantity > bindparam("b_units"),
                        table.c.quantity - bindparam("b_units"),
                    ),
                    else_=0,
                ),
                updated_at=now,
            ),
            [{"b_item": i, "b_loc": loc, "b_units": q} for (i, loc), q in sold.items()],
        )
    if per_day:
        stmt = _insert_for(session)(m.DemoPOSSale)
        stmt = stmt.on_conflict_do_update(
            index_elements=["integration_id", "day", "external_item_id", "location_id"],
            set_={"quantity": m.DemoPOSSale.quantity + stmt.excluded.quantity},
        )
        session.execute(
            stmt,
            [
                {
                    "integration_id": integration_id,
                    "day": day,
                    "external_item_id": item,
                    "location_id": loc,
                    "quantity": q,
                }
                for (day, item, loc), q in per_day.items()
            ],
        )
    session.execute(
        delete(m.DemoPOSSale).where(
            m.DemoPOSSale.integration_id == integration_id,
            m.DemoPOSSale.day < now.date() - timedelta(days=SALES_KEPT_DAYS),
        )
    )


# -- what the adapter reads ------------------------------------------------------------------


def counts_page(
    session: Session,
    integration_id: uuid.UUID,
    since: datetime | None,
    after: tuple[str, str] | None,
    limit: int = PAGE_SIZE,
) -> list[tuple[str, str, int, datetime]]:
    """(item, location, quantity, updated_at) of shelf rows changed at or after ``since``
    (all when None), in key order after ``after``."""
    shelf = m.DemoPOSStock
    query = select(shelf.external_item_id, shelf.location_id, shelf.quantity, shelf.updated_at)
    query = query.where(shelf.integration_id == integration_id)
    if since is not None:
        query = query.where(shelf.updated_at >= since)
    if after is not None:
        query = query.where(tuple_(shelf.external_item_id, shelf.location_id) > tuple_(*after))
    rows = session.execute(
        query.order_by(shelf.external_item_id, shelf.location_id).limit(limit)
    ).all()
    return [(r[0], r[1], int(r[2]), r[3]) for r in rows]


def items_page(
    session: Session,
    integration_id: uuid.UUID,
    since: datetime | None,
    after: str | None,
    limit: int = PAGE_SIZE,
) -> list[tuple[str, str, str | None, str, datetime]]:
    """(item, sku, barcode, name, updated_at) of the till's catalog: the store products its
    items are mapped to, each item once, in item order after ``after``."""
    mapping = m.POSMapping
    product = m.Product
    query = (
        select(mapping.external_item_id, product.sku, product.barcode, product.name)
        .add_columns(product.updated_at)
        .join(product, product.id == mapping.product_id)
        .where(mapping.integration_id == integration_id)
    )
    if since is not None:
        query = query.where(product.updated_at >= since)
    if after is not None:
        query = query.where(mapping.external_item_id > after)
    rows = session.execute(query.order_by(mapping.external_item_id).limit(limit)).all()
    seen: set[str] = set()
    items = []
    for item, sku, barcode, name, updated_at in rows:
        if item not in seen:  # one item stocked at several locations
            seen.add(item)
            items.append((item, sku, barcode, name, updated_at))
    return items


def locations(session: Session, integration_id: uuid.UUID) -> list[str]:
    """The locations the till has items at."""
    return list(
        session.execute(
            select(m.POSMapping.external_location_id)
            .where(m.POSMapping.integration_id == integration_id)
            .distinct()
            .order_by(m.POSMapping.external_location_id)
        ).scalars()
    )


def sales_page(
    session: Session,
    integration_id: uuid.UUID,
    first_day: date,
    last_day: date,
    after: tuple[date, str, str] | None,
    limit: int = PAGE_SIZE,
) -> list[tuple[date, str, str, int]]:
    """(day, item, location, units) the till sold from ``first_day`` to ``last_day``
    inclusive, in key order after ``after``."""
    sale = m.DemoPOSSale
    key = tuple_(sale.day, sale.external_item_id, sale.location_id)
    query = select(sale.day, sale.external_item_id, sale.location_id, sale.quantity).where(
        sale.integration_id == integration_id, sale.day >= first_day, sale.day <= last_day
    )
    if after is not None:
        query = query.where(key > tuple_(*after))
    rows = session.execute(
        query.order_by(sale.day, sale.external_item_id, sale.location_id).limit(limit)
    ).all()
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


# -- what the adapter writes -----------------------------------------------------------------


def apply_changes(
    session: Session, integration_id: uuid.UUID, changes: Sequence[ShelfChange], now: datetime
) -> list[ShelfOutcome]:
    """Apply adjustments and compare-and-sets to the shelf, one outcome per change in order.

    A change whose idempotency key its row already holds is not applied again (it succeeds,
    reporting the current quantity): a re-sent push lands once. An adjustment that would
    leave the shelf below zero is refused, as is a set whose ``expected`` is not what the
    shelf holds (``stale``).
    """
    shelf = m.DemoPOSStock
    wanted = sorted({(c.external_item_id, c.location_id) for c in changes})
    rows: dict[tuple[str, str], m.DemoPOSStock] = {}
    if wanted:
        found = session.scalars(
            select(shelf)
            .where(
                shelf.integration_id == integration_id,
                tuple_(shelf.external_item_id, shelf.location_id).in_(wanted),
            )
            .order_by(shelf.external_item_id, shelf.location_id)  # the tick's lock order
            .with_for_update()
        )
        rows = {(r.external_item_id, r.location_id): r for r in found}
    return [_apply_one(rows.get((c.external_item_id, c.location_id)), c, now) for c in changes]


def _apply_one(row: m.DemoPOSStock | None, change: ShelfChange, now: datetime) -> ShelfOutcome:
    if row is None:
        return ShelfOutcome(
            False,
            error=f"The Demo POS has no item {change.external_item_id} at location "
            f"{change.location_id}",
        )
    keys = list(row.applied_keys or [])
    if change.key in keys:
        return ShelfOutcome(True, row.quantity)
    if change.expected is not None:
        if row.quantity != change.expected:
            return ShelfOutcome(
                False,
                row.quantity,
                error=f"the shelf holds {row.quantity}, not the expected {change.expected}",
                stale=True,
            )
        target = change.quantity if change.quantity is not None else row.quantity
    else:
        target = row.quantity + change.delta
    if target < 0:
        return ShelfOutcome(
            False,
            row.quantity,
            error=f"the shelf holds only {row.quantity}; {change.delta:+d} would leave {target}",
        )
    row.quantity = target
    row.updated_at = now
    # A new list (not an in-place append) so the JSON column is seen as changed.
    row.applied_keys = [*keys, change.key][-APPLIED_KEYS_KEPT:]
    return ShelfOutcome(True, target)
