"""The credentials part of the integration dialog: the fields each POS type needs.

Secrets are typed with password echo and never shown again: the keyring keeps them. When
editing, leaving them empty keeps the stored ones.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.enums import IntegrationType

MAPPING_EXAMPLE = """{
  "itemsPath": "/api/stock",
  "recordsKey": "items",
  "fields": {"id": "id", "sku": "sku", "quantity": "available", "location": "store"},
  "pagination": {"type": "none"}
}"""


def mapping_json(text: str) -> dict[str, Any]:
    """The custom source's field mapping typed as JSON, or ``ValueError`` saying why not."""
    if not text.strip():
        raise ValueError("A custom integration needs its field mapping (JSON).")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(
            f"The field mapping is not valid JSON: {err.msg} (line {err.lineno}, "
            f"column {err.colno})."
        ) from None
    if not isinstance(value, dict):
        raise ValueError("The field mapping must be a JSON object ({…}).")
    return value


def _form(page: QWidget) -> QFormLayout:
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    return form


def _secret() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class CredentialsBox(QGroupBox):
    """Pages of fields, one per POS type; ``configuration(kind)`` gives what they add to the
    seed's ``configuration`` (``credentials`` and, per type, ``queryStringAuth``/``mapping``)."""

    def __init__(self, *, editing: bool, parent: Any = None) -> None:
        super().__init__("Credentials — kept in the system keyring, never in the database", parent)
        self._editing = editing
        self.access_token = _secret()
        self.consumer_key = _secret()
        self.consumer_secret = _secret()
        self.query_string_auth = QCheckBox(
            "Send the keys in the query string (hosts that drop the Authorization header)"
        )
        self.api_key = _secret()
        self.mapping = QPlainTextEdit()
        self.mapping.setPlaceholderText(MAPPING_EXAMPLE)
        self.mapping.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.mapping.setMinimumHeight(140)
        self.mapping.setTabChangesFocus(True)
        self.mapping.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("QLabel { color: #555; }")
        self.pages = QStackedWidget()
        token = QWidget()
        token_form = _form(token)
        token_form.addRow("Access to&ken:", self.access_token)
        woo = QWidget()
        woo_form = _form(woo)
        woo_form.addRow("Consumer &key:", self.consumer_key)
        woo_form.addRow("Consumer s&ecret:", self.consumer_secret)
        woo_form.addRow(self.query_string_auth)
        custom = QWidget()
        custom_form = _form(custom)
        custom_form.addRow("API &key:", self.api_key)
        custom_form.addRow("Field mapping (&JSON):", self.mapping)
        self._pages = (token, woo, custom)
        for page in self._pages:
            self.pages.addWidget(page)
        self._page_of = {
            IntegrationType.SQUARE: token,
            IntegrationType.SHOPIFY: token,
            IntegrationType.WOOCOMMERCE: woo,
            IntegrationType.CUSTOM: custom,
        }
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.note)

    def _secrets(self, kind: IntegrationType) -> dict[str, QLineEdit]:
        """The secret fields of ``kind`` by their seed (camelCase) names."""
        if kind is IntegrationType.WOOCOMMERCE:
            return {"consumerKey": self.consumer_key, "consumerSecret": self.consumer_secret}
        if kind is IntegrationType.CUSTOM:
            return {"apiKey": self.api_key}
        return {"accessToken": self.access_token}

    def set_type(self, kind: IntegrationType, *, kept: bool) -> None:
        """Show ``kind``'s fields; ``kept`` when the keyring holds its secrets already."""
        current = self._page_of[kind]
        self.pages.setCurrentWidget(current)
        # The box is as tall as the page shown, not as the tallest page.
        for page in self._pages:
            policy = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.adjustSize()
        hint = "leave empty to keep the stored value" if kept else "required"
        for field in self._secrets(kind).values():
            field.setPlaceholderText(hint)
        self.note.setText(
            "The stored secrets are kept unless you type new ones."
            if kept
            else "Paste the secrets from the POS's admin page (they are not shown again)."
        )

    def fill(self, configuration: dict[str, Any]) -> None:
        """What the stored configuration says (never secrets: those stay in the keyring)."""
        self.query_string_auth.setChecked(bool(configuration.get("queryStringAuth")))
        mapping = configuration.get("mapping")
        if isinstance(mapping, dict):
            self.mapping.setPlainText(json.dumps(mapping, indent=2))

    def configuration(self, kind: IntegrationType) -> dict[str, Any]:
        """``credentials`` (left out when none was typed) and the type's own keys; raises
        ``ValueError`` for half-typed secrets or a mapping that is not JSON."""
        result: dict[str, Any] = {}
        fields = self._secrets(kind)
        typed = {key: field.text() for key, field in fields.items() if field.text()}
        if typed:
            missing = [key for key in fields if key not in typed]
            if missing:
                names = " and ".join(_words(key) for key in missing)
                raise ValueError(
                    f"Type the {names} too: secrets are replaced together"
                    + (
                        ", or leave them all empty to keep the stored ones."
                        if self._editing
                        else "."
                    )
                )
            result["credentials"] = typed
        if kind is IntegrationType.WOOCOMMERCE:
            result["queryStringAuth"] = self.query_string_auth.isChecked()
        if kind is IntegrationType.CUSTOM:
            result["mapping"] = mapping_json(self.mapping.toPlainText())
        return result


def _words(key: str) -> str:
    """``consumerSecret`` → ``consumer secret``."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in key).strip()
