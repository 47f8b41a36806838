"""Resolving a conflict in the store: what it needs to know, the atomic claim that keeps
two desktops from applying it twice, re-opening it with new numbers, and the one
transaction that settles it (movement, base, conflict row, history).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from possync_gui.domain.conflicts import ConflictRecord
from possync_gui.domain.enums import ConflictStatus, MovementReason
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.store.conflicts.queries import add_event, get_record
from possync_gui.store.ledger import apply_movements
from possync_gui.store.models import (
    POSIntegration,
    POSMapping,
    StockLevel,
    SyncConflict,
)

_OPEN = ConflictStatus.OPEN.value
_RESOLVED = ConflictStatus.RESOLVED.value


@dataclass(frozen=True, slots=True)
class ResolutionContext:
    """What resolving one conflict needs to know, read in one go."""

    record: ConflictRecord
    integration_type: str | None
    sync_settings: dict[str, Any]
    configuration: dict[str, Any]
    external_key: str | None
    last_sync_at: datetime | None
    mapping_id: uuid.UUID | None
    external_item_id: str | None
    location_id: str | None
    on_hand: int
    claimed_by: str | None
    claimed_at: datetime | None


def context(session: Session, conflict_id: uuid.UUID) -> ResolutionContext | None:
    record = get_record(session, conflict_id)
    if record is None:
        return None
    conflict = session.get(SyncConflict, conflict_id)
    integration = (
        session.get(POSIntegration, record.integration_id) if record.integration_id else None
    )
    mapping = session.execute(
        select(POSMapping.id, POSMapping.external_item_id, POSMapping.external_location_id)
        .where(
            POSMapping.integration_id == record.integration_id,
            POSMapping.product_id == record.product_id,
            POSMapping.warehouse_id == record.warehouse_id,
        )
        .limit(1)
    ).first()
    assert conflict is not None
    return ResolutionContext(
        record=record,
        integration_type=integration.type if integration else None,
        sync_settings=dict(integration.sync_settings or {}) if integration else {},
        configuration=dict(integration.configuration or {}) if integration else {},
        external_key=integration.external_key if integration else None,
        last_sync_at=integration.last_sync_at if integration else None,
        mapping_id=mapping[0] if mapping else None,
        external_item_id=mapping[1] if mapping else None,
        location_id=mapping[2] if mapping else None,
        on_hand=_on_hand(session, record),
        claimed_by=conflict.claimed_by,
        claimed_at=conflict.claimed_at,
    )


def _on_hand(session: Session, record: ConflictRecord) -> int:
    if record.warehouse_id is None:
        return record.system_value
    value = session.scalar(
        select(StockLevel.on_hand).where(
            StockLevel.product_id == record.product_id,
            StockLevel.warehouse_id == record.warehouse_id,
        )
    )
    return int(value or 0)


def integration_record(session: Session, integration_id: uuid.UUID) -> IntegrationRecord | None:
    """An integration as adapter factories take it (no credentials)."""
    row = session.get(POSIntegration, integration_id)
    if row is None:
        return None
    return IntegrationRecord(
        id=row.id,
        name=row.name,
        type=row.type,
        configuration=dict(row.configuration or {}),
        sync_settings=dict(row.sync_settings or {}),
        external_key=row.external_key,
        last_sync_at=row.last_sync_at,
    )


def claim(
    session: Session, conflict_id: uuid.UUID, owner: str, now: datetime, timeout: timedelta
) -> bool:
    """Take the conflict for resolving, atomically: True when it is open and nobody else
    holds a live claim on it."""
    result = session.execute(
        update(SyncConflict)
        .where(
            SyncConflict.id == conflict_id,
            SyncConflict.status == _OPEN,
            or_(
                SyncConflict.claimed_by.is_(None),
                SyncConflict.claimed_by == owner,
                SyncConflict.claimed_at < now - timeout,
            ),
        )
        .values(claimed_by=owner, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, conflict_id: uuid.UUID, owner: str) -> None:
    session.execute(
        update(SyncConflict)
        .where(SyncConflict.id == conflict_id, SyncConflict.claimed_by == owner)
        .values(claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def reopen(
    session: Session,
    ctx: ResolutionContext,
    owner: str,
    *,
    pos_value: int | None,
    system_value: int,
    now: datetime,
    actor: str | None,
    note: str,
) -> None:
    """The conflict moved under a resolution: keep it open with the new numbers
    (``pos_value`` None: the POS's count could not be read, the last one is kept, marked)."""
    rec = ctx.record
    values: dict[str, Any] = {
        "system_value": system_value,
        "claimed_by": None,
        "claimed_at": None,
        "note": note,
        "pos_unverified": pos_value is None,
    }
    if pos_value is not None:
        values["pos_value"] = pos_value
    session.execute(
        update(SyncConflict)
        .where(SyncConflict.id == rec.id, SyncConflict.status == _OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    add_event(
        session,
        rec.id,
        "reopened",
        now,
        pos_value=rec.pos_value if pos_value is None else pos_value,
        system_value=system_value,
        base_value=rec.base_value,
        actor=actor,
        note=note,
    )
    release(session, rec.id, owner)


def apply_resolution(
    session: Session,
    ctx: ResolutionContext,
    owner: str,
    *,
    value: int,
    strategy: str,
    actor: str,
    note: str | None,
    pushed: bool,
    now: datetime,
) -> int | None:
    """Settle the conflict at ``value`` in one transaction: the ``conflict_resolution``
    movement of ``value − system_value``, the mapping's base, the conflict row and its
    history. Returns None when done, or the store's current on-hand when it moved since
    the conflict was read and nothing was pushed yet (then nothing is written: stale)."""
    rec = ctx.record
    current = _on_hand(session, rec)
    if current != rec.system_value and not pushed:
        return current
    delta = value - rec.system_value
    if delta and rec.warehouse_id is not None:
        apply_movements(
            session,
            [
                MovementRequest(
                    product_id=rec.product_id,
                    warehouse_id=rec.warehouse_id,
                    delta=delta,
                    reason=MovementReason.CONFLICT_RESOLUTION,
                    actor=actor[:100],
                    reference=str(rec.id),
                    note=note,
                    at=now,
                )
            ],
        )
    if ctx.mapping_id is not None:
        session.execute(
            update(POSMapping)
            .where(POSMapping.id == ctx.mapping_id)
            .values(last_synced_quantity=value, last_synced_at=now)
            .execution_options(synchronize_session=False)
        )
    done = session.execute(
        update(SyncConflict)
        .where(
            SyncConflict.id == rec.id,
            SyncConflict.status == _OPEN,
            SyncConflict.claimed_by == owner,
        )
        .values(
            status=_RESOLVED,
            strategy=strategy,
            resolved_value=value,
            resolved_by=actor[:100],
            resolved_at=now,
            note=note,
            claimed_by=None,
            claimed_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        # Our claim was taken over (we held it past the timeout): roll everything back.
        raise ClaimLostError()
    add_event(
        session,
        rec.id,
        "resolved",
        now,
        pos_value=rec.pos_value,
        system_value=rec.system_value,
        base_value=rec.base_value,
        strategy=strategy,
        value=value,
        actor=actor,
        note=note,
    )
    return None


class ClaimLostError(Exception):
    """Raised inside a resolution's transaction (so it rolls back) when its claim is gone."""
