"""Square catalog objects → :class:`POSItem`, one per ITEM_VARIATION.

ListCatalog and SearchCatalogObjects return ITEM objects (each carrying its variations in
``item_data.variations``) and ITEM_VARIATION objects side by side, in pages that may split an
item from its variations. The item is needed for the name ("T-Shirt / Red" when the item has
several variations) and so variations are taken from their item where it is at hand; a
variation seen alone waits for its item, and is named from what is known if the item never
comes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from possync_gui.pos.base import POSItem
from possync_gui.pos.square.records import VARIATION, parse_time

ITEM = "ITEM"


@dataclass(frozen=True, slots=True)
class _ItemInfo:
    name: str
    variation_count: int


class CatalogAssembler:
    """Feeds on pages of catalog objects, returns the POSItems each page completes.

    One assembler per walk: it remembers the items seen and the variations already
    returned, so a variation listed both nested and on its own is returned once.
    """

    def __init__(self) -> None:
        self._items: dict[str, _ItemInfo] = {}
        self._done: set[str] = set()
        self._waiting: dict[str, Mapping[str, Any]] = {}

    def page(
        self, objects: Iterable[Any], related: Iterable[Any] = ()
    ) -> tuple[list[POSItem], list[str]]:
        """The items and skip reasons of one page; ``related`` are objects Square sent only
        as context (the parent items of changed variations)."""
        found: list[POSItem] = []
        skipped: list[str] = []
        objects = [o for o in objects if isinstance(o, Mapping)]
        for obj in [*objects, *related]:
            if isinstance(obj, Mapping) and obj.get("type") == ITEM and obj.get("id"):
                self._learn_item(obj)
        for obj in objects:
            kind = obj.get("type")
            if kind == ITEM:
                for variation in (obj.get("item_data") or {}).get("variations") or []:
                    self._take(variation, found, skipped, deleted=bool(obj.get("is_deleted")))
            elif kind == VARIATION:
                self._take(obj, found, skipped, wait=True)
        for variation_id, variation in list(self._waiting.items()):
            if _item_id(variation) in self._items:
                del self._waiting[variation_id]
                self._take(variation, found, skipped)
        return found, skipped

    def leftovers(self) -> tuple[list[POSItem], list[str]]:
        """Variations whose item never appeared, named from the variation alone."""
        found: list[POSItem] = []
        skipped: list[str] = []
        for variation in self._waiting.values():
            self._take(variation, found, skipped)
        self._waiting.clear()
        return found, skipped

    def _learn_item(self, item: Mapping[str, Any]) -> None:
        data = item.get("item_data") or {}
        variations = [
            v
            for v in data.get("variations") or []
            if isinstance(v, Mapping) and not v.get("is_deleted")
        ]
        self._items[str(item["id"])] = _ItemInfo(
            name=str(data.get("name") or ""), variation_count=len(variations)
        )

    def _take(
        self,
        variation: Any,
        found: list[POSItem],
        skipped: list[str],
        *,
        wait: bool = False,
        deleted: bool = False,
    ) -> None:
        if not isinstance(variation, Mapping) or not variation.get("id"):
            skipped.append(f"a catalog variation without an id: {str(variation)[:80]}")
            return
        variation_id = str(variation["id"])
        if variation_id in self._done:
            return
        if wait and _item_id(variation) not in self._items:
            self._waiting[variation_id] = variation
            return
        self._done.add(variation_id)
        found.append(self._to_item(variation, deleted=deleted))

    def _to_item(self, variation: Mapping[str, Any], *, deleted: bool) -> POSItem:
        data = variation.get("item_variation_data") or {}
        parent = _item_id(variation)
        info = self._items.get(parent) if parent else None
        own_name = str(data.get("name") or "")
        if info is None:
            name = own_name or str(variation["id"])
        elif info.variation_count > 1 and own_name:
            name = f"{info.name} / {own_name}"
        else:
            name = info.name or own_name
        # A deleted variation (incremental reads ask for deletions) is reported untracked:
        # the sync stops counting it, and POSItem has no other way to say "gone".
        gone = deleted or bool(variation.get("is_deleted"))
        return POSItem(
            external_id=str(variation["id"]),
            sku=data.get("sku") or None,
            barcode=data.get("upc") or None,
            name=name,
            parent_id=parent,
            tracked=not gone and _tracked(data),
            updated_at=parse_time(variation.get("updated_at")),
        )


def _item_id(variation: Mapping[str, Any]) -> str | None:
    item_id = (variation.get("item_variation_data") or {}).get("item_id")
    return str(item_id) if item_id else None


def _tracked(data: Mapping[str, Any]) -> bool:
    """``track_inventory``, or tracking switched on for some location by an override
    (pitfall 7): such a variation has counts the sync must see."""
    if data.get("track_inventory"):
        return True
    overrides = data.get("location_overrides") or []
    return any(isinstance(o, Mapping) and o.get("track_inventory") for o in overrides)
