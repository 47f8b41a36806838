"""The add/edit forms of the Suppliers dialog: a supplier, and a supplier product mapping.

Neither does I/O: Save emits ``save_requested``; the dialog hands it to the presenter,
which answers with ``show_error`` (the form stays open, nothing typed is lost) or closes it.
The mapping form finds its product as a scanner or a person types it: SKU or barcode, then
Enter (``lookup_requested``), answered with ``show_product``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.records import Product
from possync_gui.domain.suppliers import (
    DEFAULT_LEAD_TIME_DAYS,
    MAX_LEAD_TIME_DAYS,
    SupplierFields,
    SupplierProductRecord,
    SupplierRecord,
)
from possync_gui.ui.suppliers.presenter import MappingDraft

ERROR_STYLE = "QLabel { background: #fde2e1; border: 1px solid #e5a1a0; padding: 6px; }"
_MAX_QUANTITY = 1_000_000


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class _Form(QDialog):
    """Save/Cancel, an error line, and Save disabled while the presenter works."""

    def __init__(self, title: str, on_save: Callable[[], None], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.error_label = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(on_save)
        self.buttons.rejected.connect(self.reject)
        #: Where the cursor starts when the form opens.
        self.first_field: QWidget = self.buttons

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.first_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _finish_layout(self, form: QFormLayout) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _saving(self) -> None:
        self.error_label.hide()
        self.save_button.setEnabled(False)
        self.save_button.setText("Saving…")

    def show_error(self, message: str) -> None:
        """What was refused: shown here; the form stays open with what was typed."""
        self.error_label.setText(message)
        self.error_label.show()
        self.save_button.setEnabled(True)
        self.save_button.setText("Save")


class SupplierForm(_Form):
    """Signals: ``save_requested(object)`` with the typed :class:`SupplierFields`."""

    save_requested = Signal(object)

    def __init__(self, supplier: SupplierRecord | None = None, parent: Any = None) -> None:
        title = f"Edit supplier — {supplier.code}" if supplier else "Add supplier"
        super().__init__(title, self._on_save_clicked, parent)
        self.supplier = supplier
        self.code = QLineEdit()
        self.code.setPlaceholderText("e.g. supplier-abc (used in files and on the command line)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. ABC Wholesale Supply")
        self.email = QLineEdit()
        self.email.setPlaceholderText("where purchase orders go, e.g. orders@abc.example")
        self.phone = QLineEdit()
        self.currency = QLineEdit("USD")
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(80)
        self.currency.setToolTip("The three-letter code of the currency its prices are in")
        form = QFormLayout()
        form.addRow("&Code:", self.code)
        form.addRow("&Name:", self.name)
        form.addRow("&Email:", self.email)
        form.addRow("&Phone:", self.phone)
        form.addRow("C&urrency:", self.currency)
        self._finish_layout(form)
        self.setMinimumWidth(520)
        if supplier is not None:
            self.code.setText(supplier.code)
            self.name.setText(supplier.name)
            self.email.setText(supplier.email or "")
            self.phone.setText(supplier.phone or "")
            self.currency.setText(supplier.currency)
        self.first_field = self.name if supplier else self.code

    def fields(self) -> SupplierFields:
        return SupplierFields(
            code=self.code.text(),
            name=self.name.text(),
            email=self.email.text() or None,
            phone=self.phone.text() or None,
            currency=self.currency.text(),
        )

    def _on_save_clicked(self) -> None:
        if self.save_button.isEnabled():
            self._saving()
            self.save_requested.emit(self.fields())


class MappingForm(_Form):
    """Signals: ``lookup_requested(str)`` (the SKU or barcode typed, on Enter) and
    ``save_requested(object)`` with the :class:`MappingDraft`.

    ``mapping`` edits an existing mapping (supplier and product fixed); otherwise
    ``supplier_id`` and ``product`` (its SKU and a description) pre-fill a new one."""

    lookup_requested = Signal(str)
    save_requested = Signal(object)

    def __init__(
        self,
        suppliers: list[SupplierRecord],
        *,
        mapping: SupplierProductRecord | None = None,
        supplier_id: uuid.UUID | None = None,
        product: tuple[str, str] | None = None,
        preferred: bool = False,
        parent: Any = None,
    ) -> None:
        title = (
            f"Edit {mapping.supplier_code} → {mapping.sku}" if mapping else "Add supplier product"
        )
        super().__init__(title, self._on_save_clicked, parent)
        self.mapping = mapping
        self.supplier = QComboBox()
        for s in suppliers:
            self.supplier.addItem(f"{s.code} — {s.name}", s.id)
        self.product = QLineEdit()
        self.product.setPlaceholderText("type or scan a SKU or barcode, then Enter")
        self.product_label = QLabel(" ")
        self.product_label.setWordWrap(True)
        self.supplier_sku = QLineEdit()
        self.supplier_sku.setPlaceholderText("the supplier's own code for it (optional)")
        self.unit_cost = QLineEdit()
        self.unit_cost.setPlaceholderText("e.g. 12.50")
        self.unit_cost.setMaximumWidth(160)
        self.lead_time = _spin(0, MAX_LEAD_TIME_DAYS, DEFAULT_LEAD_TIME_DAYS, " days")
        self.pack_size = _spin(1, _MAX_QUANTITY, 1, "")
        self.pack_size.setToolTip("Orders are rounded up to whole packs")
        self.min_order = _spin(0, _MAX_QUANTITY, 1, "")
        self.min_order.setToolTip("The least this supplier accepts per order line")
        self.preferred = QCheckBox("Preferred supplier for this product")
        self.preferred.setToolTip(
            "Purchase orders for the product go to its preferred supplier; choosing this one "
            "replaces any other"
        )
        self.preferred.setChecked(preferred)
        form = QFormLayout()
        form.addRow("&Supplier:", self.supplier)
        form.addRow("P&roduct:", self.product)
        form.addRow("", self.product_label)
        form.addRow("Supplier S&KU:", self.supplier_sku)
        form.addRow("&Unit cost:", self.unit_cost)
        form.addRow("&Lead time:", self.lead_time)
        form.addRow("&Pack size:", self.pack_size)
        form.addRow("&Minimum order:", self.min_order)
        form.addRow("", self.preferred)
        self._finish_layout(form)
        self.setMinimumWidth(560)
        self._fill(mapping, supplier_id, product)

    def _fill(
        self,
        mapping: SupplierProductRecord | None,
        supplier_id: uuid.UUID | None,
        product: tuple[str, str] | None,
    ) -> None:
        if mapping is not None:
            supplier_id = mapping.supplier_id
            self.product.setText(mapping.sku)
            self.product_label.setText(mapping.product_name)
            self.product.setEnabled(False)
            self.supplier.setEnabled(False)
            self.supplier_sku.setText(mapping.supplier_sku or "")
            self.unit_cost.setText(f"{mapping.unit_cost:.2f}")
            self.lead_time.setValue(mapping.lead_time_days)
            self.pack_size.setValue(mapping.pack_size)
            self.min_order.setValue(mapping.min_order_qty)
            self.preferred.setChecked(mapping.is_preferred)
        elif product is not None:
            sku, description = product
            self.product.setText(sku)
            self._show_found(description)
        if supplier_id is not None:
            self.supplier.setCurrentIndex(max(0, self.supplier.findData(supplier_id)))
        self.first_field = self.unit_cost if mapping or product else self.product

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the product field looks the product up (a scanner ends with Enter); it
        # must not also press Save.
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.focusWidget() is self.product:
            event.accept()
            self._on_lookup()
            return
        super().keyPressEvent(event)

    def _on_lookup(self) -> None:
        text = self.product.text().strip()
        if text:
            self.product_label.setText("Looking up…")
            self.lookup_requested.emit(text)

    def show_product(self, typed: str, product: Product | None) -> None:
        """The answer to a lookup: the product's name, or that there is none."""
        if typed.strip() != self.product.text().strip():
            return  # the field changed meanwhile; that text gets its own answer
        if product is None:
            self.product_label.setText(f"No product with SKU or barcode {typed.strip()!r}.")
            self.product_label.setStyleSheet("QLabel { color: #b3261e; }")
            return
        self.product.setText(product.sku)
        self._show_found(product.name + (f" · {product.barcode}" if product.barcode else ""))
        if product.unit_cost is not None and not self.unit_cost.text():
            self.unit_cost.setPlaceholderText(f"our last cost: {product.unit_cost:.2f}")
        self.unit_cost.setFocus()

    def _show_found(self, description: str) -> None:
        self.product_label.setText(description)
        self.product_label.setStyleSheet("QLabel { color: #1b6e35; }")

    def draft(self) -> MappingDraft:
        return MappingDraft(
            supplier_id=self.supplier.currentData(),
            product=self.product.text().strip(),
            unit_cost=self.unit_cost.text(),
            supplier_sku=self.supplier_sku.text() or None,
            lead_time_days=self.lead_time.value(),
            pack_size=self.pack_size.value(),
            min_order_qty=self.min_order.value(),
            preferred=self.preferred.isChecked(),
        )

    def _on_save_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        if self.supplier.currentData() is None:
            self.show_error("Add a supplier first: there is none to map the product to.")
            return
        if not self.product.text().strip():
            self.show_error("Type or scan the product's SKU or barcode first.")
            self.product.setFocus()
            return
        self._saving()
        self.save_requested.emit(self.draft())


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(160)
    spin.setGroupSeparatorShown(True)
    return spin
