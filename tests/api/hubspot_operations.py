"""The HubSpot operations assocdb claims to reproduce, written down independently of the
route table (from HubSpot's reference pages, not generated from anything in src/).

Each entry: method, path with HubSpot's own parameter names, and the scope rule:
- "read": a read scope of every object type in the path (HubSpot's per-object rule,
  https://developers.hubspot.com/scopes; [inferred] for association routes, whose pages list
  only the broader set);
- "write": a write scope of the first object type (the side being changed);
- "any": any one CRM object scope — the set HubSpot's associations pages list, applied as is
  where the path names no object type, e.g.
  https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/get-all-associations-limits

Each operation is claimed under every path form HubSpot's clients use.
"""

from __future__ import annotations

from typing import Literal

Rule = Literal["read", "write", "any", "fixed", "schema-read", "schema-write"]
"""... "fixed": one named OR-set of the resource's own scopes (owners, custom object
schemas, account information), as each resource's page lists them; "schema-read" /
"schema-write": crm.schemas.{type}.read|write of the path's object type."""

# Record associations v4: {a} the batch prefix, {o} the record prefix.
RECORD_ASSOCIATIONS: list[tuple[str, str, Rule]] = [
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/read", "read"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/create", "write"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/archive", "write"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/labels/archive", "write"),
    ("POST", "{a}/{{fromObjectType}}/{{toObjectType}}/batch/associate/default", "write"),
    ("GET", "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}", "read"),
    (
        "PUT",
        "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}/{{toObjectId}}",
        "write",
    ),
    (
        "DELETE",
        "{o}/{{objectType}}/{{objectId}}/associations/{{toObjectType}}/{{toObjectId}}",
        "write",
    ),
    (
        "PUT",
        "{o}/{{fromObjectType}}/{{fromObjectId}}/associations/default/{{toObjectType}}"
        "/{{toObjectId}}",
        "write",
    ),
]
RECORD_FORMS = [
    ("/crm/v4/associations", "/crm/v4/objects"),
    ("/crm/associations/2026-03", "/crm/objects/2026-03"),
]

# Association schema: labels and limits ("definitions/configurations").
SCHEMA: list[tuple[str, str, Rule]] = [
    ("GET", "{s}/{{fromObjectType}}/{{toObjectType}}/labels", "read"),
    ("POST", "{s}/{{fromObjectType}}/{{toObjectType}}/labels", "write"),
    ("PUT", "{s}/{{fromObjectType}}/{{toObjectType}}/labels", "write"),
    ("DELETE", "{s}/{{fromObjectType}}/{{toObjectType}}/labels/{{associationTypeId}}", "write"),
    ("GET", "{s}/definitions/configurations/all", "any"),
    ("GET", "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}", "read"),
    (
        "POST",
        "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/create",
        "write",
    ),
    (
        "POST",
        "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/update",
        "write",
    ),
    (
        "POST",
        "{s}/definitions/configurations/{{fromObjectType}}/{{toObjectType}}/batch/purge",
        "write",
    ),
]
SCHEMA_FORMS = ["/crm/associations/v4", "/crm/v4/associations", "/crm/associations/2026-03"]

# CRM objects v3: reads (GET, batch/read) need the read scope, the rest the write scope, as
# each object's page lists, e.g.
# https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/guide
OBJECTS: list[tuple[str, str, Rule]] = [
    ("POST", "{c}/{{objectType}}", "write"),
    ("GET", "{c}/{{objectType}}", "read"),
    ("GET", "{c}/{{objectType}}/{{objectId}}", "read"),
    ("PATCH", "{c}/{{objectType}}/{{objectId}}", "write"),
    ("DELETE", "{c}/{{objectType}}/{{objectId}}", "write"),
    ("POST", "{c}/{{objectType}}/batch/create", "write"),
    ("POST", "{c}/{{objectType}}/batch/read", "read"),
    ("POST", "{c}/{{objectType}}/batch/update", "write"),
    ("POST", "{c}/{{objectType}}/batch/archive", "write"),
    # Upsert by a unique property value, e.g.
    # https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/contacts/batch/upsert-contacts
    ("POST", "{c}/{{objectType}}/batch/upsert", "write"),
    # Search reads: https://developers.hubspot.com/docs/guides/api/crm/search
    ("POST", "{c}/{{objectType}}/search", "read"),
]
OBJECT_FORMS = ["/crm/v3/objects", "/crm/objects/2026-03"]

