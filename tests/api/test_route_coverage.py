"""Every HubSpot operation we claim (docs/compatibility.md, reference sections 1, 2, 1.11)
is routed, under every path form HubSpot's clients use — the stripe-mock habit: a route
that goes missing fails here, not in a user's integration."""

from __future__ import annotations

import pytest

from assocdb.http.routes import OPERATIONS

ROUTED = {(op.method, op.path) for op in OPERATIONS}

# (method, path) with HubSpot's own parameter names.
RECORD_ASSOCIATIONS = [
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/read"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/create"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/archive"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/labels/archive"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/associate/default"),
    ("GET", "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}"),
    ("PUT", "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}/{{toObjectId}}"),
    ("DELETE", "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}/{{toObjectId}}"),
    (
        "PUT",
        "{o}/{{fromObjectType}}/{{fromObjectId}}/associations/default/{{toObjectType}}"
        "/{{toObjectId}}",
    ),
]
SCHEMA = [
    ("GET", "{s}/{{fromObjectType}}/{{toObjectType}}/labels"),
    ("POST", "{s}/{{fromObjectType}}/{{toObjectType}}/labels"),
    ("PUT", "{s}/{{fromObjectType}}/{{toObjectType}}/labels"),
    ("DELETE", "{s}/{{fromObjectType}}/{{toObjectType}}/labels/{{associationTypeId}}"),
    ("GET", "{s}/definitions/configurations/all"),
    ("GET", "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}"),
    ("POST", "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/create"),
    ("POST", "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/update"),
    ("POST", "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/purge"),
]
OBJECTS = [
    ("POST", "{c}/{{objectType}}"),
    ("GET", "{c}/{{objectType}}"),
    ("GET", "{c}/{{objectType}}/{{objectId}}"),
    ("PATCH", "{c}/{{objectType}}/{{objectId}}"),
    ("DELETE", "{c}/{{objectType}}/{{objectId}}"),
    ("POST", "{c}/{{objectType}}/batch/create"),
    ("POST", "{c}/{{objectType}}/batch/read"),
    ("POST", "{c}/{{objectType}}/batch/update"),
    ("POST", "{c}/{{objectType}}/batch/archive"),
]

EXPECTED = sorted(
    {
        (m, p.format(a=a, o=o))
        for a, o in (
            ("/crm/v4/associations", "/crm/v4/objects"),
            ("/crm/associations/2026-03", "/crm/objects/2026-03"),
        )
        for m, p in RECORD_ASSOCIATIONS
    }
    | {
        (m, p.format(s=s))
        for s in ("/crm/v4/associations", "/crm/associations/v4", "/crm/associations/2026-03")
        for m, p in SCHEMA
    }
    | {(m, p.format(c=c)) for c in ("/crm/v3/objects", "/crm/objects/2026-03") for m, p in OBJECTS}
)


@pytest.mark.parametrize(("method", "path"), EXPECTED)
def test_every_claimed_hubspot_operation_is_routed(method: str, path: str) -> None:
    assert (method, path) in ROUTED


def test_operation_ids_are_unique() -> None:
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
