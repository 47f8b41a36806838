"""``InventorySyncService``: the one object the UI and the CLI talk to (DESIGN.md §9).

It orchestrates the components; they never import one another. The seed's methods that
later work implements (sync, alerts, purchase orders, receiving, conflicts, health) are
added here as those components land — none is a stub.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from possync_gui.domain.enums import IntegrationStatus, MovementReason
from possync_gui.domain.errors import PossyncError, SyncInProgressError
from possync_gui.domain.events import CatalogChanged, Change, StockChanged
from possync_gui.domain.records import (
    InventoryQuery,
    ListRow,
    Product,
    ProductDetail,
    StockRow,
    Warehouse,
)
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.services import integrations
from possync_gui.services.demo_pos import DemoPOSService, DemoTickResult, adapter_factory
from possync_gui.services.integrations import IntegrationInfo, LocationChoice, SyncLogEntry
from possync_gui.services.inventory import AdjustmentResult, InventoryService
from possync_gui.services.listings import ListingService
from possync_gui.services.monitor import HealthReport, IntegrationMonitor, SyncScheduler
from possync_gui.services.pos_catalog import CatalogProgress, PosCatalogReport, import_pos_catalog
from possync_gui.services.sync_manager import ProgressCallback, SyncManager
from possync_gui.store.catalog import ImportReport
from possync_gui.store.database import Database

log = logging.getLogger("possync")

Listener = Callable[[Change], None]


class InventorySyncService:
    """The facade: inventory reads and changes now; sync, alerts, POs, receiving, conflicts next."""

    def __init__(
        self,
        db: Database,
        *,
        inventory: InventoryService | None = None,
        listings: ListingService | None = None,
        demo_pos: DemoPOSService | None = None,
        sync_manager: SyncManager | None = None,
        monitor: IntegrationMonitor | None = None,
    ) -> None:
        self._db = db
        self.inventory = inventory or InventoryService(db)
        self.listings = listings or ListingService(db)
        self.demo_pos = demo_pos or DemoPOSService(db)
        self.sync_manager = sync_manager or SyncManager(
            db, adapter_factory(db, integrations.make_adapter)
        )
        self.monitor = monitor or IntegrationMonitor(
            db, adapter_factory(db, integrations.make_adapter)
        )
        self._listeners: list[Listener] = []
        self.debug = os.environ.get("POS_SYNC_DEBUG", "").lower() in ("1", "true", "yes")
        if self.debug:
            self.enable_debug_mode(True)

    @property
    def database_description(self) -> str:
        return self._db.url_for_display

    # -- change events -------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    # -- debug ---------------------------------------------------------------------------
    def enable_debug_mode(self, on: bool) -> None:
        """Log every operation in detail (``POS_SYNC_DEBUG=true`` does the same at start)."""
        self.debug = on
        logging.getLogger("possync").setLevel(logging.DEBUG if on else logging.INFO)
        log.info("debug mode %s", "on" if on else "off")

    # -- inventory -------------------------------------------------------------------------
    async def count_stock(self, query: InventoryQuery) -> int:
        return await self.inventory.count_stock(query)

    async def stock_page(
        self, query: InventoryQuery, offset: int, limit: int, total: int | None = None
    ) -> list[StockRow]:
        return await self.inventory.stock_page(query, offset, limit, total)

    async def list_warehouses(self) -> list[Warehouse]:
        return await self.inventory.list_warehouses()

    async def add_warehouse(self, code: str, name: str) -> Warehouse:
        wh = await self.inventory.add_warehouse(code, name)
        self._emit(CatalogChanged())
        return wh

    async def find_product(self, code: str) -> Product | None:
        return await self.inventory.find_product(code)

    async def product_detail(self, product_id: uuid.UUID) -> ProductDetail:
        return await self.inventory.product_detail(product_id)

    async def adjust_stock(
        self,
        product_ref: str,
        warehouse_ref: str | uuid.UUID,
        delta: int,
        reason: MovementReason | str,
        actor: str,
        note: str | None = None,
    ) -> AdjustmentResult:
        result = await self.inventory.adjust_stock(
            product_ref, warehouse_ref, delta, reason, actor, note
        )
        self._emit(StockChanged(frozenset({result.product.id})))
        return result

    async def import_catalog(
        self, path: Path, actor: str, progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        report = await self.inventory.import_catalog(path, actor, progress)
        self._emit(CatalogChanged())
        return report

    async def export_catalog(self, path: Path) -> int:
        return await self.inventory.export_catalog(path)

    async def count_products(self, search: str = "") -> int:
        return await self.inventory.count_products(search)

    async def list_products(self, search: str = "", limit: int | None = None) -> list[Product]:
        return await self.inventory.list_products(search, limit)

    # -- the demo POS ----------------------------------------------------------------------
    async def run_demo_pos(self) -> DemoTickResult:
        """Let the simulated store sell from its shelf what it sold since its last tick, then
        sync the Demo POS incrementally: its sales reach the store, the store's deliveries its
        shelf. The result lists the products whose store stock that sync changed."""
        tick = await self.demo_pos.tick()
        if tick.integration_id is None:
            return tick
        changed: frozenset[uuid.UUID] = frozenset()
        try:
            synced = await self.sync_manager.sync(tick.integration_id, "incremental")
        except SyncInProgressError:  # that sync brings the sales in (and says so)
            log.debug("Demo POS already syncing; its sales arrive with that sync")
        except PossyncError as err:  # logged as a failed run in the sync log
            log.warning("Demo POS sync failed: %s", err)
        else:
            changed = await self.demo_pos.store_changes(
                synced.integration_id, synced.id, synced.started_at
            )
        if changed:
            self._emit(StockChanged(changed))
        return dataclasses.replace(tick, product_ids=changed)

    # -- POS integrations and sync ----------------------------------------------------------
    async def add_integration_from_json(self, data: dict[str, Any]) -> IntegrationRecord:
        """Add an integration from the seed's JSON; its credentials go to the keyring."""
        return await asyncio.to_thread(integrations.add_from_json, self._db, data)

    async def list_integrations(self) -> list[IntegrationInfo]:
        return await asyncio.to_thread(integrations.list_integrations, self._db)

    async def get_integration(self, ref: str | uuid.UUID) -> IntegrationInfo:
        """One integration by UUID or external key (the seed's id)."""
        return await asyncio.to_thread(integrations.find_integration, self._db, str(ref))

    async def update_integration(
        self, ref: str | uuid.UUID, data: dict[str, Any]
    ) -> IntegrationInfo:
        """Change an integration from the seed's JSON shape; credentials left out are kept."""
        return await asyncio.to_thread(integrations.update_from_json, self._db, str(ref), data)

    async def fetch_pos_locations(
        self, data: dict[str, Any], ref: str | uuid.UUID | None = None
    ) -> list[LocationChoice]:
        """The locations the POS a form describes lists, before anything is saved (``ref``:
        the integration being edited; its stored secrets stand in for empty ones)."""
        return await integrations.fetch_locations(self._db, data, None if ref is None else str(ref))

    async def sync_log(
        self, integration_id: str | uuid.UUID | None = None, limit: int = 200
    ) -> list[SyncLogEntry]:
        """Sync runs, newest first, of one integration or all."""
        ref = None if integration_id is None else str(integration_id)
        return await asyncio.to_thread(integrations.sync_log, self._db, ref, limit)

    async def remove_integration(self, ref: str) -> IntegrationInfo:
        """Remove an integration (UUID or external key) with its mappings and credentials."""
        return await asyncio.to_thread(integrations.remove, self._db, ref)

    async def import_pos_catalog(
        self,
        ref: str | uuid.UUID,
        *,
        progress: Callable[[CatalogProgress], None] | None = None,
    ) -> PosCatalogReport:
        """Create products, with their POS counts as starting stock and baseline, for the
        POS items of one integration (UUID or external key) that match no product."""
        target = await asyncio.to_thread(integrations.find_integration, self._db, str(ref))
        try:
            return await import_pos_catalog(
                self._db, target.id, integrations.make_adapter, progress=progress
            )
        finally:  # batches written before a failure or a cancellation stay
            self._emit(CatalogChanged())
            self._emit(StockChanged())

    async def sync_inventory_levels(
        self,
        integration_id: str | uuid.UUID | None = None,
        sync_type: str = "full",
        *,
        progress: ProgressCallback | None = None,
    ) -> list[InventorySyncResult]:
        """Sync one integration (UUID or external key), or every active one.

        A run that fails comes back as a ``failed`` result; a sync already running
        raises :class:`SyncInProgressError`; cancelling the awaiting task cancels the run
        (what it committed stays) and raises :class:`asyncio.CancelledError`."""
        if integration_id is not None:
            targets = [
                await asyncio.to_thread(
                    integrations.find_integration, self._db, str(integration_id)
                )
            ]
        else:
            targets = [
                i for i in await self.list_integrations() if i.status == IntegrationStatus.ACTIVE
            ]
        results: list[InventorySyncResult] = []
        for target in targets:
            try:
                results.append(await self._sync_one(target, sync_type, progress))
            finally:
                self._emit(StockChanged())  # the result does not list products: reload all
        return results

    async def _sync_one(
        self, target: IntegrationInfo, sync_type: str, progress: ProgressCallback | None
    ) -> InventorySyncResult:
        started = datetime.now(UTC)
        try:
            return await self.sync_manager.sync(target.id, sync_type, progress=progress)
        except SyncInProgressError:
            raise
        except PossyncError as err:  # the sync manager has logged the failed run
            return InventorySyncResult(
                id=uuid.uuid4(),
                integration_id=target.id,
                sync_type=sync_type,
                status=SyncStatus.FAILED,
                started_at=started,
                completed_at=datetime.now(UTC),
                products_processed=0,
                products_updated=0,
                errors=(str(err),),
            )

    async def check_integration_health(self, ref: str | uuid.UUID) -> HealthReport:
        """Ping one integration's POS (UUID or external key), store and return its health."""
        info = await asyncio.to_thread(integrations.find_integration, self._db, str(ref))
        return await self.monitor.check_integration_health(info.id)

    async def integration_health(self) -> list[HealthReport]:
        """The last known health of every integration, from the database (no network)."""
        return await self.monitor.health()

    def make_scheduler(self) -> SyncScheduler:
        """A scheduler running each active integration's syncs by its frequency (``start()``
        it on the app's loop, ``await stop()`` it on the way out)."""

        async def run_sync(integration_id: uuid.UUID, sync_type: str) -> object:
            return await self.sync_inventory_levels(integration_id, sync_type)

        # No demo factory: the Demo POS is synced by its own tick (run_demo_pos), right after
        # it sells, so the scheduler leaves it alone rather than sync it twice.
        return SyncScheduler(self._db, run_sync)

    # -- read-only lists for the tabs whose components have not landed yet ---------------
    async def list_rows(self, kind: str) -> tuple[tuple[str, ...], list[ListRow]]:
        return await self.listings.rows(kind)

    async def last_sync_at(self) -> datetime | None:
        return await self.listings.last_sync_at()
