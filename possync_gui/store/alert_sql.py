"""The whole-store alert run, set-based: the rules of ``domain/reorder.py`` in SQL.

``fill_work`` judges every stock level in one statement (integer arithmetic, exactly as
the domain's rational maths) and keeps, in a temporary work table, only the levels whose
alert must be created, changed or resolved, and the products that cannot be judged. The
writes then go batch by batch — one transaction per 100 products, as the seed asks — as
``INSERT … SELECT`` and ``UPDATE … FROM`` the work table, so no stock level travels through
Python. ``tests/integration/test_alert_sql.py`` holds the two versions of the rules to
the same verdicts.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlalchemy.sql.elements import ColumnElement

from possync_gui.domain.enums import AlertStatus
from possync_gui.domain.purchasing import OPEN_ALERT_STATES, OPEN_PO_STATES, AlertRecord
from possync_gui.domain.reorder import DEFAULT_LEAD_TIME_DAYS, AlertParams
from possync_gui.store import models as m
from possync_gui.store.alerts import RawId, RawJSON, new_record, record_query, to_record
from possync_gui.store.types import UTCDateTime

BATCH_PRODUCTS = 100
NEW, UPDATE, RESOLVE, PROBLEM = "new", "update", "resolve", "problem"

_meta = MetaData()
work = Table(
    "alert_work",
    _meta,
    Column("product_id", Uuid, nullable=False),
    Column("warehouse_id", Uuid, nullable=False),
    Column("alert_id", Uuid),
    Column("new_id", Uuid),
    Column("action", String(10), nullable=False),
    Column("batch_no", Integer, nullable=False),
    Column("sku", String(100)),
    Column("name", String(255)),
    Column("on_hand", Integer),
    Column("on_order", Integer),
    Column("minimum_stock", Integer),
    Column("reorder_point", Integer),
    Column("quantity", Integer),
    Column("urgency", String(20)),
    Column("status", String(20)),
    Column("supplier_id", Uuid),
    Column("source", String(20)),
    Column("details", m.JSONType),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True, slots=True)
class WorkSummary:
    batches: int
    new: int
    update: int
    resolve: int
    problems: list[tuple[uuid.UUID, str, str, str]]  # product, sku, warehouse code, source


def _i(value: int) -> Any:
    return literal(int(value), Integer)


def _max(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _per_warehouse(sl: Any, base: AlertParams, per: dict[uuid.UUID, AlertParams], pick: Any) -> Any:
    """A warehouse's own value (``pick(params)``) as SQL: a CASE over the warehouses that
    have their own settings, else the base value."""
    default = _i(pick(base))
    whens = [
        (sl.warehouse_id == wid, _i(pick(p))) for wid, p in per.items() if pick(p) != pick(base)
    ]
    return case(*whens, else_=default) if whens else default


def _verdicts(
    conn: Connection,
    *,
    since: date,
    base: AlertParams,
    per: dict[uuid.UUID, AlertParams],
    now: datetime,
) -> Any:
    sl, p, sd, sp, line, po, a = (
        m.StockLevel,
        m.Product,
        m.SalesDaily,
        m.SupplierProduct,
        m.PurchaseOrderLine,
        m.PurchaseOrder,
        m.StockAlert,
    )
    sales = (
        select(sd.product_id, sd.warehouse_id, func.sum(sd.quantity).label("sold"))
        .where(sd.day >= since)
        .group_by(sd.product_id, sd.warehouse_id)
        .subquery("sales")
    )
    ranked = (
        select(
            sp.product_id,
            sp.supplier_id,
            sp.lead_time_days,
            sp.pack_size,
            sp.min_order_qty,
            func.row_number().over(partition_by=sp.product_id, order_by=sp.id).label("rn"),
        )
        .where(sp.is_preferred.is_(True))
        .subquery("ranked")
    )
    pref = select(ranked).where(ranked.c.rn == 1).subquery("pref")
    onord = (
        select(
            line.product_id,
            po.warehouse_id,
            func.sum(line.quantity - line.received_quantity).label("qty"),
        )
        .join(po, po.id == line.purchase_order_id)
        .where(po.status.in_([s.value for s in OPEN_PO_STATES]))
        .group_by(line.product_id, po.warehouse_id)
        .subquery("onord")
    )
    oa = (
        select(
            a.id,
            a.product_id,
            a.warehouse_id,
            a.status,
            a.urgency_level,
            a.snoozed_until,
            a.current_stock,
            a.reorder_point,
            a.reorder_quantity,
            a.on_order,
            a.preferred_supplier_id,
        )
        .where(a.status.in_([s.value for s in OPEN_ALERT_STATES]))
        .subquery("oa")
    )
    window = base.window_days
    # multiplier and threshold as exact fractions, per warehouse
    mult_num = _per_warehouse(sl, base, per, lambda q: Fraction(q.multiplier).numerator)
    mult_den = _per_warehouse(sl, base, per, lambda q: Fraction(q.multiplier).denominator)
    thr_num = _per_warehouse(sl, base, per, lambda q: Fraction(q.threshold).numerator)
    thr_den = _per_warehouse(sl, base, per, lambda q: Fraction(q.threshold).denominator)

    sold = func.coalesce(sales.c.sold, 0)
    lead = func.coalesce(pref.c.lead_time_days, DEFAULT_LEAD_TIME_DAYS)
    # A product's minimum stock is its safety stock; without one, the desktop's default.
    safety = case((p.minimum_stock > 0, p.minimum_stock), else_=_i(max(0, base.safety_stock)))
    on_order = _max(func.coalesce(onord.c.qty, 0), _i(0))
    available = sl.on_hand + on_order
    num = sold * lead * mult_num
    den = _i(window) * mult_den
    rp_calc = (num + den - 1) // den + safety  # ceil for num >= 0 (integer division)
    rp = case(
        (p.reorder_point.is_not(None), p.reorder_point),
        (sold > 0, rp_calc),
        (sl.on_hand <= safety, safety),
        else_=null(),
    )
    source = case(
        (p.reorder_point.is_not(None), "manual"),
        (sold > 0, "calculated"),
        (sl.on_hand <= safety, "minimum"),
        else_="none",
    )

    def urgency(avail: Any) -> Any:
        return case(
            (rp.is_(None), null()),
            (sl.on_hand <= 0, "critical"),
            (
                or_(sl.on_hand <= p.minimum_stock, and_(sold > 0, avail * window < lead * sold)),
                "high",
            ),
            (avail <= rp, "medium"),
            (avail * thr_den <= rp * (thr_den + thr_num), "low"),
            else_=null(),
        )

    urg_now = urgency(available)
    final = case(
        (and_(oa.c.status == AlertStatus.ORDERED.value, urg_now.is_(None)), urgency(sl.on_hand)),
        else_=urg_now,
    )
    target = case(
        (p.max_stock > 0, p.max_stock),
        (and_(p.reorder_quantity.is_not(None), p.reorder_quantity != 0), rp + p.reorder_quantity),
        else_=2 * rp,
    )
    raw = _max(target - available, _i(0))
    pack = _max(func.coalesce(pref.c.pack_size, 1), _i(1))
    moq = _max(func.coalesce(pref.c.min_order_qty, 0), _i(0))
    wanted = _max(raw, moq)
    quantity = case((raw <= 0, 0), else_=(wanted + pack - 1) // pack * pack)
    now_lit = literal(now, UTCDateTime())
    status = case(
        (
            and_(
                oa.c.status == AlertStatus.SNOOZED.value,
                or_(oa.c.snoozed_until.is_(None), oa.c.snoozed_until <= now_lit),
            ),
            AlertStatus.ACTIVE.value,
        ),
        else_=func.coalesce(oa.c.status, AlertStatus.ACTIVE.value),
    )
    changed = or_(
        oa.c.urgency_level != final,
        oa.c.current_stock != sl.on_hand,
        oa.c.reorder_point != rp,
        oa.c.reorder_quantity != quantity,
        oa.c.on_order != on_order,
        func.coalesce(oa.c.preferred_supplier_id, sl.product_id)
        != func.coalesce(pref.c.supplier_id, sl.product_id),
        oa.c.status != status,
    )
    action = case(
        (rp.is_(None), case((oa.c.id.is_not(None), RESOLVE), else_=PROBLEM)),
        (and_(oa.c.id.is_(None), final.is_not(None)), NEW),
        (and_(oa.c.id.is_not(None), final.is_(None)), RESOLVE),
        (and_(oa.c.id.is_not(None), changed), UPDATE),
        (source == "minimum", PROBLEM),  # judged on its minimum only: say so
        else_=null(),
    )
    details = _json_object(
        conn,
        units_sold=sold,
        window_days=_i(window),
        lead_time_days=pref.c.lead_time_days,
        multiplier=_per_warehouse_text(sl, base, per, lambda q: str(q.multiplier)),
        threshold=_per_warehouse_text(sl, base, per, lambda q: str(q.threshold)),
        safety_stock_default=_i(max(0, base.safety_stock)),
        minimum_stock=p.minimum_stock,
        manual_reorder_point=p.reorder_point,
        reorder_quantity=p.reorder_quantity,
        max_stock=p.max_stock,
        pack_size=func.coalesce(pref.c.pack_size, 1),
        min_order_qty=func.coalesce(pref.c.min_order_qty, 0),
        on_hand=sl.on_hand,
        on_order=on_order,
        urgency=final,
        problem=case(
            (
                source == "minimum",
                _text(
                    f"No sales in the last {window} days and no manual reorder point: "
                    "judged on its minimum stock only"
                ),
            ),
            else_=null(),
        ),
    )
    inner = (
        select(
            sl.product_id,
            sl.warehouse_id,
            oa.c.id.label("alert_id"),
            action.label("action"),
            p.sku,
            p.name,
            sl.on_hand,
            on_order.label("on_order"),
            p.minimum_stock,
            rp.label("reorder_point"),
            quantity.label("quantity"),
            final.label("urgency"),
            status.label("status"),
            pref.c.supplier_id,
            source.label("source"),
            details.label("details"),
        )
        .join(p, p.id == sl.product_id)
        .outerjoin(
            sales,
            and_(sales.c.product_id == sl.product_id, sales.c.warehouse_id == sl.warehouse_id),
        )
        .outerjoin(pref, pref.c.product_id == sl.product_id)
        .outerjoin(
            onord,
            and_(onord.c.product_id == sl.product_id, onord.c.warehouse_id == sl.warehouse_id),
        )
        .outerjoin(oa, and_(oa.c.product_id == sl.product_id, oa.c.warehouse_id == sl.warehouse_id))
        .subquery("v")
    )
    batch_no = (func.dense_rank().over(order_by=inner.c.product_id) - 1) // BATCH_PRODUCTS
    rank = func.row_number().over(order_by=(inner.c.product_id, inner.c.warehouse_id))
    new_id = _new_id(conn, rank)
    return select(
        inner.c.product_id,
        inner.c.warehouse_id,
        inner.c.alert_id,
        case((inner.c.action == NEW, new_id), else_=null()).label("new_id"),
        inner.c.action,
        batch_no.label("batch_no"),
        inner.c.sku,
        inner.c.name,
        inner.c.on_hand,
        inner.c.on_order,
        inner.c.minimum_stock,
        inner.c.reorder_point,
        inner.c.quantity,
        inner.c.urgency,
        inner.c.status,
        inner.c.supplier_id,
        inner.c.source,
        inner.c.details,
    ).where(inner.c.action.is_not(None))


def _text(value: str) -> Any:
    return cast(literal(value), String)


def _per_warehouse_text(
    sl: Any, base: AlertParams, per: dict[uuid.UUID, AlertParams], pick: Any
) -> Any:
    default = _text(pick(base))
    whens = [
        (sl.warehouse_id == w, _text(pick(q))) for w, q in per.items() if pick(q) != pick(base)
    ]
    return case(*whens, else_=default) if whens else default


def _json_object(conn: Connection, **pairs: Any) -> ColumnElement[Any]:
    args: list[Any] = []
    for key, value in pairs.items():
        # keys inline (our own names); jsonb_build_object cannot type a bare parameter
        args.extend([literal_column(f"'{key}'"), value])
    if conn.dialect.name == "postgresql":
        return func.jsonb_build_object(*args)
    return func.json_object(*args)


def _new_id(conn: Connection, rank: Any) -> Any:
    """A new alert's id: this run's prefix (time and chance) then the level's rank, so the
    ids of one run grow in insertion order. Random ids would land each insert on a
    different page of the primary-key index and make every small transaction rewrite
    hundreds of pages (gigabytes of WAL for a million-level store)."""
    prefix = (int(time.time() * 1000) << 16) | secrets.randbits(16)
    if conn.dialect.name == "postgresql":
        text = func.lpad(func.to_hex(literal(prefix, BigInteger)), 16, "0").concat(
            func.lpad(func.to_hex(rank), 16, "0")
        )
        return cast(text, PGUUID)
    return func.printf("%016x%016x", literal(prefix, BigInteger), rank)


def fill_work(
    conn: Connection,
    *,
    since: date,
    base: AlertParams,
    per: dict[uuid.UUID, AlertParams],
    now: datetime,
) -> WorkSummary:
    """Judge every stock level into the work table (replacing what it held)."""
    work.drop(conn, checkfirst=True)
    work.create(conn)
    if conn.dialect.name == "postgresql":
        # JIT-compiling this one wide statement costs PostgreSQL more (10-19 s at a million
        # levels) than it saves; the bench measured 7.9-11.7 s without it.
        conn.exec_driver_sql("SET LOCAL jit = off")
    verdicts = _verdicts(conn, since=since, base=base, per=per, now=now)
    conn.execute(insert(work).from_select([c.name for c in work.columns], verdicts))
    conn.exec_driver_sql("CREATE INDEX ix_alert_work_batch ON alert_work (batch_no)")
    counts: dict[str, int] = {
        action: int(n)
        for action, n in conn.execute(select(work.c.action, func.count()).group_by(work.c.action))
    }
    batches = conn.execute(select(func.max(work.c.batch_no))).scalar()
    wh = m.Warehouse
    problems = [
        (pid, sku, code, source)
        for pid, sku, code, source in conn.execute(
            select(work.c.product_id, work.c.sku, wh.code, work.c.source)
            .join(wh, wh.id == work.c.warehouse_id)
            .where(or_(work.c.action == PROBLEM, work.c.source.in_(["minimum", "none"])))
            .order_by(work.c.sku, wh.code)
        )
    ]
    return WorkSummary(
        batches=0 if batches is None else int(batches) + 1,
        new=int(counts.get(NEW, 0)),
        update=int(counts.get(UPDATE, 0)),
        resolve=int(counts.get(RESOLVE, 0)),
        problems=problems,
    )


def write_batch(conn: Connection, batch_no: int, now: datetime) -> None:
    """Create, change and resolve the alerts of one batch of products (the caller commits)."""
    a: Any = m.StockAlert.__table__
    in_batch = work.c.batch_no == batch_no
    stamp = literal(now, UTCDateTime())
    conn.execute(
        insert(a).from_select(
            [
                "id",
                "product_id",
                "warehouse_id",
                "product_name",
                "product_code",
                "current_stock",
                "minimum_stock",
                "reorder_point",
                "reorder_quantity",
                "on_order",
                "preferred_supplier_id",
                "urgency_level",
                "status",
                "details",
                "created_at",
                "updated_at",
            ],
            select(
                work.c.new_id,
                work.c.product_id,
                work.c.warehouse_id,
                work.c.name,
                work.c.sku,
                work.c.on_hand,
                work.c.minimum_stock,
                work.c.reorder_point,
                work.c.quantity,
                work.c.on_order,
                work.c.supplier_id,
                work.c.urgency,
                work.c.status,
                work.c.details,
                stamp,
                stamp,
            ).where(in_batch, work.c.action == NEW),
        )
    )
    conn.execute(
        update(a)
        .where(a.c.id == work.c.alert_id, in_batch, work.c.action == UPDATE)
        .values(
            product_name=work.c.name,
            product_code=work.c.sku,
            current_stock=work.c.on_hand,
            minimum_stock=work.c.minimum_stock,
            reorder_point=work.c.reorder_point,
            reorder_quantity=work.c.quantity,
            on_order=work.c.on_order,
            preferred_supplier_id=work.c.supplier_id,
            urgency_level=work.c.urgency,
            status=work.c.status,
            snoozed_until=case(
                (work.c.status == AlertStatus.SNOOZED.value, a.c.snoozed_until), else_=null()
            ),
            details=work.c.details,
            updated_at=stamp,
        )
    )
    conn.execute(
        update(a)
        .where(a.c.id == work.c.alert_id, in_batch, work.c.action == RESOLVE)
        .values(
            status=AlertStatus.RESOLVED.value,
            resolved_at=stamp,
            updated_at=stamp,
            current_stock=work.c.on_hand,
        )
    )


def touched_records(
    conn: Connection,
    last_batch: int,
    now: datetime,
    warehouse_codes: dict[uuid.UUID, str],
    suppliers: dict[uuid.UUID, tuple[str, str]],
) -> list[AlertRecord]:
    """The alerts this run created or changed (in batches up to ``last_batch``).

    The created ones are built from the work table as written (their times are ``now``,
    their names come from ``warehouse_codes`` and ``suppliers``): reading 270,000 of them
    back through the alerts' joins and column types cost more than judging the store. The
    changed ones, which keep their own history (created, snoozed, ordered), are read back."""
    done = work.c.batch_no <= last_batch
    fresh = select(
        type_coerce(work.c.new_id, RawId()),
        type_coerce(work.c.product_id, RawId()),
        work.c.sku,
        work.c.name,
        type_coerce(work.c.warehouse_id, RawId()),
        work.c.on_hand,
        work.c.minimum_stock,
        work.c.reorder_point,
        work.c.quantity,
        work.c.on_order,
        work.c.urgency,
        work.c.status,
        type_coerce(work.c.supplier_id, RawId()),
        type_coerce(work.c.details, RawJSON()),
    ).where(work.c.action == NEW, done)
    records = [new_record(row, now, warehouse_codes, suppliers) for row in conn.execute(fresh)]
    a: Any = m.StockAlert.__table__
    changed = (
        record_query().join(work, a.c.id == work.c.alert_id).where(work.c.action == UPDATE, done)
    )
    records.extend(to_record(row) for row in conn.execute(changed))
    return records


def drop_work(conn: Connection) -> None:
    work.drop(conn, checkfirst=True)
