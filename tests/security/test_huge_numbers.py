"""Numbers too big for anything: 5,000-digit ids, typeIds, ``after``, ``limit`` and admin
``portalId`` (Python's ``int()`` refuses more than 4,300 digits with a ``ValueError``), and
values past int64 in the admin API. Always a HubSpot-shaped 400 (or 404 / a 207 naming the
input), never a 500; nothing changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assocdb.http.routes import OPERATIONS
from tests.conftest import Api
from tests.live import clean_env, cli
from tests.security.test_hostile_input import _replace_ids, check_error
from tests.security.test_isolation import PortalA, body_for, path_for, setup_a, snapshot

HUGE = "9" * 5000
ADMIN = "admin-token-for-tests"
QUERY_NAMES = ("after", "limit", "associationTypeId", "portalId", "idProperty")
# The webhooks API authenticates with a developer API key, not a portal token: its huge
# numbers are in tests/webhooks/test_webhooks_hostile.py.
TOKEN_OPS = [op for op in OPERATIONS if not op.path.startswith("/webhooks/")]


@pytest.fixture
def portal_a(api: Api) -> tuple[PortalA, str]:
    return setup_a(api)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_huge_path_segments(api: Api, portal_a: tuple[PortalA, str]) -> None:
    a, token = portal_a
    before = snapshot(api, a)
    for op in [op for op in TOKEN_OPS if "{" in op.path]:
        for param in re.findall(r"\{(\w+)\}", op.path):
            path = re.sub(
                r"\{(\w+)\}",
                lambda m, p=param: HUGE if m[1] == p else path_for(m[0], a),
                op.path,
            )
            kwargs: dict[str, Any] = {"headers": _bearer(token)}
            if op.request is not None:
                kwargs["json"] = body_for(op.request.__name__, a)
            response = api.client.request(op.method, path, **kwargs)
            check_error(response, f"{op.method} {op.path} {param}", (400, 404))
    assert snapshot(api, a) == before


def test_huge_query_parameters(api: Api, portal_a: tuple[PortalA, str]) -> None:
    a, token = portal_a
    for op in TOKEN_OPS:
        names = {q.name for q in op.query} | {"after", "limit"}
        path = path_for(op.path, a)
        for name in sorted(names & set(QUERY_NAMES)):
            kwargs: dict[str, Any] = {"headers": _bearer(token), "params": {name: HUGE}}
            if op.request is not None:
                kwargs["json"] = body_for(op.request.__name__, a)
            response = api.client.request(op.method, path, **kwargs)
            where = f"{op.method} {op.path}?{name}= -> {response.status_code} {response.text[:200]}"
            assert response.status_code < 500, where
            assert "Traceback" not in response.text, where


@pytest.mark.parametrize("value", [HUGE, int(HUGE[:400]), 2**63, -(2**63) - 1])
def test_huge_ids_and_type_ids_in_bodies(
    api: Api, portal_a: tuple[PortalA, str], value: object
) -> None:
    a, token = portal_a
    before = snapshot(api, a)
    for op in [op for op in TOKEN_OPS if op.request is not None]:
        template = body_for(op.request.__name__, a)  # type: ignore[union-attr]
        body = _replace_ids(template, value)
        if body == template:
            continue
        path = path_for(op.path, a)
        response = api.client.request(op.method, path, json=body, headers=_bearer(token))
        where = f"{op.method} {op.path} -> {response.status_code} {response.text[:300]}"
        check_error(response, where, (400, 404, 207))
    assert snapshot(api, a) == before


@pytest.fixture
def admin_api(make_api: Callable[..., Api]) -> Api:
    return make_api(admin=True, admin_token=ADMIN)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_assocdb/portals", {"portalId": 2**63}),
        ("/_assocdb/portals", {"portalId": 2**64 + 5}),
        ("/_assocdb/portals", {"portalId": int(HUGE[:1000])}),
        ("/_assocdb/portals", {"portalId": -(2**63) - 1}),
        ("/_assocdb/portals/1/tokens", {"expiresInSeconds": 9 * 10**15}),
        ("/_assocdb/portals/1/tokens", {"expiresInSeconds": 2**63}),
        ("/_assocdb/portals/1/tokens", {"expiresInSeconds": -5}),
        ("/_assocdb/portals/1/tokens", {"expiresInSeconds": 0}),
        (f"/_assocdb/portals/{HUGE}/tokens", {}),
        (f"/_assocdb/portals/{HUGE}/reset", None),
        (f"/_assocdb/portals/{2**63}/seed", {}),
    ],
)
def test_admin_api_refuses_out_of_range_numbers(admin_api: Api, path: str, body: object) -> None:
    admin_api.portal(1)
    response = admin_api.client.post(path, json=body, headers=_bearer(ADMIN))
    check_error(response, f"{path} {str(body)[:80]}", (400, 404))


@pytest.mark.parametrize(
    "query", [{"limit": HUGE}, {"portalId": HUGE}, {"limit": "-1"}, {"limit": "١٢"}]
)
def test_admin_requests_query(admin_api: Api, query: dict[str, str]) -> None:
    response = admin_api.client.get("/_assocdb/requests", params=query, headers=_bearer(ADMIN))
    assert response.status_code in (200, 400), response.text[:200]
    assert "Traceback" not in response.text


def test_admin_portal_near_the_top_of_int64_is_accepted(admin_api: Api) -> None:
    response = admin_api.client.post(
        "/_assocdb/portals", json={"portalId": 2**63 - 1}, headers=_bearer(ADMIN)
    )
    assert response.status_code == 201, response.text
    assert response.json()["portalId"] == 2**63 - 1
    token = response.json()["token"]
    expiring = admin_api.client.post(
        f"/_assocdb/portals/{2**63 - 1}/tokens",
        json={"expiresInSeconds": 100 * 365 * 86400},
        headers=_bearer(ADMIN),
    )
    assert expiring.status_code == 201, expiring.text
    assert token


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999999999999999999", "at most 36500d (100 years)"),
        (HUGE, "at most 36500d (100 years)"),
        ("36501d", "at most 36500d (100 years)"),
        ("0", "use a positive number of seconds"),
    ],
)
def test_token_create_refuses_huge_lifetimes(tmp_path: Path, value: str, message: str) -> None:
    db = str(tmp_path / "store.sqlite3")
    cli("portal", "create", "--db", db, "--id", "1")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "assocdb", "token", "create", "--db", db, "--portal", "1"),
            *("--scopes", "all", "--expires-in", value),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(),
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: Invalid value for --expires-in: "), line
    assert message in line
    assert len(line) < 300
