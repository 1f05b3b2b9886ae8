"""Properties API (/crm/v3/properties/{objectType}) and record values validated against it:
HubSpot's defaults, custom properties and groups, the 400s and 409s (docs/properties.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

PROPS = "/crm/v3/properties"
V3 = "/crm/v3/objects"


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def _without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("createdAt", "updatedAt")}


def test_default_property_lifecyclestage(api: Api, token: str) -> None:
    response = api.get(f"{PROPS}/contacts/lifecyclestage", token)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "lifecyclestage"
    assert body["type"] == "enumeration"
    assert body["fieldType"] == "radio"
    assert body["groupName"] == "contactinformation"
    assert body["hubspotDefined"] is True
    assert body["modificationMetadata"] == {
        "archivable": False,
        "readOnlyDefinition": True,
        "readOnlyValue": False,
    }
    assert [o["value"] for o in body["options"]][:3] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
    ]
    assert body["options"][0] == {
        "label": "Subscriber",
        "value": "subscriber",
        "displayOrder": 0,
        "hidden": False,
        "description": "",
    }


def test_list_holds_defaults_of_each_type(api: Api, token: str) -> None:
    for object_type, expected in (
        ("contacts", {"email", "firstname", "lastname", "lifecyclestage", "hs_object_id"}),
        ("companies", {"name", "domain", "hs_lastmodifieddate"}),
        ("deals", {"dealname", "amount", "dealstage", "pipeline", "closedate"}),
        ("tickets", {"subject", "hs_pipeline", "hs_pipeline_stage"}),
    ):
        response = api.get(f"{PROPS}/{object_type}", token)
        assert response.status_code == 200
        names = {p["name"] for p in response.json()["results"]}
        assert expected <= names, object_type


def test_create_read_update_archive_custom_property(api: Api, token: str) -> None:
    created = api.post(
        f"{PROPS}/contacts",
        token,
        {
            "name": "favorite_color",
            "label": "Favorite color",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "contactinformation",
            "options": [
                {"label": "Red", "value": "red", "displayOrder": 0, "hidden": False},
                {"label": "Blue", "value": "blue", "displayOrder": 1, "hidden": False},
            ],
        },
    )
    assert created.status_code == 201, created.text
    assert _without_times(created.json()) == {
        "name": "favorite_color",
        "label": "Favorite color",
        "type": "enumeration",
        "fieldType": "select",
        "description": "",
        "groupName": "contactinformation",
        "options": [
            {"label": "Red", "value": "red", "displayOrder": 0, "hidden": False, "description": ""},
            {
                "label": "Blue",
                "value": "blue",
                "displayOrder": 1,
                "hidden": False,
                "description": "",
            },
        ],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": False,
        "formField": False,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
        },
        "dataSensitivity": "non_sensitive",
        "archived": False,
    }
    again = api.post(
        f"{PROPS}/contacts",
        token,
        {
            "name": "favorite_color",
            "label": "X",
            "type": "string",
            "fieldType": "text",
            "groupName": "contactinformation",
        },
    )
    assert again.status_code == 409
    assert again.json()["category"] == "OBJECT_ALREADY_EXISTS"
    assert again.json()["message"] == "Property named 'favorite_color' already exists."

    patched = api.client.patch(
        f"{PROPS}/contacts/favorite_color",
        json={"label": "Colour"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.status_code == 200
    assert patched.json()["label"] == "Colour"

    deleted = api.client.delete(
        f"{PROPS}/contacts/favorite_color", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status_code == 204
    assert api.get(f"{PROPS}/contacts/favorite_color", token).status_code == 404
    archived = api.get(f"{PROPS}/contacts/favorite_color?archived=true", token)
    assert archived.status_code == 200
    assert archived.json()["archived"] is True


def test_default_property_cannot_be_archived(api: Api, token: str) -> None:
    response = api.client.delete(
        f"{PROPS}/contacts/email", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "Bad Name", "type": "string", "fieldType": "text"}, "is invalid"),
        ({"name": "n1", "type": "string", "fieldType": "select"}, "not valid for type"),
        ({"name": "n2", "type": "enumeration", "fieldType": "select"}, "needs options"),
        ({"name": "n3", "type": "money", "fieldType": "text"}, "Unknown property type"),
    ],
)
def test_create_property_400s(api: Api, token: str, body: dict[str, Any], fragment: str) -> None:
    body = {"label": "L", "groupName": "contactinformation", **body}
    response = api.post(f"{PROPS}/contacts", token, body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_unknown_group_is_400(api: Api, token: str) -> None:
    response = api.post(
        f"{PROPS}/contacts",
        token,
        {"name": "x1", "label": "X", "type": "string", "fieldType": "text", "groupName": "nope"},
    )
    assert response.status_code == 400
    assert "Property group 'nope' does not exist." in response.json()["message"]


def test_batch_create_read_archive(api: Api, token: str) -> None:
    made = api.post(
        f"{PROPS}/deals/batch/create",
        token,
        {
            "inputs": [
                {
                    "name": "score",
                    "label": "Score",
                    "type": "number",
                    "fieldType": "number",
                    "groupName": "dealinformation",
                },
                {
                    "name": "dealname",
                    "label": "Dup",
                    "type": "string",
                    "fieldType": "text",
                    "groupName": "dealinformation",
                },
            ]
        },
    )
    assert made.status_code == 207
    body = made.json()
    assert [r["name"] for r in body["results"]] == ["score"]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_ALREADY_EXISTS"

    read = api.post(
        f"{PROPS}/deals/batch/read", token, {"inputs": [{"name": "score"}, {"name": "amount"}]}
    )
    assert read.status_code == 200
    assert [r["name"] for r in read.json()["results"]] == ["score", "amount"]
    missing = api.post(f"{PROPS}/deals/batch/read", token, {"inputs": [{"name": "nope"}]})
    assert missing.status_code == 207

    gone = api.post(f"{PROPS}/deals/batch/archive", token, {"inputs": [{"name": "score"}]})
    assert gone.status_code == 204
    assert api.get(f"{PROPS}/deals/score", token).status_code == 404


def test_groups(api: Api, token: str) -> None:
    listed = api.get(f"{PROPS}/contacts/groups", token)
    assert listed.status_code == 200
    assert {
        "name": "contactinformation",
        "label": "Contact information",
        "displayOrder": 0,
        "archived": False,
    } in listed.json()["results"]
    made = api.post(f"{PROPS}/contacts/groups", token, {"name": "sync", "label": "Sync"})
    assert made.status_code == 201
    assert made.json() == {"name": "sync", "label": "Sync", "displayOrder": -1, "archived": False}
    assert (
        api.post(f"{PROPS}/contacts/groups", token, {"name": "sync", "label": "S"}).status_code
        == 409
    )
    patched = api.client.patch(
        f"{PROPS}/contacts/groups/sync",
        json={"label": "Sync fields"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.json()["label"] == "Sync fields"
    assert api.get(f"{PROPS}/contacts/groups/sync", token).json()["label"] == "Sync fields"
    prop = api.post(
        f"{PROPS}/contacts",
        token,
        {
            "name": "external_id",
            "label": "External id",
            "type": "string",
            "fieldType": "text",
            "groupName": "sync",
            "hasUniqueValue": True,
        },
    )
    assert prop.status_code == 201
    deleted = api.client.delete(
        f"{PROPS}/contacts/groups/sync", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status_code == 204
    assert api.get(f"{PROPS}/contacts/groups/sync", token).status_code == 404


def test_scopes(api: Api) -> None:
    api.portal(1)
    schemas_read = api.token(1, ["crm.schemas.contacts.read"])
    objects_read = api.token(1, ["crm.objects.contacts.read"])
    deals_only = api.token(1, ["crm.schemas.deals.write"])
    assert api.get(f"{PROPS}/contacts", schemas_read).status_code == 200
    assert api.get(f"{PROPS}/contacts", objects_read).status_code == 200
    assert api.get(f"{PROPS}/contacts", deals_only).status_code == 403
    body = {
        "name": "a1",
        "label": "A",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    assert api.post(f"{PROPS}/contacts", schemas_read, body).status_code == 403
    assert (
        api.post(f"{PROPS}/deals", deals_only, {**body, "groupName": "dealinformation"}).status_code
        == 201
    )


# -- record values ---------------------------------------------------------------------------


def test_unknown_property_on_create_is_hubspots_400(api: Api, token: str) -> None:
    response = api.post(
        f"{V3}/contacts", token, {"properties": {"email": "a@example.com", "testproperty": "1"}}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: [")
    assert body["errors"] == [
        {
            "message": 'Property "testproperty" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["testproperty"]},
        }
    ]


@pytest.mark.parametrize(
    ("object_type", "properties", "code"),
    [
        ("deals", {"amount": "lots"}, "INVALID_INTEGER"),
        ("deals", {"closedate": "next week"}, "INVALID_DATE"),
        ("contacts", {"lifecyclestage": "prospect"}, "INVALID_OPTION"),
        ("tickets", {"hs_ticket_priority": "low"}, "INVALID_OPTION"),
        ("tickets", {"hs_ticket_category": "BILLING_ISSUE;NOPE"}, "INVALID_OPTION"),
    ],
)
def test_wrong_values_are_400(
    api: Api, token: str, object_type: str, properties: dict[str, str], code: str
) -> None:
    response = api.post(f"{V3}/{object_type}", token, {"properties": properties})
    assert response.status_code == 400, response.text
    assert [e["code"] for e in response.json()["errors"]] == [code]


@pytest.mark.parametrize(
    ("object_type", "properties"),
    [
        ("deals", {"amount": "1500.50", "closedate": "2026-01-31T12:00:00Z"}),
        ("deals", {"closedate": "1767225600000", "dealstage": "closedwon"}),
        ("contacts", {"lifecyclestage": "lead", "hs_lead_status": "NEW"}),
        ("tickets", {"hs_ticket_category": "BILLING_ISSUE;PRODUCT_ISSUE"}),
    ],
)
def test_valid_values_are_stored(
    api: Api, token: str, object_type: str, properties: dict[str, str]
) -> None:
    response = api.post(f"{V3}/{object_type}", token, {"properties": properties})
    assert response.status_code == 201, response.text


def test_update_is_validated_too(api: Api, token: str) -> None:
    made = api.post(f"{V3}/deals", token, {"properties": {"dealname": "D"}}).json()
    response = api.client.patch(
        f"{V3}/deals/{made['id']}",
        json={"properties": {"nope": "x"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_duplicate_email_is_409_with_existing_id(api: Api, token: str) -> None:
    first = api.post(f"{V3}/contacts", token, {"properties": {"email": "ada@example.com"}})
    assert first.status_code == 201
    again = api.post(f"{V3}/contacts", token, {"properties": {"email": "ADA@example.com"}})
    assert again.status_code == 409
    body = again.json()
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first.json()['id']}"


def test_duplicate_email_in_one_batch_is_409(api: Api, token: str) -> None:
    """The schema's unique index refuses it inside the write: no check could see it."""
    response = api.post(
        f"{V3}/contacts/batch/create",
        token,
        {
            "inputs": [
                {"properties": {"email": "x@example.com"}},
                {"properties": {"email": "x@example.com"}},
            ]
        },
    )
    assert response.status_code == 409
    assert response.json()["category"] == "CONFLICT"
    listed = api.get(f"{V3}/contacts", token).json()
    assert listed["results"] == []


