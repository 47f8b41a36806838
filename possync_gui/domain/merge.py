"""The three-way sync decision of DESIGN.md §4, as a pure function.

For one mapped (item, location) a sync knows three numbers: ``base`` (what both sides agreed
on at the last sync, ``None`` before the first one), ``pos`` (what the POS says now) and
``sys`` (what the store says now). :func:`decide` turns them into a :class:`Decision`: a
delta to record in the store's ledger (``pull_delta``), a delta to send to the POS as an
adjustment (``push_delta``) and the new agreed quantity (``new_base``). It never sets an
absolute value on a side that moved, so movements made meanwhile are not lost.

Applying a decision that is not a waiting conflict always leaves
``sys + pull_delta == pos + push_delta == new_base``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from possync_gui.domain.enums import ConflictStrategy, ReviewPolicy

__all__ = ["Decision", "MergeAction", "MergeInput", "decide", "decide_open_conflict"]


class MergeAction(StrEnum):
    """What a sync does for one mapped level."""

    NOTHING = "nothing"
    PULL = "pull"
    PUSH = "push"
    MERGE = "merge"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class MergeInput:
    """The three quantities a sync compares, and the product's review policy."""

    base: int | None
    pos: int
    sys: int
    review_policy: ReviewPolicy = ReviewPolicy.AUTO


@dataclass(frozen=True, slots=True)
class Decision:
    """What to apply: ``pull_delta`` to the store (a ledger movement), ``push_delta`` to the
    POS (an adjustment), and the quantity both then agree on (``None`` while a conflict waits
    for a person)."""

    action: MergeAction
    pull_delta: int
    push_delta: int
    new_base: int | None
    conflict: bool
    resolved_by_strategy: bool
    reason: str


def _signed(n: int) -> str:
    """``+3``, ``−3`` (a true minus sign) or ``0``."""
    if n > 0:
        return f"+{n}"
    if n < 0:
        return f"\u2212{-n}"
    return "0"


def _pos_moved(delta: int) -> str:
    return f"sold {-delta}" if delta < 0 else f"gained {delta}"


def _sys_moved(delta: int) -> str:
    return f"down {-delta}" if delta < 0 else f"up {delta}"


def _conflict(inp: MergeInput, strategy: ConflictStrategy, why: str) -> Decision:
    """Settle a conflict: by the strategy, or by a person when the strategy or the product's
    review policy says so."""
    manual_policy = inp.review_policy is ReviewPolicy.MANUAL
    if manual_policy:
        strategy = ConflictStrategy.MANUAL_REVIEW
    if strategy is ConflictStrategy.POS_WINS:
        return Decision(
            action=MergeAction.CONFLICT,
            pull_delta=inp.pos - inp.sys,
            push_delta=0,
            new_base=inp.pos,
            conflict=True,
            resolved_by_strategy=True,
            reason=f"{why}; the POS wins: store set to {inp.pos} ({_signed(inp.pos - inp.sys)}).",
        )
    if strategy is ConflictStrategy.SUPPLIER_WINS:
        return Decision(
            action=MergeAction.CONFLICT,
            pull_delta=0,
            push_delta=inp.sys - inp.pos,
            new_base=inp.sys,
            conflict=True,
            resolved_by_strategy=True,
            reason=f"{why}; the store wins: POS adjusted to {inp.sys} "
            f"({_signed(inp.sys - inp.pos)}).",
        )
    return Decision(
        action=MergeAction.CONFLICT,
        pull_delta=0,
        push_delta=0,
        new_base=None,
        conflict=True,
        resolved_by_strategy=False,
        reason=f"{why}; {'the product requires' if manual_policy else 'waiting for'} "
        f"manual review (POS {inp.pos}, store {inp.sys}).",
    )


