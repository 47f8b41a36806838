"""The shape of demo demand, shared by the demo store's history and the live Demo POS."""

from __future__ import annotations

import math
import random

#: Sales by weekday, Monday first: a quiet start of the week, busy weekends.
WEEKLY_PATTERN = (0.85, 0.8, 0.9, 0.95, 1.15, 1.45, 1.25)
#: Above this mean a normal approximation replaces Knuth's product-of-uniforms draw.
_POISSON_NORMAL_FROM = 30.0


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw; exact for small means, normal-approximated for large ones."""
    if mean <= 0.0:
        return 0
    if mean >= _POISSON_NORMAL_FROM:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    p = rng.random()
    while p > limit:
        count += 1
        p *= rng.random()
    return count
