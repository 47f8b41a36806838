"""The demo catalog: products and their supplier terms, drawn from ``words.py``.

Pure Python and deterministic: the same ``random.Random`` state gives the same catalog.
Hot path for large stores (half a million products), so draws use ``rng.random()`` and
precomputed tables rather than ``rng.choice``/``rng.choices``.
"""

from __future__ import annotations

import bisect
import math
import random
from decimal import Decimal
from itertools import accumulate
from typing import NamedTuple

from possync_gui.domain.barcodes import make_ean13
from possync_gui.store.demo.words import CATEGORIES, SUPPLIERS, Category

#: Unit costs at or above this are high-value: their conflicts always go to a person.
HIGH_VALUE_COST = 500.0
#: Share of products no supplier carries (bought locally, or discontinued by the supplier).
NO_SUPPLIER_SHARE = 0.03
#: Share of supplied products a second, non-preferred supplier also offers.
SECOND_SUPPLIER_SHARE = 0.25
#: Share of products with history whose buyer set a manual reorder point.
MANUAL_REORDER_SHARE = 0.3
#: Lead time assumed for reorder maths when no supplier carries a product.
DEFAULT_LEAD_TIME = 7
#: Spreads barcodes over the 9-digit item range while keeping them unique and increasing.
_BARCODE_STEP = 7


# NamedTuples, not frozen dataclasses: a large store builds a million of these, and a
# frozen dataclass pays an object.__setattr__ per field.
class Offer(NamedTuple):
    """What one supplier charges for a product, and on what terms."""

    supplier: int  # index into SUPPLIERS
    supplier_sku: str
    unit_cost: Decimal
    lead_time_days: int
    min_order_qty: int
    pack_size: int
    preferred: bool


class ProductSpec(NamedTuple):
    """One demo product before it is given an id and written."""

    sku: str
    name: str
    barcode: str
    unit_cost: Decimal
    serialized: bool
    high_value: bool
    #: Expected units sold per day in a warehouse with a share of 1.0.
    rate: float
    minimum_stock: int
    reorder_point: int | None
    reorder_quantity: int
    max_stock: int
    offers: tuple[Offer, ...]

    @property
    def threshold(self) -> int:
        """At or below this a level counts as low (the Inventory tab's rule)."""
        return self.reorder_point if self.reorder_point is not None else self.minimum_stock


def _cents(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.01):.2f}")


