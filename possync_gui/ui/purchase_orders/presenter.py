"""The Purchase Orders tab's async work: the filtered list, the selected order with its
lines, the approval workflow (approve, reject, send, cancel) as the operator, and exports."""

from __future__ import annotations

import uuid
from collections.abc import Coroutine
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.enums import PurchaseOrderStatus as S
from possync_gui.domain.errors import PossyncError
from possync_gui.domain.events import CatalogChanged, Change, PurchaseOrdersChanged, StockChanged
from possync_gui.domain.purchasing import (
    OPEN_PO_STATES,
    PurchaseOrderQuery,
    PurchaseOrderRecord,
)
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.purchase_orders.actions import STATUS_WORDS
from possync_gui.ui.purchase_orders.model import LinesModel, PurchaseOrdersModel

#: The status filter's choices: (key, words, the statuses it selects; empty: all).
STATUS_CHOICES: tuple[tuple[str, str, tuple[S, ...]], ...] = (
    ("open", "Open (not closed)", OPEN_PO_STATES),
    *((s.value, STATUS_WORDS[s], (s,)) for s in S),
    ("all", "All", ()),
)
STATUSES = {key: statuses for key, _words, statuses in STATUS_CHOICES}
#: The changes that call for a reload (receiving moves stock and received quantities).
RELOAD_ON = (PurchaseOrdersChanged, StockChanged, CatalogChanged)


class PurchaseOrdersPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``, ``loaded(int)``,
    ``detail_changed(object)`` (the selected :class:`PurchaseOrderRecord` with its lines, or
    None) and ``operator_changed(str)``."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    loaded = Signal(int)
    detail_changed = Signal(object)
    operator_changed = Signal(str)

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.operator = operator
        self.model = PurchaseOrdersModel(self)
        self.lines = LinesModel(self)
        self.query = PurchaseOrderQuery(statuses=OPEN_PO_STATES)
        self.status_key = "open"
        self.detail: PurchaseOrderRecord | None = None
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._selected: uuid.UUID | None = None
        #: Bumped each time the detail panel is given an order: a read that started before
        #: then is older than what is shown (an action's result) and is dropped.
        self._shown_count = 0
        self._visible = False
        self._stale = True

    @property
    def approval_threshold(self) -> Decimal:
        return self._facade.approval_threshold

    def set_operator(self, name: str) -> None:
        """Who acts from now on (the window's operator; tests approve as someone else)."""
        self.operator = name
        self.operator_changed.emit(name)

    def shutdown(self) -> None:
        self.tasks.cancel_all()

    # -- visibility and change events (STYLE habit 6) ---------------------------------------
    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.tasks.run("refresh", self.refresh())

    def on_change(self, change: Change) -> None:
        if not isinstance(change, RELOAD_ON):
            return
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())

    # -- filters ---------------------------------------------------------------------------
    def set_status(self, key: str) -> None:
        self.status_key = key if key in STATUSES else "open"
        self._requery(replace(self.query, statuses=STATUSES[self.status_key]))

    def set_search(self, text: str) -> None:
        self._requery(replace(self.query, search=text.strip()))

    def _requery(self, query: PurchaseOrderQuery) -> None:
        if query == self.query and not self._stale:
            return
        self.query = query
        self.tasks.run("refresh", self.refresh())

    # -- reading ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """The orders the filters select; the selected order's detail is read again."""
        self._stale = False
        orders = await self._facade.list_purchase_orders(self.query)
        self.model.set_rows(orders)
        self.loaded.emit(len(orders))  # the tab selects its row again, which reloads the detail

    @property
    def selected(self) -> uuid.UUID | None:
        return self._selected

    def select(self, order_id: uuid.UUID | None) -> None:
        """The order the user is on: its lines and approval show in the detail panel."""
        self._selected = order_id
        if order_id is None:
            self._show(None)
            return
        self.tasks.run("detail", self.load_detail(order_id))

    async def load_detail(self, order_id: uuid.UUID) -> PurchaseOrderRecord:
        shown = self._shown_count
        order = await self._facade.get_purchase_order(order_id)
        if order_id == self._selected and shown == self._shown_count:
            self._show(order)
        return order

    def _show(self, order: PurchaseOrderRecord | None) -> None:
        self._shown_count += 1
        self.detail = order
        self.lines.set_lines(order.lines if order is not None else ())
        self.detail_changed.emit(order)

    # -- the workflow ----------------------------------------------------------------------
    async def approve(self, order_id: uuid.UUID) -> PurchaseOrderRecord:
        order = await self._act(self._facade.approve_purchase_order(order_id, self.operator))
        return self._done(order, f"Approved {order.order_number}")

    async def reject(self, order_id: uuid.UUID, reason: str) -> PurchaseOrderRecord:
        order = await self._act(self._facade.reject_purchase_order(order_id, self.operator, reason))
        return self._done(order, f"Rejected {order.order_number}; its alerts are active again")

    async def send(self, order_id: uuid.UUID) -> PurchaseOrderRecord:
        order = await self._act(self._facade.send_purchase_order(order_id, self.operator))
        return self._done(order, f"Marked {order.order_number} as sent to {order.supplier_name}")

    async def cancel(self, order_id: uuid.UUID, reason: str | None) -> PurchaseOrderRecord:
        order = await self._act(
            self._facade.cancel_purchase_order(order_id, self.operator, reason or None)
        )
        return self._done(order, f"Cancelled {order.order_number}; its alerts are active again")

    async def _act(self, change: Coroutine[Any, Any, PurchaseOrderRecord]) -> PurchaseOrderRecord:
        try:
            return await change
        except PossyncError:
            # Refused, perhaps because someone else changed the order meanwhile: show what
            # it is now (the refusal itself reaches the message bar).
            self._reload()
            raise

    def _done(self, order: PurchaseOrderRecord, text: str) -> PurchaseOrderRecord:
        self.message.emit(text)
        if order.id == self._selected:
            self._show(order)
        self._reload()
        return order

    def _reload(self) -> None:
        # The facade's PurchaseOrdersChanged reloads a visible tab; this covers a hidden one,
        # and a refusal (which changes nothing, so no event comes).
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())

    async def export(self, order_id: uuid.UUID, path: Path, fmt: str) -> Path:
        try:
            written: Path = await self._facade.export_purchase_order(order_id, path, fmt)
        except OSError as err:  # a folder that cannot be written: the user can pick another
            raise PossyncError(f"Could not write {path}: {err.strerror or err}") from err
        self.message.emit(f"Exported to {written}")
        return written
