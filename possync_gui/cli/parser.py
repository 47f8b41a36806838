"""The ``possync`` command line: its commands, options and help."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from possync_gui import __version__
from possync_gui.cli import commands as c
from possync_gui.cli.conflicts import add_conflicts_commands
from possync_gui.cli.db import add_backup_commands
from possync_gui.cli.purchasing import add_purchasing_commands
from possync_gui.cli.receiving import add_receiving_commands
from possync_gui.cli.suppliers import add_suppliers_commands
from possync_gui.domain.enums import MANUAL_REASONS, StockStatus
from possync_gui.store.database import ENV_DB_URL, default_sqlite_path

Handler = Callable[[c.Command], int]


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """The options every command takes, before or after the command's name."""
    parser.add_argument("--db", metavar="URL", default=default, help="the database")
    parser.add_argument(
        "--operator", metavar="NAME", default=default, help="who the stock ledger records"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks and debug logs"
    )


def _command(
    subparsers: Any, name: str, handler: Handler | None, help_text: str
) -> argparse.ArgumentParser:
    """A sub-command that also takes the global options after its name.

    ``handler`` is None for a group (``products``) whose own sub-commands do the work."""
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, parents=[common], help=help_text, description=help_text
    )
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def _group(parser: argparse.ArgumentParser, required: bool = True) -> Any:
    return parser.add_subparsers(metavar="COMMAND", required=required)


def _listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--search", default="", metavar="TEXT", help="SKU, barcode or name")
    parser.add_argument(
        "--limit",
        type=c.limit_argument,
        default=c.DEFAULT_LIMIT,
        metavar="N",
        help="0 for no limit",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_db_and_demo(commands: Any) -> None:
    db = _group(_command(commands, "db", None, "database maintenance"))
    _command(db, "upgrade", c.db_upgrade, "bring the database schema to the newest revision")
    add_backup_commands(db)
    demo = _command(commands, "demo", c.demo, "fill an empty database with demo data")
    demo.add_argument("--products", type=int, default=2000, metavar="N", help="default 2000")
    demo.add_argument("--warehouses", type=int, default=2, metavar="W", help="default 2")
    demo.add_argument(
        "--history-days", type=int, default=90, metavar="D", help="days of sales (default 90)"
    )
    demo.add_argument("--seed", type=int, default=42, metavar="S", help="same seed, same data")


def _add_products(commands: Any) -> None:
    products = _group(_command(commands, "products", None, "the product catalog"))
    imp = _command(products, "import", c.products_import, "import a catalog CSV")
    imp.add_argument("file", metavar="FILE.csv")
    exp = _command(products, "export", c.products_export, "export the catalog as CSV")
    exp.add_argument("file", metavar="FILE.csv")
    _listing_options(_command(products, "list", c.products_list, "list products"))


def _add_stock(commands: Any) -> None:
    stock = _command(commands, "stock", c.stock_list, "list stock levels, or adjust one")
    stock.add_argument("--warehouse", metavar="W", help="only this warehouse (code)")
    stock.add_argument("--status", choices=[s.value for s in StockStatus])
    _listing_options(stock)
    adjust = _command(
        _group(stock, required=False), "adjust", c.stock_adjust, "adjust one stock level"
    )
    adjust.add_argument("sku", metavar="SKU", help="SKU or barcode")
    adjust.add_argument("--warehouse", required=True, metavar="W", help="warehouse code")
    adjust.add_argument("--delta", required=True, type=int, metavar="N", help="e.g. -3 or 5")
    adjust.add_argument("--reason", required=True, choices=[r.value for r in MANUAL_REASONS])
    adjust.add_argument("--note", metavar="TEXT", help="why, for the stock history")


def _add_warehouses(commands: Any) -> None:
    warehouses = _group(_command(commands, "warehouses", None, "the warehouses"))
    listing = _command(warehouses, "list", c.warehouses_list, "list warehouses")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    add = _command(warehouses, "add", c.warehouses_add, "add a warehouse")
    add.add_argument("code", metavar="CODE")
    add.add_argument("--name", metavar="NAME", help="defaults to the code")


def _add_integrations_and_sync(commands: Any) -> None:
    integ = _group(_command(commands, "integrations", None, "the POS integrations"))
    add = _command(integ, "add", c.integrations_add, "add a POS integration from the seed's JSON")
    add.add_argument(
        "--from-json", required=True, metavar="FILE", help="a POSIntegrationConfig JSON file"
    )
    listing = _command(integ, "list", c.integrations_list, "list POS integrations")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    remove = _command(
        integ, "remove", c.integrations_remove, "remove a POS integration and its credentials"
    )
    remove.add_argument("ref", metavar="ID", help="the integration's id (UUID or seed id)")
    catalog = _command(
        integ,
        "import-catalog",
        c.integrations_import_catalog,
        "create products, with the POS counts as starting stock, for the POS items that match "
        "no product (exit 0 done, 1 some items skipped, 2 failed, 3 a sync is running)",
    )
    catalog.add_argument("ref", metavar="ID", help="the integration's id (UUID or seed id)")
    catalog.add_argument("--json", action="store_true", help="print JSON for scripts")
    sync = _command(
        commands,
        "sync",
        c.sync,
        "sync stock with the POS (exit 0 success, 1 partial, 2 failed, 3 already running)",
    )
    sync.add_argument(
        "--integration", metavar="ID", help="only this one (default: every active one)"
    )
    sync.add_argument(
        "--incremental", action="store_true", help="only what changed since the last sync"
    )
    sync.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_health_and_sync_log(commands: Any) -> None:
    health = _command(
        commands,
        "health",
        c.health,
        "the health of each POS integration (exit 0 healthy, 1 warning, 2 error or offline)",
    )
    health.add_argument(
        "--check",
        action="store_true",
        help="ask each active POS now (default: the last known health, no network)",
    )
    health.add_argument("--json", action="store_true", help="print JSON for scripts")
    log = _command(commands, "sync-log", c.sync_log, "sync runs, newest first, with their errors")
    log.add_argument("--integration", metavar="ID", help="only this one (UUID or seed id)")
    log.add_argument(
        "--limit",
        type=c.limit_argument,
        default=c.DEFAULT_LIMIT,
        metavar="N",
        help=f"the newest N runs (default {c.DEFAULT_LIMIT}; 0 for all)",
    )
    log.add_argument("--json", action="store_true", help="print JSON for scripts")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; ``args.handler`` is the command to run (None: none given)."""
    parser = argparse.ArgumentParser(
        prog="possync",
        description="Keep point-of-sale stock and warehouse stock in step (command line).",
        epilog=f"The database is --db URL, else ${ENV_DB_URL}, else {default_sqlite_path()}. "
        "URLs look like sqlite:///path/to/file.sqlite3 or postgresql+psycopg://user@host/db.",
    )
    parser.add_argument("--version", action="version", version=f"possync {__version__}")
    _global_options(parser, None)
    parser.set_defaults(handler=None, debug=False)
    commands = _group(parser, required=False)
    _add_db_and_demo(commands)
    _add_products(commands)
    _add_stock(commands)
    _add_warehouses(commands)
    _add_integrations_and_sync(commands)
    _add_health_and_sync_log(commands)
    add_suppliers_commands(commands)
    add_purchasing_commands(commands)
    add_receiving_commands(commands)
    add_conflicts_commands(commands)
    return parser
