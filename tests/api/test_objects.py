"""CRM objects v3 under /crm/v3/objects and /crm/objects/2026-03: the records associations
link, created, read, updated and archived with their associations.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

from __future__ import annotations

from typing import Any

import pytest

import assocdb.domain.objects as objects_domain
from assocdb.domain.models import LimitDef
from tests.api.test_batch_read import envelope
from tests.conftest import Api, user

V3 = "/crm/v3/objects"
V26 = "/crm/objects/2026-03"
PREFIXES = pytest.mark.parametrize("base", [V3, V26], ids=["v3", "2026-03"])
ASSOC_READ = "/crm/v4/associations/{}/{}/batch/read"

T0 = 1_700_000_000_000
T0_ISO = "2023-11-14T22:13:20.000Z"
T1_ISO = "2023-11-14T22:13:21.234Z"
FIRST = 10000000001


class Clock:
    def __init__(self) -> None:
        self.ms = T0

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Record times come from here, so bodies can be compared literally."""
    fixed = Clock()
    monkeypatch.setattr(objects_domain, "now_ms", fixed)
    return fixed


@pytest.fixture
def token(api: Api, clock: Clock) -> str:
    api.portal(1)
    return api.token(1)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def patch(api: Api, path: str, token: str, body: Any) -> Any:
    return api.client.patch(path, json=body, headers=auth(token))


def delete(api: Api, path: str, token: str) -> Any:
    return api.client.delete(path, headers=auth(token))


def hs(type_id: int) -> dict[str, Any]:
    return {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}


def to(object_id: int | str, *types: dict[str, Any]) -> dict[str, Any]:
    return {"to": {"id": object_id}, "types": list(types)}


def assoc_read(api: Api, token: str, from_type: str, to_type: str, object_id: int) -> Any:
    return api.post(
        ASSOC_READ.format(from_type, to_type), token, {"inputs": [{"id": str(object_id)}]}
    )


def types_from(api: Api, token: str, from_type: str, to_type: str, object_id: int) -> Any:
    """{toObjectId: [(category, typeId, label)]} of one record, via v4 batch read."""
    results = envelope(assoc_read(api, token, from_type, to_type, object_id))["results"]
    return {
        t["toObjectId"]: [(a["category"], a["typeId"], a["label"]) for a in t["associationTypes"]]
        for r in results
        for t in r["to"]
    }


# -- create ------------------------------------------------------------------------------


@PREFIXES
def test_create_is_a_201_with_the_record_and_its_computed_properties(
    api: Api, token: str, base: str
) -> None:
    response = api.post(
        f"{base}/contacts",
        token,
        {
            "properties": {
                "email": "ada@example.com",
                "associatedcompanyid": 36,
                "jobtitle": True,
                "phone": None,
            },
            "associations": [],
        },
    )

    assert response.status_code == 201
    assert response.json() == {
        "id": str(FIRST),
        "properties": {
            "associatedcompanyid": "36",
            "createdate": T0_ISO,
            "email": "ada@example.com",
            "hs_object_id": str(FIRST),
            "lastmodifieddate": T0_ISO,
            "jobtitle": "true",
        },
        "createdAt": T0_ISO,
        "updatedAt": T0_ISO,
        "archived": False,
    }


def test_companies_deals_and_other_types_name_their_date_properties_like_hubspot(
    api: Api, token: str
) -> None:
    company = api.post(f"{V3}/companies", token, {"properties": {"name": "Acme"}})
    note = api.post(f"{V3}/notes", token, {"properties": {"hs_note_body": "hi"}})

    assert company.json()["properties"] == {
        "createdate": T0_ISO,
        "hs_lastmodifieddate": T0_ISO,
        "hs_object_id": str(FIRST),
        "name": "Acme",
    }
    assert note.json()["properties"] == {
        "hs_createdate": T0_ISO,
        "hs_lastmodifieddate": T0_ISO,
        "hs_note_body": "hi",
        "hs_object_id": str(FIRST + 1),
    }


