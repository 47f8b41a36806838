"""The composition root: settings → database (migrate, seed the demo store) → services →
facade → window, on one qasync loop. Nothing else builds long-lived objects."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from possync_gui import __version__

log = logging.getLogger("possync")

#: How long --smoke and --screenshot wait for the Inventory tab's first rows.
READY_TIMEOUT_S = 120.0
#: How often the whole store's stock is judged for alerts while the app is open.
ALERT_CHECK_S = 15 * 60
#: The window icon's PNGs (one per size), package data beside this module: found the same way
#: in a source checkout, an installed wheel and the PyInstaller bundle (whose modules' __file__
#: points into the bundle's folder, where packaging/possync.spec puts the package data).
ICON_DIR = Path(__file__).with_name("resources") / "icons"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="possync-gui", description="possync: warehouse and POS stock, in one window."
    )
    parser.add_argument("--db", metavar="URL", help="SQLite file or postgresql+psycopg:// URL")
    parser.add_argument("--operator", metavar="NAME", help="who is at the desk (ledger actor)")
    parser.add_argument("--no-demo", action="store_true", help="start empty, without demo data")
    parser.add_argument("--debug", action="store_true", help="log every operation in detail")
    parser.add_argument(
        "--smoke", action="store_true", help="open, wait for inventory rows, print them, exit"
    )
    parser.add_argument("--screenshot", metavar="PATH", type=Path, help="save a PNG and exit")
    parser.add_argument("--tab", metavar="NAME", default="Inventory", help="tab to show first")
    parser.add_argument("--version", action="version", version=f"possync {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    headless = args.smoke or args.screenshot is not None
    if headless and not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    import qasync  # noqa: PLC0415 - Qt is imported only once the arguments are valid
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("possync")
    app.setOrganizationName("possync")
    app.setApplicationVersion(__version__)
    set_app_icon(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    _install_crash_reports(loop, logging.DEBUG if args.debug else logging.INFO)
    with loop, smoke_database(args):
        return loop.run_until_complete(run(args))


def set_app_icon(app: Any) -> None:
    """Every window's icon, and the .desktop file (packaging/possync.desktop) Wayland
    compositors match the windows to."""
    from PySide6.QtGui import QIcon  # noqa: PLC0415

    icon = QIcon()
    for path in sorted(ICON_DIR.glob("possync-*.png")):
        icon.addFile(str(path))
    if icon.isNull():  # a broken install still starts, with the platform's default icon
        log.warning("no window icon found in %s", ICON_DIR)
    app.setWindowIcon(icon)
    app.setDesktopFileName("possync")


@contextlib.contextmanager
def smoke_database(args: argparse.Namespace) -> Iterator[None]:
    """``--smoke`` with no database named (no ``--db``, no ``POSSYNC_DB_URL``) runs on a demo
    store of its own in a temporary folder, removed afterwards: checking a build or an
    install never seeds, or reads, the user's own data file."""
    from possync_gui.store.database import ENV_DB_URL  # noqa: PLC0415

    if not args.smoke or args.db or os.environ.get(ENV_DB_URL):
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="possync-smoke-"))
    args.db = f"sqlite:///{folder / 'possync.sqlite3'}"
    log.info("smoke: a temporary demo database in %s", folder)
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tune_gc() -> None:
    """Once the window is up: what start-up built lives as long as the app, so move it out
    of the cyclic collector's reach (its full passes otherwise walk ~170k objects and stall
    the GUI thread for 150+ ms during a long sync), and collect the young generation less
    often (a sync allocates many short-lived records)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


async def run(args: argparse.Namespace) -> int:  # noqa: PLR0915 - start-up, in order
    """Build everything in order, show the window, and wait until it closes."""
    from possync_gui.domain.errors import PossyncError  # noqa: PLC0415
    from possync_gui.services.facade import InventorySyncService  # noqa: PLC0415
    from possync_gui.services.settings import (  # noqa: PLC0415
        default_operator,
        load_settings,
        resolve_database_url,
    )
    from possync_gui.store.database import open_database  # noqa: PLC0415
    from possync_gui.ui.main_window import MainWindow  # noqa: PLC0415

    headless = args.smoke or args.screenshot is not None
    log.info("init: settings")
    settings = load_settings()
    operator = args.operator or default_operator(settings)
    url = resolve_database_url(args.db, settings)
    try:
        log.info("init: database")
        db = await asyncio.to_thread(open_database, url)
        seeded = False if args.no_demo else await _seed_if_empty(db, headless)
    except PossyncError as err:
        return _fatal(str(err), headless)
    log.info("init: services and facade")
    facade = InventorySyncService(db)
    if args.debug:
        facade.enable_debug_mode(True)
    if seeded:
        await _first_start(facade)
    log.info("init: window")
    window = MainWindow(facade, operator)
    _apply_display(settings)
    if not window.select_tab(args.tab):
        return _fatal(f"No tab named {args.tab!r}; tabs: {', '.join(window.tab_titles())}", True)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    if headless:
        window.resize(1280, 800)  # the same picture whatever size was saved last time
    window.show()
    _welcome(window, args, settings, seeded)
    tune_gc()
    scheduler = None if headless else facade.make_scheduler()
    alert_timer: asyncio.Task[None] | None = None
    try:
        if headless:
            return await _headless(window, args)
        assert scheduler is not None
        scheduler.start()
        facade.start_change_feed()  # other desktops' changes; the connection banner
        alert_timer = asyncio.ensure_future(_alert_timer(facade, first_after=0 if seeded else 60))
        await closed.wait()
        return 0
    finally:
        if alert_timer is not None:
            alert_timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alert_timer
        if scheduler is not None:
            await scheduler.stop()
        await facade.stop_change_feed()
        db.dispose()


async def _first_start(facade: Any) -> None:
    """The demo store opens with its stock alerts judged and some orders on their way."""
    log.info("init: judging the demo store's stock")
    await _stock_check(facade)
    log.info("init: the demo store's orders on their way")
    await _demo_orders(facade)


async def _stock_check(facade: Any) -> None:
    from possync_gui.domain.errors import PossyncError  # noqa: PLC0415

    try:
        report = await facade.run_stock_check()
    except PossyncError as err:
        log.warning("stock check failed: %s", err)
    else:
        log.info(
            "stock check: %d levels, %d alerts new, %d updated, %d resolved in %.1f s",
            report.levels_checked,
            report.created,
            report.updated,
            report.resolved,
            report.seconds,
        )


#: On a fresh demo store: orders sent for this many suppliers, of this many critical alerts each.
DEMO_ORDER_SUPPLIERS = 2
DEMO_ORDER_ALERTS = 12


async def _demo_orders(facade: Any) -> None:
    """Orders already sent to two suppliers for some of the demo store's critical alerts, so
    the Receiving tab has goods to receive on a first start (made by the demo's buyer,
    approved by its manager, as the approval rule wants)."""
    from possync_gui.domain.enums import AlertStatus, UrgencyLevel  # noqa: PLC0415
    from possync_gui.domain.errors import PossyncError  # noqa: PLC0415
    from possync_gui.domain.purchasing import AlertQuery  # noqa: PLC0415

    query = AlertQuery(urgency=UrgencyLevel.CRITICAL, statuses=(AlertStatus.ACTIVE,), limit=500)
    groups: dict[tuple[str, Any], list[Any]] = {}
    for alert in await facade.list_alerts(query):
        if alert.supplier_code is not None:
            groups.setdefault((alert.supplier_code, alert.warehouse_id), []).append(alert.id)
    chosen = sorted(groups.values(), key=len, reverse=True)[:DEMO_ORDER_SUPPLIERS]
    ids = [alert_id for group in chosen for alert_id in group[:DEMO_ORDER_ALERTS]]
    try:
        report = await facade.create_purchase_orders(ids, "demo buyer", trigger="demo")
        for order in report.orders:
            await facade.approve_purchase_order(order.id, "demo manager")
            await facade.send_purchase_order(order.id, "demo buyer")
    except PossyncError as err:  # the demo still opens; only the Receiving tab is emptier
        log.warning("demo purchase orders not made: %s", err)
        return
    log.info("demo: %s sent", ", ".join(o.order_number for o in report.orders) or "no order")


async def _alert_timer(facade: Any, *, first_after: float) -> None:
    """The full stock check while the app is open (DESIGN.md §5): a minute after start,
    then every ``ALERT_CHECK_S``; syncs and deliveries judge what they move meanwhile."""
    await asyncio.sleep(first_after or ALERT_CHECK_S)
    while True:
        await _stock_check(facade)
        await asyncio.sleep(ALERT_CHECK_S)


async def _headless(window: Any, args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    presenter = window.tabs.inventory_presenter
    waited = 0.0
    while presenter.model.rowCount() == 0 and presenter.total == 0 and waited < READY_TIMEOUT_S:
        await asyncio.sleep(0.05)
        waited += 0.05
    current = window.tab_widget.currentWidget()
    list_presenter = getattr(current, "presenter", None)
    if list_presenter is not None and list_presenter is not presenter:
        while list_presenter.tasks.is_running("refresh"):
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let the detail panel and chart paint
    QApplication.processEvents()
    if args.screenshot is not None:
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(args.screenshot)):
            return _fatal(f"Could not write {args.screenshot}", True)
        print(f"saved {args.screenshot}")
    if args.smoke:
        print("tabs: " + ", ".join(window.tab_titles()))
        print(f"inventory rows: {presenter.total}")
    window.close()
    return 0 if presenter.total > 0 or args.no_demo else 1


async def _seed_if_empty(db: Any, headless: bool) -> bool:
    """First start: fill an empty database with the demo store, showing progress (True
    when it did)."""
    from PySide6.QtCore import Qt  # noqa: PLC0415
    from PySide6.QtWidgets import QProgressDialog  # noqa: PLC0415

    from possync_gui.store.demo import is_empty, seed_demo  # noqa: PLC0415

    def empty() -> bool:
        with db.session() as session:
            return is_empty(session)

    if not await asyncio.to_thread(empty):
        return False
    log.info("init: seeding the demo store")
    dialog = QProgressDialog("Creating the demo store…", "Cancel", 0, 100)
    dialog.setWindowTitle("possync — first start")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0 if not headless else 10_000)
    cancelled = threading.Event()
    dialog.canceled.connect(cancelled.set)
    loop = asyncio.get_running_loop()

    def progress(phase: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        loop.call_soon_threadsafe(_show_progress, dialog, phase, pct)

    try:
        await asyncio.to_thread(seed_demo, db, progress=progress, cancel=cancelled.is_set)
    finally:
        dialog.close()
        dialog.deleteLater()
    return True


def _show_progress(dialog: Any, phase: str, pct: int) -> None:
    dialog.setLabelText(f"Creating the demo store: {phase}…")
    dialog.setValue(pct)


def _fatal(message: str, headless: bool) -> int:
    """Fatal start-up errors: the one place for a modal dialog."""
    print(f"possync: error: {message}", file=sys.stderr)
    if not headless:
        from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415

        QMessageBox.critical(None, "possync cannot start", message)
    return 1


def _install_crash_reports(loop: Any, level: int) -> None:
    """A log file in the user log folder, and crash reports there for every bug: from Qt
    slots and the excepthook, and from asyncio tasks nobody awaited."""
    from possync_gui.services.settings import log_dir  # noqa: PLC0415
    from possync_gui.ui.crash import CrashReporter, start_log_file  # noqa: PLC0415

    recent, path = start_log_file(log_dir(), level)
    log.info("possync %s; log file %s", __version__, path or "none")
    reporter = CrashReporter(log_dir(), recent)
    sys.excepthook = reporter
    loop.set_exception_handler(reporter.loop_exception)


def _apply_display(settings: Any) -> None:
    """The theme and the currency of the settings, before the window is first painted."""
    from possync_gui.ui.settings_actions import apply_display  # noqa: PLC0415

    apply_display(settings)


def _welcome(window: Any, args: argparse.Namespace, settings: Any, seeded: bool) -> None:
    """The welcome dialog on a first start: no operator saved yet, or the demo just made;
    never in --smoke/--screenshot runs or when --operator names who is at the desk."""
    headless = args.smoke or args.screenshot is not None
    if headless or args.operator:
        return
    if settings.operator_name is None or seeded:
        window.show_welcome(demo=not args.no_demo)
