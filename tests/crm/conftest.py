"""A live ``assocdb serve`` per backend for the official-client tests of tests/crm."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from hubspot import HubSpot

from tests.conftest import drop_schema, postgres_dsn, with_schema
from tests.live import LiveServer, cli, live_server

PORTAL = 4242


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def crm_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("crm")
    if request.param == "sqlite":
        db = str(folder / "crm.sqlite3")
        cli("portal", "create", "--db", db, "--id", str(PORTAL))
        with live_server(db, "--batch-read-page-size", "4") as live:
            yield live
        return
    dsn = postgres_dsn()
    schema = f"assocdb_test_{uuid.uuid4().hex[:16]}"
    db = with_schema(dsn, schema)
    try:
        cli("portal", "create", "--db", db, "--id", str(PORTAL))
        with live_server(db, "--batch-read-page-size", "4", log_path=folder / "serve.log") as live:
            yield live
    finally:
        drop_schema(dsn, schema)


@pytest.fixture(scope="module")
def client(crm_server: LiveServer) -> HubSpot:
    return HubSpot(access_token=crm_server.token(PORTAL), host=crm_server.base_url)
