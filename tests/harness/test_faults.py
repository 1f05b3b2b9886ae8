"""Fault injection (http/faults.py): HubSpot's 429s (both policies) and 5xx bodies,
latency, every-Nth / seeded-probability rates, route and portal matching, header rules."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from assocdb.errors import ValidationError
from assocdb.http.faults import FAULT_HEADER, parse_rules
from tests.conftest import Api

LIST = "/crm/v3/objects/contacts"


@pytest.fixture
def faulty(make_api: Callable[..., Api]) -> Callable[[str], tuple[Api, str]]:
    def make(rules: str) -> tuple[Api, str]:
        api = make_api(faults=rules, fault_header=True)
        api.portal(5)
        return api, api.token(5)

    return make


def statuses(api: Api, token: str, count: int, path: str = LIST, **kwargs: object) -> list[int]:
    return [api.get(path, token, **kwargs).status_code for _ in range(count)]


def test_429_ten_secondly_is_hubspots_body_and_headers(
    faulty: Callable[[str], tuple[Api, str]],
) -> None:
    api, token = faulty("429")
    answer = api.get(LIST, token)
    body = answer.json()

    assert answer.status_code == 429
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT"
    assert body["category"] == "RATE_LIMITS"
    assert body["correlationId"] == answer.headers["x-hubspot-correlation-id"]
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["x-hubspot-ratelimit-remaining"] == "0"
    assert answer.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"


def test_429_daily(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("429-daily;retry-after=5")
    answer = api.get(LIST, token)

    assert answer.status_code == 429
    assert answer.json()["policyName"] == "DAILY"
    assert answer.json()["message"] == "You have reached your daily limit."
    assert answer.headers["x-hubspot-ratelimit-daily-remaining"] == "0"
    assert answer.headers["retry-after"] == "5"


@pytest.mark.parametrize(
    ("kind", "content_type", "marker"),
    [
        ("500", "application/json", '"category":"INTERNAL_ERROR"'),
        ("502", "text/html", "<title>502 Bad Gateway</title>"),
        ("503", "application/json", '"category":"SERVICE_UNAVAILABLE"'),
        ("504", "text/html", "<title>504 Gateway Time-out</title>"),
    ],
)
def test_5xx_bodies(
    faulty: Callable[[str], tuple[Api, str]], kind: str, content_type: str, marker: str
) -> None:
    api, token = faulty(kind)
    answer = api.get(LIST, token)
    assert answer.status_code == int(kind)
    assert answer.headers["content-type"].startswith(content_type)
    assert marker in answer.text


def test_every_nth_request(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("503;every=3")
    assert statuses(api, token, 7) == [200, 200, 503, 200, 200, 503, 200]


def test_times_caps_the_faults(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("502;times=2")
    assert statuses(api, token, 4) == [502, 502, 200, 200]


def test_probability_with_a_seed_repeats(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("503;p=0.5;seed=7")
    seen = statuses(api, token, 20)
    # The same rule parsed afresh (another server, another run) makes the same draws.
    rule = parse_rules("503;p=0.5;seed=7")[0]
    replay = [503 if rule.fires() else 200 for _ in range(20)]

    assert seen == replay
    assert 0 < seen.count(503) < 20


def test_route_and_method_matching(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("503;route=/crm/v4/associations/*;method=POST")
    read = api.post(
        "/crm/v4/associations/contacts/companies/batch/read", token, {"inputs": [{"id": "1"}]}
    )
    assert read.status_code == 503
    assert api.get(LIST, token).status_code == 200
    assert api.get("/crm/v4/objects/contacts/1/associations/companies", token).status_code == 200


def test_portal_matching(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("429;portal=6")
    api.portal(6)
    other = api.token(6)
    assert api.get(LIST, token).status_code == 200
    assert api.get(LIST, other).status_code == 429


def test_latency(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("latency;ms=300;route=/crm/v3/*")
    started = time.perf_counter()
    answer = api.get(LIST, token)
    slow = time.perf_counter() - started
    started = time.perf_counter()
    api.get("/crm/v4/objects/contacts/1/associations/companies", token)
    fast = time.perf_counter() - started

    assert answer.status_code == 200
    assert slow >= 0.3
    assert fast < 0.3


def test_header_rules_keep_state_per_value(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, token = faulty("")
    header = {FAULT_HEADER: "503;times=2"}
    with_header = [
        api.client.get(LIST, headers={"Authorization": f"Bearer {token}", **header}).status_code
        for _ in range(3)
    ]
    assert with_header == [503, 503, 200]
    assert api.get(LIST, token).status_code == 200


def test_header_is_ignored_unless_enabled(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.portal(5)
    token = api.token(5)
    answer = api.client.get(LIST, headers={"Authorization": f"Bearer {token}", FAULT_HEADER: "503"})
    assert answer.status_code == 200


def test_admin_and_probe_paths_are_never_faulted(faulty: Callable[[str], tuple[Api, str]]) -> None:
    api, _ = faulty("503")
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/readyz").status_code == 200
    assert api.client.get("/metrics").status_code == 200


@pytest.mark.parametrize(
    "rule", ["418", "503;every=0", "503;p=2", "latency;ms=x", "503;colour=red", "cut;portal=0"]
)
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValidationError):
        parse_rules(rule)
