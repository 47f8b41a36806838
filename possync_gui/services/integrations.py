"""POS integrations: added from the seed's ``POSIntegrationConfig`` JSON, listed, removed,
and turned into adapters (DESIGN.md §10).

A file's ``configuration.credentials`` go to the keyring (:mod:`.credentials`) and are
stripped from what the database keeps; the stored configuration only names them
(``credentialKeys``), so :func:`make_adapter` can read them back and :func:`remove` can
delete them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select

from possync_gui.domain.enums import (
    ConflictStrategy,
    IntegrationStatus,
    IntegrationType,
    SyncFrequency,
)
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter
from possync_gui.pos.custom import CustomAdapter, parse_mapping
from possync_gui.pos.guard import guarded
from possync_gui.pos.http import check_base_url
from possync_gui.pos.shopify import ShopifyAdapter
from possync_gui.pos.square import SquareAdapter
from possync_gui.pos.woocommerce import WooCommerceAdapter
from possync_gui.pos.woocommerce import records as woo_records
from possync_gui.services.credentials import (
    delete_credentials,
    read_credentials,
    store_credentials,
)
from possync_gui.store.database import Database
from possync_gui.store.models import IntegrationSyncLog, POSIntegration, Warehouse

__all__ = [
    "WOOCOMMERCE_LOCATION",
    "IntegrationInfo",
    "LocationChoice",
    "SyncLogEntry",
    "add_from_json",
    "fetch_locations",
    "find_integration",
    "list_integrations",
    "make_adapter",
    "remove",
    "sync_log",
    "update_from_json",
]

CREDENTIAL_KEYS = "credentialKeys"
DEMO_NOT_SYNCED = "The Demo POS sells by itself; it is not synced"
#: The credentials each adapter needs (after camelCase keys become snake_case).
REQUIRED_CREDENTIALS: dict[str, tuple[str, ...]] = {
    IntegrationType.SQUARE: ("access_token",),
    IntegrationType.SHOPIFY: ("access_token",),
    IntegrationType.WOOCOMMERCE: ("consumer_key", "consumer_secret"),
    IntegrationType.CUSTOM: ("api_key",),
}
_MAX_NAME = 255
_MAX_KEY = 100
_MAX_CODE = 50  # warehouses.code


@dataclass(frozen=True, slots=True)
class IntegrationInfo:
    """One integration as listings show it (never with credentials)."""

    id: uuid.UUID
    external_key: str | None
    name: str
    type: str
    status: str
    sync_frequency: str
    base_url: str | None
    location_map: dict[str, str]
    last_sync_at: datetime | None
    #: The stored configuration (never credentials; ``credentialKeys`` names them).
    configuration: dict[str, Any] = field(default_factory=dict)
    sync_settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LocationChoice:
    """A location the POS lists: its id (the key of ``locationMap``), its name, and whether
    it is active there."""

    id: str
    name: str
    active: bool = True


#: WooCommerce has one virtual location (the whole shop); its id is fixed.
WOOCOMMERCE_LOCATION = LocationChoice(woo_records.LOCATION_ID, woo_records.LOCATION_NAME)


@dataclass(frozen=True, slots=True)
class SyncLogEntry:
    """One row of ``integration_sync_log``: a run and what went wrong in it."""

    id: uuid.UUID
    integration_id: uuid.UUID | None
    integration_name: str
    sync_type: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    records_processed: int
    errors: list[str]
    summary: dict[str, Any]


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()


def _choice(value: Any, field: str, allowed: type[Any], default: str) -> str:
    if value is None:
        return default
    text = str(value).strip().lower().replace("-", "_")
    choices = [str(v) for v in allowed]
    if text not in choices:
        raise ValidationError(f"{field} must be one of {', '.join(choices)}, not {value!r}.")
    return text


def _text(data: Mapping[str, Any], key: str, limit: int, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"The integration needs a '{key}' (text).")
    if len(value.strip()) > limit:
        raise ValidationError(f"The integration's '{key}' is longer than {limit} characters.")
    return value.strip()


def _type(data: Mapping[str, Any]) -> IntegrationType:
    value = data.get("type")
    known = [str(t) for t in IntegrationType if t is not IntegrationType.DEMO]
    if value == IntegrationType.DEMO:
        raise ValidationError(
            "The Demo POS is created by 'possync demo'; it cannot be added from a file."
        )
    if not isinstance(value, str) or value.strip().lower() not in known:
        raise ValidationError(
            f"Unknown POS type {value!r}: the type must be one of {', '.join(known)}."
        )
    return IntegrationType(value.strip().lower())


def _credentials(config: Mapping[str, Any], kind: IntegrationType) -> dict[str, str]:
    raw = config.get("credentials")
    if not isinstance(raw, Mapping) or not raw:
        raise ValidationError(
            "configuration.credentials is missing: a "
            f"{kind} integration needs {', '.join(REQUIRED_CREDENTIALS[kind])}."
        )
    creds: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise ValidationError(f"configuration.credentials.{key} must be non-empty text.")
        creds[_snake(str(key))] = value
    missing = [k for k in REQUIRED_CREDENTIALS[kind] if k not in creds]
    if missing:
        raise ValidationError(
            f"configuration.credentials is missing {', '.join(missing)} "
            f"(a {kind} integration needs it)."
        )
    return creds


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _location_map(db: Database, config: Mapping[str, Any]) -> dict[str, str]:
    raw = config.get("locationMap") or {}
    if not isinstance(raw, Mapping):
        raise ValidationError(
            "configuration.locationMap must map POS location ids to warehouse codes."
        )
    with db.session() as session:
        warehouses = list(session.scalars(select(Warehouse)))
    by_ref = {w.code: w.code for w in warehouses} | {str(w.id): w.code for w in warehouses}
    result: dict[str, str] = {}
    for location, ref in raw.items():
        code = by_ref.get(ref.strip()) if isinstance(ref, str) else None
        if code is None:
            # A warehouse that does not exist yet is remembered by its code: the catalog
            # import creates it (named after the POS location), or a person adds it.
            if not isinstance(ref, str) or not ref.strip() or len(ref.strip()) > _MAX_CODE:
                raise ValidationError(
                    f"configuration.locationMap maps POS location {location!r} to {ref!r}; "
                    f"a warehouse code is text of 1 to {_MAX_CODE} characters."
                )
            if _is_uuid(ref.strip()):
                raise ValidationError(
                    f"configuration.locationMap maps POS location {location!r} to warehouse "
                    f"{ref!r}, which does not exist (give a warehouse code to create one)."
                )
            code = ref.strip()
        result[str(location)] = code
    return result


def _sync_settings(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("syncSettings") or {}
    if not isinstance(raw, Mapping):
        raise ValidationError("syncSettings must be an object.")
    settings = dict(raw)
    if "conflictResolution" in settings:
        settings["conflictResolution"] = _choice(
            settings["conflictResolution"],
            "syncSettings.conflictResolution",
            ConflictStrategy,
            ConflictStrategy.MANUAL_REVIEW,
        )
    return settings


def _configuration(
    db: Database,
    data: Mapping[str, Any],
    kind: IntegrationType,
    *,
    kept_credentials: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The configuration to store and the credentials to put in the keyring. When editing,
    ``kept_credentials`` names the ones already stored: a form may then leave them out."""
    config = data.get("configuration")
    if not isinstance(config, Mapping):
        raise ValidationError("The integration needs a 'configuration' object.")
    base_url = config.get("baseUrl")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValidationError("configuration.baseUrl is missing (the POS's web address).")
    stored = {k: v for k, v in config.items() if k != "credentials"}
    stored["baseUrl"] = check_base_url(base_url.strip())
    api_version = config.get("apiVersion")
    if api_version is not None and not isinstance(api_version, str):
        raise ValidationError("configuration.apiVersion must be text, e.g. 2025-08-20.")
    if kind is IntegrationType.CUSTOM:
        mapping = config.get("mapping")
        if not isinstance(mapping, Mapping):
            raise ValidationError(
                "A custom integration needs configuration.mapping (its field mapping)."
            )
        parse_mapping(mapping, source="rest")
    if kept_credentials is not None and not config.get("credentials"):
        credentials: dict[str, str] = {}
        stored["locationMap"] = _location_map(db, config)
        stored[CREDENTIAL_KEYS] = sorted(kept_credentials)
        missing = [k for k in REQUIRED_CREDENTIALS[kind] if k not in kept_credentials]
        if missing:
            raise ValidationError(
                f"configuration.credentials is missing {', '.join(missing)} "
                f"(a {kind} integration needs it)."
            )
        return stored, credentials
    credentials = _credentials(config, kind)
    stored["locationMap"] = _location_map(db, config)
    stored[CREDENTIAL_KEYS] = sorted(credentials)
    return stored, credentials


