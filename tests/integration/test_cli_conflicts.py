"""``possync conflicts list|show|resolve|report`` (issue 6 §3) against real conflicts made by
a sync with the fake custom source, on both store backends; exit 0 when every conflict was
resolved, 1 when some were not, 2 on bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from possync_gui.cli import main
from possync_gui.store.database import Database
from tests.fakes.sync_world import CustomSide, db_url
from tests.integration.test_conflict_resolve import conflicted, open_conflicts

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def side() -> Iterator[CustomSide]:
    made = CustomSide()
    yield made
    made.fake.stop()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db: Database) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url(db), "--operator", "ana", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_list_show_and_resolve_by_prefix(db: Database, side: CustomSide, cli: Run) -> None:
    store, facade = conflicted(db, side, "EFH", manual="H")
    ids = {c.sku: str(c.id) for c in open_conflicts(facade)}

    code, out, _err = cli("conflicts", "list")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["ID", "SKU", "PRODUCT", "WAREHOUSE"]
    assert sorted(r.split()[1] for r in rows) == ["E", "F", "H"]
    assert all(r.split()[0] == ids[r.split()[1]][:8] for r in rows)

    code, out, _err = cli("conflicts", "list", "--integration", "custom test shop", "--json")
    listed = json.loads(out)
    assert code == 0 and sorted(c["sku"] for c in listed) == ["E", "F", "H"]
    assert {c["pos_value"] for c in listed} == {2} and {c["system_value"] for c in listed} == {5}

    code, out, _err = cli("conflicts", "show", ids["E"][:8])
    assert code == 0 and "detected" in out and "damage" in out
    code, out, _err = cli("conflicts", "show", ids["E"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["record"]["sku"] == "E"
    assert [h["kind"] for h in shown["history"]] == ["detected"]

    code, out, err = cli(
        "conflicts", "resolve", ids["E"][:8], ids["H"][:10], "--strategy", "supplier_wins"
    )
    assert code == 0, err  # a person at the shell may settle the high-value product too
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["resolved", "resolved"]
    assert lines[-1] == "2 resolved, 0 not resolved."
    assert [store.on_hand(s) for s in "EH"] == [5, 5] and [side.qty(s) for s in "EH"] == [5, 5]
    assert store.conflict("E").resolved_by == "ana"

    code, out, _err = cli("conflicts", "resolve", ids["E"], ids["F"], "--strategy", "pos_wins")
    assert code == 1  # E was resolved already; F now is
    assert out.splitlines()[0].startswith("already_resolved")
    assert "already resolved by ana" in out
    assert (store.on_hand("F"), side.qty("F")) == (2, 2)

    code, out, _err = cli("conflicts", "list", "--status", "resolved")
    assert code == 0 and len(out.splitlines()) == 4

    code, out, _err = cli("conflicts", "list")
    assert (code, out.strip()) == (0, "No conflicts match.")


def test_set_needs_a_value_and_a_reason(db: Database, side: CustomSide, cli: Run) -> None:
    store, facade = conflicted(db, side)
    (conflict,) = open_conflicts(facade)
    ref = str(conflict.id)

    for argv in (
        ("--strategy", "set", "--value", "3"),
        ("--strategy", "set", "--reason", "count"),
        ("--strategy", "pos_wins", "--value", "3"),
    ):
        code, _out, err = cli("conflicts", "resolve", ref, *argv)
        assert code == 2 and "possync: error:" in err, argv
    assert cli("conflicts", "resolve", ref, "--strategy", "store_wins")[0] == 2
    assert cli("conflicts", "resolve", "--strategy", "pos_wins")[0] == 2  # nothing named
    code, _out, err = cli("conflicts", "resolve", ref[:5], "--strategy", "pos_wins")
    assert code == 2 and "first 8 characters" in err
    code, _out, err = cli("conflicts", "list", "--integration", "nope")
    assert code == 2 and "No POS integration 'nope'" in err
    assert (store.on_hand("E"), side.qty("E")) == (5, 2)  # nothing happened

    code, out, err = cli(
        "conflicts", "resolve", ref, "--strategy", "set", "--value", "3", "--reason", "count",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["resolved"] == 1 and result["details"][0]["value"] == 3
    assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (3, 3, 3)


def test_resolve_from_the_seeds_json(
    db: Database, side: CustomSide, cli: Run, tmp_path: Path
) -> None:
    store, _facade = conflicted(db, side, "EF")
    path = tmp_path / "conflicts.json"
    path.write_text(
        json.dumps(
            [
                {
                    "productId": "E",
                    "productCode": "E",
                    "posValue": 2,
                    "systemValue": 5,
                    "lastUpdated": "2026-12-07T10:00:00Z",
                },
                {
                    "productId": "F",
                    "productCode": "F",
                    "posValue": 9,
                    "systemValue": 5,
                    "lastUpdated": "2026-12-07T10:00:00Z",
                },
            ]  # fmt: skip
        ),
        encoding="utf-8",
    )

    code, out, _err = cli(
        "conflicts", "resolve", "--from-json", str(path), "--strategy", "pos_wins"
    )

    assert code == 1  # F's numbers are not what is stored: stale, not applied
    assert [line.split()[0] for line in out.splitlines()[:2]] == ["resolved", "stale"]
    assert [store.on_hand(s) for s in "EF"] == [2, 5]

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _out, err = cli("conflicts", "resolve", "--from-json", str(bad), "--strategy", "pos_wins")
    assert code == 2 and "is not valid JSON" in err
    code, _out, err = cli(
        "conflicts", "resolve", "--from-json", str(tmp_path / "missing.json"),
        "--strategy", "pos_wins",
    )  # fmt: skip
    assert code == 2 and "Cannot read" in err


def test_report_prints_json_and_writes_csv(
    db: Database, side: CustomSide, cli: Run, tmp_path: Path
) -> None:
    _store, facade = conflicted(db, side, "EF")
    (e, _f) = sorted(open_conflicts(facade), key=lambda c: c.sku)
    assert cli("conflicts", "resolve", str(e.id), "--strategy", "pos_wins")[0] == 0

    code, out, _err = cli("conflicts", "report")
    assert code == 0
    assert "Open conflicts: 1" in out and "pos_wins" in out and "custom test shop" in out

    target = tmp_path / "report.csv"
    code, out, err = cli("conflicts", "report", "--json", "-o", str(target))
    assert code == 0 and f"Wrote 3 rows to {target}" in err
    report = json.loads(out)
    assert report["open_count"] == 1 and report["resolved_by_strategy"] == {"pos_wins": 1}
    assert report["by_integration"][0]["name"] == "custom test shop"
    assert (
        target.read_text(encoding="utf-8").splitlines()[1].startswith("all,All integrations,1,1,")
    )
