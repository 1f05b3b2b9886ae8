"""Every route's scope requirement, on both backends: a token with only ``content`` (a real
HubSpot scope that grants no CRM object) gets HubSpot's 403 everywhere, the type-less
``…/definitions/configurations/all`` included; a token with one right scope gets through.

The expected rule of each route comes from tests/api/hubspot_operations.py, not from the
route table, so a rule that changes in src/ fails here."""

from __future__ import annotations

import re
from typing import Any

from assocdb.http.routes import OPERATIONS
from assocdb.http.scopes import CRM_OBJECT_SCOPES
from tests.api.hubspot_operations import CLAIMED, fixed_scopes
from tests.conftest import Api

PORTAL = 1
AUTHENTICATED = [op for op in OPERATIONS if op.required_scopes]

CONTACT_READ = [
    "crm.objects.contacts.read",
    "crm.objects.contacts.sensitive.read.v2",
    "crm.objects.contacts.highly_sensitive.read.v2",
]
CONTACT_WRITE = [
    "crm.objects.contacts.write",
    "crm.objects.contacts.sensitive.write.v2",
    "crm.objects.contacts.highly_sensitive.write.v2",
]
COMPANY_READ = [
    "crm.objects.companies.read",
    "crm.objects.companies.sensitive.read.v2",
    "crm.objects.companies.highly_sensitive.read.v2",
]
SCHEMA_READ = [
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    *CONTACT_READ,
    *CONTACT_WRITE,
]
FIRST_MISSING = {
    "read": CONTACT_READ,
    "write": CONTACT_WRITE,
    "any": list(CRM_OBJECT_SCOPES),
    "schema-read": SCHEMA_READ,
    "schema-write": ["crm.schemas.contacts.write"],
}
"""What a content-only token is told it lacks: the from side is always contacts here."""


def _path(template: str, to_type: str) -> str:
    values = {
        "fromObjectType": "contacts",
        "objectType": "contacts",
        "toObjectType": to_type,
        "objectId": "1",
        "fromObjectId": "1",
        "toObjectId": "2",
        "associationTypeId": "1",
        "ownerId": "1",
        "pipelineId": "default",
        "stageId": "closedwon",
        "schemaType": "cars",
        "associationIdentifier": "1",
        "propertyName": "email",
        "groupName": "contactinformation",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], template)


def _call(api: Api, method: str, path: str, token: str) -> Any:
    # No body: the scope check comes before the body is read, so it must answer 403.
    return api.client.request(method, path, headers={"Authorization": f"Bearer {token}"})


def _missing_scopes(response: Any, scopes: list[str]) -> dict[str, Any]:
    return {
        "status": "error",
        "message": (
            "This app hasn't been granted all required scopes to make this call. Read more "
            "about required scopes here: https://developers.hubspot.com/scopes."
        ),
        "correlationId": response.headers["x-hubspot-correlation-id"],
        "category": "MISSING_SCOPES",
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": scopes},
            }
        ],
        "links": {"scopes": "https://developers.hubspot.com/scopes"},
    }


def test_a_content_only_token_is_refused_by_every_route(api: Api) -> None:
    api.portal(PORTAL)
    token = api.token(PORTAL, ["content"])
    wrong: list[str] = []
    for op in AUTHENTICATED:
        response = _call(api, op.method, _path(op.path, "companies"), token)
        rule = CLAIMED[op.method, op.path]
        scopes = fixed_scopes(op.method, op.path) if rule == "fixed" else FIRST_MISSING[rule]
        expected = _missing_scopes(response, scopes)
        if response.status_code != 403 or response.json() != expected:
            wrong.append(f"{op.method} {op.path}: {response.status_code} {response.text[:200]}")
    assert wrong == []
    # + issue 13's (with pipeline audits and schemas batch read), issue 12's
    assert len(AUTHENTICATED) == len(CLAIMED) == 63 + 42 + 4 + 15


def test_the_typeless_limits_route_refuses_content_with_hubspots_body(api: Api) -> None:
    api.portal(PORTAL)
    token = api.token(PORTAL, ["content", "crm.schemas.contacts.read", "oauth"])
    api.label(PORTAL, "contacts", "companies", "secret", "Secret label")
    for prefix in ("/crm/associations/v4", "/crm/v4/associations", "/crm/associations/2026-03"):
        response = api.get(prefix + "/definitions/configurations/all", token)

        assert response.status_code == 403
        body = response.json()
        assert body == _missing_scopes(response, list(CRM_OBJECT_SCOPES))
        assert "Secret label" not in response.text


