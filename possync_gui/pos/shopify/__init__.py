"""Shopify Admin API adapter (POS_APIS.md §2): GraphQL reads and writes on a pinned API
version, REST for locations. See ``adapter.ShopifyAdapter``."""

from possync_gui.pos.shopify.adapter import ShopifyAdapter

__all__ = ["ShopifyAdapter"]
