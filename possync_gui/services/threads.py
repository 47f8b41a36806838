"""Database work off the event loop, shared by the service components."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a worker thread; if the caller is cancelled meanwhile, let it finish
    (threads cannot be interrupted; a transaction may be under way) before the cancellation
    goes on, so nothing is written after the caller let go of its lock."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                continue
            except Exception:  # the cancellation is what the caller hears about
                break
        raise
