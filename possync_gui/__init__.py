"""possync: keep point-of-sale stock and warehouse stock in step."""

__version__ = "0.1.0"
