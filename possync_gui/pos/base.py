"""The adapter protocol every POS speaks, and the normalised records it returns.

Adapters convert early (STYLE habit 9): POS JSON becomes these records — integers for
quantities, aware UTC datetimes — inside the adapter; the sync engine never sees JSON or
httpx. Identity is (``external_item_id``, ``location_id``) as POS_APIS.md §4 defines it:
Square's ITEM_VARIATION id, Shopify's InventoryItem id, WooCommerce's product/variation id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class POSLocation:
    id: str
    name: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class POSItem:
    """A sellable, stock-tracked thing in the POS catalog."""

    external_id: str
    sku: str | None
    barcode: str | None
    name: str
    parent_id: str | None = None
    tracked: bool = True
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class POSCount:
    """The sellable on-hand quantity of one item at one location."""

    external_item_id: str
    location_id: str
    quantity: int
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class POSAdjustment:
    """A relative change to push (never an absolute overwrite; DESIGN.md §4)."""

    external_item_id: str
    location_id: str
    delta: int
    #: Stable per change, so a retried or re-queued push is applied once.
    idempotency_key: str
    occurred_at: datetime
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class POSSet:
    """An absolute set, applied only if the POS still has ``expected`` (compare-and-set)."""

    external_item_id: str
    location_id: str
    quantity: int
    expected: int
    idempotency_key: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class PushOutcome:
    external_item_id: str
    location_id: str
    ok: bool
    #: The POS's quantity after the push, when it told us.
    quantity: int | None = None
    error: str | None = None
    #: True when a compare-and-set failed because the POS moved meanwhile.
    stale: bool = False


@dataclass(frozen=True, slots=True)
class POSSale:
    """Units of one item sold at one location on one (UTC) day."""

    external_item_id: str
    location_id: str
    day: date
    quantity: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the cursor that resumes after it (None on the last page)."""

    items: list[T] = field(default_factory=list)
    cursor: str | None = None
    #: Records the adapter could not read (e.g. a non-integral quantity), with the reason.
    skipped: list[str] = field(default_factory=list)


@runtime_checkable
class POSAdapter(Protocol):
    """What the Sync Manager and the Integration Monitor need from a POS."""

    type: str

    async def ping(self) -> None:
        """One cheap authenticated call; raises the mapped error when the POS is not usable."""

    async def list_locations(self) -> list[POSLocation]: ...

    def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        """Catalog items (all, or changed after ``since``), page by page."""
        ...

    def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        """Sellable on-hand counts (all, or changed after ``since``), page by page."""
        ...

    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        """Apply relative changes; one outcome per change, in order."""
        ...

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        """Absolute sets with compare-and-set where the POS supports it."""
        ...

    def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """Units sold per item, location and day in ``[since, until)``."""
        ...

    async def aclose(self) -> None: ...
