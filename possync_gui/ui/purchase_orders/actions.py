"""Which purchase-order actions the selected order allows, and why not when it does not.

The same rules as the Purchase Order Manager (DESIGN.md §6), so a button is only enabled
when the facade would accept the click; the facade still has the last word. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from possync_gui.domain.enums import PurchaseOrderStatus as S
from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.ui.money import format_money


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SEND = "send"
    CANCEL = "cancel"


#: The states each action starts from.
FROM_STATES = {
    Action.APPROVE: (S.DRAFT, S.PENDING_APPROVAL),
    Action.REJECT: (S.DRAFT, S.PENDING_APPROVAL),
    Action.SEND: (S.APPROVED,),
    Action.CANCEL: (S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.SENT),
}
STATUS_WORDS = {
    S.DRAFT: "Draft",
    S.PENDING_APPROVAL: "Pending approval",
    S.APPROVED: "Approved",
    S.SENT: "Sent",
    S.PARTIALLY_RECEIVED: "Partially received",
    S.RECEIVED: "Received",
    S.CANCELLED: "Cancelled",
    S.REJECTED: "Rejected",
}


@dataclass(frozen=True, slots=True)
class Allowed:
    """Whether an action is allowed; ``reason`` says why not (for the button's tooltip)."""

    ok: bool
    reason: str = ""


def same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def needs_other_approver(order: PurchaseOrderRecord, threshold: Decimal) -> bool:
    return order.needs_second_approver or order.total_amount > threshold


def allowed(
    action: Action, order: PurchaseOrderRecord | None, operator: str, threshold: Decimal
) -> Allowed:
    if order is None:
        return Allowed(False, "Select a purchase order first")
    status = STATUS_WORDS.get(order.status, str(order.status)).lower()
    if order.status not in FROM_STATES[action]:
        return Allowed(False, f"Not possible: the order is {status}")
    if action == Action.CANCEL and order.received_units > 0:
        return Allowed(False, "Not possible: goods have already been received on it")
    if (
        action == Action.APPROVE
        and needs_other_approver(order, threshold)
        and same_person(operator, order.created_by)
    ):
        return Allowed(
            False,
            f"It totals {format_money(order.total_amount, order.currency)}, above the "
            f"approval threshold of {format_money(threshold)}: someone other than its creator "
            f"({order.created_by}) must approve it",
        )
    return Allowed(True)


def approval_text(order: PurchaseOrderRecord, threshold: Decimal) -> str:
    """The approval state in one sentence, for the detail panel."""
    when = (
        order.approved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if order.approved_at is not None
        else ""
    )
    if order.approved_by:
        return f"Approved by {order.approved_by} {when}".strip()
    if order.status == S.REJECTED:
        return f"Rejected: {order.rejected_reason or 'no reason recorded'}"
    if order.status == S.CANCELLED:
        return order.rejected_reason or "Cancelled"
    if order.status in (S.DRAFT, S.PENDING_APPROVAL):
        if needs_other_approver(order, threshold):
            return (
                f"Waiting for approval: above the threshold of {format_money(threshold)}, so "
                f"someone other than {order.created_by} must approve it"
            )
        return f"Waiting for approval (at or below the threshold of {format_money(threshold)})"
    return "—"
