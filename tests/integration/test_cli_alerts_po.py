"""``possync alerts`` and ``possync po``: from alert to approved, exported order in a shell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from possync_gui.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str) -> Run:
    """``cli(*argv)`` → (exit status, stdout, stderr) on this test's database."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    assert main(["--db", db_url, "demo", "--products", "150"]) == 0
    capsys.readouterr()
    return invoke


def test_a_buyer_goes_from_alert_to_an_exported_order(cli: Run, tmp_path: Path) -> None:
    code, out, err = cli("alerts", "--urgency", "critical", "--json")
    assert code == 0
    critical = json.loads(out)
    assert critical and {a["urgency_level"] for a in critical} == {"critical"}
    assert all(a["current_stock"] <= 0 for a in critical)

    code, out, err = cli(
        "po", "create", "--alerts", *[a["id"] for a in critical], "--json", "--operator", "ann"
    )
    orders = json.loads(out)
    assert orders, err
    # items without a preferred supplier are listed on stderr and make the exit status 1
    assert code == (1 if "No preferred supplier found for product" in err else 0)
    numbers = {o["order_number"] for o in orders}
    assert all(n.startswith("PO-") for n in numbers) and len(numbers) == len(orders)

    code, out, _ = cli("po", "list", "--status", "open", "--json")
    listed = {o["order_number"]: o for o in json.loads(out)}
    assert numbers <= set(listed)

    order = orders[0]["order_number"]
    code, _, err = cli("po", "approve", order, "--operator", "ann")
    pending = orders[0]["status"] == "pending_approval"
    if pending:
        assert code == 1 and "someone other than its creator (ann)" in err
        code, out, _ = cli("po", "approve", order, "--operator", "bob")
    assert code == 0
    code, out, _ = cli("po", "show", order, "--json")
    shown = json.loads(out)[0]
    assert shown["status"] == "approved" and shown["lines"]

    code, out, _ = cli("po", "export", order, "-o", str(tmp_path / "order.pdf"))
    assert code == 0 and "order.pdf" in out
    text = pypdf.PdfReader(str(tmp_path / "order.pdf")).pages[0].extract_text()
    assert order in text and orders[0]["supplier_name"] in text
    code, out, _ = cli("po", "export", order, "-o", str(tmp_path / "order.csv"))
    assert code == 0 and order in (tmp_path / "order.csv").read_text(encoding="utf-8")


def test_reject_needs_a_reason_and_unknown_orders_are_named(cli: Run) -> None:
    code, out, _ = cli("po", "create", "--all", "--urgency", "critical", "--json")
    order = json.loads(out)[0]["order_number"]
    code, _, err = cli("po", "reject", order)  # a usage mistake: --reason is required
    assert code == 2 and "--reason" in err
    code, _, err = cli("po", "reject", order, "--reason", "  ")
    assert code == 1 and "reason is required" in err
    code, out, _ = cli("po", "reject", order, "--reason", "wrong supplier", "--operator", "bob")
    assert code == 0 and "rejected by bob" in out
    code, _, err = cli("po", "send", "PO-1999-000001")
    assert code == 1 and "No purchase order 'PO-1999-000001'" in err
    code, out, _ = cli("alerts", "--no-check", "--status", "ordered", "--json")
    assert code == 0  # the rejected order's alerts are active again, not ordered
    assert all(a["purchase_order_number"] != order for a in json.loads(out))
