"""Seeds write through the associations API's planner (issue 9): against what is already
stored, a new Primary moves as through ``batch/create``, a limit refuses the seed with the
API's error and nothing of the seed is written; on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api

ADMIN = "admin-secret"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
LIMITS = "/crm/associations/v4/definitions/configurations/contacts/companies/batch/create"


@pytest.fixture
def admin_api(make_api: Callable[..., Api]) -> Api:
    return make_api(admin=True, admin_token=ADMIN)


def admin(api: Api, method: str, path: str, body: Any = None) -> Any:
    return api.client.request(method, f"/_assocdb{path}", json=body, headers=AUTH)


def new_portal(api: Api) -> str:
    made = admin(api, "POST", "/portals", {"portalId": 77, "name": "t"})
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    return token


def seed(api: Api, doc: dict[str, Any]) -> Any:
    return admin(api, "POST", "/portals/77/seed", doc)


def link(contact: str, company: str, types: list[int]) -> dict[str, Any]:
    return {
        "fromObjectType": "contacts",
        "from": contact,
        "toObjectType": "companies",
        "to": company,
        "types": types,
    }


def companies_of(api: Api, token: str, contact: str) -> list[tuple[int, list[int]]]:
    body = {"inputs": [{"id": contact}]}
    answer = api.post("/crm/v4/associations/contacts/companies/batch/read", token, body)
    results = answer.json()["results"]
    if not results:
        return []
    return [
        (to["toObjectId"], sorted(t["typeId"] for t in to["associationTypes"]))
        for to in results[0]["to"]
    ]


def test_seeding_a_new_primary_moves_it_as_the_api_does(admin_api: Api) -> None:
    token = new_portal(admin_api)
    first = seed(
        admin_api,
        {
            "objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}, {"key": "b"}]},
            "associations": [link("c", "a", [1])],
        },
    )
    assert first.status_code == 201, first.text
    ids = first.json()["ids"]
    contact, a, b = ids["contacts"]["c"], ids["companies"]["a"], ids["companies"]["b"]

    second = seed(admin_api, {"associations": [link(contact, b, [1])]})

    assert second.status_code == 201, second.text
    # Exactly what POST .../contacts/companies/batch/create with Primary would leave.
    assert companies_of(admin_api, token, contact) == [(int(a), [279]), (int(b), [1, 279])]


def test_seeding_the_same_pairs_twice_changes_nothing(admin_api: Api) -> None:
    token = new_portal(admin_api)
    doc = {
        "objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}]},
        "associations": [link("c", "a", [1])],
    }
    ids = seed(admin_api, doc).json()["ids"]
    contact, a = ids["contacts"]["c"], ids["companies"]["a"]
    again = seed(admin_api, {"associations": [link(contact, a, [1])]})

    assert again.status_code == 201, again.text
    assert companies_of(admin_api, token, contact) == [(int(a), [1, 279])]


def test_seeding_past_a_limit_is_refused_with_the_api_error(admin_api: Api) -> None:
    token = new_portal(admin_api)
    ids = seed(
        admin_api,
        {
            "objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}, {"key": "b"}]},
            "associations": [link("c", "a", [])],
        },
    )
    contact, b = ids.json()["ids"]["contacts"]["c"], ids.json()["ids"]["companies"]["b"]
    body = {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 1}]}
    assert admin_api.post(LIMITS, token, body).status_code in (200, 201)
    through_api = admin_api.post(
        "/crm/v4/associations/contacts/companies/batch/create",
        token,
        {
            "inputs": [
                {
                    "from": {"id": contact},
                    "to": {"id": b},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ]
        },
    ).json()["errors"][0]

    refused = seed(
        admin_api,
        {"objects": {"contacts": [{"key": "new"}]}, "associations": [link(contact, b, [])]},
    )
    listed = admin_api.get("/crm/v3/objects/contacts", token).json()["results"]

    assert refused.status_code == 400
    assert refused.json()["message"] == through_api["message"]
    assert refused.json()["subCategory"] == "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    assert through_api["subCategory"] == "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    # The seed is one transaction: its new contact was not kept either.
    assert [r["id"] for r in listed] == [contact]


def test_admin_seed_between_tests_starts_each_test_alike(admin_api: Api) -> None:
    token = new_portal(admin_api)
    doc = {
        "objects": {"contacts": [{"key": "c"}], "companies": [{"key": "a"}, {"key": "b"}]},
        "associations": [link("c", "a", [1]), link("c", "b", [])],
    }
    outcomes = []
    for _ in range(2):
        assert admin(admin_api, "POST", "/portals/77/reset").status_code == 204
        ids = seed(admin_api, doc).json()["ids"]
        contact = ids["contacts"]["c"]
        # What a test would do in between: move the Primary through the API.
        company = ids["companies"]["b"]
        moved = admin_api.client.put(
            f"/crm/v4/objects/contacts/{contact}/associations/companies/{company}",
            json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}],
            headers={"Authorization": f"Bearer {token}"},
        )
        assert moved.status_code in (200, 201), moved.text
        outcomes.append((ids, companies_of(admin_api, token, contact)))

    assert outcomes[0] == outcomes[1]
    ids, pairs = outcomes[0]
    assert pairs == [
        (int(ids["companies"]["a"]), [279]),
        (int(ids["companies"]["b"]), [1, 279]),
    ]