# Issue 13: the rest of the CRM a sync touches. v3 associations
# (https://developers.hubspot.com/docs/api/crm/associations/v3), owners
# (https://developers.hubspot.com/docs/api/crm/owners), pipelines
# (https://developers.hubspot.com/docs/api/crm/pipelines), account information
# (https://developers.hubspot.com/docs/api/settings/account-information-api), merge and GDPR
# delete (the objects pages), custom object schemas
# (https://developers.hubspot.com/docs/api/crm/crm-custom-objects). The schemas' path
# parameter is named {schemaType} in our table (HubSpot: {objectType}) so that an archived
# schema is not resolved as a record type.
_PIPE = "/crm/v3/pipelines/{objectType}"
CRM_MORE: list[tuple[str, str, Rule]] = [
    ("POST", "/crm/v3/associations/{fromObjectType}/{toObjectType}/batch/read", "read"),
    ("POST", "/crm/v3/associations/{fromObjectType}/{toObjectType}/batch/create", "write"),
    ("POST", "/crm/v3/associations/{fromObjectType}/{toObjectType}/batch/archive", "write"),
    ("GET", "/crm/v3/associations/{fromObjectType}/{toObjectType}/types", "read"),
    ("GET", "/crm/v3/owners/", "fixed"),
    ("GET", "/crm/v3/owners", "fixed"),
    ("GET", "/crm/v3/owners/{ownerId}", "fixed"),
    ("GET", _PIPE, "read"),
    ("POST", _PIPE, "write"),
    ("GET", _PIPE + "/{pipelineId}", "read"),
    ("PUT", _PIPE + "/{pipelineId}", "write"),
    ("PATCH", _PIPE + "/{pipelineId}", "write"),
    ("DELETE", _PIPE + "/{pipelineId}", "write"),
    ("GET", _PIPE + "/{pipelineId}/stages", "read"),
    ("POST", _PIPE + "/{pipelineId}/stages", "write"),
    ("GET", _PIPE + "/{pipelineId}/stages/{stageId}", "read"),
    ("PUT", _PIPE + "/{pipelineId}/stages/{stageId}", "write"),
    ("PATCH", _PIPE + "/{pipelineId}/stages/{stageId}", "write"),
    ("DELETE", _PIPE + "/{pipelineId}/stages/{stageId}", "write"),
    # Audits read like the pipelines they describe
    # (https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/get-pipelines-audit).
    ("GET", _PIPE + "/{pipelineId}/audit", "read"),
    ("GET", _PIPE + "/{pipelineId}/stages/{stageId}/audit", "read"),
    ("GET", "/account-info/v3/details", "fixed"),
    ("GET", "/account-info/v3/api-usage/daily/private-apps", "fixed"),
    ("GET", "/account-info/v3/api-usage/daily", "fixed"),
    *[
        (m, c + p, "write")
        for c in OBJECT_FORMS
        for m, p in (("POST", "/{objectType}/merge"), ("POST", "/{objectType}/gdpr-delete"))
    ],
    *[
        (m, s + p, "fixed")
        for s in ("/crm-object-schemas/v3/schemas", "/crm/v3/schemas")
        for m, p in (
            ("GET", ""),
            ("POST", ""),
            ("GET", "/{schemaType}"),
            ("PATCH", "/{schemaType}"),
            ("DELETE", "/{schemaType}"),
            ("POST", "/{schemaType}/associations"),
            ("DELETE", "/{schemaType}/associations/{associationIdentifier}"),
            ("POST", "/batch/read"),
        )
    ],
]

# Properties v3: "schema-read" / "schema-write" are crm.schemas.{type}.read|write, as the
# properties reference lists them
# (https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide).
PROPERTIES: list[tuple[str, str, Rule]] = [
    ("GET", "/crm/v3/properties/{objectType}", "schema-read"),
    ("POST", "/crm/v3/properties/{objectType}", "schema-write"),
    ("GET", "/crm/v3/properties/{objectType}/{propertyName}", "schema-read"),
    ("PATCH", "/crm/v3/properties/{objectType}/{propertyName}", "schema-write"),
    ("DELETE", "/crm/v3/properties/{objectType}/{propertyName}", "schema-write"),
    ("POST", "/crm/v3/properties/{objectType}/batch/create", "schema-write"),
    ("POST", "/crm/v3/properties/{objectType}/batch/read", "schema-read"),
    ("POST", "/crm/v3/properties/{objectType}/batch/archive", "schema-write"),
    ("GET", "/crm/v3/properties/{objectType}/groups", "schema-read"),
    ("POST", "/crm/v3/properties/{objectType}/groups", "schema-write"),
    ("GET", "/crm/v3/properties/{objectType}/groups/{groupName}", "schema-read"),
    ("PATCH", "/crm/v3/properties/{objectType}/groups/{groupName}", "schema-write"),
    ("DELETE", "/crm/v3/properties/{objectType}/groups/{groupName}", "schema-write"),
]

CLAIMED: dict[tuple[str, str], Rule] = {
    **{
        (m, p.format(a=a, o=o)): rule for a, o in RECORD_FORMS for m, p, rule in RECORD_ASSOCIATIONS
    },
    **{(m, p.format(s=s)): rule for s in SCHEMA_FORMS for m, p, rule in SCHEMA},
    **{(m, p.format(c=c)): rule for c in OBJECT_FORMS for m, p, rule in OBJECTS},
    **{(m, p): rule for m, p, rule in CRM_MORE},
    **{(m, p): rule for m, p, rule in PROPERTIES},
}
"""(method, path) → scope rule, for every path form."""


def fixed_scopes(method: str, path: str) -> list[str]:
    """The OR-set of a "fixed" operation, in the order assocdb reports it, as HubSpot's pages
    list it: owners ``crm.objects.owners.read`` (or the older ``automation``); schemas
    ``crm.schemas.custom.read`` or a custom objects read scope to read,
    ``crm.schemas.custom.write`` to write; account information ``oauth`` (assocdb also takes
    any CRM object scope there)."""
    from assocdb.http.scopes import CRM_OBJECT_SCOPES  # the list HubSpot's pages give

    if path.startswith("/crm/v3/owners"):
        return ["crm.objects.owners.read", "automation"]
    if path.startswith("/account-info/"):
        return ["oauth", *CRM_OBJECT_SCOPES]
    if method == "GET" or path.endswith("/batch/read"):  # schemas batch read only reads
        return [
            "crm.schemas.custom.read",
            "crm.objects.custom.read",
            "crm.objects.custom.sensitive.read.v2",
        ]
    return ["crm.schemas.custom.write"]
