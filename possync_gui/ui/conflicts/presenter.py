"""The Conflicts tab's async work: the filtered list, the selected conflict's detail, the
actions (accept POS, accept warehouse, set a counted value) as the operator, the report and
its CSV export.

Every action passes ``shown`` — the numbers the user saw — so a conflict that moved since is
re-checked by the resolver and comes back ``stale`` with nothing applied; the user is then
told its new numbers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.conflicts import (
    SET_STRATEGY,
    ConflictDetail,
    ConflictQuery,
    ConflictRecord,
    ConflictReport,
    ConflictResolutionDetail,
    ConflictResolutionResult,
    ResolutionOutcome,
)
from possync_gui.domain.enums import ConflictStrategy
from possync_gui.domain.errors import PossyncError
from possync_gui.domain.events import CatalogChanged, Change, ConflictsChanged, StockChanged
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.integrations import IntegrationInfo
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.conflicts.model import ConflictsModel

#: The status switch: (key, words).
STATUS_CHOICES = (
    ("open", "Open conflicts"),
    ("resolved", "Resolved (history)"),
    ("all", "All"),
)
#: What each action is called, by strategy.
ACTION_WORDS = {
    ConflictStrategy.POS_WINS.value: "Accept POS",
    ConflictStrategy.SUPPLIER_WINS.value: "Accept warehouse",
    SET_STRATEGY: "Set count",
}
#: The changes that call for a reload (a sync or an adjustment moves the numbers shown;
#: CatalogChanged: product names, warehouses and integrations).
RELOAD_ON = (ConflictsChanged, StockChanged, CatalogChanged)


@dataclass(frozen=True, slots=True)
class ResolutionReport:
    """What one action on one or more conflicts did, for the tab to show: the facade's
    result, the action's words, and the conflicts as they were shown (by id)."""

    action: str
    result: ConflictResolutionResult
    shown: dict[uuid.UUID, ConflictRecord]

    def label(self, detail: ConflictResolutionDetail) -> str:
        record = self.shown.get(detail.conflict_id) if detail.conflict_id else None
        sku = detail.sku or (record.sku if record else "?")
        where = f" at {record.warehouse_code}" if record and record.warehouse_code else ""
        return f"{sku}{where}"


class ConflictsPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``, ``loaded(int)``,
    ``detail_changed(object)`` (the selected :class:`ConflictDetail`, or None),
    ``open_count_changed(int)`` (for the tab's title), ``integrations_changed(list)``
    (:class:`IntegrationInfo`), ``resolution_finished(object)`` (:class:`ResolutionReport`
    of an action on several conflicts), ``report_ready(object)`` (:class:`ConflictReport`)
    and ``resolving_changed(bool)`` (an action is being applied)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    loaded = Signal(int)
    detail_changed = Signal(object)
    open_count_changed = Signal(int)
    integrations_changed = Signal(list)
    resolution_finished = Signal(object)
    report_ready = Signal(object)
    resolving_changed = Signal(bool)

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.operator = operator
        self.model = ConflictsModel(self)
        self.query = ConflictQuery()
        self.integrations: list[IntegrationInfo] = []
        self.detail: ConflictDetail | None = None
        self.open_count: int | None = None
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._selected: uuid.UUID | None = None
        #: Bumped each time the detail panel is given a conflict: an older read is dropped.
        self._shown_count = 0
        self._visible = False
        self._stale = True
        self._closing = False

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
        if not isinstance(change, RELOAD_ON) or self._closing:
            return
        if isinstance(change, StockChanged) and change.product_ids:
            # Stock moves create no conflicts; only those of products listed change a row.
            shown = {r.product_id for r in self.model.rows()}
            if not shown & change.product_ids:
                return
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())
        elif isinstance(change, ConflictsChanged):
            self.start_count()  # the tab's title shows the open count while it is hidden

    def start_count(self) -> None:
        if not self._closing:
            self.tasks.run("count", self.load_open_count())

    # -- filters ---------------------------------------------------------------------------
    def set_status(self, key: str) -> None:
        status = key if key in {k for k, _w in STATUS_CHOICES} else "open"
        self._requery(replace(self.query, status=status))

    def set_integration(self, ref: str | None) -> None:
        self._requery(replace(self.query, integration=ref or None))

    def set_search(self, text: str) -> None:
        self._requery(replace(self.query, search=text.strip()))

    def _requery(self, query: ConflictQuery) -> None:
        if query == self.query and not self._stale:
            return
        self.query = query
        self.tasks.run("refresh", self.refresh())

    # -- reading ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """The conflicts the filters select, the integrations to filter by, the open count."""
        self._stale = False
        integrations = await self._facade.list_integrations()
        if integrations != self.integrations:
            self.integrations = integrations
            self.integrations_changed.emit(integrations)
        rows = await self._facade.list_conflicts(self.query)
        self.model.set_rows(rows, datetime.now(UTC))
        self.loaded.emit(len(rows))  # the tab selects its row again, which reloads the detail
        if self.query == ConflictQuery():
            self._set_open_count(len(rows))
        else:
            await self.load_open_count()

    async def load_open_count(self) -> int:
        # The open list, not the report: the report reads every resolved conflict too, and
        # the history only grows.
        count = len(await self._facade.list_conflicts(ConflictQuery()))
        self._set_open_count(count)
        return count

    def _set_open_count(self, count: int) -> None:
        if count != self.open_count:
            self.open_count = count
            self.open_count_changed.emit(count)

    @property
    def selected(self) -> uuid.UUID | None:
        return self._selected

    def select(self, conflict_id: uuid.UUID | None) -> None:
        """The conflict the user is on: its movements and history show in the detail."""
        self._selected = conflict_id
        if conflict_id is None:
            self._show(None)
            return
        self.tasks.run("detail", self.load_detail(conflict_id))

    async def load_detail(self, conflict_id: uuid.UUID) -> ConflictDetail:
        shown = self._shown_count
        detail = await self._facade.conflict_detail(conflict_id)
        if conflict_id == self._selected and shown == self._shown_count:
            self._show(detail)
        return detail

    def _show(self, detail: ConflictDetail | None) -> None:
        self._shown_count += 1
        self.detail = detail
        self.detail_changed.emit(detail)

    # -- actions ---------------------------------------------------------------------------
    def is_resolving(self) -> bool:
        return self.tasks.is_running("resolve")

    def start_resolve(
        self,
        records: list[ConflictRecord],
        strategy: str,
        *,
        value: int | None = None,
        reason: str | None = None,
    ) -> bool:
        """Start an action unless one is still being applied (a second one must not cancel
        it half-way through: the POS may have taken its change already)."""
        if self.is_resolving():
            self.message.emit("Still applying the last action: wait a moment, then try again")
            return False
        if len(records) > 1:
            words = ACTION_WORDS.get(strategy, strategy)
            self.message.emit(f"{words}: applying {len(records):,} conflicts…")
        task = self.tasks.run(
            "resolve", self.resolve(records, strategy, value=value, reason=reason)
        )
        self.resolving_changed.emit(True)
        task.add_done_callback(lambda _t: self.resolving_changed.emit(False))
        return True

    async def resolve(
        self,
        records: list[ConflictRecord],
        strategy: str,
        *,
        value: int | None = None,
        reason: str | None = None,
    ) -> ResolutionReport:
        """Settle these conflicts by ``strategy`` as the operator, checked against the
        numbers shown. One conflict: its outcome goes to the status bar (or the message bar
        when nothing was applied); several: ``resolution_finished`` lists each."""
        if not records:
            raise PossyncError("Select one or more open conflicts first")
        shown = {r.id: (r.pos_value, r.system_value) for r in records}
        try:
            result = await self._facade.resolve_sync_conflicts(
                [r.id for r in records],
                strategy,
                actor=self.operator,
                value=value,
                reason=reason,
                shown=shown,
            )
        finally:
            self._reload()  # a stale one shows its new numbers; resolved ones leave the list
        report = ResolutionReport(
            ACTION_WORDS.get(strategy, strategy), result, {r.id: r for r in records}
        )
        if len(records) == 1 and len(result.details) == 1:
            await self._tell_one(report, result.details[0])
        else:
            self.message.emit(summary(report))
            self.resolution_finished.emit(report)
        return report

    async def _tell_one(self, report: ResolutionReport, detail: ConflictResolutionDetail) -> None:
        label = report.label(detail)
        if detail.outcome is ResolutionOutcome.RESOLVED:
            value = "" if detail.value is None else f" → {detail.value:,}"
            self.message.emit(f"{report.action}: {label}{value}")
            return
        if detail.outcome is ResolutionOutcome.STALE and detail.conflict_id is not None:
            self.error.emit(await self._stale_text(label, detail))
            return
        self.error.emit(f"{report.action} — {label}: {outcome_text(detail)}")

    async def _stale_text(self, label: str, detail: ConflictResolutionDetail) -> str:
        assert detail.conflict_id is not None
        try:
            fresh = (await self._facade.conflict_detail(detail.conflict_id)).record
        except PossyncError:
            return f"{label} changed since shown: {detail.message} — review again"
        return (
            f"{label} changed since shown: POS now {fresh.pos_value:,}, warehouse "
            f"{fresh.system_value:,} — review again. Nothing was applied."
        )

    def _reload(self) -> None:
        # The facade's ConflictsChanged reloads a visible tab; this covers a refusal (which
        # changes nothing, so no event comes) and a hidden tab's title.
        self._stale = True
        if self._closing:
            return
        if self._visible:
            self.tasks.run("refresh", self.refresh())
        else:
            self.start_count()

    # -- the report ------------------------------------------------------------------------
    async def load_report(self) -> ConflictReport:
        report = await self._facade.conflict_report()
        self._set_open_count(report.open_count)
        self.report_ready.emit(report)
        return report

    async def export_report(self, path: Path) -> int:
        try:
            rows: int = await self._facade.export_conflict_report(path)
        except OSError as err:  # a folder that cannot be written: the user can pick another
            raise PossyncError(f"Could not write {path}: {err.strerror or err}") from err
        self.message.emit(f"Exported the conflict report ({rows:,} rows) to {path}")
        return rows


#: How each outcome reads in the result list.
OUTCOME_WORDS = {
    ResolutionOutcome.RESOLVED: "Resolved",
    ResolutionOutcome.MANUAL_REVIEW: "Waits for review",
    ResolutionOutcome.STALE: "Changed since shown — nothing applied",
    ResolutionOutcome.ALREADY_RESOLVED: "Already resolved by someone else",
    ResolutionOutcome.FAILED: "Failed — nothing applied",
    ResolutionOutcome.NOT_FOUND: "Not found",
}


def outcome_text(detail: ConflictResolutionDetail) -> str:
    words = OUTCOME_WORDS.get(detail.outcome, str(detail.outcome))
    return f"{words}: {detail.message}" if detail.message else words


def summary(report: ResolutionReport) -> str:
    """'Accept POS: 3 resolved, 1 changed since shown' for the status bar."""
    counts: dict[ResolutionOutcome, int] = {}
    for d in report.result.details:
        counts[d.outcome] = counts.get(d.outcome, 0) + 1
    parts = [f"{n} {OUTCOME_WORDS[o].split(' — ')[0].lower()}" for o, n in counts.items() if n]
    return f"{report.action}: " + (", ".join(parts) if parts else "nothing to do")
