"""The supplier mapping CSV: import (row by row checks, one transaction) and export.

Columns (a header row, any case and order): ``supplier_code, sku, supplier_sku, unit_cost,
lead_time_days, pack_size, min_order_qty, preferred``. A supplier may be named by code or
UUID, a product by SKU or UUID. ``supplier_code`` and ``sku`` are required; for a new
mapping so is ``unit_cost``. An empty cell leaves the stored value alone (a new mapping
takes the defaults: 7 days, pack of 1, minimum order 1, not preferred). A bad row is
reported with its row number (the header is row 1) and the reason; the good rows are saved
together. The export writes these columns, so export then import changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from possync_gui.domain.errors import ValidationError
from possync_gui.domain.suppliers import (
    CODE_LENGTH,
    DEFAULT_LEAD_TIME_DAYS,
    MAPPING_COLUMNS,
    MAX_LEAD_TIME_DAYS,
    SUPPLIER_SKU_LENGTH,
    MappingImportReport,
    parse_amount,
    parse_flag,
    parse_whole,
)
from possync_gui.store import models as m
from possync_gui.store.suppliers import make_preferred

sp = m.SupplierProduct
#: Other spellings of the columns (after lower-casing, spaces and dashes to ``_``).
ALIASES = {
    "supplier": "supplier_code",
    "supplier_id": "supplier_code",
    "product": "sku",
    "product_code": "sku",
    "product_id": "sku",
    "cost": "unit_cost",
    "lead_time": "lead_time_days",
    "pack": "pack_size",
    "moq": "min_order_qty",
    "minimum_order_qty": "min_order_qty",
    "is_preferred": "preferred",
}
_CHUNK = 500  # ids per IN (...) list
_TERMS = ("supplier_sku", "unit_cost", "lead_time_days", "pack_size", "min_order_qty")
_NEW = {
    "supplier_sku": None,
    "lead_time_days": DEFAULT_LEAD_TIME_DAYS,
    "pack_size": 1,
    "min_order_qty": 1,
    "is_preferred": False,
}


class RowRejectedError(Exception):
    """One row cannot be imported; the message says why."""


@dataclass(frozen=True, slots=True)
class _Row:
    row: int
    supplier: str
    product: str
    #: Only the terms the row gives (empty cells left out).
    terms: dict[str, Any]
    preferred: bool | None


# -- reading ---------------------------------------------------------------------------------
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
        row = data[: err.start].count(b"\n") + 1
        raise ValidationError(
            f"{path.name} is not UTF-8 text (row {row}); save it as 'CSV UTF-8' and retry."
        ) from None


def _header(cells: list[str], path: Path) -> list[str]:
    names = [ALIASES.get(n, n) for n in (re.sub(r"[\s\-]+", "_", c.strip().lower()) for c in cells)]
    unknown = [c.strip() for c, n in zip(cells, names, strict=True) if n not in MAPPING_COLUMNS]
    if unknown:
        raise ValidationError(
            f"{path.name}: unknown column {unknown[0]!r}; the supplier mapping columns are "
            f"{', '.join(MAPPING_COLUMNS)}."
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(f"{path.name}: the column {dupes[0]!r} appears twice.")
    for needed in ("supplier_code", "sku"):
        if needed not in names:
            raise ValidationError(f"{path.name} has no {needed!r} column; the header needs one.")
    return names


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column names and each non-blank record with the row it starts on."""
    text = _read_text(path)
    first = next((ln for ln in text.splitlines() if ln.strip()), None)
    if first is None:
        raise ValidationError(
            f"{path.name} is empty: it needs a header row with supplier_code and sku columns."
        )
    delimiter = ","
    if "," not in first:  # Excel in many European locales writes ';'
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=";\t,").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
        raise ValidationError(f"{path.name}, row {reader.line_num}: {err}.") from None
    assert header is not None
    return header, records


def _reason(err: ValidationError) -> str:
    text = str(err).rstrip(".")
    return text[:1].lower() + text[1:] if text.startswith("The ") else text


