"""What a USB wedge scanner types, read as the Receiving tab reads it: EAN-13, UPC-A, EAN-8,
GTIN-14, GS1 element strings with FNC1 as ASCII GS, AIM symbology prefixes, the
human-readable (AI) form, ``N*`` quantities, wrong check digits and garbage (never an
exception)."""

from __future__ import annotations

import random
import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from possync_gui.domain.barcodes import GS, make_ean13, normalize_gtin, parse_scan

EAN13 = "4006381333931"
GTIN14 = "0" + EAN13
UPCA = "036000291452"


@pytest.mark.parametrize(
    ("text", "gtin"),
    [
        (EAN13, GTIN14),  # EAN-13
        (UPCA, "00" + UPCA),  # UPC-A finds the product stored under its EAN-13 form
        ("0" + UPCA, "00" + UPCA),  # the same number scanned as EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("10036000291459", "10036000291459"),  # GTIN-14 of a case
        (f"  {EAN13}\r\n", GTIN14),  # the scanner's Enter and stray spaces
    ],
)
def test_plain_gtins_of_every_length_normalise_to_gtin_14(text: str, gtin: str) -> None:
    result = parse_scan(text)
    assert result.ok and result.kind == "gtin"
    assert result.gtin == gtin
    assert result.units == 1 and result.serial is None
    assert normalize_gtin(text.strip()) == gtin


@pytest.mark.parametrize("text", ["4006381333932", "036000291453", "96385075", "10036000291450"])
def test_a_wrong_check_digit_is_rejected_with_the_right_digit_named(text: str) -> None:
    result = parse_scan(text)
    assert not result.ok and result.gtin is None
    assert text in (result.error or "")
    assert "check digit" in (result.error or "")
    good = str((int(text[-1]) + 9) % 10)  # each sample is one above its true check digit
    assert f"should be {good}" in (result.error or "")


def test_gs1_128_with_serial_and_lot_separated_by_fnc1_as_gs() -> None:
    result = parse_scan(f"]C101{GTIN14}21SN-0001{GS}10LOT7{GS}17271231")
    assert result.ok and result.kind == "gs1" and result.symbology == "]C1"
    assert (result.gtin, result.serial, result.lot) == (GTIN14, "SN-0001", "LOT7")
    assert result.expiry == date(2027, 12, 31)


def test_gs1_datamatrix_qr_and_databar_prefixes() -> None:
    dm = parse_scan(f"]d201{GTIN14}21ABC{GS}17260101")
    assert (dm.gtin, dm.serial, dm.expiry, dm.symbology) == (GTIN14, "ABC", date(2026, 1, 1), "]d2")
    qr = parse_scan(f"]Q301{GTIN14}10B-12")
    assert (qr.gtin, qr.lot, qr.symbology) == (GTIN14, "B-12", "]Q3")
    databar = parse_scan(f"]e001{GTIN14}3024")
    assert (databar.gtin, databar.quantity, databar.units) == (GTIN14, 24, 24)


def test_a_leading_fnc1_and_a_trailing_separator_are_harmless() -> None:
    assert parse_scan(f"]C1{GS}01{GTIN14}21X1").serial == "X1"
    assert parse_scan(f"{GS}01{GTIN14}21X1{GS}").gtin == GTIN14


@pytest.mark.parametrize(
    ("text", "gtin"),
    [
        (f"]E0{EAN13}", GTIN14),
        (f"]E00{UPCA}", "00" + UPCA),  # UPC-A is sent as EAN-13 with a leading 0
        ("]E496385074", "00000096385074"),  # EAN-8
        (f"]E3{EAN13}12", GTIN14),  # EAN-13 with a 2-digit add-on: the add-on is dropped
        ("]I110036000291459", "10036000291459"),  # ITF-14
    ],
)
def test_ean_and_upc_symbology_prefixes_are_stripped(text: str, gtin: str) -> None:
    result = parse_scan(text)
    assert result.ok and result.gtin == gtin and result.symbology == text[:3]


