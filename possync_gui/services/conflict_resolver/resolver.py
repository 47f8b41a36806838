"""The Conflict Resolver: settles sync conflicts by a strategy or a person's count.

Which strategy (the rule, also in the README):

1. the one the call names (``pos_wins``, ``supplier_wins``, ``manual_review``, ``set``);
2. else the product's review policy: ``manual`` (high value) → manual review;
3. else the integration's ``syncSettings.conflictResolution`` (default manual review).

A product whose policy is ``manual`` is settled only by a *person*: a call that names
``pos_wins``/``supplier_wins`` without an ``actor`` (and without ``shown``, the numbers a
person saw) is the automatic path — the seed's ``resolveSyncConflicts`` from a script — and
leaves it for manual review. The Conflicts tab and the CLI name their user, so a person may
accept either side or set a count. ``set`` always needs a reason.

Applying a value V to a conflict (one at a time, holding the integration's sync lock so a
sync never interleaves, and an atomic claim on the row so two desktops never both apply):

1. re-read the conflict; resolved already → ``already_resolved`` (naming who); changed since
   the caller saw it → ``stale``; the warehouse moved since → ``stale``, re-opened with its
   new number;
2. push to the POS first: Shopify by ``set_quantities`` with compare-and-set (expected = the
   conflict's POS value), the others by ``push_adjustments`` of ``V − pos`` under an
   idempotency key derived from the conflict and the decision. A stale compare-and-set →
   re-read the POS's count, re-open with it, ``stale``; unreachable or refused → ``failed``;
3. then one transaction: the ``conflict_resolution`` movement ``V − system``, the mapping's
   base = V, the conflict resolved (strategy, value, who, when, note) and its history event.
Nothing is applied on either side unless both are.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from possync_gui.domain.conflicts import (
    ConflictRecord,
    ConflictResolutionDetail,
    ResolutionOutcome,
    ResolutionStrategy,
)
from possync_gui.domain.enums import ConflictStrategy, IntegrationType, ReviewPolicy
from possync_gui.domain.errors import PossyncError, SyncInProgressError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter, POSAdjustment, POSSet, PushOutcome
from possync_gui.services.threads import in_thread
from possync_gui.store import conflicts as store
from possync_gui.store.database import Database
from possync_gui.store.locks import SyncLockManager

log = logging.getLogger("possync.conflicts")

AdapterFactory = Callable[[IntegrationRecord], POSAdapter]
Clock = Callable[[], datetime]
Detail = ConflictResolutionDetail
Outcome = ResolutionOutcome
S = ResolutionStrategy

#: How far before the last sync a re-read of the POS looks for the moved count.
REREAD_OVERLAP = timedelta(minutes=5)
#: Pages read at most when looking for one moved count.
REREAD_PAGES = 20


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the caller asked for."""

    strategy: ResolutionStrategy | None
    person: bool
    actor: str
    value: int | None
    reason: str | None


def choose(plan: Plan, record: ConflictRecord, settings: dict[str, Any]) -> tuple[S, str]:
    """The strategy for one conflict, and why (the module docstring's rule)."""
    manual = record.review_policy == ReviewPolicy.MANUAL.value
    if plan.strategy is None:
        if manual:
            return S.MANUAL_REVIEW, "the product's review policy asks a person to decide"
        setting = settings.get("conflictResolution") or ConflictStrategy.MANUAL_REVIEW.value
        try:
            chosen = S(str(setting))
        except ValueError:
            return S.MANUAL_REVIEW, f"the integration's strategy {setting!r} is unknown"
        if chosen is S.SET:
            return S.MANUAL_REVIEW, "the integration's strategy cannot be a count"
        return chosen, f"the integration's setting ({chosen.value})"
    if plan.strategy in (S.POS_WINS, S.SUPPLIER_WINS) and manual and not plan.person:
        return S.MANUAL_REVIEW, "a high-value product is settled by a person only"
    return plan.strategy, "asked for"


def value_for(strategy: S, record: ConflictRecord, plan: Plan) -> int:
    if strategy is S.POS_WINS:
        return record.pos_value
    if strategy is S.SUPPLIER_WINS:
        return record.system_value
    assert plan.value is not None
    return plan.value


