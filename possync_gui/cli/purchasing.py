"""``possync alerts`` and ``possync po``: stock alerts and purchase orders from the shell.

``alerts`` judges every stock level first (``--no-check`` lists what is stored) and lists
the open alerts; ``po create`` turns alerts into purchase orders (exit 1 when some items
could not be ordered, each listed with its reason); ``po approve|reject|send|cancel`` act
as the global ``--operator``; ``po export`` writes the supplier's PDF or CSV.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

from possync_gui.cli.commands import Command
from possync_gui.cli.output import Progress, print_json, table
from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus, UrgencyLevel
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.purchasing import (
    AlertQuery,
    AlertRecord,
    POCreationReport,
    PurchaseOrderQuery,
    PurchaseOrderRecord,
)
from possync_gui.services.facade import InventorySyncService

EXIT_SOME_SKIPPED = 1
SHOWN_PROBLEMS = 50
_STATUS_GROUPS = {
    "open": (
        PurchaseOrderStatus.DRAFT,
        PurchaseOrderStatus.PENDING_APPROVAL,
        PurchaseOrderStatus.APPROVED,
        PurchaseOrderStatus.SENT,
        PurchaseOrderStatus.PARTIALLY_RECEIVED,
    ),
    "all": (),
}


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def add_purchasing_commands(commands: Any) -> None:
    """Add the ``alerts`` command and the ``po`` group to ``build_parser``'s sub-parsers."""
    from possync_gui.cli.parser import _command, _group  # noqa: PLC0415  (parser imports us)

    alerts = _command(
        commands,
        "alerts",
        alerts_list,
        "judge every stock level and list the open stock alerts, most urgent first",
    )
    alerts.add_argument("--urgency", choices=[u.value for u in UrgencyLevel])
    alerts.add_argument("--warehouse", metavar="W", help="warehouse code")
    alerts.add_argument("--product", metavar="SKU", help="one product (SKU or id)")
    alerts.add_argument(
        "--status",
        choices=["open", *[s.value for s in AlertStatus]],
        default="open",
        help="default: open (active, ordered, snoozed, dismissed)",
    )
    alerts.add_argument(
        "--no-check", action="store_true", help="list the stored alerts without judging first"
    )
    alerts.add_argument("--limit", type=int, default=200, metavar="N", help="0 for no limit")
    alerts.add_argument("--json", action="store_true", help="print JSON for scripts")

    po = _group(_command(commands, "po", None, "purchase orders"))
    create = _command(
        po,
        "create",
        po_create,
        "create purchase orders from stock alerts, one per preferred supplier and warehouse "
        "(exit 1 when some items could not be ordered)",
    )
    which = create.add_mutually_exclusive_group(required=True)
    which.add_argument("--alerts", nargs="+", metavar="ID", help="alert ids")
    which.add_argument("--all", action="store_true", help="every active alert")
    create.add_argument("--urgency", choices=[u.value for u in UrgencyLevel], help="with --all")
    create.add_argument("--warehouse", metavar="W", help="with --all: one warehouse (code)")
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing = _command(po, "list", po_list, "list purchase orders, newest first")
    listing.add_argument(
        "--status",
        choices=[*_STATUS_GROUPS, *[s.value for s in PurchaseOrderStatus]],
        default="all",
    )
    listing.add_argument("--search", default="", metavar="TEXT", help="order number or supplier")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    show = _command(po, "show", po_show, "one purchase order with its lines")
    show.add_argument("order", metavar="ORDER", help="order number or id")
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    for name, handler, text in (
        ("approve", po_approve, "approve an order (above the threshold: not by its creator)"),
        ("send", po_send, "mark an approved order as sent to its supplier"),
    ):
        cmd = _command(po, name, handler, text)
        cmd.add_argument("order", metavar="ORDER", help="order number or id")
        cmd.add_argument("--json", action="store_true", help="print JSON for scripts")
    for name, handler, text, required in (
        ("reject", po_reject, "reject an order awaiting approval", True),
        ("cancel", po_cancel, "cancel an open order with nothing received", False),
    ):
        cmd = _command(po, name, handler, text)
        cmd.add_argument("order", metavar="ORDER", help="order number or id")
        cmd.add_argument("--reason", required=required, metavar="TEXT")
        cmd.add_argument("--json", action="store_true", help="print JSON for scripts")
    export = _command(po, "export", po_export, "write an order as PDF or CSV for the supplier")
    export.add_argument("order", metavar="ORDER", help="order number or id")
    export.add_argument(
        "--output", "-o", metavar="FILE", help="default: ORDER.pdf / ORDER.csv here"
    )
    export.add_argument("--format", choices=["pdf", "csv"], help="default: from the file name")
    export.add_argument("--json", action="store_true", help="print JSON for scripts")


