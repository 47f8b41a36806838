"""The Receiving tab, scanner first: the scan field always has the focus; the board shows
expected / scanned / remaining per line with live counters; open orders on the left; the
posted deliveries on a second page.

Keys (within the tab): Enter posts a scan; Ctrl+Enter posts the delivery; Ctrl+Z undoes the
last scan; F2 (or Enter on a board row) edits a line; Ctrl+N starts a new delivery; Ctrl+O
searches the open orders; Ctrl+U starts an unplanned delivery; Ctrl+M loads a serial
manifest; Ctrl+D edits the delivery id; Ctrl+F filters the board; Esc stops a serial prompt.
A plain synchronous widget: it shows what the presenter emits and forwards intent.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.errors import PossyncError
from possync_gui.domain.events import Change
from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.domain.receiving import DeliveryInput, DeliveryRecord, DeliveryResult
from possync_gui.domain.scan_board import BoardLine
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.receiving.dialogs import (
    LineDialog,
    ResultDialog,
    ShortChoice,
    ShortDialog,
    UnplannedDialog,
    result_summary,
)
from possync_gui.ui.receiving.journal import SavedBoard
from possync_gui.ui.receiving.lists import HistoryPresenter, OrdersPresenter, local
from possync_gui.ui.receiving.model import ROW_ROLE
from possync_gui.ui.receiving.page import ReceivePage
from possync_gui.ui.receiving.panels import HistoryPanel, OrdersPanel, ToScanField
from possync_gui.ui.receiving.presenter import ReceivingPresenter
from possync_gui.ui.receiving.status import history_input


class ReceivingTab(QWidget):
    """Signals: ``message(str)`` for the status bar."""

    message = Signal(str)

    @classmethod
    def build(
        cls, facade: InventorySyncService, operator: str, journal_folder: Path | None = None
    ) -> ReceivingTab:
        """The tab with its three presenters (scanning, open orders, history)."""
        presenter = ReceivingPresenter(facade, operator, journal_folder=journal_folder)
        return cls(presenter, OrdersPresenter(facade), HistoryPresenter(facade))

    def on_change(self, change: Change) -> None:
        """A facade change event, for each presenter."""
        for presenter in (self.presenter, self.orders, self.history):
            presenter.on_change(change)

    def shutdown(self) -> None:
        for presenter in (self.presenter, self.orders, self.history):
            presenter.tasks.cancel_all()
        self.presenter.shutdown()

    def __init__(
        self,
        presenter: ReceivingPresenter,
        orders: OrdersPresenter,
        history: HistoryPresenter,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.orders = orders
        self.history = history
        self.page = ReceivePage(presenter)
        page = self.page
        # The page's parts by name: the tab's flows (and the tests) use them.
        self.scan = page.scan
        self.banner = page.banner
        self.prompt = page.prompt
        self.counters = page.counters
        self.board = page.board
        self.proxy = page.proxy
        self.filter = page.filter
        self.order_label = page.order_label
        self.delivery_id = page.delivery_id
        self.restore_bar = page.restore_bar
        self.post_button = page.post_button
        self.undo_button = page.undo_button
        self.manifest_button = page.manifest_button
        self.new_button = page.new_button
        self.orders_panel = OrdersPanel(orders)
        self.history_panel = HistoryPanel(history)
        self.pages = QTabWidget()
        self._to_scan = ToScanField(self.scan, self)
        self._dialog_open = False
        self._build_layout()
        self._connect()

    # -- layout ------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.orders_panel)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([330, 950])
        self.pages.addTab(splitter, "&Receive")
        self.pages.addTab(self.history_panel, "&Posted deliveries")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def _connect(self) -> None:
        p = self.presenter
        self.scan.returnPressed.connect(self._on_scan_entered)
        self.scan.escape_pressed.connect(p.cancel_serials)
        self.scan.undo_requested.connect(self._on_undo)
        self.undo_button.clicked.connect(self._on_undo)
        self.post_button.clicked.connect(self._on_post)
        self.new_button.clicked.connect(self._on_new)
        self.manifest_button.clicked.connect(self._on_manifest)
        self.delivery_id.editingFinished.connect(lambda: p.set_delivery_id(self.delivery_id.text()))
        self.board.activated.connect(lambda _i: self._on_edit())
        self.orders_panel.open_requested.connect(self._on_order_chosen)
        self.orders_panel.unplanned_requested.connect(self._on_unplanned)
        self.history_panel.confirm_requested.connect(self._on_history_confirm)
        self.restore_bar.restore.clicked.connect(self._on_restore)
        self.restore_bar.discard.clicked.connect(self._on_discard_saved)
        for table in (self.board, self.orders_panel.table):  # the scan field's page
            table.installEventFilter(self._to_scan)
        self.pages.currentChanged.connect(lambda i: self.focus_scan() if i == 0 else None)
        self.board.installEventFilter(self)
        p.message.connect(self.message.emit)
        p.restore_offered.connect(self._on_restore_offered)
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+Return", self._on_post),
            ("Ctrl+Enter", self._on_post),
            ("Ctrl+Z", self._on_undo),
            ("F2", self._on_edit),
            ("Ctrl+N", self._on_new),
            ("Ctrl+O", self.orders_panel.focus_search),
            ("Ctrl+U", self._on_unplanned),
            ("Ctrl+M", self._on_manifest),
            ("Ctrl+D", self._focus_delivery_id),
            ("Ctrl+F", self._focus_filter),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=within)

    # -- focus: the scan field has it after every action ------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.orders.set_visible(True)
        self.focus_scan()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.orders.set_visible(False)

    def focus_scan(self) -> None:
        self.scan.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.board and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                self._on_edit()
                return True
        return False

    def _open(self, dialog: QDialog) -> asyncio.Future[int]:
        """Open ``dialog`` window-modally; the future holds its result; focus comes back."""
        loop = asyncio.get_event_loop()
        future: asyncio.Future[int] = loop.create_future()

        def finished(result: int) -> None:
            self._dialog_open = False
            self.window().activateWindow()  # some platforms leave the closed dialog's window
            self.focus_scan()
            if not future.done():
                future.set_result(result)
            # After the awaiting code has read the answer (its wake-up is queued first).
            loop.call_soon(dialog.deleteLater)

        self._dialog_open = True
        dialog.finished.connect(finished)
        dialog.open()
        return future

    # -- scanning ----------------------------------------------------------------------------
    def _on_scan_entered(self) -> None:
        text = self.scan.text()
        self.scan.clear()
        self.presenter.submit(text)

    def _on_undo(self) -> None:
        self.presenter.undo()
        self.focus_scan()

    # -- choosing ------------------------------------------------------------------------------
    def _may_drop_board(self, what: str) -> asyncio.Future[int] | None:
        """None when nothing would be lost; else the answer to "drop it?"."""
        if self.presenter.board.is_empty:
            return None
        c = self.presenter.board.counters()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Scans not posted",
            f"{c.units:,} scanned units of {self.presenter.delivery_id} are not posted. "
            f"{what} and lose them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return self._open(box)

    def _on_order_chosen(self, order: PurchaseOrderRecord) -> None:
        self.presenter.tasks.run("choose", self._choose_order(order))

    async def _choose_order(self, order: PurchaseOrderRecord) -> None:
        answer = self._may_drop_board(f"Switch to {order.order_number}")
        if answer is not None and await answer != QMessageBox.StandardButton.Discard:
            return
        await self.presenter.open_order(order.id)
        self.focus_scan()

    def _on_unplanned(self) -> None:
        self.presenter.tasks.run("unplanned", self._unplanned())

    async def _unplanned(self) -> None:
        answer = self._may_drop_board("Start an unplanned delivery")
        if answer is not None and await answer != QMessageBox.StandardButton.Discard:
            return
        facade = self.presenter.facade
        suppliers, warehouses = await facade.list_suppliers(), await facade.list_warehouses()
        dialog = UnplannedDialog(suppliers, warehouses, self)
        if await self._open(dialog) == QDialog.DialogCode.Accepted:
            supplier, warehouse = dialog.choice()
            self.presenter.start_unplanned(supplier, warehouse)

    def _on_new(self) -> None:
        self.presenter.tasks.run("new", self._new())

    async def _new(self) -> None:
        answer = self._may_drop_board("Start a new delivery")
        if answer is not None and await answer != QMessageBox.StandardButton.Discard:
            return
        self.presenter.clear()
        self.banner.notice("New delivery: scan a purchase order number or choose an order")
        self.focus_scan()

    # -- editing -------------------------------------------------------------------------------
    def current_line(self) -> BoardLine | None:
        index = self.board.currentIndex()
        line: BoardLine | None = index.data(ROW_ROLE) if index.isValid() else None
        if line is None and self.presenter.model.last_row >= 0:
            line = self.presenter.board.lines[self.presenter.model.last_row]
        return line

    def _on_edit(self) -> None:
        line = self.current_line()
        if line is None:
            self.message.emit("Scan something first: there is no line to edit")
            return
        self.presenter.tasks.run("edit", self._edit(line))

    async def _edit(self, line: BoardLine) -> None:
        dialog = LineDialog(line, self)
        if await self._open(dialog) != QDialog.DialogCode.Accepted:
            return
        pid = line.product.product_id
        if dialog.quantity is not None:
            if dialog.quantity.value() != line.scanned:
                self.presenter.set_quantity(pid, dialog.quantity.value())
        elif removed := dialog.removed_serials():
            self.presenter.remove_serials(pid, removed)

    def _focus_delivery_id(self) -> None:
        self.delivery_id.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.delivery_id.selectAll()

    def _focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _on_manifest(self) -> None:
        if not self.presenter.ready:
            self.message.emit("Open a delivery first: its serials are checked against the manifest")
            return
        dialog = QFileDialog(self, "Load the supplier's serial manifest", "", "CSV (*.csv *.txt)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.presenter.tasks.run("manifest", self._manifest(dialog))

    async def _manifest(self, dialog: QFileDialog) -> None:
        if await self._open(dialog) == QDialog.DialogCode.Accepted and dialog.selectedFiles():
            await self.presenter.load_manifest(Path(dialog.selectedFiles()[0]))

    # -- posting -------------------------------------------------------------------------------
    def _on_post(self) -> None:
        if self.presenter.tasks.is_running("post"):
            return
        self.presenter.tasks.run("post", self.post_flow())

    async def post_flow(self) -> DeliveryResult | None:
        """Post, asking first about what did not come; then show the result."""
        p = self.presenter
        await p.wait_for_scans()
        c = p.board.counters()
        if c.units == 0:
            self.banner.warning("Nothing scanned yet: there is nothing to post")
            return None
        close_short = False
        plan = p.board.plan
        if plan is not None and c.remaining > 0:
            lines = sum(1 for line in p.board.lines if line.remaining)
            dialog = ShortDialog(plan.order_number, c.remaining, lines, self)
            if await self._open(dialog) != QDialog.DialogCode.Accepted:
                return None
            close_short = dialog.choice == ShortChoice.CLOSE_SHORT
        self.post_button.setEnabled(False)
        try:
            result = await p.post(close_short=close_short)
        finally:
            self.post_button.setEnabled(p.board.counters().units > 0)
        if result.rejected or result.needs_confirmation:
            self.banner.warning(result_summary(result) + " — see the result")
        else:
            self.banner.notice(result_summary(result))
        self._show_result(result, p.last_delivery)
        return result

    def _show_result(self, result: DeliveryResult, delivery: DeliveryInput | None) -> None:
        dialog = ResultDialog(result, self)
        p = self.presenter

        def confirm() -> None:
            if delivery is not None:
                p.tasks.run("confirm", self._confirm(dialog, delivery))

        dialog.confirm_requested.connect(confirm)
        self._open(dialog)

    async def _confirm(self, dialog: ResultDialog, delivery: DeliveryInput) -> None:
        result = await self.presenter.confirm_over_receipt(delivery)
        dialog.set_result(result)
        self.banner.notice(f"Confirmed the over-receipt of {result.delivery_id}")

    def _on_history_confirm(self, record: DeliveryRecord) -> None:
        self.presenter.tasks.run("confirm", self._history_confirm(record))

    async def _history_confirm(self, record: DeliveryRecord) -> None:
        _fresh, items = await self.presenter.facade.delivery_detail(record.id)
        delivery = history_input(record, items)
        result = await self.presenter.confirm_over_receipt(delivery)
        self._show_result(result, None)

    # -- a board a crash left ----------------------------------------------------------------
    def _on_restore_offered(self, saved: SavedBoard) -> None:
        h = saved.header
        what = h.order_number or f"an unplanned delivery into {h.warehouse_code}"
        self.restore_bar.offer(
            f"An unposted delivery was found: <b>{saved.scans:,} scans</b> of {h.delivery_id} "
            f"({what}), started {local(h.started_at)} by {h.operator}. Restore it to go on "
            "scanning and post it, or discard it."
        )

    def _on_restore(self) -> None:
        self.restore_bar.hide()
        self.presenter.tasks.run("restore", self._restore())
        self.focus_scan()

    async def _restore(self) -> None:
        try:
            await self.presenter.restore()
        except PossyncError:
            saved = self.presenter.saved
            if saved is not None:  # still there: the user can try again or discard it
                self._on_restore_offered(saved)
            raise

    def _on_discard_saved(self) -> None:
        self.restore_bar.hide()
        self.presenter.discard_saved()
        self.focus_scan()
