"""Table models of the Suppliers dialog: suppliers, one supplier's mappings, and products
without a preferred supplier. Each holds immutable snapshots; ``data()`` does no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from possync_gui.domain.suppliers import (
    SupplierProductRecord,
    SupplierRecord,
    UnassignedProduct,
)

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")

#: The record behind an index.
ROW_ROLE = Qt.ItemDataRole.UserRole
#: What the proxy sorts by: numbers as numbers, text without case.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_PREFERRED_COLOUR = QColor("#1b6e35")
_MUTED = QColor("#6b6b6b")


@dataclass(frozen=True, slots=True)
class ColumnSpec(Generic[R]):
    """One column: its header, its text, and what it sorts by (the text when None)."""

    header: str
    text: Callable[[R], str]
    sort: Callable[[R], Any] | None = None
    numeric: bool = False
    tooltip: Callable[[R], str | None] | None = None


class RecordsModel(QAbstractTableModel, Generic[R]):
    """Rows of frozen records with declared columns."""

    def __init__(self, columns: Sequence[ColumnSpec[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        spec = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.text(row)
        if role == SORT_ROLE:
            return spec.sort(row) if spec.sort is not None else spec.text(row).lower()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.numeric:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(row)
        return self.styled(row, index.column(), role)

    def styled(self, _row: R, _column: int, _role: int) -> Any:
        """Colours and fonts; none by default."""
        return None


# -- suppliers -------------------------------------------------------------------------------
class SupplierColumn(IntEnum):
    CODE = 0
    NAME = 1
    PRODUCTS = 2
    PREFERRED = 3


def _contact(s: SupplierRecord) -> str:
    parts = [s.name, s.email or "no email", s.phone or "no phone", f"prices in {s.currency}"]
    return "\n".join(parts)


SUPPLIER_COLUMNS: tuple[ColumnSpec[SupplierRecord], ...] = (
    ColumnSpec("Code", lambda s: s.code, tooltip=_contact),
    ColumnSpec("Name", lambda s: s.name, tooltip=_contact),
    ColumnSpec("Products", lambda s: f"{s.product_count:,}", lambda s: s.product_count, True),
    ColumnSpec("Preferred", lambda s: f"{s.preferred_count:,}", lambda s: s.preferred_count, True),
)


class SuppliersModel(RecordsModel[SupplierRecord]):
    """The suppliers, with how many products each is mapped to and preferred for."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(SUPPLIER_COLUMNS, parent)


# -- one supplier's mappings -----------------------------------------------------------------
class MappingColumn(IntEnum):
    SKU = 0
    PRODUCT = 1
    SUPPLIER_SKU = 2
    UNIT_COST = 3
    LEAD_TIME = 4
    PACK = 5
    MOQ = 6
    PREFERRED = 7


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


MAPPING_COLUMNS: tuple[ColumnSpec[SupplierProductRecord], ...] = (
    ColumnSpec("SKU", lambda r: r.sku),
    ColumnSpec("Product", lambda r: r.product_name),
    ColumnSpec("Supplier SKU", lambda r: r.supplier_sku or ""),
    ColumnSpec(
        "Unit cost",
        lambda r: f"{r.unit_cost:,.2f} {r.currency}",
        lambda r: float(r.unit_cost),  # only to order the rows; shown as the Decimal
        True,
    ),
    ColumnSpec("Lead time", lambda r: _days(r.lead_time_days), lambda r: r.lead_time_days, True),
    ColumnSpec("Pack", lambda r: f"{r.pack_size:,}", lambda r: r.pack_size, True),
    ColumnSpec("MOQ", lambda r: f"{r.min_order_qty:,}", lambda r: r.min_order_qty, True),
    ColumnSpec(
        "Preferred",
        lambda r: "★ Preferred" if r.is_preferred else "",
        lambda r: int(r.is_preferred),
        tooltip=lambda r: (
            f"Purchase orders for {r.sku} go to {r.supplier_code}"
            if r.is_preferred
            else f"{r.supplier_code} also sells {r.sku}; another supplier (or none) is preferred"
        ),
    ),
)


class MappingsModel(RecordsModel[SupplierProductRecord]):
    """One supplier's product mappings; the preferred ones marked in green."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(MAPPING_COLUMNS, parent)

    def styled(self, row: SupplierProductRecord, column: int, role: int) -> Any:
        if column != MappingColumn.PREFERRED or not row.is_preferred:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(_PREFERRED_COLOUR)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


# -- products without a preferred supplier ---------------------------------------------------
class UnassignedColumn(IntEnum):
    SKU = 0
    PRODUCT = 1
    BARCODE = 2
    OFFERED_BY = 3


def _offered(p: UnassignedProduct) -> str:
    if p.offered_by == 0:
        return "no supplier"
    noun = "supplier" if p.offered_by == 1 else "suppliers"
    return f"{p.offered_by} {noun}, none preferred"


UNASSIGNED_COLUMNS: tuple[ColumnSpec[UnassignedProduct], ...] = (
    ColumnSpec("SKU", lambda p: p.sku),
    ColumnSpec("Product", lambda p: p.name),
    ColumnSpec("Barcode", lambda p: p.barcode or ""),
    ColumnSpec("Offered by", _offered, lambda p: p.offered_by),
)


class UnassignedModel(RecordsModel[UnassignedProduct]):
    """Products no supplier is preferred for."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(UNASSIGNED_COLUMNS, parent)

    def styled(self, row: UnassignedProduct, column: int, role: int) -> Any:
        if column == UnassignedColumn.OFFERED_BY and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(_MUTED) if row.offered_by == 0 else None
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorting by ``SORT_ROLE``; a case-insensitive filter over every column."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