# -- alerts ----------------------------------------------------------------------------------
async def _warehouse_id(facade: InventorySyncService, code: str | None) -> uuid.UUID | None:
    if code is None:
        return None
    for wh in await facade.list_warehouses():
        if code in (wh.code, str(wh.id)):
            return wh.id
    raise NotFoundError(f"No warehouse {code!r}")


def alerts_list(cmd: Command) -> int:
    args = cmd.args
    facade = cmd.facade

    async def work() -> tuple[list[AlertRecord], int]:
        problems = 0
        if not args.no_check:
            bar = Progress("Checking stock", sys.stderr)
            report = await facade.run_stock_check(progress=bar)
            bar.finish()
            problems = len(report.errors)
        product = None
        if args.product:
            found = await facade.find_product(args.product)
            if found is None:
                raise NotFoundError(f"No product {args.product!r}")
            product = found.id
        statuses = AlertQuery().statuses if args.status == "open" else (AlertStatus(args.status),)
        query = AlertQuery(
            urgency=UrgencyLevel(args.urgency) if args.urgency else None,
            warehouse_id=await _warehouse_id(facade, args.warehouse),
            product_id=product,
            statuses=statuses,
            limit=args.limit or None,
        )
        return await facade.list_alerts(query), problems

    alerts, problems = asyncio.run(work())
    if args.json:
        print_json(alerts, sys.stdout)
    elif not alerts:
        _out("No stock alerts match.")
    else:
        rows = [
            (
                a.urgency_level.value,
                a.product_code,
                a.product_name,
                a.warehouse_code,
                a.current_stock,
                a.on_order,
                a.reorder_point,
                a.reorder_quantity,
                a.supplier_code or "—",
                a.status.value,
                str(a.id),
            )
            for a in alerts
        ]
        headers = (
            "URGENCY",
            "SKU",
            "PRODUCT",
            "WAREHOUSE",
            "ON HAND",
            "ON ORDER",
            "REORDER AT",
            "SUGGESTED",
            "SUPPLIER",
            "STATUS",
            "ID",
        )
        _out(table(headers, rows))
    if problems:
        _note(
            f"{problems} stock levels could not be judged (no sales in the window and no manual "
            "reorder point); set a reorder point for them in the catalog."
        )
    return 0


# -- purchase orders ---------------------------------------------------------------------------
def _print_orders(orders: list[PurchaseOrderRecord]) -> None:
    rows = [
        (
            o.order_number,
            o.supplier_code,
            o.warehouse_code,
            o.status.value,
            f"{o.total_amount:,.2f}",
            o.currency,
            f"{o.received_units}/{o.ordered_units}",
            o.created_by,
            o.approved_by or "",
        )
        for o in orders
    ]
    headers = (
        "ORDER",
        "SUPPLIER",
        "WAREHOUSE",
        "STATUS",
        "TOTAL",
        "CUR",
        "RECEIVED",
        "CREATED BY",
        "APPROVED BY",
    )
    _out(table(headers, rows))


def po_create(cmd: Command) -> int:
    args = cmd.args
    facade = cmd.facade
    operator = cmd.operator

    async def work() -> POCreationReport:
        if args.all:
            await facade.run_stock_check()
            query = AlertQuery(
                urgency=UrgencyLevel(args.urgency) if args.urgency else None,
                warehouse_id=await _warehouse_id(facade, args.warehouse),
                statuses=(AlertStatus.ACTIVE,),
                limit=None,
            )
            ids = [a.id for a in await facade.list_alerts(query)]
        else:
            ids = [_alert_id(text) for text in args.alerts]
        return await facade.create_purchase_orders(ids, operator)

    report = asyncio.run(work())
    if args.json:
        print_json(report.orders, sys.stdout)
    elif not report.orders:
        _out("No purchase orders created.")
    else:
        _print_orders(report.orders)
        waiting = [o for o in report.orders if o.status == PurchaseOrderStatus.PENDING_APPROVAL]
        if waiting:
            _note(
                f"{len(waiting)} order(s) above the approval threshold of "
                f"{facade.approval_threshold:,.2f} wait for someone other than {operator}."
            )
    for problem in report.problems[:SHOWN_PROBLEMS]:
        _note(f"  {problem.product_code}: {problem.message}")
    if len(report.problems) > SHOWN_PROBLEMS:
        _note(f"  … and {len(report.problems) - SHOWN_PROBLEMS} more")
    return EXIT_SOME_SKIPPED if report.problems else 0