@PREFIXES
def test_associations_on_create_are_visible_from_both_sides(
    api: Api, token: str, base: str
) -> None:
    (company,) = api.objects(1, "companies", 1)
    (deal,) = api.objects(1, "deals", 1)

    response = api.post(
        f"{base}/contacts",
        token,
        {
            "properties": {"firstname": "Ada"},
            # to.id may be a JSON number; the to-type comes from the type. HubSpot:
            # https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
            "associations": [to(company, hs(1)), to(str(deal), hs(4))],
        },
    )

    assert response.status_code == 201
    contact = int(response.json()["id"])
    assert types_from(api, token, "contacts", "companies", contact) == {
        company: [("HUBSPOT_DEFINED", 1, "Primary"), ("HUBSPOT_DEFINED", 279, None)]
    }
    assert types_from(api, token, "companies", "contacts", company) == {
        contact: [("HUBSPOT_DEFINED", 2, "Primary"), ("HUBSPOT_DEFINED", 280, None)]
    }
    assert types_from(api, token, "deals", "contacts", deal) == {
        contact: [("HUBSPOT_DEFINED", 3, None)]
    }


def test_a_type_without_its_category_and_a_portal_label_find_their_object_type(
    api: Api, token: str
) -> None:
    (company,) = api.objects(1, "companies", 1)
    billing = api.label(1, "contacts", "companies", "billing", "Billing contact", "Billing co")

    response = api.post(
        f"{V26}/contacts",
        token,
        {
            "properties": {},
            "associations": [
                {"to": {"id": str(company)}, "types": [{"associationTypeId": 279}]},
                to(
                    company,
                    {"associationCategory": "USER_DEFINED", "associationTypeId": billing[1]},
                ),
            ],
        },
    )

    assert response.status_code == 201
    assert types_from(api, token, "companies", "contacts", company) == {
        int(response.json()["id"]): [
            ("HUBSPOT_DEFINED", 280, None),
            ("USER_DEFINED", billing[0], "Billing co"),
        ]
    }


def test_an_invalid_association_type_is_a_400_and_nothing_is_created(api: Api, token: str) -> None:
    (company,) = api.objects(1, "companies", 1)

    response = api.post(
        f"{V3}/contacts",
        token,
        {
            "properties": {"email": "x@example.com"},
            "associations": [
                to(
                    company,
                    hs(279),
                    {"associationCategory": "USER_DEFINED", "associationTypeId": 3},
                )
            ],
        },
    )

    assert response.status_code == 400
    body = response.json()
    del body["correlationId"]
    assert body == {
        "status": "error",
        "message": "One or more associations are invalid",
        "category": "VALIDATION_ERROR",
        "context": {
            "associationSpec": ["USER_DEFINED=3"],
            "INVALID_ASSOCIATION_TYPE_ID": [
                "USER_DEFINED=3 is not a valid association definition id"
            ],
        },
    }
    assert api.get(f"{V3}/contacts", token).json() == {"results": []}


def test_a_missing_target_record_is_a_400_and_nothing_is_created(api: Api, token: str) -> None:
    (company,) = api.objects(1, "companies", 1)

    response = api.post(
        f"{V3}/deals",
        token,
        {"properties": {}, "associations": [to(company, hs(341)), to("424242", hs(5))]},
    )

    assert response.status_code == 400
    assert response.json()["context"] == {"INVALID_OBJECT_IDS": ["COMPANY=424242 is not valid"]}
    assert api.get(f"{V3}/deals", token).json() == {"results": []}
    assert assoc_read(api, token, "companies", "deals", company).status_code == 207


def test_a_type_from_another_object_pair_is_invalid_on_create(api: Api, token: str) -> None:
    (company,) = api.objects(1, "companies", 1)

    # 280 is company -> contact; from a contact it means nothing.
    response = api.post(
        f"{V3}/contacts", token, {"properties": {}, "associations": [to(company, hs(280))]}
    )

    assert response.status_code == 400
    assert response.json()["context"]["associationSpec"] == ["HUBSPOT_DEFINED=280"]


