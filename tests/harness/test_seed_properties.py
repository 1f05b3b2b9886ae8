"""Seeds and properties (seed_properties.py): a seed defines properties; properties its
records use without defining them are created as strings; seeded records are searchable."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.harness.test_admin import admin, admin_api, new_portal  # noqa: F401 (fixture)

SEED: dict[str, Any] = {
    "properties": {
        "contacts": [
            {
                "name": "tier",
                "label": "Tier",
                "type": "enumeration",
                "fieldType": "select",
                "options": [{"label": "Gold", "value": "gold"}, {"label": "Lead", "value": "lead"}],
            }
        ]
    },
    "objects": {
        "contacts": [
            {"key": "a", "properties": {"email": "a@example.com", "tier": "gold", "legacy": "L1"}},
            {"key": "b", "properties": {"email": "b@example.com", "tier": "lead"}},
        ]
    },
}


def test_seed_defines_and_registers_properties(admin_api: Api) -> None:  # noqa: F811
    token = new_portal(admin_api)
    seeded = admin(admin_api, "POST", "/portals/77/seed", SEED)
    assert seeded.status_code == 201, seeded.text
    headers = {"Authorization": f"Bearer {token}"}
    tier = admin_api.client.get("/crm/v3/properties/contacts/tier", headers=headers).json()
    assert (tier["type"], tier["fieldType"], tier["groupName"]) == (
        "enumeration",
        "select",
        "contactinformation",
    )
    assert [o["value"] for o in tier["options"]] == ["gold", "lead"]
    legacy = admin_api.client.get("/crm/v3/properties/contacts/legacy", headers=headers).json()
    assert (legacy["type"], legacy["fieldType"]) == ("string", "text")

    found = admin_api.client.post(
        "/crm/v3/objects/contacts/search",
        json={
            "filterGroups": [
                {"filters": [{"propertyName": "tier", "operator": "EQ", "value": "gold"}]}
            ],
            "properties": ["email", "legacy"],
        },
        headers=headers,
    ).json()
    assert [r["properties"]["email"] for r in found["results"]] == ["a@example.com"]
    assert found["results"][0]["properties"]["legacy"] == "L1"

    again = admin(admin_api, "POST", "/portals/77/seed", {"properties": SEED["properties"]})
    assert again.status_code == 201, again.text
