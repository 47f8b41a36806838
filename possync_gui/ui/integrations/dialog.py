"""The add/edit dialog of a POS integration; it builds the seed's ``POSIntegrationConfig``.

The dialog does no I/O: Save emits ``save_requested(data)``; the tab hands that to the
presenter, which answers with ``show_error`` (the dialog stays open, nothing typed is lost)
or closes it. "Fetch locations" emits ``fetch_requested(data)`` the same way and is answered
with ``show_locations`` or ``show_fetch_error``. Secrets are typed with password echo and
never filled in: on edit, secret fields left empty keep what the keyring holds.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.enums import ConflictStrategy, IntegrationType, SyncFrequency
from possync_gui.domain.records import Warehouse
from possync_gui.services.integrations import (
    WOOCOMMERCE_LOCATION,
    IntegrationInfo,
    LocationChoice,
)
from possync_gui.ui.integrations.credentials import CredentialsBox
from possync_gui.ui.integrations.locations import LocationMapEditor
from possync_gui.ui.integrations.text import type_label, words

TYPES = [t for t in IntegrationType if t is not IntegrationType.DEMO]
BASE_URL_HINTS = {
    IntegrationType.SQUARE: "https://connect.squareup.com",
    IntegrationType.SHOPIFY: "https://your-shop.myshopify.com",
    IntegrationType.WOOCOMMERCE: "https://shop.example.com",
    IntegrationType.CUSTOM: "https://stock.example.com",
}
API_VERSION_HINTS = {
    IntegrationType.SQUARE: "optional, e.g. 2025-08-20",
    IntegrationType.SHOPIFY: "optional, e.g. 2026-04",
    IntegrationType.WOOCOMMERCE: "optional, e.g. wc/v3",
    IntegrationType.CUSTOM: "not used by custom sources",
}
#: What "Fetch locations" needs typed first, per type.
SECRET_WORDS = {
    IntegrationType.SQUARE: "access token",
    IntegrationType.SHOPIFY: "access token",
    IntegrationType.WOOCOMMERCE: "consumer key and secret",
    IntegrationType.CUSTOM: "API key",
}
STRATEGY_LABELS = {
    ConflictStrategy.POS_WINS: "POS wins",
    ConflictStrategy.SUPPLIER_WINS: "Warehouse wins (supplier_wins)",
    ConflictStrategy.MANUAL_REVIEW: "Manual review in the Conflicts tab",
}
#: The seed's POSSyncSettings switches, their labels, and their defaults.
SWITCHES = (
    ("syncInventory", "Sync stock counts", True),
    ("syncSales", "Pull daily sales (for reorder points)", False),
    ("syncProducts", "Keep product names and barcodes current", False),
    ("syncCustomers", "Sync customers (stored only)", False),
    ("autoCreatePurchaseOrders", "Create purchase orders from new stock alerts", False),
)


class IntegrationDialog(QDialog):
    """Signals: ``save_requested(dict)`` with the seed-shaped integration;
    ``fetch_requested(dict)`` with what asking the POS for its locations needs."""

    save_requested = Signal(dict)
    fetch_requested = Signal(dict)

    def __init__(
        self,
        warehouses: list[Warehouse],
        info: IntegrationInfo | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(f"Edit integration — {info.name}" if info else "Add integration")
        self.setMinimumWidth(620)
        self.type = QComboBox()
        for kind in TYPES:
            self.type.addItem(type_label(kind), str(kind))
        self.external_id = QLineEdit()
        self.external_id.setPlaceholderText("optional, e.g. pos-square-main (for the CLI)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Square — High Street shop")
        self.base_url = QLineEdit()
        self.api_version = QLineEdit()
        self.credentials = CredentialsBox(editing=info is not None)
        self.locations = LocationMapEditor(warehouses)
        self.frequency = QComboBox()
        for freq in SyncFrequency:
            self.frequency.addItem(words(freq), str(freq))
        self.frequency.setCurrentIndex(self.frequency.findData(str(SyncFrequency.HOURLY)))
        self.status = QComboBox()
        self.status.addItem("Active", "active")
        self.status.addItem("Inactive (not synced)", "inactive")
        self._make_settings_fields()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(
            "QLabel { background: #fde2e1; color: #1b1b1b; border: 1px solid #e5a1a0; "
            "padding: 6px; }"
        )
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self._build_layout()
        self.type.currentIndexChanged.connect(lambda _i: self._on_type_changed())
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        self.locations.fetch_button.clicked.connect(self._on_fetch_clicked)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_save_clicked)
        if info is not None:
            self._fill(info)
        self._on_type_changed()
        self.name.setFocus()

    def _make_settings_fields(self) -> None:
        """The seed's ``POSSyncSettings``: switches, conflict strategy, alert thresholds."""
        self.switches = {key: QCheckBox(label) for key, label, _default in SWITCHES}
        for key, _label, default in SWITCHES:
            self.switches[key].setChecked(default)
        self.switches["syncCustomers"].setToolTip(
            "Kept with the integration as the seed's settings have it; possync does not "
            "sync customers"
        )
        self.strategy = QComboBox()
        for strategy in ConflictStrategy:
            self.strategy.addItem(STRATEGY_LABELS[strategy], str(strategy))
        self.strategy.setCurrentIndex(self.strategy.findData(str(ConflictStrategy.MANUAL_REVIEW)))
        self.threshold = QSpinBox()
        self.threshold.setRange(0, 1000)
        self.threshold.setSuffix(" %")
        self.threshold.setValue(20)
        self.threshold.setToolTip(
            "A low-urgency alert is raised when available stock is within this margin above "
            "the reorder point"
        )
        self.multiplier = QDoubleSpinBox()
        self.multiplier.setRange(0.1, 10.0)
        self.multiplier.setSingleStep(0.1)
        self.multiplier.setValue(1.5)
        self.multiplier.setToolTip("Reorder point = daily sales × lead time × this multiplier")

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("&Type:", self.type)
        form.addRow("&Name:", self.name)
        form.addRow("&Id:", self.external_id)
        form.addRow("&Base URL:", self.base_url)
        form.addRow("API &version:", self.api_version)
        form.addRow("Sync &frequency:", self.frequency)
        form.addRow("&Status:", self.status)
        settings = QGroupBox("Sync settings")
        settings_form = QFormLayout(settings)
        for box in self.switches.values():
            settings_form.addRow(box)
        settings_form.addRow("&Conflicts:", self.strategy)
        settings_form.addRow("Alert &margin:", self.threshold)
        settings_form.addRow("Reorder multi&plier:", self.multiplier)
        locations = QGroupBox("POS locations → warehouses")
        QVBoxLayout(locations).addWidget(self.locations)
        body = QWidget()
        columns = QHBoxLayout(body)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.credentials)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(locations, 1)
        right.addWidget(settings)
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)  # the location table has three columns to show
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(1000, 680)

    def _fill(self, info: IntegrationInfo) -> None:
        config = info.configuration
        self.type.setCurrentIndex(max(0, self.type.findData(info.type)))
        self.name.setText(info.name)
        self.external_id.setText(info.external_key or "")
        self.external_id.setEnabled(False)
        self.external_id.setToolTip("The id cannot change once the integration exists")
        self.base_url.setText(info.base_url or "")
        self.api_version.setText(str(config.get("apiVersion") or ""))
        self.credentials.fill(config)
        self.locations.set_map(info.location_map)
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(info.sync_frequency)))
        if self.status.findData(info.status) < 0:
            self.status.addItem(words(info.status), info.status)
        self.status.setCurrentIndex(self.status.findData(info.status))
        settings = info.sync_settings
        for key, _label, default in SWITCHES:
            self.switches[key].setChecked(bool(settings.get(key, default)))
        strategy = str(settings.get("conflictResolution") or ConflictStrategy.MANUAL_REVIEW)
        self.strategy.setCurrentIndex(max(0, self.strategy.findData(strategy)))
        if isinstance(settings.get("stockAlertThreshold"), int | float):
            self.threshold.setValue(round(float(settings["stockAlertThreshold"]) * 100))
        if isinstance(settings.get("reorderPointMultiplier"), int | float):
            self.multiplier.setValue(float(settings["reorderPointMultiplier"]))

    def _on_type_changed(self) -> None:
        kind = IntegrationType(self.type.currentData())
        self.base_url.setPlaceholderText(BASE_URL_HINTS[kind])
        self.api_version.setPlaceholderText(API_VERSION_HINTS[kind])
        self.api_version.setEnabled(kind is not IntegrationType.CUSTOM)
        kept = self.info is not None and self.info.type == kind
        self.credentials.set_type(kind, kept=kept)
        # Locations the previous type's POS suggested mean nothing to this one; WooCommerce
        # has a single virtual location, so it is there to map from the start.
        self.locations.drop_suggestions()
        if kind is IntegrationType.WOOCOMMERCE and not self.locations.has_locations():
            self.locations.suggest(WOOCOMMERCE_LOCATION)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a location cell commits the cell (queued by the delegate); it must not
        # also press Save, which would read the table before the cell is committed.
        focus = self.focusWidget()
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and focus is not None and self.locations.isAncestorOf(focus):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- saving ------------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The seed-shaped integration; raises ``ValueError`` for what the form itself can
        tell is wrong (the field mapping is not JSON, a location listed twice)."""
        kind = IntegrationType(self.type.currentData())
        configuration = self._connection(kind)
        configuration["locationMap"] = self.locations.location_map()
        settings: dict[str, Any] = dict(self.info.sync_settings) if self.info else {}
        settings.update({key: box.isChecked() for key, box in self.switches.items()})
        settings["conflictResolution"] = self.strategy.currentData()
        settings["stockAlertThreshold"] = self.threshold.value() / 100
        settings["reorderPointMultiplier"] = round(self.multiplier.value(), 2)
        data: dict[str, Any] = {
            "name": self.name.text().strip(),
            "type": str(kind),
            "configuration": configuration,
            "syncFrequency": self.frequency.currentData(),
            "status": self.status.currentData(),
            "syncSettings": settings,
        }
        if self.info is None and self.external_id.text().strip():
            data["id"] = self.external_id.text().strip()
        return data

    def _connection(self, kind: IntegrationType) -> dict[str, Any]:
        """The configuration without the location map: address, version, credentials."""
        configuration: dict[str, Any] = {"baseUrl": self.base_url.text().strip()}
        if self.api_version.isEnabled() and self.api_version.text().strip():
            configuration["apiVersion"] = self.api_version.text().strip()
        configuration.update(self.credentials.configuration(kind))
        return configuration

    def connection_data(self) -> dict[str, Any]:
        """What asking the POS needs, in the seed's shape (no location map, no settings);
        raises ``ValueError`` when the address or the secrets are not typed yet."""
        kind = IntegrationType(self.type.currentData())
        configuration = self._connection(kind)
        kept = self.info is not None and self.info.type == kind
        if not configuration["baseUrl"]:
            raise ValueError("Type the POS's base URL first: the locations are fetched from it.")
        if "credentials" not in configuration and not kept:
            raise ValueError(
                f"Type the {SECRET_WORDS[kind]} first: the POS lists its locations only to "
                "a caller with them."
            )
        return {"name": self.name.text().strip(), "type": str(kind), "configuration": configuration}

    def _on_fetch_clicked(self) -> None:
        if not self.locations.fetch_button.isEnabled():
            return
        try:
            data = self.connection_data()
        except ValueError as err:
            self.locations.show_status(str(err), error=True)
            return
        self.locations.set_fetching(True)
        self.fetch_requested.emit(data)

    def show_locations(self, choices: list[LocationChoice]) -> None:
        """What the POS listed: the table gets a row per active location not listed yet."""
        self.locations.set_fetching(False)
        self.locations.show_status(self.locations.merge(choices))

    def show_fetch_error(self, message: str) -> None:
        """Why the POS could not be asked; shown by the table, everything typed stays."""
        self.locations.set_fetching(False)
        self.locations.show_status(f"Could not fetch the locations: {message}", error=True)

    def _on_save_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            data = self.data()
        except ValueError as err:
            self.show_error(str(err))
            return
        self.error_label.hide()
        self.save_button.setEnabled(False)
        self.save_button.setText("Saving…")
        self.save_requested.emit(data)

    def show_error(self, message: str) -> None:
        """What the facade refused: shown here, the dialog stays open with what was typed."""
        self.error_label.setText(message)
        self.error_label.show()
        self.save_button.setEnabled(True)
        self.save_button.setText("Save")
