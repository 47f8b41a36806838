"""The Suppliers dialog's CSV files: choosing one to import or export (a file dialog, opened
without blocking the loop) and the report of what happened (a message box)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from possync_gui.domain.suppliers import MappingImportReport

#: Rejected rows the import report lists in its text (all are in its details).
REPORT_SHOWN = 8
DEFAULT_NAME = "supplier-products.csv"


class CsvFiles(QObject):
    """Signals: ``import_chosen(object)`` and ``export_chosen(object)``, each with the
    :class:`Path` the user chose. ``file_dialog`` and ``report_box`` are the open ones."""

    import_chosen = Signal(object)
    export_chosen = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.file_dialog: QFileDialog | None = None
        self.report_box: QMessageBox | None = None

    def ask_import(self) -> None:
        self._ask("Import supplier products", save=False)

    def ask_export(self) -> None:
        self._ask("Export supplier products", save=True)

    def _ask(self, title: str, *, save: bool) -> None:
        if self.file_dialog is not None:
            self.file_dialog.raise_()
            return
        dialog = QFileDialog(self._parent, title, "", "CSV files (*.csv);;All files (*)")
        if save:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix("csv")
            dialog.selectFile(DEFAULT_NAME)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        chosen = self.export_chosen if save else self.import_chosen
        dialog.fileSelected.connect(lambda path: chosen.emit(Path(path)))
        dialog.finished.connect(lambda _r: self._on_file_dialog_finished(dialog))
        self.file_dialog = dialog
        dialog.open()

    def _on_file_dialog_finished(self, dialog: QFileDialog) -> None:
        if self.file_dialog is dialog:
            self.file_dialog = None
        dialog.deleteLater()

    def _report(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        if self.report_box is not None:
            self.report_box.close()
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent)
        box.finished.connect(lambda _r: self._on_report_closed(box))
        self.report_box = box
        return box

    def _on_report_closed(self, box: QMessageBox) -> None:
        if self.report_box is box:
            self.report_box = None
        box.deleteLater()

    def show_imported(self, report: MappingImportReport) -> None:
        """What an import did; the rejected rows with their row numbers and reasons."""
        text = (
            f"{report.rows:,} rows read: {report.added:,} added, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {len(report.rejected):,} rejected."
        )
        icon = QMessageBox.Icon.Warning if report.rejected else QMessageBox.Icon.Information
        box = self._report(icon, "Import supplier products", text)
        if report.rejected:
            lines = [f"Row {row}: {reason}" for row, reason in report.rejected]
            more = len(lines) - REPORT_SHOWN
            shown = "\n".join(lines[:REPORT_SHOWN]) + (f"\n… and {more} more" if more > 0 else "")
            box.setInformativeText(
                "These rows were not saved; the other rows were:\n" + shown
                if report.saved or report.unchanged
                else "Nothing was saved:\n" + shown
            )
            box.setDetailedText("\n".join(lines))
        box.open()

    def show_exported(self, path: str, written: int) -> None:
        text = f"Wrote {written:,} supplier products to {path}."
        self._report(QMessageBox.Icon.Information, "Export supplier products", text).open()
