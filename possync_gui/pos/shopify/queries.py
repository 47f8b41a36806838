"""The GraphQL documents the Shopify adapter sends, the page and batch sizes, and the
API-version switches of POS_APIS.md §2.4.

Every value travels in ``variables``; the one exception is the ``@idempotent(key: …)``
directive, whose key is written into the document as a literal string because whether
Shopify accepts a variable there is reported both ways (POS_APIS.md §2.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from possync_gui.domain.errors import ValidationError

DEFAULT_API_VERSION = "2026-04"

#: Shopify's connection maximum. A variants page then costs 2 + 250 × 3 = 752 points and
#: an inventory-levels page 3 + 250 × 2 = 503, under the 1,000-point single-query cap.
PAGE_SIZE = 250
#: Orders nest a line-item connection, and a query's requested cost multiplies the two
#: page sizes: 2 + 25 × (4 + 10 × 3) = 852 points. Orders with more lines page the rest
#: with ORDER_LINES (3 + 250 × 3 = 753 points).
ORDERS_PAGE = 25
ORDER_LINES_FIRST = 10
ORDER_LINES_PAGE = 250
#: Entries per inventory mutation. Shopify caps GraphQL input arrays at 250 elements
#: ("The input array size of N is greater than the maximum allowed of 250"), the same
#: figure as its page cap; a mutation costs a flat 10 points whatever its size, so the
#: biggest allowed batch is also the cheapest. (The cap for the inventory mutations in
#: particular is UNVERIFIED; 250 is the documented general input-array limit.)
MAX_BATCH = 250

REASON = "correction"
#: Our adjustment groups carry this prefix in ``referenceDocumentUri``, so possync can
#: recognise (and ignore) the echo of its own pushes.
REFERENCE_PREFIX = "gid://possync/InventoryPush/"

_VERSION = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """A pinned Admin API version and the write semantics that go with it."""

    text: str
    key: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> ApiVersion:
        if text == "unstable":
            return cls(text, (9999, 12))
        match = _VERSION.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(
                f"{text!r} is not a Shopify API version: use YYYY-MM, e.g. {DEFAULT_API_VERSION}."
            )
        return cls(text, (int(match.group(1)), int(match.group(2))))

    @property
    def has_change_from(self) -> bool:
        """2026-01 added ``changeFromQuantity`` (and ``@idempotent``)."""
        return self.key >= (2026, 1)

    @property
    def requires_change_from(self) -> bool:
        """From 2026-04 ``changeFromQuantity`` must be sent (value or null) on every entry."""
        return self.key >= (2026, 4)


PING = "query PossyncPing { shop { name } }"

VARIANTS = """
query PossyncVariants($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes {
      id title sku barcode updatedAt
      product { id title }
      inventoryItem { id tracked }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Levels are read per location: a level's updatedAt moves when its quantity does, while an
# InventoryItem's updatedAt may not (POS_APIS.md §2.4(b) caveat), so an incremental read
# must filter the levels themselves.
LEVELS = """
query PossyncLevels($location: ID!, $first: Int!, $after: String, $query: String) {
  location(id: $location) {
    inventoryLevels(first: $first, after: $after, query: $query) {
      nodes {
        updatedAt
        item { id }
        quantities(names: ["available"]) { name quantity }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

_LINE_FIELDS = (
    "nodes { quantity currentQuantity variant { id inventoryItem { id } } }"
    " pageInfo { hasNextPage endCursor }"
)

ORDERS = f"""
query PossyncOrders($first: Int!, $after: String, $query: String, $lines: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {{
    nodes {{
      id name createdAt cancelledAt test
      retailLocation {{ id }}
      lineItems(first: $lines) {{ {_LINE_FIELDS} }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

ORDER_LINES = f"""
query PossyncOrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{ {_LINE_FIELDS} }}
  }}
}}
"""

_PAYLOAD = """{
    inventoryAdjustmentGroup {
      createdAt reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { field message code }
  }"""


def _mutation(operation: str, field: str, input_type: str, key: str | None) -> str:
    # The key is a UUID we derive ourselves, so writing it into the document is safe.
    directive = f' @idempotent(key: "{key}")' if key else ""
    return (
        f"mutation {operation}($input: {input_type}!) {{\n"
        f"  {field}(input: $input){directive} {_PAYLOAD}\n}}\n"
    )


def adjust_mutation(key: str | None) -> str:
    return _mutation(
        "PossyncAdjust", "inventoryAdjustQuantities", "InventoryAdjustQuantitiesInput", key
    )


def set_mutation(key: str | None) -> str:
    return _mutation("PossyncSet", "inventorySetQuantities", "InventorySetQuantitiesInput", key)
