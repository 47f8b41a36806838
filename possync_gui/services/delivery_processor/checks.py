"""Each delivery item judged on its own (DESIGN.md §7): accepted, rejected with a reason, or
waiting for an over-receipt confirmation. Pure Python over facts the store read up front,
so a 5,000-line delivery is judged without a query per item.

Decisions a warehouse user would expect, all stated in the reason:
- serial numbers on a product that is not serialized are refused (a serial that cannot be
  tracked is a data-entry mistake, usually the wrong product scanned);
- against a purchase order, a product that is not on it is refused ("not on purchase order
  PO-…"): it must be flagged, not silently added; a delivery without an order takes any
  product;
- a unit cost has at most two decimal places (the store keeps cents; it is never rounded).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal

from possync_gui.domain.receiving import (
    MAX_LINE_QUANTITY,
    MAX_UNIT_COST,
    REF_LENGTH,
    SERIAL_LENGTH,
    DeliveryItemResult,
    DeliveryLineInput,
    ItemStatus,
)
from possync_gui.store.receiving.posting import LineFacts, ProductFacts


class RejectedError(Exception):
    """An item's reason for rejection (caught per item; never leaves this module)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """An item's result and, when accepted, what to post."""

    result: DeliveryItemResult
    line: LineFacts | None = None
    #: Beyond the tolerance, posted because the delivery confirmed the over-receipt.
    confirmed: bool = False


@dataclass
class ItemJudge:
    """Judges the items of one delivery in order; later items see what earlier ones took
    (serials, units received against a line)."""

    products: dict[str, ProductFacts]
    lines: dict[uuid.UUID, LineFacts] | None  # None: no purchase order
    order_number: str | None
    stored_serials: dict[tuple[uuid.UUID, str], str | None]
    tolerance: Decimal
    confirm_over_receipt: bool
    taken_serials: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    taken_units: dict[uuid.UUID, int] = field(default_factory=dict)

    def judge(self, index: int, item: DeliveryLineInput) -> Verdict:
        product = self._product(item)
        base = DeliveryItemResult(
            index=index,
            product_ref=item.product_ref or (item.product_code or ""),
            product_id=product.id if product else None,
            sku=product.sku if product else None,
            name=product.name if product else None,
            quantity=item.quantity_received,
            status=ItemStatus.ACCEPTED,
            serial_numbers=item.serial_numbers,
            lot=item.lot,
            expiry=item.expiry,
            unit_cost=item.unit_cost,
        )
        try:
            if item.problem:
                raise RejectedError(item.problem)
            if product is None:
                raise RejectedError(self._unknown(item))
            self._check_fields(item)
            self._check_serials(item, product)
            line = self._line(product)
            over, waits, beyond = self._over_receipt(item, line)
        except RejectedError as err:
            return Verdict(replace(base, status=ItemStatus.REJECTED, error=str(err)))
        if waits:
            return Verdict(
                replace(
                    base, status=ItemStatus.NEEDS_CONFIRMATION, error=waits, over_received=over
                ),
                line,
            )
        self._take(item, product, line)
        return Verdict(replace(base, over_received=over), line, confirmed=beyond)

    def hold(self, verdict: Verdict, item: DeliveryLineInput) -> None:
        """A waiting item keeps its serials: a later item may not claim them meanwhile."""
        pid = verdict.result.product_id
        if pid is not None:
            self.taken_serials.update((pid, s) for s in item.serial_numbers)

    # -- the checks ------------------------------------------------------------------------
    def product(self, item: DeliveryLineInput) -> ProductFacts | None:
        """The product an item names (None when unknown or its two references disagree)."""
        return self._product(item)

    def _product(self, item: DeliveryLineInput) -> ProductFacts | None:
        first = self.products.get(item.product_ref.strip()) if item.product_ref else None
        other = self.products.get(item.product_code.strip()) if item.product_code else None
        if first and other and first.id != other.id:
            return None
        return first or other

    def _unknown(self, item: DeliveryLineInput) -> str:
        first = self.products.get(item.product_ref.strip()) if item.product_ref else None
        if first is not None and item.product_code:
            return (
                f"productId {item.product_ref!r} and productCode {item.product_code!r} "
                "name different products"
            )
        refs = " / ".join(repr(r) for r in (item.product_ref, item.product_code) if r)
        return f"unknown product {refs or '(none given)'}"

    def _check_fields(self, item: DeliveryLineInput) -> None:
        qty = item.quantity_received
        if qty <= 0:
            raise RejectedError(f"quantity {qty} is not a positive number of units")
        if qty > MAX_LINE_QUANTITY:
            raise RejectedError(
                f"quantity {qty:,} is more than {MAX_LINE_QUANTITY:,} units on one line; "
                "check the count"
            )
        cost = item.unit_cost
        if cost is not None:
            if not cost.is_finite() or cost < 0:
                raise RejectedError(f"unit cost {cost} is not an amount of 0 or more")
            if cost > MAX_UNIT_COST:  # before quantize, which overflows on huge numbers
                raise RejectedError(f"unit cost {cost} is too large")
            if cost != cost.quantize(Decimal("0.01")):
                raise RejectedError(f"unit cost {cost} has more than 2 decimal places")
        if item.lot is not None and len(item.lot) > REF_LENGTH:
            raise RejectedError(f"lot is longer than {REF_LENGTH} characters")

    def _check_serials(self, item: DeliveryLineInput, product: ProductFacts) -> None:
        serials = item.serial_numbers
        if not product.is_serialized:
            if serials:
                raise RejectedError(
                    f"{product.sku} is not a serialized product, but serial numbers were given"
                )
            return
        if len(serials) != item.quantity_received:
            raise RejectedError(
                f"{len(serials)} serial number(s) for {item.quantity_received} unit(s): "
                f"{product.sku} is serialized and needs one serial per unit"
            )
        seen: set[str] = set()
        for serial in serials:
            if not serial or len(serial) > SERIAL_LENGTH:
                raise RejectedError(f"serial {serial[:20]!r}… is empty or too long")
            key = (product.id, serial)
            if serial in seen or key in self.taken_serials:
                raise RejectedError(f"serial {serial} appears twice in this delivery")
            seen.add(serial)
            if key in self.stored_serials:
                source = self.stored_serials[key]
                came = f" (delivery {source})" if source else ""
                raise RejectedError(f"serial {serial} of {product.sku} was already received{came}")

    def _line(self, product: ProductFacts) -> LineFacts | None:
        if self.lines is None:
            return None
        line = self.lines.get(product.id)
        if line is None:
            raise RejectedError(f"{product.sku} is not on purchase order {self.order_number}")
        return line

    def _over_receipt(
        self, item: DeliveryLineInput, line: LineFacts | None
    ) -> tuple[int, str, bool]:
        """Units beyond the ordered quantity, why the item must wait ("" when it need not)
        and whether it is beyond the tolerance: more than ``ordered × (1 + tolerance)`` in
        total needs a confirmation."""
        if line is None:
            return 0, "", False
        before = line.received + self.taken_units.get(line.id, 0)
        after = before + item.quantity_received
        over = max(0, after - max(line.quantity, before))
        limit = math.floor(line.quantity * (1 + self.tolerance))
        if after <= limit:
            return over, "", False
        if self.confirm_over_receipt:
            return over, "", True
        percent = (self.tolerance * 100).normalize()
        return (
            over,
            (
                f"over-receipt: {after:,} received in total against {line.quantity:,} ordered "
                f"({after - line.quantity:,} over; more than the {percent:f} % tolerance) — "
                "confirm to post it"
            ),
            True,
        )

    def _take(self, item: DeliveryLineInput, product: ProductFacts, line: LineFacts | None) -> None:
        self.taken_serials.update((product.id, s) for s in item.serial_numbers)
        if line is not None:
            self.taken_units[line.id] = self.taken_units.get(line.id, 0) + item.quantity_received
