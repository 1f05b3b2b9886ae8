"""HubSpot's rate limits: headers, 429 bodies, per-portal budgets.

HubSpot: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses
https://github.com/HubSpot/hubspot-api-nodejs/issues/416

In-process on both backends; one test shares counters through Redis between two limiters
(two workers) and one drives the official Python client against a live server.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4.schema.exceptions import ApiException
from urllib3.util.retry import Retry

from assocdb.domain.clock import now_ms
from assocdb.domain.ratelimit import TIERS, parse_policy
from assocdb.errors import ValidationError
from assocdb.http.ratelimit import RateLimited, RateLimiter
from tests.conftest import Api
from tests.live import cli, live_server
from tests.node.install import ensure_node_modules

LABELS = "/crm/v4/associations/companies/contacts/labels"
HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


def limited(make_api: Callable[..., Api], policy: str) -> tuple[Api, str]:
    api = make_api(rate_limit=policy)
    api.portal(1)
    return api, api.token(1)


def test_off_by_default_sends_no_headers(api: Api) -> None:
    api.portal(1)
    token = api.token(1)
    for _ in range(120):
        response = api.get(LABELS, token)
        assert response.status_code == 200
    assert not any(h in response.headers for h in HEADERS)


def test_headers_count_down_on_every_response(make_api: Callable[..., Api]) -> None:
    api, token = limited(make_api, "5/1000")
    seen = []
    for _ in range(3):
        response = api.get(LABELS, token)
        assert response.status_code == 200
        seen.append(response.headers)
    first = seen[0]
    assert first["X-HubSpot-RateLimit-Max"] == "5"
    assert first["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert first["X-HubSpot-RateLimit-Daily"] == "1000"
    assert [h["X-HubSpot-RateLimit-Remaining"] for h in seen] == ["4", "3", "2"]
    assert [h["X-HubSpot-RateLimit-Daily-Remaining"] for h in seen] == ["999", "998", "997"]
    # Error responses of authenticated calls carry them (and count) too.
    response = api.get("/crm/v4/associations/nope/contacts/labels", token)
    assert response.status_code == 400
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "1"


def test_ten_secondly_429_is_hubspots(make_api: Callable[..., Api]) -> None:
    api, token = limited(make_api, "3/1000")
    for _ in range(3):
        assert api.get(LABELS, token).status_code == 200
    response = api.get(LABELS, token)
    assert response.status_code == 429
    body = response.json()
    correlation = response.headers["x-hubspot-correlation-id"]
    assert body == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "category": "RATE_LIMITS",
        "policyName": "TEN_SECONDLY_ROLLING",
        "correlationId": correlation,
        "requestId": correlation,
    }
    assert 1 <= int(response.headers["Retry-After"]) <= 10
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert response.headers["content-type"].startswith("application/json")
    # A refused call does not spend the daily budget.
    assert response.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "997"
    # Writes are refused before they touch anything.
    refused = api.post(
        "/crm/v4/associations/companies/contacts/labels", token, {"label": "x", "name": "x"}
    )
    assert refused.status_code == 429
    assert api.services.store is not None
    labels = api.run(api.services.store.list_labels, 1, "0-2", "0-1")
    assert labels == []


def test_daily_429(make_api: Callable[..., Api]) -> None:
    api, token = limited(make_api, "100/2")
    assert api.get(LABELS, token).status_code == 200
    assert api.get(LABELS, token).headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    response = api.get(LABELS, token)
    assert response.status_code == 429
    body = response.json()
    assert body["policyName"] == "DAILY"
    assert body["message"] == "You have reached your daily limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert 1 <= int(response.headers["Retry-After"]) <= 86_400


def test_unauthenticated_calls_are_not_counted(make_api: Callable[..., Api]) -> None:
    api, token = limited(make_api, "2/1000")
    for bad in (None, "pat-na1-00000000-0000-0000-0000-000000000000"):
        for _ in range(5):
            response = api.get(LABELS, bad)
            assert response.status_code == 401
            assert "X-HubSpot-RateLimit-Remaining" not in response.headers
    assert api.get(LABELS, token).headers["X-HubSpot-RateLimit-Remaining"] == "1"
    assert api.get("/healthz", None).status_code == 200


def test_budgets_are_per_portal_not_per_token(make_api: Callable[..., Api]) -> None:
    api, token = limited(make_api, "2/1000")
    second_token = api.token(1)
    api.portal(2)
    other = api.token(2)
    assert api.get(LABELS, token).status_code == 200
    assert api.get(LABELS, second_token).status_code == 200
    assert api.get(LABELS, token).status_code == 429
    assert api.get(LABELS, second_token).status_code == 429
    assert api.get(LABELS, other).status_code == 200


def test_portal_policy_overrides_server(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit="2/1000")
    for portal in (1, 2, 3):
        api.portal(portal)
    store = api.services.store
    assert api.run(store.set_portal_rate_limit, 1, "off")
    assert api.run(store.set_portal_rate_limit, 2, "professional")
    assert not api.run(store.set_portal_rate_limit, 99, "free")
    t1, t2, t3 = api.token(1), api.token(2), api.token(3)
    for _ in range(5):
        response = api.get(LABELS, t1)
        assert response.status_code == 200
        assert "X-HubSpot-RateLimit-Max" not in response.headers
    assert api.get(LABELS, t2).headers["X-HubSpot-RateLimit-Max"] == "150"
    assert api.get(LABELS, t2).headers["X-HubSpot-RateLimit-Daily"] == "500000"
    assert api.get(LABELS, t3).headers["X-HubSpot-RateLimit-Max"] == "2"


def test_portal_policy_applies_when_server_is_off(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.portal(1)
    api.run(api.services.store.set_portal_rate_limit, 1, "1/1000")
    token = api.token(1)
    assert api.get(LABELS, token).status_code == 200
    assert api.get(LABELS, token).status_code == 429


def test_a_running_server_picks_up_portal_changes(
    make_api: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    import assocdb.http.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "REFRESH_S", 0.0)
    api = make_api()
    api.portal(1)
    token = api.token(1)
    assert "X-HubSpot-RateLimit-Max" not in api.get(LABELS, token).headers
    api.run(api.services.store.set_portal_rate_limit, 1, "starter")
    deadline = time.monotonic() + 5
    while "X-HubSpot-RateLimit-Max" not in api.get(LABELS, token).headers:
        assert time.monotonic() < deadline, "the new policy was never applied"
        time.sleep(0.05)
    assert api.get(LABELS, token).headers["X-HubSpot-RateLimit-Max"] == "100"


def test_policy_texts() -> None:
    assert parse_policy("off") is None
    assert parse_policy("Professional") == TIERS["professional"]
    assert (TIERS["free"].per_ten_seconds, TIERS["free"].per_day) == (100, 250_000)
    assert (TIERS["enterprise"].per_ten_seconds, TIERS["enterprise"].per_day) == (150, 500_000)
    custom = parse_policy("7/70")
    assert custom is not None
    assert (custom.per_ten_seconds, custom.per_day) == (7, 70)
    for bad in ("", "gold", "0/10", "5/0", "-1/5", "5"):
        with pytest.raises(ValidationError):
            parse_policy(bad)


class _Policies:
    """The one Store method the limiter calls."""

    async def list_portal_rate_limits(self) -> dict[int, str]:
        return {}


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_counters_are_shared_between_workers() -> None:
    portal = random.randrange(10**12, 10**13)  # fresh keys in a shared Redis

    async def run() -> list[str]:
        workers = [
            RateLimiter("3/1000", "redis://127.0.0.1:6379", _Policies())  # type: ignore[arg-type]
            for _ in range(2)
        ]
        outcomes = []
        for i in range(5):
            try:
                headers = await workers[i % 2].admit(portal)
                assert headers is not None
                outcomes.append(headers["X-HubSpot-RateLimit-Remaining"])
            except RateLimited as exc:
                outcomes.append(exc.policy_name)
        for worker in workers:
            await worker.close()
        return outcomes

    assert asyncio.run(run()) == ["2", "1", "0", "TEN_SECONDLY_ROLLING", "TEN_SECONDLY_ROLLING"]


@pytest.mark.slow
def test_official_python_client_retries_our_429(tmp_path: Path) -> None:
    """hubspot-api-client as shipped: its urllib3 pool retries a 429 that carries
    ``Retry-After`` (GET/PUT/DELETE), so it gets through once the 10-second window moves on;
    with retries switched off it surfaces our 429 body as an ``ApiException``."""
    db = tmp_path / "rl.sqlite3"
    cli("portal", "create", "--db", str(db), "--id", "7")
    with live_server(db, "--rate-limit", "2/1000") as server:
        token = server.token(7)
        default = HubSpot(access_token=token, host=server.base_url)
        strict = HubSpot(access_token=token, host=server.base_url, retry=Retry(total=0))
        labels: Any = default.crm.associations.v4.schema.definitions_api
        labels.get_all("companies", "contacts")
        labels.get_all("companies", "contacts")
        started = time.monotonic()
        with pytest.raises(ApiException) as refused:
            strict.crm.associations.v4.schema.definitions_api.get_all("companies", "contacts")
        assert refused.value.status == 429
        assert '"policyName":"TEN_SECONDLY_ROLLING"' in str(refused.value.body)
        assert '"errorType":"RATE_LIMIT"' in str(refused.value.body)
        retry_after = int(refused.value.headers["Retry-After"])
        assert 1 <= retry_after <= 10
        result = labels.get_all("companies", "contacts")
        waited = time.monotonic() - started
        assert result.results is not None
        # It waited for the window (Retry-After), rather than failing or hammering.
        assert waited >= retry_after - 1
        assert waited < 25


def test_expired_and_revoked_tokens_are_401(api: Api) -> None:
    from assocdb.domain.auth import ALL_SCOPES, TOKEN_CACHE_TTL_S, hash_token, issue_token

    api.portal(1)
    soon = api.run(
        issue_token, api.services.store, 1, frozenset({ALL_SCOPES}), now_ms(), now_ms() + 60_000
    )
    past = api.run(
        issue_token, api.services.store, 1, frozenset({ALL_SCOPES}), now_ms(), now_ms() - 1
    )
    assert api.get(LABELS, soon).status_code == 200
    assert api.get(LABELS, past).status_code == 401
    assert api.run(api.services.store.revoke_token, hash_token(soon))
    # A worker trusts a token record it has read for TOKEN_CACHE_TTL_S (domain/auth.py).
    time.sleep(TOKEN_CACHE_TTL_S)
    response = api.get(LABELS, soon)
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    assert not api.run(api.services.store.revoke_token, hash_token(str(uuid.uuid4())))


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_two_workers_share_one_budget_through_redis(tmp_path: Path) -> None:
    db = tmp_path / "redis.sqlite3"
    portal = random.randrange(10**12, 10**13)  # fresh keys in a shared Redis
    cli("portal", "create", "--db", str(db), "--id", str(portal))
    args = ("--workers", "2", "--rate-limit", "6/1000")
    with live_server(db, *args, "--rate-limit-storage", "redis://127.0.0.1:6379") as server:
        token = server.token(portal)
        statuses = []
        for _ in range(12):
            # A new connection each time, so both workers take requests.
            with httpx.Client(base_url=server.base_url) as client:
                response = client.get(LABELS, headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)
    assert statuses.count(200) == 6
    assert statuses.count(429) == 6


@pytest.mark.slow
def test_official_node_client_retries_only_ten_secondly(tmp_path: Path) -> None:
    """@hubspot/api-client retries a 429 only when ``policyName`` is TEN_SECONDLY_ROLLING
    (after 10 s); a DAILY 429 is handed to the caller at once."""
    node_modules = ensure_node_modules()  # installed on first use, whatever the test order
    db = tmp_path / "node.sqlite3"
    cli("portal", "create", "--db", str(db), "--id", "1")
    cli("portal", "create", "--db", str(db), "--id", "2")
    cli("portal", "set-rate-limit", "--db", str(db), "--portal", "2", "--tier", "100/1")
    with live_server(db, "--rate-limit", "1/1000") as server:
        burst, daily = server.token(1), server.token(2)
        for token in (burst, daily):  # spend both budgets
            response = httpx.get(
                server.base_url + LABELS, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200
        script = str(Path(__file__).with_name("node_ratelimit.js"))
        done = subprocess.run(
            ["node", script, server.base_url, burst, daily],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "NODE_PATH": str(node_modules)},
        )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["daily"]["ok"] is False
    assert seen["daily"]["code"] == 429
    assert seen["daily"]["body"]["policyName"] == "DAILY"
    assert seen["daily"]["ms"] < 5_000  # not retried
    assert seen["tenSecondly"]["ok"] is True, seen
    assert seen["tenSecondly"]["ms"] >= 9_000  # retried after the client's 10 s wait
    assert "will retry [1] time" in done.stderr


def test_unreachable_counters_let_requests_through() -> None:
    """Redis down after start: no 500s, no headers, a warning (fail open, documented)."""

    async def run() -> tuple[dict[str, str] | None, float]:
        limiter = RateLimiter("1/1", "redis://127.0.0.1:1", _Policies())  # type: ignore[arg-type]
        started = time.monotonic()
        results = [await limiter.admit(5) for _ in range(3)]
        await limiter.close()
        assert results == [None, None, None]
        return results[0], time.monotonic() - started

    headers, elapsed = asyncio.run(run())
    assert headers is None
    assert elapsed < 5