def note_for(strategy: S, value: int, plan: Plan) -> str:
    if strategy is S.POS_WINS:
        text = f"Accepted the POS's count ({value})"
    elif strategy is S.SUPPLIER_WINS:
        text = f"Accepted the warehouse's count ({value})"
    else:
        text = f"Counted {value}"
    return f"{text}: {plan.reason.strip()}" if plan.reason and plan.reason.strip() else text


def _where(record: ConflictRecord) -> str:
    return f"{record.sku} at {record.warehouse_code or '?'} ({record.integration_name})"


@dataclass(frozen=True, slots=True)
class _Begun:
    ctx: store.ResolutionContext
    strategy: S
    value: int
    note: str


class Applier:
    """Settles the conflicts of one integration while holding its sync lock."""

    def __init__(
        self,
        db: Database,
        owner: str,
        clock: Clock,
        claim_timeout: timedelta,
    ) -> None:
        self._db = db
        self._owner = owner
        self._clock = clock
        self._claim_timeout = claim_timeout

    # -- step 1: re-read and claim (a worker thread, one transaction) ----------------------
    def peek(self, target_id: uuid.UUID, expect: tuple[int, int] | None, plan: Plan) -> Any:
        """The final Detail when the conflict needs neither the lock nor the POS (gone,
        resolved, changed since shown, waiting for a person), else None."""
        with self._db.session() as session:
            ctx = store.context(session, target_id)
            found = self._check(session, ctx, target_id, expect, plan)
            return found if isinstance(found, Detail) else None

    def begin(self, target_id: uuid.UUID, expect: tuple[int, int] | None, plan: Plan) -> Any:
        """A :class:`_Begun` when this desktop now holds the claim, else the final Detail."""
        now = self._clock()
        with self._db.session() as session:
            ctx = store.context(session, target_id)
            found = self._check(session, ctx, target_id, expect, plan)
            if isinstance(found, Detail):
                return found
            assert ctx is not None
            rec = ctx.record
            if not store.claim(session, rec.id, self._owner, now, self._claim_timeout):
                who = ctx.claimed_by or "another desktop"
                text = f"{_where(rec)}: {who} is resolving it right now; nothing was applied."
                return _detail(rec, Outcome.ALREADY_RESOLVED, None, text)
            if ctx.on_hand != rec.system_value:
                note = (
                    f"The warehouse moved to {ctx.on_hand} (the conflict had "
                    f"{rec.system_value}); re-opened with the new number, nothing applied."
                )
                store.reopen(
                    session, ctx, self._owner, pos_value=rec.pos_value,
                    system_value=ctx.on_hand, now=now, actor=plan.actor, note=note,
                )  # fmt: skip
                return _detail(rec, Outcome.STALE, None, f"{_where(rec)}: {note}")
            value = value_for(found, rec, plan)
            return _Begun(ctx, found, value, note_for(found, value, plan))

    def _check(
        self,
        session: Any,
        ctx: store.ResolutionContext | None,
        target_id: uuid.UUID,
        expect: tuple[int, int] | None,
        plan: Plan,
    ) -> Detail | S:
        """The final Detail, or the strategy to apply."""
        if ctx is None:
            return Detail(target_id, None, Outcome.NOT_FOUND, None, "No such conflict.")
        rec = ctx.record
        if not rec.is_open:
            return _already(rec)
        if expect is not None and expect != (rec.pos_value, rec.system_value):
            note = (
                f"Changed since it was shown (POS {expect[0]} → {rec.pos_value}, "
                f"warehouse {expect[1]} → {rec.system_value}); nothing was applied."
            )
            store.add_event(
                session, rec.id, "stale", self._clock(), pos_value=rec.pos_value,
                system_value=rec.system_value, base_value=rec.base_value,
                actor=plan.actor, note=note,
            )  # fmt: skip
            return _detail(rec, Outcome.STALE, None, f"{_where(rec)}: {note}")
        strategy, why = choose(plan, rec, ctx.sync_settings)
        if strategy is S.MANUAL_REVIEW:
            text = f"{_where(rec)}: waits for manual review ({why})."
            return _detail(rec, Outcome.MANUAL_REVIEW, None, text)
        return strategy

    # -- step 2: the POS ------------------------------------------------------------------
    async def push(self, adapter: POSAdapter, begun: _Begun) -> PushOutcome | None:
        """Send the change; None when there was nothing to send."""
        ctx, value = begun.ctx, begun.value
        rec = ctx.record
        assert ctx.external_item_id is not None and ctx.location_id is not None
        key = str(
            uuid.uuid5(rec.id, f"{begun.strategy}|{value}|{rec.pos_value}|{rec.system_value}")
        )
        now = self._clock()
        if ctx.integration_type == IntegrationType.SHOPIFY:
            # Compare-and-set even when the value is the POS's own: it proves it still is.
            change = POSSet(ctx.external_item_id, ctx.location_id, value, rec.pos_value, key, now)
            (outcome,) = await adapter.set_quantities([change])
            return outcome
        if value == rec.pos_value:
            return None
        adjustment = POSAdjustment(
            ctx.external_item_id,
            ctx.location_id,
            value - rec.pos_value,
            key,
            now,
            reference=f"conflict:{rec.id}",
        )
        (outcome,) = await adapter.push_adjustments([adjustment])
        return outcome

    async def reread_pos(self, adapter: POSAdapter, ctx: store.ResolutionContext) -> int | None:
        """The POS's count of the conflict's item now, when it can be found among the counts
        that changed since the last sync (None: not found or not readable)."""
        rec = ctx.record
        since = (ctx.last_sync_at or rec.detected_at) - REREAD_OVERLAP
        try:
            pages = 0
            async for page in adapter.iter_counts(since):
                for count in page.items:
                    if (count.external_item_id, count.location_id) == (
                        ctx.external_item_id,
                        ctx.location_id,
                    ):
                        return count.quantity
                pages += 1
                if pages >= REREAD_PAGES:
                    break
        except PossyncError as err:
            log.info("could not re-read the POS count of %s: %s", rec.sku, err)
        return None

    # -- step 3: the store (a worker thread, one transaction) --------------------------------
    def finish(self, begun: _Begun, *, pushed: bool, actor: str) -> Detail:
        rec = begun.ctx.record
        now = self._clock()
        try:
            with self._db.session() as session:
                moved = store.apply_resolution(
                    session, begun.ctx, self._owner, value=begun.value,
                    strategy=begun.strategy.value, actor=actor, note=begun.note,
                    pushed=pushed, now=now,
                )  # fmt: skip
                if moved is not None:
                    note = (
                        f"The warehouse moved to {moved} (the conflict had {rec.system_value}); "
                        "re-opened with the new number, nothing applied."
                    )
                    store.reopen(
                        session, begun.ctx, self._owner, pos_value=rec.pos_value,
                        system_value=moved, now=now, actor=actor, note=note,
                    )  # fmt: skip
                    return _detail(rec, Outcome.STALE, None, f"{_where(rec)}: {note}")
        except store.ClaimLostError:
            text = (
                f"{_where(rec)}: this desktop's claim expired before the change was saved and "
                "someone else took the conflict over; check it again"
                + (" (the POS was already changed)." if pushed else ".")
            )
            return _detail(rec, Outcome.FAILED, None, text)
        text = f"{_where(rec)}: {begun.note}; both sides now {begun.value}."
        return _detail(rec, Outcome.RESOLVED, begun.value, text)

    def stale_pos(self, begun: _Begun, pos_now: int | None, actor: str) -> Detail:
        rec = begun.ctx.record
        now_text = "could not be read" if pos_now is None else f"is {pos_now}"
        note = (
            f"The POS's count moved since the conflict was read (it had {rec.pos_value}; now "
            f"{now_text}): nothing was applied; re-opened with the new numbers."
        )
        with self._db.session() as session:
            store.reopen(
                session, begun.ctx, self._owner, pos_value=pos_now,
                system_value=begun.ctx.on_hand, now=self._clock(), actor=actor, note=note,
            )  # fmt: skip
        return _detail(rec, Outcome.STALE, None, f"{_where(rec)}: {note}")

    def give_up(self, begun: _Begun, why: str) -> Detail:
        """Nothing applied: release the claim, the conflict stays open."""
        rec = begun.ctx.record
        with self._db.session() as session:
            store.release(session, rec.id, self._owner)
        text = f"{_where(rec)}: {why}; nothing was changed and it stays open."
        return _detail(rec, Outcome.FAILED, None, text)


