"""The Integration Monitor (DESIGN.md §1): how healthy each POS integration is
(:mod:`.health`), when it syncs next (:mod:`.schedule`), and the scheduler that runs those
syncs while the app is open (:mod:`.scheduler`). The rules are in each module's docstring.
"""

from possync_gui.services.monitor.health import (
    ERROR,
    HEALTHY,
    OFFLINE,
    UNKNOWN,
    WARNING,
    HealthReport,
    IntegrationMonitor,
)
from possync_gui.services.monitor.schedule import next_sync_at, sync_interval
from possync_gui.services.monitor.scheduler import SyncScheduler

__all__ = [
    "ERROR",
    "HEALTHY",
    "OFFLINE",
    "UNKNOWN",
    "WARNING",
    "HealthReport",
    "IntegrationMonitor",
    "SyncScheduler",
    "next_sync_at",
    "sync_interval",
]
