"""Why an alert says what it says, in plain words (STYLE habit 9: format late).

``explain(alert)`` turns the terms the Stock Alert Generator stored with the alert
(``AlertRecord.details``, the keys of ``domain.reorder.Assessment.explanation()``) into
(term, sentence) lines for the Alerts tab's explanation panel. Pure functions; no Qt, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.purchasing import AlertRecord

URGENCY_WORDS = {
    UrgencyLevel.CRITICAL: "Critical",
    UrgencyLevel.HIGH: "High",
    UrgencyLevel.MEDIUM: "Medium",
    UrgencyLevel.LOW: "Low",
}
TARGET_WORDS = {
    "max stock": "the product's maximum stock",
    "twice the reorder point": "twice the reorder point (no maximum or reorder quantity set)",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One term of the explanation: its name, what it is in words, whether it matters most,
    and its part (``WHY``: how the reorder point came about; ``ORDER``: the stock and the
    quantity to order)."""

    term: str
    text: str
    strong: bool = False
    part: int = 0


WHY, ORDER = 0, 1


def units(n: int) -> str:
    return f"{n:,} unit" if n == 1 else f"{n:,} units"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _num(value: Decimal | None) -> str:
    """``2.4000`` → ``2.4``; ``3.0`` → ``3``."""
    if value is None:
        return "—"
    text = f"{value.normalize():f}"
    return text


def headline(alert: AlertRecord) -> str:
    """One sentence: what the alert asks of the user."""
    who = f"{alert.product_code} at {alert.warehouse_code}"
    if alert.status == AlertStatus.RESOLVED:
        return f"{who}: resolved — stock is back above its reorder point."
    if alert.status == AlertStatus.ORDERED:
        po = alert.purchase_order_number or "a purchase order"
        return f"{who}: ordered on {po}."
    qty = alert.reorder_quantity
    urgency = URGENCY_WORDS.get(alert.urgency_level, str(alert.urgency_level))
    if qty > 0:
        return f"{urgency}: order {units(qty)} of {who}."
    return f"{urgency}: {who} is low, but nothing needs ordering yet."


def why_urgency(alert: AlertRecord) -> str:
    """The rule of DESIGN.md §5 that put the alert at its urgency."""
    d = alert.details
    on_hand = int(d.get("on_hand", alert.current_stock))
    minimum = alert.minimum_stock
    available = int(d.get("available", alert.current_stock + alert.on_order))
    rp = int(d.get("reorder_point", alert.reorder_point))
    cover = _decimal(d.get("days_of_cover"))
    lead = d.get("lead_time_days")
    match alert.urgency_level:
        case UrgencyLevel.CRITICAL:
            return f"Critical because nothing is on hand ({on_hand:,})."
        case UrgencyLevel.HIGH:
            if on_hand <= minimum:
                return (
                    f"High because on hand ({on_hand:,}) is at or below the minimum ({minimum:,})."
                )
            return (
                f"High because the stock covers {_num(cover)} days, fewer than the "
                f"{lead} days a delivery takes."
            )
        case UrgencyLevel.MEDIUM:
            return (
                f"Medium because available ({available:,}) is at or below the reorder point "
                f"({rp:,})."
            )
        case _:
            threshold = _decimal(d.get("threshold"))
            margin = f"{_num(threshold * 100)}%" if threshold is not None else "the threshold"
            return (
                f"Low because available ({available:,}) is within {margin} above the reorder "
                f"point ({rp:,})."
            )


def _sales_lines(d: dict[str, Any]) -> list[Line]:
    window = d.get("window_days", "?")
    average = _decimal(d.get("average_daily_sales"))
    if average is None or average == 0:
        sales = f"No sales in the last {window} days"
    else:
        sales = f"{_num(average)} units a day, averaged over the last {window} days"
    lead = d.get("lead_time_days", "?")
    if d.get("lead_time_assumed"):
        lead_text = f"{lead} days — assumed, because no supplier offers this product"
    else:
        lead_text = f"{lead} days — the preferred supplier's delivery time"
    multiplier = _num(_decimal(d.get("multiplier")))
    safety = int(d.get("safety_stock", 0))
    return [
        Line("Average daily sales", sales),
        Line("Lead time", lead_text),
        Line("Multiplier", f"× {multiplier} — extra cover on top of the expected sales"),
        Line("Safety stock", f"{units(safety)} — the product's minimum stock"),
    ]


