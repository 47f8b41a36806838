"""The hand-written SQL of bench/alerts.py: one query that judges every stock level by the
rules of ``possync_gui/domain/reorder.py`` (``assess`` and ``_urgency``).

All arithmetic is on integers, so SQLite (no ``ceil`` before 3.44, float division) and
PostgreSQL give exactly what the domain's exact rational maths gives in Python:

- units = units sold in the window (the last ``window_days`` days, today included);
- the lead time is that of the product's preferred supplier mapping (the lowest id when
  there are two, as the service picks), else 7 days;
- reorder point = ceil(units x lead x multiplier / window) + safety stock (the multiplier
  as a fraction ``mult_num / mult_den``; ceil(a / b) = (a + b - 1) / b for a >= 0), unless
  the product carries a manual reorder point; no sales and no manual point: the reorder
  point is the safety stock when on hand is at or below it, else the level is a "problem"
  (``ReorderPointCalculationError``, no alert);
- high: on hand <= minimum, or days of cover < lead time, compared exactly as
  available x window < lead x units;
- low: available <= floor(reorder point x (1 + threshold)) (the threshold as a fraction).

The terms of each warehouse (window, multiplier, threshold) come in as one ``VALUES`` row
per warehouse, so per-warehouse settings are honoured.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    Date,
    Integer,
    String,
    TextClause,
    Uuid,
    bindparam,
    column,
    text,
)

URGENCIES = ("critical", "high", "medium", "low", "none", "problem")
OPEN_PO_STATES = ("draft", "pending_approval", "approved", "sent", "partially_received")
DEFAULT_LEAD_TIME_DAYS = 7


@dataclass(frozen=True, slots=True)
class WarehouseTerms:
    """One warehouse's alert terms, as the service applies them."""

    warehouse_id: uuid.UUID
    window_days: int
    multiplier: Decimal
    threshold: Decimal


def _fraction(value: Decimal) -> tuple[int, int]:
    num, den = value.as_integer_ratio()
    return num, den


def _floor_div(a: str, b: str) -> str:
    """floor(a / b) for integer a and positive integer b (SQL ``/`` truncates toward zero)."""
    return f"((({a}) - ((({a}) % ({b})) + ({b})) % ({b})) / ({b}))"


def _params_cte(count: int) -> str:
    rows = ", ".join(
        f"(:wh{i}, :start{i}, :window{i}, :mnum{i}, :mden{i}, :tnum{i}, :tden{i})"
        for i in range(count)
    )
    return (
        "terms(warehouse_id, window_start, window_days, mult_num, mult_den, th_num, th_den)"
        f" AS (VALUES {rows})"
    )


