"""``InventorySyncService``: the one object the UI and the CLI talk to (DESIGN.md §9).

It orchestrates the components; they never import one another: sync → alerts →
automatic purchase orders, delivery → alert resolution, conflict resolution → stock change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from possync_gui.domain.conflicts import (
    ConflictDetail,
    ConflictQuery,
    ConflictRecord,
    ConflictReport,
    ConflictResolutionResult,
    ResolutionOutcome,
)
from possync_gui.domain.connection import ConnectionStatus
from possync_gui.domain.enums import IntegrationStatus, MovementReason, UrgencyLevel
from possync_gui.domain.errors import (
    NotFoundError,
    PossyncError,
    SyncInProgressError,
    ValidationError,
)
from possync_gui.domain.events import (
    AlertsChanged,
    CatalogChanged,
    Change,
    ConflictsChanged,
    DeliveriesChanged,
    PurchaseOrdersChanged,
    StockChanged,
)
from possync_gui.domain.purchasing import (
    AlertQuery,
    AlertRecord,
    AlertRunReport,
    POCreationReport,
    PurchaseOrderQuery,
    PurchaseOrderRecord,
)
from possync_gui.domain.receiving import (
    DeliveryInput,
    DeliveryItemResult,
    DeliveryRecord,
    DeliveryResult,
    ReceivingPlan,
    SerialLocation,
)
from possync_gui.domain.records import (
    InventoryQuery,
    Product,
    ProductDetail,
    StockRow,
    Warehouse,
)
from possync_gui.domain.reorder import AlertParams
from possync_gui.domain.suppliers import (
    DEFAULT_LEAD_TIME_DAYS,
    MappingImportReport,
    SupplierProductRecord,
    SupplierRecord,
    UnassignedProduct,
)
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.services import integrations
from possync_gui.services.about import AboutInfo, copy_sqlite, try_database
from possync_gui.services.about import about as about_info
from possync_gui.services.alert_generator import AlertGenerator
from possync_gui.services.change_feed import ChangeFeed, changes_for
from possync_gui.services.conflict_resolver import ConflictResolver
from possync_gui.services.delivery_processor import RECEIVABLE_STATES, DeliveryProcessor
from possync_gui.services.demo_pos import DemoPOSService, DemoTickResult, adapter_factory
from possync_gui.services.integrations import IntegrationInfo, LocationChoice, SyncLogEntry
from possync_gui.services.inventory import AdjustmentResult, InventoryService
from possync_gui.services.listings import ListingService
from possync_gui.services.monitor import HealthReport, IntegrationMonitor, SyncScheduler
from possync_gui.services.pos_catalog import CatalogProgress, PosCatalogReport, import_pos_catalog
from possync_gui.services.purchase_orders import PurchaseOrderManager
from possync_gui.services.settings import DATABASE_FILE, Settings, load_settings, save_settings
from possync_gui.services.suppliers import UNASSIGNED_LIMIT, SupplierService
from possync_gui.services.sync_manager import ProgressCallback, SyncManager
from possync_gui.services.threads import in_thread
from possync_gui.store.catalog import ImportReport
from possync_gui.store.database import Database

log = logging.getLogger("possync")

Listener = Callable[[Change], None]
ConnectionListener = Callable[[ConnectionStatus], None]


class InventorySyncService:
    """The facade: inventory, sync, alerts, purchase orders, receiving, conflicts and health."""

    def __init__(
        self,
        db: Database,
        *,
        inventory: InventoryService | None = None,
        listings: ListingService | None = None,
        demo_pos: DemoPOSService | None = None,
        sync_manager: SyncManager | None = None,
        monitor: IntegrationMonitor | None = None,
        suppliers: SupplierService | None = None,
        alerts: AlertGenerator | None = None,
        purchase_orders: PurchaseOrderManager | None = None,
        approval_threshold: Decimal | None = None,
        deliveries: DeliveryProcessor | None = None,
        conflicts: ConflictResolver | None = None,
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
        self.suppliers = suppliers or SupplierService(db)
        self._settings = load_settings()
        self.alerts = alerts or AlertGenerator(db, defaults=_alert_defaults(self._settings))
        if approval_threshold is None:
            approval_threshold = self._settings.approval_threshold
        self.purchase_orders = purchase_orders or PurchaseOrderManager(
            db, approval_threshold=approval_threshold
        )
        self.deliveries = deliveries or DeliveryProcessor(
            db, tolerance=self._settings.over_receipt_tolerance
        )
        self.conflicts = conflicts or ConflictResolver(
            db, adapter_factory(db, integrations.make_adapter)
        )
        self._listeners: list[Listener] = []
        self._feed: ChangeFeed | None = None  # other desktops' changes (start_change_feed)
        self._connection_listeners: list[ConnectionListener] = []
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
        # A sale, a delivery or an edit changes what the alert maths cached.
        if isinstance(change, StockChanged):
            self.alerts.forget(change.product_ids or None)
        elif isinstance(change, CatalogChanged):
            self.alerts.forget(None, suppliers=True, settings=True)
        for listener in list(self._listeners):
            listener(change)

    # -- other desktops and the database connection (issue 7) -----------------------------
    def start_change_feed(self) -> None:
        """Watch for what other desktops and ``possync`` processes commit (LISTEN/NOTIFY on
        PostgreSQL, ``PRAGMA data_version`` on SQLite): it arrives as the same change events
        as this desktop's own. The watcher also reports the connection's state to
        :meth:`subscribe_connection` listeners. Call on the running loop."""
        if self._feed is None:
            self._feed = ChangeFeed(
                self._db, on_changes=self._on_changes_elsewhere, on_status=self._on_connection
            )
        self._feed.start(asyncio.get_running_loop())

    async def stop_change_feed(self) -> None:
        if self._feed is not None:
            await self._feed.stop()

    def retry_connection_now(self) -> None:
        """While the database is away: try again now rather than after the backoff."""
        if self._feed is not None:
            self._feed.retry_now()

    def subscribe_connection(self, listener: ConnectionListener) -> None:
        self._connection_listeners.append(listener)

    def _on_changes_elsewhere(self, tables: frozenset[str]) -> None:
        log.debug("changed elsewhere: %s", ", ".join(sorted(tables)))
        for change in changes_for(tables):
            self._emit(change)

    def _on_connection(self, status: ConnectionStatus) -> None:
        for listener in list(self._connection_listeners):
            listener(status)

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
        await self._reevaluate(product_ids=[result.product.id])
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
            await self._reevaluate(product_ids=sorted(changed))
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
            result = await self.sync_manager.sync(target.id, sync_type, progress=progress)
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
        return await self._after_sync(target, result)

    async def _after_sync(
        self, target: IntegrationInfo, result: InventorySyncResult
    ) -> InventorySyncResult:
        """Judge the stock the sync moved (DESIGN.md §5) and, when the integration says so,
        turn the alerts into purchase orders; the counts go into the result."""
        if result.status == SyncStatus.FAILED:
            return result
        if result.summary.get("conflicts") or result.summary.get("conflicts_closed"):
            self._emit(ConflictsChanged())
        self.alerts.forget(None)  # the sync may have pulled sales
        report = await self._reevaluate(changed_since=result.started_at)
        if report is None:
            return result
        created = 0
        if target.sync_settings.get("autoCreatePurchaseOrders"):
            active = [a.id for a in report.alerts if a.status == "active"]
            if active:
                try:
                    orders = await self.purchase_orders.create_from_alerts(
                        active, f"auto ({target.name})", trigger="automatic"
                    )
                except PossyncError as err:
                    log.warning("Automatic purchase orders after %s failed: %s", target.name, err)
                else:
                    created = len(orders.orders)
                    if created:
                        self._emit(PurchaseOrdersChanged(frozenset(o.id for o in orders.orders)))
                        self._emit(AlertsChanged())
        return dataclasses.replace(
            result, stock_alerts_generated=report.created, purchase_orders_created=created
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

    # -- stock alerts (DESIGN.md §5) ----------------------------------------------------------
    async def monitor_inventory_levels(self) -> list[AlertRecord]:
        """Judge every stock level; returns the alerts this run raised or changed (all of
        them on a first run; on a store already judged only what moved since). Every open
        alert is in ``list_alerts()``."""
        return (await self.run_stock_check()).alerts

    async def run_stock_check(
        self, progress: Callable[[int, int], None] | None = None
    ) -> AlertRunReport:
        """``monitor_inventory_levels`` with its report (created, updated, resolved, the
        products it could not judge); cancelling stops it between batches."""
        try:
            report = await self.alerts.monitor_inventory_levels(progress)
        finally:
            self._emit(AlertsChanged())
        if report.new_critical:
            self._emit(AlertsChanged(new_critical=report.new_critical))
        return report

    async def generate_stock_alerts(
        self,
        product_id: str | uuid.UUID | None = None,
        urgency_level: UrgencyLevel | str | None = None,
        warehouse_id: str | uuid.UUID | None = None,
    ) -> list[AlertRecord]:
        """Judge the stock of one product and/or one warehouse (UUID, SKU, warehouse code)
        and return its open alerts, of one urgency when ``urgency_level`` is given."""
        urgency = None if urgency_level is None else UrgencyLevel(str(urgency_level))
        product = None
        if product_id is not None:
            found = await self.inventory.find_product(str(product_id))
            if found is None:
                raise NotFoundError(f"No product {product_id!r} (give its SKU or id)")
            product = found.id
        warehouse = None
        if warehouse_id is not None:
            warehouse = (await self._warehouse(str(warehouse_id))).id
        report = await self.alerts.generate(
            None if product is None else [product], warehouse_id=warehouse
        )
        self._emit(AlertsChanged(new_critical=report.new_critical))
        return [a for a in report.alerts if urgency is None or a.urgency_level == urgency]

    async def _warehouse(self, ref: str) -> Warehouse:
        for wh in await self.inventory.list_warehouses():
            if ref in (str(wh.id), wh.code) or ref.casefold() == wh.code.casefold():
                return wh
        raise NotFoundError(f"No warehouse {ref!r} (give its code or id)")

    async def _reevaluate(
        self,
        product_ids: list[uuid.UUID] | None = None,
        changed_since: datetime | None = None,
    ) -> AlertRunReport | None:
        """Judge what just moved; a failure here is logged, never the caller's failure."""
        try:
            report = await self.alerts.generate(product_ids, changed_since=changed_since)
        except PossyncError as err:
            log.warning("Stock alerts could not be updated: %s", err)
            return None
        if report.created or report.updated or report.resolved:
            self._emit(AlertsChanged(new_critical=report.new_critical))
        return report

    async def list_alerts(self, query: AlertQuery | None = None) -> list[AlertRecord]:
        return await self.alerts.list_alerts(query or AlertQuery())

    async def alert_counts(self) -> dict[UrgencyLevel, int]:
        """Active alerts per urgency (snoozed, dismissed and ordered ones not counted)."""
        return await self.alerts.alert_counts()

    async def dismiss_alert(self, alert_id: uuid.UUID, reason: str, actor: str) -> AlertRecord:
        record = await self.alerts.dismiss(alert_id, reason, actor)
        self._emit(AlertsChanged())
        return record

    async def snooze_alert(self, alert_id: uuid.UUID, until: datetime, actor: str) -> AlertRecord:
        record = await self.alerts.snooze(alert_id, until, actor)
        self._emit(AlertsChanged())
        return record

    async def reactivate_alert(self, alert_id: uuid.UUID, actor: str) -> AlertRecord:
        record = await self.alerts.reactivate(alert_id, actor)
        self._emit(AlertsChanged())
        return record

    # -- purchase orders (DESIGN.md §6) --------------------------------------------------------
    @property
    def approval_threshold(self) -> Decimal:
        return self.purchase_orders.approval_threshold

    async def process_stock_alerts(
        self, alert_ids: list[uuid.UUID] | list[str], *, actor: str | None = None
    ) -> list[PurchaseOrderRecord]:
        """The seed's ``processStockAlerts``: the purchase orders made from these alerts
        (items that cannot be ordered are logged; ``create_purchase_orders`` returns them)."""
        report = await self.create_purchase_orders(alert_ids, actor or "possync")
        for problem in report.problems:
            log.warning("%s", problem.message)
        return report.orders

    async def create_purchase_orders(
        self, alert_ids: list[uuid.UUID] | list[str], actor: str, trigger: str = "manual"
    ) -> POCreationReport:
        ids = [a if isinstance(a, uuid.UUID) else _uuid(a, "alert") for a in alert_ids]
        report = await self.purchase_orders.create_from_alerts(ids, actor, trigger)
        if report.orders:
            self._emit(PurchaseOrdersChanged(frozenset(o.id for o in report.orders)))
            self._emit(AlertsChanged())
        return report

    async def list_purchase_orders(
        self, query: PurchaseOrderQuery | None = None
    ) -> list[PurchaseOrderRecord]:
        return await self.purchase_orders.list_orders(query or PurchaseOrderQuery())

    async def get_purchase_order(self, ref: str | uuid.UUID) -> PurchaseOrderRecord:
        """One purchase order with its lines, by UUID or order number."""
        return await self.purchase_orders.get(ref)

    async def approve_purchase_order(self, ref: str | uuid.UUID, actor: str) -> PurchaseOrderRecord:
        return self._po_changed(await self.purchase_orders.approve(ref, actor))

    async def reject_purchase_order(
        self, ref: str | uuid.UUID, actor: str, reason: str
    ) -> PurchaseOrderRecord:
        record = self._po_changed(await self.purchase_orders.reject(ref, actor, reason))
        self._emit(AlertsChanged())
        return record

    async def send_purchase_order(self, ref: str | uuid.UUID, actor: str) -> PurchaseOrderRecord:
        return self._po_changed(await self.purchase_orders.send(ref, actor))

    async def cancel_purchase_order(
        self, ref: str | uuid.UUID, actor: str, reason: str | None = None
    ) -> PurchaseOrderRecord:
        record = self._po_changed(await self.purchase_orders.cancel(ref, actor, reason))
        self._emit(AlertsChanged())
        return record

    async def export_purchase_order(
        self, ref: str | uuid.UUID, path: Path, fmt: str = "pdf"
    ) -> Path:
        """Write the supplier's copy of an order as PDF or CSV."""
        return await self.purchase_orders.export(ref, path, fmt)

    def _po_changed(self, record: PurchaseOrderRecord) -> PurchaseOrderRecord:
        self._emit(PurchaseOrdersChanged(frozenset({record.id})))
        return record

    # -- receiving (DESIGN.md §7) --------------------------------------------------------------
    async def update_inventory_from_delivery(
        self, delivery: DeliveryInput | dict[str, Any]
    ) -> DeliveryResult:
        """Post a delivery (a :class:`DeliveryInput` or the seed's ``deliveryData``) as one
        transaction; idempotent by its delivery id. Bad items are rejected with a reason
        and the rest post; a delivery refused as a whole raises :class:`ValidationError`.
        Then the moved products' alerts are judged again (their count in
        ``alerts_resolved``); the next sync pushes the new stock to the POS."""
        result = await in_thread(self.deliveries.post, delivery)
        if result.already_posted:
            return result
        self._emit(StockChanged(result.product_ids))
        if result.purchase_order_number:
            self._emit(PurchaseOrdersChanged())
        if result.alerts_resolved:
            self._emit(AlertsChanged())
        resolved = result.alerts_resolved
        if result.product_ids:
            report = await self._reevaluate(product_ids=sorted(result.product_ids))
            resolved += report.resolved if report is not None else 0
        self._emit(DeliveriesChanged(frozenset({result.delivery_id})))
        return dataclasses.replace(result, alerts_resolved=resolved)

    async def receiving_plan(self, po_ref: str | uuid.UUID) -> ReceivingPlan:
        """An order's lines to receive (order number or UUID); only approved, sent or
        partially received orders — another raises :class:`ValidationError` saying why."""
        return await in_thread(self.deliveries.receiving_plan, po_ref)

    async def receivable_purchase_orders(self, search: str = "") -> list[PurchaseOrderRecord]:
        """Orders that can receive goods, newest first (search: number, supplier)."""
        return await self.purchase_orders.list_orders(
            PurchaseOrderQuery(statuses=RECEIVABLE_STATES, search=search)
        )

    async def lookup_product_for_scan(self, code: str) -> Product | None:
        """The product a scanned code names: SKU, barcode, any GTIN form, or UUID."""
        return await self.inventory.find_product(code)

    async def find_serial(self, serial: str) -> list[SerialLocation]:
        """Every product carrying ``serial``, where it is and the delivery that brought it."""
        return await in_thread(self.deliveries.find_serial, serial)

    async def list_deliveries(self, search: str = "", limit: int = 500) -> list[DeliveryRecord]:
        """Deliveries newest first; search by delivery id, supplier, PO number, receiver."""
        return await in_thread(self.deliveries.list_deliveries, search, limit)

    async def delivery_detail(
        self, ref: str | uuid.UUID
    ) -> tuple[DeliveryRecord, list[DeliveryItemResult]]:
        """One delivery (external id or UUID) with its items as posted."""
        return await in_thread(self.deliveries.delivery_detail, ref)

    # -- suppliers -------------------------------------------------------------------------
    # Every change emits CatalogChanged: alerts and purchase orders read the preferred
    # supplier and its terms, so their caches drop.
    async def list_suppliers(self, search: str = "") -> list[SupplierRecord]:
        """Suppliers by code, each with its count of mapped and of preferred products."""
        return await self.suppliers.list_suppliers(search)

    async def get_supplier(self, ref: str | uuid.UUID) -> SupplierRecord:
        """One supplier by UUID or code."""
        return await self.suppliers.get_supplier(ref)

    async def add_supplier(
        self,
        code: str,
        name: str,
        email: str | None = None,
        phone: str | None = None,
        currency: str = "USD",
    ) -> SupplierRecord:
        record = await self.suppliers.add_supplier(code, name, email, phone, currency)
        self._emit(CatalogChanged())
        return record

    async def update_supplier(
        self,
        ref: str | uuid.UUID,
        code: str,
        name: str,
        email: str | None = None,
        phone: str | None = None,
        currency: str = "USD",
    ) -> SupplierRecord:
        record = await self.suppliers.update_supplier(ref, code, name, email, phone, currency)
        self._emit(CatalogChanged())
        return record

    async def remove_supplier(self, ref: str | uuid.UUID) -> SupplierRecord:
        """Delete a supplier with its mappings; refused while purchase orders name it."""
        record = await self.suppliers.remove_supplier(ref)
        self._emit(CatalogChanged())
        return record

    async def list_supplier_mappings(
        self,
        supplier: str | uuid.UUID | None = None,
        product: str | uuid.UUID | None = None,
    ) -> list[SupplierProductRecord]:
        """The mappings of a supplier (UUID or code), of a product (UUID, SKU, barcode)."""
        return await self.suppliers.list_mappings(supplier, product)

    async def upsert_supplier_mapping(
        self,
        supplier: str | uuid.UUID,
        product: str | uuid.UUID,
        *,
        unit_cost: Decimal | str,
        supplier_sku: str | None = None,
        lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
        pack_size: int = 1,
        min_order_qty: int = 1,
        preferred: bool = False,
    ) -> SupplierProductRecord:
        """Add or change a mapping; ``preferred`` makes it the product's only preferred one."""
        record = await self.suppliers.upsert_mapping(
            supplier,
            product,
            unit_cost=unit_cost,
            supplier_sku=supplier_sku,
            lead_time_days=lead_time_days,
            pack_size=pack_size,
            min_order_qty=min_order_qty,
            preferred=preferred,
        )
        self._emit(CatalogChanged())
        return record

    async def remove_supplier_mapping(self, mapping_id: uuid.UUID) -> SupplierProductRecord:
        record = await self.suppliers.remove_mapping(mapping_id)
        self._emit(CatalogChanged())
        return record

    async def products_without_preferred_supplier(
        self, search: str = "", limit: int | None = UNASSIGNED_LIMIT
    ) -> list[UnassignedProduct]:
        """Products no supplier is preferred for ("No preferred supplier found for …")."""
        return await self.suppliers.products_without_preferred_supplier(search, limit)

    async def count_products_without_preferred_supplier(self, search: str = "") -> int:
        return await self.suppliers.count_products_without_preferred_supplier(search)

    async def import_supplier_mappings(self, path: Path) -> MappingImportReport:
        """Import a mapping CSV: bad rows reported by row number, good rows saved together."""
        report = await self.suppliers.import_mappings(path)
        if report.saved:
            self._emit(CatalogChanged())
        return report

    async def export_supplier_mappings(
        self, path: Path, supplier: str | uuid.UUID | None = None
    ) -> int:
        """Write the mappings (of one supplier, or all) as CSV; returns the rows written."""
        return await self.suppliers.export_mappings(path, supplier)

    # -- conflicts (DESIGN.md §4) --------------------------------------------------------------
    async def list_conflicts(self, query: ConflictQuery | None = None) -> list[ConflictRecord]:
        """Conflicts by status (open by default), integration (UUID, key or name), search."""
        return await self.conflicts.list_conflicts(query)

    async def conflict_detail(self, conflict_id: uuid.UUID | str) -> ConflictDetail:
        """A conflict (UUID or a unique prefix of ≥ 8 characters) with its history and the
        movements on each side since the base."""
        return await self.conflicts.detail(conflict_id)

    async def resolve_sync_conflicts(
        self,
        conflicts: Iterable[Any],
        strategy: str | None = None,
        *,
        actor: str | None = None,
        value: int | None = None,
        reason: str | None = None,
        shown: dict[uuid.UUID, tuple[int, int]] | None = None,
    ) -> ConflictResolutionResult:
        """The seed's ``resolveSyncConflicts``. ``conflicts``: ids (UUID, text, a prefix of
        ≥ 8 characters), ConflictRecords, or the seed's ``{productId, productCode,
        posValue, systemValue, lastUpdated}`` dicts. ``strategy``: pos_wins, supplier_wins,
        manual_review or ``set`` (with ``value`` and ``reason``); None: the product's review
        policy, else the integration's setting. Give ``actor`` (the person) when a person
        decides: without it the call is automatic and a high-value product (review policy
        manual) goes to manual review whatever the strategy. ``shown``: id → (POS value,
        warehouse value) as the person saw them; a conflict that differs is not applied
        (``stale``)."""
        result = await self.conflicts.resolve(
            conflicts, strategy, actor=actor, value=value, reason=reason, shown=shown
        )
        touched = frozenset(
            d.conflict_id
            for d in result.details
            if d.conflict_id is not None
            and d.outcome in (ResolutionOutcome.RESOLVED, ResolutionOutcome.STALE)
        )
        if touched:
            self._emit(ConflictsChanged(touched))
        moved = sorted(
            {
                d.product_id
                for d in result.details
                if d.product_id is not None and d.outcome is ResolutionOutcome.RESOLVED
            }
        )
        if moved:
            self._emit(StockChanged(frozenset(moved)))
            await self._reevaluate(product_ids=moved)
        return result

    async def conflict_report(self) -> ConflictReport:
        """Open conflicts, resolutions per strategy, mean time to resolve, by integration."""
        return await self.conflicts.report()

    async def export_conflict_report(self, path: Path) -> int:
        """Write the conflict report as CSV; returns the rows written."""
        return await self.conflicts.export_report(path)

    # -- the status bar ----------------------------------------------------------------------
    async def last_sync_at(self) -> datetime | None:
        return await self.listings.last_sync_at()

    # -- this desktop's settings, the About box (issue 8) --------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, settings: Settings, path: Path | None = None) -> Settings:
        """Save ``settings`` (settings.json) and apply at once what applies at once: the
        approval threshold, the over-receipt tolerance, the alert window and safety stock
        (the next alert run); the database and data folder apply at the next start."""
        save_settings(settings, path)
        self._settings = settings
        self.purchase_orders.approval_threshold = settings.approval_threshold
        self.deliveries.tolerance = settings.over_receipt_tolerance
        self.alerts.set_defaults(_alert_defaults(settings))
        self._emit(PurchaseOrdersChanged())  # the approval texts name the threshold
        return settings

    async def about(self) -> AboutInfo:
        """Versions, the database (no password) and its schema revision against the head."""
        return await in_thread(about_info, self._db)

    async def try_database_url(self, url: str) -> str:
        """Connect to ``url`` without using it; a sentence on what is there."""
        return await in_thread(try_database, url)

    async def copy_database_to(self, folder: Path) -> Path:
        """Copy this desktop's SQLite database into ``folder`` (for a new data folder)."""
        return await in_thread(copy_sqlite, self._db, folder, DATABASE_FILE)


def _alert_defaults(settings: Settings) -> AlertParams:
    return AlertParams(
        window_days=settings.alert_window_days, safety_stock=settings.safety_stock_default
    )


def _uuid(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        raise ValidationError(f"{text!r} is not a {what} id") from None
