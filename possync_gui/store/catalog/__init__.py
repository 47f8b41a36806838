"""The product catalog CSV of DESIGN.md §10: import, export and the product list.

Columns (a header row, any case and order): ``sku, name, barcode, unit_cost, warehouse,
on_hand, minimum_stock, reorder_point, reorder_quantity, preferred_supplier`` (a supplier
code). Only ``sku`` is required, and ``name`` for a new product; an empty cell leaves the
stored value alone, so a file of ``sku, warehouse, on_hand`` is a stock count. An
``on_hand`` is written to the ledger as a ``count`` movement of the difference.
"""

from possync_gui.store.catalog.importer import (
    BATCH_SIZE,
    IMPORT_REFERENCE,
    ImportReport,
    import_csv,
)
from possync_gui.store.catalog.queries import count_products, export_csv, list_products
from possync_gui.store.catalog.reading import COLUMNS

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "IMPORT_REFERENCE",
    "ImportReport",
    "count_products",
    "export_csv",
    "import_csv",
    "list_products",
]
