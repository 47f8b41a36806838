"""Small reads the window's status bar shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from possync_gui.store import models as m


def last_sync_at(session: Session) -> datetime | None:
    value: Any = session.execute(select(func.max(m.POSIntegration.last_sync_at))).scalar()
    return value
