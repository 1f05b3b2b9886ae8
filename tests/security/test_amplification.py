"""Response amplification: a small request may not ask for a huge answer. Property names
per read are capped (duplicates count once) and no JSON answer exceeds
``--max-response-bytes``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assocdb.domain.objects import MAX_READ_PROPERTIES
from tests.conftest import Api

BATCH_READ = "/crm/v3/objects/contacts/batch/read"


@pytest.fixture
def contacts(api: Api) -> tuple[Api, str, list[int]]:
    api.portal(1)
    return api, api.token(1), api.objects(1, "contacts", 100)


def _batch_read(api: Api, token: str, ids: list[int], properties: list[str]) -> Any:
    return api.post(
        BATCH_READ,
        token,
        {"inputs": [{"id": str(i)} for i in ids], "properties": properties},
    )


def test_too_many_properties_is_a_400(contacts: tuple[Api, str, list[int]]) -> None:
    api, token, ids = contacts
    names = [f"p{i}" for i in range(MAX_READ_PROPERTIES + 1)]
    response = _batch_read(api, token, ids, names)
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == (
        f"Too many properties: {MAX_READ_PROPERTIES + 1} distinct names, at most "
        f"{MAX_READ_PROPERTIES} per request."
    )
    # The same on the GET endpoints (comma-separated query).
    listed = api.get("/crm/v3/objects/contacts", token, params={"properties": ",".join(names)})
    assert listed.status_code == 400
    one = api.get(
        f"/crm/v3/objects/contacts/{ids[0]}", token, params={"properties": ",".join(names)}
    )
    assert one.status_code == 400


def test_duplicate_property_names_count_once(contacts: tuple[Api, str, list[int]]) -> None:
    api, token, ids = contacts
    names = [f"p{i}" for i in range(MAX_READ_PROPERTIES)] * 50  # 50,000 names, 1,000 distinct
    response = _batch_read(api, token, ids[:2], names)
    assert response.status_code == 200, response.text
    first = response.json()["results"][0]["properties"]
    assert first["p999"] is None
    assert len([k for k in first if k.startswith("p")]) == MAX_READ_PROPERTIES


def test_overlong_property_name_is_a_400(contacts: tuple[Api, str, list[int]]) -> None:
    api, token, ids = contacts
    response = _batch_read(api, token, ids, ["x" * 100_000])
    assert response.status_code == 400
    assert "at most 256 characters" in response.json()["message"]


def test_the_issue_s_139_mb_request_is_refused_up_front(
    contacts: tuple[Api, str, list[int]],
) -> None:
    """100 ids x 100,000 property names (1 MB) built a 139 MB answer before."""
    api, token, ids = contacts
    names = [f"prop_{i}" for i in range(100_000)]
    response = _batch_read(api, token, ids, names)
    assert response.status_code == 400


def test_answers_over_the_response_cap_are_a_400(make_api: Callable[..., Api]) -> None:
    api = make_api(max_response_bytes=64 * 1024)
    api.portal(1)
    token = api.token(1)
    ids = api.objects(1, "contacts", 100)
    names = [f"a_fairly_long_property_name_{i}" for i in range(30)]
    small = _batch_read(api, token, ids[:2], names)
    assert small.status_code == 200
    big = _batch_read(api, token, ids, names)  # ~100 x 30 x 40 bytes > 64 KB
    assert big.status_code == 400
    body = big.json()
    assert body["subCategory"] == "assocdb.RESPONSE_TOO_LARGE"
    assert "over this server's limit of 65536" in body["message"]