def test_an_association_without_types_is_invalid(api: Api, token: str) -> None:
    (company,) = api.objects(1, "companies", 1)

    response = api.post(f"{V3}/contacts", token, {"properties": {}, "associations": [to(company)]})

    assert response.status_code == 400
    assert response.json()["context"] == {
        "associationSpec": ["[]"],
        "INVALID_ASSOCIATION_TYPE_ID": [f"The association to {company} names no association type"],
    }


def test_a_record_whose_associations_fail_after_validation_is_not_kept(
    api: Api, token: str
) -> None:
    (company,) = api.objects(1, "companies", 1)
    (existing,) = api.objects(1, "contacts", 1)
    api.associate(1, "contacts", "companies", [(existing, company)])
    # A company may have one contact: the portal's limit fails the association write.
    api.run(api.services.store.put_limits, 1, [LimitDef("0-2", "0-1", 0, 280, 1)])

    response = api.post(
        f"{V3}/contacts", token, {"properties": {}, "associations": [to(company, hs(279))]}
    )

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert [r["id"] for r in api.get(f"{V3}/contacts", token).json()["results"]] == [str(existing)]
    assert api.get(f"{V3}/contacts?archived=true", token).json() == {"results": []}
    assert types_from(api, token, "companies", "contacts", company) == {
        existing: [("HUBSPOT_DEFINED", 280, None)]
    }


def test_create_requires_properties(api: Api, token: str) -> None:
    response = api.post(f"{V3}/contacts", token, {"associations": []})

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


# -- read -------------------------------------------------------------------------------


@PREFIXES
def test_get_returns_the_default_properties_with_unset_ones_as_null(
    api: Api, token: str, base: str
) -> None:
    api.post(f"{V3}/contacts", token, {"properties": {"email": "ada@example.com", "phone": "1"}})

    response = api.get(f"{base}/contacts/{FIRST}", token)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(FIRST),
        "properties": {
            "createdate": T0_ISO,
            "email": "ada@example.com",
            "firstname": None,
            "hs_object_id": str(FIRST),
            "lastmodifieddate": T0_ISO,
            "lastname": None,
        },
        "createdAt": T0_ISO,
        "updatedAt": T0_ISO,
        "archived": False,
    }


@pytest.mark.parametrize(
    "query",
    ["properties=phone&properties=email", "properties=phone,email", "properties=phone%2Cemail"],
    ids=["repeated", "comma", "encoded-comma"],
)
def test_get_returns_the_requested_properties_in_either_query_form(
    api: Api, token: str, query: str
) -> None:
    api.post(f"{V3}/contacts", token, {"properties": {"email": "a@example.com", "phone": "1"}})

    response = api.get(f"{V3}/contacts/{FIRST}?{query}", token)

    assert response.json()["properties"] == {
        "createdate": T0_ISO,
        "email": "a@example.com",
        "hs_object_id": str(FIRST),
        "lastmodifieddate": T0_ISO,
        "phone": "1",
    }


@pytest.mark.parametrize(
    ("base", "query"),
    [
        (V3, "associations=companies&associations=deals&associations=nonsense"),
        (V26, "associations=companies%2Cdeals%2Cnonsense"),
    ],
    ids=["python-client-repeated", "hubspot-sdk-comma"],
)
def test_get_lists_associated_ids_one_entry_per_association_type(
    api: Api, token: str, base: str, query: str
) -> None:
    contact, other = api.objects(1, "contacts", 2)
    first, second = api.objects(1, "companies", 2)
    api.associate(1, "contacts", "companies", [(contact, first, [(0, 1)]), (contact, second)])
    api.associate(1, "contacts", "companies", [(other, first)])

    response = api.get(f"{base}/contacts/{contact}?properties=email&{query}", token)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(contact),
        "properties": {
            "createdate": T0_ISO,
            "email": None,
            "hs_object_id": str(contact),
            "lastmodifieddate": T0_ISO,
        },
        "createdAt": T0_ISO,
        "updatedAt": T0_ISO,
        "archived": False,
        "associations": {
            "companies": {
                "results": [
                    {"id": str(first), "type": "contact_to_company"},
                    {"id": str(first), "type": "contact_to_company_unlabeled"},
                    {"id": str(second), "type": "contact_to_company_unlabeled"},
                ]
            }
        },
    }


