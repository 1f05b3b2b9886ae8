"""The admin API under /_assocdb/ (http/admin.py): off by default, its own token, reset,
seed, export, recent requests and fault rules; on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api

ADMIN = "admin-secret"
AUTH = {"Authorization": f"Bearer {ADMIN}"}

SEED: dict[str, Any] = {
    "labels": [
        {
            "fromObjectType": "contacts",
            "toObjectType": "companies",
            "name": "billing_contact",
            "label": "Billing contact",
            "inverseLabel": "Billing company",
        }
    ],
    "objects": {
        "contacts": [
            {"key": "alice", "properties": {"email": "alice@example.com"}},
            {"key": "bob"},
        ],
        "companies": [{"key": "acme", "properties": {"name": "Acme"}}],
    },
    "associations": [
        {
            "fromObjectType": "contacts",
            "from": "alice",
            "toObjectType": "companies",
            "to": "acme",
            "types": [1, "billing_contact"],
        },
        # Written from the other side: stored once, both directions.
        {"fromObjectType": "companies", "from": "acme", "toObjectType": "contacts", "to": "bob"},
    ],
}


@pytest.fixture
def admin_api(make_api: Callable[..., Api]) -> Api:
    return make_api(admin=True, admin_token=ADMIN)


def admin(api: Api, method: str, path: str, body: Any = None) -> Any:
    return api.client.request(method, f"/_assocdb{path}", json=body, headers=AUTH)


def new_portal(api: Api, portal_id: int = 77) -> str:
    made = admin(api, "POST", "/portals", {"portalId": portal_id, "name": "t"})
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


def contacts_of(api: Api, token: str, company: str) -> list[tuple[int, list[int]]]:
    body = {"inputs": [{"id": company}]}
    answer = api.post("/crm/v4/associations/companies/contacts/batch/read", token, body).json()
    if not answer["results"]:
        return []
    return [
        (to["toObjectId"], sorted(t["typeId"] for t in to["associationTypes"]))
        for to in answer["results"][0]["to"]
    ]


def test_admin_api_is_off_by_default(api: Api) -> None:
    answer = api.client.post("/_assocdb/portals", json={}, headers=AUTH)
    assert answer.status_code == 404
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/_assocdb")]


def test_admin_api_needs_the_admin_token(admin_api: Api) -> None:
    wrong = admin_api.client.post("/_assocdb/portals", json={}, headers={"Authorization": "x"})
    portal_token = new_portal(admin_api)
    as_portal = admin_api.post("/_assocdb/portals/77/reset", portal_token)

    assert wrong.status_code == 401
    assert wrong.json()["category"] == "INVALID_AUTHENTICATION"
    assert as_portal.status_code == 401


def test_admin_operations_are_in_openapi_when_enabled(admin_api: Api) -> None:
    paths = admin_api.client.get("/openapi.json").json()["paths"]
    assert paths["/_assocdb/portals/{portalId}/seed"]["post"]["operationId"] == "adminSeedPortal"
    assert "security" not in paths["/_assocdb/portals/{portalId}/reset"]["post"]


def test_seed_creates_records_labels_and_both_directions(admin_api: Api) -> None:
    token = new_portal(admin_api)
    seeded = admin(admin_api, "POST", "/portals/77/seed", SEED)
    assert seeded.status_code == 201, seeded.text
    ids = seeded.json()["ids"]
    alice, bob, acme = ids["contacts"]["alice"], ids["contacts"]["bob"], ids["companies"]["acme"]
    label_ids = {
        t["label"]: t["typeId"]
        for t in admin_api.get("/crm/v4/associations/companies/contacts/labels", token).json()[
            "results"
        ]
    }

    assert seeded.json()["associations"] == 2
    assert seeded.json()["labels"] == 1
    assert contacts_of(admin_api, token, acme) == [
        (int(alice), sorted([2, 280, label_ids["Billing company"]])),
        (int(bob), [280]),
    ]
    one = admin_api.get(f"/crm/v3/objects/contacts/{alice}", token).json()
    assert one["properties"]["email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"types": [999]}, "999 is not a HUBSPOT_DEFINED association type"),
        ({"types": ["nope"]}, "no label named 'nope'"),
        ({"to": "ghost"}, "unknown company key 'ghost'"),
        ({"to": "99999"}, "no 0-2 record with id 99999"),
    ],
)
def test_seed_is_validated_before_anything_is_written(
    admin_api: Api, change: dict[str, Any], message: str
) -> None:
    token = new_portal(admin_api)
    bad = {**SEED, "associations": [{**SEED["associations"][0], **change}]}
    answer = admin(admin_api, "POST", "/portals/77/seed", bad)
    listed = admin_api.get("/crm/v3/objects/contacts", token).json()

    assert answer.status_code == 400
    assert message in answer.json()["message"]
    assert listed["results"] == []


def test_two_primaries_for_one_record_are_refused(admin_api: Api) -> None:
    new_portal(admin_api)
    doc = {
        "objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}, {"key": "b"}]},
        "associations": [
            {
                "fromObjectType": "contact",
                "from": "c",
                "toObjectType": "company",
                "to": k,
                "types": [1],
            }
            for k in ("a", "b")
        ],
    }
    answer = admin(admin_api, "POST", "/portals/77/seed", doc)
    assert answer.status_code == 400
    assert "more than one primary" in answer.json()["message"]


def test_export_then_seed_rebuilds_the_same_graph(admin_api: Api) -> None:
    token = new_portal(admin_api)
    admin(admin_api, "POST", "/portals/77/seed", SEED)
    exported = admin(admin_api, "GET", "/portals/77/export").json()
    before = contacts_of(admin_api, token, exported["objects"]["companies"][0]["key"])

    assert admin(admin_api, "POST", "/portals/77/reset").status_code == 204
    assert admin(admin_api, "GET", "/portals/77/export").json()["associations"] == []
    again = admin(admin_api, "POST", "/portals/77/seed", exported).json()
    acme = next(iter(again["ids"]["companies"].values()))

    assert len(exported["associations"]) == 2
    assert exported["labels"][0]["inverseLabel"] == "Billing company"
    # Ids start over after a reset, so the rebuilt graph has the very same ids.
    assert contacts_of(admin_api, token, acme) == before


def test_reset_keeps_the_portal_and_its_tokens(admin_api: Api) -> None:
    token = new_portal(admin_api)
    admin(admin_api, "POST", "/portals/77/seed", SEED)
    assert admin(admin_api, "POST", "/portals/77/reset").status_code == 204
    listed = admin_api.get("/crm/v3/objects/contacts", token)
    labels = admin_api.get("/crm/v4/associations/contacts/companies/labels", token).json()

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert all(t["category"] == "HUBSPOT_DEFINED" for t in labels["results"])
    assert admin(admin_api, "POST", "/portals/999/reset").status_code == 404


def test_new_token_with_scopes(admin_api: Api) -> None:
    new_portal(admin_api)
    made = admin(admin_api, "POST", "/portals/77/tokens", {"scopes": ["crm.objects.contacts.read"]})
    token = made.json()["token"]
    answer = admin_api.get("/crm/v3/objects/companies", token)
    assert made.status_code == 201
    assert answer.status_code == 403


def test_recent_requests_list_what_the_integration_did(admin_api: Api) -> None:
    token = new_portal(admin_api)
    admin_api.get("/crm/v3/objects/contacts", token)
    admin_api.get("/healthz", None)  # service probes are not listed
    admin_api.post("/crm/v4/associations/contacts/companies/batch/read", token, {"inputs": []})
    listed = admin(admin_api, "GET", "/requests").json()["results"]
    last = admin(admin_api, "GET", "/requests?limit=1&portalId=77").json()["results"]

    assert [(r["method"], r["route"], r["status"], r["portalId"]) for r in listed] == [
        ("GET", "/crm/v3/objects/{objectType}", 200, 77),
        ("POST", "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read", 200, 77),
    ]
    assert listed[0]["latencyMs"] > 0
    assert listed[0]["correlationId"]
    assert last == listed[1:]
    assert admin(admin_api, "DELETE", "/requests").status_code == 204
    assert admin(admin_api, "GET", "/requests").json()["results"] == []


def test_faults_set_and_cleared_through_the_admin_api(admin_api: Api) -> None:
    token = new_portal(admin_api)
    added = admin(admin_api, "POST", "/faults", {"rules": "503;times=1;route=/crm/v3/*"})
    first = admin_api.get("/crm/v3/objects/contacts", token)
    second = admin_api.get("/crm/v3/objects/contacts", token)
    state = admin(admin_api, "GET", "/faults").json()["results"]
    bad = admin(admin_api, "POST", "/faults", {"rules": "418"})
    admin(admin_api, "DELETE", "/faults")

    assert added.status_code == 201
    assert (first.status_code, second.status_code) == (503, 200)
    assert state == [{"rule": "503;times=1;route=/crm/v3/*", "kind": "503", "seen": 1, "fired": 1}]
    assert bad.status_code == 400
    assert admin(admin_api, "GET", "/faults").json()["results"] == []
