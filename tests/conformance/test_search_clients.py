"""HubSpot's official clients against a live ``assocdb serve`` on each backend: the
properties API, ``crm.contacts.search_api.do_search`` (Python) and
``searchApi.doSearch`` (Node) followed through every ``after``, and the 409 of a
duplicate email."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ApiException
from hubspot.crm.properties import PropertyCreate

from tests.live import LiveServer, cli, live_server
from tests.node.install import HERE

pytestmark = pytest.mark.slow


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    cli("portal", "create", "--db", db_url, "--id", "4242")
    with live_server(db_url, log_path=tmp_path / "server.log") as live:
        yield live


def test_python_client_properties_and_search(server: LiveServer) -> None:
    client = HubSpot(access_token=server.token(4242), host=server.base_url)
    made = client.crm.properties.core_api.create(
        "contacts",
        PropertyCreate(
            name="sync_source",
            label="Sync source",
            type="string",
            field_type="text",
            group_name="contactinformation",
        ),
    )
    assert (made.name, made.type, made.field_type) == ("sync_source", "string", "text")
    assert "sync_source" in {
        p.name for p in client.crm.properties.core_api.get_all("contacts").results
    }

    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={
                "email": f"py{i}@example.com",
                "firstname": f"Py {i}",
                "sync_source": "erp" if i % 4 else "web",
            },
            associations=[],
        )
        for i in range(23)
    ]
    created = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    assert len(created.results) == 23

    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(
                filter_groups=[
                    FilterGroup(
                        filters=[Filter(property_name="sync_source", operator="EQ", value="erp")]
                    )
                ],
                sorts=["-createdate"],
                properties=["email", "sync_source"],
                limit=5,
                after=after,
            )
        )
        pages += 1
        assert page.total == 17
        seen += [r.id for r in page.results]
        assert all(r.properties["sync_source"] == "erp" for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert (len(seen), len(set(seen)), pages) == (17, 17, 4)

    by_email = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="email", operator="EQ", value="PY3@example.com")]
                )
            ]
        )
    )
    assert [r.properties["email"] for r in by_email.results] == ["py3@example.com"]

    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={"email": "py3@example.com"}, associations=[]
            )
        )
    assert refused.value.status == 409
    body = json.loads(refused.value.body)
    assert body["category"] == "CONFLICT"
    assert body["message"].startswith("Contact already exists. Existing ID: ")


def test_node_client_search(node_modules: Path, server: LiveServer) -> None:
    done = subprocess.run(
        ["node", str(HERE / "search.js")],
        cwd=HERE,
        env={
            "PATH": str(Path(shutil.which("node") or "node").parent),
            "ASSOCDB_URL": server.base_url,
            "ASSOCDB_TOKEN": server.token(4242),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"total": 8, "pages": 3, "found": 8, "conflict": 409}
