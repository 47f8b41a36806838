"""The product detail panel: stock per warehouse, recent ledger movements, on hand over time."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.records import ProductDetail

REASON_TEXT = {
    "sale": "Sale",
    "delivery": "Delivery",
    "count": "Count",
    "sync_pull": "POS sync (in)",
    "sync_push": "POS sync (out)",
    "conflict_resolution": "Conflict resolved",
    "adjustment": "Adjustment",
    "damage": "Damage",
    "found": "Found stock",
    "opening": "Opening balance",
}


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


def _item(text: str, numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class DetailPanel(QWidget):
    """Shows one :class:`ProductDetail`; plain widget, no signals."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Select a product")
        self.title.setObjectName("detailTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QFormLayout()
        self._fact_labels: dict[str, QLabel] = {}
        for key in ("SKU", "Barcode", "Supplier", "Reorder point", "Tracking"):
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._fact_labels[key] = label
            self.facts.addRow(f"{key}:", label)
        self.stock = _table(["Warehouse", "On hand", "Updated"])
        self.stock.setMaximumHeight(110)
        self.movements = _table(["When", "Warehouse", "Change", "Reason", "By", "Reference"])
        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        self.chart = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.chart.setMinimumHeight(150)
        self.chart.setMouseEnabled(x=True, y=False)
        self.chart.showGrid(x=True, y=True, alpha=0.2)
        self.chart.getPlotItem().setLabel("left", "On hand")
        self.chart.getPlotItem().hideButtons()
        self._curve = self.chart.plot([], [], stepMode=None, pen=pg.mkPen("#1f6feb", width=2))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(self.facts)
        layout.addWidget(QLabel("Stock per warehouse"))
        layout.addWidget(self.stock)
        layout.addWidget(QLabel("On hand over time"))
        layout.addWidget(self.chart, 2)
        layout.addWidget(QLabel("Recent movements (ledger)"))
        layout.addWidget(self.movements, 3)
        self.show_detail(None)

    def show_detail(self, detail: ProductDetail | None) -> None:
        if detail is None:
            self.title.setText("Select a product to see its stock and history")
            for label in self._fact_labels.values():
                label.setText("—")
            self.stock.setRowCount(0)
            self.movements.setRowCount(0)
            self._curve.setData([], [])
            return
        p = detail.product
        self.title.setText(p.name)
        self._fact_labels["SKU"].setText(p.sku)
        self._fact_labels["Barcode"].setText(p.barcode or "—")
        self._fact_labels["Supplier"].setText(p.preferred_supplier_code or "No preferred supplier")
        rp = "—" if p.reorder_point is None else str(p.reorder_point)
        self._fact_labels["Reorder point"].setText(f"{rp} (minimum {p.minimum_stock})")
        tracking = "Serial numbers" if p.is_serialized else "Quantity"
        if p.review_policy == "manual":
            tracking += " · high value: conflicts reviewed by hand"
        self._fact_labels["Tracking"].setText(tracking)
        self._fill_stock(detail)
        self._fill_movements(detail)
        xs = [at.timestamp() for at, _ in detail.history]
        ys = [level for _, level in detail.history]
        self._curve.setData(xs, ys)
        self.chart.getPlotItem().enableAutoRange()

    def _fill_stock(self, detail: ProductDetail) -> None:
        self.stock.setRowCount(len(detail.stock))
        for i, s in enumerate(detail.stock):
            when = s.updated_at.astimezone().strftime("%Y-%m-%d %H:%M") if s.updated_at else "never"
            self.stock.setItem(i, 0, _item(f"{s.warehouse_code} — {s.warehouse_name}"))
            self.stock.setItem(i, 1, _item(f"{s.on_hand:,}", numeric=True))
            self.stock.setItem(i, 2, _item(when))

    def _fill_movements(self, detail: ProductDetail) -> None:
        self.movements.setRowCount(len(detail.movements))
        for i, mv in enumerate(detail.movements):
            self.movements.setItem(i, 0, _item(mv.at.astimezone().strftime("%Y-%m-%d %H:%M")))
            self.movements.setItem(i, 1, _item(mv.warehouse_code))
            self.movements.setItem(i, 2, _item(f"{mv.delta:+,}", numeric=True))
            reason = REASON_TEXT.get(mv.reason.value, mv.reason.value)
            self.movements.setItem(i, 3, _item(reason + (f" — {mv.note}" if mv.note else "")))
            self.movements.setItem(i, 4, _item(mv.actor))
            self.movements.setItem(i, 5, _item(mv.reference or ""))
