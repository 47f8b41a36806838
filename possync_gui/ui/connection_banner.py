"""The line above the tabs that says the database is away, and when it is back (issue 7).

While the change feed cannot reach the database it reads "Database connection lost —
retrying in N s…", counting down to the next try (the feed backs off from 1 s to 30 s);
once the feed is connected again it reads "Reconnected" for a few seconds. Nothing else in
the window stops: what was typed or scanned stays where it is, and actions that need the
database meanwhile say so in the message bar.
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from possync_gui.domain.connection import ConnectionState, ConnectionStatus

#: How long "Reconnected" stays up.
RECONNECTED_MS = 4_000
_LOST_STYLE = "ConnectionBanner { background: #fff3cd; border: 1px solid #e0b94f; }"
_BACK_STYLE = "ConnectionBanner { background: #dff3e1; border: 1px solid #8cc796; }"


class ConnectionBanner(QWidget):
    """Hidden while the connection is fine. ``lost`` says whether it is away now.

    Signals: ``retry_requested()`` — the user asked to try again now ("Retry now")."""

    retry_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        self.retry = QPushButton("&Retry now")
        self.retry.setFlat(True)
        self.retry.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
        self.retry.clicked.connect(self._on_retry_clicked)
        layout.addWidget(self.retry)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.lost = False
        self._retry_at = 0.0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1_000)
        self._countdown.timeout.connect(self._show_countdown)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.hide)
        self.hide()

    def on_status(self, status: ConnectionStatus) -> None:
        """A state change from the facade's change feed."""
        if status.state is ConnectionState.LOST:
            self._lost(status)
        elif status.state is ConnectionState.RECONNECTED:
            self._reconnected()
        else:
            self.lost = False
            self._countdown.stop()
            self.hide()

    def _lost(self, status: ConnectionStatus) -> None:
        self.lost = True
        self._hide_timer.stop()
        self._retry_at = time.monotonic() + status.retry_in
        self.setStyleSheet(_LOST_STYLE)
        self.setToolTip(
            f"{status.error}\n\nTry {status.attempt}. Your scans and what you typed are kept; "
            "actions that need the database say so until it is back."
        )
        self._show_countdown()
        self._countdown.start()
        self.retry.show()
        self.show()

    def _on_retry_clicked(self) -> None:
        self._retry_at = time.monotonic()
        self._show_countdown()
        self.retry_requested.emit()

    def _show_countdown(self) -> None:
        left = math.ceil(self._retry_at - time.monotonic())
        when = f"retrying in {left} s…" if left > 0 else "retrying now…"
        self.label.setText(
            f"<b>Database connection lost</b> — {when} Nothing you typed or scanned is lost."
        )

    def _reconnected(self) -> None:
        self.lost = False
        self._countdown.stop()
        self.setStyleSheet(_BACK_STYLE)
        self.setToolTip("")
        self.retry.hide()
        self.label.setText("<b>Reconnected</b> — the tabs are reloading what changed meanwhile.")
        self.show()
        self._hide_timer.start(RECONNECTED_MS)
