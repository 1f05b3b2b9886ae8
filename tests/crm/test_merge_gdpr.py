"""Merge (``/crm/v3/objects/{type}/merge``) and GDPR delete
(``/crm/v3/objects/contacts/gdpr-delete``): properties, associations moved with Primary
flags kept single, the merged id resolving to the primary, nothing left to restore."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, hs

V4_READ = "/crm/v4/associations/{}/{}/batch/read"


def read(api: Api, token: str, from_type: str, to_type: str, from_id: int) -> dict[int, list[int]]:
    response = api.post(
        V4_READ.format(from_type, to_type), token, {"inputs": [{"id": str(from_id)}]}
    )
    return {
        t["toObjectId"]: sorted(a["typeId"] for a in t["associationTypes"])
        for r in response.json()["results"]
        for t in r["to"]
    }


def contact(api: Api, token: str, properties: dict[str, str]) -> int:
    made = api.post("/crm/v3/objects/contacts", token, {"properties": properties})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def test_merge_keeps_the_primarys_values_and_fills_the_gaps(api: Api, token: str) -> None:
    primary = contact(api, token, {"email": "ada@example.com", "firstname": "Ada"})
    other = contact(api, token, {"email": "ADA@work.example", "firstname": "A.", "phone": "1"})
    response = api.post(
        "/crm/v3/objects/contacts/merge",
        token,
        {"primaryObjectId": str(primary), "objectIdToMerge": str(other)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(primary)
    properties = body["properties"]
    for computed in ("createdate", "lastmodifieddate"):
        assert properties.pop(computed).endswith("Z")
    assert properties == {
        "email": "ada@example.com",
        "firstname": "Ada",
        "phone": "1",
        "hs_additional_emails": "ADA@work.example",
        "hs_merged_object_ids": str(other),
        "hs_object_id": str(primary),
    }
    # The merged id now reads the primary; the merged record itself is gone for good.
    again = api.get(f"/crm/v3/objects/contacts/{other}?properties=email", token)
    assert again.status_code == 200
    assert again.json()["id"] == str(primary)
    archived = api.get(f"/crm/v3/objects/contacts/{other}?archived=true", token)
    assert archived.status_code == 404


def test_merge_moves_associations_and_keeps_one_primary(api: Api, token: str) -> None:
    c1, c2 = api.objects(1, "contacts", 2)
    k1, k2, k3 = api.objects(1, "companies", 3)
    (d1,) = api.objects(1, "deals", 1)
    api.associate(1, "contacts", "companies", [(c1, k1, [hs(1)]), (c2, k2, [hs(1)]), (c2, k3)])
    api.associate(1, "contacts", "deals", [(c2, d1)])
    api.associate(1, "contacts", "contacts", [(c1, c2)])
    response = api.post(
        "/crm/objects/2026-03/contacts/merge",
        token,
        {"primaryObjectId": c1, "objectIdToMerge": c2},
    )
    assert response.status_code == 200, response.text
    # c1 keeps its own Primary company; c2's companies join as unlabeled associations.
    assert read(api, token, "contacts", "companies", c1) == {k1: [1, 279], k2: [279], k3: [279]}
    assert read(api, token, "companies", "contacts", k2) == {c1: [280]}
    assert read(api, token, "contacts", "deals", c1) == {d1: [4]}
    assert read(api, token, "deals", "contacts", d1) == {c1: [3]}
    assert read(api, token, "contacts", "contacts", c1) == {}


def test_merge_hands_over_a_primary_the_primary_record_lacks(api: Api, token: str) -> None:
    c1, c2 = api.objects(1, "contacts", 2)
    (k1,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(c2, k1, [hs(1)])])
    api.post(
        "/crm/v3/objects/contacts/merge", token, {"primaryObjectId": c1, "objectIdToMerge": c2}
    )
    assert read(api, token, "contacts", "companies", c1) == {k1: [1, 279]}


def test_merge_errors(api: Api, token: str) -> None:
    (c1,) = api.objects(1, "contacts", 1)
    same = api.post(
        "/crm/v3/objects/contacts/merge", token, {"primaryObjectId": c1, "objectIdToMerge": c1}
    )
    assert same.status_code == 400
    assert same.json()["message"] == f"Cannot merge contact {c1} with itself."
    missing = api.post(
        "/crm/v3/objects/contacts/merge", token, {"primaryObjectId": c1, "objectIdToMerge": "42"}
    )
    assert missing.status_code == 404
    assert missing.json()["message"] == "Object not found.  objectId are usually numeric."
    bad = api.post(
        "/crm/v3/objects/contacts/merge", token, {"primaryObjectId": "x", "objectIdToMerge": c1}
    )
    assert bad.status_code == 400
    incomplete = api.post("/crm/v3/objects/contacts/merge", token, {"primaryObjectId": c1})
    assert incomplete.status_code == 400


def test_gdpr_delete_by_id_removes_the_contact_and_its_associations(api: Api, token: str) -> None:
    c1 = contact(api, token, {"email": "gone@example.com"})
    (k1,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(c1, k1, [hs(1)])])
    response = api.post("/crm/v3/objects/contacts/gdpr-delete", token, {"objectId": str(c1)})
    assert response.status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{c1}", token).status_code == 404
    assert api.get(f"/crm/v3/objects/contacts/{c1}?archived=true", token).status_code == 404
    assert read(api, token, "companies", "contacts", k1) == {}
    again = api.post("/crm/v3/objects/contacts/gdpr-delete", token, {"objectId": str(c1)})
    assert again.status_code == 404
    assert again.json()["category"] == "OBJECT_NOT_FOUND"


def test_gdpr_delete_of_an_archived_contact_leaves_nothing_to_restore(api: Api, token: str) -> None:
    c1 = contact(api, token, {"email": "old@example.com"})
    assert (
        api.client.delete(
            f"/crm/v3/objects/contacts/{c1}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )
    assert api.get(f"/crm/v3/objects/contacts/{c1}?archived=true", token).status_code == 200
    assert (
        api.post("/crm/v3/objects/contacts/gdpr-delete", token, {"objectId": c1}).status_code == 204
    )
    assert api.get(f"/crm/v3/objects/contacts/{c1}?archived=true", token).status_code == 404


def test_gdpr_delete_by_email_and_of_a_merged_contact(api: Api, token: str) -> None:
    c1 = contact(api, token, {"email": "Ada@Example.com"})
    c2 = contact(api, token, {"email": "bob@example.com"})
    c3 = contact(api, token, {"email": "carol@example.com"})
    api.post(
        "/crm/v3/objects/contacts/merge", token, {"primaryObjectId": c2, "objectIdToMerge": c3}
    )
    response = api.post(
        "/crm/objects/2026-03/contacts/gdpr-delete",
        token,
        {"objectId": "ada@example.com", "idProperty": "email"},
    )
    assert response.status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{c1}", token).status_code == 404
    # Deleting the primary also stops the merged id resolving to it.
    assert (
        api.post("/crm/v3/objects/contacts/gdpr-delete", token, {"objectId": c2}).status_code == 204
    )
    assert api.get(f"/crm/v3/objects/contacts/{c3}", token).status_code == 404
    nobody = api.post(
        "/crm/v3/objects/contacts/gdpr-delete",
        token,
        {"objectId": "nobody@example.com", "idProperty": "email"},
    )
    assert nobody.status_code == 404
    companies = api.post("/crm/v3/objects/companies/gdpr-delete", token, {"objectId": "1"})
    assert companies.status_code == 400
    assert companies.json()["message"] == "GDPR delete is available for contacts only."


def test_merge_and_gdpr_need_write_scopes(api: Api, token: str) -> None:
    reader = api.token(1, ["crm.objects.contacts.read"])
    body: dict[str, Any] = {"primaryObjectId": "1", "objectIdToMerge": "2"}
    assert api.post("/crm/v3/objects/contacts/merge", reader, body).status_code == 403
    assert (
        api.post("/crm/v3/objects/contacts/gdpr-delete", reader, {"objectId": "1"}).status_code
        == 403
    )
