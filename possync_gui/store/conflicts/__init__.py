"""Sync conflicts in the store (DESIGN.md §4): :mod:`.queries` lists, finds, explains and
counts them; :mod:`.resolution` claims, re-opens and settles one."""

from possync_gui.store.conflicts.queries import (
    MIN_PREFIX,
    add_event,
    find_ids,
    get_record,
    history,
    integration_filter,
    integration_names,
    list_conflicts,
    open_counts,
    open_ids_of_product,
    resolved_rows,
    side_movements,
)
from possync_gui.store.conflicts.resolution import (
    ClaimLostError,
    ResolutionContext,
    apply_resolution,
    claim,
    context,
    integration_record,
    release,
    reopen,
)

__all__ = [
    "MIN_PREFIX",
    "ClaimLostError",
    "ResolutionContext",
    "add_event",
    "apply_resolution",
    "claim",
    "context",
    "find_ids",
    "get_record",
    "history",
    "integration_filter",
    "integration_names",
    "integration_record",
    "list_conflicts",
    "open_counts",
    "open_ids_of_product",
    "release",
    "reopen",
    "resolved_rows",
    "side_movements",
]
