"""``node_modules`` for the tests of this folder: HubSpot's Node client, installed on first
use by ``tests/node/install.py`` (the one installer, shared with tests/reliability)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.node.install import ensure_node_modules


@pytest.fixture(scope="module")
def node_modules() -> Path:
    return ensure_node_modules()