def test_a_prefixed_ean_with_a_wrong_check_digit_is_rejected() -> None:
    result = parse_scan("]E04006381333932")
    assert not result.ok and "check digit" in (result.error or "")


def test_a_non_gs1_symbology_carries_a_sku() -> None:
    result = parse_scan("]C0WIDGET-001")
    assert result.ok and result.kind == "text" and result.code == "WIDGET-001"
    assert result.lookup_key == "WIDGET-001" and result.symbology == "]C0"


def test_human_readable_element_strings() -> None:
    result = parse_scan(f"(01){GTIN14}(10)L1(21)S-9(17)270630(30)6")
    assert (result.gtin, result.lot, result.serial, result.quantity) == (GTIN14, "L1", "S-9", 6)
    assert result.expiry == date(2027, 6, 30)


def test_best_before_is_the_expiry_only_when_there_is_no_expiry_date() -> None:
    assert parse_scan(f"01{GTIN14}15260101").expiry == date(2026, 1, 1)
    both = parse_scan(f"01{GTIN14}15260101{GS}17270101")
    assert both.expiry == date(2027, 1, 1)


def test_a_gs1_string_with_a_wrong_gtin_check_digit_is_rejected() -> None:
    result = parse_scan("]C1010400638133393221X")
    assert not result.ok and "04006381333932" in (result.error or "")
    assert "check digit" in (result.error or "")


def test_a_gs1_string_without_a_gtin_or_with_a_bad_date_is_an_error() -> None:
    assert "no product number" in (parse_scan("]C110LOT1").error or "")
    assert not parse_scan(f"01{GTIN14}17261399").ok  # month 13
    assert "pallet" in (parse_scan("]C100006141411234567890").error or "")


@pytest.mark.parametrize(
    ("text", "multiplier", "units"),
    [
        (f"12*{EAN13}", 12, 12),
        (f"3*]C101{GTIN14}3012", 3, 36),  # three cases of twelve
        ("2*WIDGET-001", 2, 2),
    ],
)
def test_a_quantity_typed_before_a_star(text: str, multiplier: int, units: int) -> None:
    result = parse_scan(text)
    assert result.ok and result.multiplier == multiplier and result.units == units
    assert result.raw == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"0*{EAN13}", "adds nothing"),
        (f"*{EAN13}", "before the star"),
        ("12*", "needs a barcode"),
        (f"100000*{EAN13}", "too many"),
    ],
)
def test_bad_quantities_are_explained(text: str, words: str) -> None:
    result = parse_scan(text)
    assert not result.ok and words in (result.error or "")


def test_a_sku_with_a_star_inside_is_still_a_sku() -> None:
    result = parse_scan("AB*12")
    assert result.ok and result.code == "AB*12" and result.multiplier == 1


def test_a_gs1_digital_link_is_read() -> None:
    result = parse_scan(f"https://id.gs1.org/01/{GTIN14}/21/XYZ")
    assert (result.gtin, result.serial) == (GTIN14, "XYZ")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "]", "]C", "]C1", "]0abc", "\x01\x02", "abc\x00", "(99", "()", GS + GS, "]E1"],
)
def test_garbage_is_an_error_result_never_an_exception(text: str) -> None:
    result = parse_scan(text)
    assert not result.ok and result.error
    assert result.gtin is None


def test_random_bytes_never_raise() -> None:
    rng = random.Random(5)
    alphabet = string.printable + GS + "\x00\x02\x03\x7f]()*\u00e9\ufffd"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        result = parse_scan(text)
        assert result.ok or result.error


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_without_raising(text: str) -> None:
    result = parse_scan(text)
    assert result.ok or result.error
    if result.gtin is not None:
        assert normalize_gtin(result.gtin) == result.gtin


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_every_made_ean13_parses_back(body: str) -> None:
    code = make_ean13(body)
    assert parse_scan(code).gtin == "0" + code
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not parse_scan(wrong).ok


def test_an_overlong_scan_is_refused() -> None:
    assert "not one barcode" in (parse_scan("9" * 600).error or "")
