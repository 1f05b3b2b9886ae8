"""Legacy v3 associations (``/crm/v3/associations/...``) on the same store as v4: named
types, what v3 writes v4 reads and back, errors as HubSpot shapes them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, hs, user

V3 = "/crm/v3/associations/{}/{}/batch/{}"
V4_READ = "/crm/v4/associations/{}/{}/batch/read"


def stamps(body: dict[str, Any]) -> dict[str, Any]:
    """The batch body without its timestamps (they vary)."""
    assert body.pop("startedAt").endswith("Z")
    assert body.pop("completedAt").endswith("Z")
    return body


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    api.portal(1)
    return {
        "token": api.token(1),
        "contacts": api.objects(1, "contacts", 2),
        "companies": api.objects(1, "companies", 2),
        "deals": api.objects(1, "deals", 1),
    }


def test_types_lists_every_type_of_the_pair_by_v3_name(api: Api, world: Any) -> None:
    api.label(1, "contacts", "companies", "billing_manager", "Billing manager", "Billed by")
    response = api.get("/crm/v3/associations/contacts/companies/types", world["token"])
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": "1", "name": "contact_to_company"},
            {"id": "279", "name": "contact_to_company_unlabeled"},
            {"id": "931", "name": "billing_contact_to_company"},
            {"id": "100", "name": "billing_manager"},
        ]
    }


def test_create_then_read_with_v3_and_v4(api: Api, world: Any) -> None:
    (c1, _), (k1, k2), token = world["contacts"], world["companies"], world["token"]
    response = api.post(
        V3.format("contacts", "companies", "create"),
        token,
        {
            "inputs": [
                {"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "contact_to_company"},
                {
                    "from": {"id": str(c1)},
                    "to": {"id": str(k2)},
                    "type": "contact_to_company_unlabeled",
                },
            ]
        },
    )
    assert response.status_code == 201
    assert stamps(response.json()) == {
        "status": "COMPLETE",
        "results": [
            {"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "contact_to_company"},
            {
                "from": {"id": str(c1)},
                "to": {"id": str(k2)},
                "type": "contact_to_company_unlabeled",
            },
        ],
    }
    read = api.post(V3.format("contacts", "companies", "read"), token, {"inputs": [{"id": c1}]})
    assert read.status_code == 200
    assert stamps(read.json()) == {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": str(c1)},
                "to": [
                    {"id": str(k1), "type": "contact_to_company"},
                    {"id": str(k1), "type": "contact_to_company_unlabeled"},
                    {"id": str(k2), "type": "contact_to_company_unlabeled"},
                ],
            }
        ],
    }
    # v4 sees the same associations: Primary (1) plus the unlabeled type, from both sides.
    v4 = api.post(V4_READ.format("companies", "contacts"), token, {"inputs": [{"id": str(k1)}]})
    assert v4.json()["results"][0]["to"] == [
        {
            "toObjectId": c1,
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 2, "label": "Primary"},
                {"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None},
            ],
        }
    ]


def test_v4_writes_are_read_by_v3_with_own_labels_by_name(api: Api, world: Any) -> None:
    (c1, _), (k1, _) = world["contacts"], world["companies"]
    _inverse, label = api.label(1, "contacts", "companies", "manager", "Manager", "Managed")
    api.associate(1, "contacts", "companies", [(c1, k1, [user(label)])])
    read = api.post(
        V3.format("contacts", "companies", "read"), world["token"], {"inputs": [{"id": str(c1)}]}
    )
    assert read.json()["results"][0]["to"] == [
        {"id": str(k1), "type": "contact_to_company_unlabeled"},
        {"id": str(k1), "type": "manager"},
    ]


def test_archive_of_the_v3_type_removes_the_association_both_ways(api: Api, world: Any) -> None:
    (c1, c2), (k1, _), token = world["contacts"], world["companies"], world["token"]
    api.associate(1, "contacts", "companies", [(c1, k1, [hs(1)]), (c2, k1)])
    response = api.post(
        V3.format("contacts", "companies", "archive"),
        token,
        {
            "inputs": [
                {"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "contact_to_company"}
            ]
        },
    )
    assert response.status_code == 204
    read = api.post(V3.format("companies", "contacts", "read"), token, {"inputs": [{"id": k1}]})
    assert read.json()["results"][0]["to"] == [
        {"id": str(c2), "type": "company_to_contact_unlabeled"}
    ]


def test_archive_of_a_label_keeps_the_association(api: Api, world: Any) -> None:
    (c1, _), (k1, _), token = world["contacts"], world["companies"], world["token"]
    _inverse, label = api.label(1, "contacts", "companies", "manager", "Manager", "Managed")
    api.associate(1, "contacts", "companies", [(c1, k1, [user(label)])])
    response = api.post(
        V3.format("contacts", "companies", "archive"),
        token,
        {"inputs": [{"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "manager"}]},
    )
    assert response.status_code == 204
    read = api.post(V3.format("contacts", "companies", "read"), token, {"inputs": [{"id": c1}]})
    assert read.json()["results"][0]["to"] == [
        {"id": str(k1), "type": "contact_to_company_unlabeled"}
    ]


def test_create_with_an_unknown_type_or_record_is_a_207(api: Api, world: Any) -> None:
    (c1, _), (_k1, _), (d1,) = world["contacts"], world["companies"], world["deals"]
    response = api.post(
        V3.format("contacts", "deals", "create"),
        world["token"],
        {
            "inputs": [
                {"from": {"id": str(c1)}, "to": {"id": str(d1)}, "type": "contact_to_company"},
                {"from": {"id": str(c1)}, "to": {"id": "999"}, "type": "contact_to_deal"},
                {"from": {"id": str(c1)}, "to": {"id": str(d1)}, "type": "contact_to_deal"},
            ]
        },
    )
    assert response.status_code == 207
    body = stamps(response.json())
    assert body["results"] == [
        {"from": {"id": str(c1)}, "to": {"id": str(d1)}, "type": "contact_to_deal"}
    ]
    assert body["numErrors"] == 2
    assert body["errors"][0] == {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": "Invalid association type 'contact_to_company' from contact to deal."
        " Valid types: contact_to_deal.",
        "context": {"type": ["contact_to_company"]},
    }
    assert body["errors"][1]["category"] == "OBJECT_NOT_FOUND"


def test_archive_with_an_unknown_type_is_a_400_and_changes_nothing(api: Api, world: Any) -> None:
    (c1, _), (k1, _), token = world["contacts"], world["companies"], world["token"]
    api.associate(1, "contacts", "companies", [(c1, k1)])
    response = api.post(
        V3.format("contacts", "companies", "archive"),
        token,
        {
            "inputs": [
                {"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "contact_to_company"},
                {"from": {"id": str(c1)}, "to": {"id": str(k1)}, "type": "nope"},
            ]
        },
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid association type 'nope'")
    read = api.post(V3.format("contacts", "companies", "read"), token, {"inputs": [{"id": c1}]})
    assert len(read.json()["results"][0]["to"]) == 1


def test_read_pages_follow_the_cursor(make_api: Any) -> None:
    api = make_api(batch_read_page_size=2)
    api.portal(1)
    token = api.token(1)
    (c1,) = api.objects(1, "contacts", 1)
    deals = api.objects(1, "deals", 3)
    api.associate(1, "contacts", "deals", [(c1, d) for d in deals])
    first = api.post(V3.format("contacts", "deals", "read"), token, {"inputs": [{"id": c1}]})
    result = first.json()["results"][0]
    assert [t["id"] for t in result["to"]] == [str(d) for d in deals[:2]]
    after = result["paging"]["next"]["after"]
    second = api.post(
        V3.format("contacts", "deals", "read"), token, {"inputs": [{"id": c1, "after": after}]}
    )
    assert second.json()["results"][0] == {
        "from": {"id": str(c1)},
        "to": [{"id": str(deals[2]), "type": "contact_to_deal"}],
    }


def test_missing_scope_is_a_403(api: Api, world: Any) -> None:
    token = api.token(1, ["crm.objects.contacts.read"])
    response = api.post(
        V3.format("contacts", "companies", "read"), token, {"inputs": [{"id": "1"}]}
    )
    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"
