"""``POST /crm/v3/objects/{type}/batch/upsert`` and its 2026-03 path (docs/crm.md,
"Records by unique value")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

V3 = "/crm/v3/objects"


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    """A result without its instants (createdAt, updatedAt and the date properties)."""
    properties = {
        k: v
        for k, v in result["properties"].items()
        if k not in ("createdate", "lastmodifieddate", "hs_lastmodifieddate")
    }
    return {
        **{k: v for k, v in result.items() if k not in ("createdAt", "updatedAt")},
        "properties": properties,
    }


def test_upsert_updates_found_and_creates_new(api: Api, token: str) -> None:
    made = api.post(f"{V3}/contacts", token, {"properties": {"email": "Ada@example.com"}})
    ada = made.json()["id"]
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {
            "inputs": [
                {"id": "ada@EXAMPLE.com", "idProperty": "email", "properties": {"firstname": "A"}},
                {
                    "id": "bob@example.com",
                    "idProperty": "email",
                    "properties": {"firstname": "B"},
                    "objectWriteTraceId": "t-bob",
                },
            ]
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "COMPLETE"
    first, second = (_strip(r) for r in body["results"])
    assert first == {
        "id": ada,
        "properties": {"email": "Ada@example.com", "firstname": "A", "hs_object_id": ada},
        "archived": False,
        "new": False,
    }
    bob = second["id"]
    assert second == {
        "id": bob,
        "properties": {"email": "bob@example.com", "firstname": "B", "hs_object_id": bob},
        "archived": False,
        "new": True,
        "objectWriteTraceId": "t-bob",
    }
    read = api.get(f"{V3}/contacts/bob@example.com?idProperty=email", token)
    assert read.json()["id"] == bob
    again = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {"inputs": [{"id": "bob@example.com", "idProperty": "email", "properties": {}}]},
    )
    assert [(r["id"], r["new"]) for r in again.json()["results"]] == [(bob, False)]


def test_upsert_on_the_dated_path(api: Api, token: str) -> None:
    response = api.post(
        "/crm/objects/2026-03/contacts/batch/upsert",
        token,
        {"inputs": [{"id": "c@example.com", "idProperty": "email", "properties": {}}]},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["new"] is True


def test_upsert_by_a_property_that_is_not_unique_is_400(api: Api, token: str) -> None:
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {"inputs": [{"id": "Ada", "idProperty": "firstname", "properties": {}}]},
    )
    assert response.status_code == 400
    assert response.json()["context"] == {"idProperty": ["firstname"]}


def test_upsert_naming_one_value_twice_is_400(api: Api, token: str) -> None:
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {
            "inputs": [
                {"id": "a@example.com", "idProperty": "email", "properties": {}},
                {"id": "A@example.com", "idProperty": "email", "properties": {}},
            ]
        },
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Duplicate IDs found in batch input: [A@example.com]. IDs must be unique"
    )
    assert api.get(f"{V3}/contacts", token).json()["results"] == []


def test_upsert_by_record_id_updates_and_reports_missing(api: Api, token: str) -> None:
    made = api.post(f"{V3}/contacts", token, {"properties": {"email": "a@example.com"}})
    ada = made.json()["id"]
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {
            "inputs": [
                {"id": ada, "properties": {"firstname": "A"}},
                {"id": "99999999999", "idProperty": "hs_object_id", "properties": {}},
            ]
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [(r["id"], r["new"], r["properties"]["firstname"]) for r in body["results"]] == [
        (ada, False, "A")
    ]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["99999999999"]}


def test_upsert_custom_unique_property(api: Api, token: str) -> None:
    made = api.post(
        "/crm/v3/properties/companies",
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
    first = api.post(
        f"{V3}/companies/batch/upsert",
        token,
        {"inputs": [{"id": "E-1", "idProperty": "erp_id", "properties": {"name": "One"}}]},
    )
    (created,) = first.json()["results"]
    assert created["new"] is True
    assert created["properties"]["erp_id"] == "E-1"
    second = api.post(
        f"{V3}/companies/batch/upsert",
        token,
        {"inputs": [{"id": "e-1", "idProperty": "erp_id", "properties": {"name": "Uno"}}]},
    )
    (updated,) = second.json()["results"]
    assert (updated["id"], updated["new"], updated["properties"]["name"]) == (
        created["id"],
        False,
        "Uno",
    )


def test_upsert_setting_another_records_unique_value_is_409(api: Api, token: str) -> None:
    taken = api.post(f"{V3}/contacts", token, {"properties": {"email": "taken@example.com"}})
    api.post(f"{V3}/contacts", token, {"properties": {"email": "a@example.com"}})
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {
            "inputs": [
                {
                    "id": "a@example.com",
                    "idProperty": "email",
                    "properties": {"email": "taken@example.com"},
                }
            ]
        },
    )
    assert response.status_code == 409
    assert response.json()["message"] == (
        f"Contact already exists. Existing ID: {taken.json()['id']}"
    )


def test_upsert_with_an_empty_value_is_400(api: Api, token: str) -> None:
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {"inputs": [{"id": "", "idProperty": "email", "properties": {"firstname": "A"}}]},
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert api.get(f"{V3}/contacts", token).json()["results"] == []


def test_upsert_of_an_archived_records_value_creates_a_new_record(api: Api, token: str) -> None:
    made = api.post(f"{V3}/contacts", token, {"properties": {"email": "gone@example.com"}})
    old = made.json()["id"]
    deleted = api.client.delete(
        f"{V3}/contacts/{old}", headers={"Authorization": f"Bearer {token}"}
    )
    assert deleted.status_code == 204
    response = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {"inputs": [{"id": "gone@example.com", "idProperty": "email", "properties": {}}]},
    )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["new"] is True
    assert result["id"] != old
