"""The receiving scan board: what has been scanned of a delivery, before it is posted.

Pure logic, no Qt and no I/O. Lines are keyed by product; each line keeps its units in
buckets by (lot, expiry), so one product delivered in two lots posts as two delivery items.
Every operation is O(1) in the number of lines (dict lookups and running counters), so a
5,000-line purchase order scans as fast as a 5-line one. Each operation that changes the
board pushes one undo entry; :meth:`ScanBoard.undo` restores lines and counters exactly.

The board never looks anything up itself: the tab resolves a scan to a product (the
board's own index first, then the facade) and hands both to :meth:`ScanBoard.apply`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from possync_gui.domain.barcodes import ScanResult, normalize_gtin
from possync_gui.domain.receiving import (
    DeliveryInput,
    DeliveryLineInput,
    ReceivingLine,
    ReceivingPlan,
)
from possync_gui.domain.scan_manifest import Manifest

#: An order number as the Purchase Orders tab prints it (PO-2026-000123).
ORDER_NUMBER = re.compile(r"^PO-\d{4}-\d+$", re.IGNORECASE)
BucketKey = tuple[str | None, date | None]


def looks_like_order_number(text: str) -> bool:
    return bool(ORDER_NUMBER.match(text.strip()))


@dataclass(frozen=True, slots=True)
class BoardProduct:
    """What the board needs to know of a product (from a plan line or a lookup)."""

    product_id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    gtin: str | None
    is_serialized: bool
    unit_cost: Decimal | None = None

    @classmethod
    def from_line(cls, line: ReceivingLine) -> BoardProduct:
        return cls(
            line.product_id, line.sku, line.name, line.barcode, line.gtin,
            line.is_serialized, line.unit_cost,
        )  # fmt: skip

    def codes(self) -> list[str]:
        """Every text a scan of this product may be looked up by."""
        codes = [self.sku, self.sku.casefold()]
        for code in (self.barcode, self.gtin):
            if code:
                codes.append(code)
                gtin = normalize_gtin(code)
                if gtin:
                    codes.append(gtin)
        return codes


class LineStatus(StrEnum):
    WAITING = "waiting"
    PARTIAL = "partial"
    COMPLETE = "complete"
    OVER = "over"
    NOT_ON_ORDER = "not on order"
    RECEIVED = "received"  # a delivery without a purchase order: nothing is expected


@dataclass(slots=True)
class Bucket:
    quantity: int = 0
    serials: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BoardLine:
    """One product on the board. ``expected``: what the order still expects (0 off-order)."""

    product: BoardProduct
    row: int
    expected: int = 0
    ordered: int = 0
    received_before: int = 0
    planned: bool = False
    scanned: int = 0
    buckets: dict[BucketKey, Bucket] = field(default_factory=dict)
    #: serial → its bucket (insertion-ordered, so the newest serial is last)
    serials: dict[str, BucketKey] = field(default_factory=dict)
    #: serials not on the loaded manifest, with why
    flagged: dict[str, str] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return max(0, self.expected - self.scanned)

    @property
    def over(self) -> int:
        return max(0, self.scanned - self.expected)

    def status(self, has_plan: bool) -> LineStatus:
        if not has_plan:
            return LineStatus.RECEIVED
        if not self.planned:
            return LineStatus.NOT_ON_ORDER
        if self.scanned > self.expected:
            return LineStatus.OVER
        if self.scanned == self.expected:
            return LineStatus.COMPLETE
        return LineStatus.PARTIAL if self.scanned else LineStatus.WAITING


class Outcome(StrEnum):
    ADDED = "added"
    NEEDS_SERIAL = "needs_serial"
    UNKNOWN = "unknown"
    DUPLICATE_SERIAL = "duplicate_serial"
    MISREAD = "misread"


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What one scan did. ``serials_wanted``: serials the tab should ask for (a serialized
    product scanned without one, or ``N*`` of it); ``line`` is None when nothing was added."""

    outcome: Outcome
    message: str
    line: BoardLine | None = None
    units: int = 0
    serials_wanted: int = 0
    flagged: str | None = None
    created_line: bool = False


@dataclass(frozen=True, slots=True)
class Counters:
    units: int
    lines_scanned: int
    expected: int
    remaining: int
    over: int
    unknown: int
    duplicates: int
    misreads: int
    not_on_manifest: int


