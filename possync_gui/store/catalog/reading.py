"""Reading a catalog CSV: the file, its header and each line, checked on its own.

Nothing here touches the database; what a line means against the store (is the warehouse
known, is the barcode taken) is decided by :mod:`.importer`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from possync_gui.domain.barcodes import GTIN_LENGTHS, normalize_gtin
from possync_gui.domain.errors import ValidationError

COLUMNS = (
    "sku",
    "name",
    "barcode",
    "unit_cost",
    "warehouse",
    "on_hand",
    "minimum_stock",
    "reorder_point",
    "reorder_quantity",
    "preferred_supplier",
)
#: Other spellings people use for the same columns (after lower-casing, spaces to ``_``).
ALIASES = {
    "product_code": "sku",
    "cost": "unit_cost",
    "warehouse_code": "warehouse",
    "minimum": "minimum_stock",
    "reorder_qty": "reorder_quantity",
    "preferred_supplier_code": "preferred_supplier",
    "supplier": "preferred_supplier",
}
_MAX_INT = 2_147_483_647  # PostgreSQL ``integer``
_AMOUNT = re.compile(r"\d{1,10}(?:[.,]\d{1,2})?")  # Numeric(12, 2); "12,50" from ';' files
_WHOLE = re.compile(r"[+-]?\d+")


class LineRejectedError(Exception):
    """One line cannot be imported; the message says why (without the line number)."""


@dataclass(frozen=True, slots=True)
class CatalogLine:
    """One line, parsed. ``fields`` holds only the product columns that were not empty."""

    line: int
    sku: str
    fields: dict[str, Any]
    warehouse: str | None
    on_hand: int | None
    supplier: str | None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder, not a CSV file.") from None
    except OSError as err:
        raise ValidationError(f"Cannot read {path}: {err.strerror}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValidationError(
            f"{path.name} is not UTF-8 text (line {line}); save it as 'CSV UTF-8' and retry."
        ) from None


def _delimiter(header_line: str) -> str:
    if "," in header_line:
        return ","
    try:  # Excel in many European locales writes ';'
        return csv.Sniffer().sniff(header_line, delimiters=";\t,").delimiter
    except csv.Error:
        return ","


def _header(cells: list[str], path: Path) -> list[str]:
    names = []
    for cell in cells:
        name = re.sub(r"[\s\-]+", "_", cell.strip().lower())
        names.append(ALIASES.get(name, name))
    # A misspelt column would otherwise be skipped without a word: refuse the file instead.
    unknown = [c.strip() for c, n in zip(cells, names, strict=True) if n not in COLUMNS]
    if unknown:
        raise ValidationError(
            f"{path.name}: unknown column {unknown[0]!r}; "
            f"the catalog columns are {', '.join(COLUMNS)}."
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(f"{path.name}: the column {dupes[0]!r} appears twice.")
    if "sku" not in names:
        raise ValidationError(f"{path.name} has no 'sku' column; the header row needs one.")
    return names


def read_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column names and every non-blank record with the line it starts on."""
    text = _read_text(path)
    first = next((ln for ln in text.splitlines() if ln.strip()), None)
    if first is None:
        raise ValidationError(f"{path.name} is empty: it needs a header row with a 'sku' column.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                if header is None:
                    header = _header(cells, path)
                else:
                    records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as err:
        raise ValidationError(f"{path.name}, line {reader.line_num}: {err}.") from None
    assert header is not None
    return header, records


def _whole(raw: str, column: str) -> int | None:
    if not raw:
        return None
    if not _WHOLE.fullmatch(raw):
        raise LineRejectedError(f"{column} {raw!r} is not a whole number")
    value = int(raw)
    if value < 0:
        raise LineRejectedError(f"{column} {raw!r} must not be negative")
    if value > _MAX_INT:
        raise LineRejectedError(f"{column} {raw!r} is too large")
    return value


def _amount(raw: str) -> Decimal | None:
    if not raw:
        return None
    if not _AMOUNT.fullmatch(raw):
        raise LineRejectedError(f"unit_cost {raw!r} is not an amount like 12.50")
    return Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))


def _barcode(raw: str) -> tuple[str, str] | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) not in GTIN_LENGTHS:
        raise LineRejectedError(f"barcode {raw!r} is not an EAN/UPC/GTIN (8, 12, 13 or 14 digits)")
    gtin = normalize_gtin(raw)
    if gtin is None:
        raise LineRejectedError(f"barcode {raw!r} has a wrong check digit")
    return raw, gtin


def _text(raw: str, column: str, limit: int) -> str | None:
    if len(raw) > limit:
        raise LineRejectedError(f"{column} is longer than {limit} characters")
    return raw or None


def parse_line(line: int, header: list[str], cells: list[str]) -> CatalogLine:
    """Check one record on its own; raises :class:`LineRejectedError` with the reason."""
    if len(cells) > len(header):
        raise LineRejectedError(f"it has {len(cells)} fields but the header has {len(header)}")
    raw = dict.fromkeys(COLUMNS, "")
    raw.update({name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)})
    sku = _text(raw["sku"], "sku", 100)
    if sku is None:
        raise LineRejectedError("the sku is empty")
    fields: dict[str, Any] = {
        "name": _text(raw["name"], "name", 255),
        "unit_cost": _amount(raw["unit_cost"]),
        "minimum_stock": _whole(raw["minimum_stock"], "minimum_stock"),
        "reorder_point": _whole(raw["reorder_point"], "reorder_point"),
        "reorder_quantity": _whole(raw["reorder_quantity"], "reorder_quantity"),
    }
    barcode = _barcode(raw["barcode"])
    if barcode is not None:
        fields["barcode"], fields["gtin"] = barcode
    warehouse = _text(raw["warehouse"], "warehouse", 50)
    on_hand = _whole(raw["on_hand"], "on_hand")
    if on_hand is not None and warehouse is None:
        raise LineRejectedError("on_hand is given but the warehouse is empty")
    return CatalogLine(
        line=line,
        sku=sku,
        fields={k: v for k, v in fields.items() if v is not None},
        warehouse=warehouse,
        on_hand=on_hand,
        supplier=_text(raw["preferred_supplier"], "preferred_supplier", 50),
    )
