"""The main window: six tabs, a status bar (database, last sync, operator), the menus.

All wiring between tabs, presenters and the facade's change events lives in
``_connect_signals``; tabs never find each other.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.connection import ConnectionState, ConnectionStatus
from possync_gui.domain.events import Change
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.alerts.presenter import tab_title
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.connection_banner import ConnectionBanner
from possync_gui.ui.help import HelpActions
from possync_gui.ui.receiving.serial_lookup import SerialLookupDialog
from possync_gui.ui.settings_actions import SettingsActions
from possync_gui.ui.suppliers.dialog import SuppliersDialog
from possync_gui.ui.tabs import Tabs, build_tabs
from possync_gui.ui.theme import theme_new
from possync_gui.ui.welcome import CONNECT, WelcomeDialog

ERROR_HIDE_MS = 20_000
#: How often the simulated Demo POS sells (only when a demo integration exists).
DEMO_TICK_MS = 30_000
DEMO_FIRST_TICK_MS = 3_000


class MessageBar(QWidget):
    """A non-modal line above the tabs for errors the user should read (STYLE habit 7)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setStyleSheet(
            "MessageBar { background: #fde2e1; border: 1px solid #e5a1a0; }"
            " MessageBar QLabel, MessageBar QPushButton { color: #1b1b1b; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_error(self, text: str) -> None:
        self.label.setText(text)
        self.show()
        self._timer.start(ERROR_HIDE_MS)


class MainWindow(QMainWindow):
    """Signals: ``closed()`` once the window has closed."""

    closed = Signal()

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.facade = facade
        self.operator = operator
        self.setWindowTitle("possync — warehouse and POS stock")
        self.resize(1280, 800)
        self.tabs: Tabs = build_tabs(facade, operator)
        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        #: The tabs' names; a tab's text may add counts ("Alerts (3 critical)").
        self.titles = [title for title, _widget in self.tabs.all()]
        for title, widget in self.tabs.all():
            self.tab_widget.addTab(widget, title)
        self._tray: QSystemTrayIcon | None = None
        self.suppliers_dialog: SuppliersDialog | None = None
        self.serial_dialog: SerialLookupDialog | None = None
        self.message_bar = MessageBar()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self._make_connection_banner())
        layout.addWidget(self.tab_widget, 1)
        self.setCentralWidget(central)
        self.db_label = QLabel(f"Database: {facade.database_description}")
        self.sync_label = QLabel("Last sync: never")
        self.operator_label = QLabel(f"Operator: {operator}")
        for label in (self.db_label, self.sync_label, self.operator_label):
            self.statusBar().addPermanentWidget(label)
        self.tasks = TaskRunner(self.show_error)
        self.settings_actions = SettingsActions(self)
        self.help_actions = HelpActions(self)
        self.welcome_dialog: WelcomeDialog | None = None
        self._build_menus()
        self._demo_timer = QTimer(self)
        self._demo_timer.setInterval(DEMO_TICK_MS)
        self._first_tick = QTimer(self)
        self._first_tick.setSingleShot(True)
        self._first_tick.setInterval(DEMO_FIRST_TICK_MS)
        #: Set when the window closes: it then starts no work (closing ends the app).
        self._closed = False
        self._connect_signals()
        self._restore_geometry()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        import_action = file_menu.addAction("&Import catalog CSV…")
        import_action.triggered.connect(self.tabs.inventory._on_import_clicked)
        export_action = file_menu.addAction("&Export catalog CSV…")
        export_action.triggered.connect(self.tabs.inventory._on_export_clicked)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self._build_edit_menu()
        view_menu = self.menuBar().addMenu("&View")
        self.debug_action = QAction("&Debug mode", self, checkable=True)
        self.debug_action.setChecked(self.facade.debug)
        self.debug_action.setToolTip("Log every operation in detail (also POS_SYNC_DEBUG=true)")
        view_menu.addAction(self.debug_action)
        for i in range(self.tab_widget.count()):
            action = view_menu.addAction(self.tab_widget.tabText(i))
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, i=i: self.tab_widget.setCurrentIndex(i))
        find_menu = self.menuBar().addMenu("F&ind")
        self.find_serial_action = find_menu.addAction("Find &serial number…")
        self.find_serial_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.find_serial_action.triggered.connect(self.show_serial_lookup)
        self._build_help_menu()

    def _connect_signals(self) -> None:
        inv = self.tabs.inventory_presenter
        inv.error.connect(self.show_error)
        self.tabs.inventory.message.connect(self.show_message)
        alerts = self.tabs.alerts_presenter
        alerts.error.connect(self.show_error)
        self.tabs.alerts.message.connect(self.show_message)
        alerts.counts_changed.connect(self._on_alert_counts)
        alerts.critical_alerts.connect(self.notify_critical_alerts)
        self.tabs.alerts.open_orders_requested.connect(self._show_orders)
        orders = self.tabs.purchase_orders_presenter
        orders.error.connect(self.show_error)
        self.tabs.purchase_orders.message.connect(self.show_message)
        self.tabs.purchase_orders.suppliers_requested.connect(self.show_suppliers)
        integrations = self.tabs.integrations_presenter
        integrations.error.connect(self.show_error)
        self.tabs.integrations.message.connect(self.show_message)
        integrations.sync_finished.connect(lambda _id: self._start_last_sync())
        receiving = self.tabs.receiving
        for source in (receiving.presenter, receiving.orders, receiving.history):
            source.error.connect(self.show_error)
        receiving.message.connect(self.show_message)
        receiving.presenter.restore_offered.connect(lambda _saved: self.select_tab("Receiving"))
        receiving.presenter.check_journal()  # scans a crash left behind: offered at once
        conflicts = self.tabs.conflicts_presenter
        conflicts.error.connect(self.show_error)
        self.tabs.conflicts.message.connect(self.show_message)
        conflicts.open_count_changed.connect(self._on_conflict_count)
        self.facade.subscribe(self._on_change)
        self.debug_action.toggled.connect(self.facade.enable_debug_mode)
        self._demo_timer.timeout.connect(self._start_demo_tick)
        self._demo_timer.start()
        # A first sale and sync soon after start, so a fresh demo shows a run at once. A
        # timer of the window's own, so that closing stops it (a closed window lives on
        # until Qt deletes it, and a tick started then would outlive its widgets).
        self._first_tick.timeout.connect(self._start_demo_tick)
        self._first_tick.start()
        self._start_last_sync()
        alerts.start_counts()
        conflicts.start_count()

    # -- change events -----------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if self._closed:  # the facade keeps its listeners; a closed window ignores them
            return
        self.tabs.inventory_presenter.on_change(change)
        self.tabs.alerts_presenter.on_change(change)
        self.tabs.purchase_orders_presenter.on_change(change)
        self.tabs.integrations_presenter.on_change(change)
        self.tabs.receiving.on_change(change)
        self.tabs.conflicts_presenter.on_change(change)

    # -- shared mode: the database connection (issue 7) -------------------------------------
    def _make_connection_banner(self) -> ConnectionBanner:
        self.connection_banner = ConnectionBanner()
        self.connection_banner.retry_requested.connect(self.facade.retry_connection_now)
        self.facade.subscribe_connection(self._on_connection)
        return self.connection_banner

    def _on_connection(self, status: ConnectionStatus) -> None:
        if self._closed:
            return
        self.connection_banner.on_status(status)
        if status.state is ConnectionState.RECONNECTED:
            self.tabs.receiving.presenter.resume_scans()  # scans that waited for it
            text = self.message_bar.label.text()
            if "connection to the database" in text or "database connection" in text:
                self.message_bar.hide()  # the error it showed is over
                self.statusBar().clearMessage()

    def _on_alert_counts(self, counts: Any) -> None:
        index = self.tab_widget.indexOf(self.tabs.alerts)
        text, tip = tab_title(self.titles[index], counts)
        self.tab_widget.setTabText(index, text)
        self.tab_widget.setTabToolTip(index, tip)

    def _on_conflict_count(self, count: int) -> None:
        index = self.tab_widget.indexOf(self.tabs.conflicts)
        name = self.titles[index]
        self.tab_widget.setTabText(index, f"{name} ({count:,})" if count else name)
        self.tab_widget.setTabToolTip(
            index, f"{count:,} open conflict{'' if count == 1 else 's'} to settle"
        )

    def notify_critical_alerts(self, count: int) -> None:
        """In the status bar, and as a tray notification where the desktop has a tray."""
        text = f"{count} new critical stock alert{'' if count == 1 else 's'}"
        self.show_message(text)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip("possync")
            self._tray.messageClicked.connect(lambda: self.select_tab("Alerts"))
            self._tray.show()
        self._tray.showMessage("possync", text, QSystemTrayIcon.MessageIcon.Warning)

    def show_suppliers(self) -> None:
        """The suppliers dialog: one instance, non-modal, shown again when asked."""
        if self.suppliers_dialog is None:
            self.suppliers_dialog = SuppliersDialog(self.facade, self.operator, parent=self)
            theme_new(self.suppliers_dialog)
        if self.suppliers_dialog.isVisible():
            self.suppliers_dialog.raise_()
        self.suppliers_dialog.show()
        self.suppliers_dialog.activateWindow()

    def show_serial_lookup(self) -> None:
        """Find serial (Ctrl+Shift+S): one instance, non-modal."""
        if self.serial_dialog is None:
            self.serial_dialog = SerialLookupDialog(self.facade, parent=self)
            theme_new(self.serial_dialog)
        if self.serial_dialog.isVisible():
            self.serial_dialog.raise_()
        self.serial_dialog.show()
        self.serial_dialog.activateWindow()

    def _show_orders(self, order_numbers: list[str]) -> None:
        self.select_tab("Purchase Orders")
        self.tabs.purchase_orders.show_orders(order_numbers)

    def _start_demo_tick(self) -> None:
        if not self._closed and not self.tasks.is_running("demo-pos"):
            self.tasks.run("demo-pos", self._demo_tick())

    def _start_last_sync(self) -> None:
        if not self._closed:
            self.tasks.run("last-sync", self._refresh_last_sync())

    async def _demo_tick(self) -> None:
        result = await self.facade.run_demo_pos()
        if result.units_sold:
            self.show_message(f"Demo POS sold {result.units_sold} units")
        await self._refresh_last_sync()

    async def _refresh_last_sync(self) -> None:
        when: datetime | None = await self.facade.last_sync_at()
        text = when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "never"
        self.sync_label.setText(f"Last sync: {text}")

    # -- messages ----------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.message_bar.show_error(text)
        self.statusBar().showMessage(text, ERROR_HIDE_MS)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8_000)

    def select_tab(self, title: str) -> bool:
        for i, name in enumerate(self.titles):
            if name.lower().replace(" ", "") == title.lower().replace(" ", ""):
                self.tab_widget.setCurrentIndex(i)
                return True
        return False

    def tab_titles(self) -> list[str]:
        """The tabs' names, without the counts a tab's text may show."""
        return list(self.titles)

    # -- settings, the welcome, help (issue 8) ----------------------------------------------
    def _build_edit_menu(self) -> None:
        edit_menu = self.menuBar().addMenu("&Edit")
        self.settings_action = edit_menu.addAction("&Settings…")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.settings_actions.show)

    def _build_help_menu(self) -> None:
        help_menu = self.menuBar().addMenu("&Help")
        logs = help_menu.addAction("Open &log folder")
        logs.triggered.connect(self.help_actions.open_log_folder)
        database = help_menu.addAction("&Database location…")
        database.triggered.connect(self.help_actions.show_database)
        help_menu.addSeparator()
        about = help_menu.addAction("&About possync")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.help_actions.show_about)

    def set_operator(self, name: str) -> None:
        """Who acts from now on, in every tab (Settings, the welcome)."""
        self.operator = name
        self.operator_label.setText(f"Operator: {name}")
        self.tabs.inventory_presenter.operator = name
        self.tabs.alerts_presenter.set_operator(name)
        self.tabs.purchase_orders_presenter.set_operator(name)
        self.tabs.conflicts_presenter.set_operator(name)
        self.tabs.receiving.presenter.operator = name
        if self.suppliers_dialog is not None:
            self.suppliers_dialog.operator = name

    def show_welcome(self, demo: bool) -> WelcomeDialog:
        """The first start's dialog (window-modal, not blocking the loop)."""
        name = self.facade.settings.operator_name or ""
        dialog = WelcomeDialog(name, demo, self)
        dialog.chosen.connect(self._on_welcome_chosen)
        self.welcome_dialog = dialog
        dialog.open()
        return dialog

    def _on_welcome_chosen(self, name: str, choice: str) -> None:
        settings = dataclasses.replace(self.facade.settings, operator_name=name)
        try:
            self.facade.update_settings(settings)
        except OSError as err:
            self.show_error(f"Your name could not be saved ({err}); it is used until you quit.")
        self.set_operator(name)
        if choice == CONNECT:
            self.connect_pos()

    def connect_pos(self) -> None:
        """The Integrations tab with its add dialog open (its warehouses read first)."""
        self.select_tab("Integrations")
        self.tasks.run("connect-pos", self._open_add_integration())

    async def _open_add_integration(self) -> None:
        tab = self.tabs.integrations
        if not tab.presenter.warehouses:
            await tab.presenter.refresh()
        tab._on_add_clicked()

    def repaint_money(self) -> None:
        """A new currency: the views format money in ``data()``, so a repaint shows it."""
        for widget in self.findChildren(QAbstractItemView):
            widget.viewport().update()

    # -- geometry lives apart from settings (STYLE habit 10) --------------------------------
    def _restore_geometry(self) -> None:
        state = QSettings()
        geometry = state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        header = state.value("inventory/header")
        if header is not None:
            self.tabs.inventory.table.horizontalHeader().restoreState(header)

    def closeEvent(self, event: QCloseEvent) -> None:
        state = QSettings()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("inventory/header", self.tabs.inventory.table.horizontalHeader().saveState())
        self._closed = True
        self._demo_timer.stop()
        self._first_tick.stop()
        self.tasks.cancel_all()
        self.tabs.inventory_presenter.tasks.cancel_all()
        self.tabs.alerts_presenter.shutdown()
        self.tabs.purchase_orders_presenter.shutdown()
        if self._tray is not None:
            self._tray.hide()
        self.tabs.integrations_presenter.shutdown()
        self.tabs.receiving.shutdown()
        self.tabs.conflicts_presenter.shutdown()
        super().closeEvent(event)
        self.closed.emit()
