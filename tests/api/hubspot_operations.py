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

Rule = Literal["read", "write", "any"]

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
]
OBJECT_FORMS = ["/crm/v3/objects", "/crm/objects/2026-03"]

CLAIMED: dict[tuple[str, str], Rule] = {
    **{
        (m, p.format(a=a, o=o)): rule for a, o in RECORD_FORMS for m, p, rule in RECORD_ASSOCIATIONS
    },
    **{(m, p.format(s=s)): rule for s in SCHEMA_FORMS for m, p, rule in SCHEMA},
    **{(m, p.format(c=c)): rule for c in OBJECT_FORMS for m, p, rule in OBJECTS},
}
"""(method, path) → scope rule, for every path form."""