class CatalogMaker:
    """Draws products one index at a time from a shared ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._cat_cum = list(accumulate(c.weight for c in CATEGORIES))
        self._item_cum = [list(accumulate(i.weight for i in c.items)) for c in CATEGORIES]
        self._sup_cum = [list(accumulate(c.supplier_weights)) for c in CATEGORIES]
        # Where this catalog's 9-digit item numbers start; room is left for 2M products.
        self._barcode_base = 100_000_000 + rng.randrange(700_000_000)

    def _pick(self, cumulative: list[float]) -> int:
        at = bisect.bisect(cumulative, self._rng.random() * cumulative[-1])
        return min(at, len(cumulative) - 1)

    def make(self, index: int, *, has_history: bool) -> ProductSpec:
        """Product number ``index`` (0-based). Products without history get a manual
        reorder point, so the alert run can judge them without sales to average."""
        cat_no, name, cost, serialized = self._draw_item()
        high_value = cost >= HIGH_VALUE_COST
        # Many slow movers, a few fast ones; expensive goods sell slowly.
        rate = self._rng.lognormvariate(-1.0, 1.3) * CATEGORIES[cat_no].velocity
        if high_value:
            rate *= 0.15
        elif serialized:
            rate *= 0.5
        rate = min(rate, 60.0)
        sku = f"{CATEGORIES[cat_no].code}-{index + 1:06d}"
        offers = self._offers(cat_no, sku, cost, single=serialized or high_value)
        minimum, reorder_point, quantity, max_stock = self._thresholds(rate, offers, has_history)
        return ProductSpec(
            sku=sku,
            name=name,
            barcode=self._barcode(CATEGORIES[cat_no], index),
            unit_cost=_cents(cost),
            serialized=serialized,
            high_value=high_value,
            rate=rate,
            minimum_stock=minimum,
            reorder_point=reorder_point,
            reorder_quantity=quantity,
            max_stock=max_stock,
            offers=offers,
        )

    def _draw_item(self) -> tuple[int, str, float, bool]:
        rng = self._rng
        cat_no = self._pick(self._cat_cum)
        cat = CATEGORIES[cat_no]
        item = cat.items[self._pick(self._item_cum[cat_no])]
        variant = item.variants[int(rng.random() * len(item.variants))]
        qualifiers = item.qualifiers or cat.qualifiers
        qualifier = qualifiers[int(rng.random() * len(qualifiers))]
        name = f"{qualifier} {item.noun} {variant}" if qualifier else f"{item.noun} {variant}"
        low, high = item.cost
        return cat_no, name, low * (high / low) ** rng.random(), item.serialized

    def _barcode(self, cat: Category, index: int) -> str:
        prefix = cat.gs1_prefixes[index % len(cat.gs1_prefixes)]
        # The 9-digit part grows with the index, so barcodes never repeat.
        return make_ean13(f"{prefix}{self._barcode_base + index * _BARCODE_STEP:09d}")

    def _offers(self, cat_no: int, sku: str, cost: float, *, single: bool) -> tuple[Offer, ...]:
        """Supplier terms: none for a few products, a preferred one for the rest, and a
        second, dearer one for some. Serialized and high-value goods come one at a time."""
        rng = self._rng
        if rng.random() < NO_SUPPLIER_SHARE:
            return ()
        preferred = self._pick(self._sup_cum[cat_no])
        first = self._offer(cat_no, preferred, sku, cost, single=single, preferred=True)
        if rng.random() >= SECOND_SUPPLIER_SHARE:
            return (first,)
        other = (preferred + 1 + int(rng.random() * (len(SUPPLIERS) - 1))) % len(SUPPLIERS)
        return first, self._offer(cat_no, other, sku, cost, single=single, preferred=False)

    def _offer(
        self,
        cat_no: int,
        supplier_no: int,
        sku: str,
        cost: float,
        *,
        single: bool,
        preferred: bool,
    ) -> Offer:
        rng = self._rng
        packs = CATEGORIES[cat_no].packs
        supplier = SUPPLIERS[supplier_no]
        pack = 1 if single else packs[int(rng.random() * len(packs))]
        lead = min(21, max(2, supplier.lead_time + int(rng.random() * 7) - 2))
        moq = 1 if single else pack * (1, 1, 2, 4)[int(rng.random() * 4)]
        # The preferred supplier is the cheaper one; both sell below our own unit cost.
        low, high = (0.55, 0.85) if preferred else (0.7, 0.95)
        return Offer(
            supplier=supplier_no,
            supplier_sku=f"{supplier.sku_prefix}-{sku.replace('-', '')}",
            unit_cost=_cents(cost * (low + (high - low) * rng.random())),
            lead_time_days=lead,
            min_order_qty=moq,
            pack_size=pack,
            preferred=preferred,
        )

    def _thresholds(
        self, rate: float, offers: tuple[Offer, ...], has_history: bool
    ) -> tuple[int, int | None, int, int]:
        """(minimum stock, manual reorder point or None, reorder quantity, max stock)."""
        lead, pack = (
            (offers[0].lead_time_days, offers[0].pack_size) if offers else (DEFAULT_LEAD_TIME, 1)
        )
        minimum = max(1, math.ceil(rate * 3))
        # What the alert maths (avg x lead time x 1.5 + safety stock) would come to.
        cover = math.ceil(rate * lead * 1.5) + minimum
        manual = not has_history or self._rng.random() < MANUAL_REORDER_SHARE
        quantity = max(2, math.ceil(rate * 21))
        quantity = -(-quantity // pack) * pack  # whole packs
        return minimum, cover if manual else None, quantity, cover + quantity
