"""``idProperty``: records named by a unique property's value on GET, PATCH, DELETE, batch
read and batch update (docs/crm.md, "Records by unique value")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

V3 = "/crm/v3/objects"


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def _contact(api: Api, token: str, email: str, **extra: str) -> str:
    made = api.post(f"{V3}/contacts", token, {"properties": {"email": email, **extra}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_get_by_email_is_case_insensitive(api: Api, token: str) -> None:
    ada = _contact(api, token, "Ada@Example.com", firstname="Ada")
    response = api.get(
        f"{V3}/contacts/ada@EXAMPLE.com?idProperty=email&properties=email,firstname", token
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ada
    assert body["properties"]["email"] == "Ada@Example.com"
    assert body["properties"]["firstname"] == "Ada"
    assert body["properties"]["hs_object_id"] == ada


def test_get_by_unknown_email_is_404(api: Api, token: str) -> None:
    _contact(api, token, "ada@example.com")
    response = api.get(f"{V3}/contacts/nobody@example.com?idProperty=email", token)
    assert response.status_code == 404
    body = response.json()
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["context"] == {"id": ["nobody@example.com"]}


def test_numeric_value_is_never_read_as_a_record_id(api: Api, token: str) -> None:
    ada = _contact(api, token, "ada@example.com")
    response = api.get(f"{V3}/contacts/{ada}?idProperty=email", token)
    assert response.status_code == 404


def test_id_property_that_is_not_unique_is_400(api: Api, token: str) -> None:
    _contact(api, token, "ada@example.com", firstname="Ada")
    response = api.get(f"{V3}/contacts/Ada?idProperty=firstname", token)
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["context"] == {"idProperty": ["firstname"]}
    missing = api.get(f"{V3}/contacts/x?idProperty=no_such_property", token)
    assert missing.status_code == 400


def test_hs_object_id_is_the_record_id(api: Api, token: str) -> None:
    ada = _contact(api, token, "ada@example.com")
    response = api.get(f"{V3}/contacts/{ada}?idProperty=hs_object_id", token)
    assert response.status_code == 200
    assert response.json()["id"] == ada


def test_patch_and_delete_by_email(api: Api, token: str) -> None:
    ada = _contact(api, token, "ada@example.com")
    patched = api.client.patch(
        f"{V3}/contacts/ADA@example.com?idProperty=email",
        json={"properties": {"firstname": "Ada"}},
        headers=_headers(token),
    )
    assert patched.status_code == 200
    assert patched.json()["id"] == ada
    assert patched.json()["properties"]["firstname"] == "Ada"
    unknown = api.client.patch(
        f"{V3}/contacts/nobody@example.com?idProperty=email",
        json={"properties": {"firstname": "X"}},
        headers=_headers(token),
    )
    assert unknown.status_code == 404
    deleted = api.client.delete(
        f"{V3}/contacts/ada@example.com?idProperty=email", headers=_headers(token)
    )
    assert deleted.status_code == 204
    assert api.get(f"{V3}/contacts/{ada}", token).status_code == 404
    again = api.client.delete(
        f"{V3}/contacts/ada@example.com?idProperty=email", headers=_headers(token)
    )
    assert again.status_code == 204


def test_batch_read_by_email_with_missing_values(api: Api, token: str) -> None:
    ada = _contact(api, token, "ada@example.com")
    bob = _contact(api, token, "bob@example.com")
    response = api.post(
        f"{V3}/contacts/batch/read",
        token,
        {
            "idProperty": "email",
            "properties": ["email"],
            "inputs": [{"id": "BOB@example.com"}, {"id": "nobody@example.com"}, {"id": ada}],
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [(r["id"], r["properties"]["email"]) for r in body["results"]] == [
        (bob, "bob@example.com")
    ]
    assert body["numErrors"] == 1
    error: dict[str, Any] = body["errors"][0]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"] == {"ids": ["nobody@example.com", ada]}


def test_batch_update_by_email(api: Api, token: str) -> None:
    ada = _contact(api, token, "ada@example.com")
    response = api.post(
        f"{V3}/contacts/batch/update",
        token,
        {
            "inputs": [
                {"id": "ADA@example.com", "idProperty": "email", "properties": {"lastname": "L"}},
                {"id": "no@example.com", "idProperty": "email", "properties": {"lastname": "L"}},
            ]
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert [(r["id"], r["properties"]["lastname"]) for r in body["results"]] == [(ada, "L")]
    assert body["errors"][0]["context"] == {"ids": ["no@example.com"]}


def test_custom_unique_property_is_an_id_property(api: Api, token: str) -> None:
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
    company = api.post(f"{V3}/companies", token, {"properties": {"erp_id": "E-1"}})
    response = api.get(f"{V3}/companies/e-1?idProperty=erp_id&properties=erp_id", token)
    assert response.status_code == 200
    assert response.json()["id"] == company.json()["id"]
    dated = api.get("/crm/objects/2026-03/companies/E-1?idProperty=erp_id", token)
    assert dated.status_code == 200
    assert dated.json()["id"] == company.json()["id"]
