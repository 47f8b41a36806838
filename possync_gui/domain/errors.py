"""The error hierarchy of DESIGN.md §9.

Every error a user can cause is a :class:`PossyncError`; its message is written for the
person at the desk and never contains a secret. Anything else that escapes is a bug.
"""

from __future__ import annotations


class PossyncError(Exception):
    """Base of every known (user-facing) error. ``retryable`` says whether trying again may help."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class InventorySyncError(PossyncError):
    """A synchronisation with a POS failed; ``retryable`` tells whether a retry may succeed."""


class POSSystemUnavailableError(InventorySyncError):
    """The POS could not be reached (network, timeout, 5xx after retries)."""

    retryable = True


class SyncInProgressError(InventorySyncError):
    """Another sync of the same integration is running (in this or another process)."""

    retryable = True

    def __init__(self, message: str = "Sync already in progress for this integration") -> None:
        super().__init__(message)


class StockAlertProcessingError(PossyncError):
    """Stock alerts could not be generated or turned into purchase orders."""


class ReorderPointCalculationError(StockAlertProcessingError):
    """A product has neither sales history nor a manual reorder point."""


class InventoryDataInconsistencyError(PossyncError):
    """Stored stock contradicts itself (e.g. on hand differs from the ledger)."""


class ValidationError(PossyncError):
    """Input a user gave (a file, a form, a command line) is not acceptable."""


class NotFoundError(ValidationError):
    """A referenced record (product, warehouse, supplier…) does not exist."""


class DatabaseError(PossyncError):
    """The database cannot be opened or used: bad URL, unreadable file, locked, disk full."""


class DatabaseConnectionLostError(DatabaseError):
    """The database server cannot be reached (down, network lost): nothing was saved, and
    trying again once the connection is back is safe (issue 7)."""

    retryable = True

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The connection to the database is lost; nothing was saved. possync reconnects "
            "by itself: try again once it says Reconnected."
        )
