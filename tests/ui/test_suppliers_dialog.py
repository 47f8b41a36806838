"""The Suppliers dialog on a small demo store, driven as a buyer would: typing a SKU, Enter,
the "without a preferred supplier" filter, the CSV buttons, confirmations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from possync_gui.domain.suppliers import MAPPING_COLUMNS
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database, open_database
from possync_gui.store.demo import seed_demo
from possync_gui.ui.suppliers import SuppliersDialog
from possync_gui.ui.suppliers.forms import MappingForm, SupplierForm
from possync_gui.ui.suppliers.model import ROW_ROLE, MappingColumn
from possync_gui.ui.suppliers.panels import select_where


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("suppliers") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    db = open_database(url)
    seed_demo(db, products=150, warehouses=1, history_days=7, seed=11)
    db.dispose()
    return url


@pytest.fixture
def store(demo_url: str, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the module's demo store."""
    dst = tmp_path / "store.sqlite3"
    dst.write_bytes(Path(demo_url.removeprefix("sqlite:///")).read_bytes())
    db = open_database(f"sqlite:///{dst}")
    yield db
    db.dispose()


@pytest.fixture
def facade(store: Database) -> InventorySyncService:
    return InventorySyncService(store)


@pytest.fixture
def dialog(qtbot: Any, qloop: Any, facade: InventorySyncService) -> SuppliersDialog:
    dlg = SuppliersDialog(facade, "tester")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    _activate(qtbot, dlg)
    _settle(qtbot, dlg)
    assert dlg.presenter.suppliers_model.rowCount() == 4
    return dlg


def _settle(qtbot: Any, dlg: SuppliersDialog) -> None:
    """Wait until the dialog's work is done (nothing is loading or saving)."""
    qtbot.waitUntil(lambda: not dlg.busy.isVisible() and not dlg.presenter.tasks._tasks)


def _select_supplier(qtbot: Any, dlg: SuppliersDialog, code: str) -> None:
    assert select_where(dlg.suppliers.table, lambda r: r is not None and r.code == code)
    qtbot.waitUntil(lambda: dlg.mappings.title.text() != "No supplier selected")
    _settle(qtbot, dlg)
    rows = dlg.presenter.mappings_model.rows()
    assert rows and all(r.supplier_code == code for r in rows)


