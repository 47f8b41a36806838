"""POS credentials in the system keyring, never in the database, a log or an error (DESIGN.md §10).

Each secret is one keyring entry: service ``possync``, username ``"{integration_id}:{key}"``.
Where no keyring backend exists (a headless box without a Secret Service) every call raises
a :class:`ValidationError` saying what to install; the secret itself is never in the text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

import keyring
import keyring.errors
from keyring.backends import fail

from possync_gui.domain.errors import ValidationError

__all__ = ["SERVICE", "delete_credentials", "read_credentials", "store_credentials"]

SERVICE = "possync"

_NO_BACKEND = (
    "No keyring backend is available to keep POS credentials safe. Install one: a Secret "
    "Service (GNOME Keyring or KWallet) on Linux, or, on a headless machine, the "
    "'keyrings.alt' package (pip install keyrings.alt) and set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring."
)


def _username(integration_id: uuid.UUID | str, key: str) -> str:
    return f"{integration_id}:{key}"


def _check_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise ValidationError(_NO_BACKEND)


def _keyring_error(action: str, err: Exception) -> ValidationError:
    if isinstance(err, keyring.errors.NoKeyringError):
        return ValidationError(_NO_BACKEND)
    # The backend's own message may quote what it was given: name only its kind.
    return ValidationError(
        f"The keyring could not {action} POS credentials ({type(err).__name__})."
    )


def store_credentials(integration_id: uuid.UUID | str, credentials: Mapping[str, str]) -> None:
    """Store each credential; raises :class:`ValidationError` when there is no keyring."""
    _check_backend()
    try:
        for key, value in credentials.items():
            keyring.set_password(SERVICE, _username(integration_id, key), value)
    except keyring.errors.KeyringError as err:
        raise _keyring_error("store", err) from None


def read_credentials(integration_id: uuid.UUID | str, keys: Iterable[str]) -> dict[str, str]:
    """The stored credentials among ``keys`` (a key with no entry is left out)."""
    _check_backend()
    found: dict[str, str] = {}
    try:
        for key in keys:
            value = keyring.get_password(SERVICE, _username(integration_id, key))
            if value is not None:
                found[key] = value
    except keyring.errors.KeyringError as err:
        raise _keyring_error("read", err) from None
    return found


def delete_credentials(integration_id: uuid.UUID | str, keys: Iterable[str]) -> None:
    """Delete the entries of ``keys``; one that is already gone is fine."""
    _check_backend()
    for key in keys:
        try:
            keyring.delete_password(SERVICE, _username(integration_id, key))
        except keyring.errors.PasswordDeleteError:
            continue
        except keyring.errors.KeyringError as err:
            raise _keyring_error("delete", err) from None
