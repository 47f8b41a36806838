"""Small reads for the window's status bar, off the caller's thread."""

from __future__ import annotations

import asyncio
from datetime import datetime

from possync_gui.store import listings
from possync_gui.store.database import Database


class ListingService:
    """Runs the status bar's queries off the caller's thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_sync_at(self) -> datetime | None:
        def work() -> datetime | None:
            with self._db.session() as session:
                return listings.last_sync_at(session)

        return await asyncio.to_thread(work)
