"""Sync conflicts in the store: listing, finding by id or prefix, history, the movements on
each side since the base, and the report's figures (DESIGN.md §4).

Every function takes a Session the caller opened (one unit of work each) and returns
domain records, never ORM rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, false, func, insert, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from possync_gui.domain.conflicts import (
    ConflictEvent,
    ConflictQuery,
    ConflictRecord,
    SideMovement,
)
from possync_gui.domain.enums import ConflictStatus, MovementReason
from possync_gui.domain.errors import ValidationError
from possync_gui.store.models import (
    IntegrationSyncLog,
    POSIntegration,
    POSMapping,
    Product,
    StockMovement,
    SyncConflict,
    SyncConflictEvent,
    Warehouse,
)

#: The shortest id prefix a person may type for a conflict.
MIN_PREFIX = 8
#: Movements shown per side in a conflict's detail.
MOVEMENTS_SHOWN = 50
_OPEN = ConflictStatus.OPEN.value
_RESOLVED = ConflictStatus.RESOLVED.value


def _record_columns() -> Any:
    return (
        select(
            SyncConflict,
            POSIntegration.name,
            Product.sku,
            Product.name,
            Product.unit_cost,
            Product.review_policy,
            Warehouse.code,
        )
        .join(Product, Product.id == SyncConflict.product_id)
        .outerjoin(Warehouse, Warehouse.id == SyncConflict.warehouse_id)
        .outerjoin(POSIntegration, POSIntegration.id == SyncConflict.integration_id)
    )


def _record(row: Any) -> ConflictRecord:
    c, integration, sku, name, cost, policy, code = row
    return ConflictRecord(
        id=c.id,
        integration_id=c.integration_id,
        integration_name=integration or "(removed integration)",
        product_id=c.product_id,
        sku=sku,
        product_name=name,
        warehouse_id=c.warehouse_id,
        warehouse_code=code or "",
        pos_value=c.pos_value,
        system_value=c.system_value,
        base_value=c.base_value,
        unit_cost=cost,
        detected_at=c.detected_at,
        status=c.status,
        strategy=c.strategy,
        resolved_value=c.resolved_value,
        resolved_by=c.resolved_by,
        resolved_at=c.resolved_at,
        note=c.note,
        review_policy=policy or "auto",
        pos_unverified=bool(c.pos_unverified),
    )


def integration_filter(session: Session, ref: str) -> uuid.UUID:
    """An integration by UUID, external key (the seed's id) or name (case-insensitive)."""
    text = ref.strip()
    try:
        as_id: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        as_id = None
    rows = session.execute(
        select(POSIntegration.id).where(
            or_(
                POSIntegration.id == as_id if as_id is not None else false(),
                POSIntegration.external_key == text,
                func.lower(POSIntegration.name) == text.lower(),
            )
        )
    ).all()
    if len(rows) != 1:
        raise ValidationError(
            f"No POS integration {ref!r} (give its id, key or name)"
            if not rows
            else f"{ref!r} names {len(rows)} integrations; give its id or key"
        )
    return uuid.UUID(str(rows[0][0]))


def list_conflicts(session: Session, query: ConflictQuery) -> list[ConflictRecord]:
    """Conflicts matching ``query``: open ones oldest first (the longest waiting on top),
    resolved ones newest first."""
    if query.status not in ("open", "resolved", "all"):
        raise ValidationError(f"A conflict status is open, resolved or all, not {query.status!r}")
    stmt = _record_columns()
    if query.status != "all":
        stmt = stmt.where(SyncConflict.status == query.status)
    if query.integration:
        stmt = stmt.where(
            SyncConflict.integration_id == integration_filter(session, query.integration)
        )
    if query.search.strip():
        like = f"%{query.search.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Product.sku).like(like),
                func.lower(Product.name).like(like),
                func.lower(Warehouse.code).like(like),
            )
        )
    if query.status == "open":
        stmt = stmt.order_by(SyncConflict.detected_at, SyncConflict.id)
    else:
        stmt = stmt.order_by(
            func.coalesce(SyncConflict.resolved_at, SyncConflict.detected_at).desc(),
            SyncConflict.id,
        )
    return [_record(r) for r in session.execute(stmt).all()]


def get_record(session: Session, conflict_id: uuid.UUID) -> ConflictRecord | None:
    row = session.execute(_record_columns().where(SyncConflict.id == conflict_id)).first()
    return None if row is None else _record(row)


def find_ids(session: Session, ref: str) -> list[uuid.UUID]:
    """Conflicts whose id is ``ref`` or starts with it (at least :data:`MIN_PREFIX` hex
    digits, dashes ignored)."""
    text = ref.strip().lower()
    try:
        return [uuid.UUID(text)] if session.get(SyncConflict, uuid.UUID(text)) else []
    except ValueError:
        pass
    digits = text.replace("-", "")
    if len(digits) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in digits):
        raise ValidationError(
            f"{ref!r} is not a conflict id: give the id or at least its first "
            f"{MIN_PREFIX} characters"
        )
    # The text form is hex (SQLite) or dashed (PostgreSQL): compare without dashes.
    plain = func.replace(func.lower(sql_cast(SyncConflict.id, String)), "-", "")
    rows = session.execute(select(SyncConflict.id).where(plain.like(f"{digits}%"))).all()
    return [uuid.UUID(str(r[0])) for r in rows]


