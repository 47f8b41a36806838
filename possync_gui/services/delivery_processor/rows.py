"""The ``delivery_items`` rows of a posting, from the items' verdicts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from possync_gui.domain.receiving import REF_LENGTH, DeliveryLineInput, ItemStatus
from possync_gui.services.delivery_processor.checks import Verdict

_INT_MAX = 2_147_483_647


def without_nul(item: DeliveryLineInput) -> DeliveryLineInput:
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


def settled(v: Verdict) -> dict[str, Any]:
    r = v.result
    return {
        "status": r.status.value,
        "error": r.error,
        "over_received": r.over_received if r.status == ItemStatus.ACCEPTED else 0,
        "over_receipt_confirmed": v.confirmed,
        "purchase_order_line_id": v.line.id if v.line is not None else None,
    }


def item_row(delivery_id: uuid.UUID, v: Verdict, item: DeliveryLineInput) -> dict[str, Any]:
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
        **settled(v),
    }
