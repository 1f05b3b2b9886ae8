"""``propertiesWithHistory`` on GET, list and batch read (docs/crm.md, "Property history"):
versions written by every record write, newest first, bounded, gone with a GDPR delete.

HubSpot: https://developers.hubspot.com/docs/api/crm/understanding-the-crm
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from assocdb.domain.history import MAX_VERSIONS
from tests.conftest import Api

V3 = "/crm/v3/objects"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def contact(api: Api, token: str, properties: dict[str, str]) -> str:
    made = api.post(f"{V3}/contacts", token, {"properties": properties})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def patch(api: Api, token: str, object_id: str, properties: dict[str, str]) -> None:
    done = api.client.patch(
        f"{V3}/contacts/{object_id}",
        json={"properties": properties},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert done.status_code == 200, done.text


def versions(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(value, sourceType) of each version, after checking the timestamps: ISO with
    milliseconds, newest first."""
    stamps = [e.pop("timestamp") for e in entries]
    assert all(ISO_MS.match(s) for s in stamps), stamps
    assert stamps == sorted(stamps, reverse=True)
    assert all(set(e) == {"value", "sourceType"} for e in entries), entries
    return [(e["value"], e["sourceType"]) for e in entries]


def test_get_lists_each_version_newest_first(api: Api, token: str) -> None:
    ada = contact(api, token, {"email": "ada@example.com", "firstname": "Ada"})
    patch(api, token, ada, {"firstname": "Ada L."})
    patch(api, token, ada, {"firstname": "Ada Lovelace", "lastname": "Lovelace"})
    patch(api, token, ada, {"firstname": "Ada Lovelace"})  # unchanged: no version

    response = api.get(f"{V3}/contacts/{ada}?propertiesWithHistory=firstname", token)

    assert response.status_code == 200, response.text
    body = response.json()
    # Without ``properties``, the history's properties are read (hubspot-api-nodejs #154).
    assert sorted(body["properties"]) == [
        "createdate",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
    ]
    assert body["properties"]["firstname"] == "Ada Lovelace"
    assert list(body["propertiesWithHistory"]) == ["firstname"]
    assert versions(body["propertiesWithHistory"]["firstname"]) == [
        ("Ada Lovelace", "API"),
        ("Ada L.", "API"),
        ("Ada", "API"),
    ]


def test_clears_unknown_names_and_computed_properties(api: Api, token: str) -> None:
    ada = contact(api, token, {"email": "ada@example.com", "phone": "1"})
    patch(api, token, ada, {"phone": ""})

    response = api.get(
        f"{V3}/contacts/{ada}",
        token,
        params=[
            ("properties", "email"),
            ("propertiesWithHistory", "phone,hs_object_id"),
            ("propertiesWithHistory", "never_set"),
        ],
    )

    body = response.json()
    assert sorted(body["properties"]) == [
        "createdate",
        "email",
        "hs_object_id",
        "lastmodifieddate",
    ]
    history = body["propertiesWithHistory"]
    assert sorted(history) == ["hs_object_id", "phone"]  # never_set: ignored
    assert versions(history["phone"]) == [("", "API"), ("1", "API")]
    assert versions(history["hs_object_id"]) == [(ada, "CALCULATED")]


def test_no_history_asked_no_field(api: Api, token: str) -> None:
    ada = contact(api, token, {"email": "ada@example.com"})
    body = api.get(f"{V3}/contacts/{ada}", token).json()
    assert "propertiesWithHistory" not in body


def test_batch_read_and_batch_update(api: Api, token: str) -> None:
    ids = [contact(api, token, {"email": f"{n}@example.com"}) for n in ("a", "b")]
    update = api.post(
        f"{V3}/contacts/batch/update",
        token,
        {"inputs": [{"id": i, "properties": {"email": f"new-{i}@example.com"}} for i in ids]},
    )
    assert update.status_code == 200, update.text

    response = api.post(
        f"{V3}/contacts/batch/read",
        token,
        {
            "inputs": [{"id": ids[1]}, {"id": ids[0]}],
            "properties": ["email"],
            "propertiesWithHistory": ["email"],
        },
    )

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["id"] for r in results] == [ids[1], ids[0]]
    assert [versions(r["propertiesWithHistory"]["email"]) for r in results] == [
        [(f"new-{ids[1]}@example.com", "API"), ("b@example.com", "API")],
        [(f"new-{ids[0]}@example.com", "API"), ("a@example.com", "API")],
    ]


