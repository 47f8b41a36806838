"""Bad inputs and bad environments, counted (issue 7 §3): what the tests in tests/faults
assert, as figures.

    python bench/faults_inputs.py [--scans N] [--deliveries N] [--payloads N]

For each kind of fuzzed input (scanner text through the scan board, delivery files through
``possync receive``'s code path, POS answers through the four adapters against their fakes)
it prints how many were tried, ended in a clear error, gave a correct result, gave a wrong
result or an unclear message, and crashed (an exception of any other type). Then, for a
database from a newer possync, a read-only disk and a full disk: whether the message was
shown and whether the database was left unchanged. The read-only and full disks are small
tmpfs mounts and need root; without it they print "skipped". bench/faults.py calls
:func:`main`; it runs alone as well.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _tally(judge: Callable[[], str], counts: Counter[str]) -> None:
    counts["tried"] += 1
    try:
        counts[judge()] += 1
    except AssertionError:
        counts["wrong or unclear"] += 1
    except Exception:  # noqa: BLE001 - what the campaign counts as a crash
        counts["crashes"] += 1


def _fuzz(strategy: Any, examples: int, judge: Callable[[Any], str]) -> Counter[str]:
    """Run ``judge`` on ``examples`` values of ``strategy`` (fixed seed), counting."""
    from hypothesis import HealthCheck, given, settings

    counts: Counter[str] = Counter()

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def run(value: Any) -> None:
        _tally(lambda: judge(value), counts)

    run()
    return counts


def scanner_inputs(examples: int) -> Counter[str]:
    from tests.faults.robust_fuzz import judge_scan, new_board, scanner_text

    return _fuzz(scanner_text(), examples, lambda text: judge_scan(new_board(), text))


def delivery_files(examples: int, folder: Path) -> Counter[str]:
    from hypothesis import strategies as st

    from possync_gui.store.database import open_database
    from tests.faults.robust_fuzz import (
        delivery_csv,
        delivery_json,
        judge_receive_output,
        on_hand_totals,
    )
    from tests.faults.test_fuzz_delivery import receive_in_process
    from tests.integration.delivery_world import build_world

    db = open_database(f"sqlite:///{folder / 'deliveries.sqlite3'}")
    world = build_world(db)

    @st.composite
    def files(draw: st.DrawFn) -> tuple[str, bytes]:
        suffix = draw(st.sampled_from([".json", ".json", ".csv"]))
        maker = delivery_csv if suffix == ".csv" else delivery_json
        return suffix, draw(maker(f"FZ-{uuid.uuid4().hex[:10]}"))

    def judge(file: tuple[str, bytes]) -> str:
        path = folder / f"delivery{file[0]}"
        path.write_bytes(file[1])
        before = on_hand_totals(db)
        code, out, err = receive_in_process(world, path)
        verdict = judge_receive_output(code, out, err, before, on_hand_totals(db))
        assert world.ledger_ok()
        return verdict

    try:
        return _fuzz(files(), examples, judge)
    finally:
        db.dispose()


def pos_payloads(examples: int) -> Counter[str]:
    from hypothesis import strategies as st

    from tests.faults.test_fuzz_pos import READS, judge_payloads, start_sides, stop_sides

    sides = start_sides()
    strategy = st.tuples(
        st.sampled_from(sorted(sides)),
        st.sampled_from(sorted(READS)),
        st.integers(0, 2**32),
        st.sampled_from([0.3, 0.6, 1.0]),
    )
    try:
        return _fuzz(strategy, examples, lambda v: judge_payloads(sides, *v))
    finally:
        stop_sides(sides)


# -- bad environments ------------------------------------------------------------------------
def _cli(*argv: str) -> tuple[int, str]:
    from possync_gui.cli import main as cli_main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(list(argv))
    return code, err.getvalue()


def _store(path: Path) -> str:
    from possync_gui.store import models as m
    from possync_gui.store.database import open_database

    url = f"sqlite:///{path}"
    db = open_database(url)
    with db.session() as s:
        s.add(m.Warehouse(id=uuid.uuid4(), code="MAIN", name="Main"))
    db.dispose()
    return url


def newer_version(folder: Path) -> tuple[bool, bool]:
    import sqlite3

    from tests.faults.robust_helpers import file_digest

    path = folder / "newer.sqlite3"
    url = _store(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_newer'")
        conn.commit()
    before = file_digest(path)
    code, err = _cli("--db", url, "stock")
    return code == 1 and "written by a newer possync" in err, file_digest(path) == before


def read_only_disk(folder: Path) -> tuple[bool, bool]:
    from tests.faults.robust_helpers import file_digest, remount_read_only, tmpfs

    with tmpfs(folder / "ro") as disk:
        path = disk / "possync.sqlite3"
        url = _store(path)
        before = file_digest(path)
        remount_read_only(disk)
        code, err = _cli("--db", url, "warehouses", "add", "NORTH")
        return code == 1 and "is read-only" in err, file_digest(path) == before


def full_disk(folder: Path) -> tuple[bool, bool]:
    from possync_gui.store.database import DISK_FULL
    from tests.faults.robust_helpers import fill_disk, integrity, sqlite_counts, tmpfs

    with tmpfs(folder / "full", size="2m") as disk:
        path = disk / "possync.sqlite3"
        url = _store(path)
        before = sqlite_counts(path)
        filler = fill_disk(disk)
        code, err = _cli("--db", url, "warehouses", "add", "NORTH")
        filler.unlink()
        unchanged = integrity(path) == "ok" and sqlite_counts(path) == before
        return code == 1 and DISK_FULL in err, unchanged


def _environment(name: str, check: Callable[[], tuple[bool, bool]]) -> str:
    import pytest

    try:
        shown, unchanged = check()
    except pytest.skip.Exception as skipped:
        return f"{name:<22} skipped ({skipped.msg})"
    yes = {True: "yes", False: "NO"}
    return f"{name:<22} message shown: {yes[shown]:<4} database unchanged: {yes[unchanged]}"


def _line(name: str, counts: Counter[str]) -> str:
    return (
        f"{name:<22} tried {counts['tried']:>5}  clear errors {counts['error']:>5}  "
        f"correct results {counts['ok']:>5}  wrong/unclear {counts['wrong or unclear']:>3}  "
        f"crashes {counts['crashes']:>3}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 1 when anything crashed, was wrong or changed a database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--payloads", type=int, default=500)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="possync-faults-") as tmp:
        folder = Path(tmp)
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            os.environ[var] = str(folder / var.lower())
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        results = [
            ("scanner inputs", scanner_inputs(args.scans)),
            ("delivery files", delivery_files(args.deliveries, folder)),
            ("POS payloads", pos_payloads(args.payloads)),
        ]
        for name, counts in results:
            print(_line(name, counts), flush=True)
        lines = [
            _environment("newer version", lambda: newer_version(folder)),
            _environment("read-only disk", lambda: read_only_disk(folder)),
            _environment("full disk", lambda: full_disk(folder)),
        ]
        for line in lines:
            print(line, flush=True)
    bad = sum(c["crashes"] + c["wrong or unclear"] for _, c in results)
    return 1 if bad or any("NO" in line for line in lines) else 0


if __name__ == "__main__":
    raise SystemExit(main())
