"""Receiving deliveries (DESIGN.md §7): what a delivery says, what posting it did.

Pure Python. :meth:`DeliveryInput.from_seed` reads the seed's camelCase ``deliveryData``
(a file, the CLI, a script); the scan board builds a :class:`DeliveryInput` itself. A
malformed *delivery* (no id, no warehouse, items not a list) raises
:class:`ValidationError`; a malformed *item* (a quantity that is not a whole number, a cost
that is not an amount) is carried as that item's ``problem`` and rejected on its own while
the rest of the delivery posts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from possync_gui.domain.errors import ValidationError

#: 10 % over the ordered line is received without asking (a setting may change it).
OVER_RECEIPT_TOLERANCE_DEFAULT = Decimal("0.10")
#: More units than this on one line is almost surely a typo (or a scanned barcode as count).
MAX_LINE_QUANTITY = 1_000_000
#: ``Numeric(12, 2)``: ten digits before the point.
MAX_UNIT_COST = Decimal("9999999999.99")
#: Column widths of the store (a longer text is refused, never cut).
REF_LENGTH = 100
SERIAL_LENGTH = 100


class ItemStatus(StrEnum):
    """What posting did with one delivery item."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    #: More than the tolerance over the ordered quantity: it waits for a confirmation
    #: (``confirm_over_receipt``); nothing of this item is posted until then.
    NEEDS_CONFIRMATION = "needs_confirmation"


@dataclass(frozen=True, slots=True)
class DeliveryLineInput:
    """One delivered item: a product (UUID, SKU or barcode) and what arrived of it.

    ``product_code``: a second reference the file gave (the seed's ``productCode`` next to a
    ``productId``); used when ``product_ref`` names no product, and it must not name a
    different one. ``problem``: why the file's item could not be read (then it is
    rejected with that reason)."""

    product_ref: str
    quantity_received: int
    unit_cost: Decimal | None = None
    serial_numbers: tuple[str, ...] = ()
    lot: str | None = None
    expiry: date | None = None
    product_code: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryInput:
    """A delivery to post. ``delivery_id`` is the supplier's (external) id: posting the same
    id again changes nothing (except items that waited for an over-receipt confirmation,
    which a repeat with ``confirm_over_receipt`` posts). ``close_short``: the purchase order
    is complete with this delivery; what did not come is recorded as short-shipped."""

    delivery_id: str
    warehouse_ref: str
    received_by: str
    received_at: datetime
    items: tuple[DeliveryLineInput, ...]
    supplier_ref: str | None = None
    purchase_order_ref: str | None = None
    confirm_over_receipt: bool = False
    close_short: bool = False
    note: str | None = None

    @classmethod
    def from_seed(
        cls,
        data: dict[str, Any],
        *,
        confirm_over_receipt: bool = False,
        close_short: bool = False,
    ) -> DeliveryInput:
        """Read the seed's ``deliveryData`` (camelCase keys; snake_case accepted too)."""
        if not isinstance(data, dict):
            raise ValidationError("A delivery must be a JSON object (the seed's deliveryData).")
        items = _get(data, "items")
        if not isinstance(items, list):
            raise ValidationError("The delivery needs an 'items' list.")
        if not items:
            raise ValidationError("The delivery has no items.")
        return cls(
            delivery_id=_required_text(data, "deliveryId"),
            warehouse_ref=_required_text(data, "warehouseId"),
            received_by=_required_text(data, "receivedBy"),
            received_at=parse_time(_get(data, "receivedAt")),
            items=tuple(line_from_seed(item, i) for i, item in enumerate(items, 1)),
            supplier_ref=_optional_text(data, "supplierId"),
            purchase_order_ref=_optional_text(data, "purchaseOrderId"),
            confirm_over_receipt=confirm_over_receipt or bool(_get(data, "confirmOverReceipt")),
            close_short=close_short or bool(_get(data, "closeShort")),
            note=_optional_text(data, "note"),
        )


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def _get(data: dict[str, Any], key: str) -> Any:
    return data[key] if key in data else data.get(_snake(key))


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = _get(data, key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f"'{key}' must be text, not {type(value).__name__}.")
    text = str(value).strip()
    if len(text) > REF_LENGTH:
        raise ValidationError(f"'{key}' is longer than {REF_LENGTH} characters.")
    if "\x00" in text:
        raise ValidationError(f"'{key}' contains a NUL character (a damaged file?).")
    return text or None


