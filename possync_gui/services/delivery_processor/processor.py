"""The Delivery Processor (DESIGN.md §7): post a delivery as one transaction.

Idempotent by the supplier's delivery id: the ``deliveries`` row is written first, under a
unique constraint, so of two processes posting the same delivery one wins and the other
reports it as already posted. Bad items are rejected one by one (``checks.py``) and the
rest post: ledger movements (reason ``delivery``, the delivery id as reference, the
receiver as actor), serials, lots and expiry, purchase order lines and status; alerts
waiting on an order that is now received resolve.

A delivery whose items include an over-receipt beyond the tolerance posts the rest and
keeps that item waiting; posting the same delivery again with ``confirm_over_receipt``
posts the waiting items (and only those).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from possync_gui.domain.enums import MovementReason, PurchaseOrderStatus
from possync_gui.domain.errors import DatabaseError, ValidationError
from possync_gui.domain.receiving import (
    OVER_RECEIPT_TOLERANCE_DEFAULT,
    REF_LENGTH,
    DeliveryInput,
    DeliveryItemResult,
    DeliveryLineInput,
    DeliveryRecord,
    DeliveryResult,
    ItemStatus,
    ReceivingPlan,
    SerialLocation,
)
from possync_gui.domain.records import MovementRequest
from possync_gui.services.delivery_processor.checks import ItemJudge, Verdict
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.inventory import get_warehouse
from possync_gui.store.ledger import apply_deltas
from possync_gui.store.purchasing import find_order
from possync_gui.store.receiving import posting as q
from possync_gui.store.receiving import reads
from possync_gui.store.receiving.posting import Header
from possync_gui.store.suppliers import get_supplier
from possync_gui.store.types import utcnow

log = logging.getLogger("possync.receiving")

#: Orders that can still receive goods.
RECEIVABLE_STATES = (
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
#: A receipt time further ahead than this is a clock or typing mistake.
FUTURE_SLACK = timedelta(minutes=10)
_INT_MAX = 2_147_483_647
#: How often a posting transaction that lost a race is tried.
ATTEMPTS = 3
#: The advisory lock namespace of receiving ("RCV" in ASCII).
_LOCK_NS = 0x524356


class DeliveryProcessor:
    """Posts deliveries over one :class:`Database` (methods run in a worker thread)."""

    def __init__(
        self,
        db: Database,
        *,
        tolerance: Decimal = OVER_RECEIPT_TOLERANCE_DEFAULT,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self.tolerance = tolerance
        self._clock = clock

    # -- reads (each in its own session; call from a worker thread) --------------------------
    def receiving_plan(self, po_ref: str | uuid.UUID) -> ReceivingPlan:
        """An order's lines to receive; refused for an order that cannot receive."""
        with self._db.session() as session:
            order = find_order(session, po_ref)
            if PurchaseOrderStatus(order.status) not in RECEIVABLE_STATES:
                raise ValidationError(_not_receivable(order, posting=False))
            return reads.receiving_plan(session, order)

    def find_serial(self, serial: str) -> list[SerialLocation]:
        with self._db.session() as session:
            return reads.find_serial(session, serial)

    def list_deliveries(self, search: str = "", limit: int = 500) -> list[DeliveryRecord]:
        with self._db.session() as session:
            return reads.list_deliveries(session, search, limit)

    def delivery_detail(
        self, ref: str | uuid.UUID
    ) -> tuple[DeliveryRecord, list[DeliveryItemResult]]:
        with self._db.session() as session:
            row_id = reads.delivery_row(session, ref)
            record = reads.list_deliveries(session, limit=1, delivery_row_id=row_id)[0]
            return record, reads.item_results(session, row_id)

    # -- posting ---------------------------------------------------------------------------
    def post(self, delivery: DeliveryInput | dict[str, Any]) -> DeliveryResult:
        """Post ``delivery`` (a :class:`DeliveryInput` or the seed's ``deliveryData``).

        Raises :class:`ValidationError` when the delivery as a whole is refused (unknown
        warehouse, supplier or order; an order that cannot receive; a malformed file) —
        then nothing is written."""
        if not isinstance(delivery, DeliveryInput):
            delivery = DeliveryInput.from_seed(delivery)
        self._check_header(delivery)
        with self._db.session() as session:
            # Posted before: say so, whatever has become of its order since.
            existing = _delivery_row(session, delivery.delivery_id)
            header = None if existing else self._header(session, delivery)
        if existing is not None or header is None:
            assert existing is not None
            return self._again(existing, delivery)
        return self._post_new(delivery, header)

    def _post_new(self, d: DeliveryInput, header: Header) -> DeliveryResult:
        """The posting transaction, tried again when it lost a race it can win next time:
        a PostgreSQL deadlock (a sync writing the same levels), a busy SQLite, a serial
        another delivery stored at the same moment (the next try rejects that item). The
        same delivery posted meanwhile elsewhere is reported as already posted."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self._db.session() as session:
                    return self._first_post(session, d, header)
            except IntegrityError:
                reason = "a concurrent write (unique serial)"
            except DatabaseError as err:
                if not (err.retryable or "deadlock" in str(err)) or attempt == ATTEMPTS:
                    raise
                reason = str(err)
            with self._db.session() as session:
                existing = _delivery_row(session, d.delivery_id)
            if existing is not None:
                log.info("delivery %s was posted meanwhile by another desktop", d.delivery_id)
                return self._again(existing, d)
            log.info("posting delivery %s again after %s", d.delivery_id, reason)
        raise ValidationError(
            "Another delivery received some of these serial numbers at the same moment; "
            "nothing was posted. Post again.",
            retryable=True,
        )

    def _check_header(self, d: DeliveryInput) -> None:
        if not d.delivery_id.strip():
            raise ValidationError("The delivery needs a delivery id.")
        for label, value in (("delivery id", d.delivery_id), ("received by", d.received_by)):
            if len(value) > REF_LENGTH:
                raise ValidationError(f"The {label} is longer than {REF_LENGTH} characters.")
        if not d.received_by.strip():
            raise ValidationError("The delivery needs the name of who received it.")
        if d.received_at.tzinfo is None:
            raise ValidationError("The receipt time needs a time zone.")
        if d.received_at > self._clock() + FUTURE_SLACK:
            raise ValidationError(
                f"The receipt time {d.received_at.isoformat()} is in the future; check the clock."
            )
        if not d.items:
            raise ValidationError("The delivery has no items.")

    def _header(self, session: Session, d: DeliveryInput) -> Header:
        warehouse = get_warehouse(session, d.warehouse_ref)
        supplier = get_supplier(session, d.supplier_ref) if d.supplier_ref else None
        order: m.PurchaseOrder | None = None
        if d.purchase_order_ref:
            order = find_order(session, d.purchase_order_ref)
            _check_order(session, order, warehouse.id, warehouse.code, supplier)
            if supplier is None:
                supplier = session.get(m.Supplier, order.supplier_id)
        return Header(
            warehouse_id=warehouse.id,
            warehouse_code=warehouse.code,
            supplier_id=supplier.id if supplier else None,
            supplier_code=supplier.code if supplier else None,
            order_id=order.id if order else None,
            order_number=order.order_number if order else None,
        )

    def _first_post(self, session: Session, d: DeliveryInput, header: Header) -> DeliveryResult:
        now = self._clock()
        delivery_id = uuid.uuid4()
        # First statement of the transaction: it claims the delivery id (and, on SQLite,
        # the write lock, so what is read next is what everyone committed).
        q.insert_delivery(
            session,
            {
                "id": delivery_id,
                "external_id": d.delivery_id,
                "supplier_id": header.supplier_id,
                "warehouse_id": header.warehouse_id,
                "purchase_order_id": header.order_id,
                "received_by": d.received_by,
                "received_at": d.received_at,
                "note": d.note,
                "close_short": d.close_short,
                "created_at": now,
            },
        )
        _serialize_warehouse(session, header.warehouse_id)
        order = self._locked_order(session, header)
        verdicts = self._judge(session, d.items, header, d.confirm_over_receipt)
        q.insert_items(
            session, [_item_row(delivery_id, v, i) for v, i in zip(verdicts, d.items, strict=True)]
        )
        return self._write(session, d, header, order, delivery_id, verdicts, now)

    def _locked_order(self, session: Session, header: Header) -> m.PurchaseOrder | None:
        if header.order_id is None:
            return None
        order = q.lock_order(session, header.order_id)
        if PurchaseOrderStatus(order.status) not in RECEIVABLE_STATES:  # changed meanwhile
            raise ValidationError(_not_receivable(order))
        return order

    def _judge(
        self,
        session: Session,
        items: Sequence[DeliveryLineInput],
        header: Header,
        confirm: bool,
        *,
        first_index: Sequence[int] | None = None,
    ) -> list[Verdict]:
        items = [_without_nul(i) for i in items]
        refs = [r for i in items for r in (i.product_ref, i.product_code) if r]
        judge = ItemJudge(
            products=q.products_by_refs(session, refs),
            lines=q.order_lines(session, header.order_id) if header.order_id else None,
            order_number=header.order_number,
            stored_serials={},
            tolerance=self.tolerance,
            confirm_over_receipt=confirm,
        )
        pairs = [
            (p.id, s)
            for i in items
            if (p := judge.product(i)) is not None
            for s in i.serial_numbers
        ]
        judge.stored_serials = q.existing_serials(session, pairs)
        indexes = first_index or range(1, len(items) + 1)
        verdicts = []
        for index, item in zip(indexes, items, strict=True):
            verdict = judge.judge(index, item)
            if verdict.result.status == ItemStatus.NEEDS_CONFIRMATION:
                judge.hold(verdict, item)
            verdicts.append(verdict)
        return verdicts

    def _write(
        self,
        session: Session,
        d: DeliveryInput,
        header: Header,
        order: m.PurchaseOrder | None,
        delivery_id: uuid.UUID,
        verdicts: Sequence[Verdict],
        now: datetime,
        *,
        close_short: bool | None = None,
    ) -> DeliveryResult:
        """Ledger, serials, order lines and status for the accepted verdicts."""
        accepted = [v for v in verdicts if v.result.status == ItemStatus.ACCEPTED]
        moves = [
            MovementRequest(
                product_id=v.result.product_id,
                warehouse_id=header.warehouse_id,
                delta=v.result.quantity,
                reason=MovementReason.DELIVERY,
                actor=d.received_by,
                reference=d.delivery_id,
                note=f"received against {header.order_number}" if header.order_number else None,
                at=d.received_at,
            )
            for v in accepted
            if v.result.product_id is not None
        ]
        apply_deltas(session, moves)
        q.insert_serials(
            session,
            [
                {
                    "id": uuid.uuid4(),
                    "product_id": v.result.product_id,
                    "serial": s,
                    "warehouse_id": header.warehouse_id,
                    "delivery_id": delivery_id,
                    "status": "in_stock",
                    "created_at": now,
                }
                for v in accepted
                for s in v.result.serial_numbers
            ],
        )
        per_line: dict[uuid.UUID, int] = {}
        for v in accepted:
            if v.line is not None:
                per_line[v.line.id] = per_line.get(v.line.id, 0) + v.result.quantity
        q.add_received(session, per_line)
        status: PurchaseOrderStatus | None = None
        resolved = 0
        shorts: tuple[Any, ...] = ()
        closing = d.close_short if close_short is None else close_short
        if order is not None:
            session.flush()
            status = q.settle_order(
                session, order, close_short=closing, actor=d.received_by, now=now
            )
            if status == PurchaseOrderStatus.RECEIVED:
                resolved = q.resolve_ordered_alerts(session, order.id, now)
            if closing:
                shorts = tuple(reads.short_shipments(session, order.id))
        return DeliveryResult(
            delivery_id=d.delivery_id,
            already_posted=False,
            items=tuple(v.result for v in verdicts),
            purchase_order_number=header.order_number,
            purchase_order_status=status.value if status else None,
            alerts_resolved=resolved,
            posted_at=now,
            warehouse_code=header.warehouse_code,
            supplier_code=header.supplier_code,
            short_shipped=shorts,
            product_ids=frozenset(mv.product_id for mv in moves),
        )

    # -- a delivery posted before --------------------------------------------------------------
    def _again(self, delivery_row_id: uuid.UUID, d: DeliveryInput) -> DeliveryResult:
        """The stored result; or, with ``confirm_over_receipt``, post the waiting items."""
        with self._db.session() as session:
            if d.confirm_over_receipt and reads.waiting_items(session, delivery_row_id):
                q.lock_delivery(session, delivery_row_id)
                waiting = reads.waiting_items(session, delivery_row_id)  # after the lock
                if waiting:
                    return self._confirm(session, delivery_row_id, d, waiting)
            return reads.stored_result(session, delivery_row_id, already_posted=True)

    def _confirm(
        self,
        session: Session,
        delivery_row_id: uuid.UUID,
        d: DeliveryInput,
        waiting: Sequence[m.DeliveryItem],
    ) -> DeliveryResult:
        now = self._clock()
        stored = session.get(m.Delivery, delivery_row_id)
        assert stored is not None  # locked above
        header = reads.stored_header(session, stored)
        order = self._locked_order(session, header)
        items = [
            DeliveryLineInput(
                product_ref=str(w.product_id),
                quantity_received=w.quantity_received,
                unit_cost=w.unit_cost,
                serial_numbers=tuple(w.serial_numbers or ()),
                lot=w.lot,
                expiry=w.expiry,
            )
            for w in waiting
        ]
        verdicts = self._judge(
            session, items, header, True, first_index=[w.line_index for w in waiting]
        )
        q.update_items(
            session,
            [{"b_id": w.id, **_settled(v)} for w, v in zip(waiting, verdicts, strict=True)],
        )
        posted = replace(
            d,
            delivery_id=stored.external_id,
            received_by=stored.received_by,
            received_at=stored.received_at,
        )
        result = self._write(
            session,
            posted,
            header,
            order,
            delivery_row_id,
            verdicts,
            now,
            close_short=d.close_short or stored.close_short,
        )
        full = reads.stored_result(session, delivery_row_id, already_posted=False)
        return replace(
            full,
            purchase_order_status=result.purchase_order_status,
            alerts_resolved=result.alerts_resolved,
            short_shipped=result.short_shipped,
            product_ids=result.product_ids,
        )


def _serialize_warehouse(session: Session, warehouse_id: uuid.UUID) -> None:
    """PostgreSQL: deliveries into one warehouse post one after the other (a transaction
    advisory lock, in the two-key space the sync lock's one-key locks do not share), so two
    of them never deadlock on the levels they both raise. SQLite has one writer anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(warehouse_id.bytes[:4], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _LOCK_NS, "key": key})


