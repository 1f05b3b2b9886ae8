"""Fault rules are input too: a malformed ``X-Assocdb-Fault`` header is the same
HubSpot-shaped 400 as through the admin API (it was a plain-text 500), and a latency fault
is capped so it cannot pin a worker or hold a SIGTERM."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assocdb.http.faults import MAX_LATENCY_MS
from tests.conftest import Api

ADMIN = "admin-token-for-tests"


@pytest.fixture
def faulty(make_api: Callable[..., Api]) -> tuple[Api, str]:
    api = make_api(fault_header=True, admin=True, admin_token=ADMIN)
    api.portal(1)
    return api, api.token(1)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("bogus", "Invalid fault rule 'bogus': the kind must be one of"),
        ("503;every=0", "Invalid fault rule: every must be an integer from 1 to"),
        ("503;every=" + "9" * 5000, "Invalid fault rule: every must be an integer from 1 to"),
        (f"latency;ms={MAX_LATENCY_MS + 1}", "ms must be an integer from 0 to 30000"),
        ("latency;ms=99999999999999999999", "ms must be an integer from 0 to 30000"),
        ("503;p=nan", "p must be between 0 and 1"),
        ("503;wat=1", "unknown parameter 'wat=1'"),
        ("429;retry-after=999999", "retry-after must be an integer from 0 to 86400"),
    ],
)
def test_malformed_fault_rules_are_400_everywhere(
    faulty: tuple[Api, str], rule: str, message: str
) -> None:
    api, token = faulty
    by_header = api.client.get(
        "/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {token}", "X-Assocdb-Fault": rule},
    )
    by_admin = api.client.post(
        "/_assocdb/faults", json={"rules": rule}, headers={"Authorization": f"Bearer {ADMIN}"}
    )
    for answer in (by_header, by_admin):
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["category"] == "VALIDATION_ERROR"
        assert message in body["message"]
        assert answer.headers["x-hubspot-correlation-id"] == body["correlationId"]


def test_a_valid_fault_header_still_fires(faulty: tuple[Api, str]) -> None:
    api, token = faulty
    answer = api.client.get(
        "/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {token}", "X-Assocdb-Fault": "503;times=1"},
    )
    assert answer.status_code == 503