def test_associated_ids_name_the_inverse_unlabeled_and_user_defined_types(
    api: Api, token: str
) -> None:
    (company,) = api.objects(1, "companies", 1)
    contact, other = api.objects(1, "contacts", 2)
    (deal,) = api.objects(1, "deals", 1)
    billing = api.label(1, "contacts", "companies", "billing", "Billing contact", "Billing co")
    api.associate(1, "contacts", "companies", [(contact, company, [(0, 1), user(billing[1])])])
    api.associate(1, "contacts", "companies", [(other, company)])
    api.associate(1, "deals", "companies", [(deal, company)])

    response = api.get(f"{V3}/companies/{company}?associations=contacts,deals,tickets", token)

    assert response.json()["associations"] == {
        "contacts": {
            "results": [
                {"id": str(contact), "type": "company_to_contact"},
                {"id": str(contact), "type": "company_to_contact_unlabeled"},
                {"id": str(contact), "type": "billing"},
                {"id": str(other), "type": "company_to_contact_unlabeled"},
            ]
        },
        "deals": {"results": [{"id": str(deal), "type": "company_to_deal_unlabeled"}]},
    }


def test_associated_ids_of_types_the_token_cannot_read_are_left_out(api: Api, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    (company,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(contact, company)])
    contacts_only = api.token(1, ["crm.objects.contacts.read"])

    response = api.get(f"{V3}/contacts/{contact}?associations=companies", contacts_only)

    assert response.status_code == 200
    assert "associations" not in response.json()


@pytest.mark.parametrize("object_id", ["424242", "not-a-number", "0"])
def test_a_missing_record_is_hubspots_404(api: Api, token: str, object_id: str) -> None:
    response = api.get(f"{V3}/contacts/{object_id}", token)

    assert response.status_code == 404
    body = response.json()
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]
    del body["correlationId"]
    assert body == {
        "status": "error",
        "message": "Object not found.  objectId are usually numeric.",
        "category": "OBJECT_NOT_FOUND",
        "context": {"id": [object_id]},
    }


@PREFIXES
def test_get_page_is_keyset_by_id_with_the_next_id_as_after(
    api: Api, token: str, base: str
) -> None:
    ids = api.objects(1, "contacts", 3)
    api.objects(1, "companies", 1)

    first = api.get(f"{base}/contacts?limit=2&properties=email", token)
    second = api.get(f"{base}/contacts?limit=2&properties=email&after={ids[2]}", token)

    assert first.status_code == 200
    body = first.json()
    assert [r["id"] for r in body["results"]] == [str(ids[0]), str(ids[1])]
    assert body["results"][0]["properties"] == {
        "createdate": T0_ISO,
        "email": None,
        "hs_object_id": str(ids[0]),
        "lastmodifieddate": T0_ISO,
    }
    assert body["paging"] == {
        "next": {
            "after": str(ids[2]),
            "link": f"http://testserver{base}/contacts?limit=2&properties=email&after={ids[2]}",
        }
    }
    assert [r["id"] for r in second.json()["results"]] == [str(ids[2])]
    assert "paging" not in second.json()


def test_get_page_defaults_to_10_and_caps_the_limit_at_100(api: Api, token: str) -> None:
    api.objects(1, "contacts", 101)

    default = api.get(f"{V3}/contacts", token).json()
    capped = api.get(f"{V3}/contacts?limit=500", token).json()

    assert len(default["results"]) == 10
    assert default["paging"]["next"]["after"] == str(FIRST + 10)
    assert len(capped["results"]) == 100
    assert capped["paging"]["next"]["after"] == str(FIRST + 100)


