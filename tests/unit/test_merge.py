"""The three-way sync decision (DESIGN.md §4): one example per branch, then the properties
that must hold for every input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from possync_gui.domain.enums import ConflictStrategy, ReviewPolicy
from possync_gui.domain.merge import (
    Decision,
    MergeAction,
    MergeInput,
    decide,
    decide_open_conflict,
)

POS_WINS = ConflictStrategy.POS_WINS
SUPPLIER_WINS = ConflictStrategy.SUPPLIER_WINS
MANUAL_REVIEW = ConflictStrategy.MANUAL_REVIEW


def _applied(inp: MergeInput, d: Decision) -> tuple[int, int]:
    """(store, POS) after applying the decision's deltas."""
    return inp.sys + d.pull_delta, inp.pos + d.push_delta


# --- one example per branch (the seed's example: posValue 25, systemValue 30) -------------


def test_first_sync_agreeing_sets_the_baseline() -> None:
    d = decide(MergeInput(None, 30, 30), POS_WINS)
    assert (d.action, d.pull_delta, d.push_delta, d.new_base) == (MergeAction.NOTHING, 0, 0, 30)
    assert not d.conflict


@pytest.mark.parametrize(
    ("strategy", "pull", "push", "new_base", "resolved"),
    [
        (POS_WINS, -5, 0, 25, True),
        (SUPPLIER_WINS, 0, 5, 30, True),
        (MANUAL_REVIEW, 0, 0, None, False),
    ],
)
def test_first_sync_disagreeing_is_a_conflict_settled_by_strategy(
    strategy: ConflictStrategy, pull: int, push: int, new_base: int | None, resolved: bool
) -> None:
    d = decide(MergeInput(None, 25, 30), strategy)
    assert d.action is MergeAction.CONFLICT
    assert d.conflict
    assert (d.pull_delta, d.push_delta, d.new_base) == (pull, push, new_base)
    assert d.resolved_by_strategy is resolved
    assert "no common baseline" in d.reason


def test_nothing_moved() -> None:
    d = decide(MergeInput(30, 30, 30), MANUAL_REVIEW)
    assert (d.action, d.pull_delta, d.push_delta, d.new_base) == (MergeAction.NOTHING, 0, 0, 30)


def test_only_the_pos_moved_pulls_the_delta() -> None:
    d = decide(MergeInput(30, 25, 30), SUPPLIER_WINS)
    assert (d.action, d.pull_delta, d.push_delta, d.new_base) == (MergeAction.PULL, -5, 0, 25)
    assert d.reason == "Only the POS moved (sold 5): pulled \u22125 into the store."


def test_only_the_store_moved_pushes_an_adjustment() -> None:
    d = decide(MergeInput(25, 25, 30), POS_WINS)
    assert (d.action, d.pull_delta, d.push_delta, d.new_base) == (MergeAction.PUSH, 0, 5, 30)
    assert "adjustment of +5" in d.reason


def test_both_moved_merges_the_deltas() -> None:
    # since base 28 the POS sold 3 (-> 25) and the store received 2 (-> 30)
    d = decide(MergeInput(28, 25, 30), POS_WINS)
    assert (d.action, d.pull_delta, d.push_delta, d.new_base) == (MergeAction.MERGE, -3, 2, 27)
    assert not d.conflict


@pytest.mark.parametrize(
    ("strategy", "pull", "push", "new_base", "resolved"),
    [
        (POS_WINS, -5, 0, 25, True),
        (SUPPLIER_WINS, 0, 5, 30, True),
        (MANUAL_REVIEW, 0, 0, None, False),
    ],
)
def test_merge_below_zero_is_a_conflict(
    strategy: ConflictStrategy, pull: int, push: int, new_base: int | None, resolved: bool
) -> None:
    # since base 60 the POS sold 35 (-> 25) and the store lost 30 (-> 30): merge 60-35-30 = -5
    d = decide(MergeInput(60, 25, 30), strategy)
    assert d.action is MergeAction.CONFLICT
    assert (d.pull_delta, d.push_delta, d.new_base) == (pull, push, new_base)
    assert d.resolved_by_strategy is resolved
    assert "below zero" in d.reason


@pytest.mark.parametrize("strategy", list(ConflictStrategy))
@pytest.mark.parametrize("base", [None, 28])
def test_manual_review_policy_forces_review_whatever_the_strategy(
    strategy: ConflictStrategy, base: int | None
) -> None:
    d = decide(MergeInput(base, 25, 30, ReviewPolicy.MANUAL), strategy)
    assert d.action is MergeAction.CONFLICT
    assert (d.pull_delta, d.push_delta, d.new_base) == (0, 0, None)
    assert d.conflict
    assert not d.resolved_by_strategy
    assert "manual review" in d.reason


def test_manual_review_policy_still_pulls_and_pushes_one_sided_moves() -> None:
    pull = decide(MergeInput(30, 25, 30, ReviewPolicy.MANUAL), MANUAL_REVIEW)
    push = decide(MergeInput(25, 25, 30, ReviewPolicy.MANUAL), MANUAL_REVIEW)
    assert pull.action is MergeAction.PULL
    assert push.action is MergeAction.PUSH


# --- properties ----------------------------------------------------------------------------