def add_from_json(db: Database, data: dict[str, Any]) -> IntegrationRecord:
    """Add the integration a seed-shaped ``POSIntegrationConfig`` describes."""
    if not isinstance(data, Mapping):
        raise ValidationError("An integration file holds one JSON object.")
    kind = _type(data)
    external_key = _text(data, "id", _MAX_KEY, required=False)
    name = _text(data, "name", _MAX_NAME, required=True)
    assert name is not None
    configuration, credentials = _configuration(db, data, kind)
    status = _choice(data.get("status"), "status", IntegrationStatus, IntegrationStatus.ACTIVE)
    frequency = _choice(
        data.get("syncFrequency"), "syncFrequency", SyncFrequency, SyncFrequency.HOURLY
    )
    sync_settings = _sync_settings(data)
    row_id = uuid.uuid4()
    with db.session() as session:
        if external_key is not None and session.scalar(
            select(POSIntegration.id).where(POSIntegration.external_key == external_key)
        ):
            raise ValidationError(
                f"An integration with id {external_key!r} exists already; remove it first "
                "or give the file another id."
            )
        session.add(
            POSIntegration(
                id=row_id,
                external_key=external_key,
                name=name,
                type=str(kind),
                configuration=configuration,
                status=status,
                sync_frequency=frequency,
                sync_settings=sync_settings,
            )
        )
        session.flush()
        store_credentials(row_id, credentials)  # raises (and rolls back) without a keyring
    return IntegrationRecord(
        id=row_id,
        name=name,
        type=str(kind),
        configuration=configuration,
        sync_settings=sync_settings,
        external_key=external_key,
    )


