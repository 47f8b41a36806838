"""The scan journal: the board's operations, one JSON line each, appended as they happen.

If the app dies between scanning and posting, the next start finds the journal and offers
to rebuild the board by replaying it (:func:`replay`). Appending a line and flushing it is
O(1) per scan; the file is never rewritten, and it is removed once the delivery is posted
or cleared. A last line cut short by the crash is skipped.

No Qt here: the presenter calls it; the tests read it.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import platformdirs

from possync_gui.domain.barcodes import parse_scan
from possync_gui.domain.scan_board import BoardProduct, ScanBoard
from possync_gui.domain.scan_manifest import Manifest

log = logging.getLogger("possync.ui")

VERSION = 1
FILE_NAME = "receiving-journal.jsonl"


def default_path() -> Path:
    """In the user data folder, next to the default database."""
    return Path(platformdirs.user_data_dir("possync", appauthor=False)) / FILE_NAME


@dataclass(frozen=True, slots=True)
class JournalHeader:
    """What the journal's first line says about the delivery being scanned."""

    database: str
    delivery_id: str
    order_number: str | None
    supplier_code: str | None
    warehouse_code: str | None
    operator: str
    started_at: datetime


@dataclass(slots=True)
class Journal:
    """Writes the journal of one board; ``append`` is called once per board operation."""

    path: Path
    _file: IO[str] | None = field(default=None, repr=False)

    def begin(self, header: JournalHeader) -> None:
        """Start a new journal (any old one is replaced)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")
        self.append("begin", v=VERSION, **_header_fields(header))
        os.fsync(self._file.fileno())

    def resume(self) -> None:
        """Go on appending to the journal found at start (its board was restored)."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def append(self, op: str, **values: Any) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps({"op": op, **values}, default=_plain) + "\n")
        self._file.flush()

    def discard(self) -> None:
        """The delivery was posted or cleared: nothing is left to restore."""
        self.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as err:  # a read-only folder must not stop the post
            log.warning("could not remove the scan journal %s: %s", self.path, err)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def active(self) -> bool:
        return self._file is not None

    # -- what the board did (the presenter calls these) ----------------------------------------
    def scan(self, raw: str, product: BoardProduct | None, in_store: bool) -> None:
        self.append("scan", raw=raw, product=_pid(product), in_store=in_store)

    def serial(
        self,
        product: BoardProduct,
        serial: str,
        lot: str | None,
        expiry: date | None,
        in_store: bool,
    ) -> None:
        self.append(
            "serial", product=_pid(product), serial=serial, lot=lot, expiry=expiry,
            in_store=in_store,
        )  # fmt: skip

    def learn(self, product: BoardProduct) -> None:
        self.append("learn", product=_product_fields(product))

    def manifest(self, manifest: Manifest | None) -> None:
        if manifest is None:
            self.append("manifest", serials=None)
            return
        self.append(
            "manifest",
            source=manifest.source,
            serials=sorted(manifest.serials),
            products=dict(manifest.products),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot go in the journal")


def _pid(product: BoardProduct | None) -> str | None:
    return None if product is None else str(product.product_id)


def _header_fields(header: JournalHeader) -> dict[str, Any]:
    return {
        "database": header.database,
        "delivery_id": header.delivery_id,
        "order_number": header.order_number,
        "supplier_code": header.supplier_code,
        "warehouse_code": header.warehouse_code,
        "operator": header.operator,
        "started_at": header.started_at,
    }


def _product_fields(p: BoardProduct) -> dict[str, Any]:
    return {
        "product_id": p.product_id, "sku": p.sku, "name": p.name, "barcode": p.barcode,
        "gtin": p.gtin, "is_serialized": p.is_serialized, "unit_cost": p.unit_cost,
    }  # fmt: skip


def _product(data: dict[str, Any]) -> BoardProduct:
    cost = data.get("unit_cost")
    return BoardProduct(
        product_id=uuid.UUID(data["product_id"]),
        sku=data["sku"],
        name=data["name"],
        barcode=data.get("barcode"),
        gtin=data.get("gtin"),
        is_serialized=bool(data.get("is_serialized")),
        unit_cost=Decimal(cost) if cost is not None else None,
    )


# -- reading back ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SavedBoard:
    """A journal found at start: its header and the operations after it."""

    header: JournalHeader
    ops: tuple[dict[str, Any], ...]

    @property
    def scans(self) -> int:
        """How many scans it holds (for the question "restore N scans?")."""
        return sum(1 for op in self.ops if op["op"] in ("scan", "serial"))


def read(path: Path) -> SavedBoard | None:
    """The journal at ``path``, or None when there is none (or nothing readable in it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("could not read the scan journal %s: %s", path, err)
        return None
    entries = list(_entries(text))
    if not entries or entries[0].get("op") != "begin" or entries[0].get("v") != VERSION:
        return None
    first = entries[0]
    try:
        header = JournalHeader(
            database=str(first["database"]),
            delivery_id=str(first["delivery_id"]),
            order_number=first.get("order_number"),
            supplier_code=first.get("supplier_code"),
            warehouse_code=first.get("warehouse_code"),
            operator=str(first.get("operator", "")),
            started_at=datetime.fromisoformat(first["started_at"]),
        )
    except (KeyError, ValueError, TypeError):
        return None
    return SavedBoard(header, tuple(entries[1:]))


def _entries(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the line the crash cut short
        if isinstance(entry, dict) and isinstance(entry.get("op"), str):
            yield entry


def replay(board: ScanBoard, ops: tuple[dict[str, Any], ...]) -> int:
    """Do the journal's operations again on a fresh board of the same order; returns how
    many could not be replayed (a product since removed from the store)."""
    products: dict[str, BoardProduct] = {
        str(line.product.product_id): line.product for line in board.lines
    }
    skipped = 0
    for op in ops:
        try:
            _replay_one(board, op, products)
        except (KeyError, ValueError, TypeError) as err:
            log.warning("scan journal: could not replay %s: %s", op.get("op"), err)
            skipped += 1
    return skipped


def _replay_one(board: ScanBoard, op: dict[str, Any], products: dict[str, BoardProduct]) -> None:
    kind = op["op"]
    if kind == "learn":
        product = _product(op["product"])
        products[str(product.product_id)] = product
        board.learn(product)
    elif kind == "scan":
        pid = op.get("product")
        board.apply(
            parse_scan(op["raw"]),
            products[pid] if pid else None,
            serial_in_store=bool(op.get("in_store")),
        )
    elif kind == "serial":
        expiry = date.fromisoformat(op["expiry"]) if op.get("expiry") else None
        board.add_serial(
            products[op["product"]], op["serial"], lot=op.get("lot"), expiry=expiry,
            in_store=bool(op.get("in_store")),
        )  # fmt: skip
    elif kind == "undo":
        board.undo()
    elif kind == "quantity":
        board.set_quantity(uuid.UUID(op["product"]), int(op["quantity"]))
    elif kind == "remove_serials":
        board.remove_serials(uuid.UUID(op["product"]), list(op["serials"]))
    elif kind == "manifest":
        serials = op.get("serials")
        board.set_manifest(
            None
            if serials is None
            else Manifest(frozenset(serials), dict(op.get("products") or {}), op.get("source", ""))
        )