def _levels_sql(count: int, states: Sequence[str], dialect: str) -> str:
    """The classification of every stock level: one row per level with its urgency.

    SQLite: units sold and the lead time are correlated subqueries on the sales_daily and
    supplier_products indexes (an outer join on a grouped subquery makes SQLite build an
    automatic index and costs several times more), and the first stage is fenced with
    ``LIMIT -1 OFFSET 0`` so they are not flattened into (and evaluated again by) every
    expression that uses them. PostgreSQL: grouped subqueries hash-joined."""
    state_list = ", ".join(f"'{s}'" for s in states)
    if dialect == "sqlite":
        units = (
            "(SELECT COALESCE(SUM(sd.quantity), 0) FROM sales_daily sd"
            " WHERE sd.product_id = s.product_id AND sd.warehouse_id = s.warehouse_id"
            " AND sd.day >= t.window_start)"
        )
        # SQLite's bare column of a MIN() aggregate comes from the row with the lowest id
        lead = (
            "(SELECT x.lead FROM (SELECT sp.lead_time_days AS lead, MIN(sp.id)"
            " FROM supplier_products sp"
            " WHERE sp.product_id = s.product_id AND sp.is_preferred) x)"
        )
        joins = """
            FROM stock_levels s
            CROSS JOIN products p ON p.id = s.product_id
            CROSS JOIN terms t ON t.warehouse_id = s.warehouse_id
            LEFT JOIN on_order oo ON oo.product_id = s.product_id
                                 AND oo.warehouse_id = s.warehouse_id"""
        fence = "LIMIT -1 OFFSET 0"
        ctes = ""
    else:
        units, lead, fence = "COALESCE(sa.units, 0)", "ld.lead", "OFFSET 0"
        joins = """
            FROM stock_levels s
            JOIN products p ON p.id = s.product_id
            JOIN terms t ON t.warehouse_id = s.warehouse_id
            LEFT JOIN sales sa ON sa.product_id = s.product_id
                              AND sa.warehouse_id = s.warehouse_id
            LEFT JOIN leads ld ON ld.product_id = s.product_id
            LEFT JOIN on_order oo ON oo.product_id = s.product_id
                                 AND oo.warehouse_id = s.warehouse_id"""
        ctes = """
        sales AS (
            SELECT sd.product_id, sd.warehouse_id, SUM(sd.quantity) AS units
            FROM sales_daily sd
            JOIN terms t ON t.warehouse_id = sd.warehouse_id
            WHERE sd.day >= t.window_start
            GROUP BY sd.product_id, sd.warehouse_id
        ),
        ranked AS (
            SELECT sp.product_id, sp.lead_time_days,
                   ROW_NUMBER() OVER (PARTITION BY sp.product_id ORDER BY sp.id) AS rn
            FROM supplier_products sp
            WHERE sp.is_preferred
        ),
        leads AS (SELECT product_id, lead_time_days AS lead FROM ranked WHERE rn = 1),"""
    # Stage 0: what the store holds about each level, and its warehouse's terms.
    raw = f"""
        SELECT s.product_id, s.warehouse_id, s.on_hand, p.minimum_stock,
               p.reorder_point AS manual_rp,
               {units} AS units,
               COALESCE({lead}, {DEFAULT_LEAD_TIME_DAYS}) AS lead,
               COALESCE(oo.qty, 0) AS on_order,
               t.window_days, t.mult_num, t.mult_den, t.th_num, t.th_den
        {joins}
        {fence}
    """
    # Stage 1: safety stock, available, and the terms.
    facts = f"""
        SELECT r.product_id, r.warehouse_id, r.on_hand, r.minimum_stock,
               CASE WHEN r.minimum_stock > 0 THEN r.minimum_stock ELSE 0 END AS safety,
               r.manual_rp, r.units, r.lead,
               r.on_hand + CASE WHEN r.on_order > 0 THEN r.on_order ELSE 0 END AS available,
               r.window_days, r.mult_num, r.mult_den, r.th_num, r.th_den
        FROM raw r
        {fence}
    """
    # ceil(units * lead * num / (window * den)) with integers (units > 0, lead >= 0).
    rp_num = "f.units * f.lead * f.mult_num"
    rp_den = "f.window_days * f.mult_den"
    rp_calc = f"(({rp_num}) + ({rp_den}) - 1) / ({rp_den}) + f.safety"
    # Stage 2: reorder point (NULL = the "problem" case) and whether cover < lead time.
    points = f"""
        SELECT f.*,
               CASE WHEN f.manual_rp IS NOT NULL THEN f.manual_rp
                    WHEN f.units > 0 THEN {rp_calc}
                    WHEN f.on_hand <= f.safety THEN f.safety
               END AS rp,
               CASE WHEN f.units > 0 AND f.available * f.window_days < f.lead * f.units
                    THEN 1 ELSE 0 END AS short_cover
        FROM facts f
        {fence}
    """
    low_limit = _floor_div("g.rp * (g.th_den + g.th_num)", "g.th_den")
    # Stage 3: the urgency, as ``_urgency`` decides it.
    urgency = f"""
        SELECT g.product_id, g.warehouse_id,
               CASE WHEN g.rp IS NULL THEN 'problem'
                    WHEN g.on_hand <= 0 THEN 'critical'
                    WHEN g.on_hand <= g.minimum_stock OR g.short_cover = 1 THEN 'high'
                    WHEN g.available <= g.rp THEN 'medium'
                    WHEN g.available <= {low_limit} THEN 'low'
                    ELSE 'none'
               END AS urgency
        FROM points g
    """
    return f"""
        WITH {_params_cte(count)},{ctes}
        on_order AS (
            SELECT po.warehouse_id, l.product_id,
                   SUM(l.quantity - l.received_quantity) AS qty
            FROM purchase_order_lines l
            JOIN auto_purchase_orders po ON po.id = l.purchase_order_id
            WHERE po.status IN ({state_list})
            GROUP BY po.warehouse_id, l.product_id
        ),
        raw AS ({raw}),
        facts AS ({facts}),
        points AS ({points}),
        levels AS ({urgency})
    """