def _required_text(data: dict[str, Any], key: str) -> str:
    text = _optional_text(data, key)
    if text is None:
        raise ValidationError(f"The delivery needs '{key}'.")
    return text


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time (the seed's ``toISOString()``) as aware UTC; a time without a zone
    is read as UTC. Missing: now."""
    if value is None or value == "":
        return datetime.now(UTC)
    if not isinstance(value, str):
        raise ValidationError("'receivedAt' must be an ISO 8601 time like 2026-03-01T09:30:00Z.")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"'receivedAt' {value!r} is not an ISO 8601 time like 2026-03-01T09:30:00Z."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def line_from_seed(item: Any, index: int) -> DeliveryLineInput:
    """One item of ``items[]``; what cannot be read becomes the line's ``problem``."""
    if not isinstance(item, dict):
        return DeliveryLineInput("", 0, problem=f"Item {index} is not an object.")
    product_id = _text_or_none(_get(item, "productId"))
    product_code = _text_or_none(_get(item, "productCode"))
    ref, alternate = _product_refs(product_id, product_code)
    problems: list[str] = []
    if not ref:
        problems.append("no productId or productCode")
    quantity = _whole_number(_get(item, "quantityReceived"), problems)
    cost = _amount(_get(item, "unitCost"), problems)
    serials = _serials(_get(item, "serialNumbers"), problems)
    lot = _text_or_none(_get(item, "lot"))
    expiry = _date(_get(item, "expiry"), problems)
    return DeliveryLineInput(
        product_ref=ref,
        quantity_received=quantity,
        unit_cost=cost,
        serial_numbers=serials,
        lot=lot,
        expiry=expiry,
        product_code=alternate,
        problem="; ".join(problems) or None,
    )


def _product_refs(product_id: str | None, product_code: str | None) -> tuple[str, str | None]:
    """The reference to look up first, and the other one. A UUID ``productId`` is precise;
    otherwise the SKU (``productCode``) is what the store knows (the seed's own example
    pairs ``'product-001'`` with SKU ``'WIDGET-001'``)."""
    if product_id and _is_uuid(product_id):
        return product_id, product_code
    if product_code:
        return product_code, product_id
    return product_id or "", None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _text_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _whole_number(value: Any, problems: list[str]) -> int:
    if isinstance(value, bool) or value is None:
        problems.append("quantityReceived is missing" if value is None else "quantity not a number")
        return 0
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"quantityReceived {value!r} is not a whole number")
        return 0
    if not number.is_finite() or number != number.to_integral_value():
        problems.append(f"quantityReceived {value!r} is not a whole number")
        return 0
    if number.adjusted() > 15:  # int() of 1e999999999 would take all the memory there is
        problems.append(f"quantityReceived {value!r} is far too large")
        return 0
    return int(number)


def _amount(value: Any, problems: list[str]) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        problems.append(f"unitCost {value!r} is not an amount")
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        problems.append(f"unitCost {value!r} is not an amount")
        return None
    if not amount.is_finite():
        problems.append(f"unitCost {value!r} is not an amount")
        return None
    return amount


def _serials(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [s for s in value.replace(",", ";").split(";")]
    if not isinstance(value, list | tuple):
        problems.append("serialNumbers must be a list")
        return ()
    serials = tuple(str(s).strip() for s in value if s is not None and str(s).strip())
    return serials


def _date(value: Any, problems: list[str]) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(f"expiry {value!r} is not a date like 2027-01-31")
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        problems.append(f"expiry {value!r} is not a date like 2027-01-31")
        return None


@dataclass(frozen=True, slots=True)
class DeliveryItemResult:
    """What happened to one item (``index`` counts from 1, in the delivery's order).
    ``over_received``: units of this item beyond what the purchase order line ordered."""

    index: int
    product_ref: str
    product_id: uuid.UUID | None
    sku: str | None
    name: str | None
    quantity: int
    status: ItemStatus
    error: str | None = None
    over_received: int = 0
    serial_numbers: tuple[str, ...] = ()
    lot: str | None = None
    expiry: date | None = None
    unit_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ShortShipment:
    """A purchase order line closed with fewer units than ordered (``close_short``)."""

    product_id: uuid.UUID
    sku: str
    ordered: int
    received: int

    @property
    def short(self) -> int:
        return max(0, self.ordered - self.received)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What posting a delivery did. ``already_posted``: this delivery id was posted before
    and this call changed nothing (``items`` are the first post's results)."""

    delivery_id: str
    already_posted: bool
    items: tuple[DeliveryItemResult, ...]
    purchase_order_number: str | None
    purchase_order_status: str | None
    alerts_resolved: int
    posted_at: datetime | None
    warehouse_code: str | None = None
    supplier_code: str | None = None
    short_shipped: tuple[ShortShipment, ...] = ()
    #: The products whose stock this call changed (empty when nothing posted).
    product_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def accepted(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.ACCEPTED)

    @property
    def rejected(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.REJECTED)

    @property
    def needs_confirmation(self) -> int:
        return sum(1 for i in self.items if i.status == ItemStatus.NEEDS_CONFIRMATION)

    @property
    def units(self) -> int:
        """Units accepted (posted) in this delivery."""
        return sum(i.quantity for i in self.items if i.status == ItemStatus.ACCEPTED)

    @property
    def ok(self) -> bool:
        return all(i.status == ItemStatus.ACCEPTED for i in self.items)


@dataclass(frozen=True, slots=True)
class ReceivingLine:
    """A purchase order line as the receiving board expects it."""

    product_id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    gtin: str | None
    is_serialized: bool
    ordered: int
    received: int
    unit_cost: Decimal | None

    @property
    def expected(self) -> int:
        return max(0, self.ordered - self.received)


@dataclass(frozen=True, slots=True)
class ReceivingPlan:
    """An open purchase order to receive against."""

    purchase_order_id: uuid.UUID
    order_number: str
    supplier_code: str
    supplier_name: str
    warehouse_code: str
    status: str
    lines: tuple[ReceivingLine, ...]


@dataclass(frozen=True, slots=True)
class SerialLocation:
    """Where one serial number is and the delivery that brought it."""

    serial: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    warehouse_code: str
    status: str
    delivery_id: str | None
    supplier_code: str | None
    received_at: datetime | None
    purchase_order_number: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A posted delivery, as the history list shows it."""

    id: uuid.UUID
    delivery_id: str
    supplier_code: str | None
    warehouse_code: str
    purchase_order_number: str | None
    received_by: str
    received_at: datetime
    items_accepted: int
    items_rejected: int
    units: int
    items_waiting: int = 0
    posted_at: datetime | None = None
