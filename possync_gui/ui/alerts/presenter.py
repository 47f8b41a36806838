"""The Alerts tab's async work: the filtered list, counts per urgency, the stock check with
progress and cancel, and the actions (create purchase orders, dismiss, snooze, reactivate)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.errors import PossyncError
from possync_gui.domain.events import (
    AlertsChanged,
    CatalogChanged,
    Change,
    PurchaseOrdersChanged,
    StockChanged,
)
from possync_gui.domain.purchasing import (
    OPEN_ALERT_STATES,
    AlertQuery,
    AlertRecord,
    AlertRunReport,
    POCreationReport,
)
from possync_gui.domain.records import Warehouse
from possync_gui.domain.suppliers import SupplierRecord
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.alerts.model import AlertsModel
from possync_gui.ui.async_helpers import TaskRunner

#: The status filter's choices: (key, words, the statuses it selects).
STATUS_CHOICES: tuple[tuple[str, str, tuple[AlertStatus, ...]], ...] = (
    ("open", "Open (not resolved)", OPEN_ALERT_STATES),
    ("active", "Active", (AlertStatus.ACTIVE,)),
    ("ordered", "Ordered", (AlertStatus.ORDERED,)),
    ("snoozed", "Snoozed", (AlertStatus.SNOOZED,)),
    ("dismissed", "Dismissed", (AlertStatus.DISMISSED,)),
    ("resolved", "Resolved", (AlertStatus.RESOLVED,)),
)
STATUSES = {key: statuses for key, _words, statuses in STATUS_CHOICES}
CANCELLING_TEXT = "Cancelling…"
CANCELLED_TEXT = "Stock check cancelled"
#: The changes that call for a reload (CatalogChanged: supplier terms and names).
RELOAD_ON = (AlertsChanged, StockChanged, PurchaseOrdersChanged, CatalogChanged)


@dataclass(frozen=True, slots=True)
class CheckState:
    """The stock check's progress: ``done`` of ``total`` stock levels (total 0: not yet known)."""

    running: bool
    done: int = 0
    total: int = 0
    text: str = ""


class AlertsPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``, ``loaded(int)``,
    ``counts_changed(object)`` (dict urgency → active alerts), ``warehouses_changed(list)``,
    ``suppliers_changed(list)`` (``SupplierRecord``), ``check_changed(object)``
    (:class:`CheckState`), ``orders_created(object)`` (:class:`POCreationReport`) and
    ``critical_alerts(int)`` (how many alerts just became critical, for a notification)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    loaded = Signal(int)
    counts_changed = Signal(object)
    warehouses_changed = Signal(list)
    suppliers_changed = Signal(list)
    check_changed = Signal(object)
    orders_created = Signal(object)
    critical_alerts = Signal(int)
    # Progress arrives from wherever the check runs; a queued signal brings it to the GUI.
    _progress = Signal(int, int)

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.operator = operator
        self.model = AlertsModel(self)
        self.query = AlertQuery()
        self.status_key = "open"
        self.counts: dict[UrgencyLevel, int] = {}
        self.suppliers: list[SupplierRecord] = []
        self.warehouses: list[Warehouse] = []
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._check: asyncio.Task[Any] | None = None
        self.check_state = CheckState(False)
        self._visible = False
        self._stale = True
        self._closing = False
        self._progress.connect(self._on_progress)

    def set_operator(self, name: str) -> None:
        """Who acts from now on (the window's operator; tests act as someone else)."""
        self.operator = name

    def shutdown(self) -> None:
        """The window is closing: cancel everything, start nothing new."""
        self._closing = True
        self.tasks.cancel_all()

    # -- visibility and change events (STYLE habit 6) ---------------------------------------
    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.tasks.run("refresh", self.refresh())

    def on_change(self, change: Change) -> None:
        if isinstance(change, AlertsChanged) and change.new_critical > 0:
            self.critical_alerts.emit(change.new_critical)
        if not isinstance(change, RELOAD_ON):
            return
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())
        else:
            self.start_counts()  # the tab's title shows them while it is hidden too

    def start_counts(self) -> None:
        self.tasks.run("counts", self.load_counts())

    # -- filters ---------------------------------------------------------------------------
    def set_urgency(self, urgency: UrgencyLevel | str | None) -> None:
        # Qt hands enum values back from combo boxes as plain strings.
        self._requery(replace(self.query, urgency=UrgencyLevel(urgency) if urgency else None))

    def set_warehouse(self, warehouse_id: uuid.UUID | None) -> None:
        self._requery(replace(self.query, warehouse_id=warehouse_id))

    def set_supplier(self, supplier_id: uuid.UUID | None) -> None:
        self._requery(replace(self.query, supplier_id=supplier_id))

    def set_status(self, key: str) -> None:
        self.status_key = key if key in STATUSES else "open"
        self._requery(replace(self.query, statuses=STATUSES[self.status_key]))

    def set_search(self, text: str) -> None:
        self._requery(replace(self.query, search=text.strip()))

    def _requery(self, query: AlertQuery) -> None:
        if query == self.query and not self._stale:
            return
        self.query = query
        self.tasks.run("refresh", self.refresh())

    # -- reading ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """The alerts the filters select, the filter choices, and the counts per urgency."""
        query = self.query
        self._stale = False
        warehouses = await self._facade.list_warehouses()
        if warehouses != self.warehouses:
            self.warehouses = warehouses
            self.warehouses_changed.emit(warehouses)
        suppliers = await self._facade.list_suppliers()
        if suppliers != self.suppliers:
            self.suppliers = suppliers
            self.suppliers_changed.emit(suppliers)
        alerts = await self._facade.list_alerts(query)
        self.model.set_rows(alerts)
        self.loaded.emit(len(alerts))
        await self.load_counts()

    async def load_counts(self) -> dict[UrgencyLevel, int]:
        counts = await self._facade.alert_counts()
        self.counts = dict(counts)
        self.counts_changed.emit(self.counts)
        return self.counts

    # -- the stock check -------------------------------------------------------------------
    def is_checking(self) -> bool:
        """True from the click until the check's outcome is shown (also while cancelling)."""
        return self.check_state.running

    def start_check(self) -> None:
        if self.is_checking():
            self.message.emit("A stock check is already running")
            return
        self._set_check(CheckState(True, text="Checking stock levels…"))
        self._check = self.tasks.run("check", self.check_stock())
        self._check.add_done_callback(self._on_check_done)

    def cancel_check(self) -> None:
        if self._check is not None and not self._check.done():
            self._set_check(CheckState(True, text=CANCELLING_TEXT))
            self._check.cancel()

    async def check_stock(self) -> AlertRunReport:
        """Judge every stock level now; the progress bar follows it. Cancelling stops it
        between batches (what was written stays)."""
        self._set_check(CheckState(True, text="Checking stock levels…"))
        try:
            report: AlertRunReport = await self._facade.run_stock_check(
                progress=self._progress.emit
            )
        except asyncio.CancelledError:
            self._finish_check(CANCELLED_TEXT)
            raise
        except PossyncError as err:
            self._finish_check(f"Stock check failed: {err}")
            raise
        self._finish_check(_check_text(report))
        return report

    def _on_check_done(self, task: asyncio.Task[Any]) -> None:
        # Cancelled before it started, or stopped by a bug: the panel must not stay "running".
        if self.check_state.running:
            cancelled = task.cancelled()
            self._finish_check(
                CANCELLED_TEXT if cancelled else "Stock check stopped by an error (see the log)"
            )

    def _finish_check(self, text: str) -> None:
        self._set_check(CheckState(False, text=text))
        self.message.emit(text)
        self._after_change()

    def _set_check(self, state: CheckState) -> None:
        self.check_state = state
        self.check_changed.emit(state)

    def _on_progress(self, done: int, total: int) -> None:
        if self.is_checking() and self.check_state.text != CANCELLING_TEXT:
            # The facade counts the levels near their reorder point (the rest need no judging).
            text = (
                f"Judging stock levels near their reorder point: {done:,} of {total:,}"
                if total
                else "Checking stock levels…"
            )
            self._set_check(CheckState(True, done, total, text))

    # -- actions ---------------------------------------------------------------------------
    async def create_purchase_orders(self, alert_ids: list[uuid.UUID]) -> POCreationReport:
        """Turn the alerts into purchase orders, one per supplier and warehouse, as the
        operator; what could not be ordered is in the report, item by item."""
        if not alert_ids:
            raise _nothing_selected()
        report: POCreationReport = await self._facade.create_purchase_orders(
            alert_ids, self.operator
        )
        self.orders_created.emit(report)
        self.message.emit(creation_summary(report))
        self._after_change()
        return report

    async def dismiss(self, alert_ids: list[uuid.UUID], reason: str) -> None:
        await self._each(
            alert_ids,
            lambda a: self._facade.dismiss_alert(a, reason, self.operator),
            "Dismissed",
        )

    async def snooze(self, alert_ids: list[uuid.UUID], until: datetime) -> None:
        await self._each(
            alert_ids,
            lambda a: self._facade.snooze_alert(a, until, self.operator),
            f"Snoozed until {until.astimezone():%Y-%m-%d %H:%M}:",
        )

    async def reactivate(self, alert_ids: list[uuid.UUID]) -> None:
        await self._each(
            alert_ids, lambda a: self._facade.reactivate_alert(a, self.operator), "Reactivated"
        )

    async def _each(
        self,
        alert_ids: list[uuid.UUID],
        act: Callable[[uuid.UUID], Awaitable[AlertRecord]],
        verb: str,
    ) -> None:
        """Act on each alert; one refusal does not stop the others, and every refusal is said."""
        if not alert_ids:
            raise _nothing_selected()
        done: list[AlertRecord] = []
        refused: list[str] = []
        try:
            for alert_id in alert_ids:
                try:
                    done.append(await act(alert_id))
                except PossyncError as err:
                    row = self.model.row_for(alert_id)
                    refused.append(f"{row.product_code if row else alert_id}: {err}")
        finally:
            self._after_change()
        if done:
            noun = "alert" if len(done) == 1 else "alerts"
            self.message.emit(f"{verb} {len(done)} {noun}")
        if refused:
            self.error.emit("; ".join(refused))

    def _after_change(self) -> None:
        # The facade's AlertsChanged reloads too; this covers a tab the event did not reach.
        self._stale = True
        if self._closing:
            return
        if self._visible:
            self.tasks.run("refresh", self.refresh())
        else:
            self.start_counts()


