"""HubSpot's official Node client against a live server for the CRM resources of issue 13:
v3 associations, owners, pipelines, merge and GDPR delete (tests/node/crm.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assocdb.testing import AssocdbServer, run_server

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def crm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssocdbServer]:
    with run_server(tmp_path_factory.mktemp("node-crm")) as live:
        yield live


def test_node_client_crm_workflow(node_modules: Path, crm_server: AssocdbServer) -> None:
    portal = crm_server.create_portal()
    crm_server.admin("POST", f"/portals/{portal.id}/owners", {"email": "node@example.com"})
    done = subprocess.run(
        ["node", str(HERE / "crm.js")],
        cwd=HERE,
        env={
            "PATH": str(Path(shutil.which("node") or "node").parent),
            "ASSOCDB_URL": crm_server.base_url,
            "ASSOCDB_TOKEN": portal.token,
            "ASSOCDB_OWNER": "node@example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"ok": True, "deal": True}
