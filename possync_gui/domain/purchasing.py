"""Records of stock alerts and purchase orders, as the services hand them to the UI and CLI."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus, UrgencyLevel
from possync_gui.domain.reorder import explain

#: Purchase orders in these states still expect goods: their lines count as "on order".
OPEN_PO_STATES = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.PENDING_APPROVAL,
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
#: Alerts in these states hold the one open slot of a (product, warehouse).
OPEN_ALERT_STATES = (
    AlertStatus.ACTIVE,
    AlertStatus.ORDERED,
    AlertStatus.SNOOZED,
    AlertStatus.DISMISSED,
)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One stock alert with what the Alerts tab shows (``details``: the explanation terms)."""

    id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    current_stock: int
    minimum_stock: int
    reorder_point: int
    reorder_quantity: int  # the suggested quantity to order
    on_order: int
    urgency_level: UrgencyLevel
    status: AlertStatus
    preferred_supplier_id: uuid.UUID | None
    supplier_code: str | None
    supplier_name: str | None
    created_at: datetime
    updated_at: datetime
    #: The inputs the verdict was computed from (``domain.reorder.inputs_of``), as stored:
    #: a dict, or the JSON text (parsed when asked for: a run may return 250,000 records).
    stored_inputs: dict[str, Any] | str = field(default_factory=dict, repr=False)
    dismissed_reason: str | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    purchase_order_id: uuid.UUID | None = None
    purchase_order_number: str | None = None

    @property
    def inputs(self) -> dict[str, Any]:
        raw = self.stored_inputs
        return dict(json.loads(raw)) if isinstance(raw, str) else dict(raw)

    @property
    def details(self) -> dict[str, Any]:
        """Every term of the suggestion (average daily sales, window, lead time, multiplier,
        safety stock, on hand, on order, reorder point, suggested quantity, rounding…),
        recomputed from ``inputs`` by the rules that judged it."""
        return explain(self.inputs)


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """A filter over alerts; empty fields match everything. ``statuses`` defaults to the
    open ones (active, ordered, snoozed, dismissed)."""

    urgency: UrgencyLevel | None = None
    warehouse_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    search: str = ""
    statuses: tuple[AlertStatus, ...] = OPEN_ALERT_STATES
    limit: int | None = 5000


@dataclass(frozen=True, slots=True)
class ProductProblem:
    """A product the alert run or the PO run could not handle, and why."""

    product_id: uuid.UUID
    product_code: str
    warehouse_code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class AlertRunReport:
    """What one alert run did."""

    alerts: list[AlertRecord]
    levels_checked: int
    created: int
    updated: int
    resolved: int
    errors: list[ProductProblem]
    seconds: float = 0.0
    cancelled: bool = False
    #: Alerts that became critical in this run (new, or raised from a lower urgency).
    new_critical: int = 0


@dataclass(frozen=True, slots=True)
class PurchaseOrderLineRecord:
    id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    supplier_sku: str | None
    quantity: int
    unit_cost: Decimal
    received_quantity: int

    @property
    def line_total(self) -> Decimal:
        return (self.unit_cost * self.quantity).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class PurchaseOrderRecord:
    id: uuid.UUID
    order_number: str
    supplier_id: uuid.UUID
    supplier_code: str
    supplier_name: str
    supplier_email: str | None
    currency: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    warehouse_name: str
    status: PurchaseOrderStatus
    total_amount: Decimal
    trigger_type: str
    automation_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    rejected_reason: str | None
    sent_at: datetime | None
    needs_second_approver: bool
    stock_alert_ids: tuple[uuid.UUID, ...] = ()
    lines: tuple[PurchaseOrderLineRecord, ...] = ()
    ordered_units: int = 0
    received_units: int = 0


@dataclass(frozen=True, slots=True)
class PurchaseOrderQuery:
    statuses: tuple[PurchaseOrderStatus, ...] = ()  # empty: every status
    supplier_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None
    search: str = ""  # order number, supplier code or name
    limit: int | None = 2000


@dataclass(frozen=True, slots=True)
class POCreationReport:
    """The purchase orders one ``process_stock_alerts`` call created, and the items it could
    not order with the reason for each (the rest proceed)."""

    orders: list[PurchaseOrderRecord]
    problems: list[ProductProblem]
    skipped_alerts: int = 0
