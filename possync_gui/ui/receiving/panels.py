"""Widgets of the Receiving tab: the scan field, the open orders list and the history of
posted deliveries. Plain widgets over the list presenters; typing a printable key in one
of their tables sends it to the scan field (a scan never lands in a table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.barcodes import GS
from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.domain.receiving import DeliveryRecord
from possync_gui.ui.receiving.lists import HistoryPresenter, OrdersPresenter, local
from possync_gui.ui.receiving.model import ROW_ROLE, SortFilterProxy

SEARCH_DEBOUNCE_MS = 250
#: Keys the scan field leaves to the tab's shortcuts (QLineEdit would take them itself).
TAB_KEYS = (QKeySequence.StandardKey.Undo,)


class ScanField(QLineEdit):
    """The scan field: large, keeps ASCII GS (FNC1) that QLineEdit would drop, and leaves
    Ctrl+Z to the tab (undo the last scan, not the last keystroke).
    Signals: ``escape_pressed()``, ``undo_requested()``."""

    escape_pressed = Signal()
    undo_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.setFont(font)
        self.setMinimumHeight(40)
        self.setPlaceholderText("Scan here — or type a barcode, SKU, 12*barcode or PO number")
        self.setClearButtonEnabled(True)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and any(event.matches(key) for key in TAB_KEYS)
        ):
            event.ignore()  # not ours: the tab's shortcut runs
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() == GS:  # a scanner's FNC1 separator; QLineEdit drops control chars
            self.insert(GS)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            self.clear()
            return
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo_requested.emit()
            return
        super().keyPressEvent(event)


class ToScanField(QObject):
    """Event filter: printable keys typed in a table go to the scan field instead."""

    def __init__(self, field: ScanField, parent: Any = None) -> None:
        super().__init__(parent)
        self.field = field

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            plain = not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            )
            if plain and text and (text.isprintable() or text == GS) and text != " ":
                self.field.setFocus(Qt.FocusReason.OtherFocusReason)
                self.field.insert(text)
                return True
        return False


def make_table(proxy: SortFilterProxy) -> QTableView:
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


def fit_columns(table: QTableView) -> None:
    """Columns as wide as their contents, but none wider than ~45 % of the table (its text
    elided, the whole of it in the tooltip), so a long supplier name in the narrow orders
    panel does not push every other column out of sight."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    cap = max(140, int(table.viewport().width() * 0.45))
    for i in range(header.count() - 1):
        if header.sectionSize(i) > cap:
            header.resizeSection(i, cap)


class _Searchable(QWidget):
    """A search box (debounced, to the presenter) over a sortable table."""

    def __init__(
        self,
        presenter: Any,
        placeholder: str,
        count_text: Callable[[int], str],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self._count_text = count_text
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.proxy = SortFilterProxy(presenter.model, self)
        self.table = make_table(self.proxy)
        self.count = QLabel("")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self.search.textEdited.connect(lambda _t: self._debounce.start())
        self._debounce.timeout.connect(lambda: presenter.set_search(self.search.text()))
        self.search.returnPressed.connect(self._on_search_entered)
        presenter.loaded.connect(self._on_loaded)

    def _on_search_entered(self) -> None:
        self._debounce.stop()
        self.presenter.set_search(self.search.text())
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current(self) -> Any:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _on_loaded(self, count: int) -> None:
        fit_columns(self.table)
        self.count.setText(self._count_text(count))


def _orders_count(count: int) -> str:
    if count == 0:
        return "No order waits for goods (approve and send one in Purchase Orders)."
    return f"{count:,} order{'s' if count != 1 else ''} waiting for goods — Enter opens one"


def _deliveries_count(count: int) -> str:
    if count == 0:
        return "No deliveries posted yet: they appear here once posted."
    return f"{count:,} deliver{'ies' if count != 1 else 'y'}"


class OrdersPanel(_Searchable):
    """Open purchase orders; Enter or a double click opens one.
    Signals: ``open_requested(object)`` (a PurchaseOrderRecord), ``unplanned_requested()``."""

    open_requested = Signal(object)
    unplanned_requested = Signal()

    def __init__(self, presenter: OrdersPresenter, parent: Any = None) -> None:
        super().__init__(
            presenter, "Search orders: number or supplier (Ctrl+O)", _orders_count, parent
        )
        title = QLabel("<b>Open purchase orders</b>")
        self.unplanned = QPushButton("Unplanned delivery… (Ctrl+U)")
        self.unplanned.setToolTip("Goods that came without a purchase order")
        self.unplanned.clicked.connect(self.unplanned_requested.emit)
        self.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self._on_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.unplanned)

    def _on_activated(self, index: QModelIndex) -> None:
        order: PurchaseOrderRecord | None = index.data(ROW_ROLE)
        if order is not None:
            self.open_requested.emit(order)


class HistoryPanel(QWidget):
    """Posted deliveries (search, sort) and the selected one's items.
    Signal: ``confirm_requested(object)`` (a DeliveryRecord with items waiting)."""

    confirm_requested = Signal(object)

    def __init__(self, presenter: HistoryPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.list = _Searchable(
            presenter, "Search deliveries: id, supplier, order, receiver", _deliveries_count
        )
        self.list.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.detail = QLabel("Select a delivery to see its items.")
        self.detail.setWordWrap(True)
        self.items_proxy = SortFilterProxy(presenter.items, self)
        self.items = make_table(self.items_proxy)
        self.items.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the delivery's order
        self.confirm = QPushButton("Confirm over-receipt…")
        self.confirm.setEnabled(False)
        self.confirm.clicked.connect(self._on_confirm)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.list.search)
        top_layout.addWidget(self.list.table, 1)
        top_layout.addWidget(self.list.count)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.detail, 1)
        row.addWidget(self.confirm)
        bottom_layout.addLayout(row)
        bottom_layout.addWidget(self.items, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([320, 280])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.list.table.selectionModel().currentRowChanged.connect(self._on_current)
        presenter.detail_changed.connect(self._on_detail)
        presenter.loaded.connect(self._on_loaded)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    def _on_loaded(self, _count: int) -> None:
        if self.list.proxy.rowCount() and not self.list.table.currentIndex().isValid():
            self.list.table.selectRow(0)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record: DeliveryRecord | None = current.data(ROW_ROLE) if current.isValid() else None
        self.presenter.select(record)

    def _on_detail(self, record: DeliveryRecord | None) -> None:
        self.items.resizeColumnsToContents()
        self.confirm.setEnabled(record is not None and record.items_waiting > 0)
        if record is None:
            self.detail.setText("Select a delivery to see its items.")
            return
        order = f" against {record.purchase_order_number}" if record.purchase_order_number else ""
        self.detail.setText(
            f"<b>{record.delivery_id}</b>{order}: {record.units:,} units into "
            f"{record.warehouse_code}, received by {record.received_by} on "
            f"{local(record.received_at)} — {record.items_accepted} accepted, "
            f"{record.items_rejected} rejected, {record.items_waiting} waiting for confirmation"
        )

    def _on_confirm(self) -> None:
        if self.presenter.selected is not None:
            self.confirm_requested.emit(self.presenter.selected)
