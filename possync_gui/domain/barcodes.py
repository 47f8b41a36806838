"""Barcode arithmetic and scan parsing.

``normalize_gtin`` turns EAN-8/UPC-A/EAN-13/GTIN-14 into the 14-digit GTIN the store
indexes, so a UPC-A scan finds the product whose EAN-13 is the same number with a leading 0.
``parse_scan`` reads what a USB wedge scanner typed: an optional ``N*`` quantity typed before
the code, an optional AIM symbology prefix (``]E0`` EAN-13, ``]C1`` GS1-128, ``]d2`` GS1
DataMatrix, ``]Q3`` GS1 QR, ``]e0`` DataBar…), then a bare GTIN, a GS1 element string (GTIN,
lot, serial, expiry, count; FNC1 sent as ASCII GS), its human-readable form ``(01)…(21)…``,
a GS1 Digital Link URL or, failing all of these, a SKU. It never raises: what cannot be read
comes back as a result with ``error`` set (biip's sharp edges, RECIPES.md §1.11, are handled
here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

GTIN_LENGTHS = (8, 12, 13, 14)
#: ASCII group separator: what scanners send for FNC1 between variable-length fields.
GS = "\x1d"
#: The most a person may type before ``*`` (a slip of the finger, not a delivery).
MAX_TYPED_QUANTITY = 99_999
#: Longest text taken from a scanner; anything longer is not one barcode.
MAX_SCAN_LENGTH = 512
#: A GS1 element string without a symbology prefix: a GTIN (01/02) and more after it.
_ELEMENT_STRING = re.compile(r"^0[12][0-9]{14}.")


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True when ``code`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if not code.isascii() or not code.isdigit() or len(code) not in GTIN_LENGTHS:
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
    """What one scan told us. ``gtin`` is normalised to 14 digits when present; ``code`` is
    the text to look a product up by when there is no GTIN (a SKU); ``quantity`` is the count
    a GS1 string carries (AI 30/37), ``multiplier`` the ``N`` typed as ``N*`` before the code."""

    raw: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    quantity: int | None = None
    error: str | None = None
    multiplier: int = 1
    code: str | None = None
    #: "gtin", "gs1" (an element string), "text" (a SKU) or "" (an error)
    kind: str = ""
    #: The AIM symbology prefix the scanner sent (``]E0``), if any.
    symbology: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def lookup_key(self) -> str:
        """What to look a product up by: the GTIN, else the code (a SKU), else the raw text."""
        return self.gtin or self.code or self.raw

    @property
    def units(self) -> int:
        """Units this scan stands for: the typed multiplier times the encoded count."""
        return self.multiplier * (self.quantity or 1)


def _fail(raw: str, message: str, multiplier: int = 1) -> ScanResult:
    return ScanResult(raw=raw, error=message, multiplier=multiplier)


def _shown(text: str) -> str:
    """The scanned text for a message: control characters visible, long text cut."""
    shown = text.replace(GS, "<GS>")
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in shown)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def parse_scan(text: str) -> ScanResult:
    """Parse scanner input; never raises."""
    raw = text.strip(" \t\r\n")
    if not raw:
        return _fail("", "Nothing was scanned")
    if len(raw) > MAX_SCAN_LENGTH:
        return _fail(raw, f"That is not one barcode ({len(raw)} characters)")
    multiplier, body, error = _split_multiplier(raw)
    if error:
        return _fail(raw, error)
    if not body:
        return _fail(raw, f"{multiplier}* needs a barcode after it", multiplier)
    bad = [ch for ch in body if not ch.isprintable() and ch != GS]
    if bad:
        return _fail(raw, f"Unreadable characters in the scan '{_shown(body)}'", multiplier)
    try:
        result = _parse_body(body)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the scan field
        result = ScanResult(raw=body, error=f"Could not read barcode '{_shown(body)}': {exc}")
    return _with(result, raw=raw, multiplier=multiplier)


def _split_multiplier(raw: str) -> tuple[int, str, str | None]:
    """``12*4006381333931`` → (12, the code); digits then ``*`` only, so a SKU keeps a star."""
    head, star, tail = raw.partition("*")
    if not star or not head.isascii() or not head.isdigit():
        if star and head == "":
            return 1, raw, "Type the quantity before the star, e.g. 12*4006381333931"
        return 1, raw, None
    count = int(head)
    if count <= 0:
        return 1, raw, f"A quantity of {count} adds nothing: type 1 or more before the star"
    if count > MAX_TYPED_QUANTITY:
        return 1, raw, f"{count:,} is too many units for one scan (at most {MAX_TYPED_QUANTITY:,})"
    return count, tail.strip(), None


def _parse_body(body: str) -> ScanResult:
    if body.startswith("]"):
        return _parse_prefixed(body)
    if body.isascii() and body.isdigit() and len(body) in GTIN_LENGTHS:
        return _parse_gtin(body, body)
    if body.startswith("("):
        return _parse_hri(body)
    if body.lower().startswith(("http://", "https://")):
        return _parse_digital_link(body)
    if GS in body or _ELEMENT_STRING.match(body) or (body.isdigit() and len(body) > 14):
        return _parse_element_string(body, body)
    return ScanResult(raw=body, code=body, kind="text")  # a SKU, typed or from a Code 128


def _parse_gtin(raw: str, digits: str) -> ScanResult:
    if len(digits) not in GTIN_LENGTHS or not digits.isdigit():
        return _fail(raw, f"Barcode '{_shown(digits)}' is not an EAN/UPC number")
    expected = gs1_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return _fail(
            raw,
            f"Barcode {digits} has a wrong check digit (ends in {digits[-1]}, should be "
            f"{expected}): a misread or a mistyped code — scan it again",
        )
    return ScanResult(raw=raw, gtin=digits.zfill(14), kind="gtin")


def _parse_prefixed(body: str) -> ScanResult:
    """An AIM symbology identifier (``]`` + code letter + modifier) before the data."""
    from biip import ParseError  # noqa: PLC0415 - biip is only needed for these scans
    from biip.symbology import GS1Symbology, SymbologyIdentifier  # noqa: PLC0415

    if len(body) < 3:
        return _fail(body, f"Incomplete symbology prefix '{_shown(body)}': scan again")
    try:
        ident = SymbologyIdentifier.extract(body)
    except (ParseError, IndexError, ValueError):
        return _fail(body, f"Unknown symbology prefix '{_shown(body[:3])}': scan again")
    data = body[len(ident.value) :]
    if not data:
        return _fail(body, f"Symbology prefix {_shown(ident.value)} without a code: scan again")
    sym = ident.gs1_symbology
    if sym in (GS1Symbology.EAN_TWO_DIGIT_ADD_ON, GS1Symbology.EAN_FIVE_DIGIT_ADD_ON):
        return _fail(body, "Only the add-on was read: scan the main barcode")
    if sym is GS1Symbology.EAN_13_WITH_ADD_ON:
        data = data[:13]  # the 2- or 5-digit add-on (issue or price) is not the product
    result: ScanResult
    if sym in GS1Symbology.with_gtin():
        result = _parse_gtin(body, data)
    elif sym in GS1Symbology.with_gs1_messages():
        result = _parse_element_string(body, data)
    else:  # Code 128, Code 39, a plain QR or DataMatrix…: the text it carries
        inner = _parse_body(data)
        result = _with(inner, raw=body)
    return _with(result, symbology=ident.value)


def _with(result: ScanResult, **changes: Any) -> ScanResult:
    fields = {name: getattr(result, name) for name in ScanResult.__slots__}
    fields.update(changes)
    return ScanResult(**fields)


def _parse_element_string(raw: str, data: str) -> ScanResult:
    from biip import ParseError  # noqa: PLC0415
    from biip.gs1_messages import GS1Message  # noqa: PLC0415

    try:
        msg = GS1Message.parse(data)
    except (ParseError, IndexError, ValueError) as exc:
        return _fail(raw, f"Could not read GS1 barcode '{_shown(raw)}': {exc}")
    return _from_message(raw, msg)


def _parse_hri(raw: str) -> ScanResult:
    from biip import ParseError  # noqa: PLC0415
    from biip.gs1_messages import GS1Message  # noqa: PLC0415

    try:
        msg = GS1Message.parse_hri(raw)
    except (ParseError, IndexError, ValueError) as exc:
        return _fail(raw, f"Could not read '{_shown(raw)}' as (AI)value pairs: {exc}")
    return _from_message(raw, msg)


def _parse_digital_link(raw: str) -> ScanResult:
    from biip import ParseError  # noqa: PLC0415
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI  # noqa: PLC0415

    try:
        msg = GS1DigitalLinkURI.parse(raw).as_gs1_message()
    except (ParseError, IndexError, ValueError):
        return ScanResult(raw=raw, code=raw, kind="text")  # some other link: looked up as text
    return _from_message(raw, msg)


def _from_message(raw: str, msg: Any) -> ScanResult:
    """Pick GTIN (01; 02 for the contents of a logistic unit), lot (10), serial (21), expiry
    (17; 15 best-before only when no 17) and count (30/37) out of a parsed GS1 message."""
    fields: dict[str, Any] = {}
    for es in msg.element_strings:
        error = _take_element(raw, es, fields)
        if error:
            return _fail(raw, error)
    best_before = fields.pop("best_before", None)
    if "gtin" not in fields:
        return _fail(raw, f"Barcode '{_shown(raw)}' carries no product number (GTIN, AI 01)")
    if "expiry" not in fields and best_before is not None:
        fields["expiry"] = best_before
    return ScanResult(raw=raw, kind="gs1", **fields)


def _take_element(raw: str, es: Any, fields: dict[str, Any]) -> str | None:
    """Put one element string's meaning into ``fields``; returns an error message."""
    ai = es.ai.ai
    if ai in ("01", "02") and "gtin" not in fields:
        if es.gtin is None:
            return f"Barcode '{_shown(raw)}': GTIN {es.value} is wrong ({es.gtin_error})"
        fields["gtin"] = es.value.zfill(14)
    elif ai == "00":
        return f"That is a pallet or carton label (SSCC {es.value}): scan the items' barcodes"
    elif ai in ("10", "21"):
        fields["lot" if ai == "10" else "serial"] = es.value
    elif ai in ("17", "15") and es.date is not None:
        fields["expiry" if ai == "17" else "best_before"] = es.date
    elif ai in ("30", "37") and es.value.isdigit():
        if int(es.value) <= 0:
            return f"Barcode '{_shown(raw)}' carries a count of {int(es.value)}"
        fields["quantity"] = int(es.value)
    return None