def _delivery_row(session: Session, external_id: str) -> uuid.UUID | None:
    return session.execute(
        select(m.Delivery.id).where(m.Delivery.external_id == external_id)
    ).scalar_one_or_none()


def _check_order(
    session: Session,
    order: m.PurchaseOrder,
    warehouse_id: uuid.UUID,
    warehouse_code: str,
    supplier: m.Supplier | None,
) -> None:
    if PurchaseOrderStatus(order.status) not in RECEIVABLE_STATES:
        raise ValidationError(_not_receivable(order))
    if order.warehouse_id != warehouse_id:
        other = session.get(m.Warehouse, order.warehouse_id)
        raise ValidationError(
            f"Purchase order {order.order_number} is for warehouse "
            f"{other.code if other else '?'}, not {warehouse_code}; nothing was posted."
        )
    if supplier is not None and order.supplier_id != supplier.id:
        other_s = session.get(m.Supplier, order.supplier_id)
        raise ValidationError(
            f"Purchase order {order.order_number} is from supplier "
            f"{other_s.code if other_s else '?'}, not {supplier.code}; nothing was posted."
        )


def _not_receivable(order: m.PurchaseOrder, *, posting: bool = True) -> str:
    status = order.status.replace("_", " ")
    return (
        f"Purchase order {order.order_number} is {status}: only approved, sent or partially "
        "received orders can be received" + ("; nothing was posted." if posting else ".")
    )


