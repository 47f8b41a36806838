"""The Receiving tab's two lists: the purchase orders that can receive goods, and the
deliveries posted (with the items of the selected one). Each reloads when its data changed
and it is on screen (STYLE habit 6); searches are the facade's, sorting the proxy's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from possync_gui.domain.events import Change, DeliveriesChanged, PurchaseOrdersChanged
from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.domain.receiving import DeliveryItemResult, DeliveryRecord, ItemStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.receiving.model import Col, RecordsModel


def local(when: Any) -> str:
    return "" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


ORDER_COLUMNS: tuple[Col[PurchaseOrderRecord], ...] = (
    Col("Order", lambda o: o.order_number),
    Col("Supplier", lambda o: f"{o.supplier_code} — {o.supplier_name}"),
    Col(
        "Received / ordered",
        lambda o: f"{o.received_units:,} / {o.ordered_units:,}",
        lambda o: o.ordered_units - o.received_units,
        numeric=True,
    ),
    Col("Status", lambda o: str(o.status).replace("_", " ")),
    Col("Warehouse", lambda o: o.warehouse_code),
    Col("Created", lambda o: local(o.created_at), lambda o: o.created_at.timestamp()),
)

DELIVERY_COLUMNS: tuple[Col[DeliveryRecord], ...] = (
    Col("Delivery", lambda d: d.delivery_id),
    Col("Received", lambda d: local(d.received_at), lambda d: d.received_at.timestamp()),
    Col("Order", lambda d: d.purchase_order_number or "—"),
    Col("Supplier", lambda d: d.supplier_code or "—"),
    Col("Warehouse", lambda d: d.warehouse_code),
    Col("Received by", lambda d: d.received_by),
    Col("Units", lambda d: f"{d.units:,}", lambda d: d.units, numeric=True),
    Col(
        "Items: accepted / rejected / waiting",
        lambda d: f"{d.items_accepted} / {d.items_rejected} / {d.items_waiting}",
        lambda d: (d.items_rejected + d.items_waiting, d.items_accepted),
        numeric=True,
    ),
)

ITEM_WORDS = {
    ItemStatus.ACCEPTED: "Accepted",
    ItemStatus.REJECTED: "Rejected",
    ItemStatus.NEEDS_CONFIRMATION: "Waits for confirmation",
}
ITEM_COLOURS = {
    ItemStatus.ACCEPTED: QColor("#1e7b34"),
    ItemStatus.REJECTED: QColor("#b3261e"),
    ItemStatus.NEEDS_CONFIRMATION: QColor("#8a5a00"),
}


def _serials(item: DeliveryItemResult) -> str:
    shown = ", ".join(item.serial_numbers[:5])
    return shown + (f" … ({len(item.serial_numbers)})" if len(item.serial_numbers) > 5 else "")


ITEM_COLUMNS: tuple[Col[DeliveryItemResult], ...] = (
    Col("#", lambda i: str(i.index), lambda i: i.index, numeric=True),
    Col("SKU", lambda i: i.sku or i.product_ref),
    Col("Product", lambda i: i.name or ""),
    Col("Quantity", lambda i: f"{i.quantity:,}", lambda i: i.quantity, numeric=True),
    Col("Result", lambda i: ITEM_WORDS.get(i.status, str(i.status))),
    Col("Reason", lambda i: i.error or (f"{i.over_received:,} over" if i.over_received else "")),
    Col("Lot / expiry", lambda i: " ".join(x for x in (i.lot, str(i.expiry or "")) if x)),
    Col("Serials", _serials),
)


def items_model(parent: Any = None) -> RecordsModel[DeliveryItemResult]:
    model: RecordsModel[DeliveryItemResult] = RecordsModel(ITEM_COLUMNS, parent)
    model.colour = lambda item: ITEM_COLOURS.get(item.status)
    return model


def _delivery_colour(d: DeliveryRecord) -> QColor | None:
    if d.items_rejected:
        return ITEM_COLOURS[ItemStatus.REJECTED]
    return ITEM_COLOURS[ItemStatus.NEEDS_CONFIRMATION] if d.items_waiting else None


class _ListPresenter(QObject):
    """Rows from ``fetch(search)``; reloaded on the changes in ``RELOAD_ON`` while visible
    (remembered while hidden)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    loaded = Signal(int)
    RELOAD_ON: tuple[type, ...] = ()

    def __init__(
        self,
        facade: InventorySyncService,
        model: RecordsModel[Any],
        fetch: Callable[[str], Awaitable[list[Any]]],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._facade = facade
        self.model = model
        model.setParent(self)
        self._fetch = fetch
        self.search = ""
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._visible = False
        self._stale = True

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.reload()

    def on_change(self, change: Change) -> None:
        if isinstance(change, self.RELOAD_ON):
            self._stale = True
            if self._visible:
                self.reload()

    def set_search(self, text: str) -> None:
        if text.strip() != self.search or self._stale:
            self.search = text.strip()
            self.reload()

    def reload(self) -> None:
        self.tasks.run("refresh", self.refresh())

    async def refresh(self) -> None:
        self._stale = False
        rows = await self._fetch(self.search)
        self.model.set_rows(rows)
        self.loaded.emit(len(rows))


class OrdersPresenter(_ListPresenter):
    """Open purchase orders that can receive goods (approved, sent, partially received)."""

    RELOAD_ON = (PurchaseOrdersChanged, DeliveriesChanged)

    def __init__(self, facade: InventorySyncService, parent: Any = None) -> None:
        model: RecordsModel[PurchaseOrderRecord] = RecordsModel(ORDER_COLUMNS)
        super().__init__(facade, model, facade.receivable_purchase_orders, parent)


class HistoryPresenter(_ListPresenter):
    """Posted deliveries, newest first, and the items of the selected one.
    Extra signal: ``detail_changed(object)`` (the selected :class:`DeliveryRecord` or None)."""

    RELOAD_ON = (DeliveriesChanged,)
    detail_changed = Signal(object)

    def __init__(self, facade: InventorySyncService, parent: Any = None) -> None:
        model: RecordsModel[DeliveryRecord] = RecordsModel(DELIVERY_COLUMNS)
        model.colour = _delivery_colour
        super().__init__(facade, model, facade.list_deliveries, parent)
        self.items = items_model(self)
        self.selected: DeliveryRecord | None = None

    def select(self, record: DeliveryRecord | None) -> None:
        self.selected = record
        if record is None:
            self.items.set_rows([])
            self.detail_changed.emit(None)
            return
        self.tasks.run("detail", self._load_detail(record))

    async def _load_detail(self, record: DeliveryRecord) -> None:
        fresh, items = await self._facade.delivery_detail(record.id)
        if self.selected is not None and self.selected.id == record.id:
            self.selected = fresh
            self.items.set_rows(items)
            self.detail_changed.emit(fresh)
