"""Association limits: .../definitions/configurations/....

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_batch_read import ISO_MS, envelope
from tests.conftest import Api

V4 = "/crm/associations/v4/definitions/configurations"
LEGACY = "/crm/v4/associations/definitions/configurations"
DATED = "/crm/associations/2026-03/definitions/configurations"
PREFIXES = [V4, LEGACY, DATED]
LABELS = "/crm/associations/v4/{}/{}/labels"


def url(from_type: str, to_type: str, action: str = "", prefix: str = V4) -> str:
    return f"{prefix}/{from_type}/{to_type}" + (f"/batch/{action}" if action else "")


def limit(category: str, type_id: int, n: int) -> dict[str, Any]:
    return {"category": category, "typeId": type_id, "maxToObjectIds": n}


def shown(category: str, type_id: int, label: str | None, n: int) -> dict[str, Any]:
    return {
        "category": category,
        "typeId": type_id,
        "label": label,
        "userEnforcedMaxToObjectIds": n,
    }


def listed(api: Api, token: str, path: str) -> Any:
    response = api.get(path, token)
    assert response.status_code == 200
    return response.json()["results"]


def invalid_type(shown_type: str, from_name: str, to_name: str) -> dict[str, Any]:
    """Observed in HubSpot's responses: the type as "{categoryOrdinal}-{typeId}",
    upper-case names (https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits)."""
    return {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "subCategory": "crm.associations.INVALID_ASSOCIATION_TYPE",
        "message": f"{shown_type} is not a valid association type between {from_name} and "
        f"{to_name}",
        "context": {
            "type": [shown_type],
            "fromObjectType": [from_name],
            "toObjectType": [to_name],
        },
    }


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


@pytest.fixture
def point_of_contact(api: Api, token: str) -> int:
    """A deals → contacts label (HubSpot's "Point of contact"); its typeId there.

    HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
    """
    _inverse, forward = api.label(1, "deals", "contacts", "point_of_contact", "Point of contact")
    return forward


# -- create and read ---------------------------------------------------------------------


def test_batch_create_answers_201_with_each_limit_and_its_label(
    api: Api, token: str, point_of_contact: int
) -> None:
    # HubSpot's example: at most 5 contacts per deal, one of them "Point of contact".
    # https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
    response = api.post(
        url("deals", "contacts", "create"),
        token,
        {
            "inputs": [
                limit("HUBSPOT_DEFINED", 3, 5),
                limit("USER_DEFINED", point_of_contact, 1),
            ]
        },
    )

    assert response.status_code == 201
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            shown("HUBSPOT_DEFINED", 3, None, 5),
            shown("USER_DEFINED", 100, "Point of contact", 1),
        ],
    }
    assert listed(api, token, url("deals", "contacts")) == [
        shown("HUBSPOT_DEFINED", 3, None, 5),
        shown("USER_DEFINED", 100, "Point of contact", 1),
    ]
    # Limits are per direction.
    assert listed(api, token, url("contacts", "deals")) == []


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_path_form_serves_the_same_limits(api: Api, token: str, prefix: str) -> None:
    created = api.post(
        url("contacts", "companies", "create", prefix),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 1, 1)]},
    )

    assert created.status_code == 201
    expected = [shown("HUBSPOT_DEFINED", 1, "Primary", 1)]
    assert listed(api, token, url("contacts", "companies", prefix=V4)) == expected
    assert listed(api, token, url("0-1", "company", prefix=LEGACY)) == expected
    assert listed(api, token, f"{DATED}/all") == expected


def test_get_a_pair_without_limits_is_an_empty_list(api: Api, token: str) -> None:
    assert listed(api, token, url("contacts", "companies")) == []
    assert listed(api, token, f"{V4}/all") == []


def test_all_lists_every_pairs_limits_by_pair_then_type(
    api: Api, token: str, point_of_contact: int
) -> None:
    api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 2), limit("HUBSPOT_DEFINED", 3, 9)]},
    )
    api.post(
        url("contacts", "contacts", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 449, 4)]}
    )

    assert listed(api, token, f"{V4}/all") == [
        shown("HUBSPOT_DEFINED", 449, None, 4),
        shown("HUBSPOT_DEFINED", 3, None, 9),
        shown("USER_DEFINED", 100, "Point of contact", 2),
    ]


# -- per-input validation (207) ----------------------------------------------------------


def test_a_type_not_valid_for_the_pair_is_a_per_input_error(
    api: Api, token: str, point_of_contact: int
) -> None:
    response = api.post(
        url("contacts", "deals", "create"),
        token,
        {
            "inputs": [
                limit("HUBSPOT_DEFINED", 5, 2),
                # The label's typeId from deals to contacts, not from contacts to deals.
                limit("USER_DEFINED", point_of_contact, 1),
                limit("INTEGRATOR_DEFINED", 4, 1),
            ]
        },
    )

    assert response.status_code == 207
    # Nothing applied: "CANCELED", as observed for such a batch; HubSpot:
    # https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    assert envelope(response) == {
        "status": "CANCELED",
        "results": [],
        "numErrors": 3,
        "errors": [
            invalid_type("0-5", "CONTACT", "DEAL"),
            invalid_type("1-100", "CONTACT", "DEAL"),
            invalid_type("2-4", "CONTACT", "DEAL"),
        ],
    }
    assert listed(api, token, url("contacts", "deals")) == []


def test_good_inputs_are_applied_beside_bad_ones(api: Api, token: str) -> None:
    response = api.post(
        url("contacts", "deals", "create"),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 3, 2), limit("HUBSPOT_DEFINED", 4, 2)]},
    )

    assert response.status_code == 207
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [shown("HUBSPOT_DEFINED", 4, None, 2)],
        "numErrors": 1,
        "errors": [invalid_type("0-3", "CONTACT", "DEAL")],
    }
    assert listed(api, token, url("contacts", "deals")) == [shown("HUBSPOT_DEFINED", 4, None, 2)]


def test_creating_a_limit_that_exists_is_a_per_input_error(api: Api, token: str) -> None:
    api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 3)]}
    )

    response = api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 7)]}
    )

    assert response.status_code == 207
    assert envelope(response)["errors"] == [
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "A limit of 3 is already set for 0-4 between CONTACT and DEAL; use "
            "batch/update to change it.",
            "context": {"type": ["0-4"], "fromObjectType": ["CONTACT"], "toObjectType": ["DEAL"]},
        }
    ]
    assert listed(api, token, url("contacts", "deals")) == [shown("HUBSPOT_DEFINED", 4, None, 3)]


@pytest.mark.parametrize("value", [0, -1, 10_001])
def test_max_to_object_ids_must_be_between_1_and_10000(api: Api, token: str, value: int) -> None:
    response = api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, value)]}
    )

    assert response.status_code == 207
    assert envelope(response)["errors"] == [
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": f"Invalid maxToObjectIds {value} for 0-4 between CONTACT and DEAL: the "
            "valid range is 1-10000.",
            "context": {
                "type": ["0-4"],
                "fromObjectType": ["CONTACT"],
                "toObjectType": ["DEAL"],
                "maxToObjectIds": [str(value)],
                "validRange": ["1-10000"],
            },
        }
    ]


def test_a_label_limit_must_be_below_the_object_limit(
    api: Api, token: str, point_of_contact: int
) -> None:
    # Changelog "Introducing Custom Association Limits": object limit 10, label 11 → "1-9".
    api.post(
        url("deals", "contacts", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 3, 10)]}
    )

    refused = api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 11)]},
    )
    allowed = api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 9)]},
    )

    assert refused.status_code == 207
    assert envelope(refused)["errors"][0]["message"] == (
        "Invalid maxToObjectIds 11 for 1-100 between DEAL and CONTACT: the valid range is 1-9 "
        "(a label limit must be lower than the limit of 10 on all DEAL to CONTACT associations)."
    )
    assert envelope(refused)["errors"][0]["context"]["validRange"] == ["1-9"]
    assert allowed.status_code == 201


def test_no_label_limit_fits_under_an_object_limit_of_one(
    api: Api, token: str, point_of_contact: int
) -> None:
    api.post(
        url("deals", "contacts", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 3, 1)]}
    )

    refused = api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 1)]},
    )

    assert envelope(refused)["errors"][0]["message"] == (
        "Invalid maxToObjectIds 1 for 1-100 between DEAL and CONTACT: no value is valid "
        "(a label limit must be lower than the limit of 1 on all DEAL to CONTACT associations)."
    )


def test_the_object_limit_must_exceed_every_label_limit(
    api: Api, token: str, point_of_contact: int
) -> None:
    # Changelog: label limit 10, then object limit 9 → the range must be ">10".
    response = api.post(
        url("deals", "contacts", "create"),
        token,
        {
            "inputs": [
                limit("USER_DEFINED", point_of_contact, 10),
                limit("HUBSPOT_DEFINED", 3, 9),
                limit("HUBSPOT_DEFINED", 3, 11),
            ]
        },
    )

    assert response.status_code == 207
    body = envelope(response)
    assert body["results"] == [
        shown("USER_DEFINED", 100, "Point of contact", 10),
        shown("HUBSPOT_DEFINED", 3, None, 11),
    ]
    assert body["errors"][0]["message"] == (
        "Invalid maxToObjectIds 9 for 0-3 between DEAL and CONTACT: the valid range is "
        "11-10000 (it must be greater than the label limits set on this pair, the highest "
        "being 10)."
    )


def test_primary_counts_as_a_label_under_the_object_limit(api: Api, token: str) -> None:
    response = api.post(
        url("contacts", "companies", "create"),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 279, 3), limit("HUBSPOT_DEFINED", 1, 3)]},
    )

    assert response.status_code == 207
    assert envelope(response)["errors"][0]["context"]["validRange"] == ["1-2"]


# -- update ------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_batch_update_answers_200_without_labels(
    api: Api, token: str, point_of_contact: int, prefix: str
) -> None:
    api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 3, 5), limit("USER_DEFINED", point_of_contact, 1)]},
    )

    response = api.post(
        url("deals", "contacts", "update", prefix),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 2), limit("HUBSPOT_DEFINED", 3, 11)]},
    )

    assert response.status_code == 200
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {"category": "USER_DEFINED", "typeId": 100, "userEnforcedMaxToObjectIds": 2},
            {"category": "HUBSPOT_DEFINED", "typeId": 3, "userEnforcedMaxToObjectIds": 11},
        ],
    }
    assert listed(api, token, url("deals", "contacts")) == [
        shown("HUBSPOT_DEFINED", 3, None, 11),
        shown("USER_DEFINED", 100, "Point of contact", 2),
    ]


def test_updating_a_limit_that_is_not_set_is_a_per_input_error(api: Api, token: str) -> None:
    response = api.post(
        url("contacts", "deals", "update"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 2)]}
    )

    assert response.status_code == 207
    assert envelope(response) == {
        "status": "CANCELED",
        "results": [],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "No limit is set for 0-4 between CONTACT and DEAL; use batch/create "
                "to set one.",
                "context": {
                    "type": ["0-4"],
                    "fromObjectType": ["CONTACT"],
                    "toObjectType": ["DEAL"],
                },
            }
        ],
    }
    assert listed(api, token, url("contacts", "deals")) == []


def test_an_update_keeps_label_limits_below_the_object_limit(
    api: Api, token: str, point_of_contact: int
) -> None:
    api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 3, 5), limit("USER_DEFINED", point_of_contact, 4)]},
    )

    lowered = api.post(
        url("deals", "contacts", "update"), token, {"inputs": [limit("HUBSPOT_DEFINED", 3, 4)]}
    )

    assert lowered.status_code == 207
    assert envelope(lowered)["errors"][0]["context"]["validRange"] == ["5-10000"]
    assert listed(api, token, url("deals", "contacts"))[0] == shown("HUBSPOT_DEFINED", 3, None, 5)


# -- purge -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", [V4, LEGACY])
def test_batch_purge_removes_limits_and_answers_204(api: Api, token: str, prefix: str) -> None:
    api.post(
        url("contacts", "companies", "create"),
        token,
        {"inputs": [limit("HUBSPOT_DEFINED", 279, 5), limit("HUBSPOT_DEFINED", 1, 1)]},
    )

    response = api.post(
        url("contacts", "companies", "purge", prefix),
        token,
        # 931 has no limit: skipped.
        {
            "inputs": [
                {"category": "HUBSPOT_DEFINED", "typeId": 279},
                {"category": "HUBSPOT_DEFINED", "typeId": 931},
            ]
        },
    )

    assert response.status_code == 204
    assert response.content == b""
    assert listed(api, token, url("contacts", "companies")) == [
        shown("HUBSPOT_DEFINED", 1, "Primary", 1)
    ]


def test_batch_purge_on_2026_03_answers_200_with_an_empty_batch(api: Api, token: str) -> None:
    api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 5)]}
    )

    response = api.post(
        url("contacts", "deals", "purge", DATED),
        token,
        {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 4}]},
    )

    assert response.status_code == 200
    body = response.json()
    assert ISO_MS.match(body.pop("startedAt"))
    assert ISO_MS.match(body.pop("completedAt"))
    assert body == {"status": "COMPLETE", "results": []}
    assert listed(api, token, url("contacts", "deals")) == []


def test_batch_purge_of_an_invalid_type_is_a_400_and_removes_nothing(api: Api, token: str) -> None:
    api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 5)]}
    )

    response = api.post(
        url("contacts", "deals", "purge"),
        token,
        {
            "inputs": [
                {"category": "HUBSPOT_DEFINED", "typeId": 4},
                {"category": "HUBSPOT_DEFINED", "typeId": 5},
            ]
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert response.headers["x-hubspot-correlation-id"] == body.pop("correlationId")
    assert body == invalid_type("0-5", "CONTACT", "DEAL")
    assert listed(api, token, url("contacts", "deals")) == [shown("HUBSPOT_DEFINED", 4, None, 5)]


def test_deleting_a_label_removes_its_limits(api: Api, token: str, point_of_contact: int) -> None:
    api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 2)]},
    )

    deleted = api.client.delete(
        LABELS.format("deals", "contacts") + f"/{point_of_contact}",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert deleted.status_code == 204
    assert listed(api, token, f"{V4}/all") == []


def test_a_renamed_label_shows_its_new_text_in_limits(
    api: Api, token: str, point_of_contact: int
) -> None:
    api.post(
        url("deals", "contacts", "create"),
        token,
        {"inputs": [limit("USER_DEFINED", point_of_contact, 2)]},
    )

    api.client.put(
        LABELS.format("deals", "contacts"),
        json={"associationTypeId": point_of_contact, "label": "Main contact"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert listed(api, token, f"{V4}/all") == [shown("USER_DEFINED", 100, "Main contact", 2)]


# -- whole-request problems --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 4}]},
        {"inputs": [limit("BOGUS", 4, 1)]},
        {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": "4", "maxToObjectIds": 1}]},
        {"input": []},
    ],
)
def test_a_malformed_batch_is_a_400(api: Api, token: str, body: Any) -> None:
    response = api.post(url("contacts", "deals", "create"), token, body)

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["message"].startswith("Invalid input JSON: ")


def test_an_unknown_object_type_is_a_400(api: Api, token: str) -> None:
    response = api.get(url("contacts", "spaceships"), token)

    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: spaceships"


# -- portals and scopes ------------------------------------------------------------------


def test_a_portal_never_sees_or_changes_another_portals_limits(api: Api, token: str) -> None:
    api.post(
        url("contacts", "deals", "create"), token, {"inputs": [limit("HUBSPOT_DEFINED", 4, 5)]}
    )
    api.portal(2)
    other = api.token(2)

    seen = listed(api, other, f"{V4}/all")
    updated = api.post(
        url("contacts", "deals", "update"), other, {"inputs": [limit("HUBSPOT_DEFINED", 4, 1)]}
    )
    purged = api.post(
        url("contacts", "deals", "purge"),
        other,
        {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 4}]},
    )

    assert seen == []
    assert updated.status_code == 207
    assert purged.status_code == 204
    assert listed(api, token, f"{V4}/all") == [shown("HUBSPOT_DEFINED", 4, None, 5)]


def test_changing_limits_needs_the_write_scope_of_the_from_side(api: Api, token: str) -> None:
    reader = api.token(1, ["crm.objects.contacts.read", "crm.objects.deals.read"])
    wrong_side = api.token(1, ["crm.objects.deals.write"])
    writer = api.token(1, ["crm.objects.contacts.write"])
    body = {"inputs": [limit("HUBSPOT_DEFINED", 4, 5)]}

    denied = [
        api.post(url("contacts", "deals", "create"), reader, body),
        api.post(url("contacts", "deals", "update"), reader, body),
        api.post(
            url("contacts", "deals", "purge"),
            reader,
            {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 4}]},
        ),
        api.post(url("contacts", "deals", "create"), wrong_side, body),
    ]
    allowed = api.post(url("contacts", "deals", "create"), writer, body)

    assert [r.status_code for r in denied] == [403, 403, 403, 403]
    assert denied[0].json()["category"] == "MISSING_SCOPES"
    assert allowed.status_code == 201


def test_reading_limits_needs_the_read_scope_of_both_sides(api: Api, token: str) -> None:
    contacts_only = api.token(1, ["crm.objects.contacts.read"])
    both = api.token(1, ["crm.objects.contacts.read", "crm.objects.deals.read"])

    assert api.get(url("contacts", "deals"), contacts_only).status_code == 403
    assert api.get(url("contacts", "deals"), both).status_code == 200


def test_all_needs_only_a_valid_token(api: Api, token: str) -> None:
    tickets_only = api.token(1, ["tickets"])

    assert api.get(f"{V4}/all", tickets_only).status_code == 200
    assert api.get(f"{V4}/all", None).status_code == 401
