"""Importing a catalog CSV: each batch of lines is checked against the store, then written
in a few set-based statements inside one transaction.

A line that names an unknown warehouse or supplier, a barcode another SKU already has, or a
new SKU without a name is rejected on its own; the rest of its batch still lands.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.records import MovementRequest
from possync_gui.store import models as m
from possync_gui.store.catalog.reading import (
    CatalogLine,
    LineRejectedError,
    parse_line,
    read_records,
)
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements
from possync_gui.store.types import utcnow

#: Lines per transaction: big enough for set-based writes, small enough to show progress.
BATCH_SIZE = 500
#: The ledger reference of the count movements an import writes.
IMPORT_REFERENCE = "catalog-import"
_FIELDS = (
    "name",
    "barcode",
    "gtin",
    "unit_cost",
    "minimum_stock",
    "reorder_point",
    "reorder_quantity",
)

Pair = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did; ``rejected`` holds (line number, reason) for each refused line."""

    created: int
    updated: int
    stock_changes: int
    rejected: tuple[tuple[int, str], ...]
    lines: int


@dataclass
class _Draft:
    """A product as its batch will leave it; ``original`` is what the store holds now."""

    id: uuid.UUID
    values: dict[str, Any]
    is_new: bool
    original: dict[str, Any] = field(default_factory=dict)


def _known(codes: Iterable[str], limit: int = 10) -> str:
    names = sorted(codes)
    shown = ", ".join(names[:limit]) or "none yet"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


