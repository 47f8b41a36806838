"""The reorder maths of DESIGN.md §5: reorder point, urgency and suggested quantity.

Pure functions over plain numbers, so the Stock Alert Generator, the bench's hand-written
SQL and the property tests all judge a stock level by the same rules:

- average daily sales = units sold in the window / window days (a ``Decimal``);
- reorder point = ceil(average × lead time × multiplier) + safety stock (the product's
  minimum stock, else the default safety stock of the settings), unless the product
  carries a manual reorder point;
- ``available`` = on hand + on order (open purchase-order lines not yet received);
- urgency: critical when on hand ≤ 0; high when on hand ≤ minimum stock or the days of
  cover (available / average) are fewer than the lead time; medium when available ≤ the
  reorder point; low when available ≤ reorder point × (1 + threshold); otherwise none;
- suggested quantity: up to max stock (else the reorder quantity, else twice the reorder
  point) minus available, rounded up to whole packs and to at least the minimum order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from possync_gui.domain.enums import UrgencyLevel
from possync_gui.domain.errors import ReorderPointCalculationError

DEFAULT_WINDOW_DAYS = 28
DEFAULT_MULTIPLIER = Decimal("1.5")
DEFAULT_THRESHOLD = Decimal("0.2")
#: Lead time assumed when no supplier offers the product.
DEFAULT_LEAD_TIME_DAYS = 7

URGENCY_ORDER = {
    UrgencyLevel.LOW: 0,
    UrgencyLevel.MEDIUM: 1,
    UrgencyLevel.HIGH: 2,
    UrgencyLevel.CRITICAL: 3,
}


@dataclass(frozen=True, slots=True)
class AlertParams:
    """The configurable terms of one warehouse's alert maths."""

    window_days: int = DEFAULT_WINDOW_DAYS
    multiplier: Decimal = DEFAULT_MULTIPLIER
    threshold: Decimal = DEFAULT_THRESHOLD
    #: Safety stock (units) for a product whose own minimum stock is 0 (Settings).
    safety_stock: int = 0