def _nothing_selected() -> PossyncError:
    return PossyncError("Select one or more alerts first")


def _check_text(report: AlertRunReport) -> str:
    if report.cancelled:
        return f"Stock check cancelled after {report.levels_checked:,} stock levels"
    text = (
        f"Checked {report.levels_checked:,} stock levels: {report.created:,} new alerts, "
        f"{report.updated:,} updated, {report.resolved:,} resolved"
    )
    if report.new_critical:
        text += f"; {report.new_critical:,} new critical"
    if report.errors:
        first = report.errors[0]
        text += f"; {len(report.errors):,} products could not be judged ({first.product_code}: "
        text += f"{first.message})"
    return text


def creation_summary(report: POCreationReport) -> str:
    """One line for the status bar."""
    n = len(report.orders)
    if n == 0:
        text = "No purchase orders were created"
    else:
        numbers = ", ".join(o.order_number for o in report.orders[:4])
        more = f" and {n - 4} more" if n > 4 else ""
        text = f"Created {n} purchase order{'s' if n != 1 else ''}: {numbers}{more}"
    if report.problems:
        text += f"; {len(report.problems)} item(s) could not be ordered"
    return text


#: Urgencies in the order the tab's title names them.
TITLE_ORDER = (UrgencyLevel.CRITICAL, UrgencyLevel.HIGH, UrgencyLevel.MEDIUM, UrgencyLevel.LOW)
#: How many urgencies the title names at most (the tooltip names all of them).
TITLE_LEVELS = 2


def tab_title(name: str, counts: dict[UrgencyLevel, int]) -> tuple[str, str]:
    """``("Alerts (3 critical · 12 high)", tooltip)``: the most urgent non-zero counts of
    active alerts; the tooltip lists every urgency."""
    nonzero = [(level, counts.get(level, 0)) for level in TITLE_ORDER if counts.get(level, 0)]
    tip = "Active alerts: " + ", ".join(
        f"{counts.get(level, 0):,} {level.value}" for level in TITLE_ORDER
    )
    if not nonzero:
        return name, "No active alerts"
    shown = " · ".join(f"{n:,} {level.value}" for level, n in nonzero[:TITLE_LEVELS])
    return f"{name} ({shown})", tip
