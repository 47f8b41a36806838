"""The Receive page of the Receiving tab: which delivery is open, the scan field with Undo and
Post, the serial prompt, the banner saying what the last scan did, the live counters, and the
board (or, while nothing is open, what to do first). It shows what the presenter emits; the
tab (``tab.py``) handles intent."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.scan_board import Counters
from possync_gui.ui.receiving.model import BoardColumn, SortFilterProxy
from possync_gui.ui.receiving.panels import ScanField, make_table
from possync_gui.ui.receiving.presenter import ReceivingPresenter
from possync_gui.ui.receiving.scanning import SerialRequest
from possync_gui.ui.receiving.status import Banner, CounterStrip, PromptBar, RestoreBar

#: How long the scans pause before the board scrolls to the line scanned last.
SCROLL_PAUSE_MS = 150
EMPTY_HINT = (
    "<p style='font-size:15pt'><b>Scan a purchase order number</b> (PO-2026-000123) to "
    "receive against it,</p><p>or choose an open order on the left (Ctrl+O, Enter), or "
    "start an <b>unplanned delivery</b> (Ctrl+U) for goods that came without one.</p>"
    "<p>Then scan the items: each scan adds one unit, or the count its GS1 label carries, "
    "or N when you type <tt>N*</tt> before the code (<tt>12*4006381333931</tt>).</p>"
)
BOARD_WIDTHS = (
    (BoardColumn.SKU, 120),
    (BoardColumn.EXPECTED, 80),
    (BoardColumn.SCANNED, 80),
    (BoardColumn.REMAINING, 85),
    (BoardColumn.SERIALS, 220),
    (BoardColumn.STATUS, 170),
)


class ReceivePage(QWidget):
    """The scanning side of the Receiving tab."""

    def __init__(self, presenter: ReceivingPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.scan = ScanField()
        self.order_label = QLabel()
        self.order_label.setTextFormat(Qt.TextFormat.RichText)
        self.order_label.setWordWrap(True)  # a long supplier name must not widen the window
        self.order_label.setMinimumWidth(120)
        self.delivery_id = QLineEdit()
        self.delivery_id.setToolTip("The supplier's delivery note number, or the one given here")
        self.delivery_id.setMinimumWidth(200)
        self.delivery_id.setMaximumWidth(340)
        self.banner = Banner()
        self.prompt = PromptBar()
        self.restore_bar = RestoreBar()
        self.counters = CounterStrip()
        self.undo_button = QPushButton("Undo last scan (Ctrl+Z)")
        self.post_button = QPushButton("Post delivery (Ctrl+Enter)")
        self.post_button.setDefault(False)
        self.post_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 14px; }")
        self.manifest_button = QPushButton("Load manifest… (Ctrl+M)")
        self.new_button = QPushButton("New delivery (Ctrl+N)")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter the lines (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.proxy = SortFilterProxy(presenter.model, self)
        self.board = self._make_board()
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.board)
        # Scrolling to the line scanned last repaints the whole board (~90 ms for 25 rows in
        # software); during a burst of scans it waits for a pause, so scans never queue behind it.
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(SCROLL_PAUSE_MS)
        self._scroll_timer.timeout.connect(self._scroll_to_last)
        self._build_layout()
        p = presenter
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        p.board_changed.connect(self._on_board_changed)
        p.counters_changed.connect(self._on_counters)
        p.notice.connect(self.banner.notice)
        p.warning.connect(self._on_warning)
        p.serial_wanted.connect(self._on_serial_wanted)
        p.model.rowsInserted.connect(lambda *_a: self.stack.setCurrentWidget(self.board))
        p.model.dataChanged.connect(self._on_line_changed)
        self._on_board_changed()

    def _make_board(self) -> QTableView:
        board = make_table(self.proxy)
        header = board.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the order's own order
        for column, width in BOARD_WIDTHS:
            board.setColumnWidth(column, width)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(BoardColumn.PRODUCT, QHeaderView.ResizeMode.Stretch)
        return board

    def _build_layout(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.order_label, 1)
        head.addWidget(QLabel("Delivery id (Ctrl+D):"))
        head.addWidget(self.delivery_id)
        head.addWidget(self.manifest_button)
        head.addWidget(self.new_button)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.undo_button)
        scan_row.addWidget(self.post_button)
        rl = QVBoxLayout(self)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(head)
        rl.addWidget(self.restore_bar)
        rl.addLayout(scan_row)
        rl.addWidget(self.prompt)
        rl.addWidget(self.banner)
        rl.addWidget(self.counters)
        rl.addWidget(self.filter)
        rl.addWidget(self.stack, 1)

    def _on_warning(self, text: str) -> None:
        self.banner.warning(text)
        QApplication.beep()

    def _on_serial_wanted(self, request: SerialRequest | None) -> None:
        if request is None:
            self.prompt.ask(None)
            self.scan.setPlaceholderText(
                "Scan here — or type a barcode, SKU, 12*barcode or PO number"
            )
            return
        product = request.product
        self.prompt.ask(
            f"{product.sku} — {product.name} is serialized: scan or type the serial of unit "
            f"{request.done + 1} of {request.wanted} (Esc stops)"
        )
        self.scan.setPlaceholderText(
            f"Serial number of {product.sku} ({request.done + 1} of {request.wanted})"
        )

    def _on_counters(self, counters: Counters) -> None:
        self.counters.show_counters(counters, self.presenter.board)
        self.post_button.setEnabled(counters.units > 0)
        self.undo_button.setEnabled(not self.presenter.board.is_empty)

    def _on_line_changed(self, top: Any, _bottom: Any, _roles: Any = None) -> None:
        row = self.presenter.model.last_row
        if row >= 0 and top.row() == row:
            self._scroll_timer.start()  # once the scans pause: a scroll repaints the board

    def _scroll_to_last(self) -> None:
        row = self.presenter.model.last_row
        if 0 <= row < self.presenter.model.rowCount():
            index = self.proxy.mapFromSource(self.presenter.model.index(row, 0))
            if index.isValid():
                self.board.scrollTo(index)

    def _on_board_changed(self) -> None:
        p = self.presenter
        board = p.board
        self.delivery_id.setText(p.delivery_id if p.ready else "")
        self.delivery_id.setCursorPosition(0)
        self.delivery_id.setEnabled(p.ready)
        self.manifest_button.setEnabled(p.ready)
        self.filter.clear()
        if board.plan is not None:
            plan = board.plan
            self.order_label.setText(
                f"<span style='font-size:13pt'><b>{plan.order_number}</b></span> · "
                f"{plan.supplier_code} — {plan.supplier_name} → <b>{plan.warehouse_code}</b> "
                f"· {plan.status.replace('_', ' ')}"
            )
        elif p.ready:
            who = board.supplier_code or "no supplier"
            self.order_label.setText(
                f"<span style='font-size:13pt'><b>Unplanned delivery</b></span> · {who} → "
                f"<b>{board.warehouse_code}</b>"
            )
        else:
            self.order_label.setText("<span style='font-size:13pt'><b>No delivery open</b></span>")
        self.stack.setCurrentWidget(self.board if board.lines else self.hint)
        self._on_counters(board.counters())