@dataclass(frozen=True, slots=True)
class StockFacts:
    """What the store knows about one product in one warehouse."""

    on_hand: int
    on_order: int
    minimum_stock: int
    units_sold: int  # in the window
    manual_reorder_point: int | None
    reorder_quantity: int | None
    max_stock: int | None
    lead_time_days: int | None  # the preferred supplier's; None when no supplier
    pack_size: int = 1
    min_order_qty: int = 0


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one stock level and every term it came from (the explanation)."""

    urgency: UrgencyLevel | None
    average_daily_sales: Decimal
    window_days: int
    lead_time_days: int
    lead_time_assumed: bool
    multiplier: Decimal
    safety_stock: int
    on_hand: int
    on_order: int
    available: int
    reorder_point: int
    reorder_point_source: str  # "calculated" | "manual" | "minimum stock only"
    threshold: Decimal
    days_of_cover: Decimal | None
    target_stock: int
    target_source: str  # "max stock" | "reorder quantity" | "twice the reorder point"
    raw_quantity: int
    pack_size: int
    min_order_qty: int
    suggested_quantity: int
    rounding: str

    def explanation(self) -> dict[str, Any]:
        """The terms as JSON-friendly values (Decimals as strings)."""
        return {
            "average_daily_sales": str(self.average_daily_sales),
            "window_days": self.window_days,
            "lead_time_days": self.lead_time_days,
            "lead_time_assumed": self.lead_time_assumed,
            "multiplier": str(self.multiplier),
            "safety_stock": self.safety_stock,
            "on_hand": self.on_hand,
            "on_order": self.on_order,
            "available": self.available,
            "reorder_point": self.reorder_point,
            "reorder_point_source": self.reorder_point_source,
            "threshold": str(self.threshold),
            "days_of_cover": None if self.days_of_cover is None else str(self.days_of_cover),
            "target_stock": self.target_stock,
            "target_source": self.target_source,
            "raw_quantity": self.raw_quantity,
            "pack_size": self.pack_size,
            "min_order_qty": self.min_order_qty,
            "suggested_quantity": self.suggested_quantity,
            "rounding": self.rounding,
        }


def average_daily_sales(units_sold: int, window_days: int) -> Decimal:
    if window_days <= 0:
        raise ValueError("the sales window must be at least one day")
    return (Decimal(max(0, units_sold)) / Decimal(window_days)).quantize(Decimal("0.0001"))


def reorder_point(
    units_sold: int, window_days: int, lead_time_days: int, multiplier: Decimal, safety: int
) -> int:
    """ceil(units sold / window × lead time × multiplier) + safety stock, in exact
    rational arithmetic (no rounding of the average first), so a set-based SQL version
    with integer maths gives the same number."""
    raw = Fraction(units_sold, window_days) * lead_time_days * Fraction(multiplier)
    return math.ceil(raw) + max(0, safety)


def round_to_packs(raw: int, pack_size: int, min_order_qty: int) -> tuple[int, str]:
    """``raw`` rounded up to whole packs and to at least the minimum order (0 stays 0)."""
    if raw <= 0:
        return 0, "nothing to order: available already reaches the target"
    pack = max(1, pack_size)
    notes = []
    qty = raw
    if min_order_qty > qty:
        qty = min_order_qty
        notes.append(f"raised to the minimum order of {min_order_qty}")
    packs = -(-qty // pack)
    if packs * pack != qty:
        notes.append(f"rounded up to {packs} pack(s) of {pack}")
    qty = packs * pack
    return qty, "; ".join(notes) or "no rounding needed"


def assess(facts: StockFacts, params: AlertParams) -> Assessment:
    """Judge one stock level. Raises :class:`ReorderPointCalculationError` when the product
    has neither sales in the window nor a manual reorder point — unless its stock is at or
    below its minimum, which is judged (critical/high) on the minimum alone and says so."""
    average = average_daily_sales(facts.units_sold, params.window_days)
    assumed = facts.lead_time_days is None
    lead = DEFAULT_LEAD_TIME_DAYS if facts.lead_time_days is None else facts.lead_time_days
    safety = safety_stock(facts, params)
    available = facts.on_hand + max(0, facts.on_order)
    if facts.manual_reorder_point is not None:
        rp, source = facts.manual_reorder_point, "manual"
    elif facts.units_sold > 0:
        rp = reorder_point(facts.units_sold, params.window_days, lead, params.multiplier, safety)
        source = "calculated"
    elif facts.on_hand <= safety:
        rp, source = safety, "minimum stock only"
    else:
        raise ReorderPointCalculationError(
            "Failed to calculate average daily sales: no sales in the last "
            f"{params.window_days} days and no manual reorder point"
        )
    cover = (Decimal(available) / average).quantize(Decimal("0.1")) if average > 0 else None
    urgency = _urgency(facts, rp, available, lead, params)
    target, target_source = _target(facts, rp)
    raw = max(0, target - available)
    qty, rounding = round_to_packs(raw, facts.pack_size, facts.min_order_qty)
    return Assessment(
        urgency=urgency,
        average_daily_sales=average,
        window_days=params.window_days,
        lead_time_days=lead,
        lead_time_assumed=assumed,
        multiplier=params.multiplier,
        safety_stock=safety,
        on_hand=facts.on_hand,
        on_order=max(0, facts.on_order),
        available=available,
        reorder_point=rp,
        reorder_point_source=source,
        threshold=params.threshold,
        days_of_cover=cover,
        target_stock=target,
        target_source=target_source,
        raw_quantity=raw,
        pack_size=max(1, facts.pack_size),
        min_order_qty=max(0, facts.min_order_qty),
        suggested_quantity=qty,
        rounding=rounding,
    )


def safety_stock(facts: StockFacts, params: AlertParams) -> int:
    """The product's minimum stock, or the desktop's default when the product has none."""
    return facts.minimum_stock if facts.minimum_stock > 0 else max(0, params.safety_stock)


def _urgency(
    facts: StockFacts, rp: int, available: int, lead: int, params: AlertParams
) -> UrgencyLevel | None:
    """The urgency rules; days of cover (available / average) are compared exactly:
    available × window < lead time × units sold."""
    sold = max(0, facts.units_sold)
    if facts.on_hand <= 0:
        return UrgencyLevel.CRITICAL
    if facts.on_hand <= facts.minimum_stock or (
        sold > 0 and available * params.window_days < lead * sold
    ):
        return UrgencyLevel.HIGH
    if available <= rp:
        return UrgencyLevel.MEDIUM
    if available <= rp * (1 + Fraction(params.threshold)):
        return UrgencyLevel.LOW
    return None


def _target(facts: StockFacts, rp: int) -> tuple[int, str]:
    if facts.max_stock is not None and facts.max_stock > 0:
        return facts.max_stock, "max stock"
    if facts.reorder_quantity:
        return rp + facts.reorder_quantity, "reorder point + reorder quantity"
    return 2 * rp, "twice the reorder point"


def more_urgent(a: UrgencyLevel | str | None, b: UrgencyLevel | str | None) -> bool:
    """True when ``a`` is strictly more urgent than ``b`` (None is below low)."""
    rank = {str(k): v for k, v in URGENCY_ORDER.items()}
    return rank.get(str(a), -1) > rank.get(str(b), -1) if a is not None else False


def inputs_of(facts: StockFacts, params: AlertParams) -> dict[str, Any]:
    """What an alert stores: the inputs its verdict was computed from (JSON-friendly)."""
    return {
        "units_sold": facts.units_sold,
        "window_days": params.window_days,
        "lead_time_days": facts.lead_time_days,
        "multiplier": str(params.multiplier),
        "threshold": str(params.threshold),
        "safety_stock_default": params.safety_stock,
        "minimum_stock": facts.minimum_stock,
        "manual_reorder_point": facts.manual_reorder_point,
        "reorder_quantity": facts.reorder_quantity,
        "max_stock": facts.max_stock,
        "pack_size": facts.pack_size,
        "min_order_qty": facts.min_order_qty,
        "on_hand": facts.on_hand,
        "on_order": facts.on_order,
    }


def explain(inputs: dict[str, Any]) -> dict[str, Any]:
    """The explanation terms of a stored alert, recomputed from its inputs by the same rules
    that judged it (plus ``urgency`` and ``problem`` when the alert stored them)."""
    if "units_sold" not in inputs:  # already an explanation (or nothing stored)
        return dict(inputs)
    facts = StockFacts(
        on_hand=int(inputs.get("on_hand") or 0),
        on_order=int(inputs.get("on_order") or 0),
        minimum_stock=int(inputs.get("minimum_stock") or 0),
        units_sold=int(inputs.get("units_sold") or 0),
        manual_reorder_point=inputs.get("manual_reorder_point"),
        reorder_quantity=inputs.get("reorder_quantity"),
        max_stock=inputs.get("max_stock"),
        lead_time_days=inputs.get("lead_time_days"),
        pack_size=int(inputs.get("pack_size") or 1),
        min_order_qty=int(inputs.get("min_order_qty") or 0),
    )
    params = AlertParams(
        window_days=int(inputs.get("window_days") or DEFAULT_WINDOW_DAYS),
        multiplier=Decimal(str(inputs.get("multiplier") or DEFAULT_MULTIPLIER)),
        threshold=Decimal(str(inputs.get("threshold") or DEFAULT_THRESHOLD)),
        safety_stock=int(inputs.get("safety_stock_default") or 0),
    )
    try:
        terms = assess(facts, params).explanation()
    except ReorderPointCalculationError as err:
        terms = {"problem": str(err)}
    for key in ("urgency", "problem"):
        if inputs.get(key):
            terms[key] = inputs[key]
    return terms
