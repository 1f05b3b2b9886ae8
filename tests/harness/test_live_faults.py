"""Faults over a real socket: a cut connection, and HubSpot's official Python client
retrying through injected 5xx and 429 answers on a GET."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hubspot import HubSpot
from urllib3.util.retry import Retry

from assocdb.testing import AssocdbPortal, AssocdbServer, run_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssocdbServer]:
    with run_server(tmp_path_factory.mktemp("faults"), mode="thread") as live:
        yield live


@pytest.fixture
def portal(server: AssocdbServer) -> Iterator[AssocdbPortal]:
    made = server.create_portal()
    yield made
    server.clear_faults()


def test_cut_closes_the_connection_mid_response(portal: AssocdbPortal) -> None:
    url = f"{portal.base_url}/crm/v3/objects/contacts"
    headers = {**portal.headers, "X-Assocdb-Fault": "cut;times=1"}
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, headers=headers, timeout=5)
    assert httpx.get(url, headers=headers, timeout=5).status_code == 200


def test_python_client_retries_through_5xx_and_429(portal: AssocdbPortal) -> None:
    retry = Retry(
        total=4,
        status_forcelist=(429, 502, 503, 504),
        backoff_factor=0,
        respect_retry_after_header=True,
    )
    client = HubSpot(access_token=portal.token, host=portal.base_url, retry=retry)
    ids = portal.seed({"objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}]}})
    contact, company = ids["contacts"]["c"], ids["companies"]["a"]
    client.crm.associations.v4.basic_api.create_default("contacts", contact, "companies", company)
    portal.server.clear_requests()
    route = f"/crm/v4/objects/contacts/{contact}/associations/*"
    portal.server.fault(f"503;times=1;route={route},502;times=1;route={route}")
    portal.server.fault(f"429;times=1;retry-after=0;route={route}")

    page = client.crm.associations.v4.basic_api.get_page("contacts", contact, "companies")
    seen = [r["status"] for r in portal.requests()]

    assert [str(r.to_object_id) for r in page.results] == [company]
    assert seen == [503, 502, 429, 200]
    assert [f["fired"] for f in portal.server.faults()] == [1, 1, 1]
