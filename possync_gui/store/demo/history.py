"""Stock histories that end where the demo wants them to, drawn backwards from today.

Today's on hand is chosen first, so that about 5% of levels are out of stock, 15% low and
the rest fine. Then each earlier day adds back that day's sales; whenever the level would
climb above the product's max stock, a delivery must have arrived that morning, so it is
taken away again. What is left on the first day is the opening balance. Read forwards,
the level never dips below zero and ``on hand = opening + deliveries - sales``: exactly
what the ledger will hold.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from possync_gui.domain.demand import poisson
from possync_gui.store.demo.catalog import ProductSpec

OUT_SHARE = 0.05
LOW_SHARE = 0.15
#: A level that ends at zero ran dry up to this many days ago (and sold nothing since).
MAX_STOCKOUT_DAYS = 7


@dataclass(frozen=True, slots=True)
class LevelHistory:
    """One product in one warehouse over the history window, oldest day first."""

    on_hand: int
    opening: int
    sales: tuple[int, ...]
    #: (day index, quantity received), oldest first.
    deliveries: tuple[tuple[int, int], ...]


def pick_end_level(rng: random.Random, spec: ProductSpec) -> int:
    """Today's on hand: out, low (at or below the threshold) or fine, in the demo's mix."""
    draw = rng.random()
    if draw < OUT_SHARE:
        return 0
    threshold = spec.threshold
    if draw < OUT_SHARE + LOW_SHARE:
        return 1 + int(rng.random() * threshold)
    top = max(spec.max_stock, threshold + 1)
    return threshold + 1 + int(rng.random() * (top - threshold))


def simulate(
    rng: random.Random, spec: ProductSpec, *, share: float, end: int, day_factors: Sequence[float]
) -> LevelHistory:
    """Draw the history of a level that ends at ``end`` on hand.

    ``share`` scales the product's sales rate for this warehouse; ``day_factors`` holds
    the weekday factor of each history day, oldest first.
    """
    days = len(day_factors)
    rate = spec.rate * share
    peak = max(spec.max_stock, end)
    pack = spec.offers[0].pack_size if spec.offers else 1
    # An empty shelf sells nothing: a level that ends at zero ran out a few days ago.
    quiet = min(days, int(rng.random() * (MAX_STOCKOUT_DAYS + 1))) if end == 0 else 0
    sales = [0] * days
    deliveries: list[tuple[int, int]] = []
    level = end  # on hand at the end of ``day``; at the start of it once the loop body ran
    for day in range(days - 1, -1, -1):
        sold = 0 if day >= days - quiet else poisson(rng, rate * day_factors[day])
        level += sold
        if level > peak:
            # Stock was down near the reorder point when this morning's delivery came.
            received = level - int(rng.random() * (spec.threshold + 1))
            if received > pack:
                received -= received % pack
            deliveries.append((day, received))
            level -= received
        sales[day] = sold
    deliveries.reverse()
    return LevelHistory(
        on_hand=end, opening=level, sales=tuple(sales), deliveries=tuple(deliveries)
    )
