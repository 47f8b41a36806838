"""The fault campaign's fixtures: a fork server for its child processes (started inside the
test, so the children see the test's isolated keyring and data folders)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.sync_world import child_env
from tests.faults.campaign.worker import Zygote


@pytest.fixture
def zygote(tmp_path: Path) -> Iterator[Zygote]:
    server = Zygote(child_env(), tmp_path / "children")
    yield server
    server.close()