def _detail(rec: ConflictRecord, outcome: Outcome, value: int | None, text: str) -> Detail:
    return Detail(rec.id, rec.sku, outcome, value, text, rec.product_id)


def _already(rec: ConflictRecord) -> Detail:
    when = rec.resolved_at.strftime("%Y-%m-%d %H:%M UTC") if rec.resolved_at else "earlier"
    how = f"{rec.strategy}, {rec.resolved_value}" if rec.resolved_value is not None else "closed"
    text = f"{_where(rec)}: already resolved by {rec.resolved_by or 'someone'} ({how}) {when}."
    return _detail(rec, Outcome.ALREADY_RESOLVED, rec.resolved_value, text)


async def hold_lock(locks: SyncLockManager, integration_id: uuid.UUID, wait: timedelta) -> None:
    """Take the integration's sync lock, waiting up to ``wait`` for a sync or another
    resolution to finish; raises :class:`SyncInProgressError` after that."""
    deadline = asyncio.get_running_loop().time() + wait.total_seconds()
    delay = 0.05
    while True:
        try:
            await in_thread(locks.acquire, integration_id)
            return
        except SyncInProgressError:
            if asyncio.get_running_loop().time() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


async def settle(
    applier: Applier,
    adapter: POSAdapter,
    ids: Sequence[tuple[uuid.UUID, tuple[int, int] | None]],
    plan: Plan,
    heartbeat: Callable[[], None],
) -> list[Detail]:
    """Settle ``ids`` (conflict, numbers shown) of one integration whose lock is held;
    ``heartbeat`` keeps that lock alive between conflicts (a long bulk accept)."""
    details: list[Detail] = []
    for n, (conflict_id, expect) in enumerate(ids):
        try:
            if n:
                await in_thread(heartbeat)
            begun = await in_thread(applier.begin, conflict_id, expect, plan)
        except PossyncError as err:  # the lock or the database went away: stop here
            why = f"stopped before this one ({err}); nothing was changed, try it again"
            details += [Detail(cid, None, Outcome.FAILED, None, why) for cid, _e in ids[n:]]
            break
        if not isinstance(begun, _Begun):
            details.append(begun)
            continue
        details.append(await _settle_one(applier, adapter, begun, plan))
    return details