def _bind(stmt: TextClause, count: int) -> TextClause:
    binds: list[BindParameter[Any]] = []
    for i in range(count):
        binds += [
            bindparam(f"wh{i}", type_=Uuid()),
            bindparam(f"start{i}", type_=Date()),
            *(bindparam(f"{k}{i}", type_=Integer()) for k in ("window", "mnum", "mden")),
            *(bindparam(f"{k}{i}", type_=Integer()) for k in ("tnum", "tden")),
        ]
    return stmt.bindparams(*binds)


def counts_query(count: int, dialect: str, states: Sequence[str] = OPEN_PO_STATES) -> TextClause:
    """Levels per urgency ('critical' … 'none', and 'problem')."""
    # conditional sums, not GROUP BY: no sort of a million rows for six groups
    sums = ", ".join(f"SUM(CASE WHEN urgency = '{u}' THEN 1 ELSE 0 END)" for u in URGENCIES)
    sql = _levels_sql(count, states, dialect) + f" SELECT {sums} FROM levels"
    return _bind(text(sql), count)


def rows_query(count: int, dialect: str, states: Sequence[str] = OPEN_PO_STATES) -> Any:
    """(product_id, warehouse_id, urgency) of every level that is not 'none'."""
    sql = (
        _levels_sql(count, states, dialect)
        + " SELECT product_id, warehouse_id, urgency FROM levels WHERE urgency <> 'none'"
    )
    return _bind(text(sql), count).columns(
        column("product_id", Uuid()), column("warehouse_id", Uuid()), column("urgency", String())
    )


def parameters(terms: Sequence[WarehouseTerms], today: date) -> dict[str, Any]:
    """The bound values: one row of terms per warehouse. The window is the service's
    (``store/alerts.py`` ``sales_since``): the last ``window_days`` days including today."""
    out: dict[str, Any] = {}
    for i, t in enumerate(terms):
        mnum, mden = _fraction(t.multiplier)
        tnum, tden = _fraction(t.threshold)
        out.update(
            {
                f"wh{i}": t.warehouse_id,
                f"start{i}": window_start(t.window_days, today),
                f"window{i}": t.window_days,
                f"mnum{i}": mnum,
                f"mden{i}": mden,
                f"tnum{i}": tnum,
                f"tden{i}": tden,
            }
        )
    return out


def window_start(window_days: int, today: date) -> date:
    return today - timedelta(days=window_days - 1)


def as_counts(row: Sequence[Any]) -> dict[str, int]:
    """The one row of ``counts_query`` as {urgency: levels}."""
    return {u: int(n or 0) for u, n in zip(URGENCIES, row, strict=True)}


def explain_terms(terms: Mapping[uuid.UUID, WarehouseTerms]) -> str:
    return "; ".join(
        f"window {t.window_days} d, multiplier {t.multiplier}, threshold {t.threshold}"
        for t in terms.values()
    )
