"""Seed a large demo store and print how long it took, per table.

    .venv/bin/python bench/seed.py [--products N] [--warehouses W] [--history-days D] [--db URL]

Without ``--db`` it seeds a fresh SQLite file in a temporary folder (removed afterwards)
and reports the file size. Default: 500,000 products x 2 warehouses = 1,000,000 stock rows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=500_000)
    parser.add_argument("--warehouses", type=int, default=2)
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    return parser.parse_args()


def _size(path: Path) -> int:
    """The database file plus its WAL, as they stand on disk."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _progress(phase: str, done: int, total: int) -> None:
    print(f"\r  {phase}: {done:,}/{total:,}".ljust(60), end="", flush=True)


def main() -> int:
    args = _parse()
    from possync_gui.store.database import open_database
    from possync_gui.store.demo import seed_demo

    with tempfile.TemporaryDirectory(prefix="possync-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        url = args.db or f"sqlite:///{path}"
        db = open_database(url)
        print(f"Seeding {args.products:,} products x {args.warehouses} warehouses into {url}")
        started = time.perf_counter()
        summary = seed_demo(
            db,
            products=args.products,
            warehouses=args.warehouses,
            history_days=args.history_days,
            seed=args.seed,
            progress=_progress,
        )
        total = time.perf_counter() - started
        print()
        print(f"total {total:.1f} s (seed_demo says {summary.seconds:.1f} s)")
        print(f"{'table':<20}{'rows':>12}{'write s':>10}{'rows/s':>12}{'rows/s overall':>16}")
        for table, (rows, seconds) in summary.table_stats.items():
            rate = rows / seconds if seconds else 0.0
            print(f"{table:<20}{rows:>12,}{seconds:>10.2f}{rate:>12,.0f}{rows / total:>16,.0f}")
        writing = sum(seconds for _, seconds in summary.table_stats.values())
        print(f"writing {writing:.1f} s; drawing rows, commit and the rest {total - writing:.1f} s")
        if not args.db:
            db.dispose()
            print(f"file size {_size(path) / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
