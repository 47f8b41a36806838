"""900 fuzzed scanner inputs through the scan handling without Qt (``parse_scan`` and the
receiving ``ScanBoard``, as the Receiving tab uses them): control characters, GS1 junk,
FNC1 and AIM prefixes, ``N*`` forms, unicode digits, texts of thousands of characters,
valid codes with junk inserted. Each is either counted exactly (the units it stands for,
on the product it names) or refused with one printable sentence that adds nothing; the
board's counters stay the sum of its lines and it still makes a postable delivery.
(tests/unit/test_barcodes.py checks ``parse_scan`` never raises on plain random text; the
other 100 inputs go through the real widget in tests/ui/test_receiving_fuzz.py.)"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from possync_gui.domain.barcodes import parse_scan
from tests.faults.robust_fuzz import CASE, WIDGET, judge_scan, new_board, scanner_text

EXAMPLES = 900


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
@given(texts=st.lists(scanner_text(), min_size=1, max_size=1))
def test_fuzzed_scans_are_counted_exactly_or_refused_clearly(texts: list[str]) -> None:
    board = new_board()
    for text in texts:
        assert judge_scan(board, text) in ("ok", "error")
    delivery = board.to_delivery_input(delivery_id="FZ-1", received_by="fuzz")
    assert sum(item.quantity_received for item in delivery.items) == board.counters().units


def test_the_fuzzers_valid_codes_are_counted() -> None:
    """The oracle itself: codes the fuzzer mutates do count, with their multiplier."""
    board = new_board()
    for text in (WIDGET, "0" + WIDGET, f"]E0{CASE}", f"12*{CASE}", f"]C101{'0' + WIDGET}"):
        assert judge_scan(board, text) == "ok", parse_scan(text)
    assert board.counters().units == 1 + 1 + 1 + 12 + 1