def open_ids_of_product(session: Session, ref: str) -> tuple[str | None, list[uuid.UUID]]:
    """(the product's SKU, its open conflicts) for a product UUID or SKU; (None, []) when
    no product has that id or SKU."""
    text = ref.strip()
    try:
        as_id: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        as_id = None
    product = session.execute(
        select(Product.id, Product.sku).where(
            or_(Product.id == as_id if as_id is not None else false(), Product.sku == text)
        )
    ).first()
    if product is None:
        return None, []
    ids = session.scalars(
        select(SyncConflict.id)
        .where(SyncConflict.product_id == product[0], SyncConflict.status == _OPEN)
        .order_by(SyncConflict.detected_at)
    ).all()
    return str(product[1]), list(ids)


# -- history --------------------------------------------------------------------------------


def add_event(
    session: Session,
    conflict_id: uuid.UUID,
    kind: str,
    at: datetime,
    *,
    pos_value: int | None = None,
    system_value: int | None = None,
    base_value: int | None = None,
    strategy: str | None = None,
    value: int | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> None:
    session.execute(
        insert(SyncConflictEvent).values(
            id=uuid.uuid4(),
            conflict_id=conflict_id,
            at=at,
            kind=kind,
            pos_value=pos_value,
            system_value=system_value,
            base_value=base_value,
            strategy=strategy,
            value=value,
            actor=(actor or "")[:100] or None,
            note=note,
        )
    )


def history(session: Session, conflict_id: uuid.UUID) -> tuple[ConflictEvent, ...]:
    rows = session.scalars(
        select(SyncConflictEvent)
        .where(SyncConflictEvent.conflict_id == conflict_id)
        .order_by(SyncConflictEvent.at, SyncConflictEvent.id)
    ).all()
    return tuple(
        ConflictEvent(
            r.at,
            r.kind,
            r.pos_value,
            r.system_value,
            r.base_value,
            r.strategy,
            r.value,
            r.actor,
            r.note,
        )  # fmt: skip
        for r in rows
    )


def side_movements(session: Session, record: ConflictRecord) -> tuple[SideMovement, ...]:
    """What moved on each side since the base: the warehouse's ledger rows of the level
    since the base was agreed (up to the resolution, for a settled conflict; without this
    integration's sync pulls, which are the POS's movements brought in), and on the POS
    side those pulls plus the POS's count against the base (all that is known of the POS's
    own history)."""
    if record.warehouse_id is None:
        return ()
    since = session.scalar(select(SyncConflict.base_at).where(SyncConflict.id == record.id))
    if since is None and record.is_open:  # recorded before base_at was kept
        since = session.scalar(
            select(POSMapping.last_synced_at).where(
                POSMapping.integration_id == record.integration_id,
                POSMapping.product_id == record.product_id,
                POSMapping.warehouse_id == record.warehouse_id,
            )
        )
    ours = select(sql_cast(IntegrationSyncLog.id, String)).where(
        IntegrationSyncLog.integration_id == record.integration_id
    )
    stmt = select(StockMovement).where(
        StockMovement.product_id == record.product_id,
        StockMovement.warehouse_id == record.warehouse_id,
    )
    if since is not None:
        stmt = stmt.where(StockMovement.at >= since)
    if record.resolved_at is not None:
        stmt = stmt.where(StockMovement.at <= record.resolved_at)
    rows = session.scalars(stmt.order_by(StockMovement.at.desc()).limit(MOVEMENTS_SHOWN)).all()
    # Sync log ids read back as text: hex on SQLite, dashed on PostgreSQL; compare as UUIDs.
    sync_refs = {uuid.UUID(r) for r in session.scalars(ours).all()} if rows else set()
    found: list[SideMovement] = []
    for r in reversed(rows):
        pulled = r.reason == MovementReason.SYNC_PULL.value and _ref_in(r.reference, sync_refs)
        side = "pos" if pulled else "warehouse"
        found.append(SideMovement(r.at, side, r.delta, r.reason, r.reference, r.actor))
    if record.base_value is not None and record.pos_value != record.base_value:
        found.append(
            SideMovement(
                record.detected_at,
                "pos",
                record.pos_value - record.base_value,
                "POS count against the base (the POS's own movements are not itemised)",
                None,
                record.integration_name,
            )
        )
    return tuple(found)


def _ref_in(reference: str | None, refs: set[uuid.UUID]) -> bool:
    if reference is None:
        return False
    try:
        return uuid.UUID(reference) in refs
    except ValueError:
        return False


def resolved_rows(session: Session) -> list[tuple[str, str | None, datetime, datetime | None]]:
    """(integration name, strategy, detected at, resolved at) of every resolved conflict."""
    rows = session.execute(
        select(
            func.coalesce(POSIntegration.name, "(removed integration)"),
            SyncConflict.strategy,
            SyncConflict.detected_at,
            SyncConflict.resolved_at,
        )
        .outerjoin(POSIntegration, POSIntegration.id == SyncConflict.integration_id)
        .where(SyncConflict.status == _RESOLVED)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def open_counts(session: Session) -> dict[str, int]:
    """Integration name → open conflicts."""
    rows = session.execute(
        select(func.coalesce(POSIntegration.name, "(removed integration)"), func.count())
        .select_from(SyncConflict)
        .outerjoin(POSIntegration, POSIntegration.id == SyncConflict.integration_id)
        .where(SyncConflict.status == _OPEN)
        .group_by(POSIntegration.name)
    ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def integration_names(session: Session) -> list[str]:
    return list(session.scalars(select(POSIntegration.name).order_by(POSIntegration.name)))
