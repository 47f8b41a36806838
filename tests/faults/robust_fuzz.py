"""What the fuzz campaign feeds possync, and how it judges each answer (shared by
tests/faults/test_fuzz_*.py and bench/faults_inputs.py, which counts instead of asserting).

Every judge returns ``"ok"`` (a correct result) or ``"error"`` (a clear, user-facing
refusal) and raises ``AssertionError`` for anything else: a wrong result, an unclear
message. Any other exception escaping a judge is a crash.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from possync_gui.domain.barcodes import GS, MAX_SCAN_LENGTH, ScanResult, make_ean13, parse_scan
from possync_gui.domain.receiving import ReceivingLine, ReceivingPlan
from possync_gui.domain.scan_board import Outcome, ScanBoard

# -- scanner input ---------------------------------------------------------------------------
WIDGET = make_ean13("400638133393")
CASE = make_ean13("501234567890")
PHONE = make_ean13("761234567890")
KNOWN = {"WIDGET": WIDGET, "CASE-ITEM": CASE}

_AIM = ["]E0", "]E4", "]C1", "]d2", "]Q3", "]e0", "]A0", "]X9", "]", "]]", "]E", "]C"]
_JUNK = st.sampled_from(
    ["\x00", "\x1b", "\x7f", "\r", "\t", "\u200b", "\ufeff", "\ud7ff", "é", "𝟘", "٣", "*", "(", ")"]
)
_GS1 = st.builds(
    "".join,
    st.lists(
        st.one_of(
            st.sampled_from(["01", "02", "10", "17", "15", "21", "30", "37", "00", "99", "(01)"]),
            st.text(alphabet="0123456789", min_size=1, max_size=16),
            st.just(GS),
            st.text(alphabet="ABCxyz-/ ", max_size=6),
        ),
        max_size=10,
    ),
)


def _valid_code(draw: st.DrawFn) -> str:
    """A code the board must count exactly (EAN-13, its GTIN-14, AIM-prefixed, GS1)."""
    ean = draw(st.sampled_from(sorted(KNOWN.values())))
    return draw(
        st.sampled_from(
            [ean, "0" + ean, f"]E0{ean}", f"]C101{'0' + ean}", f"]d201{'0' + ean}10LOT{GS}17271231"]
        )
    )


@st.composite
def scanner_text(draw: st.DrawFn) -> str:
    """What a scanner (or a person at the scan field) might send."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        text = draw(st.text(max_size=40))
    elif kind == 1:
        text = draw(st.sampled_from(_AIM)) + draw(st.one_of(_GS1, st.text(max_size=20)))
    elif kind == 2:
        text = draw(_GS1)
    elif kind == 3:  # huge
        text = draw(st.sampled_from(["9", "A", GS, "]C1", "é"])) * draw(
            st.integers(MAX_SCAN_LENGTH - 2, 5 * MAX_SCAN_LENGTH)
        )
    elif kind == 4:  # N* forms
        count = draw(st.one_of(st.integers(-5, 200_000), st.sampled_from(["", "0", "٣", "1e3"])))
        text = f"{count}*{draw(st.one_of(st.just(_valid_code(draw)), st.text(max_size=14)))}"
    elif kind == 5:  # a valid code, mutated
        code = list(_valid_code(draw))
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(code)))
            code.insert(at, draw(_JUNK))
        text = "".join(code)
    elif kind == 6:
        text = draw(st.text(alphabet="0123456789", min_size=6, max_size=20))
    else:
        text = _valid_code(draw)
    return text


def _plan() -> ReceivingPlan:
    lines = tuple(
        ReceivingLine(
            product_id=uuid.uuid5(uuid.NAMESPACE_DNS, sku),
            sku=sku,
            name=f"{sku} name",
            barcode=ean,
            gtin="0" + ean,
            is_serialized=False,
            ordered=50,
            received=0,
            unit_cost=Decimal("2.50"),
        )
        for sku, ean in KNOWN.items()
    )
    return ReceivingPlan(uuid.uuid4(), "PO-2026-000001", "SUP", "Supplier", "MAIN", "sent", lines)


