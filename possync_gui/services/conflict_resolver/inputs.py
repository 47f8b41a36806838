"""What a caller hands the Conflict Resolver, turned into conflict ids to settle.

Accepted: conflict UUIDs, their text or a unique prefix of at least 8 characters, the
:class:`ConflictRecord` a person was shown, or the seed's conflict dicts
``{productId, productCode, posValue, systemValue, lastUpdated}`` (``productId`` /
``productCode`` a product UUID or SKU). A record or a seed dict carries the numbers the
caller saw; ``shown`` may give them for plain ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from possync_gui.domain.conflicts import ConflictRecord, ResolutionStrategy
from possync_gui.domain.errors import ValidationError
from possync_gui.store import conflicts as store

Shown = Mapping[uuid.UUID, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Target:
    """One conflict to settle, or why none was found (``problem``)."""

    conflict_id: uuid.UUID | None
    sku: str | None = None
    #: (POS value, warehouse value) as the caller saw them; None: not known.
    expect: tuple[int, int] | None = None
    problem: str | None = None


def check_strategy(
    strategy: str | None, value: int | None, reason: str | None
) -> ResolutionStrategy | None:
    """The strategy asked for, checked with its arguments (``set`` needs a whole, non-negative
    ``value`` and a ``reason``; the others take neither)."""
    if strategy is None or strategy == "":
        chosen = None
    else:
        try:
            chosen = ResolutionStrategy(str(strategy))
        except ValueError:
            options = ", ".join(s.value for s in ResolutionStrategy)
            raise ValidationError(
                f"Unknown conflict strategy {strategy!r}; use one of {options}."
            ) from None
    if chosen is ResolutionStrategy.SET:
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Setting a count needs the counted value (a whole number).")
        if value < 0:
            raise ValidationError(f"A counted value cannot be below zero (got {value}).")
        if not (reason or "").strip():
            raise ValidationError("Setting a count needs a reason (who counted, why).")
    elif value is not None:
        raise ValidationError("A value goes with the 'set' strategy only.")
    return chosen


def targets(session: Session, items: list[Any], shown: Shown) -> list[Target]:
    """One or more :class:`Target` per item, in order."""
    found: list[Target] = []
    for item in items:
        if isinstance(item, ConflictRecord):
            expect = shown.get(item.id, (item.pos_value, item.system_value))
            found.append(Target(item.id, item.sku, expect))
        elif isinstance(item, uuid.UUID):
            found.append(Target(item, None, shown.get(item)))
        elif isinstance(item, Mapping):
            found.extend(_from_seed(session, item))
        elif isinstance(item, str):
            found.append(_from_text(session, item, shown))
        else:
            raise ValidationError(f"Cannot resolve {item!r}: give a conflict id or record.")
    return found


def _from_text(session: Session, text: str, shown: Shown) -> Target:
    ids = store.find_ids(session, text)
    if not ids:
        return Target(None, None, problem=f"No conflict {text!r}.")
    if len(ids) > 1:
        return Target(
            None,
            None,
            problem=f"{text!r} starts {len(ids)} conflict ids; give more of it.",
        )
    return Target(ids[0], None, shown.get(ids[0]))


def _from_seed(session: Session, item: Mapping[str, Any]) -> list[Target]:
    """The seed's ``{productId, productCode, posValue, systemValue, lastUpdated}``: every
    open conflict of that product, expected to show those values."""
    refs = [str(item[k]).strip() for k in ("productId", "productCode") if item.get(k)]
    if not refs:
        raise ValidationError(f"A conflict entry needs productId or productCode: {dict(item)!r}")
    expect = _seed_values(item)
    for ref in refs:
        sku, ids = store.open_ids_of_product(session, ref)
        if sku is None:
            continue
        if not ids:
            return [Target(None, sku, problem=f"{sku} has no open conflict.")]
        return [Target(i, sku, expect) for i in ids]
    return [Target(None, refs[-1], problem=f"No product {' / '.join(refs)}.")]


def _seed_values(item: Mapping[str, Any]) -> tuple[int, int] | None:
    pos, system = item.get("posValue"), item.get("systemValue")
    if pos is None and system is None:
        return None
    try:
        return int(pos), int(system)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(
            f"posValue and systemValue must be whole numbers: {dict(item)!r}"
        ) from None
