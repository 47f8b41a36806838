"""The scanning half of the Receiving presenter: scans in order, onto the board.

Scans are handled strictly in the order they were typed. One the board can settle at once
(its product is on the board or was looked up before, and it carries no serial to check
against the store) is applied in the Enter handler itself; any other goes to a queue that
one task drains, awaiting the facade (product lookup, serial check, the order's plan), and
every scan after it waits in that queue, so a fast scanner never overtakes itself. Every
board operation is appended to the journal (``journal.py``) as it happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.barcodes import ScanResult, normalize_gtin, parse_scan
from possync_gui.domain.errors import DatabaseConnectionLostError, PossyncError
from possync_gui.domain.receiving import DeliveryInput
from possync_gui.domain.records import Product
from possync_gui.domain.scan_board import (
    BoardProduct,
    Outcome,
    ScanBoard,
    ScanOutcome,
    looks_like_order_number,
)
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.receiving import journal as jr
from possync_gui.ui.receiving.model import BoardModel

UNDO = object()  # an undo typed while scans were still queued: it waits its turn


@dataclass(slots=True)
class SerialRequest:
    """A serialized product scanned without its serial: the next scans are its serials."""

    product: BoardProduct
    wanted: int
    lot: str | None = None
    expiry: date | None = None
    done: int = 0


def board_product(product: Product) -> BoardProduct:
    return BoardProduct(
        product.id, product.sku, product.name, product.barcode,
        normalize_gtin(product.barcode) if product.barcode else None,
        product.is_serialized, product.unit_cost,
    )  # fmt: skip


def journal_path(database: str, folder: Path | None = None) -> Path:
    """One journal per database, so two stores never restore each other's scans."""
    digest = hashlib.sha1(database.encode(), usedforsecurity=False).hexdigest()[:12]
    base = folder or jr.default_path().parent
    return base / f"receiving-journal-{digest}.jsonl"


class ScanningPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``; ``board_changed()``
    (a new board: order chosen, cleared, restored), ``counters_changed(object)``,
    ``notice(str)`` (what a scan did), ``warning(str)`` (a scan that added nothing or needs
    a look: the tab beeps), ``serial_wanted(object)`` (a :class:`SerialRequest` or None),
    ``posted(object, object)`` (the result and the delivery posted), ``restore_offered(object)``
    (a :class:`journal.SavedBoard` left by a crash)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    board_changed = Signal()
    counters_changed = Signal(object)
    notice = Signal(str)
    warning = Signal(str)
    serial_wanted = Signal(object)
    posted = Signal(object, object)
    restore_offered = Signal(object)

    def __init__(
        self,
        facade: InventorySyncService,
        operator: str,
        parent: Any = None,
        *,
        journal_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._facade = facade
        self.operator = operator
        self.model = BoardModel(self)
        self.delivery_id = ""
        self.serial_request: SerialRequest | None = None
        self.saved: jr.SavedBoard | None = None
        self.journal = jr.Journal(journal_path(facade.database_description, journal_folder))
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._queue: deque[Any] = deque()
        self._lookups: dict[str, BoardProduct | None] = {}
        #: How many scans have been applied to the board (the bench waits on it).
        self.applied = 0
        #: True while a post runs (scans and undos wait in the queue).
        self.held = False
        #: The delivery posted last (a confirmation posts it again).
        self.last_delivery: DeliveryInput | None = None
        #: True while scans wait in the queue for the database connection (issue 7).
        self.waiting_for_database = False

    @property
    def facade(self) -> InventorySyncService:
        return self._facade

    @property
    def board(self) -> ScanBoard:
        return self.model.board

    @property
    def ready(self) -> bool:
        """A delivery is open: an order, or a supplier and warehouse for an unplanned one."""
        return self.board.plan is not None or self.board.warehouse_code is not None

    @property
    def busy_scanning(self) -> bool:
        return bool(self._queue) or self.tasks.is_running("scans")

    # -- choosing what to receive -------------------------------------------------------------
    async def open_order(self, ref: str | uuid.UUID) -> None:
        plan = await self._facade.receiving_plan(ref)
        self._new_board(ScanBoard(plan))
        self.notice.emit(
            f"Receiving {plan.order_number} from {plan.supplier_name} into "
            f"{plan.warehouse_code}: {len(plan.lines):,} lines, "
            f"{sum(ln.expected for ln in plan.lines):,} units expected. Scan the items."
        )

    def _new_board(self, board: ScanBoard) -> None:
        self.journal.discard()
        self._show_board(board, board.default_delivery_id())

    def _show_board(self, board: ScanBoard, delivery_id: str) -> None:
        self.serial_request = None
        self.delivery_id = delivery_id
        self.model.set_board(board)
        self.board_changed.emit()
        self.serial_wanted.emit(None)
        self.counters_changed.emit(board.counters())

    # -- scanning ----------------------------------------------------------------------------
    def submit(self, text: str) -> None:
        """What the scan field got when Enter was pressed."""
        if not text.strip():
            return
        if self.held or self.busy_scanning or not self._apply_now(text):
            self._queue.append(text)
            self._drain_soon()

    def _drain_soon(self) -> None:
        if self.waiting_for_database:
            return
        if not self.held and not self.tasks.is_running("scans"):
            self.tasks.run("scans", self._drain())

    def hold(self, held: bool) -> None:
        """While a post runs, scans wait: they belong to the board shown after it."""
        self.held = held
        if not held and self._queue:
            self._drain_soon()

    async def wait_for_scans(self) -> None:
        while self.busy_scanning:
            if self.waiting_for_database:
                raise DatabaseConnectionLostError(
                    f"{len(self._queue):,} scans wait for the database connection: post once "
                    "possync has reconnected. The board and its scans are kept."
                )
            await asyncio.sleep(0.005)

    def resume_scans(self) -> None:
        """The database is back: count the scans that waited for it, in their order."""
        if self.waiting_for_database:
            self.waiting_for_database = False
            self._drain_soon()

    def _apply_now(self, text: str) -> bool:
        """Settle ``text`` without waiting when the board can; False: it needs the queue."""
        if self.serial_request is not None or self.saved is not None:
            return False
        if looks_like_order_number(text) or not self.ready:
            return False
        scan = parse_scan(text)
        if not scan.ok:
            self._record(scan, None)
            return True
        product = self.board.find_local(scan) or self._lookups.get(scan.lookup_key)
        if product is None and scan.lookup_key not in self._lookups:
            return False
        if product is not None and product.is_serialized and scan.serial:
            return False  # the store may hold that serial already
        self._record(scan, product)
        return True

    async def _drain(self) -> None:
        while self._queue and not self.held:
            item = self._queue.popleft()
            if item is UNDO:
                self._undo_now()
                continue
            try:
                await self._process(item)
            except DatabaseConnectionLostError:
                self._wait_for_database(item)
                return
            except PossyncError as err:
                self._warn(f"Scan {item.strip()} was not counted: {err}")

    async def _process(self, text: str) -> None:
        if self.saved is not None:
            self._warn("Restore or discard the unposted delivery first (see above)")
        elif self.serial_request is not None:
            await self._serial_entered(text)
        elif looks_like_order_number(text):
            await self._order_scanned(text.strip().upper())
        elif not self.ready:
            self._warn(
                f"Nothing is being received yet: scan the purchase order number first (or "
                f"choose an order or an unplanned delivery); {text.strip()} was not counted"
            )
        else:
            scan = parse_scan(text)
            product = await self._resolve(scan) if scan.ok else None
            in_store = False
            if product is not None and product.is_serialized and scan.serial:
                in_store = await self._serial_in_store(product, scan.serial)
            self._record(scan, product, in_store)

    async def _order_scanned(self, number: str) -> None:
        if not self.board.is_empty or self.serial_request is not None:
            self._warn(
                f"Finish this delivery first: post it (Ctrl+Enter) or start a new one "
                f"(Ctrl+N), then scan {number} again"
            )
            return
        await self.open_order(number)

    async def _resolve(self, scan: ScanResult) -> BoardProduct | None:
        product = self.board.find_local(scan)
        if product is not None:
            return product
        key = scan.lookup_key
        if key not in self._lookups:
            found = await self._facade.lookup_product_for_scan(key)
            self._lookups[key] = board_product(found) if found is not None else None
        return self._lookups[key]

    async def _serial_in_store(self, product: BoardProduct, serial: str) -> bool:
        line = self.board.line_for(product.product_id)
        if line is not None and serial in line.serials:
            return False  # the board counts it as a duplicate itself
        found = await self._facade.find_serial(serial)
        return any(loc.product_id == product.product_id for loc in found)

    def _record(
        self, scan: ScanResult, product: BoardProduct | None, in_store: bool = False
    ) -> None:
        new_product = product is not None and self.board.line_for(product.product_id) is None
        outcome = self.board.apply(scan, product, serial_in_store=in_store)
        if outcome.outcome != Outcome.NEEDS_SERIAL:
            self._journal_open()
            if new_product and outcome.outcome == Outcome.ADDED:
                assert product is not None
                self.journal.learn(product)
            self.journal.scan(scan.raw, product, in_store)
        self._shown(outcome)
        if outcome.serials_wanted and product is not None:
            self._ask_serials(SerialRequest(product, outcome.serials_wanted, scan.lot, scan.expiry))

    def _journal_open(self) -> None:
        if not self.journal.active:
            board = self.board
            self.journal.begin(
                jr.JournalHeader(
                    database=self._facade.database_description,
                    delivery_id=self.delivery_id,
                    order_number=board.plan.order_number if board.plan else None,
                    supplier_code=board.supplier_code,
                    warehouse_code=board.warehouse_code,
                    operator=self.operator,
                    started_at=datetime.now(UTC),
                )
            )

    def _shown(self, outcome: ScanOutcome) -> None:
        self.applied += 1
        line = outcome.line
        if outcome.outcome == Outcome.ADDED and line is not None:
            if outcome.created_line:
                self.model.line_added()
            self.model.line_changed(line.row)
            plan = self.board.plan
            if outcome.flagged:
                self._warn(f"{outcome.message} — check it: {outcome.flagged}")
            elif plan is not None and not line.planned:
                self._warn(
                    f"{outcome.message}: {line.product.sku} is not on {plan.order_number} — "
                    "set it aside; posting will refuse it (undo with Ctrl+Z)"
                )
            else:
                where = (
                    f"{line.scanned:,} of {line.expected:,}"
                    if line.planned
                    else (f"{line.scanned:,} scanned")
                )
                self.notice.emit(f"{outcome.message} — {line.product.name} ({where})")
        elif outcome.outcome != Outcome.NEEDS_SERIAL:
            self._warn(outcome.message)
        self.counters_changed.emit(self.board.counters())

    def _warn(self, text: str) -> None:
        self.warning.emit(text)

    #: While the database is away, a waiting scan is tried again this often (seconds), in
    #: case the window's reconnection notice (``resume_scans``) is slower to come.
    DATABASE_RETRY_S = 5.0

    def _wait_for_database(self, item: Any) -> None:
        """A scan that needs the store (a product not on the board yet) while the database
        is away: kept first in the queue, with the ones behind it, until it is back."""
        self._queue.appendleft(item)
        if not self.waiting_for_database:
            self._warn(
                f"The database connection is lost: scan {str(item).strip()} and those after it "
                "wait and are counted once possync has reconnected"
            )
        self.waiting_for_database = True
        asyncio.get_running_loop().call_later(self.DATABASE_RETRY_S, self.resume_scans)

    # -- serials -----------------------------------------------------------------------------
    def _ask_serials(self, request: SerialRequest) -> None:
        self.serial_request = request
        self.serial_wanted.emit(request)

    def cancel_serials(self) -> None:
        request = self.serial_request
        if request is None:
            return
        self.serial_request = None
        self.serial_wanted.emit(None)
        missing = request.wanted - request.done
        self.notice.emit(
            f"Stopped asking for serials: {missing} unit{'s' if missing != 1 else ''} of "
            f"{request.product.sku} not added"
        )

    async def _serial_entered(self, text: str) -> None:
        request = self.serial_request
        assert request is not None
        product = request.product
        serial = text.strip()
        scan = parse_scan(text)
        if scan.ok and scan.serial and scan.gtin:  # a GS1 label carrying the serial
            if self.board.find_local(scan) is not product:
                self._warn(f"That label is not {product.sku}'s: scan a serial of {product.sku}")
                return
            serial = scan.serial
        elif scan.ok and self.board.find_local(scan) is product:
            self._warn(f"That is {product.sku}'s own barcode: scan its serial number")
            return
        if not serial or not serial.isprintable() or len(serial) > 100:
            self._warn("That is not a serial number: scan or type it again")
            return
        in_store = await self._serial_in_store(product, serial)
        outcome = self.board.add_serial(
            product, serial, lot=request.lot, expiry=request.expiry, in_store=in_store
        )
        self._journal_open()
        self.journal.serial(product, serial, request.lot, request.expiry, in_store)
        self._shown(outcome)
        if outcome.outcome == Outcome.ADDED:
            request.done += 1
        if request.done >= request.wanted:
            self.serial_request = None
        self.serial_wanted.emit(self.serial_request)

    # -- undo and edits ----------------------------------------------------------------------
    def undo(self) -> None:
        if self.held or self.busy_scanning:
            self._queue.append(UNDO)
            return
        self._undo_now()

    def _undo_now(self) -> None:
        undone = self.board.undo()
        if undone is None:
            self.message.emit("Nothing to undo")
            return
        what, line, removed = undone
        self.journal.append("undo")
        if self.serial_request is not None:  # its count no longer matches the board
            self.serial_request = None
            self.serial_wanted.emit(None)
        if removed:
            self.model.line_removed()
        elif line is not None:
            self.model.line_changed(line.row, last=False)
        self.notice.emit(f"Undone: {what}")
        self.counters_changed.emit(self.board.counters())
