"""The ledger's promise (DESIGN.md §3): ``on_hand`` always equals the sum of its movements,
whatever mix of changes, refusals and rollbacks happens, and concurrent writers never lose
one another's change."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.records import MovementRequest
from possync_gui.store import models as m
from possync_gui.store.database import Database, open_database
from possync_gui.store.ledger import apply_movements, ledger_mismatches

PRODUCTS = 3
WAREHOUSES = 2
LEVELS = [(p, w) for p in range(PRODUCTS) for w in range(WAREHOUSES)]

Pair = tuple[uuid.UUID, uuid.UUID]


class AbandonedError(Exception):
    """Raised inside a transaction to abandon it on purpose."""


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, list[Pair]]]:
    """One SQLite store for all examples (each example empties the ledger first)."""
    path: Path = tmp_path_factory.mktemp("ledger") / "possync.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        products = [m.Product(id=uuid.uuid4(), sku=f"P{i}", name=f"P{i}") for i in range(PRODUCTS)]
        warehouses = [
            m.Warehouse(id=uuid.uuid4(), code=f"W{i}", name=f"W{i}") for i in range(WAREHOUSES)
        ]
        session.add_all([*products, *warehouses])
    pairs = [(products[p].id, warehouses[w].id) for p, w in LEVELS]
    yield db, pairs
    db.dispose()


deltas = st.integers(-50, 50).filter(lambda d: d != 0)
#: One apply_movements call: (level index, delta) requests and its allow_negative flag.
calls = st.tuples(
    st.lists(st.tuples(st.integers(0, len(LEVELS) - 1), deltas), min_size=1, max_size=5),
    st.booleans(),
)
#: One transaction: its calls, and whether to abandon it at the end (about one in four).
transactions = st.tuples(
    st.lists(calls, min_size=1, max_size=3), st.sampled_from([False, False, False, True])
)


def _request(pair: Pair, delta: int) -> MovementRequest:
    return MovementRequest(pair[0], pair[1], delta, MovementReason.ADJUSTMENT, "property")


Call = tuple[list[tuple[int, int]], bool]


def _predict(
    committed: dict[int, int], txn_calls: list[Call]
) -> tuple[list[list[int]], bool, dict[int, int], Counter[int]]:
    """What a transaction should do: each call's on-hand results, whether a call is refused,
    and the levels and movement counts it leaves if it commits."""
    on_hand = dict(committed)
    applied: Counter[int] = Counter()
    results: list[list[int]] = []
    for requests, allow_negative in txn_calls:
        results.append([])
        for idx, delta in requests:
            if not allow_negative and on_hand.get(idx, 0) + delta < 0:
                return results, True, on_hand, applied
            on_hand[idx] = on_hand.get(idx, 0) + delta
            applied[idx] += 1
            results[-1].append(on_hand[idx])
    return results, False, on_hand, applied


def _run_transaction(
    db: Database,
    pairs: list[Pair],
    txn: tuple[list[Call], bool],
    committed: dict[int, int],
    counts: Counter[int],
) -> None:
    """Apply one transaction and fold it into the model if (and only if) it commits."""
    txn_calls, abandon = txn
    expected, refused, on_hand, applied = _predict(committed, txn_calls)

    def body() -> None:
        with db.session() as session:
            for (requests, allow_negative), results in zip(txn_calls, expected, strict=False):
                applied_now = apply_movements(
                    session,
                    [_request(pairs[idx], delta) for idx, delta in requests],
                    allow_negative=allow_negative,
                )
                assert [a.on_hand for a in applied_now] == results
            if abandon:
                raise AbandonedError

    if refused:
        with pytest.raises(ValidationError):
            body()
    elif abandon:
        with pytest.raises(AbandonedError):
            body()
    else:
        body()
        committed.clear()
        committed.update(on_hand)
        counts.update(applied)


def _stored(
    db: Database, pairs: list[Pair]
) -> tuple[list[object], dict[int, tuple[int, int]], Counter[int]]:
    index = {pair: i for i, pair in enumerate(pairs)}
    with db.session() as session:
        mismatches = ledger_mismatches(session)
        levels = {
            index[(p, w)]: (on_hand, version)
            for p, w, on_hand, version in session.execute(
                select(
                    m.StockLevel.product_id,
                    m.StockLevel.warehouse_id,
                    m.StockLevel.on_hand,
                    m.StockLevel.version,
                )
            )
        }
        movements: Counter[int] = Counter(
            {
                index[(p, w)]: n
                for p, w, n in session.execute(
                    select(
                        m.StockMovement.product_id, m.StockMovement.warehouse_id, func.count()
                    ).group_by(m.StockMovement.product_id, m.StockMovement.warehouse_id)
                )
            }
        )
    return list(mismatches), levels, movements


@settings(max_examples=50, deadline=None)
@given(st.lists(transactions, min_size=1, max_size=8))
def test_on_hand_always_equals_the_committed_movements(
    ledger_db: tuple[Database, list[Pair]], txns: list[tuple[list[Call], bool]]
) -> None:
    db, pairs = ledger_db
    with db.session() as session:
        session.execute(delete(m.StockMovement))
        session.execute(delete(m.StockLevel))
    committed: dict[int, int] = {}
    counts: Counter[int] = Counter()

    for txn in txns:
        _run_transaction(db, pairs, txn, committed, counts)

    mismatches, levels, movements = _stored(db, pairs)
    assert mismatches == []
    # Only levels that committed a change exist; abandoned ones left not even a zero row.
    assert {idx: on_hand for idx, (on_hand, _) in levels.items()} == {
        idx: committed[idx] for idx in counts
    }
    assert {idx: version for idx, (_, version) in levels.items()} == dict(counts)
    assert movements == counts


def test_refused_change_leaves_nothing_even_if_the_caller_carries_on(db: Database) -> None:
    with db.session() as session:
        product = m.Product(id=uuid.uuid4(), sku="P", name="P")
        warehouse = m.Warehouse(id=uuid.uuid4(), code="W", name="W")
        session.add_all([product, warehouse])
    pair = (product.id, warehouse.id)
    with db.session() as session:
        apply_movements(session, [_request(pair, 3)])
    with db.session() as session:
        with pytest.raises(ValidationError, match="-2 on hand"):
            apply_movements(session, [_request(pair, -5)], allow_negative=False)
        # A caller that reports the refusal and commits the rest of its work.
        apply_movements(session, [_request(pair, 1)], allow_negative=False)
    with db.session() as session:
        assert ledger_mismatches(session) == []
        level = session.execute(select(m.StockLevel)).scalar_one()
        assert (level.on_hand, level.version) == (4, 2)


def test_concurrent_writers_never_lose_a_change(db: Database) -> None:
    with db.session() as session:
        product = m.Product(id=uuid.uuid4(), sku="P", name="P")
        warehouse = m.Warehouse(id=uuid.uuid4(), code="W", name="W")
        session.add_all([product, warehouse])
    pair = (product.id, warehouse.id)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait()
            for _ in range(200):
                with db.session() as session:
                    apply_movements(session, [_request(pair, 1)])
        except BaseException as err:  # reported below, on the test's thread
            errors.append(err)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with db.session() as session:
        level = session.execute(select(m.StockLevel)).scalar_one()
        moved = session.execute(select(func.count()).select_from(m.StockMovement)).scalar_one()
        assert ledger_mismatches(session) == []
    assert (level.on_hand, level.version, moved) == (400, 400, 400)
