"""Association writes: batch create/default/archive/labels archive, per-record PUT/DELETE.

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
"""

from __future__ import annotations

from typing import Any

import pytest

from assocdb.domain.associations import WritePlan
from tests.api.test_batch_read import envelope
from tests.conftest import Api

V4 = "/crm/v4/associations/{}/{}/batch/{}"
V26 = "/crm/associations/2026-03/{}/{}/batch/{}"
RECORD = "/crm/v4/objects/{}/{}/associations/{}/{}"


def spec(type_id: int, category: str = "HUBSPOT_DEFINED") -> dict[str, Any]:
    return {"associationCategory": category, "associationTypeId": type_id}


def pair_input(from_id: int, to_id: int, *types: dict[str, Any]) -> dict[str, Any]:
    return {"from": {"id": str(from_id)}, "to": {"id": str(to_id)}, "types": list(types)}


def read(
    api: Api, token: str, from_type: str, to_type: str, from_id: int
) -> dict[int, list[tuple[str, int, Any]]]:
    response = api.post(
        V4.format(from_type, to_type, "read"), token, {"inputs": [{"id": str(from_id)}]}
    )
    results = response.json()["results"]
    return {
        t["toObjectId"]: [(a["category"], a["typeId"], a["label"]) for a in t["associationTypes"]]
        for r in results
        for t in r["to"]
    }


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    api.portal(1)
    return {
        "token": api.token(1),
        "contacts": api.objects(1, "contacts", 3),
        "companies": api.objects(1, "companies", 3),
        "label": api.label(
            1, "contacts", "companies", "billing", "Billing contact", "Billing company"
        ),
    }


def test_batch_create_is_a_201_with_the_labels_between_each_pair(api: Api, world: Any) -> None:
    c, k, billing = world["contacts"], world["companies"], world["label"]

    response = api.post(
        V4.format("contacts", "companies", "create"),
        world["token"],
        {
            "inputs": [
                pair_input(c[0], k[0], spec(1), spec(billing[1], "USER_DEFINED")),
                pair_input(c[1], k[0], spec(279)),
            ]
        },
    )

    assert response.status_code == 201
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "fromObjectTypeId": "0-1",
                "fromObjectId": c[0],
                "toObjectTypeId": "0-2",
                "toObjectId": k[0],
                "labels": ["Primary", "Billing contact"],
            },
            {
                "fromObjectTypeId": "0-1",
                "fromObjectId": c[1],
                "toObjectTypeId": "0-2",
                "toObjectId": k[0],
                "labels": [],
            },
        ],
    }
    assert read(api, world["token"], "companies", "contacts", k[0]) == {
        c[0]: [
            ("HUBSPOT_DEFINED", 2, "Primary"),
            ("HUBSPOT_DEFINED", 280, None),
            ("USER_DEFINED", billing[0], "Billing company"),
        ],
        c[1]: [("HUBSPOT_DEFINED", 280, None)],
    }


def test_batch_create_replaces_the_label_set_and_appends_when_both_are_sent(
    api: Api, world: Any
) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    other = api.label(1, "contacts", "companies", "other", "Other")
    url = V4.format("contacts", "companies", "create")
    billing = spec(world["label"][1], "USER_DEFINED")

    api.post(url, token, {"inputs": [pair_input(c[0], k[0], billing)]})
    api.post(url, token, {"inputs": [pair_input(c[0], k[0], spec(other[1], "USER_DEFINED"))]})
    replaced = read(api, token, "contacts", "companies", c[0])
    api.post(
        url, token, {"inputs": [pair_input(c[0], k[0], billing, spec(other[1], "USER_DEFINED"))]}
    )
    appended = read(api, token, "contacts", "companies", c[0])

    assert replaced == {k[0]: [("HUBSPOT_DEFINED", 279, None), ("USER_DEFINED", other[1], "Other")]}
    assert appended == {
        k[0]: [
            ("HUBSPOT_DEFINED", 279, None),
            ("USER_DEFINED", world["label"][1], "Billing contact"),
            ("USER_DEFINED", other[1], "Other"),
        ]
    }


