"""Custom object schemas: the schemas API, records of a custom type through the objects
routes by id, name and fully qualified name, and v4 associations with its default type."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

SCHEMAS = "/crm-object-schemas/v3/schemas"
CAR = {
    "name": "cars",
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model",
    "requiredProperties": ["model"],
    "searchableProperties": ["model"],
    "properties": [{"name": "model", "label": "Model", "type": "string", "fieldType": "text"}],
    "associatedObjects": ["CONTACT"],
}


def bare(item: Any) -> Any:
    if isinstance(item, list):
        return [bare(i) for i in item]
    if isinstance(item, dict):
        return {k: bare(v) for k, v in item.items() if k not in ("createdAt", "updatedAt")}
    return item


@pytest.fixture
def token(api: Api) -> str:
    api.portal(7)
    return api.token(7)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_and_read_a_schema(api: Api, token: str) -> None:
    made = api.post(SCHEMAS, token, CAR)
    assert made.status_code == 201, made.text
    body = made.json()
    type_id = body["objectTypeId"]
    association_id = body["associations"][0]["id"]
    assert bare(body) == {
        "id": type_id.removeprefix("2-"),
        "objectTypeId": type_id,
        "name": "cars",
        "fullyQualifiedName": "p7_cars",
        "labels": {"singular": "Car", "plural": "Cars"},
        "primaryDisplayProperty": "model",
        "requiredProperties": ["model"],
        "searchableProperties": ["model"],
        "secondaryDisplayProperties": [],
        "properties": [
            {
                "name": "model",
                "label": "Model",
                "type": "string",
                "fieldType": "text",
                "description": "",
                "groupName": "cars_information",
                "options": [],
                "displayOrder": 0,
                "hasUniqueValue": False,
                "hidden": False,
                "formField": False,
                "calculated": False,
                "externalOptions": False,
                "hubspotDefined": False,
                "archived": False,
            }
        ],
        "associations": [
            {
                "id": association_id,
                "fromObjectTypeId": type_id,
                "toObjectTypeId": "0-1",
                "name": "p7_cars_to_contact",
            }
        ],
        "archived": False,
    }
    assert type_id == "2-1000001"
    for name in (type_id, "cars", "p7_cars"):
        assert api.get(f"{SCHEMAS}/{name}", token).json()["objectTypeId"] == type_id
    listed = api.get("/crm/v3/schemas", token).json()["results"]
    assert [s["objectTypeId"] for s in listed] == [type_id]


def test_records_and_associations_of_a_custom_type(api: Api, token: str) -> None:
    type_id = api.post(SCHEMAS, token, CAR).json()["objectTypeId"]
    ids = []
    for name in (type_id, "p7_cars", "cars"):
        made = api.post(f"/crm/v3/objects/{name}", token, {"properties": {"model": name}})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    listed = api.get("/crm/objects/2026-03/p7_cars?properties=model", token).json()["results"]
    assert [r["properties"]["model"] for r in listed] == [type_id, "p7_cars", "cars"]
    (contact,) = api.objects(7, "contacts", 1)
    linked = api.client.put(
        f"/crm/v4/objects/cars/{ids[0]}/associations/default/contacts/{contact}",
        headers=_auth(token),
    )
    assert linked.status_code == 200, linked.text
    back = api.post(
        "/crm/v4/associations/contacts/p7_cars/batch/read", token, {"inputs": [{"id": contact}]}
    )
    (result,) = back.json()["results"]
    assert [(t["toObjectId"], t["associationTypes"]) for t in result["to"]] == [
        (int(ids[0]), [{"category": "USER_DEFINED", "typeId": 101, "label": None}])
    ]
    forward = api.post(
        f"/crm/v4/associations/{type_id}/contacts/batch/read", token, {"inputs": [{"id": ids[0]}]}
    )
    assert forward.json()["results"][0]["to"][0]["associationTypes"] == [
        {"category": "USER_DEFINED", "typeId": 100, "label": None}
    ]
    # v3 reads name the type by its definition's name.
    v3 = api.get(f"/crm/v3/objects/{type_id}/{ids[0]}?associations=contacts", token).json()
    assert v3["associations"]["contacts"]["results"] == [
        {"id": str(contact), "type": "p7_cars_to_contact"}
    ]


def test_unknown_names_and_other_portals_are_not_resolved(api: Api, token: str) -> None:
    api.post(SCHEMAS, token, CAR)
    api.portal(8)
    other = api.token(8)
    response = api.post("/crm/v3/objects/p7_cars", other, {"properties": {}})
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: p7_cars"
    assert api.get(f"{SCHEMAS}/cars", other).status_code == 404


def test_schema_errors_and_deletion(api: Api, token: str) -> None:
    type_id = api.post(SCHEMAS, token, CAR).json()["objectTypeId"]
    again = api.post(SCHEMAS, token, CAR)
    assert again.status_code == 400
    assert again.json()["message"] == "An object type named 'cars' already exists."
    bad = api.post(SCHEMAS, token, {**CAR, "name": "boats", "requiredProperties": ["x"]})
    assert bad.status_code == 400
    standard = api.post(SCHEMAS, token, {**CAR, "name": "contacts"})
    assert standard.status_code == 400
    made = api.post(f"/crm/v3/objects/{type_id}", token, {"properties": {"model": "T"}}).json()
    busy = api.client.delete(f"{SCHEMAS}/cars", headers=_auth(token))
    assert busy.status_code == 400
    assert busy.json()["message"] == "Object type cars still has records: delete them first."
    api.client.delete(f"/crm/v3/objects/cars/{made['id']}", headers=_auth(token))
    # Archived records do not block; archiving hides the schema, a second DELETE purges it.
    assert api.client.delete(f"{SCHEMAS}/cars", headers=_auth(token)).status_code == 204
    assert api.get(f"{SCHEMAS}/cars", token).status_code == 404
    archived = api.get(f"{SCHEMAS}?archived=true", token).json()["results"]
    assert [s["archived"] for s in archived] == [True]
    purge = api.client.delete(f"{SCHEMAS}/cars?archived=true", headers=_auth(token))
    assert purge.status_code == 204
    assert api.get(f"{SCHEMAS}?archived=true", token).json() == {"results": []}
    # The name is free again.
    assert api.post(SCHEMAS, token, CAR).status_code == 201


def test_patch_and_association_definitions(api: Api, token: str) -> None:
    api.post(SCHEMAS, token, {**CAR, "associatedObjects": []})
    patched = api.client.patch(
        f"{SCHEMAS}/cars",
        json={"labels": {"singular": "Auto", "plural": "Autos"}},
        headers=_auth(token),
    )
    assert patched.json()["labels"] == {"singular": "Auto", "plural": "Autos"}
    made = api.post(
        f"{SCHEMAS}/cars/associations",
        token,
        {"fromObjectTypeId": "p7_cars", "toObjectTypeId": "0-2", "name": "car_to_company"},
    )
    assert made.status_code == 201
    assert bare(made.json()) == {
        "id": made.json()["id"],
        "fromObjectTypeId": "2-1000001",
        "toObjectTypeId": "0-2",
        "name": "car_to_company",
    }
    gone = api.client.delete(
        f"{SCHEMAS}/cars/associations/{made.json()['id']}", headers=_auth(token)
    )
    assert gone.status_code == 204
    assert api.get(f"{SCHEMAS}/cars", token).json()["associations"] == []


def test_scopes(api: Api, token: str) -> None:
    reader = api.token(7, ["crm.schemas.custom.read"])
    assert api.get(SCHEMAS, reader).status_code == 200
    assert api.post(SCHEMAS, reader, CAR).status_code == 403


def test_labels_on_a_custom_object_pair(api: Api, token: str) -> None:
    type_id = api.post(SCHEMAS, token, CAR).json()["objectTypeId"]
    labels = "/crm/associations/v4/p7_cars/contacts/labels"
    made = api.post(labels, token, {"label": "Driver", "name": "driver"})
    assert made.status_code == 200, made.text
    listed = api.get(labels, token).json()["results"]
    assert [(t["category"], t["label"]) for t in listed] == [
        ("USER_DEFINED", None),
        ("USER_DEFINED", "Driver"),
    ]
    driver = next(t["typeId"] for t in listed if t["label"] == "Driver")
    car = api.post(f"/crm/v3/objects/{type_id}", token, {"properties": {"model": "T"}}).json()
    (contact,) = api.objects(7, "contacts", 1)
    put = api.client.put(
        f"/crm/v4/objects/cars/{car['id']}/associations/contacts/{contact}",
        json=[{"associationCategory": "USER_DEFINED", "associationTypeId": driver}],
        headers=_auth(token),
    )
    assert put.status_code == 201, put.text
    assert put.json()["labels"] == ["Driver"]
    # The schema's unlabeled type is not a label: it cannot be renamed or deleted.
    gone = api.client.delete(f"{labels}/100", headers=_auth(token))
    assert gone.status_code == 400


def test_batch_read_by_id_name_and_fully_qualified_name(api: Api, token: str) -> None:
    """``POST /crm-object-schemas/v3/schemas/batch/read`` (HubSpot's
    ``ObjectSchemaBatchReadRequest``): each schema once, in input order; unknown inputs are
    left out; more than 100 inputs or an input over 200 characters is a 400."""
    car = api.post(SCHEMAS, token, CAR).json()
    boat = api.post(
        SCHEMAS, token, {**CAR, "name": "boats", "labels": {"singular": "Boat", "plural": "Boats"}}
    ).json()
    flags = {
        "includeAssociationDefinitions": True,
        "includeAuditMetadata": False,
        "includePropertyDefinitions": True,
    }
    for base in (SCHEMAS, "/crm/v3/schemas"):
        read = api.post(
            f"{base}/batch/read",
            token,
            {**flags, "inputs": ["p7_boats", "nope", car["objectTypeId"], "cars", "boats"]},
        )
        assert read.status_code == 200, read.text
        assert bare(read.json()) == {"results": [bare(boat), bare(car)]}
    assert api.post(f"{SCHEMAS}/batch/read", token, {**flags, "inputs": []}).json() == {
        "results": []
    }
    too_many = api.post(f"{SCHEMAS}/batch/read", token, {**flags, "inputs": ["x"] * 101})
    assert too_many.status_code == 400
    assert too_many.json()["category"] == "VALIDATION_ERROR"
    too_long = api.post(f"{SCHEMAS}/batch/read", token, {**flags, "inputs": ["x" * 201]})
    assert too_long.status_code == 400
    no_inputs = api.post(f"{SCHEMAS}/batch/read", token, flags)
    assert no_inputs.status_code == 400
