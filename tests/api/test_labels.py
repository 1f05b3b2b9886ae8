"""Association labels: GET/POST/PUT/DELETE .../{from}/{to}/labels.

HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api, user

V4 = "/crm/associations/v4/{}/{}/labels"
LEGACY = "/crm/v4/associations/{}/{}/labels"
DATED = "/crm/associations/2026-03/{}/{}/labels"
PREFIXES = [V4, LEGACY, DATED]

PRIMARY = {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"}
UNLABELED = {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}
# 931 is "Billing contact to company" (its label text is [inferred]); HubSpot:
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
BILLING = {"category": "HUBSPOT_DEFINED", "typeId": 931, "label": "Billing Company"}
BUILTIN = [PRIMARY, UNLABELED, BILLING]
MANAGER = {"name": "manager_employee", "label": "Manager", "inverseLabel": "Employee"}


def mine(type_id: int, label: str) -> dict[str, Any]:
    return {"category": "USER_DEFINED", "typeId": type_id, "label": label}


def headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def put(api: Api, path: str, token: str | None, body: Any) -> Any:
    return api.client.put(path, json=body, headers=headers(token))


def delete(api: Api, path: str, token: str | None) -> Any:
    return api.client.delete(path, headers=headers(token))


def labels(api: Api, token: str, from_type: str, to_type: str, url: str = V4) -> Any:
    response = api.get(url.format(from_type, to_type), token)
    assert response.status_code == 200
    return response.json()["results"]


def error(response: Any) -> dict[str, Any]:
    """An error body without its correlationId, after checking it matches the header."""
    body: dict[str, Any] = response.json()
    assert response.headers["x-hubspot-correlation-id"] == body.pop("correlationId")
    return body


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


# -- GET ---------------------------------------------------------------------------------


def test_get_lists_hubspots_types_of_the_direction_with_null_for_unlabeled(
    api: Api, token: str
) -> None:
    assert labels(api, token, "contacts", "companies") == BUILTIN
    assert labels(api, token, "companies", "contacts") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 2, "label": "Primary"},
        {"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None},
        {"category": "HUBSPOT_DEFINED", "typeId": 930, "label": "Billing Contact"},
    ]


def test_get_accepts_object_type_ids_and_singular_names(api: Api, token: str) -> None:
    assert labels(api, token, "0-1", "company") == BUILTIN


@pytest.mark.parametrize("url", PREFIXES)
def test_every_path_form_serves_the_same_labels(api: Api, token: str, url: str) -> None:
    api.label(1, "contacts", "companies", "partner", "Partner")

    assert labels(api, token, "contacts", "companies", url) == [
        *BUILTIN,
        mine(100, "Partner"),
    ]


def test_get_an_unknown_object_type_is_a_400(api: Api, token: str) -> None:
    response = api.get(V4.format("contacts", "spaceships"), token)

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": "Unable to infer object type from: spaceships",
        "category": "VALIDATION_ERROR",
    }


# -- POST --------------------------------------------------------------------------------


def test_create_a_paired_label_answers_200_with_both_directions_inverse_first(
    api: Api, token: str
) -> None:
    response = api.post(V4.format("contacts", "companies"), token, MANAGER)

    assert response.status_code == 200
    assert response.json() == {"results": [mine(101, "Employee"), mine(100, "Manager")]}
    assert labels(api, token, "contacts", "companies") == [
        *BUILTIN,
        mine(100, "Manager"),
    ]
    assert labels(api, token, "companies", "contacts")[-1] == mine(101, "Employee")


@pytest.mark.parametrize("url", [LEGACY, DATED])
def test_a_label_created_on_one_path_form_is_seen_on_the_other(
    api: Api, token: str, url: str
) -> None:
    created = api.post(url.format("contacts", "companies"), token, MANAGER)

    assert created.status_code == 200
    assert labels(api, token, "contacts", "companies", V4)[-1] == mine(100, "Manager")


def test_a_single_label_between_two_object_types_has_one_type_per_direction(
    api: Api, token: str
) -> None:
    response = api.post(
        V4.format("deals", "contacts"), token, {"name": "champion", "label": "Champion"}
    )

    assert response.status_code == 200
    assert response.json() == {"results": [mine(101, "Champion"), mine(100, "Champion")]}
    assert labels(api, token, "deals", "contacts") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
        mine(100, "Champion"),
    ]
    assert labels(api, token, "contacts", "deals") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None},
        mine(101, "Champion"),
    ]


def test_a_single_label_between_records_of_one_type_is_one_self_inverse_type(
    api: Api, token: str
) -> None:
    response = api.post(
        V4.format("contacts", "contacts"), token, {"name": "colleague", "label": "Colleague"}
    )

    assert response.status_code == 200
    assert response.json() == {"results": [mine(100, "Colleague")]}
    assert labels(api, token, "contacts", "contacts") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 449, "label": None},
        mine(100, "Colleague"),
    ]


def test_a_paired_label_between_records_of_one_type_has_two_types(api: Api, token: str) -> None:
    response = api.post(V4.format("contacts", "contacts"), token, MANAGER)

    assert response.status_code == 200
    assert response.json() == {"results": [mine(101, "Employee"), mine(100, "Manager")]}
    assert labels(api, token, "contacts", "contacts") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 449, "label": None},
        mine(100, "Manager"),
        mine(101, "Employee"),
    ]


def test_a_new_label_can_be_used_at_once_in_associations(api: Api, token: str) -> None:
    contact, company = api.objects(1, "contacts", 1)[0], api.objects(1, "companies", 1)[0]
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    response = api.post(
        "/crm/v4/associations/contacts/companies/batch/create",
        token,
        {
            "inputs": [
                {
                    "from": {"id": str(contact)},
                    "to": {"id": str(company)},
                    "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": 100}],
                }
            ]
        },
    )

    assert response.status_code == 201
    assert response.json()["results"][0]["labels"] == ["Manager"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("manager-employee", "hyphen"),
        ("1manager", "leading digit"),
        ("manager employee", "space"),
        ("", "empty"),
    ],
)
def test_a_name_with_hyphens_or_a_leading_digit_is_a_400(
    api: Api, token: str, name: str, why: str
) -> None:
    response = api.post(V4.format("contacts", "companies"), token, {"name": name, "label": "M"})

    assert response.status_code == 400, why
    assert error(response) == {
        "status": "error",
        "message": f"Invalid label name '{name}': a name cannot include hyphens or begin with a "
        "number, and may use only letters, digits and underscores.",
        "category": "VALIDATION_ERROR",
        "context": {"name": [name]},
    }
    assert labels(api, token, "contacts", "companies") == BUILTIN


def test_names_may_use_underscores_digits_and_capitals(api: Api, token: str) -> None:
    response = api.post(
        V4.format("contacts", "companies"), token, {"name": "_Key_2", "label": "Key 2"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "label": ""}, "label"),
        ({"name": "x", "label": "  "}, "label"),
        ({"name": "x", "label": "X", "inverseLabel": ""}, "inverseLabel"),
    ],
)
def test_an_empty_label_is_a_400(api: Api, token: str, body: Any, field: str) -> None:
    response = api.post(V4.format("contacts", "companies"), token, body)

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": f"Invalid {field}: it must not be empty.",
        "category": "VALIDATION_ERROR",
        "context": {field: [body[field]]},
    }


@pytest.mark.parametrize(
    "body",
    [{"label": "Manager"}, {"name": "manager"}, {"name": 5, "label": "x"}, []],
)
def test_a_body_without_name_or_label_is_a_400(api: Api, token: str, body: Any) -> None:
    response = api.post(V4.format("contacts", "companies"), token, body)

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["message"].startswith("Invalid input JSON: ")


def test_a_name_is_unique_per_object_pair_in_both_directions(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    again = api.post(V4.format("companies", "contacts"), token, {**MANAGER, "label": "Boss"})
    elsewhere = api.post(V4.format("contacts", "deals"), token, MANAGER)

    assert again.status_code == 400
    assert error(again) == {
        "status": "error",
        "message": "An association label named 'manager_employee' already exists between "
        "companies and contacts.",
        "category": "VALIDATION_ERROR",
        "context": {"name": ["manager_employee"]},
    }
    assert elsewhere.status_code == 200


def test_labels_per_object_pair_are_capped(make_api: Callable[..., Api]) -> None:
    api = make_api(max_labels_per_pair=2)
    api.portal(1)
    token = api.token(1)
    first = api.post(V4.format("contacts", "companies"), token, {"name": "a", "label": "A"})
    # Made from the other side, it still counts for the pair.
    second = api.post(V4.format("companies", "contacts"), token, {"name": "b", "label": "B"})

    third = api.post(V4.format("contacts", "companies"), token, {"name": "c", "label": "C"})
    other_pair = api.post(V4.format("contacts", "deals"), token, {"name": "c", "label": "C"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 400
    assert error(third) == {
        "status": "error",
        "message": "The limit of 2 association labels between contacts and companies has been "
        "reached.",
        "category": "VALIDATION_ERROR",
    }
    assert other_pair.status_code == 200


def test_a_pair_that_cannot_be_associated_takes_no_labels(api: Api, token: str) -> None:
    response = api.post(V4.format("contacts", "products"), token, {"name": "x", "label": "X"})

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": "contacts and products cannot be associated, so no association label can "
        "be defined between them.",
        "category": "VALIDATION_ERROR",
        "context": {"fromObjectType": ["contacts"], "toObjectType": ["products"]},
    }


# -- PUT ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PREFIXES)
def test_put_renames_a_label_and_answers_204(api: Api, token: str, url: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    response = put(
        api, url.format("contacts", "companies"), token, {"associationTypeId": 100, "label": "Boss"}
    )

    assert response.status_code == 204
    assert response.content == b""
    assert labels(api, token, "contacts", "companies")[-1] == mine(100, "Boss")
    # A paired label's other direction keeps its own text.
    assert labels(api, token, "companies", "contacts")[-1] == mine(101, "Employee")


def test_put_with_inverse_label_renames_the_other_direction(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    response = put(
        api,
        V4.format("companies", "contacts"),
        token,
        {"associationTypeId": 101, "label": "Report", "inverseLabel": "Lead"},
    )

    assert response.status_code == 204
    assert labels(api, token, "companies", "contacts")[-1] == mine(101, "Report")
    assert labels(api, token, "contacts", "companies")[-1] == mine(100, "Lead")


def test_put_renames_both_directions_of_a_single_label(api: Api, token: str) -> None:
    api.post(V4.format("deals", "contacts"), token, {"name": "champion", "label": "Champion"})

    put(api, V4.format("deals", "contacts"), token, {"associationTypeId": 100, "label": "Hero"})

    assert labels(api, token, "deals", "contacts")[-1] == mine(100, "Hero")
    assert labels(api, token, "contacts", "deals")[-1] == mine(101, "Hero")


def test_put_renames_a_same_type_single_label(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "contacts"), token, {"name": "peer", "label": "Peer"})
    path = V4.format("contacts", "contacts")

    renamed = put(api, path, token, {"associationTypeId": 100, "label": "Friend"})
    paired = put(
        api, path, token, {"associationTypeId": 100, "label": "Friend", "inverseLabel": "Foe"}
    )

    assert renamed.status_code == 204
    assert labels(api, token, "contacts", "contacts")[-1] == mine(100, "Friend")
    assert paired.status_code == 400
    assert error(paired) == {
        "status": "error",
        "message": "Association label 100 between contacts and contacts is a single label: it "
        "has no inverse label to set.",
        "category": "VALIDATION_ERROR",
        "context": {"associationTypeId": ["100"]},
    }


def test_put_a_hubspot_defined_type_is_a_400_and_changes_nothing(api: Api, token: str) -> None:
    response = put(
        api, V4.format("contacts", "companies"), token, {"associationTypeId": 1, "label": "Main"}
    )

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": "Association type 1 between contacts and companies is defined by HubSpot "
        "(HUBSPOT_DEFINED) and cannot be changed.",
        "category": "VALIDATION_ERROR",
        "context": {"associationTypeId": ["1"]},
    }
    assert labels(api, token, "contacts", "companies") == BUILTIN


def test_put_an_unknown_type_is_a_404(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    # 101 exists, but from companies to contacts: it is not a contacts → companies type.
    response = put(
        api, V4.format("contacts", "companies"), token, {"associationTypeId": 101, "label": "X"}
    )

    assert response.status_code == 404
    assert error(response) == {
        "status": "error",
        "message": "No association label with typeId 101 exists between contacts and companies.",
        "category": "OBJECT_NOT_FOUND",
        "context": {"associationTypeId": ["101"]},
    }


@pytest.mark.parametrize(
    "body",
    [{"label": "X"}, {"associationTypeId": 100}, {"associationTypeId": 100, "label": ""}],
)
def test_put_needs_a_type_id_and_a_label(api: Api, token: str, body: Any) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    response = put(api, V4.format("contacts", "companies"), token, body)

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert labels(api, token, "contacts", "companies")[-1] == mine(100, "Manager")


# -- DELETE ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PREFIXES)
def test_delete_removes_both_directions_and_answers_204(api: Api, token: str, url: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)

    response = delete(api, url.format("contacts", "companies") + "/100", token)

    assert response.status_code == 204
    assert response.content == b""
    assert labels(api, token, "contacts", "companies") == BUILTIN
    assert labels(api, token, "companies", "contacts")[-1]["category"] == "HUBSPOT_DEFINED"


def test_a_deleted_labels_name_can_be_used_again(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)
    delete(api, V4.format("contacts", "companies") + "/100", token)

    again = api.post(V4.format("contacts", "companies"), token, MANAGER)

    assert again.json() == {"results": [mine(103, "Employee"), mine(102, "Manager")]}


def test_delete_is_refused_while_an_association_uses_the_label(api: Api, token: str) -> None:
    contact, company = api.objects(1, "contacts", 1)[0], api.objects(1, "companies", 1)[0]
    api.post(V4.format("contacts", "companies"), token, MANAGER)
    api.associate(1, "contacts", "companies", [(contact, company, [user(100)])])
    path = V4.format("contacts", "companies") + "/100"

    refused = delete(api, path, token)
    api.associate(1, "contacts", "companies", [(contact, company)], replace=True)
    allowed = delete(api, path, token)

    assert refused.status_code == 400
    assert error(refused) == {
        "status": "error",
        "message": "The association label 'Manager' (100) between contacts and companies is in "
        "use. Remove it from every association before deleting it.",
        "category": "VALIDATION_ERROR",
        "context": {"associationTypeId": ["100"]},
    }
    assert allowed.status_code == 204
    assert labels(api, token, "contacts", "companies") == BUILTIN


def test_delete_sees_a_label_set_from_the_other_side(api: Api, token: str) -> None:
    contact, company = api.objects(1, "contacts", 1)[0], api.objects(1, "companies", 1)[0]
    api.post(V4.format("contacts", "companies"), token, MANAGER)
    api.associate(1, "companies", "contacts", [(company, contact, [user(101)])])

    refused = delete(api, V4.format("contacts", "companies") + "/100", token)
    also_refused = delete(api, V4.format("companies", "contacts") + "/101", token)

    assert (refused.status_code, also_refused.status_code) == (400, 400)
    assert labels(api, token, "contacts", "companies")[-1] == mine(100, "Manager")


def test_delete_a_same_type_label_in_use(api: Api, token: str) -> None:
    a, b = api.objects(1, "contacts", 2)
    api.post(V4.format("contacts", "contacts"), token, MANAGER)
    api.associate(1, "contacts", "contacts", [(a, b, [user(100)])])

    refused = delete(api, V4.format("contacts", "contacts") + "/101", token)
    api.associate(1, "contacts", "contacts", [(b, a)], replace=True)
    allowed = delete(api, V4.format("contacts", "contacts") + "/101", token)

    assert refused.status_code == 400
    assert allowed.status_code == 204
    assert labels(api, token, "contacts", "contacts") == [
        {"category": "HUBSPOT_DEFINED", "typeId": 449, "label": None}
    ]


@pytest.mark.parametrize("type_id", [1, 279])
def test_delete_a_hubspot_defined_type_is_a_400(api: Api, token: str, type_id: int) -> None:
    response = delete(api, V4.format("contacts", "companies") + f"/{type_id}", token)

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": f"Association type {type_id} between contacts and companies is defined by "
        "HubSpot (HUBSPOT_DEFINED) and cannot be deleted.",
        "category": "VALIDATION_ERROR",
        "context": {"associationTypeId": [str(type_id)]},
    }
    assert labels(api, token, "contacts", "companies") == BUILTIN


def test_delete_an_unknown_type_is_a_404(api: Api, token: str) -> None:
    response = delete(api, V4.format("contacts", "companies") + "/555", token)

    assert response.status_code == 404
    assert error(response)["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("raw", ["abc", "1.5", "99999999999"])
def test_delete_a_malformed_type_id_is_a_400(api: Api, token: str, raw: str) -> None:
    response = delete(api, V4.format("contacts", "companies") + f"/{raw}", token)

    assert response.status_code == 400
    assert error(response) == {
        "status": "error",
        "message": f"Invalid associationTypeId '{raw}': it must be an integer.",
        "category": "VALIDATION_ERROR",
        "context": {"associationTypeId": [raw]},
    }


# -- portals and scopes ------------------------------------------------------------------


def test_a_portal_never_sees_or_changes_another_portals_labels(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)
    api.portal(2)
    other = api.token(2)

    seen = labels(api, other, "contacts", "companies")
    renamed = put(
        api, V4.format("contacts", "companies"), other, {"associationTypeId": 100, "label": "X"}
    )
    deleted = delete(api, V4.format("contacts", "companies") + "/100", other)
    own = api.post(V4.format("contacts", "companies"), other, MANAGER)

    assert seen == BUILTIN
    assert (renamed.status_code, deleted.status_code) == (404, 404)
    assert labels(api, token, "contacts", "companies")[-1] == mine(100, "Manager")
    # TypeIds are allocated per portal: portal 2's first label has the same ids.
    assert own.json() == {"results": [mine(101, "Employee"), mine(100, "Manager")]}
    assert labels(api, token, "companies", "contacts")[-1] == mine(101, "Employee")


def test_reading_labels_needs_the_read_scope_of_both_sides(api: Api, token: str) -> None:
    contacts_only = api.token(1, ["crm.objects.contacts.read"])
    both = api.token(1, ["crm.objects.contacts.read", "crm.objects.companies.read"])

    denied = api.get(V4.format("contacts", "companies"), contacts_only)
    allowed = api.get(V4.format("contacts", "companies"), both)

    assert denied.status_code == 403
    assert denied.json()["category"] == "MISSING_SCOPES"
    assert allowed.status_code == 200


def test_changing_labels_needs_the_write_scope_of_the_from_side(api: Api, token: str) -> None:
    api.post(V4.format("contacts", "companies"), token, MANAGER)
    reader = api.token(1, ["crm.objects.contacts.read", "crm.objects.companies.read"])
    writer = api.token(1, ["crm.objects.contacts.write"])
    path = V4.format("contacts", "companies")

    denied = [
        api.post(path, reader, {"name": "x", "label": "X"}),
        put(api, path, reader, {"associationTypeId": 100, "label": "X"}),
        delete(api, path + "/100", reader),
    ]
    allowed = api.post(path, writer, {"name": "x", "label": "X"})

    assert [r.status_code for r in denied] == [403, 403, 403]
    assert denied[0].json()["errors"][0]["context"]["requiredGranularScopes"][0] == (
        "crm.objects.contacts.write"
    )
    assert allowed.status_code == 200
    assert labels(api, token, "contacts", "companies")[3] == mine(100, "Manager")


def test_labels_need_a_token(api: Api, token: str) -> None:
    response = api.get(V4.format("contacts", "companies"), None)

    assert response.status_code == 401
