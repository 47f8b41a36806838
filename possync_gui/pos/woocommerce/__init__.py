"""WooCommerce (REST v3): reads in ``adapter``, JSON mapping in ``records``, stock writes
with their idempotency marker in ``writes``."""

from possync_gui.pos.woocommerce.adapter import WooCommerceAdapter

__all__ = ["WooCommerceAdapter"]
