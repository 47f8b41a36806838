"""What changed: services report these, presenters reload when one concerns them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StockChanged:
    product_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class CatalogChanged:
    """Products or warehouses were added or edited."""


@dataclass(frozen=True, slots=True)
class AlertsChanged:
    """Stock alerts were created, updated, resolved, dismissed or snoozed.

    ``new_critical``: how many alerts became critical in this change (for a notification)."""

    new_critical: int = 0


@dataclass(frozen=True, slots=True)
class PurchaseOrdersChanged:
    """Purchase orders were created or changed state."""

    order_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class DeliveriesChanged:
    """A delivery was posted (or its waiting items confirmed)."""

    delivery_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ConflictsChanged:
    """Sync conflicts were recorded, updated, re-opened or resolved."""

    conflict_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class IntegrationsChanged:
    """Integrations, their sync log or their health changed (seen from another desktop)."""


Change = (
    StockChanged
    | CatalogChanged
    | AlertsChanged
    | PurchaseOrdersChanged
    | DeliveriesChanged
    | ConflictsChanged
    | IntegrationsChanged
)