quantities = st.integers(min_value=0, max_value=10_000)
any_ints = st.integers(min_value=-10_000, max_value=10_000)
inputs = st.builds(
    MergeInput,
    base=st.none() | quantities,
    pos=quantities,
    sys=quantities,
    review_policy=st.sampled_from(ReviewPolicy),
)
any_inputs = st.builds(
    MergeInput,
    base=st.none() | any_ints,
    pos=any_ints,
    sys=any_ints,
    review_policy=st.sampled_from(ReviewPolicy),
)
strategies = st.sampled_from(ConflictStrategy)


@given(any_inputs, strategies)
def test_applying_a_settled_decision_makes_both_sides_agree(
    inp: MergeInput, strategy: ConflictStrategy
) -> None:
    d = decide(inp, strategy)
    if d.conflict and not d.resolved_by_strategy:
        assert d.new_base is None
        return
    store, pos = _applied(inp, d)
    assert store == pos == d.new_base


@given(any_inputs, strategies)
def test_non_conflicts_apply_each_sides_own_movement_never_an_absolute_set(
    inp: MergeInput, strategy: ConflictStrategy
) -> None:
    d = decide(inp, strategy)
    if d.conflict or inp.base is None:
        return
    # the store receives exactly the POS's movement, the POS exactly the store's,
    # so whatever either side did since base (e.g. the POS's sales) is preserved
    assert d.pull_delta == inp.pos - inp.base
    assert d.push_delta == inp.sys - inp.base
    assert d.new_base is not None
    assert d.new_base - inp.pos == inp.sys - inp.base
    assert d.new_base - inp.sys == inp.pos - inp.base


@given(any_ints, any_ints, st.booleans(), st.sampled_from(ReviewPolicy), strategies)
def test_one_sided_moves_are_never_conflicts(
    base: int, moved_to: int, pos_moved: bool, policy: ReviewPolicy, strategy: ConflictStrategy
) -> None:
    pos, sys = (moved_to, base) if pos_moved else (base, moved_to)
    d = decide(MergeInput(base, pos, sys, policy), strategy)
    assert not d.conflict
    assert d.action in {MergeAction.NOTHING, MergeAction.PULL, MergeAction.PUSH}
    # the side that did not move is only shifted by the other's delta
    assert (d.pull_delta, d.push_delta) == (pos - base, sys - base)


@given(any_inputs)
def test_manual_review_never_changes_either_side(inp: MergeInput) -> None:
    d = decide(inp, MANUAL_REVIEW)
    if d.conflict:
        assert (d.pull_delta, d.push_delta, d.new_base) == (0, 0, None)
        assert not d.resolved_by_strategy


@given(inputs, strategies)
def test_new_base_is_never_negative_for_non_negative_inputs(
    inp: MergeInput, strategy: ConflictStrategy
) -> None:
    d = decide(inp, strategy)
    assert d.new_base is None or d.new_base >= 0
    if d.action is not MergeAction.CONFLICT:
        assert inp.sys + d.pull_delta >= 0
        assert inp.pos + d.push_delta >= 0


@given(any_inputs, strategies)
def test_manual_policy_never_auto_resolves_a_two_sided_disagreement(
    inp: MergeInput, strategy: ConflictStrategy
) -> None:
    two_sided = inp.pos != inp.sys if inp.base is None else inp.base not in {inp.pos, inp.sys}
    manual = MergeInput(inp.base, inp.pos, inp.sys, ReviewPolicy.MANUAL)
    d = decide(manual, strategy)
    if two_sided:
        assert d.action is MergeAction.CONFLICT
        assert d.conflict
        assert not d.resolved_by_strategy
        assert (d.pull_delta, d.push_delta, d.new_base) == (0, 0, None)
    else:
        assert not d.resolved_by_strategy


@given(any_inputs, strategies)
def test_decision_is_consistent(inp: MergeInput, strategy: ConflictStrategy) -> None:
    d = decide(inp, strategy)
    assert d.conflict == (d.action is MergeAction.CONFLICT)
    assert not d.resolved_by_strategy or d.conflict
    assert d.reason
    assert d.reason.endswith(".")
    assert "\n" not in d.reason


# --- a level whose conflict waits for a person (its base is stale) -------------------------


def test_open_conflict_closes_when_the_sides_agree_again() -> None:
    d = decide_open_conflict(MergeInput(10, 12, 12), MANUAL_REVIEW)
    assert d.action is MergeAction.NOTHING
    assert (d.pull_delta, d.push_delta, d.new_base, d.conflict) == (0, 0, 12, False)
    # decide() from the stale base would have merged +2 twice, to 14
    assert decide(MergeInput(10, 12, 12), MANUAL_REVIEW).new_base == 14


@pytest.mark.parametrize(
    ("strategy", "pull", "push", "base"),
    [
        (ConflictStrategy.MANUAL_REVIEW, 0, 0, None),
        (ConflictStrategy.POS_WINS, -5, 0, 7),
        (ConflictStrategy.SUPPLIER_WINS, 0, 5, 12),
    ],
)
def test_open_conflict_never_merges_from_the_stale_base(
    strategy: ConflictStrategy, pull: int, push: int, base: int | None
) -> None:
    d = decide_open_conflict(MergeInput(10, 7, 12), strategy)
    assert d.conflict
    assert (d.pull_delta, d.push_delta, d.new_base) == (pull, push, base)
