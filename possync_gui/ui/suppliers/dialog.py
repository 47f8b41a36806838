"""The Suppliers dialog: suppliers on the left, the selected one's products on the right (or
the products without a preferred supplier), the mapping CSV below.

How to open it (non-modal; keep one instance and show it again)::

    if self._suppliers is None:
        self._suppliers = SuppliersDialog(facade, operator, parent=self)
    self._suppliers.show()
    self._suppliers.raise_()
    self._suppliers.activateWindow()

It loads when shown and cancels its work when hidden. A plain synchronous widget: the
presenter does the work. Keyboard first: Ctrl+F search, Enter edits (or assigns), Delete
removes (after a confirmation), Ctrl+N adds a product to the supplier (or assigns one),
Ctrl+Shift+N adds a supplier, Ctrl+U shows the products without a preferred supplier,
Ctrl+I / Ctrl+E import / export the CSV, F5 reloads, Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
)

from possync_gui.domain.suppliers import SupplierProductRecord
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.suppliers.files import CsvFiles
from possync_gui.ui.suppliers.forms import ERROR_STYLE, MappingForm, SupplierForm
from possync_gui.ui.suppliers.model import ROW_ROLE
from possync_gui.ui.suppliers.panels import (
    HINT_STYLE,
    MappingPanel,
    SupplierListPanel,
    UnassignedPanel,
    button,
    current_record,
    select_where,
)
from possync_gui.ui.suppliers.presenter import SuppliersPresenter

TOGGLE_STYLE = (
    "QPushButton { padding: 4px 12px; }"
    "QPushButton:checked { background: #d7e6f8; border: 1px solid #6d9bd1; border-radius: 3px; }"
)


class SuppliersDialog(QDialog):
    """Manage suppliers and what each sells us (the supplier product mappings).

    ``operator`` is the person at the desk, shown in the title. No signals of its own: what
    it changes reaches other screens through the facade's ``CatalogChanged``."""

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.operator = operator
        self.setWindowTitle(f"Suppliers — {operator}")
        self.setModal(False)
        self.presenter = SuppliersPresenter(facade, self)
        p = self.presenter
        self.suppliers = SupplierListPanel(p.suppliers_model)
        self.mappings = MappingPanel(p.mappings_model)
        self.unassigned = UnassignedPanel(p.unassigned_model)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.mappings)
        self.stack.addWidget(self.unassigned)
        self.unassigned_toggle = button(
            "Products without a preferred supplier",
            "List the products purchase orders cannot be drafted for (Ctrl+U)",
        )
        self.unassigned_toggle.setCheckable(True)
        self.unassigned_toggle.setStyleSheet(TOGGLE_STYLE)
        self.import_button = button("Import CSV…", "Import supplier products from CSV (Ctrl+I)")
        self.export_button = button("Export CSV…", "Write every supplier's products (Ctrl+E)")
        self.close_button = button("Close", "Close this window (Esc)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.status = QLabel("")
        self.status.setStyleSheet(HINT_STYLE)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.form: SupplierForm | MappingForm | None = None
        #: The mapping to keep current across reloads (the one the user was on, or saved).
        self._mapping_focus: Any = None
        self.files = CsvFiles(self)
        self._build_layout()
        self._connect()
        self._update_actions()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        top.addStretch(1)
        top.addWidget(self.unassigned_toggle)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.suppliers)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([440, 900])
        splitter.setChildrenCollapsible(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)
        self.resize(1340, 720)

    def _connect(self) -> None:
        p = self.presenter
        s, mp, un = self.suppliers, self.mappings, self.unassigned
        s.search.textChanged.connect(p.set_search)
        s.search.returnPressed.connect(s.table.setFocus)
        s.table.selectionModel().currentRowChanged.connect(self._on_supplier_changed)
        s.table.doubleClicked.connect(lambda _i: self._on_edit_supplier())
        s.add_button.clicked.connect(self._on_add_supplier)
        s.edit_button.clicked.connect(self._on_edit_supplier)
        s.remove_button.clicked.connect(self._on_remove_supplier)
        mp.table.doubleClicked.connect(lambda _i: self._on_edit_mapping())
        mp.table.selectionModel().currentRowChanged.connect(self._on_mapping_changed)
        mp.add_button.clicked.connect(self._on_add_mapping)
        mp.edit_button.clicked.connect(self._on_edit_mapping)
        mp.remove_button.clicked.connect(self._on_remove_mapping)
        un.search.textChanged.connect(p.set_product_search)
        un.search.returnPressed.connect(un.table.setFocus)
        un.table.doubleClicked.connect(lambda _i: self._on_assign())
        un.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_actions())
        un.assign_button.clicked.connect(self._on_assign)
        self.unassigned_toggle.toggled.connect(self._on_toggle_unassigned)
        self.import_button.clicked.connect(self.files.ask_import)
        self.export_button.clicked.connect(self.files.ask_export)
        self.files.import_chosen.connect(lambda path: p.tasks.run("import", p.import_csv(path)))
        self.files.export_chosen.connect(lambda path: p.tasks.run("export", p.export_csv(path)))
        self.close_button.clicked.connect(self.close)
        p.busy_changed.connect(self.busy.setVisible)
        p.error.connect(self._show_error)
        p.message.connect(self._show_message)
        p.suppliers_loaded.connect(self._on_suppliers_loaded)
        p.mappings_loaded.connect(self._on_mappings_loaded)
        p.unassigned_loaded.connect(self._on_unassigned_loaded)
        p.supplier_saved.connect(self._on_saved)
        p.mapping_saved.connect(self._on_saved)
        p.supplier_save_failed.connect(self._on_save_failed)
        p.mapping_save_failed.connect(self._on_save_failed)
        p.product_found.connect(self._on_product_found)
        p.imported.connect(self.files.show_imported)
        p.exported.connect(self.files.show_exported)
        self._shortcuts()

    def _shortcuts(self) -> None:
        p = self.presenter
        for keys, slot in (
            ("Ctrl+F", self.focus_search),
            ("Ctrl+N", self._on_add_in_view),
            ("Ctrl+Shift+N", self._on_add_supplier),
            ("Ctrl+U", self.unassigned_toggle.toggle),
            ("Ctrl+I", self.files.ask_import),
            ("Ctrl+E", self.files.ask_export),
            ("F5", lambda: p.tasks.run("refresh", p.refresh())),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        on_table = Qt.ShortcutContext.WidgetShortcut
        tables: tuple[tuple[Any, Callable[[], None], Callable[[], None] | None], ...] = (
            (self.suppliers.table, self._on_edit_supplier, self._on_remove_supplier),
            (self.mappings.table, self._on_edit_mapping, self._on_remove_mapping),
            (self.unassigned.table, self._on_assign, None),
        )
        for view, edit, remove in tables:
            bindings = [(k, edit) for k in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2)]
            if remove is not None:
                bindings.append((Qt.Key.Key_Delete, remove))
            for key, action in bindings:
                # setContext, not the constructor's ``context=``: PySide6 ignores that
                # keyword next to a callable, and three tables' Enter would then clash.
                shortcut = QShortcut(QKeySequence(key), view)
                shortcut.setContext(on_table)
                shortcut.activated.connect(action)

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.tasks.run("refresh", self.presenter.refresh())
        self.suppliers.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.shutdown()

    # -- views and selection ---------------------------------------------------------------
    def showing_unassigned(self) -> bool:
        return self.stack.currentWidget() is self.unassigned

    def focus_search(self) -> None:
        in_left = self.suppliers.isAncestorOf(self.focusWidget() or self)
        field = (
            self.unassigned.search
            if self.showing_unassigned() and not in_left
            else self.suppliers.search
        )
        field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        field.selectAll()

    def _on_toggle_unassigned(self, on: bool) -> None:
        self.stack.setCurrentWidget(self.unassigned if on else self.mappings)
        (self.unassigned.table if on else self.mappings.table).setFocus()
        if on:
            self.presenter.tasks.run("unassigned", self.presenter.load_unassigned())
        self._update_actions()

    def _on_supplier_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        supplier = self.suppliers.selected() if current.isValid() else None
        self.mappings.show_supplier(supplier)
        self.presenter.select(supplier.id if supplier else None)
        self._update_actions()

    def _on_suppliers_loaded(self, count: int) -> None:
        s = self.suppliers
        total = "1 supplier" if count == 1 else f"{count:,} suppliers"
        s.count.setText(total if count or s.search.text() else "No suppliers yet — Add… one")
        wanted = self.presenter.selected
        if not select_where(s.table, lambda r: r is not None and r.id == wanted):
            if s.proxy.rowCount():
                s.table.selectRow(0)
            else:
                self.mappings.show_supplier(None)
                self.presenter.select(None)
        self.mappings.show_supplier(s.selected())
        self._update_actions()

    def _on_mappings_loaded(self, _supplier_id: Any) -> None:
        rows = self.presenter.mappings_model.rows()
        preferred = sum(1 for r in rows if r.is_preferred)
        self.mappings.count.setText(
            f"{len(rows):,} products, preferred for {preferred:,}"
            if rows
            else "No products yet — Add product… (Ctrl+N) or Import CSV…"
        )
        view = self.mappings.table
        focus = self._mapping_focus
        found = select_where(view, lambda r: r is not None and r.id == focus)
        if not found and not view.currentIndex().isValid() and view.model().rowCount():
            view.selectRow(0)
        self._update_actions()

    def _on_mapping_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():  # a reload clears the current row; the focus stays
            self._mapping_focus = current.data(ROW_ROLE).id
        self._update_actions()

    def _on_unassigned_loaded(self, shown: int, total: int) -> None:
        label = "Products without a preferred supplier"
        self.unassigned_toggle.setText(f"{label} ({total:,})")
        self.unassigned.count.setText(
            f"{total:,} products" + (f", first {shown:,} shown" if total > shown else "")
            if total
            else "Every product has a preferred supplier."
        )
        view = self.unassigned.table
        if not view.currentIndex().isValid() and view.model().rowCount():
            view.selectRow(0)
        self._update_actions()

    def _update_actions(self) -> None:
        supplier = self.suppliers.selected()
        self.suppliers.edit_button.setEnabled(supplier is not None)
        self.suppliers.remove_button.setEnabled(supplier is not None)
        self.mappings.add_button.setEnabled(supplier is not None)
        mapping = current_record(self.mappings.table)
        self.mappings.edit_button.setEnabled(mapping is not None)
        self.mappings.remove_button.setEnabled(mapping is not None)
        has_suppliers = self.presenter.suppliers_model.rowCount() > 0
        product = current_record(self.unassigned.table)
        self.unassigned.assign_button.setEnabled(product is not None and has_suppliers)

    # -- messages --------------------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _show_message(self, text: str) -> None:
        self.error_label.hide()
        self.status.setText(text)

    # -- forms -----------------------------------------------------------------------------
    def _open_form(self, form: SupplierForm | MappingForm) -> None:
        if self.form is not None:
            form.deleteLater()
            self.form.raise_()
            return
        p = self.presenter
        if isinstance(form, SupplierForm):
            target = form.supplier.id if form.supplier else None
            form.save_requested.connect(
                lambda fields: p.tasks.run("save", p.save_supplier(target, fields))
            )
        else:
            form.save_requested.connect(lambda draft: p.tasks.run("save", p.save_mapping(draft)))
            form.lookup_requested.connect(lambda text: p.tasks.run("lookup", p.find_product(text)))
        form.finished.connect(lambda _result: self._on_form_finished(form))
        self.form = form
        form.open()

    def _on_form_finished(self, form: QDialog) -> None:
        if self.form is form:
            self.form = None
        form.deleteLater()

    def _on_saved(self, saved: Any) -> None:
        if self.form is not None:
            self.form.accept()
        if isinstance(saved, SupplierProductRecord):
            self._mapping_focus = saved.id  # selected when the reload that follows lands

    def _on_save_failed(self, text: str) -> None:
        if self.form is not None:
            self.form.show_error(text)
        else:
            self._show_error(text)

    def _on_product_found(self, typed: str, product: Any) -> None:
        if isinstance(self.form, MappingForm):
            self.form.show_product(typed, product)

    def _on_add_supplier(self) -> None:
        self._open_form(SupplierForm(None, self))

    def _on_edit_supplier(self) -> None:
        supplier = self.suppliers.selected()
        if supplier is not None:
            self._open_form(SupplierForm(supplier, self))

    def _on_add_in_view(self) -> None:
        if self.showing_unassigned():
            self._on_assign()
        else:
            self._on_add_mapping()

    def _on_add_mapping(self) -> None:
        supplier = self.suppliers.selected()
        if supplier is None:
            self._show_error("Select or add a supplier first.")
            return
        suppliers = self.presenter.suppliers()
        self._open_form(MappingForm(suppliers, supplier_id=supplier.id, parent=self))

    def _on_edit_mapping(self) -> None:
        mapping: SupplierProductRecord | None = current_record(self.mappings.table)
        if mapping is not None:
            self._open_form(MappingForm(self.presenter.suppliers(), mapping=mapping, parent=self))

    def _on_assign(self) -> None:
        product = current_record(self.unassigned.table)
        if product is None:
            return
        if not self.presenter.suppliers():
            self._show_error("Add a supplier first: there is none to assign the product to.")
            return
        supplier = self.suppliers.selected()
        form = MappingForm(
            self.presenter.suppliers(),
            supplier_id=supplier.id if supplier else None,
            product=(product.sku, product.name),
            preferred=True,
            parent=self,
        )
        self._open_form(form)

    # -- removing --------------------------------------------------------------------------
    def _confirm(self, title: str, text: str, on_yes: Callable[[], object]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(result: int) -> None:
            box.deleteLater()
            if result == QMessageBox.StandardButton.Yes:
                on_yes()

        box.finished.connect(answered)
        box.open()

    def _on_remove_supplier(self) -> None:
        supplier = self.suppliers.selected()
        if supplier is None:
            return
        p = self.presenter
        count = supplier.product_count
        self._confirm(
            "Remove supplier",
            f"Remove {supplier.name} ({supplier.code})? Its {count:,} product "
            f"{'mapping' if count == 1 else 'mappings'} go with it. A supplier with purchase "
            "orders or deliveries on record is kept.",
            lambda: p.tasks.run("remove", p.remove_supplier(supplier.id)),
        )

    def _on_remove_mapping(self) -> None:
        mapping: SupplierProductRecord | None = current_record(self.mappings.table)
        if mapping is None:
            return
        p = self.presenter
        extra = (
            " It is the product's preferred supplier: the product will have none."
            if mapping.is_preferred
            else ""
        )
        self._confirm(
            "Remove product",
            f"{mapping.supplier_code} no longer sells {mapping.sku} ({mapping.product_name})?"
            + extra,
            lambda: p.tasks.run("remove", p.remove_mapping(mapping.id)),
        )