def new_board() -> ScanBoard:
    return ScanBoard(_plan())


def _clear(message: str) -> None:
    assert message.strip(), "an empty message"
    assert all(ch.isprintable() for ch in message), f"unprintable characters in {message!r}"
    assert len(message) < 1000, f"a message of {len(message)} characters: {message[:700]!r}"


def judge_scan(board: ScanBoard, text: str) -> str:
    """Parse ``text`` as the scan field does and put it on ``board``."""
    scan: ScanResult = parse_scan(text)
    assert isinstance(scan, ScanResult)
    if not scan.ok:
        assert scan.error is not None
        _clear(scan.error)
    before = board.counters()
    product = board.find_local(scan)
    outcome = board.apply(scan, product)
    after = board.counters()
    assert after.units == sum(line.scanned for line in board.lines)
    if outcome.outcome is Outcome.ADDED:
        assert product is not None and scan.ok
        assert scan.gtin in (None, *(("0" + e).zfill(14) for e in KNOWN.values())), scan
        assert outcome.units == scan.units >= 1
        assert after.units - before.units == scan.units
        return "ok"
    _clear(outcome.message)
    assert after.units == before.units
    return "error"


# -- delivery files ----------------------------------------------------------------------------
_HUGE = st.sampled_from(
    ["1e400", "-1e400", "1" + "0" * 40, "9" * 400, "NaN", "Infinity", "-0", "0.0000001", "1e-400"]
)
_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
DELIVERY_KEYS = ("deliveryId", "supplierId", "warehouseId", "receivedAt", "receivedBy", "items",
                 "purchaseOrderId")  # fmt: skip
ITEM_KEYS = ("productId", "productCode", "quantityReceived", "unitCost", "serialNumbers", "lot",
             "expiry")  # fmt: skip


def base_delivery(delivery_id: str) -> dict[str, Any]:
    return {
        "deliveryId": delivery_id,
        "supplierId": "supplier-abc",
        "warehouseId": "main-warehouse",
        "receivedBy": "fuzz",
        "receivedAt": "2026-12-01T08:00:00Z",
        "items": [
            {"productCode": "WIDGET-001", "quantityReceived": 3, "unitCost": "15.99"},
            {"productCode": "LOOSE-1", "quantityReceived": 2},
        ],
    }


@st.composite
def delivery_json(draw: st.DrawFn, delivery_id: str) -> bytes:
    """A JSON delivery file: the seed's shape broken in one or more places, or junk."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=60))
    if kind == 1:
        return json.dumps(draw(_JSON)).encode()
    data = base_delivery(delivery_id)
    for _ in range(draw(st.integers(1, 4))):
        target: dict[str, Any] = data
        keys: tuple[str, ...] = DELIVERY_KEYS
        if draw(st.booleans()) and isinstance(data.get("items"), list) and data["items"]:
            target = draw(st.sampled_from(data["items"]))
            keys = ITEM_KEYS
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.integers(0, 2))
        if action == 0:
            target.pop(key, None)
        elif action == 1:
            target[key] = draw(_JSON)
        else:
            target[key] = "@HUGE@" + draw(_HUGE)
    # Numbers beyond what json.dumps writes (1e400, NaN…), spliced in as bare literals.
    text = re.sub(r'"@HUGE@([^"]*)"', r"\1", json.dumps(data))
    if kind == 5:
        text = text[: draw(st.integers(0, len(text)))]  # cut short
    return text.encode()


@st.composite
def delivery_csv(draw: st.DrawFn, delivery_id: str) -> bytes:
    """A CSV delivery file with the seed's columns, some wrong."""
    columns = ["deliveryId", "supplierId", "warehouseId", "productCode", "quantityReceived",
               "unitCost", "serialNumbers", "lot", "expiry"]  # fmt: skip
    if draw(st.booleans()):
        columns[draw(st.integers(0, len(columns) - 1))] = draw(st.text(max_size=8))
    cell = st.one_of(
        st.sampled_from(["WIDGET-001", "LOOSE-1", "SCAN-1", "3", "-2", "2.5", "", "15.99"]),
        _HUGE,
        st.text(max_size=10),
    )
    rows = [",".join(columns)]
    for n in range(draw(st.integers(0, 4))):
        values = [delivery_id, "supplier-abc", "main-warehouse"] if n == 0 else ["", "", ""]
        values += [draw(cell) for _ in range(draw(st.integers(0, len(columns))))]
        rows.append(",".join(v.replace(",", ";") for v in values))
    text = "\n".join(rows)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["\ufeff", "\x00", '"', ""])) + text
    raw = text.encode("utf-8", "surrogatepass")
    return raw if draw(st.integers(0, 9)) else raw + b"\xff\xfe"


