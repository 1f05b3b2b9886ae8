"""HubSpot's official Node client (``@hubspot/api-client`` from npm) against a live server.

The client is installed into ``tests/node/node_modules`` with ``npm ci`` (from the committed
``package-lock.json``) by the first test that needs it (``tests/node/install.py``), so
``python -m pytest`` alone runs it in any order; it is skipped, saying so, only when
``node`` or ``npm`` is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assocdb.testing import AssocdbServer, run_server
from tests.node.install import HERE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssocdbServer]:
    workdir = tmp_path_factory.mktemp("node")
    with run_server(workdir, args=("--batch-read-page-size", "3")) as live:
        yield live


def test_node_client_workflow(node_modules: Path, server: AssocdbServer) -> None:
    portal = server.create_portal()
    done = subprocess.run(
        ["node", str(HERE / "workflow.js")],
        cwd=HERE,
        env={
            "PATH": str(Path(shutil.which("node") or "node").parent),
            "ASSOCDB_URL": server.base_url,
            "ASSOCDB_TOKEN": portal.token,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    statuses = {r["status"] for r in portal.requests()}

    assert summary == {"ok": True, "pages": 3, "remaining": 2}
    assert statuses <= {200, 201, 204, 207}  # the 401 came from no portal's token