def parse_row(row: int, header: list[str], cells: list[str]) -> _Row:
    """One record checked on its own; raises :class:`RowRejectedError` with the reason."""
    if len(cells) > len(header):
        raise RowRejectedError(f"it has {len(cells)} fields but the header has {len(header)}")
    raw = dict.fromkeys(MAPPING_COLUMNS, "")
    raw.update({name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)})
    if not raw["supplier_code"]:
        raise RowRejectedError("the supplier_code is empty")
    if not raw["sku"]:
        raise RowRejectedError("the sku is empty")
    if len(raw["supplier_code"]) > max(CODE_LENGTH, 36):
        raise RowRejectedError("the supplier_code is too long to be a code or a UUID")
    if len(raw["supplier_sku"]) > SUPPLIER_SKU_LENGTH:
        raise RowRejectedError(f"the supplier_sku is longer than {SUPPLIER_SKU_LENGTH} characters")
    terms: dict[str, Any] = {}
    try:
        if raw["supplier_sku"]:
            terms["supplier_sku"] = raw["supplier_sku"]
        if raw["unit_cost"]:
            terms["unit_cost"] = parse_amount(raw["unit_cost"], "unit_cost")
        if raw["lead_time_days"]:
            terms["lead_time_days"] = parse_whole(
                raw["lead_time_days"], "lead_time_days", 0, MAX_LEAD_TIME_DAYS
            )
        if raw["pack_size"]:
            terms["pack_size"] = parse_whole(raw["pack_size"], "pack_size", 1)
        if raw["min_order_qty"]:
            terms["min_order_qty"] = parse_whole(raw["min_order_qty"], "min_order_qty", 0)
        preferred = parse_flag(raw["preferred"]) if raw["preferred"] else None
    except ValidationError as err:
        raise RowRejectedError(_reason(err)) from None
    return _Row(row, raw["supplier_code"], raw["sku"], terms, preferred)


# -- resolving and writing -------------------------------------------------------------------
def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


class _Resolver:
    """Suppliers, products and existing mappings the file names, read in a few queries."""

    def __init__(self, session: Session, rows: list[_Row]) -> None:
        self.suppliers: dict[str, uuid.UUID] = {}
        #: Codes are unique without regard to case (the store refuses ABC next to abc).
        self.folded: dict[str, uuid.UUID] = {}
        for sid, code in session.execute(select(m.Supplier.id, m.Supplier.code)):
            self.suppliers[code] = sid
            self.suppliers[str(sid)] = sid
            self.folded[code.lower()] = sid
        refs = {r.product for r in rows}
        self.products: dict[str, tuple[uuid.UUID, str]] = {}
        for chunk in _chunks(refs):
            for pid, sku in session.execute(
                select(m.Product.id, m.Product.sku).where(m.Product.sku.in_(chunk))
            ):
                self.products[sku] = (pid, sku)
        ids = {u for u in (_uuid(ref) for ref in refs) if u is not None}
        for chunk in _chunks(ids):
            for pid, sku in session.execute(
                select(m.Product.id, m.Product.sku).where(m.Product.id.in_(chunk))
            ):
                self.products[str(pid)] = (pid, sku)
        pids = {pid for pid, _sku in self.products.values()}
        self.mappings: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
        for chunk in _chunks(pids):
            for row in session.execute(select(sp.__table__).where(sp.product_id.in_(chunk))):
                values = dict(row._mapping)
                self.mappings[(values["supplier_id"], values["product_id"])] = values

    def supplier(self, ref: str) -> uuid.UUID:
        found = (
            self.suppliers.get(ref)
            or self.suppliers.get(str(_uuid(ref)))
            or self.folded.get(ref.lower())
        )
        if found is None:
            codes = sorted(k for k in self.suppliers if _uuid(k) is None)
            known = ", ".join(codes[:10]) + (
                f" and {len(codes) - 10} more" if len(codes) > 10 else ""
            )
            raise RowRejectedError(f"unknown supplier {ref!r} (known: {known or 'none yet'})")
        return found

    def product(self, ref: str) -> tuple[uuid.UUID, str]:
        found = self.products.get(ref) or self.products.get(str(_uuid(ref)))
        if found is None:
            raise RowRejectedError(f"unknown product {ref!r} (give its SKU or UUID)")
        return found


