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


Change = StockChanged | CatalogChanged
