"""Malformed requests are HubSpot-shaped 4xx answers, never a 500.

HubSpot's error format: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

BATCH = "/crm/v4/associations/contacts/companies/batch/read"


@pytest.fixture
def token(api: Api) -> str:
    api.portal(1)
    return api.token(1)


def raw_post(
    api: Api, token: str, content: bytes, content_type: str | None = "application/json"
) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    return api.client.post(BATCH, content=content, headers=headers)


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"",
        b"   ",
        b"null",
        b"[]",
        b'{"inputs": {}}',
        b'{"inputs": [{"after": "x"}]}',
        b'{"input": []}',
        b'{"inputs": [{"id": true}]}',
        b'{"inputs": [{"id": 1.5}]}',
        b'{"inputs": [{"id": null}]}',
        b'{"inputs": [{"id": "1", "after": 5}]}',
        b"\xff\xfe\x00",
        '{"inputs": [{"id": "١٢٣"}]}'.encode(),
        b"[" * 100_000,
    ],
)
def test_malformed_bodies_are_400_validation_errors(api: Api, token: str, content: bytes) -> None:
    response = raw_post(api, token, content)

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"]
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]


def test_a_wrong_type_names_the_field(api: Api, token: str) -> None:
    response = raw_post(api, token, b'{"inputs": "all"}')

    assert response.json()["message"] == (
        "Invalid input JSON: Expected `array`, got `str` - at `$.inputs`"
    )


@pytest.mark.parametrize(
    "bad_id",
    [
        "-1",
        "0",
        "",
        "abc",
        "12a",
        "9223372036854775808",
        -7,
        9223372036854775808,
        "1 OR 1=1",
        "1; DROP TABLE x",
    ],
)
def test_ids_that_are_not_positive_int64s_are_rejected(api: Api, token: str, bad_id: Any) -> None:
    response = api.post(BATCH, token, {"inputs": [{"id": bad_id}]})

    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Invalid id")


def test_the_largest_int64_id_is_accepted(api: Api, token: str) -> None:
    response = api.post(BATCH, token, {"inputs": [{"id": "9223372036854775807"}]})

    assert response.status_code == 207


def test_a_body_over_the_cap_is_a_413(make_api: Any) -> None:
    api = make_api(max_body_bytes=2048)
    api.portal(1)
    token = api.token(1)
    big = {"inputs": [{"id": str(i)} for i in range(1, 400)]}

    response = api.post(BATCH, token, big)

    assert response.status_code == 413
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["message"] == (
        "The request body is larger than the limit of 2048 bytes."
    )


def test_a_chunked_body_over_the_cap_is_a_413(make_api: Any) -> None:
    api = make_api(max_body_bytes=2048)
    api.portal(1)
    token = api.token(1)

    def chunks() -> Any:
        yield b'{"inputs": ['
        for i in range(1, 400):
            yield b'{"id": "%d"},' % i
        yield b'{"id": "1"}]}'

    response = api.client.post(
        BATCH,
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 413


def test_a_non_json_content_type_is_a_400(api: Api, token: str) -> None:
    response = raw_post(api, token, b'{"inputs": []}', "application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Unsupported content type 'application/x-www-form-urlencoded': send the body as "
        "application/json."
    )


def test_a_missing_content_type_is_tolerated(api: Api, token: str) -> None:
    response = raw_post(api, token, b'{"inputs": []}', None)

    assert response.status_code == 200


def test_unknown_fields_are_ignored_like_hubspot(api: Api, token: str) -> None:
    response = api.post(BATCH, token, {"inputs": [{"id": "5", "extra": 1}], "other": True})

    assert response.status_code == 207


def test_unknown_routes_and_methods_get_hubspot_shaped_errors(api: Api, token: str) -> None:
    missing = api.get("/crm/v4/nothing-here", token)
    wrong_method = api.get(BATCH, token)

    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert missing.json()["correlationId"] == missing.headers["x-hubspot-correlation-id"]
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == "error"


def test_unicode_and_sql_looking_path_segments_are_400s(api: Api, token: str) -> None:
    for segment in ("cöntacts", "contacts' OR '1'='1", "%00"):
        response = api.post(
            f"/crm/v4/associations/{segment}/companies/batch/read", token, {"inputs": []}
        )
        assert response.status_code == 400, segment
