"""Tenant isolation: every endpoint, called with portal B's token on portal A's ids, labels
and limits, reveals nothing of A and changes nothing in A.

The endpoints come from ``assocdb.http.routes.OPERATIONS``, so a new endpoint is covered
(and must get a body here, or the test fails) as soon as it is routed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assocdb.http.routes import OPERATIONS
from tests.conftest import Api

A, B = 101, 202
SECRET_NAME = "A-secret-company-name"
SECRET_ARCHIVED = "A-secret-archived-name"
SECRET_LABEL = "A secret label"
SECRET_LIMIT = 7


@dataclass
class PortalA:
    company: int
    contact: int
    hidden_contact: int  # associated with ``company`` but never named in B's requests
    archived: int
    label: int


def user(type_id: int) -> dict[str, Any]:
    return {"associationCategory": "USER_DEFINED", "associationTypeId": type_id}


def body_for(request_type: str, a: PortalA) -> Any:
    """A request body aimed at A's records, labels and limits."""
    assoc = [{"to": {"id": str(a.contact)}, "types": [user(a.label)]}]
    spec = {"category": "USER_DEFINED", "typeId": a.label}
    bodies: dict[str, Any] = {
        "BatchReadRequest": {"inputs": [{"id": str(a.company)}]},
        "BatchCreateRequest": {
            "inputs": [
                {
                    "from": {"id": str(a.company)},
                    "to": {"id": str(a.contact)},
                    "types": [user(a.label)],
                }
            ]
        },
        "BatchDefaultRequest": {
            "inputs": [{"from": {"id": str(a.company)}, "to": {"id": str(a.contact)}}]
        },
        "BatchArchiveRequest": {
            "inputs": [{"from": {"id": str(a.company)}, "to": [{"id": str(a.contact)}]}]
        },
        "list": [user(a.label)],
        "PublicAssociationDefinitionCreateRequest": {"label": "B label", "name": "b_label"},
        "PublicAssociationDefinitionUpdateRequest": {
            "associationTypeId": a.label,
            "label": "Renamed by B",
        },
        "BatchInputPublicAssociationDefinitionConfigurationCreateRequest": {
            "inputs": [{**spec, "maxToObjectIds": 1}]
        },
        "BatchInputPublicAssociationDefinitionConfigurationUpdateRequest": {
            "inputs": [{**spec, "maxToObjectIds": 1}]
        },
        "BatchInputPublicAssociationSpec": {"inputs": [spec]},
        "ObjectCreate": {"properties": {"name": "B's"}, "associations": assoc},
        "ObjectUpdateBody": {"properties": {"name": "Renamed by B"}},
        "BatchCreateObjects": {"inputs": [{"properties": {"name": "B's"}, "associations": assoc}]},
        "BatchReadObjects": {"inputs": [{"id": str(a.company)}, {"id": str(a.archived)}]},
        "BatchUpdateObjects": {
            "inputs": [{"id": str(a.company), "properties": {"name": "Renamed by B"}}]
        },
        "BatchArchiveObjects": {"inputs": [{"id": str(a.company)}, {"id": str(a.contact)}]},
        "BatchUpsertObjects": {
            "inputs": [{"id": str(a.company), "properties": {"name": "Renamed by B"}}]
        },
        # CRM resources of issue 13 (http/crm/).
        "BatchReadV3": {"inputs": [{"id": str(a.company)}]},
        "BatchWriteV3": {
            "inputs": [
                {
                    "from": {"id": str(a.company)},
                    "to": {"id": str(a.hidden_contact)},
                    "type": "company_to_contact",
                }
            ]
        },
        "PipelineIn": {
            "label": "B's",
            "displayOrder": 0,
            "stages": [{"label": "S", "displayOrder": 0, "metadata": {"probability": "0.5"}}],
        },
        "StageIn": {"label": "B's", "displayOrder": 0, "metadata": {"probability": "0.5"}},
        "MergeInput": {"primaryObjectId": str(a.company), "objectIdToMerge": str(a.archived)},
        "GdprDeleteInput": {"objectId": str(a.contact)},
        "SchemaIn": {"name": "secrets", "labels": {"singular": "S", "plural": "Ss"}},
        "SchemaPatch": {"labels": {"singular": "S", "plural": "Ss"}},
        "AssociationIn": {"fromObjectTypeId": "p101_secrets", "toObjectTypeId": "0-1"},
        "SchemaBatchReadIn": {
            "inputs": ["p101_secrets", "secrets"],
            "includeAssociationDefinitions": True,
            "includeAuditMetadata": False,
            "includePropertyDefinitions": True,
        },
        "SearchRequest": {
            "filterGroups": [{"filters": [{"propertyName": "name", "operator": "HAS_PROPERTY"}]}]
        },
        "PropertyCreate": PROPERTY,
        "PropertyUpdate": {"label": "Renamed by B"},
        "BatchPropertyCreate": {"inputs": [PROPERTY]},
        "BatchReadProperties": {"inputs": [{"name": "name"}]},
        "BatchPropertyNames": {"inputs": [{"name": "name"}]},
        "PropertyGroupCreate": {"name": "b_group", "label": "B group"},
        "PropertyGroupUpdate": {"label": "Renamed by B"},
    }
    return bodies[request_type]


