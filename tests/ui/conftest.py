"""The qasync + pytest-qt pattern that does not crash (RECIPES.md §1.3–1.6).

One qasync loop for the whole session, created ``already_running`` because pytest-qt pumps
Qt events after each test; in a ``tryfirst`` teardown hook, before pytest-qt deletes the
test's widgets, the test's windows are closed and every task left is cancelled and ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

T = TypeVar("T")

#: ``qtbot.waitUntil``'s default wait. pytest-qt's 5 s is too short on a loaded 2-core CI
#: machine running the suite on two workers beside PostgreSQL: a condition that does come
#: true (orders listed after a background task) timed out there. A wait that ends early
#: costs nothing, so the default only lengthens a failing test.
WAIT_UNTIL_MS = 30_000
_pytestqt_wait_until = QtBot.waitUntil


def _patient_wait_until(
    self: QtBot, callback: Callable[[], Any], *, timeout: int = WAIT_UNTIL_MS
) -> None:
    _pytestqt_wait_until(self, callback, timeout=timeout)


QtBot.waitUntil = QtBot.wait_until = _patient_wait_until  # type: ignore[method-assign]
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
    stuck: list[str] = []
    if _LOOP is not None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        # Closed first (pytest-qt closes them again, harmlessly): a closed window's timers
        # (the Demo POS tick) start no work; open, one could start a task after the sweep
        # below, which would run on into the next test, after pytest-qt deleted the widgets
        # it updates. Hidden ones too: a window that was never shown still has its timers.
        for widget in app.topLevelWidgets():
            widget.close()
        stuck = _end_tasks(_LOOP, app)
        _wait_for_idle_workers()
    result = yield
    if stuck:
        raise RuntimeError(f"tasks still running {TASK_END_TIMEOUT:.0f} s after teardown: {stuck}")
    return result


#: How long a cancelled task may take to end (a worker thread finishes its batch first).
TASK_END_TIMEOUT = 30.0


def _end_tasks(loop: qasync.QEventLoop, app: QApplication) -> list[str]:
    """Cancel every task left, and any a cancelled one starts on its way out, once each, and
    pump events until all have ended; returns the names of those that did not."""
    cancelled: set[asyncio.Task[Any]] = set()
    deadline = time.monotonic() + TASK_END_TIMEOUT
    while pending := [t for t in asyncio.all_tasks(loop) if not t.done()]:
        if time.monotonic() > deadline:
            return sorted(t.get_name() for t in pending)
        for task in pending:
            if task not in cancelled:
                task.cancel()  # once: a second cancel would cut short its clean-up
                cancelled.add(task)
        # Returns as soon as the events are handled; a worker's result arrives as an event.
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if any(not t.done() for t in pending):
            time.sleep(0.005)  # a worker thread is finishing; do not spin
    return []


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
