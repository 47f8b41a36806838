"""The qasync + pytest-qt pattern that does not crash (RECIPES.md §1.3–1.6).

One qasync loop for the whole session, created ``already_running`` because pytest-qt pumps
Qt events after each test; leftover tasks are cancelled in a ``tryfirst`` teardown hook,
before pytest-qt deletes the test's widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

T = TypeVar("T")
_LOOP: qasync.QEventLoop | None = None
_EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="possync-test")


@pytest.fixture(scope="session")
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    global _LOOP  # noqa: PLW0603 - one loop for the whole session, by design
    if _LOOP is None:
        _LOOP = qasync.QEventLoop(qapp, already_running=True)
        # Plain Python worker threads: qasync's QThread executor would outlive the session
        # and Qt aborts on "QThread: Destroyed while thread is still running".
        _LOOP.set_default_executor(_EXECUTOR)
        asyncio.set_event_loop(_LOOP)
    yield _LOOP
    _EXECUTOR.shutdown(wait=True, cancel_futures=True)


@pytest.hookimpl(tryfirst=True, wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    if _LOOP is not None:
        pending = [t for t in asyncio.all_tasks(_LOOP) if not t.done()]
        for task in pending:
            task.cancel()
        app = QApplication.instance()
        for _ in range(200):
            if all(t.done() for t in pending):
                break
            assert app is not None
            app.processEvents()
        _wait_for_idle_workers()
    return (yield)


def _wait_for_idle_workers(timeout: float = 30.0) -> None:
    """A cancelled task's ``to_thread`` work runs on to its end in its worker (threads cannot
    be interrupted), holding a database connection; let it finish before the test's database
    is disposed, or its connection is left open and garbage-collected during a later test."""
    workers = _EXECUTOR._max_workers
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        _EXECUTOR.submit(barrier.wait, timeout)
    # A worker stuck for longer breaks the barrier: the test's own teardown then says why.
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout)


@pytest.fixture
def run_async(qloop: qasync.QEventLoop, qtbot: Any) -> Callable[..., Any]:
    """Run a coroutine on the session loop and return its result (or raise its error)."""

    def runner(coro: Awaitable[T], timeout: int = 30_000) -> T:
        task = asyncio.ensure_future(coro, loop=qloop)
        qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    return runner


@pytest.fixture(autouse=True)
def _fresh_window_state(qapp: QApplication) -> Iterator[None]:
    """Window geometry and column order persist in QSettings; each test starts from none."""
    from PySide6.QtCore import QSettings

    QSettings().clear()
    yield
    QSettings().clear()