class _Batch:
    """One transaction's worth of lines: read what they refer to, check, then write."""

    def __init__(self, session: Session, lines: list[CatalogLine]) -> None:
        self.s = session
        self.drafts = self._load_products({ln.sku for ln in lines})
        gtins = {ln.fields["gtin"] for ln in lines if "gtin" in ln.fields}
        owners = select(m.Product.gtin, m.Product.sku).where(m.Product.gtin.in_(gtins))
        self.gtin_owner: dict[str, str] = {g: s for g, s in session.execute(owners) if g}
        self.warehouses = dict(session.execute(select(m.Warehouse.code, m.Warehouse.id)).all())
        codes = {ln.supplier for ln in lines if ln.supplier}
        named = select(m.Supplier.code, m.Supplier.id).where(m.Supplier.code.in_(codes))
        self.suppliers = dict(session.execute(named).all())
        self.mapped: set[Pair] = set()
        self.was_preferred: dict[uuid.UUID, set[uuid.UUID]] = {}
        self._load_mappings()
        # What the accepted lines ask for:
        self.levels: set[Pair] = set()
        self.targets: dict[Pair, int] = {}
        self.preferred: dict[uuid.UUID, uuid.UUID] = {}

    def _load_products(self, skus: set[str]) -> dict[str, _Draft]:
        columns = [getattr(m.Product, f) for f in _FIELDS]
        found = select(m.Product.id, m.Product.sku, *columns).where(m.Product.sku.in_(skus))
        drafts = {}
        for pid, sku, *vals in self.s.execute(found):
            values = dict(zip(_FIELDS, vals, strict=True))
            drafts[sku] = _Draft(pid, values, is_new=False, original=dict(values))
        return drafts

    def _load_mappings(self) -> None:
        sp = m.SupplierProduct
        mapped = select(sp.product_id, sp.supplier_id, sp.is_preferred).where(
            sp.product_id.in_([d.id for d in self.drafts.values()])
        )
        for pid, sid, preferred in self.s.execute(mapped):
            self.mapped.add((pid, sid))
            if preferred:
                self.was_preferred.setdefault(pid, set()).add(sid)

    def _warehouse(self, code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in self.warehouses:
            raise LineRejectedError(
                f"unknown warehouse {code!r} (known: {_known(self.warehouses)})"
            )
        return self.warehouses[code]

    def _supplier(self, code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in self.suppliers:
            known = self.s.execute(select(m.Supplier.code)).scalars().all()
            raise LineRejectedError(f"unknown supplier {code!r} (known: {_known(known)})")
        return self.suppliers[code]

    def _check(self, ln: CatalogLine) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        draft = self.drafts.get(ln.sku)
        if draft is None and "name" not in ln.fields:
            raise LineRejectedError(f"SKU {ln.sku!r} is new and needs a name")
        warehouse_id = self._warehouse(ln.warehouse)
        supplier_id = self._supplier(ln.supplier)
        owner = self.gtin_owner.get(ln.fields.get("gtin", ""))
        if owner is not None and owner != ln.sku:
            raise LineRejectedError(
                f"barcode {ln.fields['barcode']} is already used by SKU {owner!r}"
            )
        if supplier_id is not None and (
            draft is None or (draft.id, supplier_id) not in self.mapped
        ):
            cost = ln.fields.get("unit_cost", draft.values["unit_cost"] if draft else None)
            if cost is None:
                raise LineRejectedError(
                    f"supplier {ln.supplier!r} needs a unit_cost for {ln.sku!r}"
                )
        return warehouse_id, supplier_id

    def accept(self, ln: CatalogLine) -> None:
        """Check ``ln`` and fold it into the batch, or raise :class:`LineRejectedError`."""
        warehouse_id, supplier_id = self._check(ln)
        draft = self.drafts.get(ln.sku)
        if draft is None:
            values = dict.fromkeys(_FIELDS) | {"minimum_stock": 0}
            draft = self.drafts[ln.sku] = _Draft(uuid.uuid4(), values, is_new=True)
        old_gtin = draft.values["gtin"]
        if "gtin" in ln.fields and old_gtin and self.gtin_owner.get(old_gtin) == ln.sku:
            del self.gtin_owner[old_gtin]
        draft.values.update(ln.fields)
        if draft.values["gtin"]:
            self.gtin_owner[draft.values["gtin"]] = ln.sku
        if warehouse_id is not None:
            self.levels.add((draft.id, warehouse_id))
            if ln.on_hand is not None:
                self.targets[(draft.id, warehouse_id)] = ln.on_hand
        if supplier_id is not None:
            self.preferred[draft.id] = supplier_id

    def write(self, actor: str) -> tuple[set[uuid.UUID], set[uuid.UUID], int]:
        """Write the batch; returns (created ids, updated ids, stock changes)."""
        now = utcnow()
        new = {sku: d for sku, d in self.drafts.items() if d.is_new}
        changed = [d for d in self.drafts.values() if not d.is_new and d.values != d.original]
        if new:
            self.s.execute(
                insert(m.Product),
                [
                    {"id": d.id, "sku": sku, **d.values, "created_at": now, "updated_at": now}
                    for sku, d in new.items()
                ],
            )
        if changed:
            self.s.execute(
                update(m.Product), [{"id": d.id, **d.values, "updated_at": now} for d in changed]
            )
        updated = {d.id for d in changed} | self._write_preferred()
        stock_changes = self._write_stock(actor, now)
        created = {d.id for d in new.values()}
        return created, updated - created, stock_changes

    def _write_stock(self, actor: str, now: datetime) -> int:
        """Create the named stock rows, then count each given on_hand into the ledger."""
        if not self.levels:
            return 0
        dialect = self.s.get_bind().dialect.name
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        self.s.execute(
            upsert(m.StockLevel).on_conflict_do_nothing(
                index_elements=["product_id", "warehouse_id"]
            ),
            [
                {"id": uuid.uuid4(), "product_id": p, "warehouse_id": w, "on_hand": 0}
                | {"version": 0, "updated_at": now}
                for p, w in sorted(self.levels)  # one lock order for every writer
            ],
        )
        if not self.targets:
            return 0
        level = m.StockLevel
        current: dict[Pair, int] = {
            (p, w): on_hand
            for p, w, on_hand in self.s.execute(
                select(level.product_id, level.warehouse_id, level.on_hand)
                .where(level.product_id.in_({p for p, _ in self.targets}))
                .with_for_update()
            )
        }
        requests = [
            MovementRequest(
                p,
                w,
                target - current.get((p, w), 0),
                MovementReason.COUNT,
                actor=actor,
                reference=IMPORT_REFERENCE,
                at=now,
            )
            for (p, w), target in sorted(self.targets.items())
        ]
        return len(apply_movements(self.s, requests))

    def _write_preferred(self) -> set[uuid.UUID]:
        """Make each chosen supplier its product's only preferred one; returns changed ids."""
        changes = {
            p: s for p, s in self.preferred.items() if self.was_preferred.get(p, set()) != {s}
        }
        if not changes:
            return set()
        costs: dict[uuid.UUID, Decimal] = {
            d.id: d.values["unit_cost"] for d in self.drafts.values()
        }
        missing = [
            {"id": uuid.uuid4(), "product_id": p, "supplier_id": s, "unit_cost": costs[p]}
            for p, s in changes.items()
            if (p, s) not in self.mapped
        ]
        if missing:
            self.s.execute(insert(m.SupplierProduct), missing)
        table = m.Base.metadata.tables[m.SupplierProduct.__tablename__]
        self.s.execute(
            update(table).where(table.c.product_id.in_(list(changes))).values(is_preferred=False)
        )
        self.s.execute(
            update(table)
            .where(table.c.product_id == bindparam("p"), table.c.supplier_id == bindparam("s"))
            .values(is_preferred=True),
            [{"p": p, "s": s} for p, s in changes.items()],
        )
        return set(changes)


def import_csv(
    db: Database, path: Path, actor: str, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import a catalog CSV. Bad lines are reported in the result; a bad file raises
    :class:`ValidationError`. ``progress(done, total)`` counts lines, after each batch."""
    if not actor.strip():
        raise ValidationError("An import needs the name of the person doing it.")
    header, records = read_records(path)
    total = len(records)
    rejected: list[tuple[int, str]] = []
    created: set[uuid.UUID] = set()
    updated: set[uuid.UUID] = set()
    stock_changes = 0
    if progress is not None:
        progress(0, total)
    for start in range(0, total, BATCH_SIZE):
        lines: list[CatalogLine] = []
        for number, cells in records[start : start + BATCH_SIZE]:
            try:
                lines.append(parse_line(number, header, cells))
            except LineRejectedError as err:
                rejected.append((number, str(err)))
        if lines:
            with db.session() as session:
                batch = _Batch(session, lines)
                for ln in lines:
                    try:
                        batch.accept(ln)
                    except LineRejectedError as err:
                        rejected.append((ln.line, str(err)))
                new, changed, moved = batch.write(actor)
            created |= new
            updated |= changed
            stock_changes += moved
        if progress is not None:
            progress(min(start + BATCH_SIZE, total), total)
    return ImportReport(
        created=len(created),
        updated=len(updated - created),
        stock_changes=stock_changes,
        rejected=tuple(sorted(rejected)),
        lines=total,
    )