PROPERTY = {
    "name": "b_property",
    "label": "B property",
    "type": "string",
    "fieldType": "text",
    "groupName": "companyinformation",
}


def path_for(template: str, a: PortalA) -> str:
    values = {
        "fromObjectType": "companies",
        "objectType": "companies",
        "toObjectType": "contacts",
        "objectId": str(a.company),
        "fromObjectId": str(a.company),
        "toObjectId": str(a.contact),
        "associationTypeId": str(a.label),
        "pipelineId": "default",
        "stageId": "closedwon",
        "ownerId": "10000001",
        "schemaType": "p101_secrets",
        "associationIdentifier": str(a.label),
        "propertyName": "name",
        "groupName": "companyinformation",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], template)


def snapshot(api: Api, a: PortalA) -> dict[str, Any]:
    store = api.services.store
    state: dict[str, Any] = {}
    for object_type in ("0-1", "0-2"):
        state[f"objects {object_type}"] = api.run(store.list_objects, A, object_type, 0, 1000)
        state[f"archived {object_type}"] = api.run(
            store.list_archived_objects, A, object_type, 0, 1000
        )
    ids = [(a.company, -1)]
    state["edges"] = api.run(store.read_pages, A, "0-2", "0-1", ids, 1000)
    state["inverse"] = api.run(
        store.read_pages, A, "0-1", "0-2", [(a.contact, -1), (a.hidden_contact, -1)], 1000
    )
    state["labels"] = api.run(store.list_labels, A, "0-2", "0-1")
    state["limits"] = api.run(store.list_all_limits, A)
    return state


def setup_a(api: Api) -> tuple[PortalA, str]:
    api.portal(A)
    token = api.token(A)
    company = api.post("/crm/v3/objects/companies", token, {"properties": {"name": SECRET_NAME}})
    archived = api.post(
        "/crm/v3/objects/companies", token, {"properties": {"name": SECRET_ARCHIVED}}
    )
    (contact, hidden) = api.objects(A, "contacts", 2)
    company_id, archived_id = int(company.json()["id"]), int(archived.json()["id"])
    api.label(A, "companies", "contacts", "a_secret", SECRET_LABEL)
    (label_def,) = api.run(api.services.store.list_labels, A, "0-2", "0-1")
    label = label_def.type_id
    api.associate(A, "companies", "contacts", [(company_id, contact), (company_id, hidden)])
    response = api.post(
        "/crm/v4/associations/companies/contacts/batch/create",
        token,
        {
            "inputs": [
                {"from": {"id": str(company_id)}, "to": {"id": str(hidden)}, "types": [user(label)]}
            ]
        },
    )
    assert response.status_code in (200, 201), response.text
    response = api.post(
        "/crm/associations/v4/definitions/configurations/companies/contacts/batch/create",
        token,
        {"inputs": [{"category": "USER_DEFINED", "typeId": label, "maxToObjectIds": SECRET_LIMIT}]},
    )
    assert response.status_code in (200, 201), response.text
    assert (
        api.client.delete(
            f"/crm/v3/objects/companies/{archived_id}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )
    return PortalA(company_id, contact, hidden, archived_id, label), token


def test_portal_b_can_neither_see_nor_change_portal_a(api: Api) -> None:
    a, token_a = setup_a(api)
    api.portal(B)
    token_b = api.token(B)
    before = snapshot(api, a)
    assert before["edges"][0]
    assert before["labels"]
    assert before["limits"]
    secrets = [SECRET_NAME, SECRET_ARCHIVED, SECRET_LABEL, str(a.hidden_contact), "a_secret"]

    called = 0
    for op in OPERATIONS:
        if op.access is None:
            continue
        path = path_for(op.path, a)
        queries = [""]
        names = {q.name for q in op.query}
        if "archived" in names:
            queries.append("?archived=true")
        if "associations" in names:
            queries.append("?associations=contacts&properties=name")
        for query in queries:
            kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token_b}"}}
            if op.request is not None:
                kwargs["json"] = body_for(op.request.__name__, a)
            response = api.client.request(op.method, path + query, **kwargs)
            called += 1
            where = f"{op.method} {path}{query} -> {response.status_code} {response.text[:300]}"
            assert response.status_code < 500, where
            for secret in secrets:
                assert secret not in response.text, where
            assert f'"userEnforcedMaxToObjectIds":{SECRET_LIMIT}' not in response.text, where
            assert snapshot(api, a) == before, where
    assert called >= len([op for op in OPERATIONS if op.access is not None])

    # A's own token still sees all of it: the checks above could have failed.
    response = api.post(
        "/crm/v4/associations/companies/contacts/batch/read",
        token_a,
        {"inputs": [{"id": str(a.company)}]},
    )
    assert str(a.hidden_contact) in response.text
    assert SECRET_LABEL in response.text
    read = api.get(f"/crm/v3/objects/companies/{a.company}?properties=name", token_a)
    assert SECRET_NAME in read.text
