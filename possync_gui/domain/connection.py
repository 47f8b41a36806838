"""The state of the database connection as the change feed sees it (issue 7 §2)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ConnectionState(StrEnum):
    CONNECTED = "connected"  # the first connection at start
    LOST = "lost"  # the server cannot be reached; a retry is due in ``retry_in`` seconds
    RECONNECTED = "reconnected"  # back after a loss; what others changed meanwhile reloads


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """One change of the connection's state. ``attempt``: how many tries failed in a row;
    ``error``: the reason, for a person (never a password)."""

    state: ConnectionState
    retry_in: float = 0.0
    attempt: int = 0
    error: str = ""
