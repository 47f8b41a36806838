"""Barcode arithmetic and scan parsing.

``normalize_gtin`` turns EAN-8/UPC-A/EAN-13/GTIN-14 into the 14-digit GTIN the store
indexes, so a UPC-A scan finds the product whose EAN-13 is the same number with a leading 0.
``parse_scan`` reads what a USB wedge scanner typed: a bare GTIN, a GS1 element string
(GTIN, lot, serial, expiry) or, failing both, a SKU.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True when ``code`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if not code.isdigit() or len(code) not in GTIN_LENGTHS:
        return False
    return gs1_check_digit(code[:-1]) == int(code[-1])


def make_ean13(body12: str) -> str:
    """Append the check digit to twelve digits."""
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError("an EAN-13 body is 12 digits")
    return body12 + str(gs1_check_digit(body12))


def normalize_gtin(code: str) -> str | None:
    """The 14-digit GTIN for a valid GTIN of any length, else None."""
    code = code.strip()
    if not is_valid_gtin(code):
        return None
    return code.zfill(14)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan told us. ``gtin`` is normalised to 14 digits when present."""

    raw: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    quantity: int | None = None
    error: str | None = None

    @property
    def lookup_key(self) -> str:
        """What to look a product up by: the GTIN, else the raw text (a SKU)."""
        return self.gtin or self.raw


def parse_scan(text: str) -> ScanResult:
    """Parse scanner input; never raises (biip's sharp edges are handled here)."""
    raw = text.strip()
    if not raw:
        return ScanResult(raw="", error="Nothing was scanned")
    plain = normalize_gtin(raw)
    if plain is not None:
        return ScanResult(raw=raw, gtin=plain)
    if raw.isdigit() and len(raw) in GTIN_LENGTHS:
        return ScanResult(raw=raw, error=f"Barcode {raw} has a wrong check digit")
    if raw.startswith(("]", "(")) or (raw.isdigit() and len(raw) > 14) or "\x1d" in raw:
        return _parse_gs1(raw)
    return ScanResult(raw=raw)  # a SKU typed or scanned from a Code 128 label


def _parse_gs1(raw: str) -> ScanResult:
    try:
        import biip  # noqa: PLC0415 - optional heavy import only when a GS1 string is seen
        from biip.gs1_messages import GS1Message  # noqa: PLC0415

        msg = GS1Message.parse_hri(raw) if raw.startswith("(") else biip.parse(raw).gs1_message
    except (IndexError, ValueError, Exception) as exc:  # biip raises ParseError/IndexError
        return ScanResult(raw=raw, error=f"Could not read barcode {raw!r}: {exc}")
    if msg is None:
        return ScanResult(raw=raw, error=f"Could not read barcode {raw!r}")
    fields: dict[str, object] = {}
    for es in msg.element_strings:
        ai = es.ai.ai
        if ai in ("01", "02") and es.gtin is not None:
            fields["gtin"] = normalize_gtin(es.value)
        elif ai == "10":
            fields["lot"] = es.value
        elif ai == "21":
            fields["serial"] = es.value
        elif ai in ("17", "15") and es.date is not None and "expiry" not in fields:
            fields["expiry"] = es.date
        elif ai in ("30", "37") and es.value.isdigit():
            fields["quantity"] = int(es.value)
    if not fields.get("gtin"):
        return ScanResult(raw=raw, error=f"Barcode {raw!r} carries no valid GTIN")
    return ScanResult(raw=raw, **fields)  # type: ignore[arg-type]
