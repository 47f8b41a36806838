"""The Purchase Order Manager (DESIGN.md §6): alerts → one PO per preferred supplier and
warehouse, the approval rules, the lifecycle and the supplier's copy (PDF, CSV).

Lifecycle: a new order is ``draft``, or ``pending_approval`` when its total is above the
approval threshold; ``approve`` (draft|pending → approved; above the threshold only by
someone other than the creator), ``reject`` (draft|pending, with a reason), ``send``
(approved → sent), ``cancel`` (any open state with nothing received). Rejecting or
cancelling releases the order's alerts. Receiving (issue 5) moves sent orders on to
partially received and received.

Quantities are decided when the order is made, not when the alert was raised: the target
stock the alert computed minus what is on hand and on order *now*, rounded up to the
supplier's pack size and minimum order — so a second run never orders what an open order
already brings.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import exc
from sqlalchemy.orm import Session

from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus, UrgencyLevel
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.purchasing import (
    POCreationReport,
    ProductProblem,
    PurchaseOrderQuery,
    PurchaseOrderRecord,
)
from possync_gui.domain.reorder import explain, round_to_packs
from possync_gui.store import models as m
from possync_gui.store import purchasing as q
from possync_gui.store.database import Database

log = logging.getLogger("possync.po")

T = TypeVar("T")
CENT = Decimal("0.01")
_RETRIES = 3
_OPEN_FOR_APPROVAL = (PurchaseOrderStatus.DRAFT.value, PurchaseOrderStatus.PENDING_APPROVAL.value)
_CANCELLABLE = (
    PurchaseOrderStatus.DRAFT.value,
    PurchaseOrderStatus.PENDING_APPROVAL.value,
    PurchaseOrderStatus.APPROVED.value,
    PurchaseOrderStatus.SENT.value,
)


@dataclass
class _Draft:
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    lines: dict[uuid.UUID, list[Any]] = field(default_factory=dict)  # product -> [qty, cost]
    alert_ids: list[uuid.UUID] = field(default_factory=list)
    urgencies: list[str] = field(default_factory=list)


class PurchaseOrderManager:
    """Purchase orders of one store."""

    def __init__(
        self,
        db: Database,
        *,
        approval_threshold: Decimal = Decimal("1000.00"),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._db = db
        self.approval_threshold = approval_threshold
        self._clock = clock or (lambda: datetime.now(UTC))

    async def _run(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._db.session() as session:
                return work(session)

        return await asyncio.to_thread(run)

    # -- alerts → orders -------------------------------------------------------------------
    async def create_from_alerts(
        self, alert_ids: Sequence[uuid.UUID], actor: str, trigger: str = "manual"
    ) -> POCreationReport:
        ids = list(dict.fromkeys(alert_ids))
        for attempt in range(1, _RETRIES + 1):
            try:
                return await self._run(lambda s: self._create(s, ids, actor, trigger))
            except exc.IntegrityError:  # another desktop took the same order number
                if attempt == _RETRIES:
                    raise
                log.info("order number taken by another desktop; trying again")
        raise AssertionError("unreachable")

    def _create(
        self, session: Session, ids: list[uuid.UUID], actor: str, trigger: str
    ) -> POCreationReport:
        alerts = q.lock_alerts(session, ids)
        problems: list[ProductProblem] = []
        found = {a.id for a in alerts}
        skipped = len([i for i in ids if i not in found])
        usable: list[m.StockAlert] = []
        for alert in alerts:
            if alert.status != AlertStatus.ACTIVE.value:
                problems.append(_problem(alert, _not_orderable(alert)))
                skipped += 1
            else:
                usable.append(alert)
        stock = q.on_hand_and_order(session, [(a.product_id, a.warehouse_id) for a in usable])
        mappings = q.preferred_mappings(session, [a.product_id for a in usable])
        drafts: dict[tuple[uuid.UUID, uuid.UUID], _Draft] = {}
        for alert in usable:
            mapping = mappings.get(alert.product_id)
            if mapping is None:
                problems.append(
                    _problem(
                        alert,
                        f"No preferred supplier found for product {alert.product_code} "
                        "— assign one under Purchase Orders › Suppliers",
                    )
                )
                continue
            on_hand, on_order = stock[(alert.product_id, alert.warehouse_id)]
            target = int(explain(dict(alert.details or {})).get("target_stock") or 0)
            if target <= 0:
                target = alert.reorder_point + alert.reorder_quantity
            qty, _ = round_to_packs(
                max(0, target - on_hand - on_order), mapping.pack_size, mapping.min_order_qty
            )
            if qty <= 0:
                problems.append(
                    _problem(
                        alert,
                        f"Nothing to order for {alert.product_code}: {on_hand} on hand and "
                        f"{on_order} on order already reach the target of {target}",
                    )
                )
                continue
            draft = drafts.setdefault(
                (mapping.supplier_id, alert.warehouse_id),
                _Draft(mapping.supplier_id, alert.warehouse_id),
            )
            line = draft.lines.setdefault(alert.product_id, [0, mapping.unit_cost])
            line[0] += qty  # the same product twice merges into one line
            draft.alert_ids.append(alert.id)
            draft.urgencies.append(alert.urgency_level)
        orders = self._write_drafts(session, list(drafts.values()), actor, trigger)
        return POCreationReport(orders, problems, skipped)

    def _write_drafts(
        self, session: Session, drafts: list[_Draft], actor: str, trigger: str
    ) -> list[PurchaseOrderRecord]:
        if not drafts:
            return []
        now = self._clock()
        numbers = q.next_order_numbers(session, now.year, len(drafts))
        suppliers, warehouses = q.supplier_and_warehouse_names(
            session, [d.supplier_id for d in drafts], [d.warehouse_id for d in drafts]
        )
        drafts.sort(key=lambda d: (suppliers[d.supplier_id].code, warehouses[d.warehouse_id].code))
        records = []
        for number, draft in zip(numbers, drafts, strict=True):
            total = sum(
                (Decimal(qty) * cost for qty, cost in draft.lines.values()), Decimal(0)
            ).quantize(CENT)
            status = (
                PurchaseOrderStatus.PENDING_APPROVAL
                if total > self.approval_threshold
                else PurchaseOrderStatus.DRAFT
            )
            order = m.PurchaseOrder(
                id=uuid.uuid4(),
                order_number=number,
                supplier_id=draft.supplier_id,
                warehouse_id=draft.warehouse_id,
                total_amount=total,
                status=status.value,
                automation_reason=_reason(draft),
                trigger_type=trigger,
                stock_alert_ids=[str(a) for a in draft.alert_ids],
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            lines = [
                m.PurchaseOrderLine(product_id=pid, quantity=qty, unit_cost=cost)
                for pid, (qty, cost) in draft.lines.items()
            ]
            q.add_order(session, order, lines)
            q.link_alerts(session, draft.alert_ids, order.id)
            session.flush()
            records.append(
                q.order_record(
                    session,
                    order,
                    suppliers[draft.supplier_id],
                    warehouses[draft.warehouse_id],
                    self.approval_threshold,
                    with_lines=True,
                )
            )
            log.info("%s created %s (%s, total %s)", actor, number, status.value, total)
        return records

    # -- lifecycle -------------------------------------------------------------------------
    async def approve(self, ref: str | uuid.UUID, actor: str) -> PurchaseOrderRecord:
        def work(order: m.PurchaseOrder) -> None:
            _require(order, _OPEN_FOR_APPROVAL, "approved")
            if order.total_amount > self.approval_threshold and _same(actor, order.created_by):
                raise ValidationError(
                    f"{order.order_number} totals {order.total_amount:,.2f}, above the approval "
                    f"threshold of {self.approval_threshold:,.2f}: it needs approval by someone "
                    f"other than its creator ({order.created_by})."
                )
            order.status = PurchaseOrderStatus.APPROVED.value
            order.approved_by = actor
            order.approved_at = self._clock()

        return await self._change(ref, actor, "approved", work)

    async def reject(self, ref: str | uuid.UUID, actor: str, reason: str) -> PurchaseOrderRecord:
        text = (reason or "").strip()
        if not text:
            raise ValidationError("Say why the order is rejected (a reason is required).")

        def work(order: m.PurchaseOrder) -> None:
            _require(order, _OPEN_FOR_APPROVAL, "rejected")
            order.status = PurchaseOrderStatus.REJECTED.value
            order.rejected_reason = f"{text} ({actor})"

        return await self._change(ref, actor, "rejected", work, release=True)

    async def send(self, ref: str | uuid.UUID, actor: str) -> PurchaseOrderRecord:
        def work(order: m.PurchaseOrder) -> None:
            _require(order, (PurchaseOrderStatus.APPROVED.value,), "sent")
            order.status = PurchaseOrderStatus.SENT.value
            order.sent_at = self._clock()

        return await self._change(ref, actor, "sent", work)

    async def cancel(
        self, ref: str | uuid.UUID, actor: str, reason: str | None = None
    ) -> PurchaseOrderRecord:
        def work(order: m.PurchaseOrder) -> None:
            _require(order, _CANCELLABLE, "cancelled")
            order.status = PurchaseOrderStatus.CANCELLED.value
            order.rejected_reason = f"Cancelled by {actor}" + (
                f": {reason.strip()}" if reason and reason.strip() else ""
            )

        return await self._change(ref, actor, "cancelled", work, release=True)

    async def _change(
        self,
        ref: str | uuid.UUID,
        actor: str,
        verb: str,
        work: Callable[[m.PurchaseOrder], None],
        *,
        release: bool = False,
    ) -> PurchaseOrderRecord:
        def run(session: Session) -> PurchaseOrderRecord:
            order = q.find_order(session, ref, lock=True)
            work(order)
            order.updated_at = self._clock()
            if release:
                q.release_alerts(session, order.id, order.updated_at)
            session.flush()
            log.info("%s %s %s", actor, verb, order.order_number)
            return q.get_order(session, order.id, self.approval_threshold)

        return await self._run(run)

    # -- reads and exports -----------------------------------------------------------------
    async def list_orders(self, query: PurchaseOrderQuery) -> list[PurchaseOrderRecord]:
        return await self._run(lambda s: q.list_orders(s, query, self.approval_threshold))

    async def get(self, ref: str | uuid.UUID) -> PurchaseOrderRecord:
        return await self._run(lambda s: q.get_order(s, ref, self.approval_threshold))

    async def export(self, ref: str | uuid.UUID, path: Path, fmt: str = "pdf") -> Path:
        kind = fmt.lower().lstrip(".")
        if kind not in ("pdf", "csv"):
            raise ValidationError(f"Export as pdf or csv, not {fmt!r}.")
        order = await self.get(ref)
        writer = write_pdf if kind == "pdf" else write_csv
        await asyncio.to_thread(writer, order, path)
        return path


# -- the supplier's copy ------------------------------------------------------------------
CSV_COLUMNS = (
    "order_number",
    "supplier_code",
    "supplier_sku",
    "sku",
    "product",
    "quantity",
    "unit_cost",
    "line_total",
    "currency",
    "received_quantity",
)


def write_csv(order: PurchaseOrderRecord, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_COLUMNS)
        for line in order.lines:
            out.writerow(
                (
                    order.order_number,
                    order.supplier_code,
                    line.supplier_sku or "",
                    line.product_code,
                    line.product_name,
                    line.quantity,
                    f"{line.unit_cost:.2f}",
                    f"{line.line_total:.2f}",
                    order.currency,
                    line.received_quantity,
                )
            )
    tmp.replace(path)


def _latin(text: str) -> str:
    """The PDF's built-in fonts speak Latin-1; other characters print as '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def write_pdf(order: PurchaseOrderRecord, path: Path) -> None:
    from fpdf import FPDF  # noqa: PLC0415  (a few hundred ms to import; only when exporting)

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"Purchase order {order.order_number}")
    pdf.set_creator("possync")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _latin(f"Purchase order {order.order_number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    when = order.created_at.astimezone(UTC).strftime("%Y-%m-%d")
    facts = [
        ("Supplier", f"{order.supplier_name} ({order.supplier_code})"),
        ("Supplier e-mail", order.supplier_email or "-"),
        ("Deliver to", f"{order.warehouse_name} ({order.warehouse_code})"),
        ("Date", when),
        ("Status", order.status.value.replace("_", " ")),
        ("Created by", order.created_by),
        ("Approved by", order.approved_by or "-"),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(35, 6, _latin(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 30, 62, 16, 24, 28)
    heads = ("Our SKU", "Your SKU", "Product", "Qty", "Unit cost", "Line total")
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(230, 230, 230)
    for width, head in zip(widths, heads, strict=True):
        align = "R" if head in ("Qty", "Unit cost", "Line total") else "L"
        pdf.cell(width, 7, head, border=1, align=align, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in order.lines:
        cells = (
            line.product_code,
            line.supplier_sku or "",
            line.product_name,
            str(line.quantity),
            f"{line.unit_cost:,.2f}",
            f"{line.line_total:,.2f}",
        )
        for i, (width, value) in enumerate(zip(widths, cells, strict=True)):
            text = _latin(value)
            while pdf.get_string_width(text) > width - 2 and len(text) > 1:
                text = text[:-1]
            pdf.cell(width, 6, text, border=1, align="R" if i >= 3 else "L")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(sum(widths[:-1]), 8, _latin(f"Total ({order.currency})"), border=1, align="R")
    pdf.cell(widths[-1], 8, f"{order.total_amount:,.2f}", border=1, align="R")
    pdf.ln(12)
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(0, 5, _latin(f"{order.ordered_units or sum(ln.quantity for ln in order.lines)} units"))
    tmp = path.with_name(path.name + ".part")
    pdf.output(str(tmp))
    tmp.replace(path)


# -- helpers -------------------------------------------------------------------------------
def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _require(order: m.PurchaseOrder, allowed: Sequence[str], verb: str) -> None:
    if order.status not in allowed:
        raise ValidationError(
            f"{order.order_number} is {order.status.replace('_', ' ')}; it cannot be {verb}."
        )


def _problem(alert: m.StockAlert, message: str) -> ProductProblem:
    return ProductProblem(alert.product_id, alert.product_code, None, message)


def _not_orderable(alert: m.StockAlert) -> str:
    if alert.status == AlertStatus.ORDERED.value:
        return f"{alert.product_code} is already on an open purchase order"
    return f"The alert for {alert.product_code} is {alert.status}, not active"


def _reason(draft: _Draft) -> str:
    counts: dict[str, int] = defaultdict(int)
    for urgency in draft.urgencies:
        counts[urgency] += 1
    order = [u.value for u in (UrgencyLevel.CRITICAL, UrgencyLevel.HIGH, UrgencyLevel.MEDIUM)]
    parts = [f"{counts[u]} {u}" for u in [*order, UrgencyLevel.LOW.value] if counts.get(u)]
    return f"{len(draft.urgencies)} stock alert(s): " + ", ".join(parts)
