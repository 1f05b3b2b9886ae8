"""``serve --lenient-properties --search-index-delay-ms N`` reach the worker processes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.live import cli, live_server

pytestmark = pytest.mark.slow


def test_serve_flags_reach_the_workers(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "3")
    args = ("--workers", "2", "--lenient-properties", "--search-index-delay-ms", "60000")
    with live_server(db_url, *args, log_path=tmp_path / "server.log") as server:
        headers = {"Authorization": f"Bearer {server.token(3)}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            made = client.post(
                "/crm/v3/objects/contacts", json={"properties": {"legacy_code": "L-1"}}
            )
            assert made.status_code == 201, made.text
            prop = client.get("/crm/v3/properties/contacts/legacy_code").json()
            assert (prop["type"], prop["fieldType"]) == ("string", "text")
            # Not searchable for a minute, on whichever worker answers.
            for _ in range(4):
                found = client.post("/crm/v3/objects/contacts/search", json={})
                assert found.json() == {"total": 0, "results": []}
