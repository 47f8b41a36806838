"""The Purchase Orders tab's dialogs: a reason (required to reject, optional to cancel) and
the export file chooser. Opened with ``open()``; results arrive through ``finished``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

EXPORT_DIR_KEY = "purchase_orders/export_dir"


class ReasonDialog(QDialog):
    """A question with a reason box; when ``required`` the OK button waits for a reason."""

    def __init__(
        self,
        title: str,
        prompt: str,
        ok_text: str,
        *,
        required: bool,
        cancel_text: str = "Cancel",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.required = required
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (required)" if required else "Reason (optional)")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._on_text_changed)
        self._on_text_changed("")
        self.resize(460, self.sizeHint().height())

    def _on_text_changed(self, text: str) -> None:
        ok = bool(text.strip()) or not self.required
        self.ok_button.setEnabled(ok)
        self.ok_button.setToolTip("" if ok else "A reason is required")

    def text(self) -> str:
        return self.reason.text().strip()

    def accept(self) -> None:
        if self.text() or not self.required:  # Enter must not bypass the required reason
            super().accept()


def export_dialog(parent: QWidget, order_number: str, fmt: str) -> QFileDialog:
    """A save dialog named after the order, in the folder used last time."""
    folder = QSettings().value(EXPORT_DIR_KEY, str(Path.home()))
    kind = "PDF documents (*.pdf)" if fmt == "pdf" else "CSV files (*.csv)"
    dialog = QFileDialog(parent, f"Export {order_number} as {fmt.upper()}", str(folder), kind)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(fmt)
    dialog.selectFile(f"{order_number}.{fmt}")
    return dialog


def remember_export_dir(path: Path) -> None:
    QSettings().setValue(EXPORT_DIR_KEY, str(path.parent))
