"""The Alerts tab's side panel (why the selected alert says what it says) and the stock
check's progress line (a bar and Cancel while it runs, its outcome after)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.purchasing import AlertRecord
from possync_gui.ui.alerts.explain import ORDER, WHY, Line, explain, headline
from possync_gui.ui.alerts.presenter import CheckState

EMPTY_TEXT = "Select an alert to see how its reorder point and suggested quantity were worked out."


class ExplanationPanel(QWidget):
    """Shows one alert's terms in plain words; plain widget, no signals."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: #555;")
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.body, 1)
        self.show_alert(None)

    def show_alert(self, alert: AlertRecord | None, more: int = 0) -> None:
        if alert is None:
            self.title.setText("Why this alert?")
            self.subtitle.setText("")
            self.body.setHtml(f"<p style='color:#555'>{escape(EMPTY_TEXT)}</p>")
            return
        self.title.setText(headline(alert))
        extra = f" · and {more} more selected" if more else ""
        self.subtitle.setText(f"{alert.product_name} — {alert.warehouse_code}{extra}")
        lines = explain(alert)
        parts = [_rows([ln for ln in lines if ln.part == part]) for part in (WHY, ORDER)]
        cells = "".join(f"<td valign='top' width='50%'>{p}</td>" for p in parts)
        self.body.setHtml(f"<table width='100%' cellspacing='0'><tr>{cells}</tr></table>")

    def text(self) -> str:
        return self.body.toPlainText()


def _rows(lines: list[Line]) -> str:
    rows = []
    for line in lines:
        text = escape(line.text)
        if line.strong:
            text = f"<b>{text}</b>"
        rows.append(
            "<tr><td style='color:#444; padding:2px 10px 2px 0; white-space:nowrap;'>"
            f"{escape(line.term)}</td><td style='padding:2px 16px 2px 0;'>{text}</td></tr>"
        )
    return f"<table cellspacing='0'>{''.join(rows)}</table>"


class CheckPanel(QFrame):
    """The stock check: a bar of stock levels judged, what it is doing, Cancel while it runs.

    Signals: ``cancel_requested()``."""

    cancel_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkPanel")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(260)
        self.bar.setRange(0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel check")
        self.cancel_button.setToolTip("Stop the stock check (Esc)")
        self.close_button = QPushButton("Hide")
        self.close_button.setFlat(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.bar)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.close_button)
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_state(self, state: CheckState) -> None:
        self.label.setText(state.text)
        self.bar.setVisible(state.running)
        if state.total > 0:
            self.bar.setRange(0, state.total)
            self.bar.setValue(state.done)
        else:
            self.bar.setRange(0, 0)  # busy until the check knows how many levels there are
        self.cancel_button.setVisible(state.running)
        self.close_button.setVisible(not state.running)
        style = "background: #eef4fb; border: 1px solid #b6cde8;"
        if not state.running:
            style = "background: #f3f3f3; border: 1px solid #cfcfcf;"
        self.setStyleSheet(f"QFrame#checkPanel {{ {style} }}")
        self.show()
