"""Domain write semantics used by the demo now and by the write API: label sets, inverses,
primary, validation. Driven through the domain services on a real store."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, hs, user

READ = "/crm/v4/associations/{}/{}/batch/read"


def types_of(api: Api, token: str, from_type: str, to_type: str, from_id: int) -> dict[int, Any]:
    body = api.post(READ.format(from_type, to_type), token, {"inputs": [{"id": str(from_id)}]})
    results = body.json()["results"]
    if not results:
        return {}
    return {
        t["toObjectId"]: [(a["category"], a["typeId"]) for a in t["associationTypes"]]
        for t in results[0]["to"]
    }


def setup(api: Api) -> tuple[str, list[int], list[int]]:
    api.portal(1)
    return api.token(1), api.objects(1, "contacts", 2), api.objects(1, "companies", 3)


def test_replace_sets_the_label_set_and_append_adds_to_it(api: Api) -> None:
    token, contacts, companies = setup(api)
    a, b = (
        api.label(1, "contacts", "companies", "a", "A"),
        api.label(1, "contacts", "companies", "b", "B"),
    )
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0], [user(a[1])])])
    api.associate(
        1, "contacts", "companies", [(contacts[0], companies[0], [user(b[1])])], replace=True
    )
    replaced = types_of(api, token, "contacts", "companies", contacts[0])
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0], [user(a[1])])])
    appended = types_of(api, token, "contacts", "companies", contacts[0])

    assert replaced == {companies[0]: [("HUBSPOT_DEFINED", 279), ("USER_DEFINED", b[1])]}
    assert appended == {
        companies[0]: [("HUBSPOT_DEFINED", 279), ("USER_DEFINED", a[1]), ("USER_DEFINED", b[1])]
    }
    assert types_of(api, token, "companies", "contacts", companies[0]) == {
        contacts[0]: [("HUBSPOT_DEFINED", 280), ("USER_DEFINED", a[0]), ("USER_DEFINED", b[0])]
    }


def test_a_new_primary_moves_away_from_the_previous_one(api: Api) -> None:
    token, contacts, companies = setup(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0], [hs(1)])])
    api.associate(1, "contacts", "companies", [(contacts[0], companies[1], [hs(1)])])

    assert types_of(api, token, "contacts", "companies", contacts[0]) == {
        companies[0]: [("HUBSPOT_DEFINED", 279)],
        companies[1]: [("HUBSPOT_DEFINED", 1), ("HUBSPOT_DEFINED", 279)],
    }
    assert types_of(api, token, "companies", "contacts", companies[0]) == {
        contacts[0]: [("HUBSPOT_DEFINED", 280)]
    }
    assert types_of(api, token, "companies", "contacts", companies[1]) == {
        contacts[0]: [("HUBSPOT_DEFINED", 2), ("HUBSPOT_DEFINED", 280)]
    }


def test_two_primaries_in_one_batch_leave_the_last_one(api: Api) -> None:
    token, contacts, companies = setup(api)
    api.associate(
        1,
        "contacts",
        "companies",
        [(contacts[0], companies[0], [hs(1)]), (contacts[0], companies[2], [hs(1)])],
    )

    read = types_of(api, token, "contacts", "companies", contacts[0])

    assert [c for c, types in read.items() if ("HUBSPOT_DEFINED", 1) in types] == [companies[2]]


def test_primary_of_one_record_does_not_touch_another_records_primary(api: Api) -> None:
    token, contacts, companies = setup(api)
    api.associate(
        1,
        "contacts",
        "companies",
        [(contacts[0], companies[0], [hs(1)]), (contacts[1], companies[1], [hs(1)])],
    )

    assert types_of(api, token, "contacts", "companies", contacts[1]) == {
        companies[1]: [("HUBSPOT_DEFINED", 1), ("HUBSPOT_DEFINED", 279)]
    }


def test_invalid_types_and_missing_records_fail_per_input_and_write_nothing(api: Api) -> None:
    token, contacts, companies = setup(api)

    results = api.associate(
        1,
        "contacts",
        "companies",
        [
            (contacts[0], companies[0], [hs(5)]),
            (contacts[0], 999, []),
            (998, companies[0], []),
            (contacts[1], companies[1], [user(12345)]),
            (contacts[1], companies[2], []),
        ],
    )

    messages = [str(r) for r in results[:4]]
    assert messages == [
        "0-5 is not a valid association type between contacts and companies",
        "No company with ID 999 exists",
        "No contact with ID 998 exists",
        "1-12345 is not a valid association type between contacts and companies",
    ]
    assert types_of(api, token, "contacts", "companies", contacts[0]) == {}
    assert types_of(api, token, "contacts", "companies", contacts[1]) == {
        companies[2]: [("HUBSPOT_DEFINED", 279)]
    }


def test_same_type_pairs_store_the_inverse_type(api: Api) -> None:
    api.portal(1)
    token = api.token(1)
    parent, child = api.objects(1, "companies", 2)
    api.associate(1, "companies", "companies", [(parent, child, [hs(13)])])

    assert types_of(api, token, "companies", "companies", parent) == {
        child: [("HUBSPOT_DEFINED", 13), ("HUBSPOT_DEFINED", 450)]
    }
    assert types_of(api, token, "companies", "companies", child) == {
        parent: [("HUBSPOT_DEFINED", 14), ("HUBSPOT_DEFINED", 450)]
    }


def test_a_record_cannot_be_associated_with_itself(api: Api) -> None:
    api.portal(1)
    (company,) = api.objects(1, "companies", 1)

    (result,) = api.associate(1, "companies", "companies", [(company, company)])

    assert str(result) == f"A company cannot be associated with itself ({company})."


def test_labels_are_per_portal_and_allocated_in_pairs(api: Api) -> None:
    api.portal(1)
    api.portal(2)

    first = api.label(1, "contacts", "companies", "manager", "Manager", "Employee")
    second = api.label(1, "deals", "contacts", "champion", "Champion")
    other_portal = api.label(2, "contacts", "companies", "manager", "Manager", "Employee")

    assert first == [101, 100]  # inverse first, as HubSpot's example lists them
    assert second == [103, 102]
    assert other_portal == [101, 100]


def test_primary_set_from_the_company_side_moves_the_contacts_primary(api: Api) -> None:
    token, contacts, companies = setup(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0], [hs(1)])])
    # Company 1 becomes the contact's primary company (typeId 2, company → contact); a
    # company may be the primary of many contacts, so only the contact's old one changes.
    api.associate(
        1,
        "companies",
        "contacts",
        [(companies[1], contacts[0], [hs(2)]), (companies[1], contacts[1], [hs(2)])],
    )

    assert types_of(api, token, "contacts", "companies", contacts[0]) == {
        companies[0]: [("HUBSPOT_DEFINED", 279)],
        companies[1]: [("HUBSPOT_DEFINED", 1), ("HUBSPOT_DEFINED", 279)],
    }
    assert types_of(api, token, "companies", "contacts", companies[1]) == {
        contacts[0]: [("HUBSPOT_DEFINED", 2), ("HUBSPOT_DEFINED", 280)],
        contacts[1]: [("HUBSPOT_DEFINED", 2), ("HUBSPOT_DEFINED", 280)],
    }
