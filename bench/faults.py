"""The fault campaign at full size (issue 7 item 3): kills, a flaky POS, two processes at
once, and load — on SQLite and on PostgreSQL — printing the figures the issue asks for.

    .venv/bin/python bench/faults.py [--quick] [--only kills,flaky,twice,load]
                                     [--backends sqlite,postgresql] [--seed N]

The scenarios are the ones tests/faults runs on a small store (tests/faults/campaign/):
the same code, larger numbers here. PostgreSQL is the server of ``POSSYNC_TEST_PG_URL``,
or a throwaway one this bench starts (scripts/pg-throwaway.sh) and stops.

Sections (``SECTIONS``; each is a name, a title and a function printing its figures for one
backend — a section for other faults is one more entry):

- ``kills``: 20 ``kill -9`` at random points of ``possync sync`` (300 items, 12 pages, POS
  sales and store deliveries before each) and 20 of ``possync receive`` (200-line
  deliveries, each file posted again afterwards): kills done, lost and doubled movements,
  ``integrity_check`` results, ledger ≠ on_hand rows, converged yes/no.
- ``flaky``: a POS failing 30% of calls (500, 429 with and without Retry-After, timeouts,
  truncated JSON, HTML with status 200); 20 rounds of sales + deliveries, each synced until
  a sync completes: syncs tried, completed, failed-retryable, failed-other (must be 0),
  partial batches (must be 0).
- ``inputs``: bench/faults_inputs.py — 1,000 fuzzed scanner inputs, delivery files and POS
  answers each (clear error / correct result / wrong / crash), and a newer possync's
  database, a read-only and a full disk (message shown, database unchanged); SQLite.
- ``twice``: the same delivery posted twice in a row and by two processes at once, and two
  processes syncing one integration at once: counted once / exactly one ran.
- ``load``: 10 headless processes posting deliveries and syncing for 60 s while the POS
  sells (PostgreSQL only; ``--quick``: 4 processes, 8 s): processes, seconds, deliveries
  posted, syncs run, expected vs actual totals.

``--quick`` runs every section small (a minute or two), to see that the bench works.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORK = Path(tempfile.mkdtemp(prefix="possync-bench-faults-"))
# An isolated keyring and data folders, as the tests have (set before possync is imported).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(WORK / _name.lower())
os.environ.pop("POSSYNC_DB_URL", None)


@dataclass(frozen=True)
class Sizes:
    items: int = 300
    page_size: int = 25
    kills: int = 20
    posting_lines: int = 200
    flaky_rounds: int = 20
    twice_rounds: int = 5
    load_processes: int = 10
    load_seconds: float = 60.0


QUICK = Sizes(kills=5, flaky_rounds=4, twice_rounds=2, load_processes=4, load_seconds=8.0)


@dataclass
class Context:
    sizes: Sizes
    seed: int
    pg_server: str | None

    @contextmanager
    def database(self, backend: str, name: str) -> Iterator[Any]:
        """A fresh, migrated store on ``backend``; dropped afterwards."""
        from possync_gui.store.database import open_database

        if backend == "sqlite":
            url = f"sqlite:///{WORK / f'{name}-{uuid.uuid4().hex[:6]}.sqlite3'}"
            db = open_database(url)
            try:
                yield db
            finally:
                db.dispose()
            return
        assert self.pg_server is not None
        db_name = f"bench_{name}_{uuid.uuid4().hex[:6]}"
        _pg_admin(self.pg_server, f'CREATE DATABASE "{db_name}"')
        from sqlalchemy.engine import make_url

        url = make_url(self.pg_server).set(database=db_name).render_as_string(hide_password=False)
        db = open_database(url)
        try:
            yield db
        finally:
            db.dispose()
            _pg_admin(self.pg_server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')

    @contextmanager
    def world(self, backend: str, name: str) -> Iterator[Any]:
        from tests.faults.campaign.world import build

        with self.database(backend, name) as db:
            world = build(db, self.sizes.items, self.sizes.page_size)
            try:
                yield world
            finally:
                world.side.fake.stop()

    @contextmanager
    def zygote(self, name: str) -> Iterator[Any]:
        from tests.fakes.sync_world import child_env
        from tests.faults.campaign.worker import Zygote

        server = Zygote(child_env(), WORK / f"children-{name}")
        try:
            yield server
        finally:
            server.close()


def _pg_admin(server: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


# -- printing ----------------------------------------------------------------------------------


def line(label: str, value: object, note: str = "") -> None:
    print(f"  {label:<28} {value}" + (f"   ({note})" if note else ""))


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _landed(landed: Any) -> str:
    """Sync kills by the number of POS requests before them, compressed to a range."""
    points = [int(w.split()[1]) for w in landed.elements() if w.startswith("after ")]
    if points:
        points.sort()
        middle = points[len(points) // 2]
        return f"after {points[0]}–{points[-1]} POS requests (median {middle})"
    return ", ".join(f"{where} ×{n}" for where, n in sorted(landed.items())) or "—"


def _kill_figures(figures: Any) -> None:
    conv = figures.convergence
    line("kills done", figures.kills,
         f"{figures.finished_first} children finished before their kill, "
         f"{figures.busy} refused as busy")  # fmt: skip
    line("kills landed", _landed(figures.landed))
    line("lost movements", f"{figures.tally.lost_units} units", f"levels: {figures.tally.lost[:5]}")
    line("doubled movements", f"{figures.tally.doubled_units} units",
         f"levels: {figures.tally.doubled[:5]}")  # fmt: skip
    line("integrity_check", ", ".join(f"{k} ×{n}" for k, n in figures.integrity.items()))
    line("ledger ≠ on_hand rows", figures.ledger_bad, "summed over the checks after each kill")
    if figures.what == "delivery postings":
        line("half-posted deliveries", figures.partial)
    line("converged", yes(conv is not None and conv.ok),
         "" if conv is None else f"clean sync {conv.status}, {len(conv.mismatched)} items off, "
         f"{conv.pending} pushes queued, {conv.conflicts} conflicts")  # fmt: skip
    for error in figures.errors[:5]:
        line("unexpected", error)


# -- the sections --------------------------------------------------------------------------------


def section_kills(ctx: Context, backend: str) -> bool:
    from tests.faults.campaign.kills import kill_postings, kill_syncs

    s = ctx.sizes
    pages = -(-s.items // s.page_size)
    print(f"-- kill -9 during full syncs: {s.items} items, {pages} pages of {s.page_size}")
    with ctx.world(backend, "kills") as world, ctx.zygote("kill-syncs") as zygote:
        syncs = kill_syncs(world, zygote, random.Random(ctx.seed), s.kills)
    _kill_figures(syncs)
    print(f"-- kill -9 during delivery postings: {s.posting_lines}-line deliveries")
    with ctx.world(backend, "postings") as world, ctx.zygote("kill-postings") as zygote:
        postings = kill_postings(
            world, zygote, random.Random(ctx.seed + 1), s.kills, WORK / "deliveries",
            s.posting_lines,
        )  # fmt: skip
    _kill_figures(postings)
    return bool(syncs.ok and postings.ok)


def section_flaky(ctx: Context, backend: str) -> bool:
    from tests.faults.campaign.flaky import run_flaky

    s = ctx.sizes
    print(f"-- a POS failing 30% of calls: {s.flaky_rounds} rounds, {s.items} items")
    with ctx.world(backend, "flaky") as world:
        began = time.monotonic()
        f = run_flaky(world, random.Random(ctx.seed), rounds=s.flaky_rounds, seed=ctx.seed)
        took = time.monotonic() - began
    line("POS requests", f.requests, f"{sum(f.faults.values())} faulted, {took:.0f} s")
    line("faults served", ", ".join(f"{k} ×{n}" for k, n in sorted(f.faults.items())))
    line("syncs tried", f.tried)
    line("completed", f.completed, f"{f.rounds_converged} of {f.rounds} rounds converged")
    line("failed, retryable", f.failed_retryable)
    line("failed, other", len(f.failed_other), "must be 0; " + "; ".join(f.failed_other[:3]))
    line("partial batches", f.partial_batches, "must be 0; " + "; ".join(f.partial_detail[:3]))
    line("cursor/ledger disagreeing", f.inconsistent, "after a failed sync; must be 0")
    line("lost / doubled movements", f"{f.tally.lost_units} / {f.tally.doubled_units} units")
    conv = f.convergence
    line("converged", yes(conv is not None and conv.ok))
    return bool(f.ok)


def section_twice(ctx: Context, backend: str) -> bool:
    from tests.faults.campaign.concurrent import post_twice, syncs_at_once

    s = ctx.sizes
    rng = random.Random(ctx.seed)
    print(f"-- the same delivery twice; two processes at once ({s.twice_rounds} rounds each)")
    with ctx.world(backend, "twice") as world, ctx.zygote("twice") as zygote:
        folder = WORK / "twice"
        again = post_twice(world, zygote, rng, folder, rounds=s.twice_rounds,
                           lines=s.posting_lines, at_once=False)  # fmt: skip
        race = post_twice(world, zygote, rng, folder, rounds=s.twice_rounds,
                          lines=s.posting_lines, at_once=True)  # fmt: skip
        syncs = syncs_at_once(world, zygote, rng, rounds=s.twice_rounds)
        conv = world.converge()
        tally = world.tally()
    line("posted twice in a row", f"counted once {again.counted_once}/{again.rounds}",
         f"second told 'already posted' {again.one_posted_one_told}/{again.rounds}")  # fmt: skip
    line("two processes at once", f"counted once {race.counted_once}/{race.rounds}",
         f"one posted, one told {race.one_posted_one_told}/{race.rounds}")  # fmt: skip
    line("two syncs at once", f"exactly one ran {syncs.exactly_one_ran}/{syncs.rounds}")
    for error in (again.errors + race.errors + syncs.errors)[:5]:
        line("unexpected", error)
    line("lost / doubled movements", f"{tally.lost_units} / {tally.doubled_units} units")
    line("converged", yes(conv.ok))
    return bool(again.ok and race.ok and syncs.ok and conv.ok and not (tally.lost or tally.doubled))


def section_load(ctx: Context, backend: str) -> bool | None:
    from tests.faults.campaign.load import run_load

    s = ctx.sizes
    if backend != "postgresql":
        print("-- load: PostgreSQL only (the issue's figure); skipped on", backend)
        return None
    print(f"-- load: {s.load_processes} processes posting and syncing, {s.load_seconds:.0f} s")
    with ctx.world(backend, "load") as world, ctx.zygote("load") as zygote:
        f = run_load(world, zygote, WORK / "load", processes=s.load_processes,
                     seconds=s.load_seconds, seed=ctx.seed)  # fmt: skip
    line("processes", f.processes)
    line("seconds", f"{f.seconds:.0f}")
    line("deliveries posted", f.deliveries_posted, f"{f.deliveries_stored} in the database")
    line("syncs run", f.syncs_run, f"{f.syncs_busy} refused while another ran")
    line("POS sales meanwhile", f.sales)
    line("expected total on hand", f.expected_total)
    line("actual total, store / POS", f"{f.store_total} / {f.pos_total}")
    conv = f.convergence
    line("items off after clean sync", "—" if conv is None else len(conv.mismatched))
    line("lost / doubled movements", f"{f.tally.lost_units} / {f.tally.doubled_units} units")
    line("failures", len(f.failures) + len(f.crashed), "; ".join((f.failures + f.crashed)[:3]))
    return bool(f.ok)


#: (name, title, run for one backend → all figures as required, None when it does not apply
#: to that backend). Add a section here.
def section_inputs(ctx: Context, backend: str) -> bool | None:
    """Bad inputs and bad environments (bench/faults_inputs.py): 1,000 fuzzed scanner inputs,
    1,000 delivery files and 1,000 POS answers, a newer possync's database, a read-only and
    a full disk. SQLite only (its figures do not depend on the store's backend)."""
    if backend != "sqlite":
        return None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import faults_inputs

    n = "100" if ctx.sizes is QUICK else "1000"
    return faults_inputs.main(["--scans", n, "--deliveries", n, "--payloads", n]) == 0


SECTIONS: list[tuple[str, str, Callable[[Context, str], bool | None]]] = [
    ("kills", "kill -9 at random points", section_kills),
    ("flaky", "a flaky POS", section_flaky),
    ("twice", "twice, and at once", section_twice),
    ("load", "load held", section_load),
    ("inputs", "bad inputs and environments", section_inputs),
]


# -- running ------------------------------------------------------------------------------------


@contextmanager
def pg_server() -> Iterator[str | None]:
    """``POSSYNC_TEST_PG_URL``, or a throwaway server for the bench's run (None: none)."""
    given = os.environ.get("POSSYNC_TEST_PG_URL")
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="possync-bench-pg-"))
    script = ROOT / "scripts" / "pg-throwaway.sh"
    started = subprocess.run(
        ["bash", str(script), "start", str(folder)], capture_output=True, text=True, check=False
    )
    try:
        yield started.stdout.strip() if started.returncode == 0 else None
    finally:
        subprocess.run(["bash", str(script), "stop", str(folder)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every section, small")
    parser.add_argument("--only", default="", help="comma-separated section names")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    wanted = {n for n in args.only.split(",") if n} or {name for name, _t, _f in SECTIONS}
    backends = [b for b in args.backends.split(",") if b]
    sizes = QUICK if args.quick else Sizes()
    verdicts: list[tuple[str, str, bool]] = []
    began = time.monotonic()
    with pg_server() as server:
        ctx = Context(sizes, args.seed, server)
        for name, title, run in SECTIONS:
            if name not in wanted:
                continue
            for backend in backends:
                if backend == "postgresql" and server is None:
                    print(f"\n== {title} on postgresql: skipped (no PostgreSQL server)")
                    continue
                print(f"\n== {title} on {backend}")
                started = time.monotonic()
                ok = run(ctx, backend)
                if ok is None:
                    continue
                print(f"  {'→ held' if ok else '→ FAILED'} in {time.monotonic() - started:.0f} s")
                verdicts.append((title, backend, ok))
    print(f"\n== summary ({time.monotonic() - began:.0f} s)")
    for title, backend, ok in verdicts:
        print(f"  {title:<28} {backend:<11} {'held' if ok else 'FAILED'}")
    return 0 if all(ok for _t, _b, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
