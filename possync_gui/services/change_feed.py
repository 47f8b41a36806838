"""Other desktops' changes and the database connection's state, for the facade (issue 7).

:class:`ChangeFeed` runs the store's watcher (``store/change_feed.py``) in a daemon thread,
never on the loop: it hands the loop "these tables changed elsewhere" at most once per
``coalesce_s`` (a burst of commits is one refresh), and :class:`ConnectionStatus` changes:
lost (with the seconds until the next try, doubling from 1 s to 30 s), reconnected. After a
reconnection it reports every table changed, since what others did meanwhile was not heard.
:func:`changes_for` turns table names into the change events the tabs already react to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable

from possync_gui.domain.connection import ConnectionState, ConnectionStatus
from possync_gui.domain.errors import DatabaseError
from possync_gui.domain.events import (
    AlertsChanged,
    CatalogChanged,
    Change,
    ConflictsChanged,
    DeliveriesChanged,
    IntegrationsChanged,
    PurchaseOrdersChanged,
    StockChanged,
)
from possync_gui.store.change_feed import ALL, Watcher, make_watcher
from possync_gui.store.database import Database

log = logging.getLogger("possync.db")

#: Table → the event its change means (the tables migration 0007 watches).
_EVENTS: dict[str, Change] = {
    "stock_levels": StockChanged(),
    "stock_movements": StockChanged(),
    "products": CatalogChanged(),
    "warehouses": CatalogChanged(),
    "suppliers": CatalogChanged(),
    "supplier_products": CatalogChanged(),
    "stock_alerts": AlertsChanged(),
    "auto_purchase_orders": PurchaseOrdersChanged(),
    "purchase_order_lines": PurchaseOrdersChanged(),
    "deliveries": DeliveriesChanged(),
    "sync_conflicts": ConflictsChanged(),
    "sync_conflict_events": ConflictsChanged(),
    "pos_integrations": IntegrationsChanged(),
    "integration_sync_log": IntegrationsChanged(),
    "integration_health_checks": IntegrationsChanged(),
}
_ORDER = list(dict.fromkeys(_EVENTS.values()))

#: How often the thread looks for a stop request while nothing happens (seconds).
POLL_S = 1.0
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0


def changes_for(tables: Iterable[str]) -> list[Change]:
    """The change events (each once, in a fixed order) that a change of ``tables`` means;
    :data:`ALL` means every one."""
    names = set(tables)
    if ALL in names:
        return list(_ORDER)
    wanted = {_EVENTS[t] for t in names if t in _EVENTS}
    return [c for c in _ORDER if c in wanted]


def backoff(attempt: int) -> float:
    """Seconds before try ``attempt + 1`` (1, 2, 4, … up to 30)."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempt - 1))


class ChangeFeed:
    """A watcher in a thread; its findings reach ``on_changes`` / ``on_status`` on the loop."""

    def __init__(
        self,
        db: Database,
        *,
        on_changes: Callable[[frozenset[str]], None],
        on_status: Callable[[ConnectionStatus], None],
        coalesce_s: float = 0.5,
        watcher: Watcher | None = None,
    ) -> None:
        self._watcher = watcher or make_watcher(db)
        self._on_changes = on_changes
        self._on_status = on_status
        self._coalesce_s = coalesce_s
        self._stop = threading.Event()
        self._wake = threading.Event()  # "Retry now": ends the wait before the next try
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start watching (nothing to watch for an in-memory SQLite)."""
        if self._watcher is None or self.running:
            return
        self._loop = loop
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="possync-change-feed", daemon=True)
        self._thread.start()

    def retry_now(self) -> None:
        """Try to reconnect at once instead of at the end of the backoff wait."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop the thread and close its connection (within about a second)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 10)

    # -- the thread ----------------------------------------------------------------------
    def _run(self) -> None:
        watcher = self._watcher
        assert watcher is not None
        attempt = 0  # failed tries in a row
        lost = False
        while not self._stop.is_set():
            try:
                watcher.connect()
            except DatabaseError as err:
                attempt += 1
                lost = self._retry_later(attempt, err)
                continue
            if lost:
                self._post(self._on_status, ConnectionStatus(ConnectionState.RECONNECTED))
                self._post(self._on_changes, frozenset({ALL}))  # missed while away
            elif attempt == 0:
                self._post(self._on_status, ConnectionStatus(ConnectionState.CONNECTED))
            attempt, lost = 0, False
            try:
                self._listen(watcher)
            except DatabaseError as err:
                attempt = 1
                lost = self._retry_later(attempt, err)
            finally:
                watcher.close()

    def _retry_later(self, attempt: int, err: DatabaseError) -> bool:
        delay = backoff(attempt)
        log.warning("database connection lost (try %d, again in %.0f s): %s", attempt, delay, err)
        status = ConnectionStatus(ConnectionState.LOST, delay, attempt, str(err))
        self._post(self._on_status, status)
        self._wake.wait(delay)
        if not self._stop.is_set():  # a stop's wake must stay set for the loop to see it
            self._wake.clear()
        return True

    def _listen(self, watcher: Watcher) -> None:
        pending: set[str] = set()
        delivered_at = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            due = delivered_at + self._coalesce_s
            timeout = max(0.0, due - now) if pending else POLL_S
            pending |= watcher.wait(timeout)
            now = time.monotonic()
            if pending and now >= delivered_at + self._coalesce_s:
                self._post(self._on_changes, frozenset(pending))
                pending, delivered_at = set(), now

    def _post(self, callback: Callable[..., None], value: object) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed on the way out
            loop.call_soon_threadsafe(callback, value)