def on_hand_totals(db: Any) -> dict[uuid.UUID, int]:
    """Units on hand per product, over every warehouse."""
    from sqlalchemy import func, select  # noqa: PLC0415

    from possync_gui.store import models as m  # noqa: PLC0415

    with db.session() as s:
        rows = s.execute(
            select(m.StockLevel.product_id, func.sum(m.StockLevel.on_hand)).group_by(
                m.StockLevel.product_id
            )
        )
        return {pid: int(total) for pid, total in rows}


def _moved(before: dict[uuid.UUID, int], after: dict[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {
        pid: after.get(pid, 0) - before.get(pid, 0)
        for pid in set(before) | set(after)
        if after.get(pid, 0) != before.get(pid, 0)
    }


def judge_receive_output(
    code: int, out: str, err: str, before: dict[uuid.UUID, int], after: dict[uuid.UUID, int]
) -> str:
    """``possync receive FILE --json``'s answer against the stock before and after it."""
    assert "internal error" not in err and "Traceback" not in err, err
    if code == 2 or (code == 1 and not out.strip()):
        assert err.startswith("possync: error: "), err
        _clear(err.strip().splitlines()[-1])
        assert after == before, "a refused delivery moved stock"
        return "error"
    assert code in (0, 1), (code, err)
    result = json.loads(out)
    expected: dict[uuid.UUID, int] = {}
    for item in result["items"]:
        if item["status"] == "accepted" and not result["already_posted"]:
            pid = uuid.UUID(item["product_id"])
            expected[pid] = expected.get(pid, 0) + int(item["quantity"])
        elif item["status"] != "accepted":
            _clear(item["error"] or item["status"])
    assert _moved(before, after) == expected
    return "ok" if code == 0 else "error"


# -- POS payloads ------------------------------------------------------------------------------
POS_JUNK: tuple[Any, ...] = (
    None, "", "abc", -1, 0, 10**30, -(10**30), 1.5, float("1e308"), [], {}, True, "NaN", "12",
    "2026-13-45T99:99:99Z", {"nested": {"deeper": [1, {"x": None}]}}, [None, "x", 3], "\x00\x1b",
    "é" * 300,
)  # fmt: skip
RAW_JUNK: tuple[bytes, ...] = (
    b"", b"<html>502 Bad Gateway</html>", b"{", b'{"data":', b"null", b"[]", b"\xff\xfe\x00",
    b'{"errors":[{"message":"x"}]}', b"1e400", b'"just a string"',
)  # fmt: skip


def _nodes(body: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON body (dict keys and list indexes)."""
    found = [path]
    if isinstance(body, dict):
        for key, value in body.items():
            found += _nodes(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += _nodes(value, (*path, index))
    return found


def mutate_body(body: Any, rng: Any) -> tuple[Any, bytes | None]:
    """One fault in a POS answer: a value replaced by junk, a key dropped, or the whole
    body swapped for bytes that are not the JSON expected. Returns (body, raw bytes or None)."""
    roll = rng.random()
    if roll < 0.12 or body is None:
        return body, rng.choice(RAW_JUNK)
    copy = json.loads(json.dumps(body))
    paths = _nodes(copy)[1:] or [()]
    path = rng.choice(paths)
    if not path:
        return rng.choice(POS_JUNK), None
    parent = copy
    for part in path[:-1]:
        parent = parent[part]
    if roll < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(POS_JUNK)
    return copy, None
