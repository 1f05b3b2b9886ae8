"""POST /crm/v4/associations/{from}/{to}/batch/read.

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api
"""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Api, hs, user

URL = "/crm/v4/associations/{}/{}/batch/read"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def envelope(response: Any) -> dict[str, Any]:
    """The body without its timestamps, after checking their format.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    body: dict[str, Any] = response.json()
    assert ISO_MS.match(body.pop("startedAt"))
    assert ISO_MS.match(body.pop("completedAt"))
    return body


def setup_contacts_companies(api: Api) -> tuple[str, list[int], list[int]]:
    api.portal(1)
    token = api.token(1)
    contacts = api.objects(1, "contacts", 3)
    companies = api.objects(1, "companies", 2)
    return token, contacts, companies


def test_batch_read_returns_every_type_on_each_pair_in_input_order(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    billing = api.label(1, "contacts", "companies", "billing", "Billing contact", "Billing co")
    api.associate(
        1,
        "contacts",
        "companies",
        [
            (contacts[0], companies[0], [hs(1), user(billing[1])]),
            (contacts[0], companies[1], []),
            (contacts[1], companies[1], [hs(1)]),
        ],
    )

    response = api.post(
        URL.format("contacts", "companies"),
        token,
        {"inputs": [{"id": str(contacts[1])}, {"id": str(contacts[0])}]},
    )

    assert response.status_code == 200
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": str(contacts[1])},
                "to": [
                    {
                        "toObjectId": companies[1],
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                        ],
                    },
                ],
            },
            {
                "from": {"id": str(contacts[0])},
                "to": [
                    {
                        "toObjectId": companies[0],
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                            {
                                "category": "USER_DEFINED",
                                "typeId": billing[1],
                                "label": "Billing contact",
                            },
                        ],
                    },
                    {
                        "toObjectId": companies[1],
                        "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                        ],
                    },
                ],
            },
        ],
    }


def test_a_pair_stored_from_one_side_reads_back_from_the_other_with_inverse_types(
    api: Api,
) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    billing = api.label(1, "contacts", "companies", "billing", "Billing contact", "Billing co")
    api.associate(
        1, "contacts", "companies", [(contacts[0], companies[0], [hs(1), user(billing[1])])]
    )

    response = api.post(
        URL.format("companies", "contacts"), token, {"inputs": [{"id": str(companies[0])}]}
    )

    assert response.status_code == 200
    assert envelope(response)["results"] == [
        {
            "from": {"id": str(companies[0])},
            "to": [
                {
                    "toObjectId": contacts[0],
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 2, "label": "Primary"},
                        {"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None},
                        {"category": "USER_DEFINED", "typeId": billing[0], "label": "Billing co"},
                    ],
                },
            ],
        },
    ]


def test_inputs_without_associations_are_errors_in_a_207_even_when_all_fail(api: Api) -> None:
    token, _, _ = setup_contacts_companies(api)

    response = api.post(
        URL.format("deals", "companies"), token, {"inputs": [{"id": "515690208449"}]}
    )

    assert response.status_code == 207
    assert envelope(response) == {
        "status": "COMPLETE",
        "results": [],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": "No company is associated with deal 515690208449.",
                "context": {
                    "fromObjectId": ["515690208449"],
                    "fromObjectType": ["deal"],
                    "toObjectType": ["company"],
                },
            }
        ],
    }


def test_a_mix_of_found_and_missing_inputs_is_a_207_with_both(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0])])

    response = api.post(
        URL.format("contacts", "companies"),
        token,
        {
            "inputs": [
                {"id": str(contacts[0])},
                {"id": str(contacts[1])},
                {"id": "999"},
            ]
        },
    )

    assert response.status_code == 207
    body = envelope(response)
    assert [r["from"]["id"] for r in body["results"]] == [str(contacts[0])]
    assert body["numErrors"] == 2
    assert [e["context"]["fromObjectId"] for e in body["errors"]] == [[str(contacts[1])], ["999"]]
    assert body["errors"][1]["message"] == "No company is associated with contact 999."


def test_numeric_ids_are_accepted_and_from_id_is_always_a_string(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0])])

    response = api.post(
        URL.format("contacts", "companies"), token, {"inputs": [{"id": contacts[0]}]}
    )

    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["from"] == {"id": str(contacts[0])}
    assert result["to"][0]["toObjectId"] == companies[0]
    assert f'"toObjectId":{companies[0]}' in response.text


def test_identical_inputs_are_answered_once(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0])])

    response = api.post(
        URL.format("contacts", "companies"),
        token,
        {
            "inputs": [
                {"id": str(contacts[0])},
                {"id": contacts[0]},
                {"id": "777"},
                {"id": "777"},
            ]
        },
    )

    body = envelope(response)
    assert [r["from"]["id"] for r in body["results"]] == [str(contacts[0])]
    assert body["numErrors"] == 1


def test_1000_inputs_are_accepted_and_1001_are_rejected(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0])])
    thousand = [{"id": str(contacts[0])}] + [{"id": str(i)} for i in range(1, 1000)]

    ok = api.post(URL.format("contacts", "companies"), token, {"inputs": thousand})
    too_many = api.post(
        URL.format("contacts", "companies"), token, {"inputs": [*thousand, {"id": "5000"}]}
    )

    assert ok.status_code == 207
    assert ok.json()["numErrors"] == 999
    assert too_many.status_code == 400
    body = too_many.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == ("Too many inputs: 1001. A batch read accepts at most 1000 inputs.")


def test_object_types_by_name_plural_any_case_and_id(api: Api) -> None:
    token, contacts, companies = setup_contacts_companies(api)
    api.associate(1, "contacts", "companies", [(contacts[0], companies[0])])
    bodies = []
    for from_type, to_type in [
        ("contacts", "companies"),
        ("contact", "company"),
        ("CONTACTS", "Company"),
        ("0-1", "0-2"),
    ]:
        response = api.post(
            URL.format(from_type, to_type), token, {"inputs": [{"id": str(contacts[0])}]}
        )
        assert response.status_code == 200, (from_type, to_type)
        bodies.append(envelope(response))
    assert all(b == bodies[0] for b in bodies)


def test_unknown_object_type_is_a_400(api: Api) -> None:
    token, _, _ = setup_contacts_companies(api)

    response = api.post(URL.format("contactz", "companies"), token, {"inputs": []})

    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == "Unable to infer object type from: contactz"


def test_custom_object_types_are_accepted(api: Api) -> None:
    token, _, _ = setup_contacts_companies(api)

    response = api.post(URL.format("2-116144011", "contacts"), token, {"inputs": [{"id": "5"}]})

    assert response.status_code == 207
    assert response.json()["errors"][0]["message"] == (
        "No contact is associated with 2-116144011 5."
    )


def test_an_empty_inputs_list_is_a_200_with_no_results(api: Api) -> None:
    token, _, _ = setup_contacts_companies(api)

    response = api.post(URL.format("contacts", "companies"), token, {"inputs": []})

    assert response.status_code == 200
    assert envelope(response) == {"status": "COMPLETE", "results": []}


def test_activities_and_other_objects_use_their_documented_type_ids(api: Api) -> None:
    api.portal(1)
    token = api.token(1)
    (deal,) = api.objects(1, "deals", 1)
    (note,) = api.objects(1, "notes", 1)
    (line_item,) = api.objects(1, "line_items", 1)
    api.associate(1, "deals", "notes", [(deal, note)])
    api.associate(1, "deals", "line_items", [(deal, line_item)])

    from_note = api.post(URL.format("0-46", "deal"), token, {"inputs": [{"id": str(note)}]})
    from_item = api.post(
        URL.format("line_items", "deals"), token, {"inputs": [{"id": str(line_item)}]}
    )

    assert from_note.json()["results"][0]["to"] == [
        {
            "toObjectId": deal,
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 214, "label": None}],
        }
    ]
    assert from_item.json()["results"][0]["to"] == [
        {
            "toObjectId": deal,
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 20, "label": None}],
        }
    ]