@pytest.mark.parametrize("query", ["limit=0", "limit=ten", "after=abc"])
def test_get_page_rejects_a_bad_limit_or_after(api: Api, token: str, query: str) -> None:
    response = api.get(f"{V3}/contacts?{query}", token)

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_get_page_can_list_associated_ids_too(api: Api, token: str) -> None:
    contact, other = api.objects(1, "contacts", 2)
    (company,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(contact, company)])

    body = api.get(f"{V3}/contacts?associations=companies", token).json()

    assert [r.get("associations") for r in body["results"]] == [
        {"companies": {"results": [{"id": str(company), "type": "contact_to_company_unlabeled"}]}},
        None,
    ]
    assert [r["id"] for r in body["results"]] == [str(contact), str(other)]


# -- update -----------------------------------------------------------------------------


@PREFIXES
def test_patch_updates_and_clears_properties_and_moves_updated_at(
    api: Api, clock: Clock, token: str, base: str
) -> None:
    api.post(f"{V3}/contacts", token, {"properties": {"email": "a@example.com", "phone": "1"}})
    clock.ms = T0 + 1234

    response = patch(
        api, f"{base}/contacts/{FIRST}", token, {"properties": {"phone": "", "firstname": "Ada"}}
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": str(FIRST),
        "properties": {
            "createdate": T0_ISO,
            "email": "a@example.com",
            "firstname": "Ada",
            "hs_object_id": str(FIRST),
            "lastmodifieddate": T1_ISO,
        },
        "createdAt": T0_ISO,
        "updatedAt": T1_ISO,
        "archived": False,
    }
    assert (
        api.get(f"{V3}/contacts/{FIRST}?properties=phone", token).json()["properties"]["phone"]
        is None
    )


def test_patch_of_a_missing_record_is_a_404(api: Api, token: str) -> None:
    response = patch(api, f"{V3}/contacts/424242", token, {"properties": {"firstname": "b"}})

    assert response.status_code == 404
    assert response.json()["message"] == "Object not found.  objectId are usually numeric."


# -- archive ----------------------------------------------------------------------------


@PREFIXES
def test_delete_archives_the_record_and_every_association_both_ways(
    api: Api, clock: Clock, token: str, base: str
) -> None:
    contact, other = api.objects(1, "contacts", 2)
    (company,) = api.objects(1, "companies", 1)
    (deal,) = api.objects(1, "deals", 1)
    api.associate(1, "contacts", "companies", [(contact, company, [(0, 1)]), (other, company)])
    api.associate(1, "contacts", "deals", [(contact, deal)])
    clock.ms = T0 + 1234

    response = delete(api, f"{base}/contacts/{contact}", token)

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"{base}/contacts/{contact}", token).status_code == 404
    assert [r["id"] for r in api.get(f"{base}/contacts", token).json()["results"]] == [str(other)]
    assert types_from(api, token, "companies", "contacts", company) == {
        other: [("HUBSPOT_DEFINED", 280, None)]
    }
    from_deal = assoc_read(api, token, "deals", "contacts", deal)
    assert from_deal.status_code == 207
    assert envelope(from_deal)["errors"] == [
        {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": f"No contact is associated with deal {deal}.",
            "context": {
                "fromObjectId": [str(deal)],
                "fromObjectType": ["deal"],
                "toObjectType": ["contact"],
            },
        }
    ]
    assert assoc_read(api, token, "contacts", "companies", contact).status_code == 207