def update_from_json(db: Database, ref: str, data: dict[str, Any]) -> IntegrationInfo:
    """Change an integration from the same JSON shape ``add_from_json`` reads. Credentials
    left out keep their stored values; credentials given replace them in the keyring."""
    if not isinstance(data, Mapping):
        raise ValidationError("An integration file holds one JSON object.")
    info = find_integration(db, ref)
    if info.type == IntegrationType.DEMO:
        raise ValidationError("The Demo POS is managed by possync; it cannot be edited.")
    kind = _type(data)
    name = _text(data, "name", _MAX_NAME, required=True)
    assert name is not None
    kept = list(info.configuration.get(CREDENTIAL_KEYS) or []) if kind == info.type else []
    configuration, credentials = _configuration(db, data, kind, kept_credentials=kept)
    status = _choice(data.get("status"), "status", IntegrationStatus, IntegrationStatus.ACTIVE)
    frequency = _choice(
        data.get("syncFrequency"), "syncFrequency", SyncFrequency, SyncFrequency.HOURLY
    )
    sync_settings = _sync_settings(data)
    with db.session() as session:
        row = session.get(POSIntegration, info.id)
        if row is None:
            raise NotFoundError(f"No POS integration {ref!r}.")
        row.name = name
        row.type = str(kind)
        row.configuration = configuration
        row.status = status
        row.sync_frequency = frequency
        row.sync_settings = sync_settings
        session.flush()
        if credentials:
            store_credentials(info.id, credentials)
        result = _info(row)
    stale = [k for k in kept if k not in configuration[CREDENTIAL_KEYS]]
    if stale:
        delete_credentials(info.id, stale)
    return result


