"""Security checks (issue 7 §4): POS tokens and keys never reach the database file (nor its
WAL), the logs (debug mode on), an error message or the command line's output — with every
integration type configured, synced, and then refused (401) and failing (500, with a POS so
careless that it echoes the credentials it got back in its error body); plain http:// to a
host that is not this machine is refused when an integration is added (CLI and facade),
before anything is stored; the approval rule (approver ≠ creator) holds through the CLI.

possync accepts no webhooks (it polls each POS on a schedule), so there is no webhook
payload to verify."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from sqlalchemy.engine import make_url

from possync_gui.domain.errors import ValidationError
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database, open_database
from tests.fakes.server import Reply, Request
from tests.fakes.sync_world import (
    CUSTOM_KEY,
    SHOPIFY_TOKEN,
    SQUARE_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    CustomSide,
    ShopifySide,
    Spec,
    SquareSide,
    Store,
    WooSide,
)
from tests.faults.robust_helpers import run_cli

Capsys = pytest.CaptureFixture[str]
SECRETS = (SQUARE_TOKEN, SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, CUSTOM_KEY)


@pytest.fixture
def sides() -> Iterator[list[Any]]:
    made = [SquareSide(), ShopifySide(), WooSide(), CustomSide()]
    yield made
    for side in made:
        side.fake.stop()


def _echo_credentials(request: Request) -> Reply:
    """A careless POS: its refusal repeats every header and query value it was sent."""
    seen = {**request.headers, **{k: v[0] for k, v in request.query.items()}}
    return Reply(401, raw=f"not authorized: {json.dumps(seen)}".encode())


def _leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        return [s for s in SECRETS if s.encode() in text]
    return [s for s in SECRETS if s in text]


def test_no_secret_in_the_database_logs_errors_or_output(
    capsys: Capsys,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_db: Database,
    sides: list[Any],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("POS_SYNC_DEBUG", "true")
    caplog.set_level(logging.DEBUG)
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    Store(sqlite_db, [Spec("SKU-1", 4), Spec("SKU-2", 9)])
    said: list[str] = []

    def cli(*argv: str) -> int:
        code, out, err = run_cli(capsys, "--db", url, "--debug", *argv)
        said.extend((out, err))
        return code

    for n, side in enumerate(sides):
        side.add("A", 4, sku="SKU-1")
        side.add("B", 7, sku="SKU-2")
        path = tmp_path / f"integration-{n}.json"
        path.write_text(json.dumps(side.integration(f"pos-{side.kind}")))
        assert cli("integrations", "add", "--from-json", str(path)) == 0
    assert cli("sync", "--json") == 0
    for side in sides:  # refused
        side.fake.inject(Reply(401, {"errors": [{"code": "UNAUTHORIZED"}]}), times=50)
    assert cli("sync", "--json") == 2
    assert cli("health", "--check", "--json") == 2
    for side in sides:  # refused by a POS that echoes the credentials it was sent
        side.fake._faults.clear()
        side.fake._route = _echo_credentials  # type: ignore[method-assign]
    assert cli("sync", "--json") == 2
    assert cli("health", "--check", "--json") == 2
    for side in sides:  # failing twice (500, retried), then answering
        del side.fake._route  # the fake's own answers again
        side.fake.inject(Reply(500, {"error": "try later"}), times=2)
    assert cli("sync", "--json") in (0, 1)
    assert cli("sync-log", "--json", "--limit", "0") == 0
    assert cli("integrations", "list", "--json") == 0

    facade = InventorySyncService(sqlite_db)
    for side in sides:  # the same failures through the facade: what the window would show
        report = asyncio.run(facade.check_integration_health(f"pos-{side.kind}"))
        said.append(repr(report))
        (result,) = asyncio.run(facade.sync_inventory_levels(f"pos-{side.kind}"))
        said.append(repr(result))

    messages = [r.getMessage() for r in caplog.records]
    assert any("'authorization': '***'" in m for m in messages)  # debug mode logged requests
    assert any("not authorized:" in m and '"authorization": "***"' in m for m in messages)
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(logged) == [], "a secret in the debug log"
    assert _leaks("\n".join(said)) == [], "a secret in the CLI output or an error message"
    db_file = Path(str(make_url(url).database))
    for part in (db_file, Path(f"{db_file}-wal")):
        if part.exists():
            assert _leaks(part.read_bytes()) == [], f"a secret in {part.name}"


# -- plain http to another machine ------------------------------------------------------------
@pytest.mark.parametrize(
    "base_url",
    ["http://pos.example.com", "http://192.168.1.20:8080", "http://127.0.0.1.nip.io",
     "HTTP://shop.example.com/api"],
)  # fmt: skip
def test_plain_http_to_another_host_is_refused_before_anything_is_stored(
    capsys: Capsys, sqlite_url: str, tmp_path: Path, base_url: str
) -> None:
    secret = "EAAAl-never-sent-over-http"
    data = {
        "id": "pos-http",
        "name": "Shop over http",
        "type": "square",
        "configuration": {"baseUrl": base_url, "credentials": {"accessToken": secret}},
    }
    path = tmp_path / "integration.json"
    path.write_text(json.dumps(data))
    code, out, err = run_cli(capsys, "--db", sqlite_url, "integrations", "add", "--from-json",
                             str(path))  # fmt: skip
    assert (code, out) == (1, "")
    assert err.startswith("possync: error: ") and "must use https" in err, err
    assert secret not in err
    code, out, _ = run_cli(capsys, "--db", sqlite_url, "integrations", "list", "--json")
    assert code == 0 and json.loads(out) == []
    data_home = Path(os.environ["XDG_DATA_HOME"])  # the test's keyring lives there
    kept = [p for p in data_home.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert kept == []  # not even in the keyring
    facade_db = open_database(sqlite_url)
    try:
        with pytest.raises(ValidationError, match="must use https"):
            asyncio.run(InventorySyncService(facade_db).add_integration_from_json(data))
        assert asyncio.run(InventorySyncService(facade_db).list_integrations()) == []
    finally:
        facade_db.dispose()


# -- the approval rule through the CLI -----------------------------------------------------------
def test_the_creator_cannot_approve_their_own_order_from_the_cli(
    capsys: Capsys, sqlite_url: str
) -> None:
    settings = Path(platformdirs.user_config_dir("possync", appauthor=False)) / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"approval_threshold": "0.00"}))  # every order needs it
    assert run_cli(capsys, "--db", sqlite_url, "demo", "--products", "60")[0] == 0
    code, out, err = run_cli(capsys, "--db", sqlite_url, "--operator", "alice", "po", "create",
                             "--all", "--urgency", "critical", "--json")  # fmt: skip
    orders = json.loads(out)
    assert orders, err
    order = orders[0]["order_number"]
    assert orders[0]["status"] == "pending_approval"
    for same_person in ("alice", "Alice", "  ALICE "):
        code, out, err = run_cli(capsys, "--db", sqlite_url, "--operator", same_person, "po",
                                 "approve", order)  # fmt: skip
        assert code == 1 and out == ""
        assert "someone other than its creator (alice)" in err, err
    code, out, _ = run_cli(capsys, "--db", sqlite_url, "po", "show", order, "--json")
    assert json.loads(out)[0]["status"] == "pending_approval"
    code, out, err = run_cli(capsys, "--db", sqlite_url, "--operator", "bob", "po", "approve",
                             order)  # fmt: skip
    assert code == 0, err
    code, out, _ = run_cli(capsys, "--db", sqlite_url, "po", "show", order, "--json")
    shown = json.loads(out)[0]
    assert shown["status"] == "approved" and shown["approved_by"] == "bob"
