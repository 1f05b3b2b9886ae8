"""Health and our own OpenAPI document."""

from __future__ import annotations

from tests.conftest import Api


def test_health_answers_without_a_token(api: Api) -> None:
    response = api.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_our_routes_with_schemas_from_our_types(api: Api) -> None:
    response = api.client.get("/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    batch = document["paths"]["/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"]
    assert batch["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchReadRequest"
    }
    assert set(batch["post"]["responses"]) == {"200", "207", "default"}
    assert [p["name"] for p in batch["post"]["parameters"]] == ["fromObjectType", "toObjectType"]
    listing = document["paths"][
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
    ]
    assert [p["name"] for p in listing["get"]["parameters"]] == [
        "objectType",
        "objectId",
        "toObjectType",
        "limit",
        "after",
    ]
    schemas = document["components"]["schemas"]
    assert schemas["MultiAssociatedObjectWithLabel"]["properties"]["toObjectId"] == {
        "type": "integer"
    }
    assert "from" in schemas["PublicAssociationMultiWithLabel"]["properties"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