def decide(inp: MergeInput, strategy: ConflictStrategy) -> Decision:
    """Decide what one sync does for one mapped level.

    Branches, in order (``d_pos = pos - base``, ``d_sys = sys - base``):

    1. **First sync** (``base is None``): if ``pos == sys`` → ``NOTHING``, ``new_base = pos``.
       Otherwise there is no common baseline to compute deltas from → a conflict (6).
    2. **Nothing moved** (``pos == base == sys``) → ``NOTHING``, ``new_base = base``.
    3. **Only the POS moved** (``pos != base == sys``) → ``PULL``: the store records
       ``pull_delta = d_pos`` as a movement; ``new_base = pos``.
    4. **Only the store moved** (``sys != base == pos``) → ``PUSH``: the POS gets an
       adjustment ``push_delta = d_sys`` (never an absolute set, so sales made meanwhile on
       the POS survive); ``new_base = sys``.
    5. **Both moved** → ``MERGE`` when ``merged = base + d_pos + d_sys >= 0``: the store
       records ``pull_delta = d_pos``, the POS gets ``push_delta = d_sys`` and
       ``new_base = merged``. Each side keeps its own movement and gains the other's.
       A merge below zero is a conflict (6). A product whose ``review_policy`` is
       ``MANUAL`` never merges: both-moved is a conflict (6) for it.
    6. **Conflict** (``action = CONFLICT``, ``conflict = True``), settled by ``strategy``
       unless the product's review policy is ``MANUAL``, which forces manual review:

       - ``pos_wins``: the store takes the POS value: ``pull_delta = pos - sys``,
         ``push_delta = 0``, ``new_base = pos``, ``resolved_by_strategy = True``.
       - ``supplier_wins``: the POS takes the store value: ``push_delta = sys - pos``,
         ``pull_delta = 0``, ``new_base = sys``, ``resolved_by_strategy = True``.
       - ``manual_review``: nothing is applied (both deltas 0), ``new_base = None``,
         ``resolved_by_strategy = False``; it waits in the Conflicts tab.

    Branches 1-4 are the same under every strategy and review policy.
    """
    base, pos, sys = inp.base, inp.pos, inp.sys
    if base is None:
        return _first_sync(inp, strategy)
    d_pos = pos - base
    d_sys = sys - base
    if d_pos == 0 and d_sys == 0:
        return _agreed(
            MergeAction.NOTHING, 0, 0, base, f"Nothing moved since the last sync ({base})."
        )
    if d_sys == 0:
        return _agreed(
            MergeAction.PULL,
            d_pos,
            0,
            pos,
            f"Only the POS moved ({_pos_moved(d_pos)}): pulled {_signed(d_pos)} into the store.",
        )
    if d_pos == 0:
        return _agreed(
            MergeAction.PUSH,
            0,
            d_sys,
            sys,
            f"Only the store moved ({_sys_moved(d_sys)}): "
            f"pushed an adjustment of {_signed(d_sys)} to the POS.",
        )
    return _both_moved(inp, strategy, base, d_pos, d_sys)


def _agreed(
    action: MergeAction, pull_delta: int, push_delta: int, new_base: int, reason: str
) -> Decision:
    """A decision both sides accept without a conflict."""
    return Decision(
        action=action,
        pull_delta=pull_delta,
        push_delta=push_delta,
        new_base=new_base,
        conflict=False,
        resolved_by_strategy=False,
        reason=reason,
    )


def _first_sync(inp: MergeInput, strategy: ConflictStrategy) -> Decision:
    """Branch 1: no baseline yet."""
    if inp.pos == inp.sys:
        return _agreed(
            MergeAction.NOTHING,
            0,
            0,
            inp.pos,
            f"First sync: POS and store agree on {inp.pos}; baseline set.",
        )
    return _conflict(inp, strategy, "First sync: no common baseline")


def _both_moved(
    inp: MergeInput, strategy: ConflictStrategy, base: int, d_pos: int, d_sys: int
) -> Decision:
    """Branch 5: both sides moved since ``base``."""
    merged = base + d_pos + d_sys
    moved = f"Both moved (POS {_signed(d_pos)}, store {_signed(d_sys)} since {base})"
    if inp.review_policy is ReviewPolicy.MANUAL:
        return _conflict(inp, strategy, moved)
    if merged < 0:
        return _conflict(inp, strategy, f"{moved}: the merge would be {merged}, below zero")
    return _agreed(MergeAction.MERGE, d_pos, d_sys, merged, f"{moved}: merged to {merged}.")


def decide_open_conflict(inp: MergeInput, strategy: ConflictStrategy) -> Decision:
    """Decide for a level whose conflict still waits for a person.

    Its ``base`` is stale (it did not move when the conflict arose), so no delta can be
    computed from it: the sides either agree again (``pos == sys`` → ``NOTHING``, the
    conflict closes, ``new_base = pos``) or the conflict stands and the strategy settles it
    as in branch 6 (``manual_review`` keeps it waiting with the new figures)."""
    if inp.pos == inp.sys:
        return _agreed(
            MergeAction.NOTHING,
            0,
            0,
            inp.pos,
            f"The two sides agree again on {inp.pos}; the conflict is closed.",
        )
    return _conflict(inp, strategy, "Still in conflict")
