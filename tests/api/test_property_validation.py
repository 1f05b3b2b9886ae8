"""Record values HubSpot refuses beyond types and options (docs/properties.md): a contact
``email`` that is not an address (INVALID_EMAIL) and values for read-only properties
(READ_ONLY_VALUE), as literal HubSpot bodies, on both backends; and what
``--lenient-properties`` does with them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api

V3 = "/crm/v3/objects"


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def _patch(api: Api, token: str, path: str, body: dict[str, Any]) -> Any:
    return api.client.patch(path, json=body, headers={"Authorization": f"Bearer {token}"})


def _embedded(message: str) -> list[dict[str, Any]]:
    prefix = "Property values were not valid: "
    assert message.startswith(prefix), message
    parsed: list[dict[str, Any]] = json.loads(message[len(prefix) :])
    return parsed


def test_invalid_email_on_create_is_hubspots_400(api: Api, token: str) -> None:
    response = api.post(f"{V3}/contacts", token, {"properties": {"email": "test222"}})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"] == [
        {
            "message": "Email address test222 is invalid",
            "code": "INVALID_EMAIL",
            "context": {"propertyName": ["email"]},
        }
    ]
    assert _embedded(body["message"]) == [
        {
            "isValid": False,
            "message": "Email address test222 is invalid",
            "error": "INVALID_EMAIL",
            "name": "email",
        }
    ]
    assert api.get(f"{V3}/contacts", token).json()["results"] == []


@pytest.mark.parametrize(
    "email",
    [
        "ada@",
        "@example.com",
        "ada@example",
        "ada@example.c",
        "ada@exa mple.com",
        '"ada lovelace"@example.com',
        "ada..l@example.com",
        "ada@example.123",
        "a" * 250 + "@example.com",
    ],
)
def test_malformed_emails_are_refused(api: Api, token: str, email: str) -> None:
    response = api.post(f"{V3}/contacts", token, {"properties": {"email": email}})
    assert response.status_code == 400, email
    assert [e["code"] for e in response.json()["errors"]] == ["INVALID_EMAIL"]


@pytest.mark.parametrize(
    "email",
    [
        "ada@example.com",
        "Ada.Lovelace+crm@mail.example.co.uk",
        "xyz@test.design",
        "o'neil@ex-ample.io",
    ],
)
def test_well_formed_emails_are_stored(api: Api, token: str, email: str) -> None:
    response = api.post(f"{V3}/contacts", token, {"properties": {"email": email}})
    assert response.status_code == 201, response.text
    assert response.json()["properties"]["email"] == email


def test_invalid_email_on_update_and_batch_update(api: Api, token: str) -> None:
    made = api.post(f"{V3}/contacts", token, {"properties": {"email": "ok@example.com"}}).json()
    one = _patch(api, token, f"{V3}/contacts/{made['id']}", {"properties": {"email": "nope"}})
    assert one.status_code == 400
    assert one.json()["errors"][0]["code"] == "INVALID_EMAIL"
    batch = api.post(
        f"{V3}/contacts/batch/update",
        token,
        {"inputs": [{"id": made["id"], "properties": {"email": "still@nope"}}]},
    )
    assert batch.status_code == 400
    assert batch.json()["errors"][0]["code"] == "INVALID_EMAIL"
    # Clearing the email is no format error.
    cleared = _patch(api, token, f"{V3}/contacts/{made['id']}", {"properties": {"email": ""}})
    assert cleared.status_code == 200, cleared.text
    kept = api.get(f"{V3}/contacts/{made['id']}?properties=email", token).json()
    assert kept["properties"]["email"] is None


def test_email_of_other_types_is_not_format_checked(api: Api, token: str) -> None:
    """Only contacts' ``email`` is an address HubSpot checks [inferred for other types]."""
    made = api.post(
        "/crm/v3/properties/companies",
        token,
        {
            "name": "email",
            "label": "Email",
            "type": "string",
            "fieldType": "text",
            "groupName": "companyinformation",
        },
    )
    assert made.status_code == 201, made.text
    response = api.post(f"{V3}/companies", token, {"properties": {"email": "not an address"}})
    assert response.status_code == 201, response.text


