"""Running coroutines from Qt: named tasks and the one error funnel (STYLE.md habit 7).

``TaskRunner.run(name, coro)`` starts a task; a new task of the same name cancels the old
one, so a fast typist's search never races a slow one. Known errors (``PossyncError``)
go to the ``error`` callback with their own text; ``CancelledError`` is quiet; anything else
is a bug and goes to ``sys.excepthook`` (logged, crash dialog).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from possync_gui.domain.errors import PossyncError

log = logging.getLogger("possync.ui")

ErrorSink = Callable[[str], None]


class TaskRunner:
    """Owns a widget's or presenter's background tasks."""

    def __init__(self, on_error: ErrorSink, on_busy: Callable[[bool], None] | None = None) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._on_error = on_error
        self._on_busy = on_busy

    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        old = self._tasks.get(name)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks[name] = task
        task.add_done_callback(self._finished)
        self._report_busy()
        return task

    def is_running(self, name: str) -> bool:
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            if not task.done():
                task.cancel()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(task.get_name()) is task:
            del self._tasks[task.get_name()]
        self._report_busy()
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, PossyncError):
            log.info("%s: %s", task.get_name(), exc)
            self._on_error(str(exc))
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def _report_busy(self) -> None:
        if self._on_busy is not None:
            self._on_busy(any(not t.done() for t in self._tasks.values()))