def test_one_right_scope_is_enough_for_every_route(api: Api) -> None:
    """Reads on a contacts→contacts path need only the contacts read scope, writes only the
    write scope of the side being changed (contacts→companies), and the type-less route
    any one CRM object scope — here one for an object assocdb does not even serve."""
    api.portal(PORTAL)
    tokens = {
        "read": (api.token(PORTAL, ["crm.objects.contacts.read"]), "contacts"),
        "write": (api.token(PORTAL, ["crm.objects.contacts.write"]), "companies"),
        "any": (api.token(PORTAL, ["crm.objects.listings.read"]), "contacts"),
        "schema-read": (api.token(PORTAL, ["crm.schemas.contacts.read"]), "contacts"),
        "schema-write": (api.token(PORTAL, ["crm.schemas.contacts.write"]), "contacts"),
    }
    refused: list[str] = []
    for op in AUTHENTICATED:
        rule = CLAIMED[op.method, op.path]
        if rule == "fixed":
            first = fixed_scopes(op.method, op.path)[0]
            tokens["fixed"] = (api.token(PORTAL, [first]), "contacts")
        token, to_type = tokens[rule]
        response = _call(api, op.method, _path(op.path, to_type), token)
        if response.status_code in (401, 403):
            refused.append(f"{op.method} {op.path}: {response.status_code}")
    assert refused == []


def test_the_typeless_limits_route_answers_any_crm_object_scope(api: Api) -> None:
    api.portal(PORTAL)
    for scope in ("crm.objects.deals.write", "tickets", "e-commerce"):
        token = api.token(PORTAL, [scope])
        response = api.get("/crm/v4/associations/definitions/configurations/all", token)

        assert response.status_code == 200
        assert response.json() == {"results": []}


def test_reads_need_the_read_scope_of_both_sides(api: Api) -> None:
    api.portal(PORTAL)
    token = api.token(PORTAL, ["crm.objects.contacts.read", "crm.objects.companies.write"])
    wrong: list[str] = []
    for op in AUTHENTICATED:
        if CLAIMED[op.method, op.path] != "read" or "{toObjectType}" not in op.path:
            continue
        response = _call(api, op.method, _path(op.path, "companies"), token)
        if response.status_code != 403 or response.json() != _missing_scopes(
            response, COMPANY_READ
        ):
            wrong.append(f"{op.method} {op.path}: {response.status_code}")
    assert wrong == []


def test_openapi_shows_each_operations_scopes_as_security(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]

    limits = paths["/crm/associations/v4/definitions/configurations/all"]["get"]
    assert limits["security"] == [{"bearer": [s]} for s in CRM_OBJECT_SCOPES]
    assert limits["x-required-scopes"] == [{"anyOf": list(CRM_OBJECT_SCOPES)}]
    batch_read = paths["/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"]["post"]
    assert batch_read["x-required-scopes"] == [
        {"objectType": "fromObjectType", "access": "read"},
        {"objectType": "toObjectType", "access": "read"},
    ]
    assert batch_read["x-batch-limit"] == 1000
    assert {"bearer": ["crm.objects.contacts.read"]} in batch_read["security"]
    assert {"bearer": ["crm.objects.contacts.write"]} not in batch_read["security"]
    archive = paths["/crm/objects/2026-03/{objectType}/{objectId}"]["delete"]
    assert archive["x-required-scopes"] == [{"objectType": "objectType", "access": "write"}]
    assert {"bearer": ["tickets"]} in archive["security"]
    assert "security" not in paths["/healthz"]["get"]


def test_activity_and_ticket_scopes_from_hubspots_list_are_accepted(api: Api) -> None:
    """HubSpot's associations pages accept crm.objects.notes.read (and calls, emails,
    meetings, tasks) and the unversioned crm.objects.tickets.sensitive.* scopes."""
    api.portal(PORTAL)
    notes = api.token(PORTAL, ["crm.objects.notes.read"])
    tickets = api.token(PORTAL, ["crm.objects.tickets.sensitive.read"])
    listing = "/crm/v4/objects/{0}/1/associations/{0}"

    assert api.get(listing.format("notes"), notes).json() == {"results": []}
    assert api.get(listing.format("tickets"), tickets).json() == {"results": []}
    assert api.get(listing.format("calls"), notes).status_code == 403
    # Read-only: writing notes still needs the contacts write scope.
    written = _call(api, "DELETE", "/crm/v4/objects/notes/1/associations/notes/2", notes)
    assert written.status_code == 403
    assert written.json() == _missing_scopes(written, CONTACT_WRITE)
