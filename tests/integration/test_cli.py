"""The ``possync`` command line, run in-process as a user would type it (and twice for real)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from possync_gui import __version__
from possync_gui.cli import main
from possync_gui.services.settings import Settings, save_settings, settings_path
from possync_gui.store import models as m
from possync_gui.store.database import open_database
from possync_gui.store.ledger import ledger_mismatches

Run = Callable[..., tuple[int, str, str]]

CATALOG = (
    "sku,name,barcode,unit_cost,warehouse,on_hand,minimum_stock,reorder_point\n"
    "A-1,Apple,4006381333931,1.5,main,10,2,5\n"
    "B-1,Banana,,2,main,0,,\n"
    "B-2,Blueberry,,2.25,main,3,1,4\n"
    "X-1,,,,,,,\n"
)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run(*argv)`` → (exit status, stdout, stderr), without a database option."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def cli(run: Run, sqlite_url: str) -> Run:
    """``cli(*argv)`` on this test's own SQLite file."""
    return lambda *argv: run("--db", sqlite_url, *argv)


@pytest.fixture
def stocked(cli: Run, tmp_path: Path) -> Run:
    """Two warehouses and three products (B-1 out, B-2 low, A-1 fine) in ``main``."""
    assert cli("warehouses", "add", "main", "--name", "Main warehouse")[0] == 0
    assert cli("warehouses", "add", "store")[0] == 0
    good = tmp_path / "good.csv"
    good.write_text(CATALOG.replace("X-1,,,,,,,\n", ""), encoding="utf-8")
    assert cli("products", "import", str(good), "--operator", "setup")[0] == 0
    return cli


