"""Authentication, scopes and portal isolation.

HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
"""

from __future__ import annotations

import pytest

from tests.conftest import Api

BATCH = "/crm/v4/associations/{}/{}/batch/read"
LIST = "/crm/v4/objects/{}/{}/associations/{}"
NO_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
MISSING_SCOPES = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


def test_a_request_without_a_token_is_a_401_with_hubspots_body(api: Api) -> None:
    api.portal(1)

    response = api.post(BATCH.format("contacts", "companies"), None, {"inputs": []})

    assert response.status_code == 401
    body = response.json()
    assert response.headers["x-hubspot-correlation-id"] == body.pop("correlationId")
    assert body == {
        "status": "error",
        "message": NO_CREDENTIALS,
        "category": "INVALID_AUTHENTICATION",
    }
    assert response.headers["content-type"] == "application/json;charset=utf-8"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pat-na1-00000000-0000-0000-0000-000000000000",
        "Bearer ",
        "Basic abc",
        "token",
    ],
)
def test_a_wrong_or_malformed_token_is_a_401(api: Api, header: str) -> None:
    api.portal(1)
    api.token(1)

    response = api.client.get(
        LIST.format("contacts", 1, "companies"), headers={"Authorization": header}
    )

    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


def test_authentication_comes_before_path_validation(api: Api) -> None:
    response = api.post(BATCH.format("nonsense", "companies"), None, {"inputs": []})

    assert response.status_code == 401


def test_missing_read_scope_of_either_side_is_a_403_listing_the_scopes(api: Api) -> None:
    api.portal(1)
    token = api.token(1, ["crm.objects.contacts.read"])

    response = api.post(BATCH.format("contacts", "companies"), token, {"inputs": []})

    assert response.status_code == 403
    body = response.json()
    assert response.headers["x-hubspot-correlation-id"] == body.pop("correlationId")
    assert body == {
        "status": "error",
        "message": MISSING_SCOPES,
        "category": "MISSING_SCOPES",
        "links": {"scopes": "https://developers.hubspot.com/scopes"},
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {
                    "requiredGranularScopes": [
                        "crm.objects.companies.read",
                        "crm.objects.companies.sensitive.read.v2",
                        "crm.objects.companies.highly_sensitive.read.v2",
                    ]
                },
            }
        ],
    }


@pytest.mark.parametrize(
    ("scopes", "path", "status"),
    [
        (
            ["crm.objects.contacts.read", "crm.objects.companies.read"],
            ("contacts", "companies"),
            200,
        ),
        (
            ["crm.objects.contacts.write", "crm.objects.companies.write"],
            ("contacts", "companies"),
            403,
        ),
        (
            ["crm.objects.contacts.sensitive.read.v2", "crm.objects.companies.read"],
            ("contacts", "companies"),
            200,
        ),
        (["crm.objects.contacts.read"], ("contacts", "tickets"), 403),
        (["crm.objects.contacts.read", "tickets"], ("contacts", "tickets"), 200),
        (["crm.objects.contacts.read"], ("contacts", "2-1234"), 403),
        (["crm.objects.contacts.read", "crm.objects.custom.read"], ("contacts", "2-1234"), 200),
        (["content"], ("contacts", "companies"), 403),
        (["all"], ("deals", "line_items"), 200),
    ],
)
def test_scopes_per_object_type(
    api: Api, scopes: list[str], path: tuple[str, str], status: int
) -> None:
    api.portal(1)
    token = api.token(1, ["*"] if scopes == ["all"] else scopes)

    response = api.post(BATCH.format(*path), token, {"inputs": []})

    assert response.status_code == status, response.text


def test_a_token_only_ever_sees_its_own_portal(api: Api) -> None:
    api.portal(1)
    api.portal(2)
    token_a, token_b = api.token(1), api.token(2)
    (contact,) = api.objects(1, "contacts", 1)
    (company,) = api.objects(1, "companies", 1)
    api.associate(1, "contacts", "companies", [(contact, company)])

    mine = api.post(
        BATCH.format("contacts", "companies"), token_a, {"inputs": [{"id": str(contact)}]}
    )
    theirs = api.post(
        BATCH.format("contacts", "companies"), token_b, {"inputs": [{"id": str(contact)}]}
    )
    listed = api.get(LIST.format("contacts", contact, "companies"), token_b)

    assert mine.status_code == 200
    assert theirs.status_code == 207
    assert theirs.json()["results"] == []
    assert listed.json() == {"results": []}


def test_a_cursor_from_another_portal_is_rejected(make_api: object) -> None:
    api: Api = make_api(batch_read_page_size=1)  # type: ignore[operator]
    for portal in (1, 2):
        api.portal(portal)
    token_a, token_b = api.token(1), api.token(2)
    for portal in (1, 2):
        (company,) = api.objects(portal, "companies", 1)
        contacts = api.objects(portal, "contacts", 2)
        api.associate(portal, "contacts", "companies", [(c, company) for c in contacts])
    company_a = 10000000001
    after = api.post(
        BATCH.format("companies", "contacts"), token_a, {"inputs": [{"id": str(company_a)}]}
    ).json()["results"][0]["paging"]
    # Portal 2 allocated the same record id; the cursor is still portal 1's.
    response = api.post(
        BATCH.format("companies", "contacts"),
        token_b,
        {"inputs": [{"id": str(company_a), "after": after["next"]["after"]}]},
    )

    assert response.status_code == 400