def _type(qtbot: Any, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def _form(qtbot: Any, dlg: SuppliersDialog, kind: type[Any]) -> Any:
    """The form that just opened, once it is the active window (as a window manager makes
    it; keys typed then go to it, not to the dialog's shortcuts)."""
    qtbot.waitUntil(lambda: isinstance(dlg.form, kind) and dlg.form.isVisible())
    form = dlg.form
    _activate(qtbot, form)
    return form


def _activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _wait_form_closed(qtbot: Any, dlg: SuppliersDialog) -> None:
    qtbot.waitUntil(lambda: dlg.form is None)
    _settle(qtbot, dlg)
    _activate(qtbot, dlg)


def _choose_file(qtbot: Any, dlg: SuppliersDialog, path: Path) -> None:
    qtbot.waitUntil(lambda: dlg.files.file_dialog is not None and dlg.files.file_dialog.isVisible())
    file_dialog = dlg.files.file_dialog
    assert isinstance(file_dialog, QFileDialog)
    file_dialog.selectFile(str(path))
    file_dialog.accept()


def _confirm(qtbot: Any, dlg: SuppliersDialog) -> QMessageBox:
    qtbot.waitUntil(lambda: dlg.findChild(QMessageBox) is not None)
    box = dlg.findChild(QMessageBox)
    assert isinstance(box, QMessageBox)
    return box


def test_the_dialog_lists_the_suppliers_and_the_first_ones_products(
    qtbot: Any, qtmodeltester: Any, dialog: SuppliersDialog, run_async: Any
) -> None:
    p = dialog.presenter
    codes = [s.code for s in p.suppliers()]
    assert codes == ["supplier-abc", "supplier-contoso", "supplier-globex", "supplier-northwind"]
    first = dialog.suppliers.selected()
    assert first is not None and first.code == "supplier-abc"
    assert dialog.mappings.title.text() == "ABC Wholesale Supply"
    assert p.mappings_model.rowCount() == first.product_count > 0
    assert dialog.mappings.count.text() == (
        f"{first.product_count} products, preferred for {first.preferred_count}"
    )
    total = run_async(dialog.presenter._facade.count_products_without_preferred_supplier())
    assert total > 0  # the demo has products no supplier carries
    assert dialog.unassigned_toggle.text().endswith(f"({total})")
    for model in (p.suppliers_model, p.mappings_model, p.unassigned_model):
        qtmodeltester.check(model, force_py=True)

    # Sortable: by unit cost, highest first.
    dialog.mappings.table.sortByColumn(MappingColumn.UNIT_COST, Qt.SortOrder.DescendingOrder)
    proxy = dialog.mappings.proxy
    costs = [proxy.index(r, 0).data(ROW_ROLE).unit_cost for r in range(proxy.rowCount())]
    assert costs == sorted(costs, reverse=True)

    # Ctrl+F then typing narrows the suppliers.
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.suppliers.search.hasFocus()
    qtbot.keyClicks(dialog.suppliers.search, "northwind")
    qtbot.waitUntil(lambda: [s.code for s in p.suppliers()] == ["supplier-northwind"])
    qtbot.waitUntil(lambda: dialog.mappings.title.text() == "Northwind Traders")


def test_a_product_is_added_to_a_supplier_by_typing_its_sku(
    qtbot: Any, dialog: SuppliersDialog, run_async: Any
) -> None:
    facade: InventorySyncService = dialog.presenter._facade
    product = run_async(facade.products_without_preferred_supplier())[0]
    _select_supplier(qtbot, dialog, "supplier-globex")
    dialog.mappings.table.setFocus()
    qtbot.keyClick(dialog.mappings.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = _form(qtbot, dialog, MappingForm)
    assert form.supplier.currentText().startswith("supplier-globex")
    qtbot.waitUntil(form.product.hasFocus)

    qtbot.keyClicks(form.product, product.sku.lower())  # as typed, not yet known
    qtbot.keyClick(form.product, Qt.Key.Key_Return)  # looks it up; does not save
    qtbot.waitUntil(lambda: form.product_label.text().startswith(product.name))
    assert form.isVisible() and form.product.text() == product.sku
    assert form.unit_cost.hasFocus()
    qtbot.keyClicks(form.unit_cost, "4.2")
    _type(qtbot, form.supplier_sku, "GBX-NEW")
    form.pack_size.setValue(6)
    form.preferred.setChecked(True)
    qtbot.keyClick(form.supplier_sku, Qt.Key.Key_Return)  # Enter saves
    _wait_form_closed(qtbot, dialog)

    rows = {r.sku: r for r in dialog.presenter.mappings_model.rows()}
    added = rows[product.sku]
    assert (str(added.unit_cost), added.supplier_sku, added.pack_size, added.is_preferred) == (
        "4.20",
        "GBX-NEW",
        6,
        True,
    )
    current = dialog.mappings.table.currentIndex().data(ROW_ROLE)
    assert current.sku == product.sku  # the new row is selected
    assert product.sku not in {p.sku for p in dialog.presenter.unassigned_model.rows()}
    assert "Saved supplier-globex → " in dialog.status.text()


def test_a_refused_mapping_keeps_the_form_open_with_what_was_typed(
    qtbot: Any, dialog: SuppliersDialog
) -> None:
    qtbot.mouseClick(dialog.mappings.add_button, Qt.MouseButton.LeftButton)
    form = _form(qtbot, dialog, MappingForm)
    qtbot.keyClicks(form.product, "NO-SUCH-SKU")
    qtbot.keyClick(form.product, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: "No product with SKU or barcode 'NO-SUCH-SKU'" in form.product_label.text()
    )
    _type(qtbot, form.unit_cost, "1.999")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(form.error_label.isVisible)
    assert "has more than two decimals" in form.error_label.text()
    assert (form.product.text(), form.unit_cost.text()) == ("NO-SUCH-SKU", "1.999")
    assert form.save_button.isEnabled()
    _type(qtbot, form.unit_cost, "1.99")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No product with SKU or barcode" in form.error_label.text())
    assert form.isVisible()
    form.reject()
    _wait_form_closed(qtbot, dialog)


def test_the_unassigned_filter_lists_them_and_assigns_one(
    qtbot: Any, dialog: SuppliersDialog, run_async: Any
) -> None:
    facade: InventorySyncService = dialog.presenter._facade
    before = run_async(facade.count_products_without_preferred_supplier())
    _select_supplier(qtbot, dialog, "supplier-contoso")
    qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert dialog.unassigned_toggle.isChecked() and dialog.showing_unassigned()
    _settle(qtbot, dialog)
    listed = dialog.presenter.unassigned_model.rows()
    assert len(listed) == before
    assert all(p.offered_by == 0 for p in listed)  # the demo's are carried by nobody
    assert dialog.unassigned.count.text() == f"{before} products"
    target = dialog.unassigned.table.currentIndex().data(ROW_ROLE)
    assert target is not None

    dialog.unassigned.table.setFocus()
    qtbot.keyClick(dialog.unassigned.table, Qt.Key.Key_Return)
    form = _form(qtbot, dialog, MappingForm)
    assert form.product.text() == target.sku and form.product_label.text() == target.name
    assert form.supplier.currentText().startswith("supplier-contoso")
    assert form.preferred.isChecked()
    qtbot.waitUntil(form.unit_cost.hasFocus)
    qtbot.keyClicks(form.unit_cost, "12.50")
    qtbot.keyClick(form.unit_cost, Qt.Key.Key_Return)
    _wait_form_closed(qtbot, dialog)

    assert target.sku not in {p.sku for p in dialog.presenter.unassigned_model.rows()}
    assert dialog.unassigned_toggle.text().endswith(f"({before - 1})")
    assert [
        r.supplier_code for r in run_async(facade.list_supplier_mappings(product=target.sku))
    ] == ["supplier-contoso"]
    # Searching narrows the products; Ctrl+F in this view goes to the product search.
    dialog.unassigned.table.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.unassigned.search.hasFocus()
    other = dialog.presenter.unassigned_model.rows()[0]
    qtbot.keyClicks(dialog.unassigned.search, other.sku)
    qtbot.waitUntil(
        lambda: [p.sku for p in dialog.presenter.unassigned_model.rows()] == [other.sku]
    )
    qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.showing_unassigned()


def test_export_writes_every_mapping_to_the_chosen_file(
    qtbot: Any, dialog: SuppliersDialog, run_async: Any, tmp_path: Path
) -> None:
    path = tmp_path / "mappings.csv"
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _choose_file(qtbot, dialog, path)
    qtbot.waitUntil(
        lambda: dialog.files.report_box is not None and dialog.files.report_box.isVisible()
    )
    total = sum(s.product_count for s in dialog.presenter.suppliers())
    assert dialog.files.report_box is not None
    assert dialog.files.report_box.text() == f"Wrote {total} supplier products to {path}."
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(MAPPING_COLUMNS)
    assert len(lines) == total + 1
    assert lines[1].startswith("supplier-abc,") and lines[-1].startswith("supplier-northwind,")
    rows = run_async(dialog.presenter._facade.list_supplier_mappings("supplier-abc"))
    first = rows[0]
    preferred = "yes" if first.is_preferred else "no"
    assert lines[1] == (
        f"supplier-abc,{first.sku},{first.supplier_sku},{first.unit_cost:.2f},"
        f"{first.lead_time_days},{first.pack_size},{first.min_order_qty},{preferred}"
    )
    dialog.files.report_box.accept()
    qtbot.waitUntil(lambda: dialog.files.report_box is None)


def test_import_reports_rejected_rows_and_saves_the_rest(
    qtbot: Any, dialog: SuppliersDialog, run_async: Any, tmp_path: Path
) -> None:
    facade: InventorySyncService = dialog.presenter._facade
    product = run_async(facade.products_without_preferred_supplier())[0]
    path = tmp_path / "in.csv"
    path.write_text(
        ",".join(MAPPING_COLUMNS)
        + f"\nsupplier-abc,{product.sku},ABC-X,3.10,5,1,1,yes\nsupplier-zzz,{product.sku},,1,,,,\n",
        encoding="utf-8",
    )
    qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    _choose_file(qtbot, dialog, path)
    qtbot.waitUntil(
        lambda: dialog.files.report_box is not None and dialog.files.report_box.isVisible()
    )
    box = dialog.files.report_box
    assert box is not None
    assert box.text() == "2 rows read: 1 added, 0 updated, 0 unchanged, 1 rejected."
    assert "Row 3: unknown supplier 'supplier-zzz'" in box.informativeText()
    assert "the other rows were" in box.informativeText()
    _settle(qtbot, dialog)
    assert product.sku in {r.sku for r in dialog.presenter.mappings_model.rows()}  # abc shown
    assert product.sku not in {p.sku for p in dialog.presenter.unassigned_model.rows()}
    box.accept()


def test_suppliers_are_added_refused_and_removed_with_confirmation(
    qtbot: Any, dialog: SuppliersDialog
) -> None:
    qtbot.keyClick(
        dialog,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    form = _form(qtbot, dialog, SupplierForm)
    qtbot.keyClicks(form.code, "supplier-new")
    _type(qtbot, form.name, "New Supply Co")
    _type(qtbot, form.email, "orders-at-new")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    qtbot.waitUntil(form.error_label.isVisible)
    assert "'orders-at-new' is not an email address" in form.error_label.text()
    assert form.name.text() == "New Supply Co"  # nothing typed is lost
    _type(qtbot, form.email, "orders@new.example")
    _type(qtbot, form.currency, "eur")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)
    _wait_form_closed(qtbot, dialog)
    added = dialog.suppliers.selected()
    assert added is not None and (added.code, added.currency) == ("supplier-new", "EUR")
    assert dialog.mappings.title.text() == "New Supply Co"
    assert dialog.mappings.count.text().startswith("No products yet")

    # Delete asks first; Yes removes it.
    dialog.suppliers.table.setFocus()
    qtbot.keyClick(dialog.suppliers.table, Qt.Key.Key_Delete)
    box = _confirm(qtbot, dialog)
    assert "Remove New Supply Co (supplier-new)?" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: len(dialog.presenter.suppliers()) == 4)
    _activate(qtbot, dialog)
    assert "Removed supplier supplier-new" in dialog.status.text()

    # A demo supplier has deliveries on record: refused, and said so in the dialog.
    _select_supplier(qtbot, dialog, "supplier-abc")
    dialog.suppliers.table.setFocus()
    qtbot.keyClick(dialog.suppliers.table, Qt.Key.Key_Delete)
    _confirm(qtbot, dialog).button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(dialog.error_label.isVisible)
    assert "Supplier supplier-abc has" in dialog.error_label.text()
    assert "cannot be removed" in dialog.error_label.text()
    assert len(dialog.presenter.suppliers()) == 4


def test_a_mapping_is_edited_with_enter_and_removed_with_delete(
    qtbot: Any, dialog: SuppliersDialog
) -> None:
    table = dialog.mappings.table
    table.setFocus()
    mapping = table.currentIndex().data(ROW_ROLE)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    form = _form(qtbot, dialog, MappingForm)
    assert not form.product.isEnabled() and not form.supplier.isEnabled()
    assert form.unit_cost.text() == f"{mapping.unit_cost:.2f}"
    form.lead_time.setValue(11)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    _wait_form_closed(qtbot, dialog)
    changed = {r.id: r for r in dialog.presenter.mappings_model.rows()}[mapping.id]
    assert changed.lead_time_days == 11

    select_where(table, lambda r: r is not None and r.id == mapping.id)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    box = _confirm(qtbot, dialog)
    assert f"no longer sells {mapping.sku}" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(
        lambda: mapping.id not in {r.id for r in dialog.presenter.mappings_model.rows()}
    )


def test_screenshot(qtbot: Any, dialog: SuppliersDialog, tmp_path: Path) -> None:
    """The dialog renders offscreen with content in both panes (kept for a look by eye)."""
    image = dialog.grab()
    assert image.width() >= 1000 and image.height() >= 600
    assert image.save(str(tmp_path / "suppliers.png"))