def test_batch_create_reports_each_failed_input_and_writes_the_rest(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]

    response = api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {
            "inputs": [
                pair_input(9993051, k[0], spec(279)),
                pair_input(c[0], 424242, spec(279)),
                pair_input(c[0], k[0], spec(3)),
                pair_input(c[1], k[1], spec(279)),
            ]
        },
    )

    assert response.status_code == 207
    body = envelope(response)
    assert body["results"] == [
        {
            "fromObjectTypeId": "0-1",
            "fromObjectId": c[1],
            "toObjectTypeId": "0-2",
            "toObjectId": k[1],
            "labels": [],
        }
    ]
    assert body["numErrors"] == 3
    assert body["errors"] == [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.FROM_OBJECT_NOT_FOUND",
            "message": "No contact with ID 9993051 exists",
            "context": {"objectType": ["contact"], "id": ["9993051"]},
        },
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.TO_OBJECT_NOT_FOUND",
            "message": "No company with ID 424242 exists",
            "context": {"objectType": ["company"], "id": ["424242"]},
        },
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "subCategory": "crm.associations.INVALID_ASSOCIATION_TYPE",
            "message": "0-3 is not a valid association type between contacts and companies",
            "context": {
                "type": ["0-3"],
                "fromObjectType": ["contacts"],
                "toObjectType": ["companies"],
            },
        },
    ]
    assert read(api, token, "contacts", "companies", c[0]) == {}


def test_batch_create_takes_2000_inputs_and_rejects_2001(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    inputs = [pair_input(c[0], k[0], spec(279))] * 2000

    ok = api.post(V4.format("contacts", "companies", "create"), token, {"inputs": inputs})
    too_many = api.post(
        V4.format("contacts", "companies", "create"), token, {"inputs": [*inputs, inputs[0]]}
    )

    assert ok.status_code == 201
    assert too_many.status_code == 400
    assert too_many.json()["message"] == (
        "Too many inputs: 2001. A batch create accepts at most 2000 inputs."
    )


def test_a_type_without_its_category_is_resolved_like_the_2026_03_api(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]

    response = api.post(
        V26.format("contacts", "companies", "create"),
        token,
        {
            "inputs": [
                {
                    "from": {"id": c[0]},
                    "to": {"id": k[0]},
                    "types": [{"associationTypeId": 1}, {"associationTypeId": world["label"][1]}],
                }
            ]
        },
    )

    assert response.status_code == 201
    assert response.json()["results"][0]["labels"] == ["Primary", "Billing contact"]


def test_a_new_primary_moves_from_the_previous_company(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    url = V4.format("contacts", "companies", "create")

    api.post(url, token, {"inputs": [pair_input(c[0], k[0], spec(1))]})
    api.post(url, token, {"inputs": [pair_input(c[0], k[1], spec(1))]})

    assert read(api, token, "contacts", "companies", c[0]) == {
        k[0]: [("HUBSPOT_DEFINED", 279, None)],
        k[1]: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)],
    }