def test_archived_records_are_read_with_archived_true(api: Api, clock: Clock, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    clock.ms = T0 + 1234
    delete(api, f"{V3}/contacts/{contact}", token)

    one = api.get(f"{V3}/contacts/{contact}?archived=true&properties=email", token)
    page = api.get(f"{V3}/contacts?archived=true", token)

    assert one.json() == {
        "id": str(contact),
        "properties": {
            "createdate": T0_ISO,
            "email": None,
            "hs_object_id": str(contact),
            "lastmodifieddate": T0_ISO,
        },
        "createdAt": T0_ISO,
        "updatedAt": T0_ISO,
        "archived": True,
        "archivedAt": T1_ISO,
    }
    assert [(r["id"], r["archived"]) for r in page.json()["results"]] == [(str(contact), True)]


def test_an_archived_record_cannot_be_associated_or_updated(api: Api, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    (company,) = api.objects(1, "companies", 1)
    delete(api, f"{V3}/contacts/{contact}", token)

    created = api.post(
        f"{V3}/companies", token, {"properties": {}, "associations": [to(contact, hs(280))]}
    )
    updated = patch(api, f"{V3}/contacts/{contact}", token, {"properties": {"firstname": "b"}})

    assert created.json()["context"] == {"INVALID_OBJECT_IDS": [f"CONTACT={contact} is not valid"]}
    assert updated.status_code == 404
    assert assoc_read(api, token, "companies", "contacts", company).status_code == 207


def test_deleting_a_missing_record_is_a_204(api: Api, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    delete(api, f"{V3}/contacts/{contact}", token)

    assert delete(api, f"{V3}/contacts/{contact}", token).status_code == 204
    assert delete(api, f"{V3}/contacts/424242", token).status_code == 204


# -- batches ----------------------------------------------------------------------------


@PREFIXES
def test_batch_create_is_a_201_with_each_record(api: Api, token: str, base: str) -> None:
    (company,) = api.objects(1, "companies", 1)

    response = api.post(
        f"{base}/contacts/batch/create",
        token,
        {
            "inputs": [
                {"properties": {"email": "a@example.com"}, "associations": []},
                {
                    "properties": {"email": "b@example.com"},
                    "associations": [to(company, hs(279))],
                    "objectWriteTraceId": "t-2",
                },
            ]
        },
    )

    assert response.status_code == 201
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "id": str(FIRST + 1),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "a@example.com",
                    "hs_object_id": str(FIRST + 1),
                    "lastmodifieddate": T0_ISO,
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
            {
                "id": str(FIRST + 2),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "b@example.com",
                    "hs_object_id": str(FIRST + 2),
                    "lastmodifieddate": T0_ISO,
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
                "objectWriteTraceId": "t-2",
            },
        ],
    }
    assert types_from(api, token, "companies", "contacts", company) == {
        FIRST + 2: [("HUBSPOT_DEFINED", 280, None)]
    }


def test_batch_create_is_a_207_naming_the_inputs_that_were_not_created(
    api: Api, token: str
) -> None:
    response = api.post(
        f"{V3}/contacts/batch/create",
        token,
        {
            "inputs": [
                {"properties": {"firstname": "1"}, "associations": [to("424242", hs(279))]},
                {"properties": {"firstname": "2"}},
            ]
        },
    )

    assert response.status_code == 207
    body = envelope(response)
    assert [r["properties"]["firstname"] for r in body["results"]] == ["2"]
    assert body["numErrors"] == 1
    assert body["errors"] == [
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "One or more associations are invalid",
            "context": {"INVALID_OBJECT_IDS": ["COMPANY=424242 is not valid"]},
        }
    ]
    assert len(api.get(f"{V3}/contacts", token).json()["results"]) == 1


@pytest.mark.parametrize("operation", ["create", "read", "update", "archive"])
def test_object_batches_take_100_inputs_and_reject_101(
    api: Api, token: str, operation: str
) -> None:
    ids = api.objects(1, "contacts", 100)
    item = {
        "create": lambda i: {"properties": {}},
        "read": lambda i: {"id": str(i)},
        "update": lambda i: {"id": str(i), "properties": {"firstname": "b"}},
        "archive": lambda i: {"id": str(i)},
    }[operation]
    url = f"{V3}/contacts/batch/{operation}"

    too_many = api.post(url, token, {"inputs": [item(i) for i in [*ids, 424242]]})
    ok = api.post(url, token, {"inputs": [item(i) for i in ids]})

    assert too_many.status_code == 400
    body = too_many.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == (
        "The maximum number of inputs supported in a batch request is 100. Please reduce the "
        "number of items and try again"
    )
    assert ok.status_code == {"create": 201, "read": 200, "update": 200, "archive": 204}[operation]


