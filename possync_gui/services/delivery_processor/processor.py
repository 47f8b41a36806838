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
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from possync_gui.domain.enums import MovementReason, PurchaseOrderStatus
from possync_gui.domain.errors import DatabaseError, ValidationError
from possync_gui.domain.receiving import (
    OVER_RECEIPT_TOLERANCE_DEFAULT,
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
from possync_gui.services.delivery_processor.header import (
    RECEIVABLE_STATES,
    check_header,
    not_receivable,
    resolve_header,
    serialize_warehouse,
)
from possync_gui.services.delivery_processor.rows import item_row, settled, without_nul
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_deltas
from possync_gui.store.purchasing import find_order
from possync_gui.store.receiving import posting as q
from possync_gui.store.receiving import reads
from possync_gui.store.receiving.posting import Header
from possync_gui.store.types import utcnow

log = logging.getLogger("possync.receiving")

#: How often a posting transaction that lost a race is tried.
ATTEMPTS = 3


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
                raise ValidationError(not_receivable(order, posting=False))
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
        check_header(delivery, self._clock())
        with self._db.session() as session:
            # Posted before: say so, whatever has become of its order since.
            existing = _delivery_row(session, delivery.delivery_id)
            header = None if existing else resolve_header(session, delivery)
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
        serialize_warehouse(session, header.warehouse_id)
        order = self._locked_order(session, header)
        verdicts = self._judge(session, d.items, header, d.confirm_over_receipt)
        q.insert_items(
            session, [item_row(delivery_id, v, i) for v, i in zip(verdicts, d.items, strict=True)]
        )
        # An order is closed short once nothing of the delivery waits any more: the
        # confirmation of its over-receipts closes it (the delivery row keeps the wish).
        waiting = any(v.result.status == ItemStatus.NEEDS_CONFIRMATION for v in verdicts)
        return self._write(
            session,
            d,
            header,
            order,
            delivery_id,
            verdicts,
            now,
            close_short=d.close_short and not waiting,
        )

    def _locked_order(self, session: Session, header: Header) -> m.PurchaseOrder | None:
        if header.order_id is None:
            return None
        order = q.lock_order(session, header.order_id)
        if PurchaseOrderStatus(order.status) not in RECEIVABLE_STATES:  # changed meanwhile
            raise ValidationError(not_receivable(order))
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
        items = [without_nul(i) for i in items]
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
            [{"b_id": w.id, **settled(v)} for w, v in zip(waiting, verdicts, strict=True)],
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


def _delivery_row(session: Session, external_id: str) -> uuid.UUID | None:
    return session.execute(
        select(m.Delivery.id).where(m.Delivery.external_id == external_id)
    ).scalar_one_or_none()
