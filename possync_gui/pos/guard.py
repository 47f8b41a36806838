"""One boundary around every adapter for answers of a shape the adapter did not expect.

Each adapter maps the JSON it was promised into records (STYLE habit 9). A POS that sends
something else — a number where an object was, a key missing, a cursor that is a float —
used to surface as ``KeyError`` / ``AttributeError`` deep in the mapping code, which the
app treats as a bug (a crash dialog, ``internal error`` in the CLI) although it is the
POS's fault and nothing the user did. :func:`guarded` wraps an adapter so such failures
become :class:`InventorySyncError` ("… sent an answer possync cannot read"), and so the
records and cursors it returns are of the promised types (found by the fuzz campaign in
tests/faults/test_fuzz_pos.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import InvalidOperation
from typing import Any, TypeVar

from possync_gui.domain.errors import InventorySyncError
from possync_gui.pos.base import (
    Page,
    POSAdapter,
    POSAdjustment,
    POSCount,
    POSItem,
    POSLocation,
    POSSale,
    POSSet,
    PushOutcome,
)

T = TypeVar("T")
POS_NAMES = {"square": "Square", "shopify": "Shopify", "woocommerce": "WooCommerce",
             "custom": "The custom source"}  # fmt: skip
#: What malformed data raises inside mapping code (never what the adapters raise on purpose).
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, InvalidOperation,
                OverflowError)  # fmt: skip


def _unreadable(kind: str, err: Exception) -> InventorySyncError:
    detail = f"{type(err).__name__}: {err}"
    detail = "".join(ch if ch.isprintable() else "?" for ch in detail)[:120]
    return InventorySyncError(
        f"{kind} sent an answer possync cannot read ({detail}); nothing was changed from it.",
        retryable=False,
    )


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _aware(value: object) -> bool:
    return value is None or (isinstance(value, datetime) and value.utcoffset() is not None)


def _well_typed(record: object) -> bool:
    """True when a record carries the types its class promises."""
    if isinstance(record, POSCount):
        return (type(record.quantity) is int and _text(record.external_item_id)
                and _text(record.location_id) and _aware(record.updated_at))  # fmt: skip
    if isinstance(record, POSItem):
        return (_text(record.external_id) and isinstance(record.name, str)
                and all(v is None or isinstance(v, str)
                        for v in (record.sku, record.barcode, record.parent_id))
                and _aware(record.updated_at))  # fmt: skip
    if isinstance(record, POSSale):
        return (type(record.quantity) is int and _text(record.external_item_id)
                and _text(record.location_id))  # fmt: skip
    return True


def _checked(kind: str, page: Page[T]) -> Page[T]:
    if page.cursor is not None and not isinstance(page.cursor, str):
        raise _unreadable(kind, TypeError(f"a page cursor {page.cursor!r:.40}"))
    bad = [r for r in page.items if not _well_typed(r)]
    if not bad:
        return page
    why = [f"{kind} sent a record possync cannot read: {r!r:.100}" for r in bad]
    return Page([r for r in page.items if _well_typed(r)], page.cursor, [*page.skipped, *why])


class GuardedAdapter:
    """A :class:`POSAdapter` that forwards to ``inner`` and turns malformed answers into
    :class:`InventorySyncError`; its records are type-checked, bad ones listed as skipped."""

    def __init__(self, inner: POSAdapter) -> None:
        self.inner = inner
        self.type = inner.type
        self._kind = POS_NAMES.get(inner.type, inner.type)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except SHAPE_ERRORS as err:
            raise _unreadable(self._kind, err) from err

    async def _pages(self, pages: AsyncIterator[Page[T]]) -> AsyncIterator[Page[T]]:
        while True:
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                return
            except SHAPE_ERRORS as err:
                raise _unreadable(self._kind, err) from err
            yield _checked(self._kind, page)

    async def ping(self) -> None:
        await self._call(self.inner.ping())

    async def list_locations(self) -> list[POSLocation]:
        found = await self._call(self.inner.list_locations())
        if not isinstance(found, list) or not all(
            isinstance(loc, POSLocation) and _text(loc.id) and isinstance(loc.name, str)
            for loc in found
        ):
            raise _unreadable(self._kind, TypeError("a location without an id or a name"))
        return found

    def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        return self._pages(self.inner.iter_items(since))

    def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        return self._pages(self.inner.iter_counts(since))

    def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        return self._pages(self.inner.iter_sales(since, until))

    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        result: list[PushOutcome] = await self._call(self.inner.push_adjustments(changes))
        return result

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        result: list[PushOutcome] = await self._call(self.inner.set_quantities(sets))
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


def guarded(adapter: POSAdapter) -> POSAdapter:
    """``adapter`` behind the malformed-answer boundary (once: a guarded one is returned)."""
    return adapter if isinstance(adapter, GuardedAdapter) else GuardedAdapter(adapter)
