"""The Stock Alert Generator (DESIGN.md §5): judge stock levels, keep one open alert per
product and warehouse, resolve alerts whose stock came back.

- ``monitor_inventory_levels`` judges every stock level: one set-based query returns the
  levels that may need an alert or already have one, the domain's rules decide, and the
  alerts are written in batches of 100 products, one transaction each.
- ``generate`` judges chosen products (after a sale, a delivery, a sync): their levels are
  read fresh; the demand terms (units sold in the window, the preferred supplier's terms)
  and each warehouse's alert settings come from caches that ``forget`` drops when a sale,
  a delivery or an edit changes them.

Settings: the window, multiplier and threshold default to 28 days, 1.5 and 0.2; the
window and the safety stock of products without a minimum come from this desktop's
Settings (``defaults``, ``set_defaults``), and ``app_settings["alerts"]`` in the database
may override window, multiplier and threshold for every desktop; a warehouse that an active
integration's ``locationMap`` feeds takes that integration's ``reorderPointMultiplier``
and ``stockAlertThreshold``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.errors import ReorderPointCalculationError, ValidationError
from possync_gui.domain.purchasing import AlertQuery, AlertRecord, AlertRunReport, ProductProblem
from possync_gui.domain.reorder import (
    DEFAULT_MULTIPLIER,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    AlertParams,
    Assessment,
    StockFacts,
    assess,
    inputs_of,
)
from possync_gui.store import alert_sql as sql
from possync_gui.store import alerts as q
from possync_gui.store.database import Database

log = logging.getLogger("possync.alerts")

BATCH_PRODUCTS = 100
T = TypeVar("T")
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class _Row:
    """A level to judge, from either path."""

    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    sku: str
    name: str
    facts: StockFacts
    supplier_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    alert_status: str | None
    snoozed_until: datetime | None
    alert_urgency: str | None = None
    alert_created_at: datetime | None = None
    signature: tuple[Any, ...] | None = None


@dataclass(slots=True)
class _Outcome:
    records: list[AlertRecord]
    created: int
    updated: int
    resolved: int
    errors: list[ProductProblem]
    cancelled: bool = False
    new_critical: int = 0


class AlertGenerator:
    """Stock alerts for one store; safe to share between the GUI and the scheduler."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        defaults: AlertParams | None = None,
    ) -> None:
        self._db = db
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        #: This desktop's window and safety stock (Settings); the store's may override.
        self._defaults = defaults or AlertParams()
        # caches: dropped by ``forget``
        self._sold: dict[tuple[uuid.UUID, uuid.UUID, date], int] = {}
        self._terms: dict[uuid.UUID, q.SupplierTerms | None] = {}
        self._params: tuple[AlertParams, dict[uuid.UUID, AlertParams]] | None = None
        self._names: tuple[dict[uuid.UUID, str], dict[uuid.UUID, tuple[str, str]]] | None = None
        self.cache_hits = 0
        self.cache_misses = 0

    # -- caches --------------------------------------------------------------------------
    def forget(
        self,
        product_ids: Iterable[uuid.UUID] | None = None,
        *,
        sales: bool = True,
        suppliers: bool = False,
        settings: bool = False,
    ) -> None:
        """Drop cached terms: of ``product_ids`` (all products when None); ``suppliers`` and
        ``settings`` also drop supplier mappings and the integrations' alert settings."""
        with self._lock:
            if product_ids is None:
                if sales:
                    self._sold.clear()
                if suppliers:
                    self._terms.clear()
                    self._names = None
            else:
                ids = set(product_ids)
                if sales:
                    for key in [k for k in self._sold if k[0] in ids]:
                        del self._sold[key]
                if suppliers:
                    for pid in ids:
                        self._terms.pop(pid, None)
            if settings:
                self._params = None
                self._names = None

    def set_defaults(self, defaults: AlertParams) -> None:
        """New desktop defaults (the Settings dialog): the next run judges by them."""
        with self._lock:
            self._defaults = defaults
            self._params = None

    def _settings(self, session: Session) -> tuple[AlertParams, dict[uuid.UUID, AlertParams]]:
        with self._lock:
            if self._params is not None:
                return self._params
            defaults = self._defaults
        base = _params_from(q.app_setting(session, "alerts"), defaults)
        codes = {code: wid for wid, code in q.warehouse_codes(session).items()}
        per: dict[uuid.UUID, AlertParams] = {}
        for configuration, settings in q.integration_settings(session):
            own = _params_from(settings, base, window=False)
            for code in (configuration.get("locationMap") or {}).values():
                wid = codes.get(str(code))
                if wid is not None and wid not in per:
                    per[wid] = own
        with self._lock:
            self._params = (base, per)
        return base, per

    def _lookup_names(
        self, session: Session
    ) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, tuple[str, str]]]:
        with self._lock:
            if self._names is not None:
                return self._names
        names = (q.warehouse_codes(session), q.supplier_names(session))
        with self._lock:
            self._names = names
        return names

    # -- runs ----------------------------------------------------------------------------
    async def monitor_inventory_levels(self, progress: Progress | None = None) -> AlertRunReport:
        """Judge every stock level; cancelling stops between batches (written batches stay)."""
        return await _cancellable(lambda stop: self._monitor(progress, stop))

    async def generate(
        self,
        product_ids: Sequence[uuid.UUID] | None = None,
        warehouse_id: uuid.UUID | None = None,
        changed_since: datetime | None = None,
    ) -> AlertRunReport:
        """Judge the levels of chosen products (and/or one warehouse, or those changed since
        a moment) with cached demand terms."""
        return await _cancellable(
            lambda stop: self._targeted(product_ids, warehouse_id, changed_since, stop)
        )

    def _monitor(self, progress: Progress | None, stop: threading.Event) -> AlertRunReport:
        """The whole store, set-based (``store/alert_sql.py``): one statement judges every
        level into a work table; the alerts are then written 100 products per transaction."""
        started = time.perf_counter()
        now = self._clock()
        with self._db.session() as session:
            base, per = self._settings(session)
            names = self._lookup_names(session)
            levels = q.count_levels(session)
        cancelled = False
        with self._db.engine.connect() as conn:
            try:
                with conn.begin():
                    summary = sql.fill_work(
                        conn,
                        since=q.sales_since(base.window_days, now.date()),
                        base=base,
                        per=per,
                        now=now,
                    )
                written = -1
                for batch in range(summary.batches):
                    if stop.is_set():
                        cancelled = True
                        break
                    with conn.begin():
                        sql.write_batch(conn, batch, now)
                    written = batch
                    if progress is not None:
                        progress(batch + 1, summary.batches)
                with conn.begin():
                    records = sql.touched_records(conn, written, now, *names)
            finally:
                conn.rollback()  # whatever a failure left open
                with conn.begin():
                    sql.drop_work(conn)
        with self._lock:  # judged afresh: the targeted runs read their terms again
            self._sold.clear()
            self._terms.clear()
        window = base.window_days
        errors = [
            ProductProblem(
                pid,
                sku,
                wh,
                (
                    f"No sales in the last {window} days and no manual reorder point: "
                    "judged on its minimum stock only"
                )
                if source == "minimum"
                else (
                    f"Failed to calculate average daily sales: no sales in the last {window} "
                    "days and no manual reorder point"
                ),
            )
            for pid, sku, wh, source in summary.problems
        ]
        new_critical = sum(
            1
            for r in records
            if r.urgency_level == UrgencyLevel.CRITICAL and r.created_at == r.updated_at
        )
        return AlertRunReport(
            alerts=records,
            levels_checked=levels,
            created=0 if cancelled else summary.new,
            updated=0 if cancelled else summary.update,
            resolved=0 if cancelled else summary.resolve,
            errors=errors,
            seconds=time.perf_counter() - started,
            cancelled=cancelled,
            new_critical=new_critical,
        )

    def _targeted(
        self,
        product_ids: Sequence[uuid.UUID] | None,
        warehouse_id: uuid.UUID | None,
        changed_since: datetime | None,
        stop: threading.Event,
    ) -> AlertRunReport:
        started = time.perf_counter()
        today = self._clock().date()
        with self._db.session() as session:
            base, per = self._settings(session)
            names = self._lookup_names(session)
            levels = q.level_rows(
                session,
                product_ids=product_ids,
                warehouse_id=warehouse_id,
                changed_since=changed_since,
            )
            sold, terms = self._demand(session, levels, base.window_days, today)
        rows = []
        for lv in levels:
            term = terms.get(lv.product_id)
            rows.append(
                _Row(
                    lv.product_id,
                    lv.warehouse_id,
                    lv.sku,
                    lv.name,
                    StockFacts(
                        on_hand=lv.on_hand,
                        on_order=int(lv.on_order or 0),
                        minimum_stock=lv.minimum_stock,
                        units_sold=sold.get((lv.product_id, lv.warehouse_id)) or 0,
                        manual_reorder_point=lv.manual_reorder_point,
                        reorder_quantity=lv.reorder_quantity,
                        max_stock=lv.max_stock,
                        lead_time_days=None if term is None else term[1],
                        pack_size=1 if term is None else term[2],
                        min_order_qty=0 if term is None else term[3],
                    ),
                    None if term is None else term[0],
                    lv.alert_id,
                    lv.alert_status,
                    lv.snoozed_until,
                    lv.alert_urgency,
                    lv.alert_created_at,
                    lv.alert_signature,
                )
            )
        outcome = self._judge_and_write(rows, base, per, names, None, stop)
        return _report(outcome, len(levels), started)

    def _demand(
        self, session: Session, levels: list[q.LevelRow], window: int, today: date
    ) -> tuple[dict[tuple[uuid.UUID, uuid.UUID], int | None], dict[uuid.UUID, Any]]:
        """Units sold per level and supplier terms per product, from the caches, reading the
        misses in one go."""
        sold: dict[tuple[uuid.UUID, uuid.UUID], int | None] = {}
        terms: dict[uuid.UUID, Any] = {}
        missing_sales: set[uuid.UUID] = set()
        missing_terms: set[uuid.UUID] = set()
        with self._lock:
            for lv in levels:
                key = (lv.product_id, lv.warehouse_id, today)
                if key in self._sold:
                    sold[(lv.product_id, lv.warehouse_id)] = self._sold[key]
                    self.cache_hits += 1
                else:
                    missing_sales.add(lv.product_id)
                    self.cache_misses += 1
                if lv.product_id in self._terms:
                    terms[lv.product_id] = self._terms[lv.product_id]
                else:
                    missing_terms.add(lv.product_id)
        if missing_sales:
            fresh = q.units_sold(session, sorted(missing_sales), q.sales_since(window, today))
            for lv in levels:
                if lv.product_id in missing_sales:
                    sold[(lv.product_id, lv.warehouse_id)] = fresh.get(
                        (lv.product_id, lv.warehouse_id), 0
                    )
            with self._lock:
                for (pid, wid), n in sold.items():
                    if pid in missing_sales:
                        self._sold[(pid, wid, today)] = n or 0
        if missing_terms:
            found = q.preferred_terms(session, sorted(missing_terms))
            with self._lock:
                for pid in missing_terms:
                    terms[pid] = found.get(pid)
                    self._terms[pid] = found.get(pid)
        return sold, terms

    # -- judging and writing ---------------------------------------------------------------
    def _judge_and_write(
        self,
        rows: list[_Row],
        base: AlertParams,
        per: dict[uuid.UUID, AlertParams],
        names: tuple[dict[uuid.UUID, str], dict[uuid.UUID, tuple[str, str]]],
        progress: Progress | None,
        stop: threading.Event,
    ) -> _Outcome:
        rows.sort(key=lambda r: (r.product_id, r.warehouse_id))
        outcome = _Outcome([], 0, 0, 0, [])
        now = self._clock()
        total = len(rows)
        start = 0
        while start < total:
            if stop.is_set():
                outcome.cancelled = True
                break
            # a batch: the rows of the next BATCH_PRODUCTS products
            end, seen = start, 0
            last: uuid.UUID | None = None
            while end < total:
                if rows[end].product_id != last:
                    if seen == BATCH_PRODUCTS:
                        break
                    seen += 1
                    last = rows[end].product_id
                end += 1
            batch = _Batch(now, names)
            for row in rows[start:end]:
                batch.judge(row, per.get(row.warehouse_id, base))
            with self._db.session() as session:
                batch.write(session)
            outcome.records.extend(batch.records)
            outcome.created += batch.created
            outcome.updated += len(batch.updates)
            outcome.resolved += batch.resolved
            outcome.errors.extend(batch.errors)
            outcome.new_critical += batch.new_critical
            start = end
            if progress is not None:
                progress(start, total)
        return outcome

    # -- the list, and a person's decisions -------------------------------------------------
    async def list_alerts(self, query: AlertQuery) -> list[AlertRecord]:
        return await self._read(lambda s: q.list_alerts(s, query))

    async def get_alerts(self, ids: Iterable[uuid.UUID]) -> list[AlertRecord]:
        wanted = list(ids)
        return await self._read(lambda s: q.get_alerts(s, wanted))

    async def alert_counts(self) -> dict[UrgencyLevel, int]:
        return await self._read(q.alert_counts)

    async def dismiss(self, alert_id: uuid.UUID, reason: str, actor: str) -> AlertRecord:
        text = (reason or "").strip()
        if not text:
            raise ValidationError("Say why the alert is dismissed (a reason is required).")
        return await self._decide(
            alert_id,
            allowed=(AlertStatus.ACTIVE, AlertStatus.SNOOZED),
            status=AlertStatus.DISMISSED,
            reason=f"{text} ({actor})",
        )

    async def snooze(self, alert_id: uuid.UUID, until: datetime, actor: str) -> AlertRecord:
        if until.tzinfo is None:
            raise ValidationError("A snooze date needs a time zone.")
        if until <= self._clock():
            raise ValidationError("Snooze until a moment in the future.")
        log.info("%s snoozed alert %s until %s", actor, alert_id, until.isoformat())
        return await self._decide(
            alert_id,
            allowed=(AlertStatus.ACTIVE, AlertStatus.SNOOZED, AlertStatus.DISMISSED),
            status=AlertStatus.SNOOZED,
            snoozed_until=until.astimezone(UTC),
        )

    async def reactivate(self, alert_id: uuid.UUID, actor: str) -> AlertRecord:
        log.info("%s reactivated alert %s", actor, alert_id)
        return await self._decide(
            alert_id,
            allowed=(AlertStatus.SNOOZED, AlertStatus.DISMISSED),
            status=AlertStatus.ACTIVE,
        )

    async def _decide(self, alert_id: uuid.UUID, **kwargs: Any) -> AlertRecord:
        def work(session: Session) -> AlertRecord:
            q.set_alert_state(session, alert_id, **kwargs)
            session.flush()
            return q.get_alerts(session, [alert_id])[0]

        return await self._read(work)

    async def _read(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._db.session() as session:
                return work(session)

        return await asyncio.to_thread(run)


class _Batch:
    """The inserts, updates and records of one batch of products."""

    def __init__(
        self,
        now: datetime,
        names: tuple[dict[uuid.UUID, str], dict[uuid.UUID, tuple[str, str]]],
    ) -> None:
        self.now = now
        self.warehouses, self.suppliers = names
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.resolves: list[dict[str, Any]] = []
        self.records: list[AlertRecord] = []
        self.errors: list[ProductProblem] = []
        self.created = 0
        self.resolved = 0
        self.new_critical = 0

    def judge(self, row: _Row, params: AlertParams) -> None:
        problem: str | None = None
        facts = row.facts
        ordered = row.alert_status == AlertStatus.ORDERED.value
        try:
            verdict = assess(facts, params)
        except ReorderPointCalculationError as err:
            self._problem(row, str(err))
            if row.alert_id is not None:
                self._resolve(row)
            return
        if verdict.reorder_point_source == "minimum stock only":
            problem = (
                f"No sales in the last {params.window_days} days and no manual reorder point: "
                "judged on its minimum stock only"
            )
            self._problem(row, problem)
        urgency = verdict.urgency
        if ordered and urgency is None:
            # Ordered goods count as available; the alert stays until they arrive.
            urgency = assess(_without_order(facts), params).urgency
        if urgency is None:
            if row.alert_id is not None:
                self._resolve(row)
            return
        details = inputs_of(facts, params)
        details["urgency"] = urgency.value
        if problem:
            details["problem"] = problem
        status = row.alert_status or AlertStatus.ACTIVE.value
        snoozed = row.snoozed_until
        if status == AlertStatus.SNOOZED.value and (snoozed is None or snoozed <= self.now):
            status, snoozed = AlertStatus.ACTIVE.value, None
        values = {
            "product_name": row.name,
            "product_code": row.sku,
            "current_stock": facts.on_hand,
            "minimum_stock": facts.minimum_stock,
            "reorder_point": verdict.reorder_point,
            "reorder_quantity": verdict.suggested_quantity,
            "on_order": verdict.on_order,
            "preferred_supplier_id": row.supplier_id,
            "urgency_level": urgency.value,
            "status": status,
            "details": details,
            "snoozed_until": snoozed,
            "updated_at": self.now,
        }
        if urgency == UrgencyLevel.CRITICAL and row.alert_urgency != UrgencyLevel.CRITICAL.value:
            self.new_critical += 1
        if row.alert_id is None:
            alert_id = uuid.uuid4()
            created = self.now
            self.inserts.append(
                {
                    "id": alert_id,
                    "product_id": row.product_id,
                    "warehouse_id": row.warehouse_id,
                    "created_at": self.now,
                    **values,
                }
            )
            self.created += 1
        else:
            alert_id = row.alert_id
            created = row.alert_created_at or self.now
            same = (
                urgency.value,
                facts.on_hand,
                verdict.reorder_point,
                verdict.suggested_quantity,
                verdict.on_order,
                row.supplier_id,
            ) == row.signature and status == row.alert_status
            if not same:  # an unchanged alert is left alone (and keeps its updated_at)
                self.updates.append({"b_id": alert_id, **values})
        self.records.append(self._record(alert_id, row, verdict, values, created))

    def _record(
        self,
        alert_id: uuid.UUID,
        row: _Row,
        verdict: Assessment,
        values: dict[str, Any],
        created: datetime,
    ) -> AlertRecord:
        supplier = self.suppliers.get(row.supplier_id) if row.supplier_id else None
        return AlertRecord(
            id=alert_id,
            product_id=row.product_id,
            product_code=row.sku,
            product_name=row.name,
            warehouse_id=row.warehouse_id,
            warehouse_code=self.warehouses.get(row.warehouse_id, ""),
            current_stock=row.facts.on_hand,
            minimum_stock=row.facts.minimum_stock,
            reorder_point=verdict.reorder_point,
            reorder_quantity=verdict.suggested_quantity,
            on_order=verdict.on_order,
            urgency_level=UrgencyLevel(values["urgency_level"]),
            status=AlertStatus(values["status"]),
            preferred_supplier_id=row.supplier_id,
            supplier_code=supplier[0] if supplier else None,
            supplier_name=supplier[1] if supplier else None,
            created_at=created,
            updated_at=self.now,
            stored_inputs=values["details"],
            snoozed_until=values["snoozed_until"],
        )

    def _resolve(self, row: _Row) -> None:
        self.resolves.append(
            {
                "b_id": row.alert_id,
                "status": AlertStatus.RESOLVED.value,
                "resolved_at": self.now,
                "updated_at": self.now,
                "current_stock": row.facts.on_hand,
            }
        )
        self.resolved += 1

    def _problem(self, row: _Row, message: str) -> None:
        self.errors.append(
            ProductProblem(row.product_id, row.sku, self.warehouses.get(row.warehouse_id), message)
        )

    def write(self, session: Session) -> None:
        q.insert_alerts(session, self.inserts)
        q.update_alerts(session, self.updates)
        q.update_alerts(session, self.resolves)


# -- helpers ---------------------------------------------------------------------------------
def _without_order(facts: StockFacts) -> StockFacts:
    return replace(facts, on_order=0)


def _params_from(data: dict[str, Any], base: AlertParams, *, window: bool = True) -> AlertParams:
    def decimal(key: str, default: Decimal, low: Decimal, high: Decimal) -> Decimal:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return default
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return default
        return number if number.is_finite() and low <= number <= high else default

    days = base.window_days
    if window and isinstance(data.get("windowDays"), int) and 1 <= data["windowDays"] <= 365:
        days = int(data["windowDays"])
    return AlertParams(
        window_days=days or DEFAULT_WINDOW_DAYS,
        multiplier=decimal(
            "reorderPointMultiplier",
            base.multiplier or DEFAULT_MULTIPLIER,
            Decimal("0.1"),
            Decimal(20),
        ),
        threshold=decimal(
            "stockAlertThreshold", base.threshold or DEFAULT_THRESHOLD, Decimal(0), Decimal(5)
        ),
        safety_stock=base.safety_stock,
    )


def _report(outcome: _Outcome, levels: int, started: float) -> AlertRunReport:
    return AlertRunReport(
        alerts=outcome.records,
        levels_checked=levels,
        created=outcome.created,
        updated=outcome.updated,
        resolved=outcome.resolved,
        errors=outcome.errors,
        seconds=time.perf_counter() - started,
        cancelled=outcome.cancelled,
        new_critical=outcome.new_critical,
    )


async def _cancellable(work: Callable[[threading.Event], T]) -> T:
    """Run ``work(stop)`` in a worker thread; cancelling the caller sets ``stop`` and waits
    for the worker to finish its batch, so nothing is written after the caller let go."""
    stop = threading.Event()
    task = asyncio.ensure_future(asyncio.to_thread(work, stop))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except Exception:  # the cancellation is what the caller hears about
                break
        raise
