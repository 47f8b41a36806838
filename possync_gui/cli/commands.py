"""The commands: each takes a :class:`Command` and returns its exit status.

Inventory work goes through the facade (``InventorySyncService``), one ``asyncio.run`` per
command, as DESIGN.md §8 has it for the CLI. Results go to stdout; notes about them (rows
left out, lines rejected) go to stderr, so a script can read stdout as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from possync_gui.cli.output import Progress, cell, jsonable, percent, print_json, table
from possync_gui.domain.enums import StockStatus
from possync_gui.domain.errors import (
    NotFoundError,
    PossyncError,
    SyncInProgressError,
    ValidationError,
)
from possync_gui.domain.records import InventoryQuery, Product, StockRow, Warehouse
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.integrations import SyncLogEntry
from possync_gui.services.inventory import AdjustmentResult
from possync_gui.services.monitor import ERROR, OFFLINE, UNKNOWN, WARNING, HealthReport
from possync_gui.services.pos_catalog import CatalogProgress, PosCatalogReport
from possync_gui.services.settings import (
    Settings,
    default_operator,
    load_settings,
    resolve_database_url,
)
from possync_gui.store.database import Database, open_database
from possync_gui.store.migrate import current_revision

DEFAULT_LIMIT = 50
MAX_ACTOR_LENGTH = 100  # stock_movements.actor


class Command:
    """One invocation: its arguments, and the database and facade, opened when first needed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._db: Database | None = None
        self._facade: InventorySyncService | None = None
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """This desktop's settings, read once (a damaged file warns once)."""
        if self._settings is None:
            self._settings = load_settings(on_problem=_warn)
        return self._settings

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(resolve_database_url(self.args.db, self.settings))
        return self._db

    @property
    def facade(self) -> InventorySyncService:
        if self._facade is None:
            self._facade = InventorySyncService(self.db)
            if self.args.debug:
                self._facade.enable_debug_mode(True)
        return self._facade

    @property
    def operator(self) -> str:
        """Who the ledger records: ``--operator``, else the configured one, else the OS user."""
        name = self.args.operator
        if name is None:
            name = default_operator(self.settings)
        name = name.strip()
        if not name:
            raise ValidationError("--operator needs a name.")
        if len(name) > MAX_ACTOR_LENGTH:
            raise ValidationError(f"--operator is longer than {MAX_ACTOR_LENGTH} characters.")
        return name

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def _warn(message: str) -> None:
    print(f"possync: warning: {message}", file=sys.stderr)


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def limit_argument(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return number


def _more(shown: int, total: int, what: str) -> None:
    if total > shown:
        _note(f"Showing {shown} of {total} {what}; use --limit 0 to see them all.")


# -- db, demo --------------------------------------------------------------------------------
def db_upgrade(cmd: Command) -> int:
    url = resolve_database_url(cmd.args.db, cmd.settings)
    before_db = open_database(url, migrate=False)
    try:
        before = current_revision(before_db)
    finally:
        before_db.dispose()
    after = current_revision(cmd.db)
    if before == after:
        _out(f"{cmd.db.url_for_display} is at revision {after}, the newest.")
    else:
        _out(f"Upgraded {cmd.db.url_for_display} from {before or 'empty'} to revision {after}.")
    return 0


def demo(cmd: Command) -> int:
    # Imported here: only this command needs the demo generator and its word lists.
    from possync_gui.store.demo import is_empty, seed_demo  # noqa: PLC0415

    with cmd.db.session() as session:
        empty = is_empty(session)
    if not empty:
        raise ValidationError(
            f"{cmd.db.url_for_display} already holds data; demo data goes only into an empty "
            "database (give another with --db)."
        )
    progress = Progress("Creating demo data", sys.stderr)
    try:
        summary = seed_demo(
            cmd.db,
            products=cmd.args.products,
            warehouses=cmd.args.warehouses,
            history_days=cmd.args.history_days,
            seed=cmd.args.seed,
            progress=lambda phase, done, total: progress(done, total, phase),
        )
    finally:
        progress.finish()
    _out(f"Demo data created in {cmd.db.url_for_display}:")
    for f in fields(summary):
        value = getattr(summary, f.name)
        if isinstance(value, int | float | str):  # counts and time, not the diagnostics
            _out(f"  {f.name.replace('_', ' ')}: {cell(value)}")
    return 0


# -- products --------------------------------------------------------------------------------
def products_import(cmd: Command) -> int:
    path = Path(cmd.args.file)
    progress = Progress(f"Importing {path.name}", sys.stderr)
    try:
        report = asyncio.run(cmd.facade.import_catalog(path, cmd.operator, progress))
    finally:
        progress.finish()
    _out(
        f"Imported {path.name}: {report.lines} lines, {report.created} products created, "
        f"{report.updated} updated, {report.stock_changes} stock changes."
    )
    if not report.rejected:
        return 0
    for line, reason in report.rejected:
        _note(f"  line {line}: {reason}")
    _note(
        f"possync: error: {len(report.rejected)} of {report.lines} lines were rejected "
        "(listed above); the other lines were imported."
    )
    return 1


def products_export(cmd: Command) -> int:
    path = Path(cmd.args.file)
    written = asyncio.run(cmd.facade.export_catalog(path))
    _out(f"Wrote {written} lines to {path}.")
    return 0


def products_list(cmd: Command) -> int:
    args = cmd.args

    async def work() -> tuple[int, list[Product]]:
        total = await cmd.facade.count_products(args.search)
        return total, await cmd.facade.list_products(args.search, args.limit or None)

    total, products = asyncio.run(work())
    if args.json:
        print_json(products, sys.stdout)
    elif not products:
        _out("No products match." if args.search else "No products yet.")
    else:
        headers = ("SKU", "NAME", "BARCODE", "UNIT COST", "MIN", "REORDER PT", "REORDER QTY")
        rows = [
            (p.sku, p.name, p.barcode, p.unit_cost, p.minimum_stock, p.reorder_point)
            + (p.reorder_quantity, p.preferred_supplier_code)
            for p in products
        ]
        _out(table((*headers, "SUPPLIER"), rows))
    _more(len(products), total, "products")
    return 0


# -- stock -----------------------------------------------------------------------------------
async def _warehouse(facade: InventorySyncService, code: str) -> Warehouse:
    warehouses = await facade.list_warehouses()
    for wh in warehouses:
        if code in (wh.code, str(wh.id)):
            return wh
    known = ", ".join(wh.code for wh in warehouses) or "none yet (add one with 'warehouses add')"
    raise NotFoundError(f"No warehouse {code!r}. Known warehouses: {known}.")


def stock_list(cmd: Command) -> int:
    args = cmd.args

    async def work() -> tuple[int, list[StockRow]]:
        warehouse = await _warehouse(cmd.facade, args.warehouse) if args.warehouse else None
        query = InventoryQuery(
            text=args.search,
            warehouse_id=warehouse.id if warehouse else None,
            status=StockStatus(args.status) if args.status else None,
        )
        total = await cmd.facade.count_stock(query)
        return total, await cmd.facade.stock_page(query, 0, args.limit or total, total)

    total, rows = asyncio.run(work())
    if args.json:
        print_json((_fields(r) | {"status": r.status} for r in rows), sys.stdout)
    elif not rows:
        _out("No stock matches.")
    else:
        headers = ("SKU", "NAME", "WAREHOUSE", "ON HAND", "MIN", "REORDER PT", "STATUS")
        _out(
            table(
                headers,
                [
                    (r.sku, r.name, r.warehouse_code, r.on_hand, r.minimum_stock)
                    + (r.reorder_point, r.status)
                    for r in rows
                ],
            )
        )
    _more(len(rows), total, "stock rows")
    return 0


def _fields(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


async def _unknown_product(facade: InventorySyncService, ref: str) -> NotFoundError:
    """The error for a SKU nobody has, naming the SKUs that start the same way."""
    prefix = ref[: max(1, len(ref) // 2)]
    found = await facade.list_products(prefix, 50)
    similar = [p.sku for p in found if p.sku.lower().startswith(prefix.lower())][:5]
    hint = (
        f" Similar SKUs: {', '.join(similar)}."
        if similar
        else " 'possync products list --search TEXT' finds products."
    )
    return NotFoundError(f"No product with SKU or barcode {ref!r}.{hint}")


def stock_adjust(cmd: Command) -> int:
    args = cmd.args
    actor = cmd.operator

    async def work() -> AdjustmentResult:
        facade = cmd.facade
        product = await facade.find_product(args.sku)
        if product is None:
            raise await _unknown_product(facade, args.sku)
        warehouse = await _warehouse(facade, args.warehouse)
        return await facade.adjust_stock(
            str(product.id), warehouse.id, args.delta, args.reason, actor, args.note
        )

    result = asyncio.run(work())
    _out(
        f"{result.product.sku} in {result.warehouse.code}: {result.delta:+d} ({args.reason}, "
        f"by {actor}); {result.on_hand} on hand now."
    )
    return 0


# -- warehouses ------------------------------------------------------------------------------
def warehouses_list(cmd: Command) -> int:
    warehouses = asyncio.run(cmd.facade.list_warehouses())
    if cmd.args.json:
        print_json(warehouses, sys.stdout)
    elif not warehouses:
        _out("No warehouses yet; add one with 'possync warehouses add CODE --name NAME'.")
    else:
        _out(table(("CODE", "NAME"), [(wh.code, wh.name) for wh in warehouses]))
    return 0


def warehouses_add(cmd: Command) -> int:
    name = cmd.args.name or cmd.args.code
    wh = asyncio.run(cmd.facade.add_warehouse(cmd.args.code, name))
    _out(f"Added warehouse {wh.code} ({wh.name}).")
    return 0


# -- integrations and sync -------------------------------------------------------------------
EXIT_PARTIAL = 1
EXIT_FAILED = 2
EXIT_RUNNING = 3


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValidationError(f"Cannot read {path}: {err.strerror or err}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationError(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})."
        ) from None


def integrations_add(cmd: Command) -> int:
    path = Path(cmd.args.from_json)
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ValidationError(f"{path} must hold one JSON object (a POSIntegrationConfig).")

    async def work() -> tuple[IntegrationRecord, set[str]]:
        record = await cmd.facade.add_integration_from_json(data)
        return record, {w.code for w in await cmd.facade.list_warehouses()}

    record, known = asyncio.run(work())
    key = f" ({record.external_key})" if record.external_key else ""
    _out(
        f"Added {record.type} integration {record.name}{key}, id {record.id}; "
        "its credentials are in the keyring."
    )
    ref = record.external_key or str(record.id)
    for code in sorted(set((record.configuration.get("locationMap") or {}).values()) - known):
        _note(
            f"Warehouse {code} does not exist yet: `possync integrations import-catalog {ref}` "
            "creates it, or add it with `possync warehouses add`."
        )
    return 0


def integrations_list(cmd: Command) -> int:
    found = asyncio.run(cmd.facade.list_integrations())
    if cmd.args.json:
        print_json(found, sys.stdout)
    elif not found:
        _out("No POS integrations yet; add one with 'possync integrations add --from-json FILE'.")
    else:
        headers = ("ID", "NAME", "TYPE", "STATUS", "FREQUENCY", "BASE URL", "LAST SYNC")
        rows = [
            (i.external_key or str(i.id), i.name, i.type, i.status, i.sync_frequency)
            + (i.base_url, i.last_sync_at)
            for i in found
        ]
        _out(table(headers, rows))
    return 0


def integrations_remove(cmd: Command) -> int:
    info = asyncio.run(cmd.facade.remove_integration(cmd.args.ref))
    _out(f"Removed integration {info.name} ({info.external_key or info.id}) and its credentials.")
    return 0


#: How many skipped items and notes the import lists before "… and N more".
SHOWN_LINES = 20


def _catalog_progress(bar: Progress) -> Callable[[CatalogProgress], None]:
    """Creating products as percentages; the reading phases before it (no total yet) as
    one line each, on a terminal only, so a script's log holds just what matters."""
    phases: set[str] = set()
    tty = sys.stderr.isatty()

    def show(step: CatalogProgress) -> None:
        if step.total is not None:
            bar(step.processed, step.total, step.phase)
        elif tty and step.phase not in phases:
            phases.add(step.phase)
            bar.finish()
            _note(f"{step.phase}…")

    return show


def _listed(label: str, lines: tuple[str, ...]) -> None:
    for line in lines[:SHOWN_LINES]:
        _note(f"  {label}: {' '.join(line.splitlines())}")
    if len(lines) > SHOWN_LINES:
        _note(f"  … and {len(lines) - SHOWN_LINES} more {label} lines (--json lists them all)")


def _catalog_summary(report: PosCatalogReport) -> None:
    _out(
        f"Imported the catalog of {report.integration_name}: {report.items_read} POS items "
        f"read, {report.products_created} products created with "
        f"{report.stock_units_opened} units of starting stock, "
        f"{report.mappings_created} POS mappings written."
    )
    for wh in report.warehouses_created:
        _out(f"Created warehouse {wh.code} ({wh.name}).")
    if report.matched_existing:
        _out(f"Matched {report.matched_existing} existing products; the next sync maps them.")
    if report.already_mapped:
        _out(f"{report.already_mapped} POS items were mapped already; left as they are.")


def integrations_import_catalog(cmd: Command) -> int:
    progress = Progress("Importing the POS catalog", sys.stderr)
    try:
        report = asyncio.run(
            cmd.facade.import_pos_catalog(cmd.args.ref, progress=_catalog_progress(progress))
        )
    except PossyncError as err:  # the POS unreachable or refusing, a sync running…
        progress.finish()
        if cmd.args.debug:
            traceback.print_exc()
        _note(f"possync: error: {' '.join(str(err).splitlines())}")
        return EXIT_RUNNING if isinstance(err, SyncInProgressError) else EXIT_FAILED
    finally:
        progress.finish()
    if cmd.args.json:
        json.dump(jsonable(report), sys.stdout, indent=2, ensure_ascii=False)
        _out()
    else:
        _catalog_summary(report)
    _listed("note", report.notes)
    _listed("skipped", report.skipped)
    if not report.skipped:
        return 0
    _note(
        f"possync: warning: {len(report.skipped)} POS items or counts were skipped (listed "
        "above); the rest was imported."
    )
    return EXIT_PARTIAL


def _sync_line(result: InventorySyncResult, names: dict[Any, str]) -> str:
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.summary.items() if v)
    return (
        f"{names.get(result.integration_id, str(result.integration_id))}: "
        f"{result.sync_type} sync {result.status}: {result.products_processed} processed, "
        f"{result.products_updated} updated" + (f" ({counts})" if counts else "") + "."
    )


def sync(cmd: Command) -> int:
    args = cmd.args
    sync_type = "incremental" if args.incremental else "full"

    async def work() -> tuple[list[InventorySyncResult], dict[Any, str]]:
        results = await cmd.facade.sync_inventory_levels(args.integration, sync_type)
        names = {i.id: i.name for i in await cmd.facade.list_integrations()}
        return results, names

    try:
        results, names = asyncio.run(work())
    except SyncInProgressError as err:
        _note(f"possync: error: {err}")
        return EXIT_RUNNING
    if args.json:
        print_json(results, sys.stdout)
    elif not results:
        _out("No active POS integrations to sync.")
    for result in results:
        if not args.json:
            _out(_sync_line(result, names))
        for error in result.errors:
            _note(f"  {names.get(result.integration_id, '')}: {' '.join(error.splitlines())}")
    statuses = {r.status for r in results}
    if SyncStatus.FAILED in statuses:
        return EXIT_FAILED
    return EXIT_PARTIAL if SyncStatus.PARTIAL in statuses else 0


# -- health and the sync log -----------------------------------------------------------------
#: Errors the sync log lists per run before "… and N more" (--json lists them all).
LOG_ERRORS_SHOWN = 5
_NO_LIMIT = 2**31 - 1


def health(cmd: Command) -> int:
    """The last known health of each integration (``--check``: ping each active one first).
    Exit 0 when every active integration is healthy or unknown, 1 on a warning, 2 on an
    error or an unreachable POS; inactive ones are listed but do not count."""
    args = cmd.args

    async def work() -> tuple[list[HealthReport], set[Any]]:
        found = await cmd.facade.list_integrations()
        active = {i.id for i in found if i.status == "active"}
        if args.check:
            await asyncio.gather(*(cmd.facade.check_integration_health(i) for i in active))
        return await cmd.facade.integration_health(), active

    reports, active = asyncio.run(work())
    if args.json:
        print_json(reports, sys.stdout)
    elif not reports:
        _out("No POS integrations yet; add one with 'possync integrations add --from-json FILE'.")
    else:
        headers = ("NAME", "TYPE", "STATUS", "RESPONSE MS", "UPTIME", "ERROR RATE", "CHECKED")
        rows = [
            (r.name, r.type, r.status, r.response_time_ms, percent(r.uptime))
            + (percent(r.error_rate), r.checked_at, _last_sync(r), r.next_sync_at)
            for r in reports
        ]
        _out(table((*headers, "LAST SYNC", "NEXT SYNC"), rows))
        for r in reports:
            if r.error:
                _out(f"  {r.name}: {' '.join(r.error.splitlines())}")
        if any(r.status == UNKNOWN for r in reports):
            _note("Some POS were never checked; 'possync health --check' asks each now.")
    statuses = {r.status for r in reports if r.integration_id in active}
    if statuses & {ERROR, OFFLINE}:
        return EXIT_FAILED
    return EXIT_PARTIAL if WARNING in statuses else 0


def _last_sync(report: HealthReport) -> str:
    if report.last_sync_at is None:
        return ""
    status = f" ({report.last_sync_status})" if report.last_sync_status else ""
    return cell(report.last_sync_at) + status


def sync_log(cmd: Command) -> int:
    """Sync runs, newest first, with their counts and errors."""
    args = cmd.args
    limit = args.limit or None
    fetch = limit + 1 if limit else _NO_LIMIT  # one more than shown: are there more?
    entries = asyncio.run(cmd.facade.sync_log(args.integration, fetch))
    more = limit is not None and len(entries) > limit
    entries = entries[:limit]
    if args.json:
        print_json(entries, sys.stdout)
    elif not entries:
        _out("No sync runs yet.")
    else:
        headers = ("STARTED", "INTEGRATION", "SYNC", "STATUS", "PROCESSED", "UPDATED", "PULLED")
        rows = [
            (e.started_at, e.integration_name, e.sync_type, e.status, e.records_processed)
            + (e.summary.get("products_updated"), e.summary.get("pulled"))
            + (e.summary.get("pushed"), e.summary.get("conflicts"), len(e.errors))
            for e in entries
        ]
        _out(table((*headers, "PUSHED", "CONFLICTS", "ERRORS"), rows))
        _log_errors(entries)
    if more:
        _note(f"Showing the newest {limit} runs; use --limit 0 to see them all.")
    return 0


def _log_errors(entries: list[SyncLogEntry]) -> None:
    failed = [e for e in entries if e.errors]
    if not failed:
        return
    _out("\nErrors:")
    for e in failed:
        run = f"{cell(e.started_at)} {e.integration_name} ({e.sync_type}, {e.status})"
        for error in e.errors[:LOG_ERRORS_SHOWN]:
            _out(f"  {run}: {' '.join(error.splitlines())}")
        if len(e.errors) > LOG_ERRORS_SHOWN:
            _out(f"  {run}: … and {len(e.errors) - LOG_ERRORS_SHOWN} more (--json lists them all)")