def test_version_help_and_usage(run: Run) -> None:
    assert run("--version") == (0, f"possync {__version__}\n", "")
    code, out, _ = run("--help")
    assert code == 0
    assert "products" in out and "--db URL" in out
    code, _, err = run()
    assert code == 2
    assert "usage: possync" in err
    code, _, err = run("stock", "adjust", "A-1", "--warehouse", "main", "--delta", "1")
    assert code == 2
    assert "the following arguments are required: --reason" in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", "possync: error: Not a database URL: 'garbage'."),
        ("mysql://u@h/db", "possync: error: Unsupported database 'mysql'"),
    ],
)
def test_bad_database_url_is_one_clear_line(run: Run, url: str, message: str) -> None:
    code, out, err = run("--db", url, "warehouses", "list")
    assert (code, out) == (1, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_unreadable_database_is_one_clear_line(run: Run, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database at all, just some bytes" * 10)
    code, _, err = run("--db", f"sqlite:///{junk}", "stock")
    assert (code, err) == (
        1,
        f"possync: error: {junk} is not a possync database (not an SQLite file).\n",
    )
    code, _, err = run("--db", f"sqlite:///{tmp_path}", "stock")
    assert (code, err) == (
        1,
        f"possync: error: The database path {tmp_path} is a folder, not a file.\n",
    )


def test_db_upgrade_reports_the_revision(cli: Run) -> None:
    code, out, _ = cli("db", "upgrade")
    assert code == 0
    assert out.startswith("Upgraded sqlite:///") and "from empty to revision" in out
    code, out, _ = cli("db", "upgrade")
    assert (code, out.endswith(", the newest.\n")) == (0, True)


def test_warehouses_add_and_list(cli: Run, run: Run, sqlite_url: str) -> None:
    assert cli("warehouses", "list")[1] == (
        "No warehouses yet; add one with 'possync warehouses add CODE --name NAME'.\n"
    )
    assert cli("warehouses", "add", "main", "--name", "Main warehouse")[1] == (
        "Added warehouse main (Main warehouse).\n"
    )
    assert cli("warehouses", "add", "store")[0] == 0
    code, _, err = cli("warehouses", "add", "main")
    assert (code, err) == (1, "possync: error: A warehouse with code 'main' already exists.\n")
    # Global options work after the command too.
    code, out, _ = run("warehouses", "list", "--db", sqlite_url)
    assert out.splitlines() == ["CODE   NAME", "main   Main warehouse", "store  store"]
    listed = json.loads(cli("warehouses", "list", "--json")[1])
    assert [(w["code"], w["name"]) for w in listed] == [
        ("main", "Main warehouse"),
        ("store", "store"),
    ]
    assert all(len(w["id"]) == 36 for w in listed)


def test_import_list_and_export_products(cli: Run, tmp_path: Path) -> None:
    cli("warehouses", "add", "main")
    source = tmp_path / "catalog.csv"
    source.write_text(CATALOG, encoding="utf-8")
    code, out, err = cli("products", "import", str(source), "--operator", "ana")
    assert code == 1  # one line was rejected, the others landed
    assert out == "Imported catalog.csv: 4 lines, 3 products created, 0 updated, 2 stock changes.\n"
    assert "  line 5: SKU 'X-1' is new and needs a name\n" in err
    assert err.endswith(
        "possync: error: 1 of 4 lines were rejected (listed above); "
        "the other lines were imported.\n"
    )

    code, out, _ = cli("products", "list")
    assert code == 0
    assert out.splitlines() == [
        "SKU  NAME             BARCODE  UNIT COST  MIN  REORDER PT  REORDER QTY  SUPPLIER",
        "A-1  Apple      4006381333931       1.50    2           5",
        "B-1  Banana                         2.00    0",
        "B-2  Blueberry                      2.25    1           4",
    ]
    code, out, err = cli("products", "list", "--json", "--search", "b", "--limit", "1")
    products = json.loads(out)
    assert [(p["sku"], p["unit_cost"]) for p in products] == [("B-1", "2.00")]
    assert err == "Showing 1 of 2 products; use --limit 0 to see them all.\n"

    exported = tmp_path / "out.csv"
    assert cli("products", "export", str(exported))[1] == f"Wrote 3 lines to {exported}.\n"
    assert exported.read_text(encoding="utf-8").splitlines()[1] == (
        "A-1,Apple,4006381333931,1.50,main,10,2,5,,"
    )
    code, _, err = cli("products", "import", str(tmp_path / "missing.csv"))
    assert (code, err) == (1, f"possync: error: No such file: {tmp_path / 'missing.csv'}\n")


def test_stock_lists_filter_and_json(stocked: Run) -> None:
    code, out, _ = stocked("stock")
    assert code == 0
    assert out.splitlines() == [
        "SKU  NAME       WAREHOUSE  ON HAND  MIN  REORDER PT  STATUS",
        "A-1  Apple      main            10    2           5  ok",
        "B-1  Banana     main             0    0              out",
        "B-2  Blueberry  main             3    1           4  low",
    ]
    assert stocked("stock", "--status", "out")[1].splitlines()[1].split()[:2] == ["B-1", "Banana"]
    rows = json.loads(stocked("stock", "--warehouse", "main", "--search", "blue", "--json")[1])
    assert len(rows) == 1
    row = rows[0]
    assert (row["sku"], row["warehouse_code"], row["on_hand"], row["status"]) == (
        "B-2",
        "main",
        3,
        "low",
    )
    assert row["updated_at"].endswith("+00:00")
    assert stocked("stock", "--warehouse", "store")[1] == "No stock matches.\n"


def test_stock_adjust_writes_the_operator_and_refuses_below_zero(
    stocked: Run, sqlite_url: str
) -> None:
    code, out, _ = stocked(
        "--operator", "Dana", "stock", "adjust", "A-1", "--warehouse", "main",
        "--delta", "-3", "--reason", "damage", "--note", "dropped a crate",
    )  # fmt: skip
    assert (code, out) == (0, "A-1 in main: -3 (damage, by Dana); 7 on hand now.\n")

    code, out, err = stocked(
        "stock", "adjust", "A-1", "--warehouse", "main", "--delta", "-8", "--reason", "damage"
    )
    assert (code, out) == (1, "")
    assert err == (
        "possync: error: That change would leave -1 on hand; stock cannot go below zero.\n"
    )
    db = open_database(sqlite_url)
    try:
        with db.session() as s:
            moves = s.execute(
                select(m.StockMovement.delta, m.StockMovement.reason, m.StockMovement.actor)
                .add_columns(m.StockMovement.note)
                .where(m.StockMovement.reason == "damage")
            ).all()
            assert [tuple(r) for r in moves] == [(-3, "damage", "Dana", "dropped a crate")]
            assert ledger_mismatches(s) == []
    finally:
        db.dispose()
    assert json.loads(stocked("stock", "--search", "A-1", "--json")[1])[0]["on_hand"] == 7


def test_unknown_sku_or_warehouse_says_what_exists(stocked: Run) -> None:
    code, _, err = stocked(
        "stock", "adjust", "B-9", "--warehouse", "main", "--delta", "1", "--reason", "found"
    )
    assert code == 1
    assert err.startswith("possync: error: No product with SKU or barcode 'B-9'. Similar SKUs: ")
    assert "B-1" in err and "B-2" in err
    code, _, err = stocked(
        "stock", "adjust", "A-1", "--warehouse", "back", "--delta", "1", "--reason", "found"
    )
    assert (code, err) == (
        1,
        "possync: error: No warehouse 'back'. Known warehouses: main, store.\n",
    )
    code, _, err = stocked("stock", "--warehouse", "back")
    assert (code, err) == (
        1,
        "possync: error: No warehouse 'back'. Known warehouses: main, store.\n",
    )


def test_operator_comes_from_settings_and_a_bad_file_only_warns(
    stocked: Run, sqlite_url: str
) -> None:
    save_settings(Settings(operator_name="Eve"))
    adjust = ("stock", "adjust", "A-1", "--warehouse", "main", "--reason", "found", "--delta")
    assert stocked(*adjust, "1")[1].endswith("(found, by Eve); 11 on hand now.\n")

    settings_path().write_text("{not json", encoding="utf-8")
    code, out, err = stocked(*adjust, "2")
    assert code == 0
    assert err.startswith(f"possync: warning: Ignoring the settings file {settings_path()}")
    assert err.count("\n") == 1
    assert "by Eve" not in out and out.endswith("13 on hand now.\n")


@pytest.mark.skipif(
    importlib.util.find_spec("possync_gui.store.demo") is None, reason="no demo generator yet"
)
def test_demo_fills_only_an_empty_database(cli: Run) -> None:
    code, out, err = cli("demo", "--products", "30", "--warehouses", "2", "--history-days", "5")
    assert code == 0, err
    assert out.startswith("Demo data created in sqlite:///")
    assert err.startswith("Creating demo data") and "100%" in err
    assert len(json.loads(cli("products", "list", "--json", "--limit", "0")[1])) == 30
    code, _, err = cli("demo")
    assert code == 1
    assert "already holds data" in err


def _subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False
    )


def test_module_and_console_script(stocked: Run, sqlite_url: str) -> None:
    done = _subprocess(sys.executable, "-m", "possync_gui", "--version")
    assert (done.returncode, done.stdout) == (0, f"possync {__version__}\n")
    script = Path(sys.executable).with_name("possync")
    # scripts/setup.sh installs the package, so the console script must be there
    assert script.exists(), f"no console script at {script}: run scripts/setup.sh test"
    done = _subprocess(str(script), "--db", sqlite_url, "products", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert [p["sku"] for p in json.loads(done.stdout)] == ["A-1", "B-1", "B-2"]