def sync_log(db: Database, ref: str | None = None, limit: int = 200) -> list[SyncLogEntry]:
    """The newest sync runs first, of one integration or all."""
    with db.session() as session:
        names = dict(session.execute(select(POSIntegration.id, POSIntegration.name)).all())
        query = select(IntegrationSyncLog).order_by(IntegrationSyncLog.started_at.desc())
        if ref is not None:
            info = find_integration(db, ref)
            query = query.where(IntegrationSyncLog.integration_id == info.id)
        rows = session.scalars(query.limit(limit))
        return [
            SyncLogEntry(
                id=r.id,
                integration_id=r.integration_id,
                integration_name=names.get(r.integration_id, "(removed integration)")
                if r.integration_id is not None
                else "(removed integration)",
                sync_type=r.sync_type,
                status=r.status,
                started_at=r.started_at,
                completed_at=r.completed_at,
                records_processed=r.records_processed,
                errors=[str(e) for e in (r.error_details or [])],
                summary=dict(r.summary or {}),
            )
            for r in rows
        ]


def _info(row: POSIntegration) -> IntegrationInfo:
    config = row.configuration or {}
    return IntegrationInfo(
        id=row.id,
        external_key=row.external_key,
        name=row.name,
        type=row.type,
        status=row.status,
        sync_frequency=row.sync_frequency,
        base_url=config.get("baseUrl"),
        location_map=dict(config.get("locationMap") or {}),
        last_sync_at=row.last_sync_at,
        configuration=dict(config),
        sync_settings=dict(row.sync_settings or {}),
    )


def list_integrations(db: Database) -> list[IntegrationInfo]:
    with db.session() as session:
        rows = session.scalars(select(POSIntegration).order_by(POSIntegration.name))
        return [_info(r) for r in rows]


def _ref_filter(ref: str) -> Any:
    try:
        as_id = uuid.UUID(ref)
    except ValueError:
        return POSIntegration.external_key == ref
    return or_(POSIntegration.id == as_id, POSIntegration.external_key == ref)


def find_integration(db: Database, ref: str) -> IntegrationInfo:
    """The integration whose UUID or external key (the seed's id) is ``ref``."""
    with db.session() as session:
        row = session.scalars(select(POSIntegration).where(_ref_filter(ref))).first()
        if row is None:
            known = ", ".join(
                k or str(i)
                for i, k in session.execute(
                    select(POSIntegration.id, POSIntegration.external_key)
                ).all()
            )
            raise NotFoundError(
                f"No POS integration {ref!r}. Known integrations: {known or 'none yet'}."
            )
        return _info(row)


def remove(db: Database, ref: str) -> IntegrationInfo:
    """Delete the integration (by UUID or external key), its mappings and its credentials."""
    info = find_integration(db, ref)
    with db.session() as session:
        row = session.get(POSIntegration, info.id)
        keys = list((row.configuration or {}).get(CREDENTIAL_KEYS) or []) if row else []
        session.execute(delete(POSIntegration).where(POSIntegration.id == info.id))
    if keys:
        delete_credentials(info.id, keys)
    return info


def _debug_on() -> bool:
    """Debug mode (``POS_SYNC_DEBUG``, the menu toggle) turns the ``possync`` logger to DEBUG;
    adapters then log each request and response, secrets redacted."""
    return logging.getLogger("possync.pos").isEnabledFor(logging.DEBUG)


def _no_credentials(name: str) -> ValidationError:
    return ValidationError(
        f"No credentials are stored for the integration {name!r}; edit the integration and "
        "enter its credentials again (or remove it and run "
        "'possync integrations add --from-json FILE')."
    )


def make_adapter(record: IntegrationRecord) -> POSAdapter:
    """The adapter for ``record``, with its credentials read from the keyring."""
    if record.type == IntegrationType.DEMO:
        raise ValidationError(DEMO_NOT_SYNCED)
    config = record.configuration
    keys = list(config.get(CREDENTIAL_KEYS) or [])
    credentials = read_credentials(record.id, keys) if keys else {}
    if not credentials:
        raise _no_credentials(record.name)
    return _adapter(record.type, record.name, config, credentials)