def _alert_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise ValidationError(f"{text!r} is not an alert id (see `possync alerts`)") from None


def po_list(cmd: Command) -> int:
    args = cmd.args
    statuses = _STATUS_GROUPS.get(args.status) or (
        () if args.status == "all" else (PurchaseOrderStatus(args.status),)
    )
    orders = asyncio.run(
        cmd.facade.list_purchase_orders(
            PurchaseOrderQuery(statuses=tuple(statuses), search=args.search, limit=None)
        )
    )
    if args.json:
        print_json(orders, sys.stdout)
    elif not orders:
        _out("No purchase orders match.")
    else:
        _print_orders(orders)
    return 0


def _show(order: PurchaseOrderRecord) -> None:
    _out(f"{order.order_number}  {order.status.value.replace('_', ' ')}")
    _out(f"Supplier:   {order.supplier_name} ({order.supplier_code})")
    _out(f"Deliver to: {order.warehouse_name} ({order.warehouse_code})")
    _out(f"Created by: {order.created_by}  Approved by: {order.approved_by or '—'}")
    if order.rejected_reason:
        _out(f"Note:       {order.rejected_reason}")
    rows = [
        (
            ln.product_code,
            ln.supplier_sku or "",
            ln.product_name,
            ln.quantity,
            ln.received_quantity,
            f"{ln.unit_cost:,.2f}",
            f"{ln.line_total:,.2f}",
        )
        for ln in order.lines
    ]
    _out(table(("SKU", "SUPPLIER SKU", "PRODUCT", "QTY", "RECEIVED", "UNIT", "TOTAL"), rows))
    _out(f"Total: {order.total_amount:,.2f} {order.currency}")


def po_show(cmd: Command) -> int:
    order = asyncio.run(cmd.facade.get_purchase_order(cmd.args.order))
    if cmd.args.json:
        print_json([order], sys.stdout)
    else:
        _show(order)
    return 0


def _act(cmd: Command, done: str, action: Any) -> int:
    order: PurchaseOrderRecord = asyncio.run(action)
    if cmd.args.json:
        print_json([order], sys.stdout)
    else:
        _out(f"{order.order_number} {done} by {cmd.operator}.")
    return 0


def po_approve(cmd: Command) -> int:
    return _act(cmd, "approved", cmd.facade.approve_purchase_order(cmd.args.order, cmd.operator))


def po_send(cmd: Command) -> int:
    return _act(cmd, "marked as sent", cmd.facade.send_purchase_order(cmd.args.order, cmd.operator))


def po_reject(cmd: Command) -> int:
    action = cmd.facade.reject_purchase_order(cmd.args.order, cmd.operator, cmd.args.reason)
    return _act(cmd, "rejected", action)


def po_cancel(cmd: Command) -> int:
    action = cmd.facade.cancel_purchase_order(cmd.args.order, cmd.operator, cmd.args.reason)
    return _act(cmd, "cancelled", action)


def po_export(cmd: Command) -> int:
    args = cmd.args
    fmt = args.format
    output = Path(args.output) if args.output else None
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("pdf", "csv") else "pdf"
    facade = cmd.facade

    async def work() -> tuple[PurchaseOrderRecord, Path]:
        order = await facade.get_purchase_order(args.order)
        path = output or Path(f"{order.order_number}.{fmt}")
        return order, await facade.export_purchase_order(order.id, path, fmt)

    order, path = asyncio.run(work())
    if args.json:
        print_json(
            [{"order_number": order.order_number, "path": str(path), "format": fmt}], sys.stdout
        )
    else:
        _out(f"Wrote {order.order_number} for {order.supplier_name} to {path}.")
    return 0
