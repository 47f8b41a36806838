"""Closed vocabularies shared by every layer; values are what the database stores."""

from __future__ import annotations

from enum import StrEnum


class MovementReason(StrEnum):
    """Why a stock level changed; every ledger row carries one."""

    SALE = "sale"
    DELIVERY = "delivery"
    COUNT = "count"
    SYNC_PULL = "sync_pull"
    SYNC_PUSH = "sync_push"
    CONFLICT_RESOLUTION = "conflict_resolution"
    ADJUSTMENT = "adjustment"
    DAMAGE = "damage"
    FOUND = "found"
    OPENING = "opening"


#: Reasons a person may give for a manual adjustment (CLI and Inventory tab).
MANUAL_REASONS: tuple[MovementReason, ...] = (
    MovementReason.ADJUSTMENT,
    MovementReason.DAMAGE,
    MovementReason.FOUND,
    MovementReason.COUNT,
)


class StockStatus(StrEnum):
    """How a stock level stands against its product's thresholds."""

    OUT = "out"
    LOW = "low"
    OK = "ok"


class IntegrationType(StrEnum):
    SQUARE = "square"
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    CUSTOM = "custom"
    DEMO = "demo"


class IntegrationStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ERROR = "error"


class SyncFrequency(StrEnum):
    REAL_TIME = "real_time"
    EVERY_5_MINUTES = "every_5_minutes"
    HOURLY = "hourly"
    DAILY = "daily"


class ConflictStrategy(StrEnum):
    POS_WINS = "pos_wins"
    SUPPLIER_WINS = "supplier_wins"
    MANUAL_REVIEW = "manual_review"


class ReviewPolicy(StrEnum):
    """``manual`` products (high value) always go to manual conflict review."""

    AUTO = "auto"
    MANUAL = "manual"


class UrgencyLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    ACTIVE = "active"
    ORDERED = "ordered"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
