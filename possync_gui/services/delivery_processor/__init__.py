"""The Delivery Processor (DESIGN.md §7): receipts, PO matching, serial numbers, movements."""

from possync_gui.services.delivery_processor.processor import RECEIVABLE_STATES, DeliveryProcessor

__all__ = ["RECEIVABLE_STATES", "DeliveryProcessor"]