class ScanBoard:
    """The board of one delivery: against a purchase order (``plan``) or unplanned."""

    def __init__(
        self,
        plan: ReceivingPlan | None = None,
        *,
        supplier_code: str | None = None,
        warehouse_code: str | None = None,
    ) -> None:
        self.plan = plan
        self.supplier_code = plan.supplier_code if plan else supplier_code
        self.warehouse_code = plan.warehouse_code if plan else warehouse_code
        self.lines: list[BoardLine] = []
        self._by_product: dict[uuid.UUID, BoardLine] = {}
        self._index: dict[str, BoardProduct] = {}
        self._undo: list[tuple[Any, ...]] = []
        self.manifest: Manifest | None = None
        self.unknown_codes: list[str] = []
        self._units = self._over = self._remaining = self._lines_scanned = 0
        self._unknown = self._duplicates = self._misreads = self._flagged = 0
        self._expected = 0
        for line in plan.lines if plan else ():
            self._add_plan_line(line)

    # -- products --------------------------------------------------------------------------
    def _add_plan_line(self, line: ReceivingLine) -> None:
        existing = self._by_product.get(line.product_id)
        if existing is not None:  # the same product on two order lines: one board line
            existing.expected += line.expected
            existing.ordered += line.ordered
            existing.received_before += line.received
        else:
            product = BoardProduct.from_line(line)
            self.learn(product)
            board_line = BoardLine(
                product, len(self.lines), line.expected, line.ordered, line.received, True
            )
            self.lines.append(board_line)
            self._by_product[line.product_id] = board_line
        self._expected += line.expected
        self._remaining += line.expected

    def learn(self, product: BoardProduct) -> None:
        """Remember a product so later scans of its codes resolve without a lookup."""
        for code in product.codes():
            self._index.setdefault(code, product)

    def find_local(self, scan: ScanResult) -> BoardProduct | None:
        """The product a scan names, if the board knows it (O(1))."""
        for key in (scan.gtin, scan.code, scan.code.casefold() if scan.code else None):
            if key and key in self._index:
                return self._index[key]
        return None

    def line_for(self, product_id: uuid.UUID) -> BoardLine | None:
        return self._by_product.get(product_id)

    # -- counters --------------------------------------------------------------------------
    @property
    def has_plan(self) -> bool:
        return self.plan is not None

    def counters(self) -> Counters:
        return Counters(
            self._units, self._lines_scanned, self._expected, self._remaining, self._over,
            self._unknown, self._duplicates, self._misreads, self._flagged,
        )  # fmt: skip

    @property
    def is_empty(self) -> bool:
        """Nothing would be lost by clearing: no units and no counted problem."""
        return not self._undo

    def _counted(self, line: BoardLine, before: int) -> None:
        """Keep the running totals right after ``line.scanned`` changed from ``before``."""
        after = line.scanned
        self._units += after - before
        self._lines_scanned += (after > 0) - (before > 0)
        if self.has_plan:
            self._over += max(0, after - line.expected) - max(0, before - line.expected)
            self._remaining += max(0, line.expected - after) - max(0, line.expected - before)

    # -- scanning --------------------------------------------------------------------------
    def apply(
        self, scan: ScanResult, product: BoardProduct | None, *, serial_in_store: bool = False
    ) -> ScanOutcome:
        """One scan, already resolved to ``product`` (None: no product has that code).
        ``serial_in_store``: the scan's serial is already stored for this product."""
        if not scan.ok:
            self._misreads += 1
            self._undo.append(("misread",))
            return ScanOutcome(Outcome.MISREAD, scan.error or "Could not read the barcode")
        if product is None:
            self._unknown += 1
            self.unknown_codes.append(scan.code or scan.raw)
            self._undo.append(("unknown",))
            code = scan.code or scan.raw
            return ScanOutcome(Outcome.UNKNOWN, f"Unknown code {code}: nothing was added")
        bucket = (scan.lot, scan.expiry)
        if not product.is_serialized:
            return self._add(product, bucket, scan.units, None, serial_in_store)
        if scan.serial is None:
            return ScanOutcome(
                Outcome.NEEDS_SERIAL,
                f"{product.sku} is serialized: scan or type the serial of each unit",
                self._by_product.get(product.product_id),
                serials_wanted=scan.units,
            )
        outcome = self._add(product, bucket, 1, scan.serial, serial_in_store)
        if scan.units > 1 and outcome.outcome == Outcome.ADDED:
            return _replace_wanted(outcome, scan.units - 1)
        return outcome

    def add_serial(
        self,
        product: BoardProduct,
        serial: str,
        *,
        lot: str | None = None,
        expiry: date | None = None,
        in_store: bool = False,
    ) -> ScanOutcome:
        """One unit of a serialized product with the serial the user gave when asked."""
        return self._add(product, (lot, expiry), 1, serial.strip(), in_store)

    def _add(
        self,
        product: BoardProduct,
        bucket_key: BucketKey,
        units: int,
        serial: str | None,
        serial_in_store: bool,
    ) -> ScanOutcome:
        line = self._by_product.get(product.product_id)
        if serial is not None:
            if not serial:
                return ScanOutcome(Outcome.MISREAD, "An empty serial number adds nothing")
            if serial_in_store or (line is not None and serial in line.serials):
                self._duplicates += 1
                self._undo.append(("duplicate",))
                where = "already in stock" if serial_in_store else "already scanned"
                return ScanOutcome(
                    Outcome.DUPLICATE_SERIAL,
                    f"Duplicate serial {serial} for {product.sku} ({where}): not added",
                    line,
                )
        created = line is None
        if line is None:
            line = BoardLine(product, len(self.lines))
            self.lines.append(line)
            self._by_product[product.product_id] = line
            self.learn(product)
        before = line.scanned
        bucket = line.buckets.setdefault(bucket_key, Bucket())
        bucket.quantity += units
        line.scanned += units
        flag = None
        if serial is not None:
            bucket.serials.append(serial)
            line.serials[serial] = bucket_key
            flag = self._manifest_problem(product, serial)
            if flag:
                line.flagged[serial] = flag
                self._flagged += 1
        self._counted(line, before)
        self._undo.append(("add", line.product.product_id, bucket_key, units, serial, created))
        what = f"+{units} {product.sku}" + (f" serial {serial}" if serial else "")
        return ScanOutcome(Outcome.ADDED, what, line, units, flagged=flag, created_line=created)

    # -- undo and edits ----------------------------------------------------------------------
    def undo(self) -> tuple[str, BoardLine | None, bool] | None:
        """Take back the last operation: (what was undone, the line it touched, whether that
        line was removed from the board). None when there is nothing to undo."""
        if not self._undo:
            return None
        entry = self._undo.pop()
        kind = entry[0]
        if kind == "misread":
            self._misreads -= 1
            return "a misread scan", None, False
        if kind == "unknown":
            self._unknown -= 1
            code = self.unknown_codes.pop()
            return f"the unknown code {code}", None, False
        if kind == "duplicate":
            self._duplicates -= 1
            return "a duplicate serial scan", None, False
        if kind == "add":
            return self._undo_add(*entry[1:])
        _kind, product_id, buckets, serials, flagged = entry
        line = self._by_product[product_id]
        self._restore(line, buckets, serials, flagged)
        return f"the edit of {line.product.sku}", line, False

    def _undo_add(
        self,
        product_id: uuid.UUID,
        bucket_key: BucketKey,
        units: int,
        serial: str | None,
        created: bool,
    ) -> tuple[str, BoardLine | None, bool]:
        line = self._by_product[product_id]
        before = line.scanned
        bucket = line.buckets[bucket_key]
        bucket.quantity -= units
        line.scanned -= units
        if serial is not None:
            bucket.serials.pop()
            del line.serials[serial]
            if line.flagged.pop(serial, None) is not None:
                self._flagged -= 1
        if bucket.quantity == 0 and not bucket.serials:
            del line.buckets[bucket_key]
        self._counted(line, before)
        what = f"+{units} {line.product.sku}" + (f" serial {serial}" if serial else "")
        if created:  # the scan that brought this line in: the line goes too (it is the last)
            self.lines.pop()
            del self._by_product[product_id]
        return what, line, created

    def set_quantity(self, product_id: uuid.UUID, quantity: int) -> BoardLine:
        """A line's count typed by hand (not for serialized products: remove serials)."""
        line = self._by_product[product_id]
        if line.product.is_serialized:
            raise ValueError(f"{line.product.sku} is serialized: add or remove serials instead")
        if quantity < 0:
            raise ValueError("A quantity cannot be negative")
        self._snapshot(line)
        before = line.scanned
        delta = quantity - before
        if delta > 0:
            key = next(reversed(line.buckets), (None, None))
            line.buckets.setdefault(key, Bucket()).quantity += delta
        for key in reversed(list(line.buckets)):
            if delta >= 0:
                break
            take = min(line.buckets[key].quantity, -delta)
            line.buckets[key].quantity -= take
            delta += take
            if line.buckets[key].quantity == 0:
                del line.buckets[key]
        line.scanned = quantity
        self._counted(line, before)
        return line

    def remove_serials(self, product_id: uuid.UUID, serials: Iterable[str]) -> BoardLine:
        """Take units of a serialized line off the board by their serials."""
        line = self._by_product[product_id]
        self._snapshot(line)
        before = line.scanned
        for serial in serials:
            key = line.serials.pop(serial, None)
            if key is None:
                continue
            bucket = line.buckets[key]
            bucket.serials.remove(serial)
            bucket.quantity -= 1
            line.scanned -= 1
            if line.flagged.pop(serial, None) is not None:
                self._flagged -= 1
            if bucket.quantity == 0:
                del line.buckets[key]
        self._counted(line, before)
        return line

    def _snapshot(self, line: BoardLine) -> None:
        buckets = {k: Bucket(b.quantity, list(b.serials)) for k, b in line.buckets.items()}
        self._undo.append(
            ("edit", line.product.product_id, buckets, dict(line.serials), dict(line.flagged))
        )

    def _restore(
        self,
        line: BoardLine,
        buckets: dict[BucketKey, Bucket],
        serials: dict[str, BucketKey],
        flagged: dict[str, str],
    ) -> None:
        before = line.scanned
        self._flagged += len(flagged) - len(line.flagged)
        line.buckets, line.serials, line.flagged = buckets, serials, flagged
        line.scanned = sum(b.quantity for b in buckets.values())
        self._counted(line, before)

    # -- the manifest ------------------------------------------------------------------------
    def set_manifest(self, manifest: Manifest | None) -> int:
        """Check every serial against ``manifest`` (None: no check); returns how many of the
        serials already scanned it flags."""
        self.manifest = manifest
        self._flagged = 0
        for line in self.lines:
            line.flagged = {}
            for serial in line.serials:
                problem = self._manifest_problem(line.product, serial)
                if problem:
                    line.flagged[serial] = problem
                    self._flagged += 1
        return self._flagged

    def _manifest_problem(self, product: BoardProduct, serial: str) -> str | None:
        if self.manifest is None:
            return None
        return self.manifest.problem(serial, product.codes())

    # -- posting ---------------------------------------------------------------------------
    def default_delivery_id(self, now: datetime | None = None) -> str:
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        source = self.plan.order_number if self.plan else (self.supplier_code or "UNPLANNED")
        return f"RCV-{source}-{stamp}"

    def to_delivery_input(
        self,
        *,
        delivery_id: str,
        received_by: str,
        received_at: datetime | None = None,
        warehouse_ref: str | None = None,
        close_short: bool = False,
        confirm_over_receipt: bool = False,
        note: str | None = None,
    ) -> DeliveryInput:
        """The delivery to post: one item per (product, lot, expiry) with units on it."""
        warehouse = warehouse_ref or self.warehouse_code
        if not warehouse:
            raise ValueError("Choose the warehouse the delivery goes to")
        items = tuple(
            DeliveryLineInput(
                product_ref=str(line.product.product_id),
                quantity_received=bucket.quantity,
                unit_cost=line.product.unit_cost,
                serial_numbers=tuple(bucket.serials),
                lot=lot,
                expiry=expiry,
                product_code=line.product.sku,
            )
            for line in self.lines
            for (lot, expiry), bucket in line.buckets.items()
            if bucket.quantity > 0
        )
        return DeliveryInput(
            delivery_id=delivery_id,
            warehouse_ref=warehouse,
            received_by=received_by,
            received_at=received_at or datetime.now(UTC),
            items=items,
            supplier_ref=self.supplier_code,
            purchase_order_ref=self.plan.order_number if self.plan else None,
            confirm_over_receipt=confirm_over_receipt,
            close_short=close_short,
            note=note,
        )


def _replace_wanted(outcome: ScanOutcome, wanted: int) -> ScanOutcome:
    return ScanOutcome(
        outcome.outcome,
        outcome.message + f"; {wanted} more unit{'s' if wanted != 1 else ''} need a serial",
        outcome.line,
        outcome.units,
        wanted,
        outcome.flagged,
        outcome.created_line,
    )
