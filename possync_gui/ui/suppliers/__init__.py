"""The Suppliers dialog: suppliers, their product mappings, and the mapping CSV.

Open it with ``SuppliersDialog(facade, operator, parent).show()`` (see ``dialog.py``)."""

from possync_gui.ui.suppliers.dialog import SuppliersDialog

__all__ = ["SuppliersDialog"]
