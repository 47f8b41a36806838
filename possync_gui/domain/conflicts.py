"""Records of sync conflicts, their history and their resolution (DESIGN.md §4, issue 6).

The Conflict Resolver returns these to the facade, the Conflicts tab and the CLI; they are
frozen snapshots, never live rows. Quantities are ints, money Decimal, times aware UTC.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "ConflictDetail",
    "ConflictEvent",
    "ConflictEventKind",
    "ConflictQuery",
    "ConflictRecord",
    "ConflictReport",
    "ConflictResolutionDetail",
    "ConflictResolutionResult",
    "IntegrationConflictStats",
    "ResolutionOutcome",
    "ResolutionStrategy",
    "SET_STRATEGY",
    "SideMovement",
]

#: The strategy of the "Set count…" action: a person's counted value, with a reason.
SET_STRATEGY = "set"


class ResolutionStrategy(StrEnum):
    """How a person (or the automatic path) settles a conflict: the integration strategies
    of :class:`~possync_gui.domain.enums.ConflictStrategy` plus ``set`` (a counted value)."""

    POS_WINS = "pos_wins"
    SUPPLIER_WINS = "supplier_wins"
    MANUAL_REVIEW = "manual_review"
    SET = SET_STRATEGY


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """One conflict between a POS and the warehouse, as the Conflicts tab lists it.

    ``base_value`` is what both sides last agreed on (None before the first agreement);
    ``strategy``/``resolved_*`` are filled once it is settled (by a person, a strategy or a
    sync that found the sides agreeing again)."""

    id: uuid.UUID
    integration_id: uuid.UUID | None
    integration_name: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    warehouse_id: uuid.UUID | None
    warehouse_code: str
    pos_value: int
    system_value: int
    base_value: int | None
    unit_cost: Decimal | None
    detected_at: datetime
    status: str
    strategy: str | None
    resolved_value: int | None
    resolved_by: str | None
    resolved_at: datetime | None
    note: str | None
    #: The product's review policy (``manual``: high value, always reviewed by a person).
    review_policy: str = "auto"
    #: Set when the POS's current count could not be read on a re-check: ``pos_value`` is
    #: then the last one known.
    pos_unverified: bool = False

    @property
    def difference(self) -> int:
        """POS minus warehouse."""
        return self.pos_value - self.system_value

    @property
    def value_at_cost(self) -> Decimal | None:
        """What the difference is worth at the product's unit cost (None: no cost known)."""
        if self.unit_cost is None:
            return None
        return Decimal(abs(self.difference)) * self.unit_cost

    def age(self, now: datetime) -> timedelta:
        """How long it has been open (or was open, for a resolved one)."""
        end = self.resolved_at if self.resolved_at is not None else now
        return max(end - self.detected_at, timedelta(0))

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class ConflictEventKind(StrEnum):
    """What happened to a conflict; one history row each."""

    DETECTED = "detected"
    UPDATED = "updated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    STALE = "stale"
    CLOSED_BY_SYNC = "closed_by_sync"


@dataclass(frozen=True, slots=True)
class ConflictEvent:
    """One entry in a conflict's history: the numbers at that moment, and who did what."""

    at: datetime
    kind: str
    pos_value: int | None
    system_value: int | None
    base_value: int | None
    strategy: str | None
    value: int | None
    actor: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class SideMovement:
    """A movement on one side since the base: ``warehouse`` (the store's ledger) or ``pos``
    (what is known of the POS: its sync pulls, or its count against the base)."""

    at: datetime | None
    side: str
    delta: int
    reason: str
    reference: str | None
    actor: str | None


@dataclass(frozen=True, slots=True)
class ConflictDetail:
    """A conflict with its history (oldest first) and the movements on each side since the
    base (oldest first)."""

    record: ConflictRecord
    history: tuple[ConflictEvent, ...] = ()
    movements: tuple[SideMovement, ...] = ()


@dataclass(frozen=True, slots=True)
class ConflictQuery:
    """A filter over conflicts. ``integration``: its UUID, external key or name;
    ``search``: SKU, product name or warehouse code (case-insensitive substring)."""

    status: str = "open"  # 'open' | 'resolved' | 'all'
    integration: str | None = None
    search: str = ""


class ResolutionOutcome(StrEnum):
    """What resolving one conflict did."""

    RESOLVED = "resolved"
    #: Left waiting for a person (asked for, or the product's policy requires it).
    MANUAL_REVIEW = "manual_review"
    #: It changed since it was shown, or the POS's compare-and-set failed: re-opened with
    #: the new numbers, nothing applied.
    STALE = "stale"
    #: Another desktop (or a sync) settled it first; nothing applied here.
    ALREADY_RESOLVED = "already_resolved"
    #: The POS could not be reached or refused the change; nothing applied, still open.
    FAILED = "failed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class ConflictResolutionDetail:
    """The outcome for one conflict asked for, with a message for the person."""

    conflict_id: uuid.UUID | None
    sku: str | None
    outcome: ResolutionOutcome
    value: int | None
    message: str
    #: The conflict's product (for the stock views to reload), when known.
    product_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ConflictResolutionResult:
    """The seed's ``ConflictResolutionResult``: how many were resolved, how many wait for
    manual review, and the detail per conflict (in the order asked)."""

    resolved: int
    manual_review_required: int
    details: tuple[ConflictResolutionDetail, ...] = ()

    @property
    def all_resolved(self) -> bool:
        return all(d.outcome is ResolutionOutcome.RESOLVED for d in self.details)


@dataclass(frozen=True, slots=True)
class IntegrationConflictStats:
    """One integration's line in the conflict report."""

    name: str
    open: int
    resolved: int
    mean_time_to_resolve: timedelta | None


@dataclass(frozen=True, slots=True)
class ConflictReport:
    """Open conflicts, resolutions per strategy, mean time to resolve, by integration."""

    open_count: int
    resolved_by_strategy: dict[str, int] = field(default_factory=dict)
    mean_time_to_resolve: timedelta | None = None
    by_integration: tuple[IntegrationConflictStats, ...] = ()
