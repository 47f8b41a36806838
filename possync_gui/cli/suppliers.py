"""``possync suppliers``: list suppliers, import and export the supplier mapping CSV, and
list the products no supplier is preferred for.

``import`` exits 0 when every row was saved (or was already as the file says), 1 when some
rows were rejected and the rest saved, 2 when nothing was saved (every row rejected, or the
file itself refused).
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from pathlib import Path
from typing import Any

from possync_gui.cli.commands import Command
from possync_gui.cli.output import print_json, table
from possync_gui.domain.errors import PossyncError
from possync_gui.domain.suppliers import SupplierRecord, UnassignedProduct

EXIT_SOME_REJECTED = 1
EXIT_NOTHING_SAVED = 2
#: Rejected rows listed before "… and N more".
SHOWN_REJECTED = 50


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def add_suppliers_commands(commands: Any) -> None:
    """Add the ``suppliers`` group to the sub-parsers ``commands`` of ``build_parser``."""
    # The parser module imports this one to build the group, so its helpers are looked up
    # when the group is built, once both modules are loaded.
    from possync_gui.cli.parser import _command, _group  # noqa: PLC0415

    group = _group(_command(commands, "suppliers", None, "suppliers and their product mappings"))
    listing = _command(group, "list", suppliers_list, "list suppliers with their product counts")
    listing.add_argument("--search", default="", metavar="TEXT", help="code, name or email")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    imp = _command(
        group,
        "import",
        suppliers_import,
        "import supplier product mappings from CSV (exit 0 all saved, 1 some rows rejected, "
        "2 nothing saved)",
    )
    imp.add_argument("file", metavar="FILE.csv")
    exp = _command(group, "export", suppliers_export, "export supplier product mappings as CSV")
    exp.add_argument("file", metavar="FILE.csv")
    exp.add_argument("--supplier", metavar="CODE", help="only this supplier's mappings")
    unassigned = _command(
        group, "unassigned", suppliers_unassigned, "products without a preferred supplier"
    )
    unassigned.add_argument("--search", default="", metavar="TEXT", help="SKU, barcode or name")
    unassigned.add_argument("--json", action="store_true", help="print JSON for scripts")


def suppliers_list(cmd: Command) -> int:
    found: list[SupplierRecord] = asyncio.run(cmd.facade.list_suppliers(cmd.args.search))
    if cmd.args.json:
        print_json(found, sys.stdout)
    elif not found:
        _out("No suppliers match." if cmd.args.search else "No suppliers yet.")
    else:
        headers = ("CODE", "NAME", "EMAIL", "PHONE", "CURRENCY", "PRODUCTS", "PREFERRED")
        rows = [
            (s.code, s.name, s.email, s.phone, s.currency, s.product_count, s.preferred_count)
            for s in found
        ]
        _out(table(headers, rows))
    return 0


def suppliers_import(cmd: Command) -> int:
    path = Path(cmd.args.file)
    try:
        report = asyncio.run(cmd.facade.import_supplier_mappings(path))
    except PossyncError as err:  # the file refused as a whole: nothing was saved
        if cmd.args.debug:
            traceback.print_exc()
        _note(f"possync: error: {' '.join(str(err).splitlines())}")
        return EXIT_NOTHING_SAVED
    _out(
        f"Imported {path.name}: {report.rows} rows, {report.added} mappings added, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected."
    )
    if not report.rejected:
        return 0
    for row, reason in report.rejected[:SHOWN_REJECTED]:
        _note(f"  row {row}: {reason}")
    if len(report.rejected) > SHOWN_REJECTED:
        _note(f"  … and {len(report.rejected) - SHOWN_REJECTED} more rejected rows")
    if report.saved == 0 and report.unchanged == 0:
        _note("possync: error: every row was rejected (listed above); nothing was saved.")
        return EXIT_NOTHING_SAVED
    _note(
        f"possync: error: {len(report.rejected)} of {report.rows} rows were rejected "
        "(listed above); the other rows were saved."
    )
    return EXIT_SOME_REJECTED


def suppliers_export(cmd: Command) -> int:
    path = Path(cmd.args.file)
    written = asyncio.run(cmd.facade.export_supplier_mappings(path, cmd.args.supplier))
    _out(f"Wrote {written} supplier mappings to {path}.")
    return 0


def suppliers_unassigned(cmd: Command) -> int:
    search = cmd.args.search

    async def work() -> tuple[int, list[UnassignedProduct]]:
        total = await cmd.facade.count_products_without_preferred_supplier(search)
        return total, await cmd.facade.products_without_preferred_supplier(search, None)

    total, products = asyncio.run(work())
    if cmd.args.json:
        print_json(products, sys.stdout)
        return 0
    if not products:
        _out("Every product has a preferred supplier." if not search else "No products match.")
        return 0
    rows = [(p.sku, p.name, p.barcode, p.offered_by) for p in products]
    _out(table(("SKU", "NAME", "BARCODE", "OFFERED BY"), rows))
    noun = "product has" if total == 1 else "products have"
    _note(f"{total} {noun} no preferred supplier; purchase orders cannot be drafted for them.")
    return 0
