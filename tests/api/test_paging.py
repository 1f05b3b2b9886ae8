"""Per-input keyset paging in batch read and the per-record list.

HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
https://developers.hubspot.com/changelog/bug-fix-batch-read-limit-for-hubspot-associations-api
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tests.conftest import Api

BATCH = "/crm/v4/associations/companies/contacts/batch/read"
LIST = "/crm/v4/objects/companies/{}/associations/contacts"


def company_with_contacts(api: Api, count: int) -> tuple[str, int, list[int]]:
    api.portal(1)
    token = api.token(1)
    (company,) = api.objects(1, "companies", 1)
    contacts = api.objects(1, "contacts", count)
    api.associate(1, "contacts", "companies", [(c, company) for c in contacts])
    return token, company, contacts


def read_all_pages(api: Api, token: str, company: int) -> tuple[list[int], list[dict[str, Any]]]:
    seen: list[int] = []
    pagings: list[dict[str, Any]] = []
    request: dict[str, Any] = {"id": str(company)}
    while True:
        response = api.post(BATCH, token, {"inputs": [request]})
        assert response.status_code == 200
        (result,) = response.json()["results"]
        seen += [t["toObjectId"] for t in result["to"]]
        if "paging" not in result:
            return seen, pagings
        pagings.append(result["paging"])
        request = {"id": str(company), "after": result["paging"]["next"]["after"]}


def test_batch_read_pages_per_input_with_after_cursors(make_api: Any) -> None:
    api = make_api(batch_read_page_size=3)
    token, company, contacts = company_with_contacts(api, 7)

    seen, pagings = read_all_pages(api, token, company)

    assert seen == sorted(contacts)
    assert len(pagings) == 2  # pages of 3, 3 and 1; paging only while more remain
    assert all(set(p) == {"next"} and set(p["next"]) == {"after"} for p in pagings)


def test_paging_is_absent_when_a_page_is_exactly_full(make_api: Any) -> None:
    api = make_api(batch_read_page_size=3)
    token, company, _ = company_with_contacts(api, 3)

    response = api.post(BATCH, token, {"inputs": [{"id": str(company)}]})

    assert "paging" not in response.json()["results"][0]


def test_cursors_look_like_hubspots_and_are_accepted_url_decoded(make_api: Any) -> None:
    api = make_api(batch_read_page_size=2)
    token, company, contacts = company_with_contacts(api, 3)
    first = api.post(BATCH, token, {"inputs": [{"id": str(company)}]}).json()
    after = first["results"][0]["paging"]["next"]["after"]

    second = api.post(BATCH, token, {"inputs": [{"id": str(company), "after": unquote(after)}]})

    assert after.endswith("%3D") or after.isalnum()
    assert [t["toObjectId"] for t in second.json()["results"][0]["to"]] == sorted(contacts)[2:]


def test_each_input_pages_independently_in_one_request(make_api: Any) -> None:
    api = make_api(batch_read_page_size=2)
    api.portal(1)
    token = api.token(1)
    big, small = api.objects(1, "companies", 2)
    contacts = api.objects(1, "contacts", 5)
    api.associate(1, "contacts", "companies", [(c, big) for c in contacts] + [(contacts[0], small)])
    first = api.post(BATCH, token, {"inputs": [{"id": str(big)}, {"id": str(small)}]}).json()
    cursor = first["results"][0]["paging"]["next"]["after"]

    second = api.post(
        BATCH,
        token,
        {
            "inputs": [
                {"id": str(small)},
                {"id": str(big), "after": cursor},
            ]
        },
    ).json()

    assert "paging" not in first["results"][1]
    assert [r["from"]["id"] for r in second["results"]] == [str(small), str(big)]
    assert [t["toObjectId"] for t in second["results"][1]["to"]] == contacts[2:4]


def test_a_tampered_cursor_is_a_400(make_api: Any) -> None:
    api = make_api(batch_read_page_size=2)
    token, company, _ = company_with_contacts(api, 5)
    after = api.post(BATCH, token, {"inputs": [{"id": str(company)}]}).json()["results"][0][
        "paging"
    ]["next"]["after"]
    tampered = ("A" if after[0] != "A" else "B") + after[1:]

    for bad in (tampered, "not-a-cursor", "MC0yLTc1MDI%3D", after[:-12]):
        response = api.post(BATCH, token, {"inputs": [{"id": str(company), "after": bad}]})
        assert response.status_code == 400, bad
        body = response.json()
        assert body["category"] == "VALIDATION_ERROR"
        assert body["message"].startswith("Invalid paging cursor 'after'")


def test_a_cursor_from_another_record_is_rejected(make_api: Any) -> None:
    api = make_api(batch_read_page_size=1)
    api.portal(1)
    token = api.token(1)
    one, two = api.objects(1, "companies", 2)
    contacts = api.objects(1, "contacts", 2)
    api.associate(
        1, "contacts", "companies", [(c, one) for c in contacts] + [(c, two) for c in contacts]
    )
    after = api.post(BATCH, token, {"inputs": [{"id": str(one)}]}).json()["results"][0]["paging"][
        "next"
    ]["after"]

    response = api.post(BATCH, token, {"inputs": [{"id": str(two), "after": after}]})

    assert response.status_code == 400


def test_list_defaults_to_500_and_pages_with_after(api: Api) -> None:
    token, company, contacts = company_with_contacts(api, 501)

    first = api.get(LIST.format(company), token)
    after = first.json()["paging"]["next"]["after"]
    second = api.get(LIST.format(company), token, params={"after": after})

    assert first.status_code == 200
    assert len(first.json()["results"]) == 500
    assert second.json() == {
        "results": [
            {
                "toObjectId": sorted(contacts)[-1],
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 280, "label": None}],
            }
        ]
    }


def test_list_limit_is_honoured_and_clamped_to_500(api: Api) -> None:
    token, company, contacts = company_with_contacts(api, 502)

    three = api.get(LIST.format(company), token, params={"limit": "3"}).json()
    too_big = api.get(LIST.format(company), token, params={"limit": "1000"}).json()

    assert [r["toObjectId"] for r in three["results"]] == sorted(contacts)[:3]
    assert "after" in three["paging"]["next"]
    assert len(too_big["results"]) == 500


def test_list_rejects_a_bad_limit_or_cursor(api: Api) -> None:
    token, company, _ = company_with_contacts(api, 2)

    for params in ({"limit": "0"}, {"limit": "-5"}, {"limit": "ten"}, {"after": "garbage"}):
        response = api.get(LIST.format(company), token, params=params)
        assert response.status_code == 400, params
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_list_of_a_record_without_associations_or_that_does_not_exist_is_empty(api: Api) -> None:
    token, _, _ = company_with_contacts(api, 1)
    (lonely,) = api.objects(1, "companies", 1)

    for object_id in (lonely, 424242):
        response = api.get(LIST.format(object_id), token)
        assert response.status_code == 200
        assert response.json() == {"results": []}


def test_list_rejects_an_object_id_that_is_not_a_positive_int64(api: Api) -> None:
    token, _, _ = company_with_contacts(api, 1)

    for bad in ("abc", "-1", "0", "9223372036854775808"):
        response = api.get(LIST.format(bad), token)
        assert response.status_code == 400, bad
