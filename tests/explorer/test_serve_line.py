"""``serve --admin`` prints the explorer's URL; without the admin API there is no explorer
and no such line (the browser test covers ``serve --demo``); on every backend."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.live import live_server

pytestmark = pytest.mark.slow


def test_serve_admin_prints_a_signin_url_that_works(db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with live_server(
        tmp_path / "a.sqlite3", "--admin", "--admin-token", "s3cret", log_path=log
    ) as server:
        lines = log.read_text().splitlines()
        assert f"Explorer: {server.base_url}/_assocdb/explorer/signin#token=s3cret" in lines
        with httpx.Client(base_url=server.base_url, follow_redirects=True) as client:
            signed = client.post("/_assocdb/explorer/signin", data={"token": "s3cret"})
            assert (signed.status_code, signed.url.path) == (200, "/_assocdb/explorer/")
            assert "Portals" in signed.text


def test_no_explorer_without_the_admin_api(db_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with live_server(db_url, log_path=log) as server:
        assert not re.search(r"^Explorer:", log.read_text(), re.MULTILINE)
        response = httpx.get(f"{server.base_url}/_assocdb/explorer/signin")
        assert response.status_code == 404
