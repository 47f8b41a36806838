"""The Receiving tab's work beyond scanning (``scanning.py``): what is received (an order,
an unplanned delivery), the delivery id, quantity edits, the serial manifest, restoring a
board a crash left in the journal, and posting with the answers the user gave.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path

from possync_gui.domain.errors import PossyncError, ValidationError
from possync_gui.domain.events import CatalogChanged, Change
from possync_gui.domain.receiving import DeliveryInput, DeliveryResult
from possync_gui.domain.scan_board import ScanBoard
from possync_gui.domain.scan_manifest import parse_manifest
from possync_gui.ui.receiving import journal as jr
from possync_gui.ui.receiving.scanning import ScanningPresenter


class ReceivingPresenter(ScanningPresenter):
    """The presenter the Receiving tab talks to (signals: see :class:`ScanningPresenter`)."""

    def shutdown(self) -> None:
        self.tasks.cancel_all()
        self.journal.close()

    def on_change(self, change: Change) -> None:
        if isinstance(change, CatalogChanged):
            self._lookups.clear()  # a product added since may answer a code now

    # -- the journal left by a crash ---------------------------------------------------------
    def check_journal(self) -> jr.SavedBoard | None:
        """Offer what a crash left (called once, at start)."""
        saved = jr.read(self.journal.path)
        if saved is None or saved.header.database != self._facade.database_description:
            return None
        if saved.scans == 0:
            self.journal.discard()
            return None
        self.saved = saved
        self.restore_offered.emit(saved)
        return saved

    async def restore(self) -> int:
        """Rebuild the saved board: its order's plan as it is now, the journal replayed."""
        saved = self.saved
        if saved is None:
            return 0
        header = saved.header
        plan = (
            await self._facade.receiving_plan(header.order_number) if header.order_number else None
        )
        board = ScanBoard(
            plan, supplier_code=header.supplier_code, warehouse_code=header.warehouse_code
        )
        skipped = jr.replay(board, saved.ops)
        delivery_id = header.delivery_id
        for op in saved.ops:
            if op["op"] == "delivery_id":
                delivery_id = str(op["value"])
        self.saved = None
        self._show_board(board, delivery_id)
        self.journal.resume()
        c = board.counters()
        text = f"Restored {delivery_id}: {c.units:,} units on {c.lines_scanned:,} lines"
        self.notice.emit(text + (f"; {skipped} scans could not be replayed" if skipped else ""))
        return skipped

    def discard_saved(self) -> None:
        self.saved = None
        self.journal.discard()
        self.message.emit("The unposted delivery was discarded")

    def start_unplanned(self, supplier_code: str | None, warehouse_code: str) -> None:
        self._new_board(ScanBoard(supplier_code=supplier_code, warehouse_code=warehouse_code))
        who = f" from {supplier_code}" if supplier_code else ""
        self.notice.emit(f"Unplanned delivery{who} into {warehouse_code}: scan the items")

    def clear(self) -> None:
        """Drop the board (and its journal): no delivery is open any more."""
        self._queue.clear()
        self._new_board(ScanBoard())

    def set_delivery_id(self, text: str) -> None:
        text = text.strip()
        if text and text != self.delivery_id:
            self.delivery_id = text
            self.journal.append("delivery_id", value=text)

    def set_quantity(self, product_id: uuid.UUID, quantity: int) -> None:
        self._editable(product_id)
        line = self.board.set_quantity(product_id, quantity)
        self.journal.append("quantity", product=str(product_id), quantity=quantity)
        self._edited(line.row, f"{line.product.sku} set to {quantity:,}")

    def remove_serials(self, product_id: uuid.UUID, serials: list[str]) -> None:
        self._editable(product_id)
        line = self.board.remove_serials(product_id, serials)
        self.journal.append("remove_serials", product=str(product_id), serials=serials)
        self._edited(line.row, f"{len(serials)} serials of {line.product.sku} taken off")

    def _editable(self, product_id: uuid.UUID) -> None:
        if self.held or self.board.line_for(product_id) is None:
            raise ValidationError("That line is no longer on the board (the delivery was posted)")

    def _edited(self, row: int, text: str) -> None:
        self.model.line_changed(row, last=False)
        self.notice.emit(text)
        self.counters_changed.emit(self.board.counters())

    async def load_manifest(self, path: Path) -> int:
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise ValidationError(f"Could not read {path.name}: {err}") from err
        manifest = parse_manifest(text, path.name)
        flagged = self.board.set_manifest(manifest)
        self.journal.manifest(manifest)
        self.model.all_changed()
        self.counters_changed.emit(self.board.counters())
        self.notice.emit(
            f"Manifest {path.name}: {len(manifest):,} serials; "
            f"{flagged:,} of the serials scanned so far are not on it"
        )
        return flagged

    # -- posting -----------------------------------------------------------------------------
    def delivery(self, *, close_short: bool = False) -> DeliveryInput:
        return self.board.to_delivery_input(
            delivery_id=self.delivery_id, received_by=self.operator, close_short=close_short
        )

    async def post(self, *, close_short: bool = False) -> DeliveryResult:
        """Post the board (after any queued scan); the board then starts again."""
        await self.wait_for_scans()
        if self.board.counters().units == 0:
            raise ValidationError("Nothing has been scanned: there is nothing to post")
        delivery = self.delivery(close_short=close_short)
        self.hold(True)
        try:
            # Refused as a whole (the order changed meanwhile, the database is away): the
            # board and its journal stay, nothing is lost; posting again is safe (same id).
            result = await self._facade.update_inventory_from_delivery(delivery)
            self.last_delivery = delivery
            await self._after_post(result)
        finally:
            self.hold(False)
        self.posted.emit(result, delivery)
        return result

    async def _after_post(self, result: DeliveryResult) -> None:
        plan = self.board.plan
        self.journal.discard()
        if plan is not None and result.purchase_order_status in ("partially_received", "sent"):
            try:
                await self.open_order(plan.order_number)  # what the order still expects
            except PossyncError:
                self._new_board(ScanBoard())
        else:
            self._new_board(ScanBoard())

    async def confirm_over_receipt(self, delivery: DeliveryInput) -> DeliveryResult:
        """Post the items that waited for a confirmation (the same delivery, confirmed)."""
        result = await self._facade.update_inventory_from_delivery(
            replace(delivery, confirm_over_receipt=True)
        )
        plan = self.board.plan
        if (
            plan is not None
            and self.board.is_empty
            and plan.order_number == result.purchase_order_number
        ):
            await self.open_order(plan.order_number)  # the confirmed units are received now
        self.posted.emit(result, delivery)
        return result
