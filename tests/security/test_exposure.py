"""What an anonymous caller can learn, and who may open the admin API to the network.

- ``/metrics`` carries no portal id in any label; the store-wide row counts appear only
  with ``--metrics-store`` or the admin token.
- ``--admin`` with a non-loopback ``--host`` refuses to start unless
  ``--admin-allow-remote`` is given, and then warns.
- ``--rate-limit-fail closed``: Redis down after start is a 503, not an uncounted request.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assocdb.config import Settings
from assocdb.errors import ServiceUnavailable
from assocdb.http.ratelimit import RateLimiter
from tests.conftest import Api
from tests.live import clean_env

ADMIN = "admin-secret"


def _fill(api: Api) -> str:
    api.portal(7)
    token = api.token(7)
    (contact,) = api.objects(7, "contacts", 1)
    (company,) = api.objects(7, "companies", 1)
    api.associate(7, "contacts", "companies", [(contact, company)])
    api.post("/crm/v4/associations/contacts/companies/batch/read", token, {"inputs": [{"id": "1"}]})
    return token


def test_anonymous_metrics_reveal_no_portal_and_no_row_counts(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(admin=True, admin_token=ADMIN)
    _fill(api)
    text = api.client.get("/metrics").text
    assert "assocdb_http_requests_total" in text
    assert "assocdb_store_rows" not in text
    assert "portal" not in text.lower()
    assert not re.search(r'="7"', text)
    # A portal's token is not the admin token.
    portal_token = api.token(7)
    shown = api.client.get("/metrics", headers={"Authorization": f"Bearer {portal_token}"})
    assert "assocdb_store_rows" not in shown.text
    # The admin token sees the store-wide counts (both directions of the one association).
    admin = api.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN}"}).text
    assert 'assocdb_store_rows{table="associations"} 2.0' in admin
    assert 'assocdb_store_rows{table="objects"} 2.0' in admin


def test_metrics_store_option_shows_row_counts_to_anyone(make_api: Callable[..., Api]) -> None:
    api = make_api(metrics_store=True)
    _fill(api)
    text = api.client.get("/metrics").text
    assert 'assocdb_store_rows{table="associations"} 2.0' in text


def _serve(tmp_path: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    db = str(tmp_path / "store.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "assocdb", "serve", "--db", db, "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=clean_env(),
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_admin_on_a_public_host_refuses_to_start(tmp_path: Path, host: str) -> None:
    done = _serve(tmp_path, "--admin", "--host", host)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: --admin on --host {host} would let anyone who reaches it")
    assert "--admin-allow-remote" in line


def test_admin_on_loopback_needs_no_flag() -> None:
    from assocdb.server import is_loopback

    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


def test_admin_allow_remote_starts_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run in-process with the server start replaced: tests never bind a public address."""
    import assocdb.cli

    started: list[Settings] = []
    monkeypatch.setattr(assocdb.cli, "run_server", started.append)
    # serve exports its settings to os.environ for workers: give it a copy to write to.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
    monkeypatch.setattr(os, "environ", clean)
    db = str(tmp_path / "store.sqlite3")
    args = ["serve", "--db", db, "--host", "0.0.0.0", "--admin", "--admin-allow-remote"]
    with contextlib.suppress(SystemExit):
        assocdb.cli.main([*args, "--admin-token", ADMIN])
    assert capsys.readouterr().err.startswith(
        "warning: the admin API is reachable on 0.0.0.0; keep the admin token secret"
    )
    (settings,) = started
    assert settings.host == "0.0.0.0"
    assert settings.admin
    assert settings.admin_allow_remote


class _Policies:
    async def list_portal_rate_limits(self) -> dict[int, str]:
        return {}


def test_rate_limit_fail_closed_answers_503_when_redis_is_gone() -> None:
    async def run() -> None:
        limiter = RateLimiter(
            "1/1",
            "redis://127.0.0.1:1",
            _Policies(),  # type: ignore[arg-type]
            fail="closed",
        )
        try:
            with pytest.raises(ServiceUnavailable) as caught:
                await limiter.admit(5)
        finally:
            await limiter.close()
        assert caught.value.sub_category == "assocdb.RATE_LIMIT_UNAVAILABLE"
        assert caught.value.status_code == 503

    asyncio.run(run())


def test_rate_limit_fail_closed_through_the_api(make_api: Callable[..., Api]) -> None:
    api = make_api(
        rate_limit="5/100", rate_limit_storage="redis://127.0.0.1:1", rate_limit_fail="closed"
    )
    api.portal(1)
    token = api.token(1)
    answer = api.get("/crm/v3/objects/contacts", token)
    assert answer.status_code == 503
    assert answer.json()["subCategory"] == "assocdb.RATE_LIMIT_UNAVAILABLE"
    assert answer.json()["category"] == "SERVICE_UNAVAILABLE"