@PREFIXES
def test_batch_read_is_a_207_with_one_error_for_every_missing_id(
    api: Api, token: str, base: str
) -> None:
    first, second = api.objects(1, "contacts", 2)
    api.run(
        api.services.objects.update_many,
        1,
        objects_domain.resolve_object_type("contacts"),
        [objects_domain.ObjectUpdate(second, {"email": "b@example.com"})],
    )

    response = api.post(
        f"{base}/contacts/batch/read",
        token,
        {
            "inputs": [{"id": str(second)}, {"id": "424242"}, {"id": str(first)}, {"id": "x"}],
            "properties": ["email"],
            "propertiesWithHistory": [],
        },
    )

    assert response.status_code == 207
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "id": str(second),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "b@example.com",
                    "hs_object_id": str(second),
                    "lastmodifieddate": T0_ISO,
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
            {
                "id": str(first),
                "properties": {
                    "createdate": T0_ISO,
                    "email": None,
                    "hs_object_id": str(first),
                    "lastmodifieddate": T0_ISO,
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
        ],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not "
                "exist. Check that ids are valid.",
                "context": {"ids": ["424242", "x"]},
            }
        ],
    }


def test_batch_read_of_existing_ids_is_a_200(api: Api, token: str) -> None:
    ids = api.objects(1, "tickets", 2)

    response = api.post(
        f"{V3}/tickets/batch/read", token, {"inputs": [{"id": str(i)} for i in ids]}
    )

    assert response.status_code == 200
    assert [r["id"] for r in envelope(response)["results"]] == [str(i) for i in ids]
    assert sorted(envelope(response)["results"][0]["properties"]) == [
        "content",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_category",
        "hs_ticket_priority",
        "subject",
    ]


def test_batch_read_by_a_property_that_is_not_unique_is_a_400(api: Api, token: str) -> None:
    # By a unique property (email) it reads: tests/api/test_id_property.py.
    response = api.post(
        f"{V3}/contacts/batch/read",
        token,
        {"inputs": [{"id": "Ada"}], "idProperty": "firstname"},
    )

    assert response.status_code == 400
    assert response.json()["context"] == {"idProperty": ["firstname"]}


@PREFIXES
def test_batch_update_is_a_207_when_some_records_do_not_exist(
    api: Api, clock: Clock, token: str, base: str
) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    clock.ms = T0 + 1234

    response = api.post(
        f"{base}/contacts/batch/update",
        token,
        {
            "inputs": [
                {"id": str(contact), "properties": {"email": "new@example.com"}},
                {
                    "id": "424242",
                    "properties": {"email": "x@example.com"},
                    "objectWriteTraceId": "t-9",
                },
            ]
        },
    )

    assert response.status_code == 207
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "id": str(contact),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "new@example.com",
                    "hs_object_id": str(contact),
                    "lastmodifieddate": T1_ISO,
                },
                "createdAt": T0_ISO,
                "updatedAt": T1_ISO,
                "archived": False,
            }
        ],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not "
                "exist. Check that ids are valid.",
                "context": {"ids": ["424242"], "objectWriteTraceId": ["t-9"]},
            }
        ],
    }


