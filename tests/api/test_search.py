"""CRM search (POST /crm/v3/objects/{type}/search and the 2026-03 path): every operator,
per-type comparison, the association filter, sorts, paging to the 10,000 cap, HubSpot's
caps and their 400s, and the index delay (docs/search.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import assocdb.domain.objects as objects_domain
import assocdb.domain.search as search_domain
from tests.conftest import Api

V3 = "/crm/v3/objects"
V26 = "/crm/objects/2026-03"
T0 = 1_700_000_000_000
T0_ISO = "2023-11-14T22:13:20.000Z"
FIRST = 10000000001


class Clock:
    def __init__(self) -> None:
        self.ms = T0

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(objects_domain, "now_ms", fixed)
    monkeypatch.setattr(search_domain, "now_ms", fixed)
    return fixed


@pytest.fixture
def token(api: Api, clock: Clock) -> str:
    api.portal(1)
    return api.token(1)


def create(api: Api, token: str, object_type: str, *properties: dict[str, str]) -> list[str]:
    ids = []
    for props in properties:
        response = api.post(f"{V3}/{object_type}", token, {"properties": props})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def search(api: Api, token: str, object_type: str, body: Any, base: str = V3) -> Any:
    return api.post(f"{base}/{object_type}/search", token, body)


def ids_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


def one(name: str, operator: str, **rest: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator, **rest}]}]}


@pytest.fixture
def people(api: Api, token: str) -> list[str]:
    return create(
        api,
        token,
        "contacts",
        {
            "email": "ada@example.com",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "lifecyclestage": "lead",
        },
        {
            "email": "grace@navy.mil",
            "firstname": "Grace",
            "lastname": "Hopper",
            "lifecyclestage": "customer",
        },
        {"email": "alan@example.com", "firstname": "Alan", "lastname": "Turing"},
    )


@pytest.mark.parametrize("base", [V3, V26], ids=["v3", "2026-03"])
def test_empty_search_returns_every_record_with_default_properties(
    api: Api, token: str, people: list[str], base: str
) -> None:
    response = search(api, token, "contacts", {}, base)
    assert response.status_code == 200
    assert response.json() == {
        "total": 3,
        "results": [
            {
                "id": str(FIRST),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "ada@example.com",
                    "firstname": "Ada",
                    "hs_object_id": str(FIRST),
                    "lastmodifieddate": T0_ISO,
                    "lastname": "Lovelace",
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
            {
                "id": str(FIRST + 1),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "grace@navy.mil",
                    "firstname": "Grace",
                    "hs_object_id": str(FIRST + 1),
                    "lastmodifieddate": T0_ISO,
                    "lastname": "Hopper",
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
            {
                "id": str(FIRST + 2),
                "properties": {
                    "createdate": T0_ISO,
                    "email": "alan@example.com",
                    "firstname": "Alan",
                    "hs_object_id": str(FIRST + 2),
                    "lastmodifieddate": T0_ISO,
                    "lastname": "Turing",
                },
                "createdAt": T0_ISO,
                "updatedAt": T0_ISO,
                "archived": False,
            },
        ],
    }


def test_requested_properties_only(api: Api, token: str, people: list[str]) -> None:
    body = {**one("email", "EQ", value="ada@example.com"), "properties": ["lifecyclestage"]}
    response = search(api, token, "contacts", body)
    assert response.json()["results"][0]["properties"] == {
        "createdate": T0_ISO,
        "hs_object_id": str(FIRST),
        "lastmodifieddate": T0_ISO,
        "lifecyclestage": "lead",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (one("email", "EQ", value="ADA@Example.com"), [0]),
        (one("firstname", "EQ", value="ada"), [0]),
        (one("lifecyclestage", "NEQ", value="lead"), [1, 2]),
        (one("lastname", "IN", values=["hopper", "TURING"]), [1, 2]),
        (one("lastname", "NOT_IN", values=["hopper"]), [0, 2]),
        (one("lifecyclestage", "HAS_PROPERTY"), [0, 1]),
        (one("lifecyclestage", "NOT_HAS_PROPERTY"), [2]),
        (one("lastname", "LT", value="M"), [0, 1]),
        (one("lastname", "GTE", value="lovelace"), [0, 2]),
        (one("lastname", "BETWEEN", value="h", highValue="m"), [0, 1]),
        (one("firstname", "CONTAINS_TOKEN", value="grace"), [1]),
        (one("firstname", "CONTAINS_TOKEN", value="A*"), [0, 2]),
        (one("email", "CONTAINS_TOKEN", value="*@example.com"), [0, 2]),
        (one("firstname", "NOT_CONTAINS_TOKEN", value="ada"), [1, 2]),
        (one("hs_object_id", "EQ", value=str(FIRST + 1)), [1]),
        (one("hs_object_id", "IN", values=[str(FIRST), str(FIRST + 2)]), [0, 2]),
        (one("hs_object_id", "GT", value=str(FIRST)), [1, 2]),
        (one("createdate", "GTE", value=str(T0)), [0, 1, 2]),
        (one("lastmodifieddate", "LT", value=T0_ISO), []),
        (one("lastmodifieddate", "HAS_PROPERTY"), [0, 1, 2]),
    ],
)
def test_operators_on_strings_and_record_properties(
    api: Api, token: str, people: list[str], body: dict[str, Any], expected: list[int]
) -> None:
    assert ids_of(search(api, token, "contacts", body)) == [people[i] for i in expected]


def test_filter_groups_are_or_of_ands(api: Api, token: str, people: list[str]) -> None:
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "email",
                        "operator": "CONTAINS_TOKEN",
                        "value": "*example.com",
                    },
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                ]
            },
            {"filters": [{"propertyName": "lastname", "operator": "EQ", "value": "hopper"}]},
        ]
    }
    assert ids_of(search(api, token, "contacts", body)) == [people[0], people[1]]


def test_numbers_compare_as_numbers(api: Api, token: str) -> None:
    deals = create(
        api, token, "deals", {"amount": "9"}, {"amount": "100"}, {"amount": "1000.5"}, {}
    )
    assert ids_of(search(api, token, "deals", one("amount", "GT", value="10"))) == deals[1:3]
    assert ids_of(search(api, token, "deals", one("amount", "LTE", value=100))) == deals[0:2]
    assert ids_of(search(api, token, "deals", one("amount", "EQ", value="100.0"))) == [deals[1]]
    between = one("amount", "BETWEEN", value="50", highValue="5000")
    assert ids_of(search(api, token, "deals", between)) == deals[1:3]
    by_amount = {"sorts": [{"propertyName": "amount", "direction": "DESCENDING"}]}
    assert ids_of(search(api, token, "deals", by_amount)) == [
        deals[2],
        deals[1],
        deals[0],
        deals[3],
    ]
    assert ids_of(search(api, token, "deals", {"sorts": ["amount"]})) == deals


def test_datetimes_compare_as_epoch_ms_or_iso(api: Api, token: str) -> None:
    deals = create(
        api,
        token,
        "deals",
        {"closedate": "2026-01-01T00:00:00Z"},
        {"closedate": "1769904000000"},  # 2026-02-01T00:00:00Z
        {"closedate": "2026-03-01T12:30:00.000Z"},
    )
    feb = "2026-02-01T00:00:00Z"
    assert ids_of(search(api, token, "deals", one("closedate", "EQ", value="1769904000000"))) == [
        deals[1]
    ]
    assert ids_of(search(api, token, "deals", one("closedate", "GTE", value=feb))) == deals[1:]
    span = one("closedate", "BETWEEN", value="1767225600000", highValue=feb)
    assert ids_of(search(api, token, "deals", span)) == deals[:2]
    assert ids_of(search(api, token, "deals", {"sorts": ["-closedate"]})) == deals[::-1]


def test_multi_value_enumerations_split_on_semicolons(api: Api, token: str) -> None:
    tickets = create(
        api,
        token,
        "tickets",
        {"subject": "a", "hs_ticket_category": "BILLING_ISSUE;PRODUCT_ISSUE"},
        {"subject": "b", "hs_ticket_category": "PRODUCT_ISSUE"},
        {"subject": "c", "hs_ticket_category": "FEATURE_REQUEST"},
    )
    eq = one("hs_ticket_category", "EQ", value="PRODUCT_ISSUE")
    assert ids_of(search(api, token, "tickets", eq)) == tickets[:2]
    inside = one("hs_ticket_category", "IN", values=["BILLING_ISSUE", "FEATURE_REQUEST"])
    assert ids_of(search(api, token, "tickets", inside)) == [tickets[0], tickets[2]]
    neq = one("hs_ticket_category", "NEQ", value="PRODUCT_ISSUE")
    assert ids_of(search(api, token, "tickets", neq)) == [tickets[2]]


def test_association_filter(api: Api, token: str) -> None:
    acme, other = create(api, token, "companies", {"name": "Acme"}, {"name": "Other"})
    deals = create(api, token, "deals", {"dealname": "A"}, {"dealname": "B"}, {"dealname": "C"})
    for deal, company in ((deals[0], acme), (deals[1], acme), (deals[2], other)):
        response = api.client.put(
            f"/crm/v4/objects/deals/{deal}/associations/default/companies/{company}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
    of_acme = one("associations.company", "EQ", value=acme)
    assert ids_of(search(api, token, "deals", of_acme)) == deals[:2]
    of_both = one("associations.companies", "IN", values=[acme, other])
    assert ids_of(search(api, token, "deals", of_both)) == deals
    narrowed = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "associations.company", "operator": "EQ", "value": acme},
                    {"propertyName": "dealname", "operator": "EQ", "value": "b"},
                ]
            }
        ]
    }
    assert ids_of(search(api, token, "deals", narrowed)) == [deals[1]]
    bad = search(api, token, "deals", one("associations.company", "GT", value=acme))
    assert bad.status_code == 400


def test_query_searches_default_searchable_properties(
    api: Api, token: str, people: list[str]
) -> None:
    assert ids_of(search(api, token, "contacts", {"query": "lovel"})) == [people[0]]
    assert ids_of(search(api, token, "contacts", {"query": "navy"})) == [people[1]]
    assert ids_of(search(api, token, "contacts", {"query": "ada lovelace"})) == [people[0]]
    assert ids_of(search(api, token, "contacts", {"query": "nobody"})) == []


def test_sorts_both_forms(api: Api, token: str, people: list[str]) -> None:
    by_name = {"sorts": [{"propertyName": "firstname", "direction": "ASCENDING"}]}
    assert ids_of(search(api, token, "contacts", by_name)) == [people[0], people[2], people[1]]
    assert ids_of(search(api, token, "contacts", {"sorts": ["-firstname"]})) == [
        people[1],
        people[2],
        people[0],
    ]
    assert ids_of(search(api, token, "contacts", {"sorts": ["-hs_object_id"]})) == people[::-1]


def test_only_the_first_sort_applies_across_pages(api: Api, token: str) -> None:
    """The search guide: one sorting rule applies to a search
    (https://developers.hubspot.com/docs/guides/api/crm/search#sorting). A second sort is
    accepted and ignored [inferred]: ties on the first sort are in id order (in the sort's
    direction), on every page."""
    made = create(
        api,
        token,
        "contacts",
        *(
            {"firstname": name, "lastname": last}
            for name, last in (
                ("B", "z"),
                ("A", "y"),
                ("B", "x"),
                ("A", "w"),
                ("B", "v"),
            )
        ),
    )
    body: dict[str, Any] = {
        "limit": 2,
        "sorts": [
            {"propertyName": "firstname", "direction": "DESCENDING"},
            {"propertyName": "lastname", "direction": "ASCENDING"},
        ],
        "properties": ["firstname", "lastname"],
    }
    seen: list[str] = []
    while True:
        response = search(api, token, "contacts", body)
        seen += ids_of(response)
        after = response.json().get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
        body["after"] = after
    assert seen == [made[4], made[2], made[0], made[3], made[1]]
    only_first = {"sorts": ["-firstname"], "limit": 10}
    assert ids_of(search(api, token, "contacts", only_first)) == seen
    # A sort on a property that does not exist is HubSpot's 400, even in second place.
    unknown = search(api, token, "contacts", {"sorts": ["firstname", "nope"]})
    assert unknown.status_code == 400
    assert [e["code"] for e in unknown.json()["errors"]] == ["PROPERTY_DOESNT_EXIST"]


def test_paging_with_after_and_total(api: Api, token: str, clock: Clock) -> None:
    made = []
    for i in range(5):
        clock.ms = T0 + i * 1000
        made += create(api, token, "companies", {"name": f"C{i}"})
    body: dict[str, Any] = {"limit": 2, "sorts": ["-hs_lastmodifieddate"]}
    seen = []
    pages = 0
    while True:
        response = search(api, token, "companies", body)
        page = response.json()
        assert page["total"] == 5
        seen += [r["id"] for r in page["results"]]
        pages += 1
        if "paging" not in page:
            break
        body["after"] = page["paging"]["next"]["after"]
    assert seen == made[::-1]
    assert pages == 3


def test_plain_number_after_is_an_offset(api: Api, token: str, people: list[str]) -> None:
    """HubSpot's own ``after`` values are offsets ("10"); integrations send them back."""
    assert ids_of(search(api, token, "contacts", {"after": "1", "limit": 1})) == [people[1]]
    assert ids_of(search(api, token, "contacts", {"after": 2})) == [people[2]]


def test_paging_stops_at_10000_results(api: Api, token: str) -> None:
    api.run(api.services.store.create_objects, 1, "0-2", [{}] * 10_050, T0)
    body: dict[str, Any] = {"limit": 200, "properties": ["name"]}
    seen = 0
    while True:
        page = search(api, token, "companies", body).json()
        assert page["total"] == 10_050
        seen += len(page["results"])
        if "paging" not in page:
            break
        body["after"] = page["paging"]["next"]["after"]
    assert seen == 10_000
    past = search(api, token, "companies", {"after": "10000"})
    assert past.status_code == 400
    assert past.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"filterGroups": [one("email", "HAS_PROPERTY")["filterGroups"][0]] * 6},
            "at most 5 filterGroups",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}
                ]
            },
            "at most 6 filters",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 6}
                ]
                * 3
                + [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}]
            },
            "Too many filters: 19. A search takes at most 18 filters",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 5}
                ]
                * 4
            },
            "at most 18 filters",
        ),
        ({"query": "x" * 3000}, "The search request is too long: 3012 characters, at most 3000."),
        ({"limit": 201}, "between 1 and 200"),
        ({"limit": 0}, "between 1 and 200"),
        (one("email", "LIKE", value="x"), "Unknown operator 'LIKE'"),
        (one("email", "EQ"), "needs 'value'"),
        (one("email", "BETWEEN", value="a"), "needs 'highValue'"),
        (one("email", "IN"), "needs 'values'"),
        (one("amount", "EQ", value="1"), "some properties do not exist"),
        ({"after": "not-a-cursor"}, "Invalid 'after'"),
    ],
)
def test_bad_searches_are_400(api: Api, token: str, body: dict[str, Any], fragment: str) -> None:
    response = search(api, token, "contacts", body)
    assert response.status_code == 400, response.text
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert fragment in response.json()["message"]


