"""The stock ledger: every change to ``stock_levels`` is a ``stock_movements`` row.

Both are written in the caller's transaction, so either both land or neither does, and
``on_hand`` always equals the sum of the level's movements. Updates are relative
(``on_hand = on_hand + delta``) and bump ``version``, so two desktops adding to the same
level never lose one another's change.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from possync_gui.domain.errors import ValidationError
from possync_gui.domain.records import MovementRequest
from possync_gui.store.models import StockLevel, StockMovement
from possync_gui.store.setwise import (
    int_column,
    rows_source,
    set_based,
    string_column,
    text_column,
    time_column,
    uuid_column,
)
from possync_gui.store.types import UTCDateTime, utcnow


@dataclass(frozen=True, slots=True)
class AppliedMovement:
    movement_id: uuid.UUID
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    delta: int
    on_hand: int


def _ensure_level(session: Session, product_id: uuid.UUID, warehouse_id: uuid.UUID) -> None:
    values = {
        "id": uuid.uuid4(),
        "product_id": product_id,
        "warehouse_id": warehouse_id,
        "on_hand": 0,
        "version": 0,
        "updated_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(StockLevel).values(**values)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["product_id", "warehouse_id"]))


def apply_movements(
    session: Session, requests: Sequence[MovementRequest], *, allow_negative: bool = True
) -> list[AppliedMovement]:
    """Write each request to the ledger and its stock level; returns the new on-hand figures.

    With ``allow_negative=False`` a change that would leave a level below zero raises
    :class:`ValidationError` and writes nothing for that change; changes before it in
    ``requests`` stay in the session, so callers normally let the transaction roll back.
    """
    applied: list[AppliedMovement] = []
    now = utcnow()
    for req in requests:
        if req.delta == 0:
            continue
        _ensure_level(session, req.product_id, req.warehouse_id)
        level = (StockLevel.product_id == req.product_id) & (
            StockLevel.warehouse_id == req.warehouse_id
        )
        stmt = (
            update(StockLevel)
            .where(level)
            .values(
                on_hand=StockLevel.on_hand + req.delta,
                version=StockLevel.version + 1,
                updated_at=now,  # when the level was written (a movement may be backdated)
            )
            .returning(StockLevel.on_hand)
        )
        if not allow_negative:
            # Refused inside the UPDATE, so a refused change leaves the level untouched even
            # when the caller catches the error and commits the rest of its work.
            stmt = stmt.where(StockLevel.on_hand + req.delta >= 0)
        new_on_hand = session.execute(stmt).scalar_one_or_none()
        if new_on_hand is None:
            current = session.execute(select(StockLevel.on_hand).where(level)).scalar_one()
            raise ValidationError(
                f"That change would leave {current + req.delta} on hand; "
                "stock cannot go below zero."
            )
        movement = StockMovement(
            id=uuid.uuid4(),
            product_id=req.product_id,
            warehouse_id=req.warehouse_id,
            delta=req.delta,
            reason=str(req.reason),
            reference=req.reference,
            actor=req.actor,
            note=req.note,
            at=req.at or now,
        )
        session.add(movement)
        applied.append(
            AppliedMovement(movement.id, req.product_id, req.warehouse_id, req.delta, new_on_hand)
        )
    session.flush()
    return applied


def _create_levels(
    session: Session, pairs: Collection[tuple[uuid.UUID, uuid.UUID]], now: datetime
) -> None:
    """Empty levels for the pairs that have none yet (executemany; existing ones untouched)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(StockLevel).on_conflict_do_nothing(index_elements=["product_id", "warehouse_id"]),
        [
            {
                "id": uuid.uuid4(),
                "product_id": p,
                "warehouse_id": w,
                "on_hand": 0,
                "version": 0,
                "updated_at": now,
            }
            for p, w in pairs
        ],
    )


def apply_deltas(
    session: Session,
    requests: Sequence[MovementRequest],
    *,
    existing: Collection[tuple[uuid.UUID, uuid.UUID]] = (),
) -> int:
    """Write many movements at once: the bulk path of a sync batch.

    Same ledger rule as :func:`apply_movements` — each level changes relatively and gains a
    movement row in the caller's transaction — but without reading the new figures back and
    without the below-zero refusal (a sync records what the POS already did). Returns the
    number of movements written. ``existing`` names (product, warehouse) levels the caller
    knows exist, which are then not created first.

    Two statements whatever the number of rows (``UPDATE … FROM`` and ``INSERT … SELECT``
    over the rows as one parameter; :mod:`.setwise`), executemany where SQLite is too old.
    """
    rows = [r for r in requests if r.delta]
    if not rows:
        return 0
    now = utcnow()
    pairs = {(r.product_id, r.warehouse_id) for r in rows}.difference(existing)
    if pairs:
        _create_levels(session, pairs, now)
    dialect = session.get_bind().dialect
    if set_based(dialect):
        _add_to_levels(session, rows, now)
        _insert_movements(session, rows, now)
        return len(rows)
    levels = cast(Table, StockLevel.__table__)
    session.execute(
        update(levels)
        .where(
            (levels.c.product_id == bindparam("b_product"))
            & (levels.c.warehouse_id == bindparam("b_warehouse"))
        )
        .values(
            on_hand=levels.c.on_hand + bindparam("b_delta"),
            version=levels.c.version + 1,
            updated_at=now,
        ),
        [
            {
                "b_product": r.product_id,
                "b_warehouse": r.warehouse_id,
                "b_delta": r.delta,
            }
            for r in rows
        ],
    )
    session.execute(
        sa_insert(cast(Table, StockMovement.__table__)),
        [
            {
                "id": uuid.uuid4(),
                "product_id": r.product_id,
                "warehouse_id": r.warehouse_id,
                "delta": r.delta,
                "reason": str(r.reason),
                "reference": r.reference,
                "actor": r.actor,
                "note": r.note,
                "at": r.at or now,
            }
            for r in rows
        ],
    )
    return len(rows)


