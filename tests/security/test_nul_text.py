"""U+0000 in text: PostgreSQL's ``text`` cannot hold it (it answered a 500), SQLite stored it.
Both backends now refuse it with the same 400, in every body, and in query strings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.security.test_isolation import PortalA, path_for, setup_a

NUL_MESSAGE = "Invalid input JSON: text must not contain the NUL character (\\u0000)."
LABELS = "/crm/v4/associations/companies/contacts/labels"


@pytest.fixture
def portal_a(api: Api) -> tuple[PortalA, str]:
    return setup_a(api)


def _assert_nul_400(response: Any) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == NUL_MESSAGE


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", LABELS, {"label": "Boss\u0000", "name": "boss"}),
        ("POST", LABELS, {"label": "Boss", "name": "bo\u0000ss"}),
        ("PUT", LABELS, {"associationTypeId": "{label}", "label": "Re\u0000named"}),
        ("POST", "/crm/v3/objects/contacts", {"properties": {"firstname": "A\u0000B"}}),
        ("POST", "/crm/v3/objects/contacts", {"properties": {"first\u0000name": "AB"}}),
        (
            "POST",
            "/crm/v3/objects/contacts/batch/create",
            {"inputs": [{"properties": {"firstname": "\u0000"}}]},
        ),
        (
            "PATCH",
            "/crm/v3/objects/companies/{objectId}",
            {"properties": {"name": "x\u0000"}},
        ),
    ],
)
def test_nul_in_stored_text_is_a_400_on_every_backend(
    api: Api, portal_a: tuple[PortalA, str], method: str, path: str, body: dict[str, Any]
) -> None:
    a, token = portal_a
    if body.get("associationTypeId") == "{label}":
        body = {**body, "associationTypeId": a.label}
    labels_before = api.run(api.services.store.list_labels, 1, "0-2", "0-1")
    response = api.client.request(
        method,
        path_for(path, a),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    _assert_nul_400(response)
    assert api.run(api.services.store.list_labels, 1, "0-2", "0-1") == labels_before


def test_an_escaped_backslash_u0000_is_ordinary_text(
    api: Api, portal_a: tuple[PortalA, str]
) -> None:
    """``"\\\\u0000"`` is a backslash and five characters, not a NUL: stored as sent."""
    _, token = portal_a
    created = api.post("/crm/v3/objects/contacts", token, {"properties": {"firstname": "\\u0000"}})
    assert created.status_code == 201, created.text
    shown = api.get(f"/crm/v3/objects/contacts/{created.json()['id']}?properties=firstname", token)
    assert shown.json()["properties"]["firstname"] == "\\u0000"


@pytest.mark.parametrize(
    "query",
    [
        "properties=first%00name",
        "idProperty=a%00b",
        "after=1%00",
        "associations=con%00tacts",
    ],
)
def test_nul_in_query_strings_never_500(
    api: Api, portal_a: tuple[PortalA, str], query: str
) -> None:
    a, token = portal_a
    for path in ("/crm/v3/objects/companies", f"/crm/v3/objects/companies/{a.company}"):
        response = api.get(f"{path}?{query}", token)
        assert response.status_code in (200, 400, 404), (path, query, response.text[:300])
        assert response.json().get("category") != "INTERNAL_ERROR"