def test_unknown_property_filter_names_it(api: Api, token: str) -> None:
    response = search(api, token, "contacts", one("favourite", "EQ", value="x"))
    assert response.json()["errors"] == [
        {
            "message": 'Property "favourite" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["favourite"]},
        }
    ]


def test_archived_records_are_not_found(api: Api, token: str, people: list[str]) -> None:
    response = api.client.delete(
        f"{V3}/contacts/{people[0]}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204
    assert ids_of(search(api, token, "contacts", {})) == people[1:]


def test_changes_are_searchable_at_once_by_default(api: Api, token: str, people: list[str]) -> None:
    response = api.client.patch(
        f"{V3}/contacts/{people[2]}",
        json={"properties": {"lifecyclestage": "customer"}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    found = search(api, token, "contacts", one("lifecyclestage", "EQ", value="customer"))
    assert ids_of(found) == [people[1], people[2]]


def test_index_delay_hides_new_and_changed_records(
    make_api: Callable[..., Api], clock: Clock
) -> None:
    api = make_api(search_index_delay_ms=5000)
    api.portal(1)
    token = api.token(1)
    (made,) = create(api, token, "contacts", {"email": "late@example.com"})
    assert ids_of(search(api, token, "contacts", {})) == []
    clock.ms += 4999
    assert ids_of(search(api, token, "contacts", {})) == []
    clock.ms += 1
    assert ids_of(search(api, token, "contacts", {})) == [made]


def test_search_needs_the_objects_read_scope(api: Api, clock: Clock) -> None:
    api.portal(1)
    deals_only = api.token(1, ["crm.objects.deals.read"])
    assert search(api, deals_only, "contacts", {}).status_code == 403
    assert search(api, deals_only, "deals", {}).status_code == 200


def test_search_has_its_own_per_second_cap_when_limits_are_on(
    make_api: Callable[..., Api], clock: Clock
) -> None:
    """5 searches per second per portal (HubSpot's search guide), apart from the 10-second
    budget: the sixth in the same second is HubSpot's 429 with policyName SECONDLY."""
    api = make_api(rate_limit="enterprise")
    api.portal(1)
    token = api.token(1)
    answers = [search(api, token, "contacts", {}) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    refused = answers[5]
    assert refused.status_code == 429
    body = refused.json()
    assert body["correlationId"] == refused.headers["x-hubspot-correlation-id"]
    assert {k: v for k, v in body.items() if k not in ("correlationId", "requestId")} == {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "category": "RATE_LIMITS",
        "policyName": "SECONDLY",
    }
    assert refused.headers["retry-after"] == "1"
    # Other endpoints are not held by the search cap.
    assert api.get(f"{V3}/contacts", token).status_code == 200


def test_no_search_cap_when_limits_are_off(api: Api, token: str) -> None:
    assert {search(api, token, "contacts", {}).status_code for _ in range(8)} == {200}
