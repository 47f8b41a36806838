"""Set-based reads and writes of one page of POS counts for the Sync Manager (DESIGN.md §4).

A full sync reads every count the POS holds, and almost all of them agree with the store
and with the last agreed quantity. :func:`read_page` sends a page's counts to the database
as one parameter (a JSON array on SQLite, arrays on PostgreSQL), joins them to their
mappings, products and levels there, and returns only the counts that need a decision,
the counts that have no mapping yet, and how many agreed — so neither the driver nor
Python touches the quiet rows one by one. :func:`move_bases` and :func:`queue_pushes`
write a page's agreed quantities and its push queue rows in one statement each.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, TextClause, Uuid, bindparam, text, update
from sqlalchemy.orm import Session

from possync_gui.store.models import POSMapping
from possync_gui.store.setwise import (
    int_column,
    rows_source,
    set_based,
    string_column,
    time_column,
    uuid_column,
)
from possync_gui.store.types import UTCDateTime

#: A POS count as the page sends it: external item id, external location id, quantity.
PageCount = tuple[str, str, int]

_FOUND = """
    SELECT page.n AS n, page.qty AS qty, m.id AS mid, m.product_id AS pid,
           m.warehouse_id AS wid, m.last_synced_quantity AS base,
           p.review_policy AS policy, l.on_hand AS on_hand
    FROM page
    LEFT JOIN pos_mappings AS m ON m.integration_id = :integration
        AND m.external_item_id = page.item AND m.external_location_id = page.loc
    LEFT JOIN products AS p ON p.id = m.product_id
    LEFT JOIN stock_levels AS l
        ON l.product_id = m.product_id AND l.warehouse_id = m.warehouse_id
"""
# ``shared``: another mapping of the integration moves the same level (data from before
# the one-item-per-level rule); the caller then decides the whole page row by row.
_SELECT = """
SELECT n, {mid}, {pid}, {wid}, base, policy, on_hand,
       mid IS NOT NULL AND EXISTS (
           SELECT 1 FROM pos_mappings AS o
           WHERE o.product_id = found.pid AND o.warehouse_id = found.wid
             AND o.integration_id = :integration AND o.id <> found.mid
       ) AS shared
FROM found
WHERE mid IS NULL OR base IS NULL OR qty <> base OR coalesce(on_hand, 0) <> base {open}
ORDER BY n
"""

_SQLITE_PAGE = """
WITH page AS (
    SELECT key AS n, json_extract(value, '$[0]') AS item, json_extract(value, '$[1]') AS loc,
           json_extract(value, '$[2]') AS qty
    FROM json_each(:page)
), found AS ({found})
"""
_SQLITE_OPEN = "OR (pid || ':' || wid) IN (SELECT value FROM json_each(:open))"

_PG_PAGE = """
WITH page AS (
    SELECT n - 1 AS n, item, loc, qty
    FROM unnest(CAST(:items AS varchar[]), CAST(:locs AS varchar[]), CAST(:qtys AS integer[]))
         WITH ORDINALITY AS page(item, loc, qty, n)
), found AS ({found})
"""
# PostgreSQL: each count looks its rows up by index (LATERAL and scalar subqueries), a plan
# that holds whatever the statistics say. Left to choose, a freshly filled pos_mappings
# without statistics got a plan that read the whole table per page (1.5 s a page).
_PG_FOUND = """
    SELECT page.n AS n, page.qty AS qty, m.id AS mid, m.product_id AS pid,
           m.warehouse_id AS wid, m.last_synced_quantity AS base,
           (SELECT p.review_policy FROM products AS p WHERE p.id = m.product_id) AS policy,
           (SELECT l.on_hand FROM stock_levels AS l
            WHERE l.product_id = m.product_id AND l.warehouse_id = m.warehouse_id) AS on_hand
    FROM page
    LEFT JOIN LATERAL (
        SELECT id, product_id, warehouse_id, last_synced_quantity FROM pos_mappings
        WHERE integration_id = :integration
          AND external_item_id = page.item AND external_location_id = page.loc
        LIMIT 1  -- unique anyway; keeps the planner from flattening the lookup into a join
    ) AS m ON true
