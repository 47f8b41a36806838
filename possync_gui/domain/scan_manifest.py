"""A supplier's serial manifest: the serial numbers a delivery should contain.

Suppliers send it as CSV. A column named like "serial" (serial, serial number, serialNumber,
S/N…) holds the serials; a column named like a product reference (sku, productCode, gtin,
barcode, ean…) may say which product each belongs to. A file of one column without a
header is a plain list of serials. Anything else is refused with a message naming what
was expected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.errors import ValidationError

SERIAL_HEADERS = {"serial", "serials", "serialnumber", "serialnumbers", "serialno", "sn", "s/n"}
PRODUCT_HEADERS = {
    "sku", "productcode", "productid", "product", "gtin", "barcode", "ean", "upc", "itemcode",
    "item", "articlenumber", "article",
}  # fmt: skip
MAX_MANIFEST_ROWS = 1_000_000


def _header_key(cell: str) -> str:
    return "".join(ch for ch in cell.casefold() if ch.isalnum() or ch == "/")


@dataclass(frozen=True, slots=True)
class Manifest:
    """The serials a supplier says it shipped; ``products`` maps a serial to the product
    reference the file gave for it (when it gave one)."""

    serials: frozenset[str]
    products: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.serials)

    def problem(self, serial: str, product_codes: Iterable[str]) -> str | None:
        """Why ``serial`` of a product known by ``product_codes`` does not match the
        manifest, or None when it does."""
        if serial not in self.serials:
            return f"serial {serial} is not on the supplier's manifest"
        listed = self.products.get(serial)
        if listed is None:
            return None
        codes = set(product_codes)
        gtin = normalize_gtin(listed)
        if listed in codes or listed.casefold() in codes or (gtin is not None and gtin in codes):
            return None
        return f"serial {serial} is on the manifest for {listed}, not this product"


def parse_manifest(text: str, source: str = "") -> Manifest:
    """Read a manifest CSV (``,``, ``;`` or tab separated); raises ValidationError."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationError(f"The manifest{f' {source}' if source else ''} is empty.")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if len(rows) > MAX_MANIFEST_ROWS:
        raise ValidationError(f"The manifest has more than {MAX_MANIFEST_ROWS:,} rows.")
    keys = [_header_key(c) for c in rows[0]]
    serial_col = next((i for i, k in enumerate(keys) if k in SERIAL_HEADERS), None)
    product_col = next((i for i, k in enumerate(keys) if k in PRODUCT_HEADERS), None)
    if serial_col is None:
        if any(len(row) > 1 for row in rows):
            raise ValidationError(
                "The manifest has several columns and none is named 'serial': name the "
                "column of serial numbers 'serial' (and, optionally, one 'sku' or 'gtin')."
            )
        return Manifest(frozenset(row[0].strip() for row in rows), {}, source)
    serials: set[str] = set()
    products: dict[str, str] = {}
    for row in rows[1:]:
        serial = row[serial_col].strip() if serial_col < len(row) else ""
        if not serial:
            continue
        serials.add(serial)
        if product_col is not None and product_col < len(row) and row[product_col].strip():
            products[serial] = row[product_col].strip()
    if not serials:
        raise ValidationError("The manifest lists no serial numbers under its 'serial' column.")
    return Manifest(frozenset(serials), products, source)
