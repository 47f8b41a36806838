"""What the Receiving tab says about the scanning: the banner under the scan field (what the
last scan did, a red warning, a yellow serial prompt), the live counters, and the bar that
offers to restore a board a crash left."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from possync_gui.domain.receiving import (
    DeliveryInput,
    DeliveryItemResult,
    DeliveryLineInput,
    DeliveryRecord,
)
from possync_gui.domain.scan_board import Counters, ScanBoard

#: kind → (background, text, border, bold)
STYLES = {
    "notice": ("#e3f1e4", "#16401d", "#a9d3ad", False),
    "warning": ("#fde2e1", "#7a1410", "#d9534f", True),
    "prompt": ("#fff4c2", "#5c4400", "#e0b400", True),
    "idle": ("#f2f2f2", "#444444", "#dddddd", False),
}


class _Box(QLabel):
    """A label on a coloured box. Painted by hand, not by a style sheet: a style-sheet widget
    is slow to paint, and this one changes with every scan."""

    def __init__(self, kind: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setContentsMargins(10, 6, 10, 6)
        self.kind = ""
        self._colours = (QColor(), QColor())
        self.set_kind(kind)

    def set_kind(self, kind: str) -> None:
        if kind == self.kind:
            return
        self.kind = kind
        background, text, border, bold = STYLES[kind]
        self._colours = (QColor(background), QColor(border))
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
        self.setPalette(palette)
        font = self.font()
        font.setBold(bold)
        self.setFont(font)
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        background, border = self._colours
        painter.setPen(QPen(border, 2))
        painter.setBrush(background)
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 3, 3)
        painter.end()
        super().paintEvent(event)


class Banner(_Box):
    """One line under the scan field; ``kind`` says which style it has now."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__("idle", parent)
        # Fixed: a longer message must not move the board (and repaint the whole window).
        self.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 16)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setText("Ready: scan a purchase order number or an item.")

    def notice(self, text: str) -> None:
        self.set_kind("notice")
        self.setText(text)

    def warning(self, text: str) -> None:
        self.set_kind("warning")
        self.setText("⚠ " + text)


class PromptBar(_Box):
    """Yellow, above the banner, while the tab waits for serial numbers."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__("prompt", parent)
        self.hide()

    def ask(self, text: str | None) -> None:
        self.setVisible(text is not None)
        self.setText(text or "")


class CounterStrip(QWidget):
    """Units, lines, remaining, and the problems (red when not zero)."""

    NAMES = (
        ("units", "Units"),
        ("lines", "Lines"),
        ("remaining", "Remaining"),
        ("over", "Over"),
        ("unknown", "Unknown codes"),
        ("duplicates", "Duplicate serials"),
        ("misreads", "Misreads"),
        ("not_on_manifest", "Not on manifest"),
    )
    PROBLEMS = {"over", "unknown", "duplicates", "misreads", "not_on_manifest"}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        # One rich-text label, set once per scan (eight labels each re-laid out the strip).
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.values: dict[str, str] = {}
        self._bad: dict[str, bool] = {}
        self._unknown_shown = -1
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.label, 1)

    def show_counters(self, c: Counters, board: ScanBoard) -> None:
        self.values = {
            "units": f"{c.units:,}",
            "lines": f"{c.lines_scanned:,} of {len(board.lines):,}",
            "remaining": f"{c.remaining:,} of {c.expected:,}" if board.has_plan else "—",
            "over": f"{c.over:,}" if board.has_plan else "—",
            "unknown": f"{c.unknown:,}",
            "duplicates": f"{c.duplicates:,}",
            "misreads": f"{c.misreads:,}",
            "not_on_manifest": f"{c.not_on_manifest:,}" if board.manifest else "—",
        }
        numbers = {
            "over": c.over, "unknown": c.unknown, "duplicates": c.duplicates,
            "misreads": c.misreads, "not_on_manifest": c.not_on_manifest,
        }  # fmt: skip
        parts = []
        for key, words in self.NAMES:
            self._bad[key] = bad = key in self.PROBLEMS and numbers.get(key, 0) > 0
            colour = "#b3261e" if bad else "#222222"
            parts.append(
                f"<span style='color:#666666'>{words}</span>&nbsp;<b style='color:{colour};"
                f" font-size:12pt'>{self.values[key]}</b>"
            )
        text = " &nbsp;&nbsp;&nbsp; ".join(parts)
        if text != self.label.text():
            self.label.setText(text)
        if c.unknown != self._unknown_shown:
            self._unknown_shown = c.unknown
            codes = board.unknown_codes[-20:]
            self.label.setToolTip(
                "Unknown codes (no product has them):\n" + "\n".join(codes)
                if codes
                else "No unknown codes"
            )

    def value(self, key: str) -> str:
        """The number shown for ``key`` (for tests and screen readers)."""
        return self.values[key]

    def is_alarming(self, key: str) -> bool:
        """Whether ``key`` is shown in red."""
        return self._bad[key]


class RestoreBar(QFrame):
    """ "An unposted delivery was found": Restore / Discard."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(
            "RestoreBar { background: #fff4c2; border: 2px solid #e0b400; }"
            " QLabel { color: #1b1b1b; }"
        )
        self.label = QLabel()
        self.label.setWordWrap(True)
        # Alt+T / Alt+D: the focus stays in the scan field (a scan's Enter must not answer)
        self.restore = QPushButton("Res&tore it")
        self.discard = QPushButton("&Discard")
        for button in (self.restore, self.discard):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.restore)
        layout.addWidget(self.discard)
        self.hide()

    def offer(self, text: str) -> None:
        self.label.setText(text + " (Alt+T restores it, Alt+D discards it)")
        self.show()


def history_input(record: DeliveryRecord, items: list[DeliveryItemResult]) -> DeliveryInput:
    """A posted delivery asked again with ``confirm_over_receipt``: the processor posts the
    items that waited (it reads them from the store; these only name the delivery)."""
    return DeliveryInput(
        delivery_id=record.delivery_id,
        warehouse_ref=record.warehouse_code,
        received_by=record.received_by,
        received_at=record.received_at,
        items=tuple(
            DeliveryLineInput(
                product_ref=str(i.product_id) if i.product_id else i.product_ref,
                quantity_received=i.quantity,
                serial_numbers=i.serial_numbers,
                lot=i.lot,
                expiry=i.expiry,
            )
            for i in items
        ),
        supplier_ref=record.supplier_code,
        purchase_order_ref=record.purchase_order_number,
        confirm_over_receipt=True,
    )