def test_batch_update_of_one_record_twice_is_a_400(api: Api, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    item = {"id": str(contact), "properties": {"firstname": "b"}}

    response = api.post(f"{V3}/contacts/batch/update", token, {"inputs": [item, item]})

    assert response.status_code == 400
    assert response.json()["message"] == (
        f"Duplicate IDs found in batch input: [{contact}]. IDs must be unique"
    )


@PREFIXES
def test_batch_archive_is_a_204_and_removes_the_associations(
    api: Api, token: str, base: str
) -> None:
    contacts = api.objects(1, "contacts", 3)
    (company,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(c, company) for c in contacts])

    response = api.post(
        f"{base}/contacts/batch/archive",
        token,
        {"inputs": [{"id": str(contacts[0])}, {"id": str(contacts[2])}, {"id": "424242"}]},
    )

    assert response.status_code == 204
    assert types_from(api, token, "companies", "contacts", company) == {
        contacts[1]: [("HUBSPOT_DEFINED", 280, None)]
    }
    assert [r["id"] for r in api.get(f"{V3}/contacts", token).json()["results"]] == [
        str(contacts[1])
    ]


# -- scopes and portals -----------------------------------------------------------------


def test_writes_need_the_write_scope_and_reads_the_read_scope(api: Api, token: str) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    read_only = api.token(1, ["crm.objects.contacts.read"])

    writes = [
        api.post(f"{V3}/contacts", read_only, {"properties": {}}),
        patch(api, f"{V3}/contacts/{contact}", read_only, {"properties": {}}),
        delete(api, f"{V3}/contacts/{contact}", read_only),
        api.post(f"{V3}/contacts/batch/create", read_only, {"inputs": []}),
        api.post(f"{V3}/contacts/batch/update", read_only, {"inputs": []}),
        api.post(f"{V3}/contacts/batch/archive", read_only, {"inputs": []}),
    ]
    reads = [
        api.get(f"{V3}/contacts/{contact}", read_only),
        api.get(f"{V3}/contacts", read_only),
        api.post(f"{V3}/contacts/batch/read", read_only, {"inputs": [{"id": str(contact)}]}),
    ]

    assert [r.status_code for r in writes] == [403] * 6
    assert writes[0].json()["category"] == "MISSING_SCOPES"
    assert [r.status_code for r in reads] == [200] * 3
    assert api.get(f"{V3}/companies", read_only).status_code == 403


@pytest.mark.parametrize(
    ("path", "scope", "status"),
    [
        ("tickets", "crm.objects.contacts.write", 403),
        ("tickets", "tickets", 201),
        ("companies", "crm.objects.companies.write", 201),
        ("2-1234", "crm.objects.custom.write", 201),
        ("2-1234", "crm.objects.contacts.write", 403),
    ],
)
def test_write_scopes_per_object_type(
    api: Api, token: str, path: str, scope: str, status: int
) -> None:
    response = api.post(f"{V3}/{path}", api.token(1, [scope]), {"properties": {}})

    assert response.status_code == status


def test_a_portal_cannot_read_change_or_archive_another_portals_records(
    api: Api, token: str
) -> None:
    (contact,) = api.objects(1, "contacts", 1)
    (company,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(contact, company)])
    api.portal(2)
    other = api.token(2)
    before = api.get(f"{V3}/contacts/{contact}?associations=companies", token).json()

    got = api.get(f"{V3}/contacts/{contact}", other)
    patched = patch(
        api, f"{V3}/contacts/{contact}", other, {"properties": {"email": "x@example.com"}}
    )
    deleted = delete(api, f"{V3}/contacts/{contact}", other)
    archived = api.post(f"{V3}/contacts/batch/archive", other, {"inputs": [{"id": str(contact)}]})
    read = api.post(f"{V3}/contacts/batch/read", other, {"inputs": [{"id": str(contact)}]})

    assert (got.status_code, patched.status_code) == (404, 404)
    assert (deleted.status_code, archived.status_code) == (204, 204)  # idempotent archive
    assert read.status_code == 207
    assert api.get(f"{V3}/contacts", other).json() == {"results": []}
    assert api.get(f"{V3}/contacts/{contact}?associations=companies", token).json() == before
    assert before["associations"]["companies"]["results"] == [
        {"id": str(company), "type": "contact_to_company_unlabeled"}
    ]