def test_a_second_primary_past_the_domain_is_a_409_and_stores_nothing(
    api: Api, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema's second line (docs/transactions.md): with the write plan's Primary move
    switched off (a simulated bug), the unique index refuses the write; the client gets a
    HubSpot-shaped 409, never a 500, and the contact keeps its one Primary."""
    c, k, token = world["contacts"], world["companies"], world["token"]
    url = V4.format("contacts", "companies", "create")
    api.post(url, token, {"inputs": [pair_input(c[0], k[0], spec(1))]})
    monkeypatch.setattr(WritePlan, "_take_primary", lambda self, pair, key: None)

    response = api.post(url, token, {"inputs": [pair_input(c[0], k[1], spec(1))]})

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["category"]) == ("error", "CONFLICT")
    assert body["subCategory"] == "assocdb.DUPLICATE_PRIMARY"
    assert read(api, token, "contacts", "companies", c[0]) == {
        k[0]: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)],
    }


def test_associate_default_keeps_labels_and_answers_200(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {"inputs": [pair_input(c[0], k[0], spec(1))]},
    )

    response = api.post(
        V4.format("contacts", "companies", "associate/default"),
        token,
        {
            "inputs": [
                {"from": {"id": str(c[0])}, "to": {"id": str(k[0])}},
                {"from": {"id": str(c[1])}, "to": {"id": k[1]}},
            ]
        },
    )

    assert response.status_code == 200
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": str(c[0])},
                "to": {"id": str(k[0])},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": 279,
                },
            },
            {
                "from": {"id": str(c[1])},
                "to": {"id": str(k[1])},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": 279,
                },
            },
        ],
    }
    assert read(api, token, "contacts", "companies", c[0]) == {
        k[0]: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)]
    }


def test_associate_default_reports_missing_records_in_its_200_body(api: Api, world: Any) -> None:
    response = api.post(
        V4.format("contacts", "companies", "associate/default"),
        world["token"],
        {"inputs": [{"from": {"id": "5"}, "to": {"id": "6"}}]},
    )

    assert response.status_code == 200
    body = envelope(response)
    assert body["results"] == []
    assert body["numErrors"] == 1
    assert body["errors"][0]["subCategory"] == "crm.associations.FROM_OBJECT_NOT_FOUND"


def test_batch_archive_removes_every_type_in_both_directions(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {
            "inputs": [
                pair_input(c[0], k[0], spec(1), spec(world["label"][1], "USER_DEFINED")),
                pair_input(c[0], k[1], spec(279)),
                pair_input(c[1], k[0], spec(279)),
            ]
        },
    )

    response = api.post(
        V4.format("contacts", "companies", "archive"),
        token,
        {"inputs": [{"from": {"id": str(c[0])}, "to": [{"id": str(k[0])}, {"id": str(k[2])}]}]},
    )

    assert response.status_code == 204
    assert response.content == b""
    assert read(api, token, "contacts", "companies", c[0]) == {
        k[1]: [("HUBSPOT_DEFINED", 279, None)]
    }
    assert read(api, token, "companies", "contacts", k[0]) == {
        c[1]: [("HUBSPOT_DEFINED", 280, None)]
    }


def test_archiving_labels_keeps_the_pair_unless_the_unlabeled_type_goes(
    api: Api, world: Any
) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    billing = spec(world["label"][1], "USER_DEFINED")
    api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {"inputs": [pair_input(c[0], k[0], spec(1), billing), pair_input(c[1], k[0], billing)]},
    )

    first = api.post(
        V4.format("contacts", "companies", "labels/archive"),
        token,
        {"inputs": [pair_input(c[0], k[0], billing, spec(1)), pair_input(c[1], k[0], spec(279))]},
    )

    assert first.status_code == 204
    assert read(api, token, "companies", "contacts", k[0]) == {
        c[0]: [("HUBSPOT_DEFINED", 280, None)]
    }


def test_archiving_an_invalid_label_is_a_400_and_changes_nothing(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {"inputs": [pair_input(c[0], k[0], spec(1))]},
    )

    response = api.post(
        V4.format("contacts", "companies", "labels/archive"),
        token,
        {
            "inputs": [
                pair_input(c[0], k[0], spec(1)),
                pair_input(c[0], k[0], spec(77, "USER_DEFINED")),
            ]
        },
    )

    assert response.status_code == 400
    assert response.json()["subCategory"] == "crm.associations.INVALID_ASSOCIATION_TYPE"
    assert read(api, token, "contacts", "companies", c[0]) == {
        k[0]: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)]
    }


def test_2026_03_archives_answer_200_with_an_empty_batch(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    api.post(
        V26.format("contacts", "companies", "create"),
        token,
        {"inputs": [pair_input(c[0], k[0], spec(279)), pair_input(c[1], k[0], spec(279))]},
    )

    archived = api.post(
        V26.format("contacts", "companies", "archive"),
        token,
        {"inputs": [{"from": {"id": str(c[0])}, "to": [{"id": str(k[0])}]}]},
    )
    labels = api.post(
        V26.format("contacts", "companies", "labels/archive"),
        token,
        {"inputs": [pair_input(c[1], k[0], spec(279))]},
    )

    for response in (archived, labels):
        assert response.status_code == 200
        assert envelope(response) == {"status": "COMPLETE", "results": []}
    assert read(api, token, "companies", "contacts", k[0]) == {}


def test_put_labels_is_a_201_with_location_and_the_pair(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    path = RECORD.format("contact", c[0], "company", k[0])

    response = api.client.put(
        path,
        json=[spec(1), spec(world["label"][1], "USER_DEFINED")],
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 201
    assert response.headers["location"] == f"http://testserver{path}"
    assert response.json() == {
        "fromObjectTypeId": "0-1",
        "fromObjectId": c[0],
        "toObjectTypeId": "0-2",
        "toObjectId": k[0],
        "labels": ["Primary", "Billing contact"],
    }


@pytest.mark.parametrize(
    ("to_id", "body", "status", "category"),
    [
        (424242, [spec(279)], 404, "OBJECT_NOT_FOUND"),
        (None, [spec(4)], 400, "VALIDATION_ERROR"),
        (None, {"associationTypeId": 279}, 400, "VALIDATION_ERROR"),
    ],
)
def test_put_labels_errors(
    api: Api, world: Any, to_id: int | None, body: Any, status: int, category: str
) -> None:
    c, k = world["contacts"], world["companies"]
    path = RECORD.format("contacts", c[0], "companies", to_id or k[0])

    response = api.client.put(
        path, json=body, headers={"Authorization": f"Bearer {world['token']}"}
    )

    assert response.status_code == status
    assert response.json()["category"] == category


def test_put_default_answers_a_one_result_batch(api: Api, world: Any) -> None:
    c, k = world["contacts"], world["companies"]

    response = api.client.put(
        f"/crm/v4/objects/deals/{c[0]}/associations/default/companies/{k[0]}".replace(
            "deals", "contacts"
        ),
        headers={"Authorization": f"Bearer {world['token']}"},
    )

    assert response.status_code == 200
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": str(c[0])},
                "to": {"id": str(k[0])},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": 279,
                },
            }
        ],
    }


def test_delete_removes_the_pair_and_is_idempotent(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {"inputs": [pair_input(c[0], k[0], spec(1))]},
    )
    headers = {"Authorization": f"Bearer {token}"}

    first = api.client.delete(RECORD.format("companies", k[0], "contacts", c[0]), headers=headers)
    again = api.client.delete(RECORD.format("companies", k[0], "contacts", c[0]), headers=headers)

    assert (first.status_code, again.status_code) == (204, 204)
    assert read(api, token, "contacts", "companies", c[0]) == {}


def test_writes_need_the_write_scope_of_the_from_side(api: Api, world: Any) -> None:
    c, k = world["contacts"], world["companies"]
    reader = api.token(1, ["crm.objects.contacts.read", "crm.objects.companies.read"])
    writer = api.token(1, ["crm.objects.contacts.write"])
    body = {"inputs": [pair_input(c[0], k[0], spec(279))]}

    denied = api.post(V4.format("contacts", "companies", "create"), reader, body)
    allowed = api.post(V4.format("contacts", "companies", "create"), writer, body)

    assert denied.status_code == 403
    assert denied.json()["errors"][0]["context"]["requiredGranularScopes"][0] == (
        "crm.objects.contacts.write"
    )
    assert allowed.status_code == 201


def test_another_portal_cannot_write_to_my_records(api: Api, world: Any) -> None:
    c, k = world["contacts"], world["companies"]
    api.portal(2)
    intruder = api.token(2)

    created = api.post(
        V4.format("contacts", "companies", "create"),
        intruder,
        {"inputs": [pair_input(c[0], k[0], spec(279))]},
    )

    assert created.status_code == 207
    assert created.json()["errors"][0]["subCategory"] == "crm.associations.FROM_OBJECT_NOT_FOUND"
    assert read(api, world["token"], "contacts", "companies", c[0]) == {}


def test_max_to_object_ids_is_enforced_on_create_on_both_sides(api: Api, world: Any) -> None:
    c, k, token = world["contacts"], world["companies"], world["token"]
    limits = "/crm/associations/v4/definitions/configurations/{}/{}/batch/create"
    # A contact may have 2 companies; a company may have 1 contact.
    assert (
        api.post(
            limits.format("contacts", "companies"),
            token,
            {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 2}]},
        ).status_code
        == 201
    )
    assert (
        api.post(
            limits.format("companies", "contacts"),
            token,
            {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 280, "maxToObjectIds": 1}]},
        ).status_code
        == 201
    )

    response = api.post(
        V4.format("contacts", "companies", "create"),
        token,
        {
            "inputs": [
                pair_input(c[0], k[0], spec(279)),
                pair_input(c[0], k[1], spec(279)),
                pair_input(c[0], k[2], spec(279)),  # a third company for contact 0
                pair_input(c[1], k[0], spec(279)),  # a second contact for company 0
                pair_input(c[0], k[0], spec(1)),  # relabelling an existing pair adds no record
            ]
        },
    )

    assert response.status_code == 207
    body = envelope(response)
    assert len(body["results"]) == 3
    assert [e["message"] for e in body["errors"]] == [
        f"Contact {c[0]} already has the maximum of 2 company associations of type 0-279.",
        f"Company {k[0]} already has the maximum of 1 contact associations of type 0-280.",
    ]
    assert {e["subCategory"] for e in body["errors"]} == {
        "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    }
    assert sorted(read(api, token, "contacts", "companies", c[0])) == sorted([k[0], k[1]])
    assert read(api, token, "contacts", "companies", c[1]) == {}
