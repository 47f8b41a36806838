"""The six tabs, in order."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.alerts.presenter import AlertsPresenter
from possync_gui.ui.alerts.tab import AlertsTab
from possync_gui.ui.conflicts.presenter import ConflictsPresenter
from possync_gui.ui.conflicts.tab import ConflictsTab
from possync_gui.ui.integrations.presenter import IntegrationsPresenter
from possync_gui.ui.integrations.tab import IntegrationsTab
from possync_gui.ui.inventory.presenter import InventoryPresenter
from possync_gui.ui.inventory.tab import InventoryTab
from possync_gui.ui.purchase_orders.presenter import PurchaseOrdersPresenter
from possync_gui.ui.purchase_orders.tab import PurchaseOrdersTab
from possync_gui.ui.receiving.tab import ReceivingTab

ALERTS_TITLE = "Alerts"
PURCHASE_ORDERS_TITLE = "Purchase Orders"
RECEIVING_TITLE = "Receiving"
CONFLICTS_TITLE = "Conflicts"


@dataclass
class Tabs:
    """The tab widgets and presenters the window shows; built by ``build_tabs``."""

    inventory: InventoryTab
    inventory_presenter: InventoryPresenter
    alerts: AlertsTab
    alerts_presenter: AlertsPresenter
    purchase_orders: PurchaseOrdersTab
    purchase_orders_presenter: PurchaseOrdersPresenter
    integrations: IntegrationsTab
    integrations_presenter: IntegrationsPresenter
    receiving: ReceivingTab
    conflicts: ConflictsTab
    conflicts_presenter: ConflictsPresenter

    def all(self) -> list[tuple[str, QWidget]]:
        return [
            ("Inventory", self.inventory),
            (ALERTS_TITLE, self.alerts),
            (PURCHASE_ORDERS_TITLE, self.purchase_orders),
            (RECEIVING_TITLE, self.receiving),
            (CONFLICTS_TITLE, self.conflicts),
            ("Integrations", self.integrations),
        ]


def build_tabs(facade: InventorySyncService, operator: str) -> Tabs:
    inventory_presenter = InventoryPresenter(facade, operator)
    inventory = InventoryTab(inventory_presenter)
    alerts_presenter = AlertsPresenter(facade, operator)
    alerts = AlertsTab(alerts_presenter)
    po_presenter = PurchaseOrdersPresenter(facade, operator)
    purchase_orders = PurchaseOrdersTab(po_presenter)
    integrations_presenter = IntegrationsPresenter(facade)
    integrations = IntegrationsTab(integrations_presenter)
    conflicts_presenter = ConflictsPresenter(facade, operator)
    conflicts = ConflictsTab(conflicts_presenter)
    return Tabs(
        inventory,
        inventory_presenter,
        alerts,
        alerts_presenter,
        purchase_orders,
        po_presenter,
        integrations,
        integrations_presenter,
        receiving=ReceivingTab.build(facade, operator),
        conflicts=conflicts,
        conflicts_presenter=conflicts_presenter,
    )