def _reorder_point_line(d: dict[str, Any]) -> Line:
    rp = int(d.get("reorder_point", 0))
    source = d.get("reorder_point_source", "")
    if source == "manual":
        text = f"{rp:,} — set by hand on the product"
    elif source == "calculated":
        average = _num(_decimal(d.get("average_daily_sales")))
        multiplier = _num(_decimal(d.get("multiplier")))
        formula = (
            f"round up ({average} × {d.get('lead_time_days')} days × {multiplier}) "
            f"+ {d.get('safety_stock', 0)}"
        )
        text = f"{rp:,} — calculated: {formula}"
    else:
        text = f"{rp:,} — the minimum stock only (no sales history to calculate from)"
    return Line("Reorder point", text, strong=True)


def _stock_lines(d: dict[str, Any]) -> list[Line]:
    on_hand = int(d.get("on_hand", 0))
    on_order = int(d.get("on_order", 0))
    available = int(d.get("available", on_hand + on_order))
    cover = _decimal(d.get("days_of_cover"))
    cover_text = (
        f"{_num(cover)} days — available ÷ average daily sales"
        if cover is not None
        else "— (no sales to divide by)"
    )
    on_order_text = f"{units(on_order)} on open purchase orders" if on_order else "nothing on order"
    return [
        Line("On hand", units(on_hand), part=ORDER),
        Line("On order", on_order_text, part=ORDER),
        Line(
            "Available", f"{available:,} = on hand {on_hand:,} + on order {on_order:,}", part=ORDER
        ),
        Line("Days of cover", cover_text, part=ORDER),
    ]


def _order_lines(d: dict[str, Any]) -> list[Line]:
    target = int(d.get("target_stock", 0))
    source = str(d.get("target_source", ""))
    available = int(d.get("available", 0))
    raw = int(d.get("raw_quantity", max(0, target - available)))
    pack = int(d.get("pack_size", 1))
    moq = int(d.get("min_order_qty", 0))
    suggested = int(d.get("suggested_quantity", 0))
    lines = [
        Line("Target", f"{units(target)} — {TARGET_WORDS.get(source, source)}"),
        Line("Raw quantity", f"{raw:,} = target {target:,} − available {available:,}"),
        Line("Pack size", "single units" if pack <= 1 else f"{pack:,} per pack"),
        Line("Minimum order", units(moq) if moq else "none"),
        Line("Suggested quantity", units(suggested), strong=True),
        Line("Rounding", str(d.get("rounding", "—"))),
    ]
    return [replace(line, part=ORDER) for line in lines]


def _status_lines(alert: AlertRecord) -> list[Line]:
    lines = []
    if alert.status == AlertStatus.DISMISSED and alert.dismissed_reason:
        lines.append(Line("Dismissed", alert.dismissed_reason))
    if alert.status == AlertStatus.SNOOZED and alert.snoozed_until is not None:
        when = alert.snoozed_until.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(Line("Snoozed until", when))
    if alert.purchase_order_number:
        lines.append(Line("Purchase order", alert.purchase_order_number))
    if alert.supplier_code is None:
        lines.append(Line("Supplier", "No preferred supplier — it cannot be ordered automatically"))
    else:
        lines.append(Line("Supplier", f"{alert.supplier_code} — {alert.supplier_name or ''}"))
    return lines


def explain(alert: AlertRecord) -> list[Line]:
    """Every term of the alert's maths, in the order the maths uses them."""
    d = alert.details
    lines: list[Line] = []
    if d.get("problem"):
        lines.append(Line("Problem", str(d["problem"]), strong=True))
    lines.append(Line("Urgency", why_urgency(alert), strong=True))
    if "reorder_point" in d:
        lines += _sales_lines(d)
        lines.append(_reorder_point_line(d))
        lines += _stock_lines(d)
        lines += _order_lines(d)
    else:
        lines.append(Line("Terms", "No calculation was stored with this alert."))
    return lines + _status_lines(alert)
