"""HubSpot's official Node client (``@hubspot/api-client`` from npm) against a live server.

The client is installed by this test into ``tests/node/node_modules`` with ``npm ci``
(from the committed ``package-lock.json``) the first time, so ``python -m pytest`` alone
runs it; it is skipped, saying so, only when ``node`` or ``npm`` is not installed.
"""

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
def node_modules() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the Node client test needs node and npm on PATH (Node 18 or later)")
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return HERE / "node_modules"


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
