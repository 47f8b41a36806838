"""The Integrations tab's async work: listing with health and last result, add/edit/remove,
health checks, sync now with progress and cancel, the sync log."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.errors import PossyncError, SyncInProgressError
from possync_gui.domain.events import Change
from possync_gui.domain.records import Warehouse
from possync_gui.domain.sync import InventorySyncResult
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.sync_manager import SyncProgress
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.integrations import text
from possync_gui.ui.integrations.model import IntegrationRow, IntegrationsModel, SyncLogModel

#: How many runs the log panel shows.
LOG_LIMIT = 200


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the progress area says about one integration's sync.

    ``tone`` is ``busy`` while it runs, then ``ok``, ``warning``, ``error`` or ``cancelled``."""

    running: bool
    text: str
    tone: str = "busy"


class IntegrationsPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``, ``loaded(int)``,
    ``log_loaded(object)`` (the integration id), ``sync_state_changed(object)`` (id),
    ``sync_finished(object)`` (id), ``saved(object)`` (the new or changed integration),
    ``save_failed(str)`` (a message for the open dialog), ``locations_fetched(object)`` (the
    POS's locations) and ``locations_failed(str)`` (why it could not be asked)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    loaded = Signal(int)
    log_loaded = Signal(object)
    sync_state_changed = Signal(object)
    sync_finished = Signal(object)
    saved = Signal(object)
    save_failed = Signal(str)
    locations_fetched = Signal(object)
    locations_failed = Signal(str)

    def __init__(self, facade: InventorySyncService, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.model = IntegrationsModel(self)
        self.log_model = SyncLogModel(self)
        self.warehouses: list[Warehouse] = []
        self.sync_states: dict[uuid.UUID, SyncState] = {}
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._sync_tasks: dict[uuid.UUID, asyncio.Task[Any]] = {}
        self._selected: uuid.UUID | None = None
        self._visible = False
        self._stale = True
        self._closing = False

    def shutdown(self) -> None:
        """The window is closing: cancel everything (a running sync stops after its batch)."""
        self._closing = True
        self.tasks.cancel_all()

    # -- visibility and change events (STYLE habit 6) ---------------------------------------
    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.tasks.run("refresh", self.refresh())

    def on_change(self, _change: Change) -> None:
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())

    # -- reading ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Integrations with their newest run and last known health (no network)."""
        self._stale = False
        infos = await self._facade.list_integrations()
        health = {h.integration_id: h for h in await self._facade.integration_health()}
        rows = []
        for info in infos:
            runs = await self._facade.sync_log(info.id, limit=1)
            state = self.sync_states.get(info.id)
            rows.append(
                IntegrationRow(
                    info,
                    last_run=runs[0] if runs else None,
                    health=health.get(info.id),
                    syncing=state is not None and state.running,
                )
            )
        self.warehouses = await self._facade.list_warehouses()
        # A sync may have started while this read was awaiting: the row says so now.
        rows = [replace(r, syncing=r.syncing or self.is_syncing(r.id)) for r in rows]
        self.model.set_rows(rows)
        self.loaded.emit(len(rows))  # the tab selects the row again, which reloads its log

    @property
    def selected(self) -> uuid.UUID | None:
        return self._selected

    def select(self, integration_id: uuid.UUID | None) -> None:
        """The row the user is on: its log is shown below the table."""
        self._selected = integration_id
        if integration_id is None:
            self.log_model.set_entries([])
            self.log_loaded.emit(None)
            return
        self.tasks.run("log", self.load_log(integration_id))

    async def load_log(self, integration_id: uuid.UUID) -> None:
        entries = await self._facade.sync_log(integration_id, limit=LOG_LIMIT)
        if integration_id == self._selected:
            self.log_model.set_entries(entries)
            self.log_loaded.emit(integration_id)

    # -- changing ----------------------------------------------------------------------------
    async def save(self, integration_id: uuid.UUID | None, data: dict[str, Any]) -> None:
        """Add (``integration_id`` None) or change an integration from the dialog's seed-shaped
        data. What the facade refuses goes to ``save_failed`` so the dialog can show it."""
        try:
            if integration_id is None:
                saved: Any = await self._facade.add_integration_from_json(data)
            else:
                saved = await self._facade.update_integration(integration_id, data)
        except PossyncError as err:
            self.save_failed.emit(str(err))
            return
        self.saved.emit(saved)
        verb = "Added" if integration_id is None else "Saved"
        self.message.emit(f"{verb} integration {saved.name}")
        self._selected = saved.id
        await self.refresh()

    async def fetch_locations(self, integration_id: uuid.UUID | None, data: dict[str, Any]) -> None:
        """Ask the POS the dialog describes for its locations (nothing is saved); the answer
        goes to ``locations_fetched`` or, as a message for the dialog, ``locations_failed``."""
        try:
            found = await self._facade.fetch_pos_locations(data, integration_id)
        except PossyncError as err:
            self.locations_failed.emit(str(err))
            return
        except Exception:  # a bug: the dialog must not stay busy; the excepthook reports it
            self.locations_failed.emit("an unexpected error (details are in the log).")
            raise
        self.locations_fetched.emit(found)

    async def remove(self, integration_id: uuid.UUID) -> None:
        info = await self._facade.remove_integration(str(integration_id))
        self.sync_states.pop(integration_id, None)
        if self._selected == integration_id:
            self.select(None)
        self.message.emit(f"Removed integration {info.name} and its stored credentials")
        await self.refresh()

    async def check_health(self, integration_id: uuid.UUID) -> None:
        report = await self._facade.check_integration_health(integration_id)
        self.model.update(integration_id, health=report)
        row = self.model.row_for(integration_id)
        name = row.info.name if row else "Integration"
        line = f"{name}: {text.health_label(report).lower()}"
        if report.response_time_ms is not None:
            line += f" ({report.response_time_ms:,} ms)"
        if report.error:
            line += f" — {report.error}"
        self.message.emit(line)

    # -- syncing ---------------------------------------------------------------------------
    def is_syncing(self, integration_id: uuid.UUID) -> bool:
        task = self._sync_tasks.get(integration_id)
        return task is not None and not task.done()

    def start_sync(self, integration_id: uuid.UUID, sync_type: str) -> None:
        if self.is_syncing(integration_id):
            self.message.emit("A sync of this integration is already running")
            return
        task = self.tasks.run(f"sync:{integration_id}", self.sync(integration_id, sync_type))
        self._sync_tasks[integration_id] = task

    def cancel_sync(self, integration_id: uuid.UUID) -> None:
        task = self._sync_tasks.get(integration_id)
        if task is not None and not task.done():
            self._set_state(integration_id, SyncState(True, "Cancelling after this batch…"))
            task.cancel()

    async def sync(self, integration_id: uuid.UUID, sync_type: str) -> None:
        """Run one sync; the progress area follows it. Cancelling the task cancels the run
        (what it committed stays); the log then shows a ``cancelled`` run."""
        words = "full sync" if sync_type == "full" else "sync of changes"
        self._set_state(integration_id, SyncState(True, f"Starting a {words}…"))
        self.model.update(integration_id, syncing=True)

        def progress(step: SyncProgress) -> None:
            self._set_state(integration_id, SyncState(True, step.text))

        final = SyncState(False, text.CANCELLED_TEXT, "cancelled")
        try:
            results = await self._facade.sync_inventory_levels(
                integration_id, sync_type, progress=progress
            )
            final = _outcome(results[0]) if results else SyncState(False, "Nothing synced", "ok")
        except SyncInProgressError as err:
            final = SyncState(False, str(err), "warning")
        except PossyncError as err:
            final = SyncState(False, f"Sync failed: {err}", "error")
        finally:
            self._set_state(integration_id, final)
            self.model.update(integration_id, syncing=False)
            self.sync_finished.emit(integration_id)
            self.message.emit(final.text)
            if not self._closing:
                # A task of its own: this one may be cancelled, and the row and the log
                # must still show the run the sync log now holds.
                self.tasks.run("refresh", self.refresh())

    def _set_state(self, integration_id: uuid.UUID, state: SyncState) -> None:
        self.sync_states[integration_id] = state
        self.sync_state_changed.emit(integration_id)


def _outcome(result: InventorySyncResult) -> SyncState:
    status = str(result.status)
    counts = text.counts_text(result.summary)
    if status == "failed":
        reason = result.errors[0] if result.errors else "see the sync log"
        return SyncState(False, f"Sync failed: {reason}", "error")
    line = f"Sync {status}: {result.products_processed:,} records, {counts}"
    if result.errors:
        line += f"; {len(result.errors)} errors (see the sync log)"
        return SyncState(False, line, "warning")
    return SyncState(False, line, "ok")
