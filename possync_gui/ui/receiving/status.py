"""What the Receiving tab says about the scanning: the banner under the scan field (what the
last scan did, a red warning, a yellow serial prompt), the live counters, and the bar that
offers to restore a board a crash left."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from possync_gui.domain.receiving import (
    DeliveryInput,
    DeliveryItemResult,
    DeliveryLineInput,
    DeliveryRecord,
)
from possync_gui.domain.scan_board import Counters, ScanBoard

STYLES = {
    "notice": "background: #e3f1e4; color: #16401d; border: 1px solid #a9d3ad;",
    "warning": "background: #fde2e1; color: #7a1410; border: 2px solid #d9534f; font-weight: bold;",
    "prompt": "background: #fff4c2; color: #5c4400; border: 2px solid #e0b400; font-weight: bold;",
    "idle": "background: #f2f2f2; color: #444; border: 1px solid #ddd;",
}


class Banner(QLabel):
    """One line under the scan field; ``kind`` says which style it has now."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setMinimumHeight(34)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = "idle"
        self._set("idle", "Ready: scan a purchase order number or an item.")

    def _set(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setStyleSheet(f"QLabel {{ {STYLES[kind]} padding: 6px 10px; border-radius: 3px; }}")
        self.setText(text)

    def notice(self, text: str) -> None:
        self._set("notice", text)

    def warning(self, text: str) -> None:
        self._set("warning", "⚠ " + text)


class PromptBar(QLabel):
    """Yellow, above the banner, while the tab waits for serial numbers."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"QLabel {{ {STYLES['prompt']} padding: 6px 10px; }}")
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
        self.labels: dict[str, QLabel] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        for key, _words in self.NAMES:
            label = QLabel()
            label.setTextFormat(Qt.TextFormat.RichText)
            self.labels[key] = label
            layout.addWidget(label)
        layout.addStretch(1)

    def show_counters(self, c: Counters, board: ScanBoard) -> None:
        values = {
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
        for key, words in self.NAMES:
            bad = key in self.PROBLEMS and numbers.get(key, 0) > 0
            colour = "#b3261e" if bad else "#222"
            self.labels[key].setText(
                f"<span style='color:#666'>{words}</span> "
                f"<b style='color:{colour}; font-size:12pt'>{values[key]}</b>"
            )
        codes = board.unknown_codes[-20:]
        self.labels["unknown"].setToolTip(
            "Codes no product has:\n" + "\n".join(codes) if codes else "No unknown codes"
        )

    def value(self, key: str) -> str:
        """The number shown for ``key`` (for tests and screen readers)."""
        text = self.labels[key].text()
        return text.rsplit("'>", 1)[-1].removesuffix("</b>")


class RestoreBar(QFrame):
    """ "An unposted delivery was found": Restore / Discard."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("RestoreBar { background: #fff4c2; border: 2px solid #e0b400; }")
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