def test_read_only_values_are_hubspots_400(api: Api, token: str) -> None:
    response = api.post(
        f"{V3}/contacts",
        token,
        {
            "properties": {
                "email": "test222",
                "color": "red",
                "hs_object_id": "5",
                "lastmodifieddate": "2026-01-01T00:00:00Z",
            }
        },
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"] == [
        {
            "message": 'Property "color" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["color"]},
        },
        {
            "message": "Email address test222 is invalid",
            "code": "INVALID_EMAIL",
            "context": {"propertyName": ["email"]},
        },
        {
            "message": '"hs_object_id" is a calculated property; its value cannot be set.',
            "code": "READ_ONLY_VALUE",
            "context": {"propertyName": ["hs_object_id"]},
        },
        {
            "message": '"lastmodifieddate" is a calculated property; its value cannot be set.',
            "code": "READ_ONLY_VALUE",
            "context": {"propertyName": ["lastmodifieddate"]},
        },
    ]
    assert [e["error"] for e in _embedded(body["message"])] == [
        "PROPERTY_DOESNT_EXIST",
        "INVALID_EMAIL",
        "READ_ONLY_VALUE",
        "READ_ONLY_VALUE",
    ]


@pytest.mark.parametrize(
    ("object_type", "name", "value"),
    [
        ("companies", "hs_lastmodifieddate", "1767225600000"),
        ("companies", "num_associated_contacts", "3"),
        ("deals", "amount_in_home_currency", "10"),
        ("contacts", "hs_object_id", "1"),
    ],
)
def test_read_only_on_update_is_400_and_changes_nothing(
    api: Api, token: str, object_type: str, name: str, value: str
) -> None:
    made = api.post(f"{V3}/{object_type}", token, {"properties": {}}).json()
    response = _patch(api, token, f"{V3}/{object_type}/{made['id']}", {"properties": {name: value}})
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [
        {
            "message": f'"{name}" is a calculated property; its value cannot be set.',
            "code": "READ_ONLY_VALUE",
            "context": {"propertyName": [name]},
        }
    ]
    again = api.get(f"{V3}/{object_type}/{made['id']}", token).json()
    assert again["updatedAt"] == made["updatedAt"]


def test_read_only_flag_matches_the_properties_api(api: Api, token: str) -> None:
    """What the properties API calls readOnlyValue is exactly what writes refuse."""
    listed = api.get("/crm/v3/properties/deals", token).json()["results"]
    read_only = {p["name"] for p in listed if p["modificationMetadata"]["readOnlyValue"]}
    assert {"hs_object_id", "hs_lastmodifieddate", "amount_in_home_currency"} <= read_only
    writable = {p["name"] for p in listed if not p["modificationMetadata"]["readOnlyValue"]}
    assert {"dealname", "amount"} <= writable


def test_create_date_is_accepted_and_ignored(api: Api, token: str) -> None:
    """[inferred] migrations send ``createdate``; it is not refused, and the server's own
    create time stands."""
    response = api.post(
        f"{V3}/contacts",
        token,
        {"properties": {"email": "c@example.com", "createdate": "2001-01-01T00:00:00Z"}},
    )
    assert response.status_code == 201, response.text
    assert not response.json()["createdAt"].startswith("2001")


def test_lenient_properties_ignore_read_only_but_still_check_email(make_api: Any) -> None:
    api = make_api(lenient_properties=True)
    api.portal(1)
    token = api.token(1)
    made = api.post(
        f"{V3}/contacts", token, {"properties": {"email": "l@example.com", "hs_object_id": "5"}}
    )
    assert made.status_code == 201, made.text
    assert made.json()["properties"]["hs_object_id"] == made.json()["id"]
    bad = api.post(f"{V3}/contacts", token, {"properties": {"email": "not-an-email"}})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "INVALID_EMAIL"
