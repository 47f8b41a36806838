"""Suppliers and what they sell us: records, and the rules a supplier or a mapping must meet.

Pure Python: the store and the service check input with these functions, so the command
line, the dialog and a CSV file all get the same sentence for the same mistake.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from possync_gui.domain.errors import ValidationError

#: The mapping CSV's columns, in the order an export writes them.
MAPPING_COLUMNS = (
    "supplier_code",
    "sku",
    "supplier_sku",
    "unit_cost",
    "lead_time_days",
    "pack_size",
    "min_order_qty",
    "preferred",
)
MAX_LEAD_TIME_DAYS = 365
#: A whole number a PostgreSQL ``integer`` holds.
MAX_QUANTITY = 2_147_483_647
#: ``Numeric(12, 2)``: ten digits before the point.
MAX_AMOUNT = Decimal("9999999999.99")
DEFAULT_LEAD_TIME_DAYS = 7
CODE_LENGTH = 50
NAME_LENGTH = 255
EMAIL_LENGTH = 255
PHONE_LENGTH = 50
SUPPLIER_SKU_LENGTH = 100

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_AMOUNT = re.compile(r"\d+(?:[.,]\d+)?")
_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    """A supplier with how many products it is mapped to, and to how many as preferred."""

    id: uuid.UUID
    code: str
    name: str
    email: str | None
    phone: str | None
    currency: str
    product_count: int = 0
    preferred_count: int = 0


@dataclass(frozen=True, slots=True)
class SupplierFields:
    """A supplier as a person typed it, checked by :func:`check_supplier`."""

    code: str
    name: str
    email: str | None = None
    phone: str | None = None
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class SupplierProductRecord:
    """One supplier product mapping: what a supplier sells us, at what cost and terms."""

    id: uuid.UUID
    supplier_id: uuid.UUID
    supplier_code: str
    supplier_name: str
    product_id: uuid.UUID
    sku: str
    product_name: str
    supplier_sku: str | None
    unit_cost: Decimal
    lead_time_days: int
    min_order_qty: int
    pack_size: int
    is_preferred: bool
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class MappingTerms:
    """A mapping's terms, checked by :func:`check_terms`."""

    unit_cost: Decimal
    supplier_sku: str | None = None
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS
    pack_size: int = 1
    min_order_qty: int = 1
    is_preferred: bool = False


@dataclass(frozen=True, slots=True)
class UnassignedProduct:
    """A product no supplier is preferred for; ``offered_by`` counts the suppliers that do
    carry it (none preferred), so a buyer sees whether choosing one is enough."""

    product_id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    offered_by: int


@dataclass(frozen=True, slots=True)
class MappingImportReport:
    """What a mapping CSV import did; ``rejected`` holds (row, reason) per refused row, the
    row counted as a spreadsheet does (the header is row 1)."""

    rows: int
    added: int
    updated: int
    unchanged: int
    rejected: tuple[tuple[int, str], ...]

    @property
    def saved(self) -> int:
        return self.added + self.updated


def _text(value: str | None, label: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(f"The {label} is longer than {limit} characters.")
    return text or None


def check_supplier(fields: SupplierFields) -> SupplierFields:
    """``fields`` trimmed and normalised (currency upper case), or a :class:`ValidationError`
    saying what is wrong."""
    code = _text(fields.code, "supplier code", CODE_LENGTH)
    if code is None:
        raise ValidationError("A supplier needs a code (e.g. supplier-abc).")
    if any(ch.isspace() for ch in code):
        raise ValidationError(
            f"The supplier code {code!r} contains spaces; use letters, digits and dashes."
        )
    name = _text(fields.name, "supplier name", NAME_LENGTH)
    if name is None:
        raise ValidationError(f"Supplier {code} needs a name.")
    email = _text(fields.email, "email address", EMAIL_LENGTH)
    if email is not None and not _EMAIL.fullmatch(email):
        raise ValidationError(f"{email!r} is not an email address like orders@example.com.")
    phone = _text(fields.phone, "phone number", PHONE_LENGTH)
    currency = (fields.currency or "").strip()
    if not _CURRENCY.fullmatch(currency):
        raise ValidationError(
            f"The currency {currency!r} is not a three-letter code like USD or EUR."
        )
    return SupplierFields(code, name, email, phone, currency.upper())


def parse_amount(value: Decimal | str | int, label: str = "unit cost") -> Decimal:
    """A money amount: not negative, at most two decimals (``12,50`` reads as 12.50)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationError(f"The {label} is empty; type an amount like 12.50.")
        if text.startswith("-"):
            raise ValidationError(f"The {label} {text!r} must not be negative.")
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(f"The {label} {text!r} is not an amount like 12.50.")
        amount = Decimal(text.replace(",", "."))
    elif isinstance(value, bool):
        raise ValidationError(f"The {label} {value!r} is not an amount like 12.50.")
    else:
        try:
            amount = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError(f"The {label} {value!r} is not an amount.") from None
        if not amount.is_finite():
            raise ValidationError(f"The {label} {value!r} is not an amount.")
        if amount < 0:
            raise ValidationError(f"The {label} {value} must not be negative.")
    if amount > MAX_AMOUNT:
        raise ValidationError(f"The {label} {value} is too large.")
    cents = amount.quantize(Decimal("0.01"))
    if cents != amount:  # 12.50 and 12.500 are fine; 12.505 is not money
        raise ValidationError(f"The {label} {value} has more than two decimals.")
    return cents


def parse_whole(value: int | str, label: str, low: int, high: int = MAX_QUANTITY) -> int:
    """A whole number from ``low`` to ``high``."""
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(f"The {label} {text!r} is not a whole number.")
        number = int(text)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The {label} {value!r} is not a whole number.")
    else:
        number = value
    if number < low:
        raise ValidationError(f"The {label} must be at least {low} (not {number}).")
    if number > high:
        raise ValidationError(f"The {label} must be at most {high} (not {number}).")
    return number


def parse_flag(value: str, label: str = "preferred") -> bool:
    """yes/no, true/false, 1/0 (any case)."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"The {label} value {value.strip()!r} is not yes/no, true/false or 1/0.")


def check_terms(terms: MappingTerms) -> MappingTerms:
    """``terms`` checked: the cost an amount, lead time 0–365 days, pack size at least 1,
    minimum order not negative."""
    return MappingTerms(
        unit_cost=parse_amount(terms.unit_cost),
        supplier_sku=_text(terms.supplier_sku, "supplier SKU", SUPPLIER_SKU_LENGTH),
        lead_time_days=parse_whole(terms.lead_time_days, "lead time", 0, MAX_LEAD_TIME_DAYS),
        pack_size=parse_whole(terms.pack_size, "pack size", 1),
        min_order_qty=parse_whole(terms.min_order_qty, "minimum order quantity", 0),
        is_preferred=bool(terms.is_preferred),
    )
