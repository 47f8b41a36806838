"""Property tests of the reorder maths (domain/reorder.py): what a buyer relies on whatever
the numbers — whole packs, at least the minimum order, never past max stock by more than a
pack (unless the minimum order forces it), never negative, and more sales never mean a
smaller order or a calmer alert."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from possync_gui.domain.enums import UrgencyLevel
from possync_gui.domain.errors import ReorderPointCalculationError
from possync_gui.domain.reorder import (
    URGENCY_ORDER,
    AlertParams,
    StockFacts,
    assess,
    round_to_packs,
)

params_st = st.builds(
    AlertParams,
    window_days=st.integers(1, 90),
    multiplier=st.decimals("0.5", "4", places=2),
    threshold=st.decimals("0", "1", places=2),
)
facts_st = st.builds(
    StockFacts,
    on_hand=st.integers(-50, 2000),
    on_order=st.integers(0, 500),
    minimum_stock=st.integers(0, 100),
    units_sold=st.integers(1, 5000),  # history: the maths always has a reorder point
    manual_reorder_point=st.none() | st.integers(0, 500),
    reorder_quantity=st.none() | st.integers(1, 500),
    max_stock=st.none() | st.integers(1, 3000),
    lead_time_days=st.none() | st.integers(0, 60),
    pack_size=st.integers(1, 48),
    min_order_qty=st.integers(0, 200),
)


def _rank(urgency: UrgencyLevel | None) -> int:
    return -1 if urgency is None else URGENCY_ORDER[urgency]


@given(facts_st, params_st)
def test_suggestion_is_whole_packs_at_least_the_minimum_and_never_negative(
    facts: StockFacts, params: AlertParams
) -> None:
    verdict = assess(facts, params)
    qty = verdict.suggested_quantity
    assert qty >= 0
    assert qty % facts.pack_size == 0
    if qty > 0:
        assert qty >= facts.min_order_qty
        assert qty >= verdict.raw_quantity
    else:
        assert verdict.available >= verdict.target_stock


@given(facts_st, params_st)
def test_suggestion_stays_within_max_stock_by_less_than_a_pack(
    facts: StockFacts, params: AlertParams
) -> None:
    verdict = assess(facts, params)
    if facts.max_stock is None or verdict.suggested_quantity == 0:
        return
    # The order tops the stock up to max stock; it passes it only by the rounding to
    # whole packs, or when the supplier's minimum order asks for more.
    over = verdict.available + verdict.suggested_quantity - facts.max_stock
    if verdict.suggested_quantity > facts.min_order_qty + facts.pack_size:
        assert over < facts.pack_size


@given(facts_st, params_st, st.integers(0, 5000))
def test_more_sales_never_mean_a_smaller_order_or_a_calmer_alert(
    facts: StockFacts, params: AlertParams, extra: int
) -> None:
    slow = assess(facts, params)
    fast = assess(replace(facts, units_sold=facts.units_sold + extra), params)
    assert fast.reorder_point >= slow.reorder_point
    assert fast.suggested_quantity >= slow.suggested_quantity
    assert _rank(fast.urgency) >= _rank(slow.urgency)


@given(facts_st, params_st, st.integers(1, 500))
def test_stock_on_order_never_raises_the_order(
    facts: StockFacts, params: AlertParams, more: int
) -> None:
    before = assess(facts, params)
    after = assess(replace(facts, on_order=facts.on_order + more), params)
    assert after.suggested_quantity <= before.suggested_quantity
    if facts.on_hand > 0:
        assert _rank(after.urgency) <= _rank(before.urgency)


@given(facts_st, params_st)
def test_nothing_on_hand_is_always_critical(facts: StockFacts, params: AlertParams) -> None:
    assert assess(replace(facts, on_hand=0), params).urgency == UrgencyLevel.CRITICAL


@given(st.integers(-10, 1000), st.integers(1, 50), st.integers(0, 300))
def test_rounding_to_packs(raw: int, pack: int, moq: int) -> None:
    qty, why = round_to_packs(raw, pack, moq)
    if raw <= 0:
        assert qty == 0
        return
    assert qty % pack == 0 and qty >= max(raw, moq) and qty - max(raw, moq) < pack
    assert why


def test_reorder_point_follows_the_formula() -> None:
    facts = StockFacts(
        on_hand=30,
        on_order=0,
        minimum_stock=5,
        units_sold=56,  # 2 a day over 28 days
        manual_reorder_point=None,
        reorder_quantity=None,
        max_stock=100,
        lead_time_days=7,
        pack_size=12,
        min_order_qty=24,
    )
    verdict = assess(facts, AlertParams())
    # ceil(2 × 7 × 1.5) + 5 safety = 26; 30 on hand ≤ 26 × 1.2 → low
    assert verdict.average_daily_sales == Decimal("2")
    assert verdict.reorder_point == 26
    assert verdict.urgency == UrgencyLevel.LOW
    # up to max stock 100 − 30 = 70 → 6 packs of 12 = 72
    assert (verdict.raw_quantity, verdict.suggested_quantity) == (70, 72)
    assert "6 pack(s) of 12" in verdict.rounding
    terms = verdict.explanation()
    assert terms["reorder_point_source"] == "calculated"
    assert terms["average_daily_sales"] == "2.0000"


def test_urgency_levels_by_the_rules() -> None:
    base = StockFacts(
        on_hand=100,
        on_order=0,
        minimum_stock=5,
        units_sold=28,  # 1 a day
        manual_reorder_point=None,
        reorder_quantity=None,
        max_stock=None,
        lead_time_days=10,
    )
    params = AlertParams()  # rp = ceil(1 × 10 × 1.5) + 5 = 20
    assert assess(base, params).urgency is None
    assert assess(replace(base, on_hand=24), params).urgency == UrgencyLevel.LOW
    assert assess(replace(base, on_hand=20), params).urgency == UrgencyLevel.MEDIUM
    assert assess(replace(base, on_hand=9), params).urgency == UrgencyLevel.HIGH  # 9 days < 10
    assert assess(replace(base, on_hand=5), params).urgency == UrgencyLevel.HIGH
    assert assess(replace(base, on_hand=0), params).urgency == UrgencyLevel.CRITICAL
    # on order counts as available: 9 on hand + 13 on order = 22, above the reorder point
    assert assess(replace(base, on_hand=9, on_order=13), params).urgency == UrgencyLevel.LOW
    assert assess(replace(base, on_hand=9, on_order=20), params).urgency is None


def test_no_history_and_no_manual_point_is_an_error_not_a_zero() -> None:
    facts = StockFacts(
        on_hand=40,
        on_order=0,
        minimum_stock=5,
        units_sold=0,
        manual_reorder_point=None,
        reorder_quantity=None,
        max_stock=None,
        lead_time_days=7,
    )
    with pytest.raises(ReorderPointCalculationError, match="average daily sales"):
        assess(facts, AlertParams())
    # a manual reorder point needs no history
    assert assess(replace(facts, manual_reorder_point=50), AlertParams()).urgency is not None
    # at or below its minimum it is still flagged, judged on the minimum alone
    low = assess(replace(facts, on_hand=3), AlertParams())
    assert low.urgency == UrgencyLevel.HIGH and low.reorder_point_source == "minimum stock only"
