"""Import a POS's catalog: products for the POS items that match none (issue 3 §5).

This is the one place products are created from a POS. A sync only *maps* POS items to
products that exist already (by SKU, then barcode) and reports the rest as unmatched; an
import creates those missing products, takes the POS counts at the mapped locations as their
starting stock (an ``opening`` movement each) and writes their ``pos_mappings`` rows with the
count as the baseline, so the next sync finds both sides agreeing and changes nothing.

- Warehouses the integration's ``locationMap`` names that do not exist yet are created first,
  named after their POS location.
- POS items that match an existing product are left alone: the next sync maps them. Items
  already mapped for this integration are left alone too, so importing twice creates nothing
  the second time.
- A SKU used by two POS items: the first one wins and the others are reported. A POS item
  without a SKU gets ``POS-<its id>``, and the report says so. A barcode is kept only when it
  is a valid GTIN that no earlier POS item in the same import carries.
- A negative POS count is reported and not taken as stock; its mapping gets no baseline, so
  the next sync raises a conflict for a person to settle.

The work holds the integration's sync lock (a sync and an import never interleave), reads the
POS page by page, and writes in batches of :data:`BATCH_SIZE` items, one transaction each;
cancelling lets the batch being written finish, and what committed stays.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import NotFoundError
from possync_gui.domain.records import MovementRequest, Warehouse
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter, POSCount, POSItem, POSLocation
from possync_gui.services.threads import in_thread
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_deltas
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import POSIntegration, POSMapping, Product
from possync_gui.store.models import Warehouse as WarehouseRow

__all__ = [
    "BATCH_SIZE",
    "CatalogProgress",
    "PosCatalogReport",
    "import_pos_catalog",
]

log = logging.getLogger("possync.sync")

AdapterFactory = Callable[[IntegrationRecord], POSAdapter]
T = TypeVar("T")

#: POS items written per transaction.
BATCH_SIZE = 500
#: Who the opening movements name.
ACTOR = "pos-import"
#: The SKU given to a POS item that has none: this prefix and the item's POS id.
GENERATED_SKU_PREFIX = "POS-"
_MAX_SKU = 100  # products.sku
_MAX_NAME = 255  # products.name, warehouses.name
_MAX_CODE = 50  # warehouses.code
_PRODUCTS = cast(Table, Product.__table__)
_MAPPINGS = cast(Table, POSMapping.__table__)


@dataclass(frozen=True, slots=True)
class CatalogProgress:
    """Where an import is: the phase, how many records it handled, of how many if known."""

    phase: str
    processed: int
    total: int | None = None

    @property
    def text(self) -> str:
        if self.total is None:
            return f"{self.phase}: {self.processed:,}"
        return f"{self.phase}: {self.processed:,} of {self.total:,}"


ProgressCallback = Callable[[CatalogProgress], None]


@dataclass(frozen=True, slots=True)
class PosCatalogReport:
    """What an import did. ``skipped`` lists what needs a person's attention (a duplicated
    SKU, a negative count, a record the POS sent that could not be read); ``notes`` what was
    done on the user's behalf (a generated SKU, a barcode left out, an unmapped location)."""

    integration_id: uuid.UUID
    integration_name: str
    items_read: int
    products_created: int
    warehouses_created: tuple[Warehouse, ...]
    mappings_created: int
    #: POS items that match an existing product by SKU or barcode: the next sync maps them.
    matched_existing: int
    #: POS items this integration maps already (an earlier import or sync).
    already_mapped: int
    stock_units_opened: int
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A POS item that may become a product, with its counts at mapped locations."""

    item: POSItem
    sku: str
    barcode: str | None
    gtin: str | None
    counts: tuple[POSCount, ...]
    #: Said in the notes when the product is created (generated SKU, barcode left out).
    notes: tuple[str, ...] = ()


@dataclass
class _Tally:
    products: int = 0
    mappings: int = 0
    matched: int = 0
    already_mapped: int = 0
    units: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def import_pos_catalog(
    db: Database,
    integration_id: uuid.UUID,
    adapter_factory: AdapterFactory,
    *,
    progress: ProgressCallback | None = None,
    actor: str = ACTOR,
    batch_size: int = BATCH_SIZE,
    locks: SyncLockManager | None = None,
) -> PosCatalogReport:
    """Create products (with starting stock and mappings) for the POS items that match none.

    Raises :class:`SyncInProgressError` while the integration syncs, and the POS's own errors
    (:class:`POSSystemUnavailableError`, :class:`InventorySyncError`) when it cannot be read;
    batches written before such an error stay, and running the import again finishes the job.
    """
    with (locks or SyncLockManager(db)).hold(integration_id):
        record = await in_thread(_load_integration, db, integration_id)
        adapter = adapter_factory(record)
        try:
            job = _Import(db, record, adapter, progress, actor, max(1, batch_size))
            report = await job.run()
        finally:
            await adapter.aclose()
    log.info(
        "catalog import from %s: %s products, %s mappings, %s units, %s skipped",
        record.name,
        report.products_created,
        report.mappings_created,
        report.stock_units_opened,
        len(report.skipped),
    )
    return report


def _load_integration(db: Database, integration_id: uuid.UUID) -> IntegrationRecord:
    with db.session() as session:
        row = session.get(POSIntegration, integration_id)
        if row is None:
            raise NotFoundError(f"No POS integration {integration_id}.")
        return IntegrationRecord(
            id=row.id,
            name=row.name,
            type=row.type,
            configuration=dict(row.configuration or {}),
            sync_settings=dict(row.sync_settings or {}),
            external_key=row.external_key,
            last_sync_at=row.last_sync_at,
        )


def _chunks(rows: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Import:
    """One import run: reads the POS, then writes batch by batch."""

    def __init__(
        self,
        db: Database,
        record: IntegrationRecord,
        adapter: POSAdapter,
        progress: ProgressCallback | None,
        actor: str,
        batch_size: int,
    ) -> None:
        self._db = db
        self._record = record
        self._adapter = adapter
        self._progress = progress
        self._actor = actor
        self._batch_size = batch_size
        self._reference = str(uuid.uuid4())
        raw = record.configuration.get("locationMap") or {}
        self._location_map: dict[str, str] = {str(k): str(v) for k, v in raw.items()}
        self._tally = _Tally()

    def _report(self, phase: str, processed: int, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress(CatalogProgress(phase, processed, total))

    async def run(self) -> PosCatalogReport:
        self._report("Reading POS locations", 0)
        locations = {loc.id: loc for loc in await self._adapter.list_locations()}
        # Everything is read before anything is written: a POS failing halfway leaves no trace.
        items = await self._read_items()
        counts = await self._read_counts()
        candidates = await in_thread(self._candidates, items, counts)  # 100k: not on the GUI
        warehouses, created = await in_thread(self._ensure_warehouses, locations)
        done = 0
        self._report("Creating products", 0, len(candidates))
        for batch in _chunks(candidates, self._batch_size):
            await asyncio.sleep(0)  # a cancellation asked for meanwhile stops here
            await in_thread(self._write_batch, batch, warehouses)
            done += len(batch)
            self._report("Creating products", done, len(candidates))
        t = self._tally
        return PosCatalogReport(
            integration_id=self._record.id,
            integration_name=self._record.name,
            items_read=len(items),
            products_created=t.products,
            warehouses_created=tuple(created),
            mappings_created=t.mappings,
            matched_existing=t.matched,
            already_mapped=t.already_mapped,
            stock_units_opened=t.units,
            skipped=tuple(t.skipped),
            notes=tuple(t.notes),
        )

    # -- reading the POS -------------------------------------------------------------------
    async def _read_items(self) -> list[POSItem]:
        items: list[POSItem] = []
        seen: set[str] = set()
        self._report("Reading the POS catalog", 0)
        async for page in self._adapter.iter_items():
            self._tally.skipped.extend(page.skipped)
            for item in page.items:
                if item.external_id not in seen:
                    seen.add(item.external_id)
                    items.append(item)
            self._report("Reading the POS catalog", len(items))
        return items

    async def _read_counts(self) -> dict[str, list[POSCount]]:
        """The counts at mapped locations, by POS item; other locations are noted once."""
        by_item: dict[str, list[POSCount]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        unmapped: dict[str, int] = defaultdict(int)
        read = 0
        self._report("Reading POS counts", 0)
        async for page in self._adapter.iter_counts():
            self._tally.skipped.extend(page.skipped)
            for count in page.items:
                key = (count.external_item_id, count.location_id)
                if key in seen:
                    continue
                seen.add(key)
                read += 1
                if count.location_id in self._location_map:
                    by_item[count.external_item_id].append(count)
                else:
                    unmapped[count.location_id] += 1
            self._report("Reading POS counts", read)
        for location, n in sorted(unmapped.items()):
            self._tally.notes.append(
                f"POS location {location} is not in the integration's locationMap: its "
                f"{n} counts were not imported (map it to a warehouse to import them)"
            )
        return by_item

    def _candidates(
        self, items: Sequence[POSItem], counts: dict[str, list[POSCount]]
    ) -> list[_Candidate]:
        """Every tracked POS item with its SKU settled; duplicates reported (first wins)."""
        by_sku: dict[str, str] = {}
        by_gtin: dict[str, str] = {}
        untracked = 0
        result: list[_Candidate] = []
        for item in items:
            if not item.tracked:
                untracked += 1
                continue
            label = f"POS item {item.external_id} ({item.name})"
            sku = (item.sku or "").strip()
            notes: list[str] = []
            if not sku:
                sku = f"{GENERATED_SKU_PREFIX}{item.external_id}"
                notes.append(f"{label} has no SKU: its product was given SKU {sku}")
            if len(sku) > _MAX_SKU:
                self._tally.skipped.append(
                    f"{label}: SKU {sku[:40]}… is longer than {_MAX_SKU} characters; left out"
                )
                continue
            if sku in by_sku:
                self._tally.skipped.append(
                    f"{label} has SKU {sku}, which POS item {by_sku[sku]} has too: "
                    "only the first was imported"
                )
                continue
            by_sku[sku] = item.external_id
            barcode = (item.barcode or "").strip() or None
            gtin = normalize_gtin(barcode) if barcode else None
            if barcode is not None and gtin is None:
                notes.append(f"{label}: barcode {barcode!r} is not a valid GTIN; left out")
                barcode = None
            elif gtin is not None and gtin in by_gtin:
                notes.append(
                    f"{label}: barcode {barcode} is POS item {by_gtin[gtin]}'s too; left out"
                )
                barcode = gtin = None
            elif gtin is not None:
                by_gtin[gtin] = item.external_id
            found = tuple(counts.get(item.external_id, ()))
            result.append(_Candidate(item, sku, barcode, gtin, found, tuple(notes)))
        if untracked:
            self._tally.notes.append(
                f"{untracked} POS items do not track stock (or were deleted); left out"
            )
        return result

    # -- database work (worker thread, one transaction each) -------------------------------
    def _ensure_warehouses(
        self, locations: dict[str, POSLocation]
    ) -> tuple[dict[str, uuid.UUID], list[Warehouse]]:
        """The warehouse id of every code the locationMap names, creating missing ones."""
        names: dict[str, str] = {}
        for location_id, code in sorted(self._location_map.items()):
            location = locations.get(location_id)
            if location is None:
                self._tally.notes.append(
                    f"POS location {location_id} in the locationMap is not among the POS's "
                    "locations"
                )
            names.setdefault(code, (location.name.strip() if location else "") or code)
        created: list[Warehouse] = []
        with self._db.session() as session:
            ids = {
                w.code: w.id
                for w in session.scalars(
                    select(WarehouseRow).where(WarehouseRow.code.in_(sorted(names)))
                )
            }
            for code, name in sorted(names.items()):
                if code in ids:
                    continue
                if not code.strip() or len(code) > _MAX_CODE:
                    self._tally.skipped.append(
                        f"The locationMap names warehouse {code[:60]!r}, which cannot be "
                        f"created (a code is 1 to {_MAX_CODE} characters)"
                    )
                    continue
                row = WarehouseRow(id=uuid.uuid4(), code=code, name=name[:_MAX_NAME])
                session.add(row)
                ids[code] = row.id
                created.append(Warehouse(row.id, row.code, row.name))
        return ids, created

    def _write_batch(self, batch: Sequence[_Candidate], warehouses: dict[str, uuid.UUID]) -> None:
        now = datetime.now(UTC)
        with self._db.session() as session:
            new = self._unmatched(session, batch)
            if not new:
                return
            products: list[dict[str, Any]] = []
            movements: list[MovementRequest] = []
            mappings: list[dict[str, Any]] = []
            for cand in new:
                product_id = uuid.uuid4()
                products.append(
                    {
                        "id": product_id,
                        "sku": cand.sku,
                        "name": (cand.item.name.strip() or cand.sku)[:_MAX_NAME],
                        "barcode": cand.barcode,
                        "gtin": cand.gtin,
                    }
                )
                self._tally.notes.extend(cand.notes)
                for count in cand.counts:
                    warehouse_id = warehouses.get(self._location_map[count.location_id])
                    if warehouse_id is None:
                        continue  # its warehouse could not be created: reported already
                    base: int | None = count.quantity
                    if count.quantity < 0:
                        base = None
                        self._tally.skipped.append(
                            f"POS item {cand.item.external_id} (SKU {cand.sku}) has "
                            f"{count.quantity} at POS location {count.location_id}: not taken "
                            "as starting stock; the next sync raises a conflict for it"
                        )
                    elif count.quantity > 0:
                        movements.append(self._opening(product_id, warehouse_id, count, now))
                        self._tally.units += count.quantity
                    mappings.append(
                        {
                            "id": uuid.uuid4(),
                            "integration_id": self._record.id,
                            "product_id": product_id,
                            "warehouse_id": warehouse_id,
                            "external_item_id": count.external_item_id,
                            "external_location_id": count.location_id,
                            "last_synced_quantity": base,
                            "last_synced_at": now if base is not None else None,
                        }
                    )
            # Core inserts (executemany): the ORM's bulk path costs twice as much per row.
            session.execute(sa_insert(_PRODUCTS), products)
            apply_deltas(session, movements)
            if mappings:
                session.execute(sa_insert(_MAPPINGS), mappings)
        self._tally.products += len(products)
        self._tally.mappings += len(mappings)

    def _unmatched(self, session: Session, batch: Sequence[_Candidate]) -> list[_Candidate]:
        """The candidates this integration does not map yet and no product matches (by SKU,
        then barcode); counts the others."""
        ids = sorted({c.item.external_id for c in batch})
        mapped = set(
            session.scalars(
                select(POSMapping.external_item_id).where(
                    POSMapping.integration_id == self._record.id,
                    POSMapping.external_item_id.in_(ids),
                )
            )
        )
        rest = [c for c in batch if c.item.external_id not in mapped]
        self._tally.already_mapped += len(batch) - len(rest)
        if not rest:
            return []
        skus = sorted({c.sku for c in rest})
        gtins = sorted({c.gtin for c in rest if c.gtin is not None})
        known_skus = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
        known_gtins: set[str | None] = set()
        if gtins:
            known_gtins = set(session.scalars(select(Product.gtin).where(Product.gtin.in_(gtins))))
        new: list[_Candidate] = []
        for cand in rest:
            if cand.sku in known_skus or (cand.gtin is not None and cand.gtin in known_gtins):
                self._tally.matched += 1
            else:
                new.append(cand)
        return new

    def _opening(
        self, product_id: uuid.UUID, warehouse_id: uuid.UUID, count: POSCount, now: datetime
    ) -> MovementRequest:
        return MovementRequest(
            product_id=product_id,
            warehouse_id=warehouse_id,
            delta=count.quantity,
            reason=MovementReason.OPENING,
            actor=self._actor,
            reference=self._reference,
            note=f"Starting stock from {self._record.name} (POS location {count.location_id})",
            at=now,
        )
