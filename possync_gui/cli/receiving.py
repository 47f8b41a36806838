"""``possync receive FILE.json|FILE.csv``: post a delivery from a file (DESIGN.md §7, §10).

The JSON file is the seed's ``deliveryData`` as it stands (camelCase keys; a wrapping
``{"deliveryData": {...}}`` is accepted too). The CSV file has a header row and one row per
item with the same names as columns::

    deliveryId,supplierId,warehouseId,receivedBy,receivedAt,purchaseOrderId,
    productId,productCode,quantityReceived,unitCost,serialNumbers,lot,expiry

The delivery columns (``deliveryId`` … ``purchaseOrderId``) may be repeated on every row
or given on the first row only; a row that gives a different value refuses the file.
``serialNumbers`` are separated by ``;``. Without ``receivedBy`` the ``--operator`` is
recorded. Exit status: 0 every item accepted, 1 an item was rejected or waits for an
over-receipt confirmation, 2 the file or the delivery was refused (nothing posted).
"""

from __future__ import annotations

import asyncio
import csv
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from possync_gui.cli.commands import Command
from possync_gui.cli.output import cell, jsonable, table
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.receiving import DeliveryInput, DeliveryResult, ItemStatus

EXIT_ITEMS_NOT_POSTED = 1
EXIT_REFUSED = 2
DELIVERY_COLUMNS = (
    "deliveryId",
    "supplierId",
    "warehouseId",
    "receivedBy",
    "receivedAt",
    "purchaseOrderId",
)
ITEM_COLUMNS = (
    "productId",
    "productCode",
    "quantityReceived",
    "unitCost",
    "serialNumbers",
    "lot",
    "expiry",
)


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def add_receiving_commands(commands: Any) -> None:
    """Add ``receive`` to ``build_parser``'s sub-parsers."""
    from possync_gui.cli.parser import _command  # noqa: PLC0415  (parser imports us)

    receive = _command(
        commands,
        "receive",
        receive_file,
        "post a delivery from the seed's deliveryData JSON or a CSV of its items (exit 0 all "
        "accepted, 1 an item rejected or waiting for confirmation, 2 the file refused)",
    )
    receive.add_argument("file", metavar="FILE.json|FILE.csv")
    receive.add_argument(
        "--confirm-over-receipt",
        action="store_true",
        help="post items that bring more than the tolerance over the ordered quantity",
    )
    receive.add_argument(
        "--close-short",
        action="store_true",
        help="the purchase order is complete with this delivery: record what did not come",
    )
    receive.add_argument("--json", action="store_true", help="print JSON for scripts")


def read_delivery_file(path: Path) -> dict[str, Any]:
    """The seed-shaped delivery a JSON or CSV file holds (ValidationError when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ValidationError(f"Cannot read {path}: {err.strerror or err}.") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text.") from None
    if path.suffix.lower() == ".csv":
        return _from_csv(path, text)
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise ValidationError(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})."
        ) from None
    if isinstance(data, dict) and isinstance(data.get("deliveryData"), dict):
        data = data["deliveryData"]
    if not isinstance(data, dict):
        raise ValidationError(f"{path} must hold one delivery object (the seed's deliveryData).")
    return data


#: How many unknown columns a message names, and how much of each.
SHOWN_COLUMNS = 5
SHOWN_COLUMN_CHARS = 40


def _named(columns: list[str]) -> str:
    """Unknown column names for a message: quoted (control characters visible), each cut
    short and the list too, so a garbled header (a lost line break) stays one clear line."""
    shown = []
    for column in columns[:SHOWN_COLUMNS]:
        text = repr(column)
        shown.append(
            text if len(text) <= SHOWN_COLUMN_CHARS else text[: SHOWN_COLUMN_CHARS - 1] + "…"
        )
    more = len(columns) - SHOWN_COLUMNS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _from_csv(path: Path, text: str) -> dict[str, Any]:
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    known = set(DELIVERY_COLUMNS) | set(ITEM_COLUMNS)
    unknown = [c for c in columns if c and c not in known]
    if unknown:
        raise ValidationError(
            f"{path}: unknown column(s) {_named(unknown)}; the columns are "
            f"{','.join(DELIVERY_COLUMNS + ITEM_COLUMNS)}."
        )
    if "quantityReceived" not in columns or not {"productId", "productCode"} & set(columns):
        raise ValidationError(
            f"{path}: needs a header row with quantityReceived and productCode (or productId)."
        )
    delivery: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        for key in DELIVERY_COLUMNS:
            value = row.get(key, "")
            if not value:
                continue
            if delivery.setdefault(key, value) != value:
                raise ValidationError(
                    f"{path} line {number}: {key} {value!r} differs from {delivery[key]!r} "
                    "above; one file holds one delivery."
                )
        items.append({k: row[k] for k in ITEM_COLUMNS if row.get(k)})
    delivery["items"] = items
    return delivery


def receive_file(cmd: Command) -> int:
    args = cmd.args
    try:
        data = read_delivery_file(Path(args.file))
        if not data.get("receivedBy") and not data.get("received_by"):
            data["receivedBy"] = cmd.operator
        delivery = DeliveryInput.from_seed(
            data, confirm_over_receipt=args.confirm_over_receipt, close_short=args.close_short
        )
        result = asyncio.run(cmd.facade.update_inventory_from_delivery(delivery))
    except ValidationError as err:
        message = " ".join(str(err).splitlines())
        print(f"possync: error: {message}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        _print_json(result)
    else:
        _print_result(result)
    return 0 if result.ok else EXIT_ITEMS_NOT_POSTED


def _print_json(result: DeliveryResult) -> None:
    data = jsonable(result)
    data.update(
        accepted=result.accepted,
        rejected=result.rejected,
        needs_confirmation=result.needs_confirmation,
        units=result.units,
        ok=result.ok,
    )
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _print_result(result: DeliveryResult) -> None:
    rows = [
        (
            i.index,
            i.sku or i.product_ref,
            i.quantity,
            i.status.value.replace("_", " "),
            i.error or (f"{i.over_received} over the order" if i.over_received else ""),
        )
        for i in result.items
    ]
    _out(table(("#", "PRODUCT", "QTY", "RESULT", "REASON"), rows))
    _out()
    if result.already_posted:
        _out(
            f"Delivery {result.delivery_id} was already posted at {cell(result.posted_at)}; "
            "nothing changed."
        )
    summary = (
        f"Delivery {result.delivery_id}: {result.accepted} accepted ({result.units} units), "
        f"{result.rejected} rejected, {result.needs_confirmation} waiting for confirmation"
    )
    if result.purchase_order_number:
        status = (result.purchase_order_status or "").replace("_", " ")
        summary += f"; {result.purchase_order_number} is {status}"
    _out(summary + ".")
    for short in result.short_shipped:
        _out(f"  {short.sku}: closed {short.short} short ({short.received} of {short.ordered}).")
    if result.alerts_resolved:
        _out(f"{result.alerts_resolved} stock alert(s) resolved.")
    if result.needs_confirmation and not result.already_posted:
        _out("Post the same file again with --confirm-over-receipt to post the waiting items.")
    elif result.needs_confirmation:
        _out("Items still wait: post again with --confirm-over-receipt to post them.")
    if any(i.status == ItemStatus.REJECTED for i in result.items) and not result.already_posted:
        _out("Rejected items were not posted; receive them again under a new delivery id.")