_LEVEL_DELTAS = (
    uuid_column("product_id"),
    uuid_column("warehouse_id"),
    int_column("delta"),
    int_column("moves"),
)
_MOVEMENTS = (
    uuid_column("id"),
    uuid_column("product_id"),
    uuid_column("warehouse_id"),
    int_column("delta"),
    string_column("reason"),
    string_column("reference"),
    string_column("actor"),
    text_column("note"),
    time_column("at"),
)


def _add_to_levels(session: Session, rows: Sequence[MovementRequest], now: datetime) -> None:
    """One relative UPDATE of every level the rows move. A level moved by several rows
    gains their sum and one version per row, as one UPDATE per row would give it."""
    per_level: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = {}
    for r in rows:
        total = per_level.setdefault((r.product_id, r.warehouse_id), [0, 0])
        total[0] += r.delta
        total[1] += 1
    source, params = rows_source(
        session.get_bind().dialect,
        _LEVEL_DELTAS,
        # In index order: each B-tree page is visited once, while it is in the cache.
        [(p, w, d, n) for (p, w), (d, n) in sorted(per_level.items(), key=_level_order)],
        "moved",
    )
    session.execute(
        text(
            "UPDATE stock_levels SET on_hand = stock_levels.on_hand + moved.delta, "
            "version = stock_levels.version + moved.moves, updated_at = :now "
            f"FROM {source} "
            "WHERE stock_levels.product_id = moved.product_id "
            "AND stock_levels.warehouse_id = moved.warehouse_id"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        {**params, "now": now},
    )


def _level_order(item: tuple[tuple[uuid.UUID, uuid.UUID], object]) -> tuple[int, int]:
    return (item[0][0].int, item[0][1].int)


def _by_level(r: MovementRequest) -> tuple[int, int]:
    """The level's index order (a UUID's ``int`` orders as the stored text and bytes do),
    compared in C: sorting the UUIDs themselves runs their Python ``__lt__`` and ``__eq__``,
    which was a tenth of a 1,000-change sync batch."""
    return (r.product_id.int, r.warehouse_id.int)


def time_ordered_ids(count: int) -> list[uuid.UUID]:
    """``count`` new ids in the layout of UUID version 7 (RFC 9562): the millisecond clock in
    the top 48 bits, then 74 random bits. Movement ids are only ever looked up, never
    interpreted; made this way, a batch's ids land next to one another at the end of the
    primary key's index instead of on a random page each (a quarter of the pages a
    1,000-change sync batch wrote)."""
    stamp = (time.time_ns() // 1_000_000) << 80
    noise = os.urandom(10 * count)
    ids = []
    for i in range(count):
        value = stamp | int.from_bytes(noise[10 * i : 10 * i + 10], "big")
        ids.append(uuid.UUID(int=value & _V7_CLEAR | _V7_SET))
    return ids


#: Version 7 in bits 76-79, the RFC 4122 variant (0b10) in bits 62-63.
_V7_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_V7_SET = (0x7 << 76) | (0x2 << 62)


def _insert_movements(session: Session, rows: Sequence[MovementRequest], now: datetime) -> None:
    names = ", ".join(c.name for c in _MOVEMENTS)
    ordered = sorted(rows, key=_by_level)
    ids = time_ordered_ids(len(ordered))
    source, params = rows_source(
        session.get_bind().dialect,
        _MOVEMENTS,
        [
            (
                movement_id,
                r.product_id,
                r.warehouse_id,
                r.delta,
                str(r.reason),
                r.reference,
                r.actor,
                r.note,
                r.at or now,
            )
            for movement_id, r in zip(ids, ordered, strict=True)
        ],
        "moves",
    )
    session.execute(
        text(f"INSERT INTO stock_movements ({names}) SELECT {names} FROM {source}"), params
    )


def ledger_mismatches(session: Session) -> list[tuple[uuid.UUID, uuid.UUID, int, int]]:
    """Stock levels whose on_hand differs from the sum of their movements (should be none)."""
    sums = (
        select(
            StockMovement.product_id,
            StockMovement.warehouse_id,
            func.sum(StockMovement.delta).label("total"),
        )
        .group_by(StockMovement.product_id, StockMovement.warehouse_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    rows = session.execute(
        select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand, total)
        .outerjoin(
            sums,
            (sums.c.product_id == StockLevel.product_id)
            & (sums.c.warehouse_id == StockLevel.warehouse_id),
        )
        .where(StockLevel.on_hand != total)
    ).all()
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]
