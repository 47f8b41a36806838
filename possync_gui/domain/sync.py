"""What a sync run reports (DESIGN.md §9) and the integration snapshot it works from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["IntegrationRecord", "InventorySyncResult", "SyncStatus"]


class SyncStatus(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IntegrationRecord:
    """A ``pos_integrations`` row without credentials, as adapter factories receive it."""

    id: uuid.UUID
    name: str
    type: str
    configuration: dict[str, Any] = field(default_factory=dict)
    sync_settings: dict[str, Any] = field(default_factory=dict)
    external_key: str | None = None
    last_sync_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class InventorySyncResult:
    """The outcome of one sync run of one integration."""

    id: uuid.UUID
    integration_id: uuid.UUID
    sync_type: str
    status: SyncStatus
    started_at: datetime
    completed_at: datetime
    products_processed: int
    products_updated: int
    stock_alerts_generated: int = 0
    purchase_orders_created: int = 0
    errors: tuple[str, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)