async def _settle_one(applier: Applier, adapter: POSAdapter, begun: _Begun, plan: Plan) -> Detail:
    if begun.ctx.external_item_id is None:
        return await in_thread(applier.give_up, begun, "it is no longer mapped to a POS item")
    try:
        outcome = await applier.push(adapter, begun)
    except PossyncError as err:
        return await in_thread(applier.give_up, begun, f"the POS could not be reached ({err})")
    except BaseException:
        await asyncio.shield(in_thread(applier.give_up, begun, "cancelled"))
        raise
    if outcome is not None and outcome.stale:
        pos_now = await applier.reread_pos(adapter, begun.ctx)
        return await in_thread(applier.stale_pos, begun, pos_now, plan.actor)
    if outcome is not None and not outcome.ok:
        why = f"the POS refused the change ({outcome.error or 'no reason given'})"
        return await in_thread(applier.give_up, begun, why)
    try:
        return await asyncio.shield(
            in_thread(lambda: applier.finish(begun, pushed=outcome is not None, actor=plan.actor))
        )
    except PossyncError as err:
        rec = begun.ctx.record
        text = (
            f"{_where(rec)}: the POS took the change but the store could not be written "
            f"({err}); resolve it again to finish (the POS is not changed twice)."
        )
        return _detail(rec, Outcome.FAILED, None, text)
