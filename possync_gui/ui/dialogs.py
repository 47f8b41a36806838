"""Dialogs opened the non-blocking way every tab uses (no ``exec()`` inside a coroutine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)


def run_dialog(dialog: D, on_accept: Callable[[D], object]) -> None:
    """Open ``dialog`` window-modally; call ``on_accept(dialog)`` if it is accepted."""

    def finished(result: int) -> None:
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            on_accept(dialog)

    dialog.finished.connect(finished)
    dialog.open()