def test_update_to_a_taken_email_is_409_and_own_email_is_fine(api: Api, token: str) -> None:
    a = api.post(f"{V3}/contacts", token, {"properties": {"email": "a@example.com"}}).json()
    b = api.post(f"{V3}/contacts", token, {"properties": {"email": "b@example.com"}}).json()
    headers = {"Authorization": f"Bearer {token}"}
    same = api.client.patch(
        f"{V3}/contacts/{a['id']}",
        json={"properties": {"email": "a@example.com"}},
        headers=headers,
    )
    assert same.status_code == 200
    taken = api.client.patch(
        f"{V3}/contacts/{b['id']}",
        json={"properties": {"email": "a@example.com"}},
        headers=headers,
    )
    assert taken.status_code == 409
    assert taken.json()["message"] == f"Contact already exists. Existing ID: {a['id']}"


def test_has_unique_value_property_is_409(api: Api, token: str) -> None:
    made = api.post(
        f"{PROPS}/companies",
        token,
        {
            "name": "erp_id",
            "label": "ERP id",
            "type": "string",
            "fieldType": "text",
            "groupName": "companyinformation",
            "hasUniqueValue": True,
        },
    )
    assert made.status_code == 201
    first = api.post(f"{V3}/companies", token, {"properties": {"erp_id": "E-1"}})
    assert first.status_code == 201
    again = api.post(f"{V3}/companies", token, {"properties": {"erp_id": "E-1"}})
    assert again.status_code == 409
    assert again.json()["message"] == f"Company already exists. Existing ID: {first.json()['id']}"


def test_lenient_properties_create_unknown_as_strings(make_api: Any) -> None:
    api = make_api(lenient_properties=True)
    api.portal(1)
    token = api.token(1)
    response = api.post(f"{V3}/contacts", token, {"properties": {"legacy_code": "L-7"}})
    assert response.status_code == 201
    prop = api.get(f"{PROPS}/contacts/legacy_code", token).json()
    assert (prop["type"], prop["fieldType"], prop["groupName"]) == (
        "string",
        "text",
        "contactinformation",
    )
