"""HubSpot's Node client for the tests that drive it: installed on first use, not checked at
collection, so a test does not skip just because it was collected before the first install.

``npm ci`` (from the committed ``package-lock.json``) runs once per test session, the first
time a test asks, and again only when the lock file is newer than the install. A test skips,
saying so, only when ``node`` or ``npm`` is not on PATH.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["HERE", "NODE_MODULES", "ensure_node_modules"]

HERE = Path(__file__).parent
NODE_MODULES = HERE / "node_modules"
NPM_CI_TIMEOUT_S = 300


@functools.cache
def _install(npm: str) -> Path:
    installed = NODE_MODULES / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    assert (NODE_MODULES / "@hubspot" / "api-client").is_dir(), "npm ci left no client"
    return NODE_MODULES


def ensure_node_modules() -> Path:
    """``tests/node/node_modules`` with ``@hubspot/api-client`` in it; call from a test or
    fixture (never at import or collection)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the Node client tests need node and npm on PATH (Node 18 or later)")
    return _install(npm)
