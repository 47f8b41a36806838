"""The field mapping that describes a custom stock source, validated before any request.

A mapping is the JSON an integration's configuration carries (camelCase, like the seed's
files), for example::

    {"itemsPath": "/api/stock", "recordsKey": "data.items",
     "fields": {"id": "product.id", "sku": "product.sku", "barcode": "product.ean",
                "quantity": "stock.available", "location": "store.code",
                "updatedAt": "stock.updated"},
     "pagination": {"type": "cursor", "cursorParam": "cursor", "nextCursorKey": "meta.next"},
     "sinceParam": "updated_since", "adjustPath": "/api/stock/adjustments"}

For a REST source, ``fields`` are dotted paths into each record (``"0"``-style segments
index lists); for a CSV file they are column names. Every problem is a
:class:`ValidationError` naming the key at fault.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from possync_gui.domain.errors import ValidationError
from possync_gui.pos.base import POSLocation

FIELD_NAMES = ("id", "sku", "barcode", "quantity", "location", "updatedAt", "name")
REQUIRED_FIELDS = ("id", "quantity")
PAGINATION_TYPES = ("page", "cursor", "none")
SINCE_FORMATS = ("iso", "epoch", "epoch_ms")
_REST_KEYS = {
    "itemsPath", "recordsKey", "pagination", "sinceParam", "sinceFormat", "adjustPath",
    "adjustBatchSize", "authHeader", "errorKey",
}  # fmt: skip
_CSV_KEYS = {"delimiter", "encoding"}
_COMMON_KEYS = {"fields", "defaultLocation", "locations", "name"}
DEFAULT_LOCATION = "default"


@dataclass(frozen=True, slots=True)
class Pagination:
    """``page``: numbered pages; the last is the one ``totalPagesKey`` names, else a page
    shorter than ``size`` when ``sizeParam`` asks for that size, else the first empty page.
    ``cursor``: follow ``nextCursorKey`` until it is absent, null or empty.
    ``none``: one request."""

    type: str = "none"
    page_param: str = "page"
    size_param: str | None = None
    size: int = 100
    start: int = 1
    total_pages_key: str | None = None
    cursor_param: str = "cursor"
    next_cursor_key: str = ""


@dataclass(frozen=True, slots=True)
class SourceMapping:
    """A validated mapping; build it with :func:`parse_mapping`."""

    fields: dict[str, str]
    default_location: str
    locations: tuple[POSLocation, ...]
    items_path: str = ""
    records_key: str = ""
    pagination: Pagination = Pagination()
    since_param: str | None = None
    since_format: str = "iso"
    adjust_path: str | None = None
    adjust_batch_size: int = 100
    auth_header: str | None = None
    error_key: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"

    def field(self, name: str) -> str | None:
        return self.fields.get(name)


def parse_mapping(raw: Any, *, source: str = "rest") -> SourceMapping:
    """Validate ``raw`` for a ``"rest"`` or a ``"csv"`` source."""
    if not isinstance(raw, Mapping):
        raise ValidationError("The custom source mapping must be a JSON object.")
    allowed = _COMMON_KEYS | (_REST_KEYS if source == "rest" else _CSV_KEYS)
    for key in raw:
        if key not in allowed:
            raise ValidationError(
                f"Unknown key {key!r} in the custom source mapping{_hint(key, allowed)}."
            )
    fields = _fields(raw.get("fields"))
    default_location = _text(raw, "defaultLocation", DEFAULT_LOCATION)
    common: dict[str, Any] = {
        "fields": fields,
        "default_location": default_location,
        "locations": _locations(raw.get("locations")),
    }
    if source == "csv":
        return SourceMapping(
            **common,
            delimiter=_delimiter(raw),
            encoding=_text(raw, "encoding", "utf-8-sig"),
        )
    return SourceMapping(
        **common,
        items_path=_path(raw, "itemsPath", required=True) or "",
        records_key=_text(raw, "recordsKey", ""),
        pagination=_pagination(raw.get("pagination")),
        since_param=_optional_text(raw, "sinceParam"),
        since_format=_choice(raw, "sinceFormat", SINCE_FORMATS, "iso"),
        adjust_path=_path(raw, "adjustPath", required=False),
        adjust_batch_size=_positive(raw, "adjustBatchSize", 100),
        auth_header=_optional_text(raw, "authHeader"),
        error_key=_optional_text(raw, "errorKey"),
    )


def _fields(raw: Any) -> dict[str, str]:
    if raw is None:
        raise ValidationError(
            "The custom source mapping has no 'fields': name at least fields.id and "
            "fields.quantity."
        )
    if not isinstance(raw, Mapping):
        raise ValidationError("Mapping 'fields' must be an object of field name → path.")
    for name in raw:
        if name not in FIELD_NAMES:
            raise ValidationError(f"Unknown field 'fields.{name}'{_hint(name, FIELD_NAMES)}.")
    for name in REQUIRED_FIELDS:
        if not raw.get(name):
            raise ValidationError(f"Mapping 'fields.{name}' is missing: it is required.")
    fields: dict[str, str] = {}
    for name, path in raw.items():
        if path is None or path == "":
            continue
        if not isinstance(path, str) or ".." in path or path.startswith(".") or path.endswith("."):
            raise ValidationError(
                f"Mapping 'fields.{name}' must be a dotted path like 'a.b', not {path!r}."
            )
        fields[name] = path
    return fields


def _pagination(raw: Any) -> Pagination:
    if raw is None:
        return Pagination()
    if not isinstance(raw, Mapping):
        raise ValidationError("Mapping 'pagination' must be an object with a 'type'.")
    kind = raw.get("type")
    if kind not in PAGINATION_TYPES:
        raise ValidationError(
            f"Mapping 'pagination.type' must be one of {', '.join(PAGINATION_TYPES)}, not {kind!r}."
        )
    size = raw.get("size", 100)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError(
            f"Mapping 'pagination.size' must be a positive whole number, not {size!r}."
        )
    if kind == "cursor" and not raw.get("nextCursorKey"):
        raise ValidationError(
            "Mapping 'pagination.nextCursorKey' is missing: cursor pagination needs the dotted "
            "path of the next cursor in each answer (e.g. 'meta.next')."
        )
    start = raw.get("startPage", 1)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValidationError(f"Mapping 'pagination.startPage' must be 0 or more, not {start!r}.")
    return Pagination(
        type=kind,
        page_param=str(raw.get("pageParam") or "page"),
        size_param=raw.get("sizeParam") or None,
        size=size,
        start=start,
        total_pages_key=raw.get("totalPagesKey") or None,
        cursor_param=str(raw.get("cursorParam") or "cursor"),
        next_cursor_key=str(raw.get("nextCursorKey") or ""),
    )


def _locations(raw: Any) -> tuple[POSLocation, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("Mapping 'locations' must be a list of ids or {id, name} objects.")
    found = []
    for entry in raw:
        if isinstance(entry, str) and entry:
            found.append(POSLocation(entry, entry))
        elif isinstance(entry, Mapping) and entry.get("id"):
            found.append(POSLocation(str(entry["id"]), str(entry.get("name") or entry["id"])))
        else:
            raise ValidationError(f"Mapping 'locations' has an entry without an id: {entry!r}.")
    return tuple(found)


def _path(raw: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise ValidationError(
                f"Mapping {key!r} is missing: the URL path of the stock list, e.g. '/api/stock'."
            )
        return None
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValidationError(
            f"Mapping {key!r} must be a URL path starting with '/', not {value!r}."
        )
    return value


def _text(raw: Mapping[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ValidationError(f"Mapping {key!r} must be text, not {value!r}.")
    return value


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    return _text(raw, key, "") or None


def _choice(raw: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise ValidationError(
            f"Mapping {key!r} must be one of {', '.join(choices)}, not {value!r}."
        )
    return str(value)


def _positive(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"Mapping {key!r} must be a positive whole number, not {value!r}.")
    return value


def _delimiter(raw: Mapping[str, Any]) -> str:
    value = _text(raw, "delimiter", ",")
    if len(value) != 1:
        raise ValidationError(f"Mapping 'delimiter' must be one character, not {value!r}.")
    return value


def _hint(key: str, allowed: Any) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