def _without_nul(item: DeliveryLineInput) -> DeliveryLineInput:
    """A NUL character cannot be stored (PostgreSQL refuses it in text): such an item is
    rejected, and its texts are kept without the NULs."""
    texts = [item.product_ref, item.product_code or "", item.lot or "", *item.serial_numbers]
    if not any("\x00" in t for t in texts):
        return item

    def clean(text: str | None) -> str | None:
        return None if text is None else text.replace("\x00", "")

    return replace(
        item,
        product_ref=item.product_ref.replace("\x00", ""),
        product_code=clean(item.product_code),
        lot=clean(item.lot),
        serial_numbers=tuple(s.replace("\x00", "") for s in item.serial_numbers),
        problem=item.problem or "contains a NUL character (a damaged file?)",
    )


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:REF_LENGTH]


def _settled(v: Verdict) -> dict[str, Any]:
    r = v.result
    return {
        "status": r.status.value,
        "error": r.error,
        "over_received": r.over_received if r.status == ItemStatus.ACCEPTED else 0,
        "over_receipt_confirmed": v.confirmed,
        "purchase_order_line_id": v.line.id if v.line is not None else None,
    }


def _item_row(delivery_id: uuid.UUID, v: Verdict, item: DeliveryLineInput) -> dict[str, Any]:
    """A delivery_items row; a rejected item's values are kept only as far as the columns
    hold them (its reason says what was wrong)."""
    r = v.result
    cost = r.unit_cost
    if (
        r.status == ItemStatus.REJECTED
        and cost is not None
        and (
            not cost.is_finite()
            or abs(cost) >= Decimal("1e10")  # first: quantize overflows on huge numbers
            or cost != cost.quantize(Decimal("0.01"))
        )
    ):
        cost = None
    return {
        "id": uuid.uuid4(),
        "delivery_id": delivery_id,
        "product_id": r.product_id,
        "product_code": _clip(r.product_ref or item.product_code),
        "quantity_received": max(-_INT_MAX, min(_INT_MAX, r.quantity)),
        "unit_cost": cost,
        "lot": _clip(r.lot),
        "expiry": r.expiry,
        "line_index": r.index,
        "serial_numbers": list(r.serial_numbers),
        **_settled(v),
    }