@dataclass
class _Plan:
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    preferred: dict[uuid.UUID, uuid.UUID]
    unchanged: int


def _plan(resolver: _Resolver, rows: list[_Row], rejected: list[tuple[int, str]]) -> _Plan:
    plan = _Plan([], [], {}, 0)
    seen: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    chosen: dict[uuid.UUID, tuple[int, str]] = {}  # product → (row, supplier) made preferred
    for r in rows:
        try:
            sid = resolver.supplier(r.supplier)
            pid, sku = resolver.product(r.product)
            if (sid, pid) in seen:
                raise RowRejectedError(f"row {seen[(sid, pid)]} already maps {r.supplier} to {sku}")
            if r.preferred and pid in chosen:
                row, other = chosen[pid]
                raise RowRejectedError(
                    f"row {row} already makes {other} the preferred supplier of {sku}; "
                    "a product has one preferred supplier"
                )
            existing = resolver.mappings.get((sid, pid))
            if existing is None and "unit_cost" not in r.terms:
                raise RowRejectedError(f"a new mapping needs a unit_cost ({r.supplier}, {sku})")
        except RowRejectedError as err:
            rejected.append((r.row, str(err)))
            continue
        seen[(sid, pid)] = r.row
        if r.preferred:
            chosen[pid] = (r.row, r.supplier)
            plan.preferred[pid] = sid
        flag = {} if r.preferred is None else {"is_preferred": r.preferred}
        if existing is None:
            plan.inserts.append(
                _NEW | r.terms | flag | {"id": uuid.uuid4(), "supplier_id": sid, "product_id": pid}
            )
            continue
        wanted = {k: existing[k] for k in (*_TERMS, "is_preferred")} | r.terms | flag
        if all(_same(existing[k], v) for k, v in wanted.items()):
            plan.unchanged += 1
        else:
            plan.updates.append(wanted | {"id": existing["id"]})
    return plan


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, Decimal) and stored is not None:
        return Decimal(str(stored)) == wanted
    return bool(stored == wanted)


def import_mappings(session: Session, path: Path) -> MappingImportReport:
    """Read ``path`` and save its good rows in the caller's transaction."""
    header, records = read_rows(path)
    rejected: list[tuple[int, str]] = []
    rows: list[_Row] = []
    for number, cells in records:
        try:
            rows.append(parse_row(number, header, cells))
        except RowRejectedError as err:
            rejected.append((number, str(err)))
    plan = _plan(_Resolver(session, rows), rows, rejected)
    if plan.inserts:
        session.execute(insert(sp), plan.inserts)
    if plan.updates:  # the ORM's bulk UPDATE by primary key, one executemany
        session.execute(update(sp), plan.updates)
    for pid, sid in plan.preferred.items():
        make_preferred(session, pid, sid)
    return MappingImportReport(
        rows=len(records),
        added=len(plan.inserts),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        rejected=tuple(sorted(rejected)),
    )


def export_mappings(session: Session, path: Path, supplier_id: uuid.UUID | None = None) -> int:
    """Write the mappings (of one supplier, or all) by supplier code and SKU; returns the
    rows written."""
    stmt = (
        select(
            m.Supplier.code,
            m.Product.sku,
            sp.supplier_sku,
            sp.unit_cost,
            sp.lead_time_days,
            sp.pack_size,
            sp.min_order_qty,
            sp.is_preferred,
        )
        .join(m.Supplier, m.Supplier.id == sp.supplier_id)
        .join(m.Product, m.Product.id == sp.product_id)
        .order_by(m.Supplier.code, m.Product.sku)
    )
    if supplier_id is not None:
        stmt = stmt.where(sp.supplier_id == supplier_id)
    written = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(MAPPING_COLUMNS)
            for code, sku, supplier_sku, cost, lead, pack, moq, preferred in session.execute(
                stmt.execution_options(yield_per=1000)
            ):
                writer.writerow(
                    [code, sku, supplier_sku or "", f"{Decimal(str(cost)):.2f}", lead, pack, moq]
                    + ["yes" if preferred else "no"]
                )
                written += 1
    except OSError as err:
        raise ValidationError(f"Cannot write {path}: {err.strerror}.") from None
    return written