def test_batch_read_with_history_takes_at_most_50_inputs(api: Api, token: str) -> None:
    body = {"inputs": [{"id": str(i)} for i in range(1, 52)], "propertiesWithHistory": ["email"]}
    response = api.post(f"{V3}/contacts/batch/read", token, body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["category"] == "VALIDATION_ERROR"
    assert answer["message"] == (
        "The maximum number of inputs supported in a batch request for property histories is"
        " 50. Please reduce the number of items and try again"
    )
    # Without history the usual 100 applies.
    del body["propertiesWithHistory"]
    assert api.post(f"{V3}/contacts/batch/read", token, body).status_code == 207


def test_list_pages_hold_at_most_50_records_with_history(api: Api, token: str) -> None:
    api.objects(1, "contacts", 55)
    plain = api.get(f"{V3}/contacts?limit=100", token).json()
    assert len(plain["results"]) == 55

    page = api.get(f"{V3}/contacts?limit=100&propertiesWithHistory=hs_object_id", token).json()

    assert len(page["results"]) == 50
    assert "next" in page["paging"]
    first = page["results"][0]
    assert versions(first["propertiesWithHistory"]["hs_object_id"]) == [(first["id"], "CALCULATED")]


def test_list_shows_versions_of_each_record(api: Api, token: str) -> None:
    ada = contact(api, token, {"firstname": "Ada"})
    patch(api, token, ada, {"firstname": "Ada L."})
    page = api.get(f"{V3}/contacts", token, params={"propertiesWithHistory": "firstname"}).json()
    (record,) = page["results"]
    assert versions(record["propertiesWithHistory"]["firstname"]) == [
        ("Ada L.", "API"),
        ("Ada", "API"),
    ]


def test_dated_path_too(api: Api, token: str) -> None:
    ada = contact(api, token, {"firstname": "Ada"})
    path = f"/crm/objects/2026-03/contacts/{ada}?propertiesWithHistory=firstname"
    response = api.get(path, token)
    assert response.status_code == 200, response.text
    assert versions(response.json()["propertiesWithHistory"]["firstname"]) == [("Ada", "API")]


def test_each_property_keeps_its_newest_versions(api: Api, token: str) -> None:
    ada = contact(api, token, {"firstname": "v0"})
    for n in range(1, MAX_VERSIONS + 3):
        patch(api, token, ada, {"firstname": f"v{n}"})
    body = api.get(f"{V3}/contacts/{ada}?propertiesWithHistory=firstname", token).json()
    kept = versions(body["propertiesWithHistory"]["firstname"])
    assert len(kept) == MAX_VERSIONS
    assert kept[0] == (f"v{MAX_VERSIONS + 2}", "API")
    assert kept[-1] == ("v3", "API")


def test_archive_keeps_history_gdpr_delete_removes_it(api: Api, token: str) -> None:
    ada = contact(api, token, {"email": "ada@example.com", "firstname": "Ada"})
    patch(api, token, ada, {"firstname": "Ada L."})
    archived = api.client.delete(
        f"{V3}/contacts/{ada}", headers={"Authorization": f"Bearer {token}"}
    )
    assert archived.status_code == 204
    read = api.get(
        f"{V3}/contacts/{ada}?archived=true&propertiesWithHistory=firstname", token
    ).json()
    assert read["archived"] is True
    assert versions(read["propertiesWithHistory"]["firstname"]) == [
        ("Ada L.", "API"),
        ("Ada", "API"),
    ]

    bob = contact(api, token, {"email": "bob@example.com", "firstname": "Bob"})
    for object_id in (ada, bob):
        done = api.post(f"{V3}/contacts/gdpr-delete", token, {"objectId": object_id})
        assert done.status_code == 204, done.text

    left = api.run(
        api.services.store.property_history, 1, "0-1", [int(ada), int(bob)], ["firstname", "email"]
    )
    assert left == {}


def test_merge_adds_the_primarys_new_values_and_drops_the_merged_history(
    api: Api, token: str
) -> None:
    primary = contact(api, token, {"email": "ada@example.com", "firstname": "Ada"})
    other = contact(api, token, {"email": "ada@work.example", "phone": "1"})
    patch(api, token, other, {"phone": "2"})
    merged = api.post(
        f"{V3}/contacts/merge",
        token,
        {"primaryObjectId": primary, "objectIdToMerge": other},
    )
    assert merged.status_code == 200, merged.text

    body = api.get(f"{V3}/contacts/{primary}?propertiesWithHistory=phone,firstname", token).json()
    history = body["propertiesWithHistory"]
    assert versions(history["phone"]) == [("2", "API")]  # filled from the merged record
    assert versions(history["firstname"]) == [("Ada", "API")]  # kept: no new version
    left = api.run(api.services.store.property_history, 1, "0-1", [int(other)], ["phone"])
    assert left == {}


def test_upsert_adds_versions(api: Api, token: str) -> None:
    ada = contact(api, token, {"email": "ada@example.com", "firstname": "Ada"})
    done = api.post(
        f"{V3}/contacts/batch/upsert",
        token,
        {
            "inputs": [
                {
                    "id": "ada@example.com",
                    "idProperty": "email",
                    "properties": {"firstname": "Ada L."},
                }
            ]
        },
    )
    assert done.status_code == 200, done.text
    body = api.get(f"{V3}/contacts/{ada}?propertiesWithHistory=firstname", token).json()
    assert versions(body["propertiesWithHistory"]["firstname"]) == [
        ("Ada L.", "API"),
        ("Ada", "API"),
    ]


def test_seeded_values_are_imported(make_api: Callable[..., Api]) -> None:
    api = make_api(admin=True, admin_token="admin-secret")
    api.portal(1)
    token = api.token(1)
    seed = {"objects": {"contacts": [{"key": "ada", "properties": {"firstname": "Ada"}}]}}
    done = api.client.post("/_assocdb/portals/1/seed", json=seed, headers=ADMIN)
    assert done.status_code == 201, done.text
    page = api.get(f"{V3}/contacts?propertiesWithHistory=firstname", token).json()
    (record,) = page["results"]
    assert versions(record["propertiesWithHistory"]["firstname"]) == [("Ada", "IMPORT")]


@pytest.mark.parametrize(
    ("names", "context"),
    [
        (",".join(f"p{i}" for i in range(1001)), "1001"),
        ("x" * 300, "x" * 40),
    ],
)
def test_property_names_are_bounded(api: Api, token: str, names: str, context: str) -> None:
    ada = contact(api, token, {"firstname": "Ada"})
    response = api.get(f"{V3}/contacts/{ada}", token, params={"propertiesWithHistory": names})
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["context"] == {"properties": [context]}