"""
_PG_OPEN = "OR (CAST(pid AS text) || ':' || CAST(wid AS text)) = ANY(CAST(:open AS text[]))"


def _statement(dialect: str, with_open: bool) -> TextClause:
    if dialect == "postgresql":
        head = _PG_PAGE.format(found=_PG_FOUND)
        body = _SELECT.format(
            mid="CAST(mid AS text)",
            pid="CAST(pid AS text)",
            wid="CAST(wid AS text)",
            open=_PG_OPEN if with_open else "",
        )
        sql = head + body
    else:
        head = _SQLITE_PAGE.format(found=_FOUND)
        body = _SELECT.format(
            mid="mid", pid="pid", wid="wid", open=_SQLITE_OPEN if with_open else ""
        )
        # One row holding them all: the driver gives the GIL up and takes it back around
        # every row it steps to, which costs up to a switch interval each while the event
        # loop thread is busy reading the next page.
        sql = (
            head + "SELECT json_group_array(json_array(n, mid, pid, wid, base, policy, "
            "on_hand, shared)) FROM (" + body + ")"
        )
    return text(sql).bindparams(bindparam("integration", type_=Uuid()))


_STATEMENTS = {
    (dialect, with_open): _statement(dialect, with_open)
    for dialect in ("sqlite", "postgresql")
    for with_open in (False, True)
}


@dataclass(frozen=True, slots=True)
class MappedRow:
    """A mapped count that needs a decision. Ids are the database's text (hex on SQLite,
    dashed on PostgreSQL), as the Sync Manager keeps them until a row is written."""

    index: int
    raw_id: str
    raw_product: str
    raw_warehouse: str
    base: int | None
    policy: str
    on_hand: int | None
    shared: bool


@dataclass(frozen=True, slots=True)
class PageRead:
    """What :func:`read_page` found: the positions (in the page) of counts without a
    mapping, the mapped counts that need a decision in page order, and how many mapped
    counts agree with the store and the base (nothing to do)."""

    unmapped: list[int]
    attention: list[MappedRow]
    quiet: int


def read_page(
    session: Session,
    integration_id: uuid.UUID,
    counts: Sequence[PageCount],
    open_levels: Collection[tuple[str, str]] = (),
) -> PageRead:
    """One statement over the page: a mapped count needs a decision when its quantity, the
    level's on-hand and the base do not all agree, when it has no base yet, or when its
    level (``(product, warehouse)`` as the database's text) is in ``open_levels``."""
    if not counts:
        return PageRead([], [], 0)
    dialect = session.get_bind().dialect.name
    stmt = _STATEMENTS[("postgresql" if dialect == "postgresql" else "sqlite", bool(open_levels))]
    params: dict[str, object] = {"integration": integration_id}
    opened = [f"{p}:{w}" for p, w in open_levels]
    if dialect == "postgresql":
        params["items"] = [c[0] for c in counts]
        params["locs"] = [c[1] for c in counts]
        params["qtys"] = [c[2] for c in counts]
        if opened:
            params["open"] = opened
    else:
        params["page"] = json.dumps(counts)
        if opened:
            params["open"] = json.dumps(opened)
    result = session.execute(stmt, params)
    rows: Iterable[Sequence[Any]] = (
        result if dialect == "postgresql" else sorted(json.loads(result.scalar_one()))
    )
    unmapped: list[int] = []
    attention: list[MappedRow] = []
    for n, mid, pid, wid, base, policy, on_hand, shared in rows:
        if mid is None:
            unmapped.append(int(n))
        else:
            attention.append(MappedRow(int(n), mid, pid, wid, base, policy, on_hand, bool(shared)))
    return PageRead(unmapped, attention, len(counts) - len(unmapped) - len(attention))


@dataclass(frozen=True, slots=True)
class MovedLevel:
    """A mapped level the store moved since its base was agreed: the mapping's POS item and
    location, the agreed quantity, and the level's product and warehouse as the database's
    text (as :class:`MappedRow` has them)."""

    external_item_id: str
    external_location_id: str
    base: int
    raw_product: str
    raw_warehouse: str


# ``+m.integration_id``: without statistics SQLite would otherwise walk every mapping of the
# integration by the unique index instead of the few levels written since ``since``.
_MOVED_SQLITE = """
SELECT m.external_item_id, m.external_location_id, m.last_synced_quantity,
       m.product_id, m.warehouse_id
FROM stock_levels AS l
JOIN pos_mappings AS m ON m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id
WHERE l.updated_at >= :since
  AND +m.integration_id = :integration
  AND m.last_synced_quantity IS NOT NULL AND l.on_hand <> m.last_synced_quantity
"""
_MOVED_PG = """
SELECT m.external_item_id, m.external_location_id, m.last_synced_quantity,
       CAST(m.product_id AS text), CAST(m.warehouse_id AS text)
FROM stock_levels AS l
CROSS JOIN LATERAL (
    SELECT external_item_id, external_location_id, last_synced_quantity,
           product_id, warehouse_id
    FROM pos_mappings
    WHERE product_id = l.product_id AND warehouse_id = l.warehouse_id
      AND integration_id = :integration
      AND last_synced_quantity IS NOT NULL AND last_synced_quantity <> l.on_hand
    OFFSET 0  -- kept a per-level index lookup: as a join the planner hashed every mapping
) AS m
WHERE l.updated_at >= :since
"""


def levels_moved_since(
    session: Session, integration_id: uuid.UUID, since: datetime
) -> list[MovedLevel]:
    """The integration's mapped levels written since ``since`` whose on-hand differs from
    the agreed quantity: the store's own changes an incremental sync pushes. Reads the
    levels written since ``since`` (by ``ix_stock_levels_updated_at``) and each one's
    mappings by ``ix_pos_mappings_product``: O(changes), whatever the store's size."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = text(_MOVED_PG if postgres else _MOVED_SQLITE).bindparams(
        bindparam("integration", type_=Uuid()), bindparam("since", type_=UTCDateTime())
    )
    rows = session.execute(stmt, {"integration": integration_id, "since": since}).all()
    return [MovedLevel(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


# -- writes ----------------------------------------------------------------------------------

_BASES = (uuid_column("id"), int_column("base"), time_column("at"))
_PUSHES = (
    uuid_column("id"),
    uuid_column("integration_id"),
    uuid_column("mapping_id"),
    string_column("external_item_id"),
    string_column("external_location_id"),
    int_column("delta"),
    int_column("new_base"),
    string_column("idempotency_key"),
    time_column("occurred_at"),
    string_column("reference"),
    int_column("attempts"),
    time_column("created_at"),
)


@dataclass(frozen=True, slots=True)
class QueuedPush:
    """A ``pos_pending_pushes`` row to write."""

    mapping_id: uuid.UUID
    external_item_id: str
    external_location_id: str
    delta: int
    new_base: int
    idempotency_key: str
    occurred_at: datetime
    reference: str | None


def _id_order(row: tuple[uuid.UUID, int, datetime]) -> int:
    return row[0].int


def move_bases(session: Session, rows: Sequence[tuple[uuid.UUID, int, datetime]]) -> None:
    """Set each mapping's agreed quantity (``last_synced_quantity``) and when it was agreed;
    ``rows`` are (mapping id, base, at). A mapping named twice keeps its last row."""
    if not rows:
        return
    last = {row[0]: row for row in rows}
    dialect = session.get_bind().dialect
    if not set_based(dialect):
        table = cast(Table, POSMapping.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(last_synced_quantity=bindparam("b_base"), last_synced_at=bindparam("b_at")),
            [{"b_id": i, "b_base": b, "b_at": at} for i, b, at in last.values()],
        )
        return
    # In index order, compared as ints (UUID comparisons run Python code per step).
    ordered = sorted(last.values(), key=_id_order)
    source, params = rows_source(dialect, _BASES, ordered, "agreed")
    where = "pos_mappings.id = agreed.id"
    postgres = dialect.name == "postgresql"
    if postgres:
        # The ids again, as an array the primary key answers, and no sequential scan: left
        # to itself the planner read and hashed all of pos_mappings for every batch of
        # 1,000 (its cost model takes each index probe for a disk read), O(store) per page.
        where += " AND pos_mappings.id = ANY(CAST(:agreed_ids AS uuid[]))"
        params["agreed_ids"] = [row[0] for row in ordered]
        session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(
        text(
            "UPDATE pos_mappings SET last_synced_quantity = agreed.base, "
            f"last_synced_at = agreed.at FROM {source} WHERE {where}"
        ),
        params,
    )
    if postgres:
        session.execute(text("RESET enable_seqscan"))


def queue_pushes(
    session: Session, integration_id: uuid.UUID, pushes: Sequence[QueuedPush], now: datetime
) -> None:
    """Write ``pushes`` to the persisted push queue (``pos_pending_pushes``)."""
    if not pushes:
        return
    names = ", ".join(c.name for c in _PUSHES)
    source, params = rows_source(
        session.get_bind().dialect,
        _PUSHES,
        [
            (
                uuid.uuid4(),
                integration_id,
                p.mapping_id,
                p.external_item_id,
                p.external_location_id,
                p.delta,
                p.new_base,
                p.idempotency_key,
                p.occurred_at,
                p.reference,
                0,
                now,
            )
            for p in pushes
        ],
        "queued",
    )
    session.execute(
        text(f"INSERT INTO pos_pending_pushes ({names}) SELECT {names} FROM {source}"), params
    )
