"""Read-only lists for the Alerts, Purchase Orders, Receiving, Conflicts and Integrations tabs
until their components land."""

from __future__ import annotations

import asyncio
from datetime import datetime

from possync_gui.domain.records import ListRow
from possync_gui.store import listings
from possync_gui.store.database import Database


class ListingService:
    """Runs the listing queries off the caller's thread."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def rows(self, kind: str) -> tuple[tuple[str, ...], list[ListRow]]:
        def work() -> tuple[tuple[str, ...], list[ListRow]]:
            with self._db.session() as session:
                return listings.list_rows(session, kind)

        return await asyncio.to_thread(work)

    async def last_sync_at(self) -> datetime | None:
        def work() -> datetime | None:
            with self._db.session() as session:
                return listings.last_sync_at(session)

        return await asyncio.to_thread(work)
