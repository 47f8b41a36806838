"""The first minutes: who is at the desk, then the demo store or a real POS.

Shown at the first start (no operator name saved yet, or the demo store just made). The
name is required: it is the actor of every stock change made here. Enter means "Explore
the demo store"; "Connect a POS…" opens the Integrations tab and its add dialog. The
dialog does no I/O: it emits ``chosen(name, choice)`` and the window saves and acts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from possync_gui.ui.theme import error_colour

EXPLORE = "explore"
CONNECT = "connect"


def _choice(title: str, text: str) -> QPushButton:
    button = QPushButton(f"{title}\n{text}")
    button.setMinimumSize(320, 84)
    font = button.font()
    font.setPointSizeF(font.pointSizeF() * 1.05)
    button.setFont(font)
    button.setStyleSheet("QPushButton { text-align: left; padding: 10px 14px; }")
    return button


class WelcomeDialog(QDialog):
    """Signals: ``chosen(str, str)``: the operator's name and ``EXPLORE`` or ``CONNECT``."""

    chosen = Signal(str, str)

    def __init__(self, name: str = "", demo: bool = True, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to possync")
        title = QLabel("Welcome to possync")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "possync keeps the stock your tills believe they have in step with the stock on "
            "your shelves: it warns before things run out, drafts purchase orders, receives "
            "deliveries with a scanner and puts every disagreement in front of a person."
        )
        intro.setWordWrap(True)
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("e.g. Sam Rivera")
        self.name.setMaxLength(80)
        name_label = QLabel("&Your name (recorded with every stock change you make):")
        name_label.setBuddy(self.name)
        self.error = QLabel()
        self.error.hide()
        what = "2,000 products, sales, orders on their way" if demo else "the store as it is"
        self.explore = _choice("Explore the demo store" if demo else "Explore the store", what)
        self.connect_pos = _choice("Connect a POS…", "Square, Shopify, WooCommerce, custom")
        self.explore.setDefault(True)
        self.explore.setAutoDefault(True)
        self.connect_pos.setAutoDefault(False)
        hint = QLabel("Enter explores; you can connect a POS any time in the Integrations tab.")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.explore)
        buttons.addWidget(self.connect_pos)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        for widget in (title, intro, name_label, self.name, self.error):
            layout.addWidget(widget)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        self.setMinimumWidth(720)
        self.explore.clicked.connect(lambda: self._choose(EXPLORE))
        self.connect_pos.clicked.connect(lambda: self._choose(CONNECT))
        self.name.textEdited.connect(lambda _t: self.error.hide())
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose(self, choice: str) -> None:
        name = " ".join(self.name.text().split())
        if not name:
            self.error.setStyleSheet(f"QLabel {{ color: {error_colour(self)}; }}")
            self.error.setText("Type your name first: the stock ledger records who changed what.")
            self.error.show()
            self.name.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.chosen.emit(name, choice)
        self.accept()
