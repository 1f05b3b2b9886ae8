"""pytest plugin: a live assocdb server for your tests (registered via ``pytest11``).

Fixtures (all lazy: nothing starts unless a test asks for one):

``assocdb_server``  session: a server on a free 127.0.0.1 port with a fresh SQLite store,
                    the admin API and fault headers on (``AssocdbServer``).
``assocdb_portal``  a portal with an all-scopes token (``AssocdbPortal``), **reset before
                    each test**: no records, associations, labels or limits, record ids
                    starting over, no fault rules, an empty request log. The portal and
                    token live for the session, so the reset is one cheap admin call.
``assocdb_token``   that portal's token (a ``str``).
``hubspot_client``  ``hubspot.HubSpot(access_token=assocdb_token, host=server URL)``;
                    skipped when ``hubspot-api-client`` is not installed.
``webhook_receiver`` a local receiver on 127.0.0.1 for webhook deliveries
                    (``assocdb.testing.webhooks.WebhookReceiver``): ``.url`` to use as an
                    app's targetUrl, ``.wait_for(n)``, ``.requests[i].verify(secret)``.

Options (command line, or ini with the same name without dashes):
``--assocdb-mode subprocess|thread`` (ini ``assocdb_mode``; default ``subprocess``: the
real ``assocdb serve``; ``thread``: uvicorn in a thread of the test process, no
subprocess), ``--assocdb-db URL`` (ini ``assocdb_db``; a PostgreSQL URL or SQLite path
instead of a temporary SQLite file), ini ``assocdb_portal_id`` (default 12345678).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from assocdb.testing.server import AssocdbPortal, AssocdbServer

__all__ = [
    "assocdb_portal",
    "assocdb_server",
    "assocdb_token",
    "hubspot_client",
    "webhook_receiver",
]

DEFAULT_PORTAL_ID = 12345678


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assocdb", "assocdb: a local HubSpot associations server")
    group.addoption(
        "--assocdb-mode",
        choices=("subprocess", "thread"),
        default=None,
        help="Run the assocdb_server fixture as a subprocess (default) or in a thread.",
    )
    group.addoption(
        "--assocdb-db",
        default=None,
        help="Database of the assocdb_server fixture (default: a temporary SQLite file).",
    )
    parser.addini("assocdb_mode", "assocdb_server: subprocess (default) or thread", default="")
    parser.addini("assocdb_db", "assocdb_server: a database URL or SQLite path", default="")
    parser.addini(
        "assocdb_portal_id", "assocdb_portal: its portal id", default=str(DEFAULT_PORTAL_ID)
    )


def _setting(config: pytest.Config, name: str) -> str:
    value = config.getoption(f"--assocdb-{name}") or config.getini(f"assocdb_{name}")
    return str(value or "")


@pytest.fixture(scope="session")
def assocdb_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AssocdbServer]:
    """A live assocdb server for the whole session (admin API and fault headers on)."""
    from assocdb.testing.server import run_server

    mode = _setting(request.config, "mode") or "subprocess"
    if mode not in ("subprocess", "thread"):
        raise pytest.UsageError(f"assocdb_mode must be subprocess or thread, not {mode!r}")
    db = _setting(request.config, "db") or None
    workdir = tmp_path_factory.mktemp("assocdb")
    with run_server(workdir, db=db, mode=mode) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture(scope="session")
def _assocdb_session_portal(
    request: pytest.FixtureRequest, assocdb_server: AssocdbServer
) -> AssocdbPortal:
    portal_id = int(request.config.getini("assocdb_portal_id") or DEFAULT_PORTAL_ID)
    return assocdb_server.create_portal(portal_id, "pytest")


@pytest.fixture
def assocdb_portal(_assocdb_session_portal: AssocdbPortal) -> AssocdbPortal:
    """The session's portal, emptied before this test (faults and request log too)."""
    _assocdb_session_portal.reset()
    _assocdb_session_portal.server.clear_faults()
    _assocdb_session_portal.server.clear_requests()
    return _assocdb_session_portal


@pytest.fixture
def assocdb_token(assocdb_portal: AssocdbPortal) -> str:
    """An all-scopes token of ``assocdb_portal``."""
    return assocdb_portal.token


@pytest.fixture
def hubspot_client(request: pytest.FixtureRequest) -> Any:
    """HubSpot's official Python client pointed at the server, with the portal's token."""
    hubspot = pytest.importorskip(
        "hubspot",
        reason="the hubspot_client fixture needs HubSpot's client: pip install hubspot-api-client",
    )
    server: AssocdbServer = request.getfixturevalue("assocdb_server")
    token: str = request.getfixturevalue("assocdb_token")
    return hubspot.HubSpot(access_token=token, host=server.base_url)


@pytest.fixture
def webhook_receiver() -> Iterator[Any]:
    """A local webhook receiver on a free 127.0.0.1 port, stopped after the test."""
    from assocdb.testing.webhooks import WebhookReceiver

    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
