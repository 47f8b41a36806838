"""The selected purchase order: supplier, warehouse, totals, the approval state and its
lines. A plain widget, no signals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.ui.purchase_orders.actions import STATUS_WORDS, approval_text
from possync_gui.ui.purchase_orders.model import LineColumn, LinesModel, local, money

FACTS = ("Status", "Supplier", "Warehouse", "Total", "Created", "Approval", "Sent", "Source")


class DetailPanel(QWidget):
    """One order with its lines (``show_order``)."""

    def __init__(self, lines: LinesModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QFormLayout()
        self.facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: dict[str, QLabel] = {}
        for key in FACTS:
            label = QLabel("—")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[key] = label
            self.facts.addRow(f"{key}:", label)
        self.lines_heading = QLabel("Lines")
        self.lines_heading.setStyleSheet("font-weight: 600;")
        self.lines = QTableView()
        self.lines.setModel(lines)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setAlternatingRowColors(True)
        self.lines.setWordWrap(False)
        self.lines.verticalHeader().setVisible(False)
        self.lines.verticalHeader().setDefaultSectionSize(22)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(LineColumn.PRODUCT, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (LineColumn.SKU, 90),
            (LineColumn.LINE_TOTAL, 85),
            (LineColumn.SUPPLIER_SKU, 110),
            (LineColumn.ORDERED, 85),
            (LineColumn.RECEIVED, 90),
            (LineColumn.UNIT_COST, 80),
        ):
            self.lines.setColumnWidth(column, width)
        facts = QWidget()
        facts.setLayout(self.facts)
        facts.setMinimumWidth(380)
        facts.setMaximumWidth(520)
        lines_box = QVBoxLayout()
        lines_box.addWidget(self.lines_heading)
        lines_box.addWidget(self.lines, 1)
        row = QHBoxLayout()
        row.addWidget(facts, 2)
        row.addLayout(lines_box, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(row, 1)
        self.show_order(None, Decimal(0))

    def show_order(self, order: PurchaseOrderRecord | None, threshold: Decimal) -> None:
        if order is None:
            self.title.setText("Select a purchase order to see its lines")
            for label in self.labels.values():
                label.setText("—")
            self.lines_heading.setText("Lines")
            return
        self.title.setText(f"{order.order_number} — {order.supplier_name}")
        contact = f" · {order.supplier_email}" if order.supplier_email else ""
        values = {
            "Status": STATUS_WORDS.get(order.status, str(order.status)),
            "Supplier": f"{order.supplier_code} — {order.supplier_name}{contact}",
            "Warehouse": f"{order.warehouse_code} — {order.warehouse_name}",
            "Total": f"{money(order)} · {order.ordered_units:,} units ordered, "
            f"{order.received_units:,} received",
            "Created": f"{local(order.created_at)} by {order.created_by}",
            "Approval": approval_text(order, threshold),
            "Sent": local(order.sent_at) or "not yet",
            "Source": _source(order),
        }
        for key, text in values.items():
            self.labels[key].setText(text)
        n = len(order.lines)
        self.lines_heading.setText(f"Lines ({n})" if n else "Lines")


def _source(order: PurchaseOrderRecord) -> str:
    alerts = len(order.stock_alert_ids)
    text = "Created by hand" if order.trigger_type == "manual" else "Created automatically"
    if alerts:
        text += f" from {alerts} stock alert{'s' if alerts != 1 else ''}"
    if order.automation_reason:
        text += f" — {order.automation_reason}"
    return text