def _adapter(
    kind: str, name: str, config: Mapping[str, Any], credentials: dict[str, str]
) -> POSAdapter:
    base_url = check_base_url(str(config.get("baseUrl") or ""))
    api_version = config.get("apiVersion")
    adapter: POSAdapter
    if kind == IntegrationType.SQUARE:
        adapter = SquareAdapter(base_url, credentials, api_version=api_version, debug=_debug_on)
    elif kind == IntegrationType.SHOPIFY:
        adapter = ShopifyAdapter(base_url, credentials, api_version=api_version, debug=_debug_on)
    elif kind == IntegrationType.WOOCOMMERCE:
        adapter = WooCommerceAdapter(
            base_url,
            credentials,
            api_version=api_version,
            query_string_auth=bool(config.get("queryStringAuth")),
            debug=_debug_on,
        )
    elif kind == IntegrationType.CUSTOM:
        adapter = CustomAdapter(
            base_url,
            credentials,
            mapping=config.get("mapping") or {},
            api_version=api_version,
            debug=_debug_on,
        )
    else:
        raise ValidationError(f"Unknown POS type {kind!r} for {name!r}.")
    return guarded(adapter)  # a malformed answer is the POS's error, not a crash


# -- asking the POS before anything is saved -------------------------------------------------
def _probe_adapter(db: Database, data: dict[str, Any], ref: str | None) -> POSAdapter:
    """The adapter for the integration a form describes, checked as ``add_from_json`` and
    ``update_from_json`` check it but with nothing written. Editing (``ref`` given) with the
    secrets left empty uses the stored ones."""
    if not isinstance(data, Mapping):
        raise ValidationError("An integration file holds one JSON object.")
    kind = _type(data)
    info = find_integration(db, ref) if ref is not None else None
    kept: list[str] | None = None
    if info is not None:
        if info.type == IntegrationType.DEMO:
            raise ValidationError("The Demo POS is managed by possync; it cannot be edited.")
        kept = list(info.configuration.get(CREDENTIAL_KEYS) or []) if kind == info.type else []
    configuration, credentials = _configuration(db, data, kind, kept_credentials=kept)
    typed_name = data.get("name")
    name = typed_name.strip() if isinstance(typed_name, str) and typed_name.strip() else ""
    name = name or (info.name if info is not None else f"new {kind} integration")
    if not credentials and info is not None:
        credentials = read_credentials(info.id, kept or [])
        if any(k not in credentials for k in REQUIRED_CREDENTIALS[kind]):
            raise _no_credentials(info.name)
    return _adapter(kind, name, configuration, credentials)


async def _built_off_loop(db: Database, data: dict[str, Any], ref: str | None) -> POSAdapter:
    """``_probe_adapter`` in a worker thread (it reads the database and the keyring, and
    building a client reads TLS settings). Cancelled meanwhile, the adapter it still builds
    is closed before the cancellation goes on."""
    task = asyncio.ensure_future(asyncio.to_thread(_probe_adapter, db, data, ref))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except Exception:  # the cancellation is what the caller hears about
                break
        if not task.cancelled() and task.exception() is None:
            await task.result().aclose()
        raise


async def fetch_locations(
    db: Database, data: dict[str, Any], ref: str | None = None
) -> list[LocationChoice]:
    """The locations the POS of a not-yet-saved form lists (``data`` in the seed's shape;
    ``ref`` the integration being edited, whose stored secrets fill in empty ones).

    Nothing is written. Raises :class:`ValidationError` for what the form gets wrong, and
    the POS's own errors (:class:`POSSystemUnavailableError`, :class:`InventorySyncError`
    with the POS's text, never a secret) when it cannot be asked."""
    adapter = await _built_off_loop(db, data, ref)
    try:
        found = await adapter.list_locations()
    finally:
        await adapter.aclose()
    return [LocationChoice(loc.id, loc.name or loc.id, loc.active) for loc in found]
